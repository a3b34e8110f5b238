"""Claims workbench: lists by state / payer / age, one claim's facts, scrub and batch submit.

Scrub and submit orchestrate library calls (the scrubber, the claim state machine, the submitter) for the
screens; the rules themselves live in chartclaim.edits and chartclaim.billing.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from chartclaim.billing import lifecycle
from chartclaim.store.models import ClaimLine, ClaimRecord, LedgerEntry, PatientRecord, PayerRecord


def claims_ids(status: str | None = None, payer_id: int | None = None, patient_id: int | None = None,
               min_age: int | None = None, max_age: int | None = None, number: str | None = None,
               encounter_id: int | None = None, today: dt.date | None = None) -> Select:
    """Claim ids oldest first (age = days since the claim was created); index-only where the filters allow."""
    today = today or dt.date.today()
    stmt = select(ClaimRecord.id)
    if status:
        stmt = stmt.where(ClaimRecord.status.in_([s.strip() for s in status.split(",") if s.strip()]))
    if payer_id is not None:
        stmt = stmt.where(ClaimRecord.payer_id == payer_id)
    if patient_id is not None:
        stmt = stmt.where(ClaimRecord.patient_id == patient_id)
    if encounter_id is not None:
        stmt = stmt.where(ClaimRecord.encounter_id == encounter_id)
    if number:
        stmt = stmt.where(ClaimRecord.claim_number == number.strip())
    if min_age is not None:
        stmt = stmt.where(ClaimRecord.created_at <= dt.datetime.combine(today - dt.timedelta(days=min_age),
                                                                        dt.time.max, dt.UTC))
    if max_age is not None:
        stmt = stmt.where(ClaimRecord.created_at >= dt.datetime.combine(today - dt.timedelta(days=max_age),
                                                                        dt.time.min, dt.UTC))
    return stmt.order_by(ClaimRecord.created_at, ClaimRecord.id)


def claim_rows(db: Session, ids: Sequence[int]) -> list[Any]:
    """The workbench columns for one page of claim ids, in the ids' order."""
    if not ids:
        return []
    rows = db.execute(select(ClaimRecord.id, ClaimRecord.claim_number, ClaimRecord.status, ClaimRecord.created_at,
                             ClaimRecord.first_submitted_on, ClaimRecord.responsibility, ClaimRecord.frequency,
                             ClaimRecord.patient_id, ClaimRecord.payer_id, ClaimRecord.encounter_id,
                             PatientRecord.first_name, PatientRecord.last_name, PatientRecord.account_number,
                             PayerRecord.name.label("payer_name"))
                      .join(PatientRecord, PatientRecord.id == ClaimRecord.patient_id)
                      .join(PayerRecord, PayerRecord.id == ClaimRecord.payer_id)
                      .where(ClaimRecord.id.in_(ids))).all()
    by_id = {r.id: r for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def first_dos(db: Session, claim_ids: Sequence[int]) -> dict[int, dt.date]:
    """First date of service per claim, for one page of claims."""
    if not claim_ids:
        return {}
    return dict(db.execute(select(ClaimLine.claim_id, func.min(ClaimLine.date_of_service))
                           .where(ClaimLine.claim_id.in_(claim_ids)).group_by(ClaimLine.claim_id)).all())


def money_for(db: Session, claim_ids: Sequence[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """(billed charge, open balance) per claim, for one page of claims."""
    if not claim_ids:
        return {}
    charges = dict(db.execute(select(ClaimLine.claim_id, func.sum(ClaimLine.charge))
                              .where(ClaimLine.claim_id.in_(claim_ids)).group_by(ClaimLine.claim_id)).all())
    balances = dict(db.execute(select(LedgerEntry.claim_id, func.sum(LedgerEntry.amount))
                               .where(LedgerEntry.claim_id.in_(claim_ids)).group_by(LedgerEntry.claim_id)).all())

    def m(v: Any) -> Decimal:  # SUM keeps the Money column type, so values arrive as Decimal
        return Decimal("0.00") if v is None else Decimal(v).quantize(Decimal("0.01"))

    return {cid: (m(charges.get(cid)), m(balances.get(cid))) for cid in claim_ids}


# ------------------------------------------------------------------------------------------------ scrub


@dataclass(frozen=True)
class ScrubOutcome:
    claim_id: int
    claim_number: str
    status: str
    edits: list[dict[str, Any]]
    error: str | None = None


class Scrubber:
    """One ScrubContext per process (loading NCCI/MCE tables is the expensive part), built on first use."""

    def __init__(self, context: Any = None):
        self._ctx = context
        self._lock = threading.Lock()

    @property
    def context(self) -> Any:
        with self._lock:
            if self._ctx is None:
                from chartclaim.edits import ScrubContext

                self._ctx = ScrubContext.load()
            return self._ctx

    def edits(self, claim: ClaimRecord) -> list[dict[str, Any]]:
        from chartclaim.claim import parse_claim
        from chartclaim.edits import scrub

        if not claim.document:
            raise ValueError(f"claim {claim.claim_number} has no claim document to scrub")
        doc = parse_claim(claim.document, f"claim {claim.claim_number}")
        return [e.to_dict() for e in scrub(doc, self.context)]


def scrub_claims(db: Session, scrubber: Scrubber, claim_ids: Sequence[int], actor: str) -> list[ScrubOutcome]:
    """Scrub each claim: draft → scrubbed, and → ready when no edit is an error. One claim's failure does not
    stop the batch; each outcome says what happened."""
    out = []
    for cid in claim_ids:
        claim = db.get(ClaimRecord, cid)
        if claim is None:
            out.append(ScrubOutcome(cid, "?", "missing", [], f"no claim {cid}"))
            continue
        try:
            edits = scrubber.edits(claim)
        except Exception as e:
            out.append(ScrubOutcome(cid, claim.claim_number, claim.status, [], str(e)))
            continue
        errors = [e for e in edits if e["severity"] == "error"]
        try:
            if claim.status == "rejected":
                lifecycle.transition(db, claim, "draft", actor, "rework after rejection")
            if claim.status in ("draft", "corrected"):
                lifecycle.transition(db, claim, "scrubbed", actor, f"scrubbed: {len(errors)} errors")
            if claim.status == "scrubbed" and not errors:
                lifecycle.transition(db, claim, "ready", actor, "scrubbed clean")
        except lifecycle.IllegalTransition as e:
            out.append(ScrubOutcome(cid, claim.claim_number, claim.status, edits, str(e)))
            continue
        out.append(ScrubOutcome(cid, claim.claim_number, claim.status, edits))
    db.flush()
    return out


# ------------------------------------------------------------------------------------------------ submit


@dataclass
class SubmitResult:
    submitted: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (claim number, why)
    files: list[str] = field(default_factory=list)


Submitter = Callable[[Session, list[ClaimRecord], str], SubmitResult]


def default_submitter(data_dir: Path) -> Submitter:
    """Submit through the clearinghouse routes of the data directory (web.services.submit)."""

    def submit(db: Session, claims: list[ClaimRecord], actor: str) -> SubmitResult:
        from chartclaim.web.services.submit import submit_via_clearinghouse

        return submit_via_clearinghouse(db, claims, actor, data_dir)

    return submit


def submit_claims(db: Session, submitter: Submitter, claim_ids: Sequence[int], actor: str) -> SubmitResult:
    claims, refused = [], []
    for cid in claim_ids:
        c = db.get(ClaimRecord, cid)
        if c is None:
            refused.append((str(cid), "no such claim"))
        elif c.status != "ready":
            refused.append((c.claim_number, f"is {c.status}, not ready (scrub it clean first)"))
        else:
            claims.append(c)
    res = submitter(db, claims, actor) if claims else SubmitResult()
    res.refused = refused + res.refused
    return res
