"""837 reader: claim -> 837 -> read -> the same claim; structural errors located."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from chartclaim.x12 import MemoryControlNumbers, read
from chartclaim.x12.claims837 import ClaimFile
from chartclaim.x12.envelope import EnvelopeOptions, EnvelopeParty
from chartclaim.x12.write837 import Receiver, Submitter, with_line_control_numbers, write_837
from tests.x12.factories import dependent, institutional, professional, secondary

OPTS = EnvelopeOptions(EnvelopeParty("SUNRISE"), EnvelopeParty("CLEARHOUSE"), timestamp=dt.datetime(2024, 3, 5, 10, 30))
SUB = Submitter("SUNRISE CLINIC", "SUB123", "EDI DESK", "2175551234")
REC = Receiver("CLEARHOUSE INC", "CH999")


@pytest.mark.parametrize("make", [professional, dependent, secondary, institutional])
def test_round_trip(make) -> None:  # type: ignore[no-untyped-def]
    claim = make()
    text = write_837([claim], OPTS, SUB, REC, MemoryControlNumbers())
    res = read(io.StringIO(text))
    assert res.ok, res.errors
    (cf,) = res.models()
    assert isinstance(cf, ClaimFile) and cf.submitter_id == "SUB123"
    assert cf.claims == (with_line_control_numbers(claim),)


def test_batch_spans_map_segments_to_claims() -> None:
    claims = [professional("A1"), dependent("A2"), secondary("A3")]
    text = write_837(claims, OPTS, SUB, REC, MemoryControlNumbers(), one_st_per_claim=False)
    (cf,) = read(io.StringIO(text)).models()
    assert [c.claim_id for c in cf.claims] == ["A1", "A2", "A3"]
    body = text.split("~\n")
    st = next(i for i, s in enumerate(body) if s.startswith("ST*"))
    for claim, (a, b) in zip(cf.claims, cf.claim_spans, strict=True):
        assert body[st + a - 1].startswith(f"CLM*{claim.claim_id}*")
        assert cf.claim_at(b) == claim and cf.claim_at(a) == claim


def test_structural_errors_are_located() -> None:
    text = write_837([professional()], OPTS, SUB, REC, MemoryControlNumbers())
    no_lx = text.replace("LX*1~\n", "")
    res = read(io.StringIO(no_lx))
    err = res.errors[0]
    assert err.segment_id == "SV1" and "no LX" in err.message
    assert no_lx.split("~\n")[err.position - 1].startswith("SV1*")
    no_payer = "~\n".join(s for s in text.split("~\n") if not s.startswith("NM1*PR"))
    err2 = read(io.StringIO(no_payer)).errors[0]
    assert "2010BB" in err2.message and err2.segment_id == "HL"
