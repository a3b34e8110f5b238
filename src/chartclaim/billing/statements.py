"""Patient statement data from the books, for chartclaim.billing.documents.statement to lay out.

Every figure on a statement line is a sum over that service line's ledger rows as of the statement date:
charge; insurance paid (payer payments net of payer refunds); adjustments (contractual, write-offs); patient paid
(net of refunds); insurance pending (what payers still owe on it). The patient's share ages from the day it
became theirs (the last transfer to the patient), else from the date of service.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartclaim.billing.patient import PatientBillingError, plan_state
from chartclaim.claim import Address
from chartclaim.store.models import (
    ClaimLine,
    ClaimRecord,
    LedgerEntry,
    Organization,
    PatientRecord,
    PayerRecord,
    PaymentPlan,
)

ZERO = Decimal("0.00")
PR_NOTES = {"1": "Deductible", "2": "Coinsurance", "3": "Copay", "96": "Not covered by your plan"}


def practice_info(session: Session) -> Any:
    """The statement's sender (a PracticeInfo) from the organisation record: who the patient pays."""
    from chartclaim.billing.documents.statement import PracticeInfo

    org = session.scalars(select(Organization).order_by(Organization.id)).first()
    if org is None:
        raise PatientBillingError("no organisation on file: a statement needs the practice's name and address")
    if not org.address:
        raise PatientBillingError(f"organisation {org.name}: no address for the statement's remit-to")
    if not org.phone:
        raise PatientBillingError(f"organisation {org.name}: no phone number for the statement's questions line")
    return PracticeInfo(org.name, Address.model_validate(org.address), org.phone, tax_id=org.tax_id)


def statement_data(
    session: Session,
    patient_id: int,
    practice: Any = None,
    as_of: dt.date | None = None,
    due_in_days: int = 21,
    statement_number: str | None = None,
    messages: tuple[str, ...] = (),
) -> Any | None:
    """A `StatementData` (chartclaim.billing.documents.statement) for every service line of the patient with
    money still open (owed by the patient or pending with a payer, or a credit), or None when the patient owes
    nothing and has no credit (no statement is sent). `practice` is a PracticeInfo; without one the statement
    comes from the practice's organisation record (`practice_info`)."""
    from chartclaim.billing.documents.statement import PaymentPlanInfo, StatementData, StatementLine

    as_of = as_of or dt.date.today()
    pat = session.get(PatientRecord, patient_id)
    if pat is None:
        raise PatientBillingError(f"no patient #{patient_id}")
    rows = session.execute(
        select(LedgerEntry.claim_line_id, LedgerEntry.kind, LedgerEntry.amount, LedgerEntry.payer_id,
               LedgerEntry.reason_code, LedgerEntry.group_code, LedgerEntry.posted_on)
        .where(LedgerEntry.patient_id == patient_id, LedgerEntry.posted_on <= as_of)
    ).all()
    acc: dict[int, dict[str, Any]] = defaultdict(lambda: {"charge": ZERO, "ins": ZERO, "adj": ZERO, "pat": ZERO,
                                                          "pending": ZERO, "total": ZERO, "due_from": None,
                                                          "notes": [], "pending_with": set()})
    by_payer: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for line_id, kind, amount, payer_id, reason, group, posted_on in rows:
        a = acc[line_id]
        a["total"] += amount
        if kind == "charge":
            a["charge"] += amount
        elif kind in ("payment", "refund"):
            a["ins" if payer_id is not None else "pat"] -= amount
        elif kind in ("adjustment", "writeoff"):
            a["adj"] -= amount
        if payer_id is not None:
            a["pending"] += amount
            by_payer[(line_id, payer_id)] += amount
        if kind == "transfer" and payer_id is None and amount > 0:
            a["due_from"] = max(a["due_from"] or posted_on, posted_on)
            if group == "PR" and reason in PR_NOTES and PR_NOTES[reason] not in a["notes"]:
                a["notes"].append(PR_NOTES[reason])
    open_ids = [lid for lid, a in acc.items() if a["total"] != 0]
    lines_db = {ln.id: ln for ln in session.scalars(select(ClaimLine).where(ClaimLine.id.in_(open_ids)))}
    claims = {c.id: c for c in session.scalars(select(ClaimRecord).where(
        ClaimRecord.id.in_({ln.claim_id for ln in lines_db.values()})))}
    payers = {pid: name for pid, name in session.execute(select(PayerRecord.id, PayerRecord.name))}
    out = []
    for lid in sorted(open_ids, key=lambda i: (lines_db[i].date_of_service, i)):
        a, ln = acc[lid], lines_db[lid]
        notes = list(a["notes"])
        if a["pending"] > 0:
            owing = sorted(payers.get(p, "?") for (li, p), b in by_payer.items() if li == lid and b > 0)
            notes.append("Pending with " + ", ".join(owing))
        code = ln.procedure + (f"-{ln.modifiers.replace(':', '-')}" if ln.modifiers else "")
        out.append(StatementLine(
            date=ln.date_of_service, description=f"Service {code}", charge=a["charge"], insurance_paid=a["ins"],
            adjustments=a["adj"], patient_paid=a["pat"], insurance_pending=max(a["pending"], ZERO), code=code,
            claim_id=claims[ln.claim_id].claim_number, note="; ".join(notes) or None,
            aging_date=a["due_from"]))
    if all(ln.patient_balance == 0 for ln in out):
        return None  # nothing due from the patient and no credit to tell them about: no statement
    if not pat.address:
        raise PatientBillingError(f"patient {pat.account_number}: no mailing address for a statement")
    if practice is None:
        practice = practice_info(session)
    plan_info = None
    plan = session.scalar(select(PaymentPlan).where(PaymentPlan.patient_id == patient_id,
                                                    PaymentPlan.status == "active"))
    if plan is not None:
        st = plan_state(session, plan.id, as_of)
        if st.next_due is not None:
            plan_info = PaymentPlanInfo(installment=st.next_amount, next_due=st.next_due,
                                        remaining_installments=sum(1 for i in st.installments if i.state != "paid"),
                                        missed=st.missed)
    name = f"{pat.first_name} {pat.last_name}"
    return StatementData(
        statement_date=as_of, account_number=pat.account_number, practice=practice, patient_name=name,
        guarantor_name=name, guarantor_address=Address(**pat.address), lines=tuple(out),
        due_date=as_of + dt.timedelta(days=due_in_days), statement_number=statement_number, messages=messages,
        payment_plan=plan_info)
