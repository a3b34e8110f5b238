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

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from chartclaim.store.bulk import in_values, insert_tuples
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
    A claim may move more than once (a reversal, CLP02 22, then its corrected payment in the same 835): its moves
    are applied in the order given, each must start where the previous one ended, and the claim's row is updated
    once, from its first state to its last. The UPDATE is guarded by that first state so a concurrent change is
    not silently overwritten."""
    now = dt.datetime.now(dt.UTC)
    rows: list[tuple[Any, ...]] = []  # _MOVE_COLUMNS
    span: dict[int, list[str]] = {}  # claim id → [first state, last state], in the order the moves came
    for claim_id, current, target in moves:
        if current == target:
            continue
        if not can_transition(current, target):
            raise IllegalTransition(str(claim_id), current, target)
        seen = span.get(claim_id)
        if seen is None:
            span[claim_id] = [current, target]
        elif seen[1] != current:
            raise IllegalTransition(f"{claim_id} (already moved to {seen[1]!r} in this batch)", current, target)
        else:
            seen[1] = target
        rows.append((claim_id, current, target, now, actor, reason, remittance_id))
    by_pair: dict[tuple[str, str], list[int]] = {}
    for claim_id, (first, last) in span.items():
        by_pair.setdefault((first, last), []).append(claim_id)
    # SQLite cannot size an id list passed as one JSON parameter and would rather scan ix_claim_workbench for
    # every claim in `current` (all submitted claims, per remittance): `status || ''` keeps it on the primary key.
    claims: Table = ClaimRecord.__table__  # type: ignore[assignment]
    status = claims.c.status.concat("") if session.get_bind().dialect.name == "sqlite" else claims.c.status
    session.flush()  # what the ORM statement's autoflush did; then Core statements (no ORM bulk-update set-up)
    conn = session.connection()
    for (current, target), ids in by_pair.items():
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            res = conn.execute(update(claims).where(in_values(session, claims.c.id, chunk), status == current)
                               .values(status=target))
            if res.rowcount != len(chunk):
                raise IllegalTransition(f"one of {len(chunk)} claims (changed meanwhile)", current, target)
            # what synchronize_session="evaluate" did, without it having to evaluate the array/JSON membership;
            # walking the (small) identity map, not building an identity key for each of thousands of claims
            # (by identity key: reading obj.id of an expired object would load it)
            moved = set(chunk)
            for key in list(session.identity_map.keys()):
                if key[0] is ClaimRecord and key[1][0] in moved:
                    obj = session.identity_map.get(key)
                    if obj is not None:
                        set_committed_value(obj, "status", target)
    insert_tuples(session, ClaimTransition.__table__, _MOVE_COLUMNS, rows)  # type: ignore[arg-type]
    return len(rows)


_MOVE_COLUMNS = ("claim_id", "from_status", "to_status", "at", "actor", "reason", "remittance_id")


def history(session: Session, claim_id: int) -> list[ClaimTransition]:
    return list(session.scalars(select(ClaimTransition).where(ClaimTransition.claim_id == claim_id)
                                .order_by(ClaimTransition.id)))


# ---------------------------------------------------------------- the biller's actions


def _ledger_claim_id(claim: ClaimRecord) -> int:
    return claim.primary_claim_id or claim.id


def submit(session: Session, claim: ClaimRecord, actor: str, reason: str | None = None) -> ClaimTransition:
    """Mark a ready (or corrected) claim sent in an 837 batch."""
    return transition(session, claim, "submitted", actor, reason or "sent in 837")


def correct(session: Session, claim: ClaimRecord, actor: str, reason: str) -> ClaimTransition:
    """Replace an adjudicated claim: frequency 7 with the payer's claim number (REF*F8). A rejected claim
    never reached adjudication, so it goes back to draft and is resent as an original (frequency 1)."""
    if claim.status == "rejected":
        return transition(session, claim, "draft", actor, reason)
    if not claim.payer_claim_number:
        raise IllegalTransition(claim.claim_number, claim.status, "corrected (no payer claim number for REF*F8)")
    rec = transition(session, claim, "corrected", actor, reason)
    claim.frequency = "7"
    return rec


def void(session: Session, claim: ClaimRecord, actor: str, reason: str) -> ClaimTransition:
    """Cancel a claim. A draft is simply cancelled; a claim the payer adjudicated is voided with frequency 8
    (the payer then takes its payment back with a CLP02 22 reversal, which posting applies)."""
    if claim.status != "draft":
        if not claim.payer_claim_number:
            raise IllegalTransition(claim.claim_number, claim.status, "voided (no payer claim number for REF*F8)")
        claim.frequency = "8"
    return transition(session, claim, "voided", actor, reason)


def appeal(session: Session, claim: ClaimRecord, actor: str, reason: str) -> ClaimTransition:
    return transition(session, claim, "appealed", actor, reason)


def close(session: Session, claim: ClaimRecord, actor: str, reason: str | None = None,
          on: dt.date | None = None) -> ClaimTransition:
    """Close a claim. Its lines must be settled with this claim's payer; a voided claim's remaining balance
    with that payer comes off A/R with a VOID adjustment (the services are no longer billed to it)."""
    from chartclaim.billing import ledger
    from chartclaim.store.models import LedgerEntry

    lid = _ledger_claim_id(claim)
    rows = session.execute(
        select(LedgerEntry.claim_line_id, LedgerEntry.patient_id, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.claim_id == lid, LedgerEntry.payer_id == claim.payer_id)
        .group_by(LedgerEntry.claim_line_id, LedgerEntry.patient_id)).all()
    open_rows = [(line_id, pid, bal) for line_id, pid, bal in rows if bal]
    if open_rows and claim.status != "voided":
        total = sum((b for _l, _p, b in open_rows), ledger.ZERO)
        raise IllegalTransition(claim.claim_number, claim.status,
                                f"closed (payer balance {total} still open: post, appeal or write it off first)")
    if open_rows:
        day = on or dt.date.today()
        ledger.add_entries(session, [ledger.entry_row("adjustment", -bal, (line_id, lid, pid), claim.payer_id, day,
                                                      reason_code="VOID", actor=actor, memo="claim voided")
                                     for line_id, pid, bal in open_rows])
    return transition(session, claim, "closed", actor, reason)


def write_off_denial(session: Session, claim: ClaimRecord, actor: str, reason_code: str, memo: str,
                     on: dt.date | None = None) -> int:
    """Give up on what the payer denied: write off this payer's open balance on the claim's lines."""
    from chartclaim.billing import ledger
    from chartclaim.store.models import LedgerEntry

    lid = _ledger_claim_id(claim)
    rows = session.execute(
        select(LedgerEntry.claim_line_id, LedgerEntry.patient_id, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.claim_id == lid, LedgerEntry.payer_id == claim.payer_id)
        .group_by(LedgerEntry.claim_line_id, LedgerEntry.patient_id)).all()
    day = on or dt.date.today()
    return ledger.add_entries(session, [
        ledger.entry_row("writeoff", -bal, (line_id, lid, pid), claim.payer_id, day, reason_code=reason_code[:12],
                         actor=actor, memo=memo[:200])
        for line_id, pid, bal in rows if bal and bal > 0])
