from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from chartclaim.billing import patient, posting, reports
from chartclaim.billing import synthetic as syn
from chartclaim.billing.lifecycle import transition
from tests.billing.helpers import setup_practice, submitted_claim

D = Decimal
AS_OF = dt.date(2025, 6, 30)


def _post(s: Session, era: syn.Era) -> None:
    [(rem, fp, err)] = list(posting.iter_remittances_text(syn.interchange([era])))
    assert rem is not None, err
    res = posting.post_remittance(s, rem, fingerprint=fp)
    assert res.exceptions == []


def _scenario(s: Session) -> dict[str, int]:
    ids = setup_practice(s)
    # 10 days old, unpaid: 100 with ACME in 0-30
    submitted_claim(s, ids, "A", [("99213", "100.00")], dos=AS_OF - dt.timedelta(days=10))
    # 45 days old, paid with PR 20 → patient 31-60
    submitted_claim(s, ids, "B", [("99214", "200.00")], dos=AS_OF - dt.timedelta(days=45))
    _post(s, syn.Era("T1", [syn.ClaimPay("B", [syn.LinePay("99214", D("200"), D("120"),
                                                           [("CO", "45", D("60")), ("PR", "2", D("20"))])])],
                     payment_date=AS_OF - dt.timedelta(days=20)))
    # 100 days old, denied (CO-50) → ACME 91-120
    submitted_claim(s, ids, "C", [("97110", "80.00")], dos=AS_OF - dt.timedelta(days=100))
    _post(s, syn.Era("T2", [syn.ClaimPay("C", [syn.LinePay("97110", D("80"), D("0"), [("CO", "50", D("80"))])],
                                         status="4")], payment_date=AS_OF - dt.timedelta(days=60)))
    # 200 days old, rejected once then fixed and sent again, still open → ACME 120+
    c = submitted_claim(s, ids, "D", [("99212", "50.00")], dos=AS_OF - dt.timedelta(days=200))
    transition(s, c, "rejected", "clearinghouse", "invalid member id")
    transition(s, c, "draft", "biller", "fix member id")
    return ids


def test_aging_by_payer_and_patient(engine: Engine) -> None:
    with Session(engine) as s:
        ids = _scenario(s)
        rep = reports.ar_aging(s, AS_OF, "payer")
        acme, pat = rep.rows
        assert acme.key == "ACME1" and pat.key == "PATIENT"
        assert acme.buckets == {"0-30": D("100.00"), "31-60": D("0.00"), "61-90": D("0.00"),
                                "91-120": D("80.00"), "120+": D("50.00")}
        assert pat.buckets["31-60"] == D("20.00") and pat.total == D("20.00")
        assert rep.total == D("250.00")
        assert rep.over_90_pct == D("52.0")
        csv_text = rep.to_csv()
        assert csv_text.splitlines()[0] == "key,name,0-30,31-60,61-90,91-120,120+,total"
        assert csv_text.splitlines()[-1].endswith(",250.00")
        by_patient = reports.ar_aging(s, AS_OF, "patient")
        [row] = by_patient.rows
        assert row.total == D("250.00") and row.name == "DOE, JANE"
        # as of an earlier day, later postings are not there yet: B unpaid (200 with ACME), A not yet seen
        early = reports.ar_aging(s, AS_OF - dt.timedelta(days=25), "payer")
        assert early.total == D("330.00") and early.rows[0].buckets["0-30"] == D("200.00")
        json.dumps(rep.as_dict())
        patient.record_patient_payment(s, ids["patient"], D("20.00"), AS_OF)
        assert reports.ar_aging(s, AS_OF, "payer").rows[-1].key == "ACME1"  # patient row gone at zero
        with pytest.raises(ValueError, match="aging by"):
            reports.ar_aging(s, AS_OF, "provider")


def test_kpis(engine: Engine) -> None:
    with Session(engine) as s:
        _scenario(s)
        k = reports.kpis(s, dt.date(2020, 1, 1), dt.date.today())
        assert k.claims_submitted == 4
        assert (k.clean_claims, k.clean_claim_rate) == (3, D("75.0"))  # D was rejected
        assert (k.claims_adjudicated, k.first_pass_paid, k.first_pass_resolution_rate) == (2, 1, D("50.0"))
        assert (k.claims_denied, k.denial_rate, k.denied_dollars) == (1, D("50.0"), D("80.00"))
        assert k.denial_dollar_rate == D("28.6")  # 80 of 280 charged on first remittances
        assert k.denials_by_category == {"medical_necessity": {"claims": "1", "dollars": "80.00", "rate": "50.0"}}
        # NCR = payments / (charges − contractual) = 120 / (430 − 60)
        assert (k.gross_charges, k.contractual_adjustments, k.payments) == (D("430.00"), D("60.00"), D("120.00"))
        assert k.net_collection_rate == D("32.4")
        assert k.ar_total == D("250.00")
        days = (dt.date.today() - dt.date(2020, 1, 1)).days + 1
        assert k.net_days_in_ar == (D("250.00") / (D("370.00") / days)).quantize(D("0.1"))
        assert "denials.medical_necessity.dollars,80.00" in k.to_csv()
        assert json.loads(json.dumps(k.as_dict()))["clean_claim_rate"] == "75.0"


def test_claim_balances(engine: Engine) -> None:
    with Session(engine) as s:
        _scenario(s)
        rows = {r["claim_number"]: r for r in reports.claim_balances(s)}
        assert rows["B"]["payments"] == "120.00" and rows["B"]["patient_balance"] == "20.00"
        assert rows["C"]["insurance_balance"] == "80.00" and rows["C"]["status"] == "denied"
