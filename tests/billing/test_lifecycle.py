from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from chartclaim.billing import ledger, lifecycle
from chartclaim.billing.control_numbers import DbControlNumbers, next_control_number, peek_control_number
from chartclaim.billing.lifecycle import IllegalTransition, transition
from tests.billing.helpers import setup_practice, submitted_claim


def test_happy_path_is_recorded_with_who_and_why(engine: Engine) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        claim = submitted_claim(s, ids, "L1", [("99213", "100.00")])
        transition(s, claim, "accepted", "clearinghouse", "277CA A2")
        transition(s, claim, "denied", "era", "CO-16")
        lifecycle.appeal(s, claim, "biller1", "records attached")
        hist = lifecycle.history(s, claim.id)
        assert [(h.from_status, h.to_status) for h in hist] == [
            (None, "draft"), ("draft", "scrubbed"), ("scrubbed", "ready"), ("ready", "submitted"),
            ("submitted", "accepted"), ("accepted", "denied"), ("denied", "appealed")]
        assert hist[-1].actor == "biller1" and hist[-1].reason == "records attached" and hist[-1].at is not None
        assert claim.first_submitted_on is not None


def test_illegal_transition_is_refused_clearly(engine: Engine) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        claim = submitted_claim(s, ids, "L2", [("99213", "100.00")])
        with pytest.raises(IllegalTransition, match=r"claim L2: cannot go from 'submitted' to 'draft' \(allowed: "):
            transition(s, claim, "draft", "x")
        with pytest.raises(ValueError, match="unknown status"):
            transition(s, claim, "lost", "x")
        assert claim.status == "submitted"
        assert len(lifecycle.history(s, claim.id)) == 4


def test_correct_void_and_close(engine: Engine) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        claim = submitted_claim(s, ids, "L3", [("99213", "100.00")])
        transition(s, claim, "denied", "era")
        with pytest.raises(IllegalTransition, match="REF\\*F8"):
            lifecycle.correct(s, claim, "biller", "wrong dx")
        claim.payer_claim_number = "ICN1"
        lifecycle.correct(s, claim, "biller", "wrong dx")
        assert (claim.status, claim.frequency) == ("corrected", "7")
        lifecycle.submit(s, claim, "biller")
        transition(s, claim, "denied", "era")
        with pytest.raises(IllegalTransition, match=r"payer balance 100\.00 still open"):
            lifecycle.close(s, claim, "biller")
        lifecycle.void(s, claim, "biller", "billed in error")
        assert claim.frequency == "8"
        lifecycle.close(s, claim, "biller")
        t = ledger.claim_totals(s, claim.id)
        assert (t.balance, t.adjustments) == (Decimal("0.00"), Decimal("100.00"))


def test_write_off_denial(engine: Engine) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        claim = submitted_claim(s, ids, "L4", [("99213", "60.00"), ("36415", "15.00")])
        transition(s, claim, "denied", "era")
        assert lifecycle.write_off_denial(s, claim, "biller", "TIMELY", "past filing limit") == 2
        lifecycle.close(s, claim, "biller")
        assert ledger.claim_totals(s, claim.id).balance == 0


def test_control_numbers_are_sequential_and_never_reused(engine: Engine) -> None:
    with Session(engine) as s:
        assert next_control_number(s, "ISA13:SENDER") == 1
        assert next_control_number(s, "ISA13:SENDER", count=5) == 2
        src = DbControlNumbers(s)
        assert src("ISA13:SENDER") == 7
        assert src.next("GS") == 1 and src.next_block("GS", 3) == 2 and src.next("GS") == 5
        s.commit()
    with Session(engine) as s:
        assert peek_control_number(s, "ISA13:SENDER") == 7
        next_control_number(s, "ST02:X")
        s.rollback()  # a rolled-back batch gives its number back
        assert next_control_number(s, "ST02:X") == 1
