"""Work lists a biller goes through each day, as queries over the books (nothing here is stored).

* `denial_queue`: every denied amount still open with its payer, with the category and the next step from
  chartclaim.billing.denials (appeal, correct and resubmit, bill the patient, write off).
* `timely_filing_queue`: unsent or rejected claims close to (or past) the payer's filing limit.
* `secondary_queue`: claims whose next payer owes something and has not been billed (see billing.secondary).
* The posting exception queue is `billing.posting.open_exceptions`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chartclaim.billing.secondary import claims_needing_next_payer
from chartclaim.store.models import (
    ClaimLine,
    ClaimPayment,
    ClaimRecord,
    LedgerEntry,
    PatientRecord,
    PayerRecord,
    RemitAdjustment,
)
from chartclaim.store.types import to_money

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class DenialItem:
    claim_id: int
    claim_number: str
    status: str
    patient: str
    payer: str
    date_of_service: str
    procedure: str
    code: str  # "CO-50 N115"
    amount: Decimal
    open_with_payer: Decimal
    category: str | None
    action: str | None
    appealable: bool | None
    correctable: bool | None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["amount"], d["open_with_payer"] = str(self.amount), str(self.open_with_payer)
        return d


def denial_queue(session: Session, category: str | None = None) -> list[DenialItem]:
    """Denied amounts on the latest unreversed posting of each claim whose payer still owes on that line."""
    from chartclaim.billing.denials import explain_denial
    q = (select(RemitAdjustment, ClaimPayment.claim_id, ClaimRecord.claim_number, ClaimRecord.status,
                ClaimRecord.payer_id, ClaimRecord.primary_claim_id, PatientRecord.last_name,
                PatientRecord.first_name, PayerRecord.name, ClaimLine.date_of_service, ClaimLine.procedure)
         .join(ClaimPayment, ClaimPayment.id == RemitAdjustment.claim_payment_id)
         .join(ClaimRecord, ClaimRecord.id == ClaimPayment.claim_id)
         .join(PatientRecord, PatientRecord.id == ClaimRecord.patient_id)
         .join(PayerRecord, PayerRecord.id == ClaimPayment.payer_id)
         .join(ClaimLine, ClaimLine.id == RemitAdjustment.claim_line_id)
         .where(RemitAdjustment.treatment == "denial", ClaimPayment.outcome == "posted",
                ClaimPayment.reversed_by_id.is_(None),
                ClaimRecord.status.not_in(("closed", "voided")))
         .order_by(ClaimLine.date_of_service, ClaimRecord.claim_number))
    if category:
        q = q.where(RemitAdjustment.denial_category == category)
    rows = session.execute(q).all()
    line_ids = {r[0].claim_line_id for r in rows}
    open_bal: dict[tuple[int, int | None], Decimal] = {}  # (line, payer) → balance
    if line_ids:
        for lid, pid, bal in session.execute(
            select(LedgerEntry.claim_line_id, LedgerEntry.payer_id, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.claim_line_id.in_(line_ids)).group_by(LedgerEntry.claim_line_id, LedgerEntry.payer_id)
        ):
            open_bal[(lid, pid)] = to_money(bal or 0)
    out = []
    for adj, cid, number, status, payer_id, _primary, last, first, payer, dos, proc in rows:
        still = open_bal.get((adj.claim_line_id or 0, payer_id), ZERO)
        if still <= 0:
            continue  # paid on appeal, written off, or moved on
        rarcs = tuple((adj.remark_codes or "").split())
        ex = explain_denial(adj.group_code, adj.reason_code, rarcs)
        out.append(DenialItem(
            claim_id=cid or 0, claim_number=number, status=status, patient=f"{last}, {first}", payer=payer,
            date_of_service=dos.isoformat(), procedure=proc,
            code=" ".join((f"{adj.group_code}-{adj.reason_code}", *rarcs)), amount=adj.amount,
            open_with_payer=still, category=adj.denial_category or ex.category,
            action=ex.action, appealable=ex.appealable, correctable=ex.correctable))
    return out


@dataclass(frozen=True)
class TimelyFilingItem:
    claim_id: int
    claim_number: str
    status: str
    payer: str
    first_date_of_service: str
    deadline: str
    days_left: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def timely_filing_queue(session: Session, as_of: dt.date, within_days: int = 30) -> list[TimelyFilingItem]:
    """Claims not yet accepted by the payer (draft, scrubbed, ready, rejected, corrected) whose filing deadline —
    first date of service + the payer's timely-filing days — falls within `within_days` (or has passed),
    soonest first. Payers without a timely-filing limit are left out."""
    rows = session.execute(
        select(ClaimRecord.id, ClaimRecord.claim_number, ClaimRecord.status, PayerRecord.name,
               PayerRecord.timely_filing_days, func.min(ClaimLine.date_of_service))
        .join(PayerRecord, PayerRecord.id == ClaimRecord.payer_id)
        .join(ClaimLine, ClaimLine.claim_id == func.coalesce(ClaimRecord.primary_claim_id, ClaimRecord.id))
        .where(ClaimRecord.status.in_(("draft", "scrubbed", "ready", "rejected", "corrected")),
               PayerRecord.timely_filing_days.is_not(None))
        .group_by(ClaimRecord.id, ClaimRecord.claim_number, ClaimRecord.status, PayerRecord.name,
                  PayerRecord.timely_filing_days)
    ).all()
    out = []
    for cid, number, status, payer, days, dos in rows:
        deadline = dos + dt.timedelta(days=days or 0)
        left = (deadline - as_of).days
        if left <= within_days:
            out.append(TimelyFilingItem(cid, number, status, payer, dos.isoformat(), deadline.isoformat(), left))
    return sorted(out, key=lambda i: (i.days_left, i.claim_number))


def secondary_queue(session: Session) -> list[int]:
    return claims_needing_next_payer(session)
