"""The claim lifecycle as an explicit state machine; every move is recorded (who, when, why).

    draft → scrubbed → ready → submitted → accepted | rejected
    accepted (or submitted, when the 835 comes before any 277CA) → paid | partially_paid | denied
    paid | partially_paid | denied → appealed | corrected | voided | closed  (and re-adjudication)
    corrected (frequency 7) → ready → submitted ...      voided (frequency 8) → closed

Illegal moves raise IllegalTransition naming the claim, the two states and what is allowed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chartclaim.store.models import ClaimRecord, ClaimTransition

ADJUDICATED = frozenset({"paid", "partially_paid", "denied"})

TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"scrubbed", "voided"}),
    "scrubbed": frozenset({"ready", "draft"}),
    "ready": frozenset({"submitted", "draft"}),
    "submitted": frozenset({"accepted", "rejected"} | ADJUDICATED),
    "accepted": frozenset(ADJUDICATED | {"rejected"}),
    "rejected": frozenset({"draft", "corrected", "voided"}),
    # Re-adjudication (a reversal and a new payment) moves between adjudicated states or back to accepted.
    "paid": frozenset({"appealed", "corrected", "voided", "closed", "accepted"} | ADJUDICATED),
    "partially_paid": frozenset({"appealed", "corrected", "voided", "closed", "accepted"} | ADJUDICATED),
    "denied": frozenset({"appealed", "corrected", "voided", "closed", "accepted"} | ADJUDICATED),
    "appealed": frozenset(ADJUDICATED | {"closed", "corrected", "voided"}),
    "corrected": frozenset({"ready", "scrubbed", "submitted"}),
    "voided": frozenset({"closed"}),
    "closed": frozenset({"appealed", "corrected", "accepted"} | ADJUDICATED),  # reopened by a late 835/appeal
}
STATES = frozenset(TRANSITIONS)


class IllegalTransition(ValueError):
    def __init__(self, claim_number: str, current: str, target: str):
        self.claim_number, self.current, self.target = claim_number, current, target
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "nothing"
        super().__init__(f"claim {claim_number}: cannot go from {current!r} to {target!r} (allowed: {allowed})")


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def transition(
    session: Session,
    claim: ClaimRecord,
    target: str,
    actor: str,
    reason: str | None = None,
    remittance_id: int | None = None,
    at: dt.datetime | None = None,
) -> ClaimTransition:
    """Move one claim to `target`, recording the move; refuses moves the machine does not allow."""
    if target not in STATES:
        raise ValueError(f"claim {claim.claim_number}: unknown status {target!r}")
    if not can_transition(claim.status, target):
        raise IllegalTransition(claim.claim_number, claim.status, target)
    rec = ClaimTransition(claim_id=claim.id, from_status=claim.status, to_status=target, actor=actor,
                          reason=reason, remittance_id=remittance_id, at=at or dt.datetime.now(dt.UTC))
    if target == "submitted" and claim.first_submitted_on is None:
        claim.first_submitted_on = (at or dt.datetime.now(dt.UTC)).date()
    claim.status = target
    session.add(rec)
    session.flush()
    return rec


def bulk_transition(
    session: Session,
    moves: Iterable[tuple[int, str, str]],
    actor: str,
    reason: str | None,
    remittance_id: int | None = None,
) -> int:
    """Many (claim_id, current, target) moves at once (835 posting); each is checked like `transition`.
    The UPDATE is guarded by the current status so a concurrent change is not silently overwritten."""
    now = dt.datetime.now(dt.UTC)
    rows: list[dict[str, Any]] = []
    by_pair: dict[tuple[str, str], list[int]] = {}
    for claim_id, current, target in moves:
        if current == target:
            continue
        if not can_transition(current, target):
            raise IllegalTransition(str(claim_id), current, target)
        by_pair.setdefault((current, target), []).append(claim_id)
        rows.append({"claim_id": claim_id, "from_status": current, "to_status": target, "at": now,
                     "actor": actor, "reason": reason, "remittance_id": remittance_id})
    for (current, target), ids in by_pair.items():
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            res = session.execute(
                update(ClaimRecord).where(ClaimRecord.id.in_(chunk), ClaimRecord.status == current)
                .values(status=target).execution_options(synchronize_session=False)
            )
            if res.rowcount != len(chunk):  # type: ignore[attr-defined]
                raise IllegalTransition(f"one of {len(chunk)} claims", current, target)
    if rows:
        session.execute(ClaimTransition.__table__.insert(), rows)  # type: ignore[attr-defined]
    return len(rows)


def history(session: Session, claim_id: int) -> list[ClaimTransition]:
    return list(session.scalars(select(ClaimTransition).where(ClaimTransition.claim_id == claim_id)
                                .order_by(ClaimTransition.id)))
