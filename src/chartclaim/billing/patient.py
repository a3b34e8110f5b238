"""The patient's side: payments, payment plans, small-balance write-offs, refunds of credit balances.

A patient payment is applied oldest service first to what the patient owes; whatever is left over stays as a
credit (a negative patient balance on the latest line) until it is refunded or used. Plans store only the
agreement (total, schedule); what was paid, missed or is next due is derived from the payments.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chartclaim.billing import ledger
from chartclaim.store.models import (
    ClaimLine,
    LedgerEntry,
    Organization,
    PatientPayment,
    PatientRecord,
    PaymentPlan,
    PlanInstallment,
)
from chartclaim.store.types import to_money

ZERO = Decimal("0.00")
METHODS = frozenset({"cash", "check", "card", "ach", "other"})


class PatientBillingError(ValueError):
    pass


def _patient(session: Session, patient_id: int) -> PatientRecord:
    pat = session.get(PatientRecord, patient_id)
    if pat is None:
        raise PatientBillingError(f"no patient #{patient_id}")
    return pat


def patient_balance(session: Session, patient_id: int) -> Decimal:
    """What the patient owes now (negative: a credit)."""
    return ledger.patient_totals(session, patient_id).patient_balance


def record_patient_payment(
    session: Session,
    patient_id: int,
    amount: Decimal,
    received_on: dt.date,
    method: str = "cash",
    reference: str | None = None,
    payment_plan_id: int | None = None,
    actor: str = "system",
) -> PatientPayment:
    """Record money from the patient and apply it, oldest open line first; an overpayment becomes a credit."""
    amount = to_money(amount)
    if amount <= 0:
        raise PatientBillingError(f"patient payment must be positive, got {amount}")
    if method not in METHODS:
        raise PatientBillingError(f"payment method must be one of {sorted(METHODS)}, got {method!r}")
    _patient(session, patient_id)
    lines = ledger.patient_line_balances(session, patient_id)
    last_line = session.execute(
        select(ClaimLine.id, ClaimLine.claim_id).join(LedgerEntry, LedgerEntry.claim_line_id == ClaimLine.id)
        .where(LedgerEntry.patient_id == patient_id).order_by(ClaimLine.date_of_service.desc(), ClaimLine.id.desc())
        .limit(1)
    ).first()
    if last_line is None:
        raise PatientBillingError(f"patient #{patient_id} has no charges to apply a payment to")
    pay = PatientPayment(patient_id=patient_id, amount=amount, received_on=received_on, method=method,
                         reference=reference, payment_plan_id=payment_plan_id, actor=actor)
    session.add(pay)
    session.flush()
    rows = []
    left = amount
    for line_id, claim_id, _dos, bal in lines:
        if left == 0:
            break
        if bal <= 0:
            continue
        part = min(bal, left)
        rows.append(ledger.entry_row("payment", -part, (line_id, claim_id, patient_id), None, received_on,
                                     patient_payment_id=pay.id, actor=actor))
        left -= part
    if left > 0:
        rows.append(ledger.entry_row("payment", -left, (last_line[0], last_line[1], patient_id), None, received_on,
                                     patient_payment_id=pay.id, actor=actor, memo="credit balance"))
    ledger.add_entries(session, rows)
    return pay


def refund_credit(
    session: Session,
    patient_id: int,
    refunded_on: dt.date,
    amount: Decimal | None = None,
    payer_id: int | None = None,
    actor: str = "system",
    memo: str | None = None,
) -> Decimal:
    """Pay back a credit balance (the patient's, or a payer's overpayment when `payer_id` is given).
    Refunds the whole credit unless `amount` says less; refusing more than the credit."""
    credits = [(lid, cid, -bal) for lid, cid, bal in _party_lines(session, patient_id, payer_id) if bal < 0]
    credit = sum((c for _, _, c in credits), ZERO)
    want = credit if amount is None else to_money(amount)
    who = "patient" if payer_id is None else f"payer #{payer_id}"
    if want <= 0:
        raise PatientBillingError(f"patient #{patient_id}: {who} has no credit balance to refund")
    if want > credit:
        raise PatientBillingError(f"patient #{patient_id}: refund {want} exceeds the {who} credit {credit}")
    rows, left = [], want
    for lid, cid, c in credits:
        part = min(c, left)
        rows.append(ledger.entry_row("refund", part, (lid, cid, patient_id), payer_id, refunded_on, actor=actor,
                                     memo=memo))
        left -= part
        if left == 0:
            break
    ledger.add_entries(session, rows)
    return want


def _party_lines(session: Session, patient_id: int, payer_id: int | None) -> list[tuple[int, int, Decimal]]:
    party = LedgerEntry.payer_id.is_(None) if payer_id is None else LedgerEntry.payer_id == payer_id
    rows = session.execute(
        select(LedgerEntry.claim_line_id, LedgerEntry.claim_id, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.patient_id == patient_id, party)
        .group_by(LedgerEntry.claim_line_id, LedgerEntry.claim_id).order_by(LedgerEntry.claim_line_id)
    )
    return [(lid, cid, to_money(b)) for lid, cid, b in rows if b]


def write_off_small_balances(
    session: Session,
    as_of: dt.date,
    limit: Decimal | None = None,
    actor: str = "system",
) -> list[tuple[int, Decimal]]:
    """Write off every patient balance above zero and at most `limit` (default: the organisation's
    small_balance_limit): billing a statement would cost more than it collects. Returns (patient, amount)."""
    if limit is None:
        limit = session.scalar(select(Organization.small_balance_limit).where(
            Organization.small_balance_limit.is_not(None)).limit(1))
    if limit is None or limit <= 0:
        return []
    limit = to_money(limit)
    per_patient = session.execute(
        select(LedgerEntry.patient_id, func.sum(LedgerEntry.amount)).where(LedgerEntry.payer_id.is_(None))
        .group_by(LedgerEntry.patient_id)
    )
    done: list[tuple[int, Decimal]] = []
    for pid, bal in per_patient:
        bal = to_money(bal or 0)
        if ZERO < bal <= limit:
            # Lines can hold credits as well as debits: write off exactly the net, oldest debit first.
            rows, left = [], bal
            for lid, cid, b in _party_lines(session, pid, None):
                if b <= 0:
                    continue
                part = min(b, left)
                rows.append(ledger.entry_row("writeoff", -part, (lid, cid, pid), None, as_of, reason_code="SMALLBAL",
                                             actor=actor, memo=f"small balance ≤ {limit}"))
                left -= part
                if left == 0:
                    break
            ledger.add_entries(session, rows)
            done.append((pid, bal))
    return done


# ---------------------------------------------------------------- payment plans


def _add_months(d: dt.date, months: int) -> dt.date:
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def create_payment_plan(
    session: Session,
    patient_id: int,
    installments: int,
    start_date: dt.date,
    total: Decimal | None = None,
    interval: str = "monthly",
    missed_limit: int = 2,
    grace_days: int = 10,
    actor: str = "system",
) -> PaymentPlan:
    """Split a balance (default: what the patient owes now) into equal installments; the last one takes the
    cents that do not divide evenly. interval: monthly | biweekly | weekly."""
    if installments < 1:
        raise PatientBillingError("a payment plan needs at least one installment")
    if interval not in ("monthly", "biweekly", "weekly"):
        raise PatientBillingError(f"interval must be monthly, biweekly or weekly, not {interval!r}")
    total = patient_balance(session, patient_id) if total is None else to_money(total)
    if total <= 0:
        raise PatientBillingError(f"patient #{patient_id}: nothing owed to put on a plan")
    active = session.scalar(select(PaymentPlan.id).where(PaymentPlan.patient_id == patient_id,
                                                         PaymentPlan.status == "active"))
    if active is not None:
        raise PatientBillingError(f"patient #{patient_id} already has active payment plan #{active}")
    each = (total / installments).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    plan = PaymentPlan(patient_id=patient_id, total=total, start_date=start_date, missed_limit=missed_limit,
                       grace_days=grace_days, actor=actor)
    for i in range(installments):
        due = (_add_months(start_date, i) if interval == "monthly"
               else start_date + dt.timedelta(days=(14 if interval == "biweekly" else 7) * i))
        amount = each if i < installments - 1 else total - each * (installments - 1)
        plan.installments.append(PlanInstallment(sequence=i + 1, due_date=due, amount=amount))
    session.add(plan)
    session.flush()
    return plan


@dataclass
class InstallmentState:
    sequence: int
    due_date: dt.date
    amount: Decimal
    covered: Decimal  # how much of it the plan's payments cover (applied in order)
    state: str  # paid | partial | due | missed | upcoming


@dataclass
class PlanState:
    plan_id: int
    status: str
    total: Decimal
    paid: Decimal
    remaining: Decimal
    missed: int
    next_due: dt.date | None
    next_amount: Decimal
    installments: list[InstallmentState] = field(default_factory=list)


def plan_state(session: Session, plan_id: int, as_of: dt.date) -> PlanState:
    """The plan's schedule against the payments made on it, as of a date (nothing here is stored)."""
    plan = session.get(PaymentPlan, plan_id)
    if plan is None:
        raise PatientBillingError(f"no payment plan #{plan_id}")
    paid = to_money(session.scalar(select(func.coalesce(func.sum(PatientPayment.amount), ZERO))
                                   .where(PatientPayment.payment_plan_id == plan_id)) or 0)
    pool = paid
    states: list[InstallmentState] = []
    missed = 0
    next_due, next_amount = None, ZERO
    for inst in plan.installments:
        covered = min(pool, inst.amount)
        pool -= covered
        if covered == inst.amount:
            st = "paid"
        elif inst.due_date + dt.timedelta(days=plan.grace_days) < as_of:
            st, missed = "missed", missed + 1
        elif inst.due_date <= as_of:
            st = "due"
        else:
            st = "partial" if covered else "upcoming"
        if st != "paid" and next_due is None:
            next_due, next_amount = inst.due_date, inst.amount - covered
        states.append(InstallmentState(inst.sequence, inst.due_date, inst.amount, covered, st))
    return PlanState(plan.id, plan.status, plan.total, paid, max(plan.total - paid, ZERO), missed, next_due,
                     next_amount, states)


def review_payment_plans(session: Session, as_of: dt.date, actor: str = "system") -> dict[int, str]:
    """Nightly job: a plan whose payments cover the total is completed; one with `missed_limit` missed
    installments defaults (the balance goes back to regular statements/collections). Returns changes."""
    changes: dict[int, str] = {}
    for plan in session.scalars(select(PaymentPlan).where(PaymentPlan.status == "active")):
        st = plan_state(session, plan.id, as_of)
        if st.remaining == 0:
            plan.status = changes[plan.id] = "completed"
        elif st.missed >= plan.missed_limit:
            plan.status = changes[plan.id] = "defaulted"
    session.flush()
    return changes


def cancel_payment_plan(session: Session, plan_id: int, actor: str = "system") -> PaymentPlan:
    plan = session.get(PaymentPlan, plan_id)
    if plan is None:
        raise PatientBillingError(f"no payment plan #{plan_id}")
    if plan.status != "active":
        raise PatientBillingError(f"payment plan #{plan_id} is {plan.status}, not active")
    plan.status = "cancelled"
    session.flush()
    return plan
