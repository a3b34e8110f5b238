"""Read models for remittances, posting exceptions, denials and patient accounts (lists with filters)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from chartclaim.store.models import (
    ClaimPayment,
    ClaimRecord,
    LedgerEntry,
    PatientRecord,
    PayerRecord,
    PostingException,
    RemitAdjustment,
    Remittance,
)

WORKED = ("appealed", "corrected", "voided", "closed")


def remittances_stmt(payer_id: int | None = None, trace: str | None = None, paid_from: dt.date | None = None,
                     paid_to: dt.date | None = None) -> Select:
    stmt = select(Remittance).order_by(Remittance.posted_at.desc(), Remittance.id.desc())
    if payer_id is not None:
        stmt = stmt.where(Remittance.payer_id == payer_id)
    if trace:
        stmt = stmt.where(Remittance.trace_number == trace.strip())
    if paid_from:
        stmt = stmt.where(Remittance.payment_date >= paid_from)
    if paid_to:
        stmt = stmt.where(Remittance.payment_date <= paid_to)
    return stmt


def exceptions_stmt(reason: str | None = None, state: str | None = "open", remittance_id: int | None = None) -> Select:
    stmt = select(PostingException).order_by(PostingException.created_at, PostingException.id)
    if reason:
        stmt = stmt.where(PostingException.reason == reason)
    if state == "open":
        stmt = stmt.where(PostingException.resolved_at.is_(None))
    elif state == "resolved":
        stmt = stmt.where(PostingException.resolved_at.is_not(None))
    if remittance_id is not None:
        stmt = stmt.where(PostingException.remittance_id == remittance_id)
    return stmt


def denials_stmt(category: str | None = None, payer_id: int | None = None, state: str | None = "open",
                 claim_id: int | None = None) -> Select:
    """Denied adjustments (posting treated them as denials), oldest first, with their claim and payer."""
    stmt = (select(RemitAdjustment.id, RemitAdjustment.group_code, RemitAdjustment.reason_code,
                   RemitAdjustment.amount, RemitAdjustment.denial_category, RemitAdjustment.remark_codes,
                   RemitAdjustment.claim_line_id, ClaimPayment.received_on, ClaimPayment.remittance_id,
                   ClaimRecord.id.label("claim_id"), ClaimRecord.claim_number, ClaimRecord.status.label("claim_status"),
                   ClaimRecord.patient_id, PatientRecord.last_name, PatientRecord.first_name,
                   PayerRecord.name.label("payer_name"), ClaimRecord.payer_id)
            .join(ClaimPayment, ClaimPayment.id == RemitAdjustment.claim_payment_id)
            .join(ClaimRecord, ClaimRecord.id == ClaimPayment.claim_id)
            .join(PatientRecord, PatientRecord.id == ClaimRecord.patient_id)
            .join(PayerRecord, PayerRecord.id == ClaimRecord.payer_id)
            .where(RemitAdjustment.treatment == "denial"))
    if category:
        stmt = stmt.where(RemitAdjustment.denial_category == category)
    if payer_id is not None:
        stmt = stmt.where(ClaimRecord.payer_id == payer_id)
    if claim_id is not None:
        stmt = stmt.where(ClaimRecord.id == claim_id)
    if state == "open":
        stmt = stmt.where(ClaimRecord.status.not_in(WORKED))
    elif state == "worked":
        stmt = stmt.where(ClaimRecord.status.in_(WORKED))
    return stmt.order_by(ClaimPayment.received_on, RemitAdjustment.id)


def denial_counts(db: Session, state: str | None = "open") -> list[tuple[str, int, Decimal]]:
    stmt = denials_stmt(state=state).order_by(None).subquery()
    rows = db.execute(select(stmt.c.denial_category, func.count(), func.sum(stmt.c.amount))
                      .group_by(stmt.c.denial_category).order_by(func.count().desc())).all()
    return [(c or "other", int(n), Decimal(s or 0).quantize(Decimal("0.01"))) for c, n, s in rows]


@dataclass(frozen=True)
class DenialAdvice:
    category: str
    label: str
    action: str
    reasons: tuple[str, ...]
    appealable: bool
    correctable: bool
    code_string: str


def advise(group: str | None, carc: str, remarks: str | None, amount: Decimal | None = None) -> DenialAdvice:
    from chartclaim.billing.denials import explain_denial

    ex = explain_denial(group, carc, (remarks or "").split(), amount)
    return DenialAdvice(ex.category, ex.category_label, ex.action, ex.reasons, ex.appealable, ex.correctable,
                        ex.code_string)


def ledger_stmt(patient_id: int | None = None, claim_id: int | None = None, kind: str | None = None) -> Select:
    stmt = select(LedgerEntry).order_by(LedgerEntry.posted_on.desc(), LedgerEntry.id.desc())
    if patient_id is not None:
        stmt = stmt.where(LedgerEntry.patient_id == patient_id)
    if claim_id is not None:
        stmt = stmt.where(LedgerEntry.claim_id == claim_id)
    if kind:
        stmt = stmt.where(LedgerEntry.kind == kind)
    return stmt


def patients_stmt(q: str | None = None) -> Select:
    stmt = select(PatientRecord).order_by(PatientRecord.last_name, PatientRecord.first_name, PatientRecord.id)
    if q:
        t = q.strip()
        stmt = stmt.where((PatientRecord.account_number == t) | PatientRecord.last_name.ilike(t + "%"))
    return stmt


def payers(db: Session) -> list[Any]:
    return list(db.execute(select(PayerRecord.id, PayerRecord.name).order_by(PayerRecord.name)).all())
