from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from chartclaim.billing import ledger, patient, posting, statements
from chartclaim.billing import synthetic as syn
from chartclaim.claim import Address
from chartclaim.store.models import PatientRecord
from tests.billing.helpers import setup_practice, submitted_claim

D = Decimal
documents = pytest.importorskip("chartclaim.billing.documents.statement")


def test_statement_from_the_ledger(engine: Engine) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        pat = s.get(PatientRecord, ids["patient"])
        assert pat is not None
        pat.address = {"line1": "9 ELM ST", "city": "TOWN", "state": "MN", "zip": "55555"}
        submitted_claim(s, ids, "S1", [("99213:25", "150.00"), ("36415", "20.00")], dos=dt.date(2025, 3, 1))
        submitted_claim(s, ids, "S2", [("99214", "200.00")], dos=dt.date(2025, 4, 1))
        [(rem, fp, _e)] = list(posting.iter_remittances_text(syn.interchange([syn.Era("T", [syn.ClaimPay("S1", [
            syn.LinePay("99213", D("150"), D("80"), [("CO", "45", D("50")), ("PR", "1", D("20"))], modifiers=["25"]),
            syn.LinePay("36415", D("20"), D("12"), [("CO", "45", D("8"))]),
        ])], payment_date=dt.date(2025, 3, 20))])))
        assert rem is not None
        posting.post_remittance(s, rem, fingerprint=fp)
        patient.record_patient_payment(s, ids["patient"], D("5.00"), dt.date(2025, 4, 2))
        practice = documents.PracticeInfo(name="Clinic", phone="6125551212",
                                          address=Address(line1="1 MAIN", city="TOWN", state="MN", zip="55555"))
        data = statements.statement_data(s, ids["patient"], practice, as_of=dt.date(2025, 5, 1))
        by_claim = {(ln.claim_id, ln.code): ln for ln in data.lines}
        assert set(by_claim) == {("S1", "99213-25"), ("S2", "99214")}  # 36415 is settled: not listed
        visit = by_claim[("S1", "99213-25")]
        assert (visit.charge, visit.insurance_paid, visit.adjustments, visit.patient_paid, visit.patient_balance) == (
            D("150.00"), D("80.00"), D("50.00"), D("5.00"), D("15.00"))
        assert visit.note == "Deductible" and visit.aging_date == dt.date(2025, 3, 20)
        pending = by_claim[("S2", "99214")]
        assert pending.insurance_pending == D("200.00") and pending.patient_balance == 0
        assert "Pending with ACME HEALTH" in (pending.note or "")
        # the statement agrees with the books
        assert data.amount_due == ledger.patient_totals(s, ids["patient"]).patient_balance == D("15.00")
        pdf = documents.render_statement(data)
        assert pdf.startswith(b"%PDF")


def _owing(s: Session, ids: dict[str, int]) -> None:
    """S1 adjudicated with $20 deductible moved to the patient."""
    submitted_claim(s, ids, "S1", [("99213", "150.00")], dos=dt.date(2025, 3, 1))
    [(rem, fp, _e)] = list(posting.iter_remittances_text(syn.interchange([syn.Era("T", [syn.ClaimPay("S1", [
        syn.LinePay("99213", D("150"), D("80"), [("CO", "45", D("50")), ("PR", "1", D("20"))]),
    ])], payment_date=dt.date(2025, 3, 20))])))
    assert rem is not None
    posting.post_remittance(s, rem, fingerprint=fp)


def test_statement_needs_an_address(engine: Engine) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        assert statements.statement_data(s, ids["patient"], None) is None  # owes nothing: no statement
        _owing(s, ids)
        with pytest.raises(patient.PatientBillingError, match="mailing address"):
            statements.statement_data(s, ids["patient"], None, as_of=dt.date(2025, 5, 1))


def test_no_statement_while_everything_is_with_the_payer(engine: Engine) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        submitted_claim(s, ids, "S1", [("99213", "150.00")])
        # no address and no organisation details either: nothing is due, so nothing is asked for
        assert statements.statement_data(s, ids["patient"], as_of=dt.date(2025, 5, 1)) is None


def test_statement_sender_defaults_to_the_organisation_record(engine: Engine) -> None:
    from chartclaim.store.models import Organization, PatientRecord

    with Session(engine) as s:
        ids = setup_practice(s)
        pat = s.get(PatientRecord, ids["patient"])
        assert pat is not None
        pat.address = {"line1": "9 ELM ST", "city": "TOWN", "state": "MN", "zip": "55555"}
        _owing(s, ids)
        with pytest.raises(patient.PatientBillingError, match="no address for the statement"):
            statements.statement_data(s, ids["patient"], as_of=dt.date(2025, 5, 1))
        org = s.get(Organization, ids["org"])
        assert org is not None
        org.address, org.phone = {"line1": "1 MAIN", "city": "TOWN", "state": "mn", "zip": "55555"}, "6125551212"
        data = statements.statement_data(s, ids["patient"], as_of=dt.date(2025, 5, 1))
        assert data is not None and data.practice.name == "Clinic" and data.practice.address.state == "MN"
        assert data.amount_due == D("20.00")
        assert documents.render_statement(data).startswith(b"%PDF")
