from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from chartclaim.billing import lifecycle, posting, practice, workqueues
from chartclaim.billing import synthetic as syn
from tests.billing.helpers import setup_practice, submitted_claim

D = Decimal


def _post(s: Session, era: syn.Era) -> None:
    [(rem, fp, err)] = list(posting.iter_remittances_text(syn.interchange([era])))
    assert rem is not None, err
    posting.post_remittance(s, rem, fingerprint=fp)


def test_denial_queue_lists_open_denials_with_next_step(engine: Engine) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        c1 = submitted_claim(s, ids, "W1", [("97110", "100.00"), ("99213", "80.00")])
        submitted_claim(s, ids, "W2", [("99214", "120.00")])
        _post(s, syn.Era("T1", [
            syn.ClaimPay("W1", [syn.LinePay("97110", D("100"), D("0"), [("CO", "50", D("100"))], remarks=["N115"]),
                                syn.LinePay("99213", D("80"), D("60"), [("CO", "45", D("20"))])]),
            syn.ClaimPay("W2", [syn.LinePay("99214", D("120"), D("0"), [("CO", "29", D("120"))])], status="4"),
        ]))
        q = workqueues.denial_queue(s)
        assert [(i.claim_number, i.procedure, i.code, i.amount, i.category) for i in q] == [
            ("W1", "97110", "CO-50 N115", D("100"), "medical_necessity"),
            ("W2", "99214", "CO-29", D("120"), "timely_filing")]
        assert all(i.action for i in q) and q[0].open_with_payer == D("100.00")
        assert [i.claim_number for i in workqueues.denial_queue(s, "timely_filing")] == ["W2"]
        # written off → gone from the queue
        lifecycle.write_off_denial(s, c1, "biller", "MEDNEC", "no documentation")
        assert [i.claim_number for i in workqueues.denial_queue(s)] == ["W2"]


def test_coverage_dates_pick_the_next_payer(engine: Engine) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        supp = ids["supp"]
        practice.add_coverage(s, ids["patient"], supp, "S1", priority=2, effective_from=dt.date(2025, 6, 1))
        assert [c.payer_id for c in practice.coverages_on(s, ids["patient"], dt.date(2025, 3, 1))] == [ids["acme"]]
        assert [c.payer_id for c in practice.coverages_on(s, ids["patient"], dt.date(2025, 7, 1))] == [
            ids["acme"], supp]
        early = submitted_claim(s, ids, "E1", [("99213", "10.00")], dos=dt.date(2025, 3, 1))
        late = submitted_claim(s, ids, "E2", [("99213", "10.00")], dos=dt.date(2025, 7, 1))
        assert practice.next_payer_after(s, early) is None and practice.next_payer_after(s, late) == supp
        import pytest

        with pytest.raises(practice.PracticeError, match="NPI must be 10 digits"):
            practice.add_provider(s, ids["org"], "123", "X")
        with pytest.raises(practice.PracticeError, match="priority"):
            practice.add_coverage(s, ids["patient"], supp, "S2", priority=4)


def test_timely_filing_queue(engine: Engine) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)  # ACME: 90 days to file
        for n, dos in (("TF1", dt.date(2025, 1, 10)), ("TF2", dt.date(2025, 3, 1)), ("TF3", dt.date(2024, 12, 1))):
            practice.create_claim(s, practice.ClaimInput(
                patient_id=ids["patient"], payer_id=ids["acme"], claim_number=n,
                lines=[practice.LineInput("99213", D("50"), dos)]))
        sent = submitted_claim(s, ids, "TF4", [("99213", "50.00")], dos=dt.date(2025, 1, 1))
        q = workqueues.timely_filing_queue(s, dt.date(2025, 4, 1), within_days=15)
        assert [(i.claim_number, i.deadline, i.days_left) for i in q] == [
            ("TF3", "2025-03-01", -31), ("TF1", "2025-04-10", 9)]
        assert sent.claim_number not in {i.claim_number for i in q}  # already with the payer
