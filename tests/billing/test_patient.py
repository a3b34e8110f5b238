from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from chartclaim.billing import ledger, patient
from chartclaim.store.models import ClaimRecord
from tests.billing.helpers import setup_practice, submitted_claim

D = Decimal


def _patient_owes(s: Session, ids: dict[str, int], *amounts: str) -> list[ClaimRecord]:
    """Claims whose whole charge has moved to the patient (e.g. deductible)."""
    out = []
    for i, a in enumerate(amounts):
        c = submitted_claim(s, ids, f"PT{i}", [("99213", a)], dos=dt.date(2025, 1, 1) + dt.timedelta(days=10 * i))
        for ln in c.lines:
            ledger.transfer(s, ln, ln.charge, ids["acme"], None, ln.date_of_service)
        out.append(c)
    return out


def test_payment_applies_oldest_first_and_overpayment_is_credit_then_refunded(engine: Engine) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        c1, c2 = _patient_owes(s, ids, "40.00", "30.00")
        patient.record_patient_payment(s, ids["patient"], D("50.00"), dt.date(2025, 2, 1), "card")
        assert ledger.claim_totals(s, c1.id).patient_balance == 0
        assert ledger.claim_totals(s, c2.id).patient_balance == D("20.00")
        patient.record_patient_payment(s, ids["patient"], D("35.00"), dt.date(2025, 2, 2), "check", "CK 1001")
        assert patient.patient_balance(s, ids["patient"]) == D("-15.00")
        with pytest.raises(patient.PatientBillingError, match=r"exceeds the patient credit 15\.00"):
            patient.refund_credit(s, ids["patient"], dt.date(2025, 2, 3), amount=D("20"))
        assert patient.refund_credit(s, ids["patient"], dt.date(2025, 2, 3)) == D("15.00")
        t = ledger.patient_totals(s, ids["patient"])
        assert (t.payments, t.balance) == (D("70.00"), D("0.00"))
        with pytest.raises(patient.PatientBillingError, match="no credit"):
            patient.refund_credit(s, ids["patient"], dt.date(2025, 2, 3))


def test_bad_payments_are_refused(engine: Engine) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        with pytest.raises(patient.PatientBillingError, match="no charges"):
            patient.record_patient_payment(s, ids["patient"], D("5"), dt.date(2025, 1, 1))
        _patient_owes(s, ids, "10.00")
        with pytest.raises(patient.PatientBillingError, match="positive"):
            patient.record_patient_payment(s, ids["patient"], D("0"), dt.date(2025, 1, 1))
        with pytest.raises(patient.PatientBillingError, match="method"):
            patient.record_patient_payment(s, ids["patient"], D("5"), dt.date(2025, 1, 1), "bitcoin")
        with pytest.raises(TypeError, match="float"):
            patient.record_patient_payment(s, ids["patient"], 5.0, dt.date(2025, 1, 1))  # type: ignore[arg-type]


def test_small_balance_write_off(engine: Engine) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        _patient_owes(s, ids, "4.50")
        assert patient.write_off_small_balances(s, dt.date(2025, 3, 1), limit=D("4.49")) == []
        assert patient.write_off_small_balances(s, dt.date(2025, 3, 1), limit=D("5.00")) == [(ids["patient"],
                                                                                              D("4.50"))]
        t = ledger.patient_totals(s, ids["patient"])
        assert (t.patient_balance, t.adjustments) == (D("0.00"), D("4.50"))
        assert patient.write_off_small_balances(s, dt.date(2025, 3, 2), limit=D("5.00")) == []


def test_payment_plan_schedule_missed_and_default(engine: Engine) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        _patient_owes(s, ids, "100.00")
        plan = patient.create_payment_plan(s, ids["patient"], installments=3, start_date=dt.date(2025, 1, 31))
        assert [(i.due_date, i.amount) for i in plan.installments] == [
            (dt.date(2025, 1, 31), D("33.33")), (dt.date(2025, 2, 28), D("33.33")), (dt.date(2025, 3, 31), D("33.34"))]
        with pytest.raises(patient.PatientBillingError, match="already has active payment plan"):
            patient.create_payment_plan(s, ids["patient"], installments=2, start_date=dt.date(2025, 1, 1))
        patient.record_patient_payment(s, ids["patient"], D("33.33"), dt.date(2025, 1, 30), payment_plan_id=plan.id)
        st = patient.plan_state(s, plan.id, dt.date(2025, 3, 20))
        assert [i.state for i in st.installments] == ["paid", "missed", "upcoming"]
        assert (st.missed, st.next_due, st.next_amount, st.remaining) == (1, dt.date(2025, 2, 28), D("33.33"),
                                                                          D("66.67"))
        assert patient.review_payment_plans(s, dt.date(2025, 3, 20)) == {}
        assert patient.review_payment_plans(s, dt.date(2025, 4, 15)) == {plan.id: "defaulted"}


def test_payment_plan_completes(engine: Engine) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        _patient_owes(s, ids, "50.00")
        plan = patient.create_payment_plan(s, ids["patient"], installments=2, start_date=dt.date(2025, 1, 1),
                                           interval="biweekly")
        assert plan.installments[1].due_date == dt.date(2025, 1, 15)
        patient.record_patient_payment(s, ids["patient"], D("50.00"), dt.date(2025, 1, 2), payment_plan_id=plan.id)
        assert patient.review_payment_plans(s, dt.date(2025, 1, 3)) == {plan.id: "completed"}
