"""835 writer helpers for the payer simulator: answer our claims, balanced and pyx12-clean."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import pytest

from chartclaim.x12 import MemoryControlNumbers, read_835
from chartclaim.x12.envelope import EnvelopeOptions, EnvelopeParty
from chartclaim.x12.remit import Address, CasAdjustment, Party, PlbAdjustment, ProviderAdjustment
from chartclaim.x12.validate import pyx12_available, pyx12_validate
from chartclaim.x12.write835 import claim_payment_for, remittance_for, write_835
from tests.x12.factories import dependent, institutional, professional

PAYER = Party("PR", "ACME HEALTH PLAN", address=Address(("PO BOX 100",), "ATLANTA", "GA", "30301"),
              contacts=(("PER", "BL", "EDI SUPPORT", "TE", "8005559876"),))
PAYEE = Party("PE", "SUNRISE CLINIC", "XX", "1234567893")
OPTS = EnvelopeOptions(EnvelopeParty("ACMEPAYER"), EnvelopeParty("SUNRISE"), timestamp=dt.datetime(2024, 3, 20, 9))


def _answer():  # type: ignore[no-untyped-def]
    p = professional()
    paid_p = claim_payment_for(p, [
        (D("100"), [CasAdjustment("CO", "45", D("30")), CasAdjustment("PR", "2", D("20"))]),
        (D("0"), [CasAdjustment("CO", "97", D("45.50"))]),
        (D("15"), [CasAdjustment("CO", "45", D("5"))]),
    ], payer_claim_control_number="PAY1")
    d = dependent()
    denied = claim_payment_for(d, [(D(0), [CasAdjustment("CO", "29", ln.charge)]) for ln in d.lines], status="4",
                               payer_claim_control_number="PAY2")
    i = institutional()
    paid_i = claim_payment_for(i, [(D("700"), [CasAdjustment("CO", "45", D("200"))]), (D("75.25"), [])],
                               payer_claim_control_number="PAY3")
    plb = ProviderAdjustment("1234567893", dt.date(2024, 12, 31), (PlbAdjustment("L6", "INT1", D("-2.10")),))
    return remittance_for([paid_p, denied, paid_i], payer=PAYER, payee=PAYEE, paid_on=dt.date(2024, 3, 20),
                          trace_number="EFT123", payer_tin="58-1234567", provider_adjustments=(plb,))


def test_answer_is_balanced_pyx12_clean_and_reads_back() -> None:
    rem = _answer()
    assert rem.payment.amount == D("115") + D("775.25") + D("2.10")
    text = write_835([rem], OPTS, MemoryControlNumbers())
    if pyx12_available():
        v = pyx12_validate(text)
        assert v.ok, v.errors
    (back,) = read_835(io.StringIO(text)).models()
    assert back.balanced, back.balancing
    assert [c.status for c in back.claims] == ["1", "4", "1"]
    first = back.claims[0]
    assert first.patient_responsibility == D("20") and first.patient is not None
    assert [s.line_control_number for s in first.services] == ["PCN1001-1", "PCN1001-2", "PCN1001-3"]
    assert back.claims[1].insured is not None  # the dependent's subscriber is echoed as NM1*IL


def test_refuses_what_pyx12_would_reject() -> None:
    rem = _answer()
    import dataclasses

    bare = dataclasses.replace(rem, payer=Party("PR", "ACME"))
    with pytest.raises(ValueError, match="PER\\*BL"):
        write_835([bare], OPTS, MemoryControlNumbers())
