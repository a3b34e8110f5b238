"""Clearinghouse responses for the biller: 277CA acceptances/rejections applied to claims, 999 results, and 835s
handed to posting — from an uploaded file or fetched from the clearinghouse mailboxes.

The rules applied are the trade's: a 277CA claim status with action code U, or category A3/A4/A6/A7/A8, is a
front-end rejection (the claim goes to `rejected` with the STC codes and text as the reason, for the biller to
fix and resubmit); any other status accepts the claim into adjudication.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartclaim.billing import lifecycle
from chartclaim.store.models import ClaimRecord

REJECT_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8"})


@dataclass
class ResponseResult:
    name: str
    kind: str
    accepted: list[str] = field(default_factory=list)  # claim numbers
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (claim number, reason)
    unmatched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    posting: list[Any] = field(default_factory=list)  # PostingResult for 835s

    @property
    def message(self) -> str:
        parts = [f"{self.name} ({self.kind})"]
        if self.kind == "277CA":
            parts.append(f"{len(self.accepted)} accepted, {len(self.rejected)} rejected")
            if self.unmatched:
                parts.append(f"{len(self.unmatched)} not ours: {', '.join(self.unmatched[:5])}")
        parts += self.notes
        parts += [p.message for p in self.posting]
        return " · ".join(parts)


def _status_text(st: Any) -> str:
    return f"277CA {st.category}:{st.code}{'/' + st.entity if st.entity else ''} {st.text}".strip()


def apply_277ca(db: Session, report: Any, actor: str, result: ResponseResult) -> None:
    numbers = [cs.patient_control_number for cs in report.claims]
    claims = {c.claim_number: c for c in db.scalars(select(ClaimRecord).where(ClaimRecord.claim_number.in_(numbers)))}
    for cs in report.claims:
        claim = claims.get(cs.patient_control_number)
        if claim is None:
            result.unmatched.append(cs.patient_control_number)
            continue
        st = cs.statuses[0] if cs.statuses else None
        rejected = bool(cs.rejected) or (st is not None and (st.action == "U" or st.category in REJECT_CATEGORIES))
        target = "rejected" if rejected else "accepted"
        reason = _status_text(st) if st is not None else "277CA accepted"
        if claim.status == target:
            continue
        if not lifecycle.can_transition(claim.status, target):
            result.notes.append(f"{claim.claim_number} is {claim.status}; {target} not applied")
            continue
        lifecycle.transition(db, claim, target, actor, reason)
        if rejected:
            result.rejected.append((claim.claim_number, reason))
        else:
            result.accepted.append(claim.claim_number)
        if cs.payer_claim_control_number and not claim.payer_claim_number:
            claim.payer_claim_number = cs.payer_claim_control_number


def process_file(db: Session, name: str, content: bytes, actor: str, data_dir: Path) -> ResponseResult:
    """Apply one clearinghouse file; the caller commits (835s commit per remittance inside posting)."""
    from chartclaim.payer.clearinghouse import sniff_kind
    from chartclaim.x12.reader import read

    kind = sniff_kind(content)
    result = ResponseResult(name, kind)
    if kind == "835":
        from chartclaim.billing.posting import post_835_file

        folder = data_dir / "remittances"
        folder.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[-80:] or "remit.835"
        path = folder / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}_{safe}"
        path.write_bytes(content)  # kept as received: the source of every posting it made
        result.posting = post_835_file(db, path, actor=actor)
        return result
    if kind not in ("277CA", "999"):
        raise ValueError(f"{name}: a {kind} file is not a clearinghouse response this screen applies "
                         "(expected 277CA, 999 or 835)")
    rr = read(io.BytesIO(content))
    for err in rr.errors:
        result.notes.append(f"unreadable part: {err}")
    if kind == "277CA":
        for report in rr.models("277CA"):
            apply_277ca(db, report, actor, result)
    else:
        for ack in rr.models("999"):
            bad = [t for t in ack.transactions if not t.accepted]
            result.notes.append(f"999: {len(ack.transactions) - len(bad)} transaction sets accepted, {len(bad)} "
                                f"rejected" + (f" (ST {', '.join(t.control_number for t in bad[:5])}; "
                                               "resubmit the file after fixing)" if bad else ""))
    db.flush()
    return result


def fetch_inbox(db: Session, data_dir: Path, actor: str) -> list[ResponseResult]:
    """Collect every clearinghouse's inbox; each file is acknowledged only after it was applied and committed,
    so a crash re-delivers it rather than losing it."""
    from chartclaim.web.services.submit import routes_for

    out = []
    for ch in routes_for(data_dir).all():
        for f in ch.fetch():
            try:
                res = process_file(db, f.name, f.content, actor, data_dir)
                db.commit()
            except ValueError as e:
                db.rollback()
                res = ResponseResult(f.name, "unknown", notes=[str(e)])
            ch.acknowledge(f)
            out.append(res)
    return out
