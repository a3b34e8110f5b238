"""999 (read, build, write, map back to claims), 277CA (write, read), TA1, 276/270 writers, 277/271 readers."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest

from chartclaim.x12 import MemoryControlNumbers, read
from chartclaim.x12.acks import ImplementationAck, InterchangeAck, acknowledge_file, match_999
from chartclaim.x12.eligibility import EligibilityRequest, EligibilityResponse, write_270
from chartclaim.x12.envelope import EnvelopeOptions, EnvelopeParty
from chartclaim.x12.remit import Name
from chartclaim.x12.status import ClaimStatusReport, StatusInfo, claim_ack_for, write_276, write_277ca
from chartclaim.x12.validate import pyx12_available, pyx12_validate
from chartclaim.x12.write837 import Receiver, Submitter, write_837
from tests.conftest import shared_file
from tests.x12.factories import dependent, institutional, professional, secondary

OURS = EnvelopeOptions(EnvelopeParty("SUNRISE"), EnvelopeParty("CLEARHOUSE"), timestamp=dt.datetime(2024, 3, 5, 10, 30))
THEIRS = EnvelopeOptions(EnvelopeParty("CLEARHOUSE"), EnvelopeParty("SUNRISE"), timestamp=dt.datetime(2024, 3, 5, 11, 0))
SUB = Submitter("SUNRISE CLINIC", "SUB123", "EDI DESK", "2175551234")
REC = Receiver("CLEARHOUSE INC", "CH999")
PAYER = Name("PR", "2", "ACME HEALTH PLAN", id_qualifier="PI", id="87726")
US = Name("41", "2", "SUNRISE CLINIC", id_qualifier="46", id="SUB123")


def test_999_partial_acceptance_maps_to_claims() -> None:
    text = write_837([professional(), dependent(), secondary()], OURS, SUB, REC, MemoryControlNumbers())
    broken = text.replace("CLM*PCN2001*215.5***11:B:1", "CLM*PCN2001*215.5****")
    received = read(io.StringIO(broken))
    assert [t.ok for t in received.transactions] == [True, False, True]
    ack_text = acknowledge_file(received, THEIRS, MemoryControlNumbers())
    if pyx12_available():
        v = pyx12_validate(ack_text)
        assert v.ok, v.errors
    (ack,) = read(io.StringIO(ack_text)).models("999")
    assert isinstance(ack, ImplementationAck) and ack.partially_accepted and ack.accepted_count == 2
    results = {r.claim_id: r for r in match_999(ack, read(io.StringIO(text)).models())}
    assert results["PCN1001"].accepted and results["PCN3001"].accepted
    bad = results["PCN2001"]
    assert not bad.accepted and bad.status == "R"
    assert any("CLM at segment" in e and "element 5" in e for e in bad.errors)


def test_999_shared_partial(shared_data: Path) -> None:
    (ack,) = read(shared_file(shared_data, "x12/999/staedi__simple999.edi")).models()
    assert ack.status == "P" and [t.status for t in ack.transactions] == ["A", "R", "R"]
    seg = ack.transactions[1].segment_errors[0]
    assert (seg.segment_id, seg.position, seg.code) == ("CLM", 22, "8")
    assert seg.elements[0].position == 2 and seg.elements[0].reference == "782"
    assert seg.claim_ids == ("123456789",)


def test_ta1(shared_data: Path) -> None:
    (ta1,) = read(shared_file(shared_data, "x12/ta1/uhin__TA1.edi")).models()
    assert isinstance(ta1, InterchangeAck) and not ta1.accepted and ta1.note_code == "024"


def test_277ca_writer_is_pyx12_clean_and_reads_back() -> None:
    claims = [professional(), dependent(), institutional()]
    rep = claim_ack_for(claims, payer=PAYER, receiver=US, rejections={"PCN2001": [StatusInfo("A7", "562", "85")]},
                        payer_claim_numbers={"PCN1001": "PAY1"}, on=dt.date(2024, 3, 6))
    text = write_277ca([rep], OURS, MemoryControlNumbers())
    if pyx12_available():
        v = pyx12_validate(text)
        assert v.ok, v.errors
    (back,) = read(io.StringIO(text)).models("277CA")
    assert isinstance(back, ClaimStatusReport) and back.kind == "277CA"
    assert [(c.claim_id, c.rejected) for c in back.claims] == [("PCN1001", False), ("PCN2001", True), ("INST5001", False)]
    rejected = back.for_claim("PCN2001")
    assert rejected is not None and rejected.status is not None and rejected.status.codes[0] == ("A7", "562", "85")
    assert back.for_claim("PCN1001").payer_claim_control_number == "PAY1"  # type: ignore[union-attr]
    assert {ln.line_control_number for ln in rejected.lines} == {"PCN2001-1", "PCN2001-2", "PCN2001-3"}


def test_277ca_shared(shared_data: Path) -> None:
    (rej,) = read(shared_file(shared_data, "x12/277ca/imsweb__x12_277CA_rejected.txt")).models()
    (c,) = rej.claims
    assert c.rejected and c.patient_control_number == "3920394930203" and c.status.category == "A7"
    assert c.statuses[0].amount == Decimal("199.14") and c.payer_claim_control_number == "1107000000001120"


def test_276_writer_reads_back_and_277_reader(shared_data: Path) -> None:
    text = write_276([professional(), dependent()], OURS, payer=PAYER, receiver=US, numbers=MemoryControlNumbers())
    (inq,) = read(io.StringIO(text)).models("276")
    assert [c.account_number for c in inq.claims] == ["PCN1001", "PCN2001"]
    assert inq.claims[1].patient is not None and inq.claims[1].patient.first == "TIM"
    (resp,) = read(shared_file(shared_data, "x12/277/lfh__claim-level-status.277")).models()
    assert [c.claim_id for c in resp.claims] == ["SM123456", "J0234567", "MA345678"]
    assert resp.claims[0].status.category == "P3" and len(resp.claims[2].lines) == 1


def test_270_writer_and_271_reader(shared_data: Path) -> None:
    reqs = [EligibilityRequest("T1", "MBR1", "JANE", "DOE", dt.date(1980, 1, 1), "F", on=dt.date(2024, 3, 5)),
            EligibilityRequest("T2", "MBR1", "JANE", "DOE", dependent_first_name="TIM", dependent_dob=dt.date(2015, 1, 1))]
    text = write_270(reqs, OURS, payer_name="ACME", payer_id="87726", provider_name="SUNRISE",
                     provider_npi="1234567893", numbers=MemoryControlNumbers())
    (inq,) = read(io.StringIO(text)).models("270")
    assert [(p.level, p.trace) for p in inq.persons if p.trace] == [("subscriber", "T1"), ("dependent", "T2")]
    (resp,) = read(shared_file(shared_data, "x12/271/lfh__subscriber-health-benefit-check.271")).models()
    assert isinstance(resp, EligibilityResponse)
    (p,) = resp.persons
    assert p.active and p.plan_begin == dt.date(2006, 1, 1)
    copays = p.copays
    assert [(b.amount, b.in_network) for b in copays] == [(Decimal("10.00"), "Y"), (Decimal("30.00"), "N")]
    assert "98" in copays[0].service_types
    (rej,) = read(shared_file(shared_data, "x12/271/kartik__271_rejected_subscriber.x12")).models()
    assert rej.rejected and rej.persons[0].rejections[0].reason == "72"


@pytest.mark.parametrize("make", [professional, dependent, secondary, institutional])
def test_claim_ack_for_every_claim_shape(make) -> None:  # type: ignore[no-untyped-def]
    rep = claim_ack_for([make()], payer=PAYER, receiver=US, on=dt.date(2024, 3, 6))
    text = write_277ca([rep], OURS, MemoryControlNumbers())
    (back,) = read(io.StringIO(text)).models()
    assert back.claims[0].accepted


def test_ta1_round_trip() -> None:
    from chartclaim.x12.acks import write_ta1

    text = write_ta1(InterchangeAck("000000905", "240305", "1030", "R", "025"), THEIRS, MemoryControlNumbers())
    (t,) = read(io.StringIO(text)).transactions
    assert t.kind == "TA1" and t.model.control_number == "000000905" and not t.model.accepted
    assert t.model.note == "duplicate interchange control number"
