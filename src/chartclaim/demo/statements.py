"""The demo's statement run: patient statements assembled from the ledger and rendered with the billing
documents' statement PDF.

Used only while the billing core has no statement-data builder of its own (`chartclaim.billing.statements`);
the demo prefers that one when it exists. Figures come straight from ledger rows: per service line the
charge, what insurance paid, adjustments, what the patient paid, what is still pending with a payer, and the
patient's share with the reason it moved to the patient (deductible, coinsurance, copay, non-covered).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartclaim.claim import Address
from chartclaim.store.models import ClaimLine, ClaimRecord, LedgerEntry, PatientRecord

ZERO = Decimal("0.00")
_REASON_WORDS = {"1": "Deductible", "2": "Coinsurance", "3": "Copay", "49": "Not covered (routine exam)",
                 "96": "Not covered", "204": "Not covered by plan"}


def statement_for(session: Session, patient_id: int, as_of: dt.date, practice: Any,
                  labels: dict[str, str]) -> Any | None:
    """StatementData for one patient, or None when the patient owes nothing."""
    from chartclaim.billing.documents.statement import StatementData, StatementLine

    rows = session.execute(
        select(LedgerEntry.claim_line_id, LedgerEntry.kind, LedgerEntry.amount, LedgerEntry.payer_id,
               LedgerEntry.reason_code, LedgerEntry.posted_on)
        .where(LedgerEntry.patient_id == patient_id, LedgerEntry.posted_on <= as_of)).all()
    per: dict[int, dict[str, Any]] = defaultdict(lambda: {
        "charge": ZERO, "ins_paid": ZERO, "adj": ZERO, "pat_paid": ZERO, "payer_bal": ZERO, "pat_bal": ZERO,
        "reasons": set(), "due": None})
    for line_id, kind, amount, payer_id, reason, posted in rows:
        d = per[line_id]
        amt = Decimal(amount)
        if kind == "charge":
            d["charge"] += amt
        elif kind in ("payment", "refund"):
            d["ins_paid" if payer_id is not None else "pat_paid"] -= amt
        elif kind in ("adjustment", "writeoff"):
            d["adj"] -= amt
        if payer_id is None:
            d["pat_bal"] += amt
            if kind == "transfer" and amt > 0:
                if reason:
                    d["reasons"].add(_REASON_WORDS.get(reason, f"Reason {reason}"))
                d["due"] = max(d["due"] or posted, posted)
        else:
            d["payer_bal"] += amt
    if sum((d["pat_bal"] for d in per.values()), ZERO) <= 0:
        return None
    lines_info = {ln.id: ln for ln in session.scalars(select(ClaimLine).where(ClaimLine.id.in_(list(per))))}
    claims = {c.id: c for c in session.scalars(select(ClaimRecord).where(
        ClaimRecord.id.in_({ln.claim_id for ln in lines_info.values()})))}
    out = []
    for line_id, d in sorted(per.items(), key=lambda kv: (lines_info[kv[0]].date_of_service, kv[0])):
        ln = lines_info[line_id]
        if d["pat_bal"] == 0 and d["payer_bal"] == 0 and d["pat_paid"] == 0:
            continue  # settled lines without patient activity stay off the statement
        out.append(StatementLine(
            date=ln.date_of_service, description=labels.get(ln.procedure, ln.procedure), charge=d["charge"],
            insurance_paid=d["ins_paid"], adjustments=d["adj"], patient_paid=d["pat_paid"],
            insurance_pending=d["payer_bal"], code=ln.procedure,
            claim_id=claims[ln.claim_id].claim_number if ln.claim_id in claims else None,
            note=", ".join(sorted(d["reasons"])) or None, aging_date=d["due"]))
    if not out:
        return None
    patient = session.get(PatientRecord, patient_id)
    assert patient is not None
    name = f"{patient.first_name} {patient.last_name}"
    addr = Address(**patient.address) if patient.address else practice.address
    return StatementData(statement_date=as_of, account_number=patient.account_number, practice=practice,
                         patient_name=name, guarantor_name=name, guarantor_address=addr, lines=tuple(out),
                         due_date=as_of + dt.timedelta(days=30),
                         statement_number=f"S{as_of.strftime('%Y%m')}-{patient.account_number}",
                         messages=("Your insurance has processed these visits; the balance shown is your share.",))
