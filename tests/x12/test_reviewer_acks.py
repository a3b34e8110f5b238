"""Reviewer regressions for 277CA/276/270/999: a foreign segment or an impossible date rejects the set at its
position instead of being read past (written here with our own writers; synthetic content)."""

from __future__ import annotations

import datetime as dt
import io

from chartclaim.x12 import MemoryControlNumbers, read
from chartclaim.x12.acks import acknowledge_file
from chartclaim.x12.eligibility import EligibilityRequest, write_270
from chartclaim.x12.status import StatusInfo, claim_ack_for, write_277ca
from chartclaim.x12.write837 import write_837
from tests.x12.factories import dependent, professional
from tests.x12.test_acks import OURS, PAYER, REC, SUB, THEIRS, US


def _position(text: str, start: str) -> int:
    segs = [s.strip() for s in text.split("~") if s.strip()]
    return next(i for i, s in enumerate(segs, 1) if s.startswith(start))


def _277ca() -> str:
    rep = claim_ack_for([professional(), dependent()], payer=PAYER, receiver=US,
                        rejections={"PCN2001": [StatusInfo("A7", "562", "85")]}, on=dt.date(2024, 3, 6))
    return write_277ca([rep], OURS, MemoryControlNumbers())


def test_277ca_foreign_segment_and_bad_dates_are_located_errors() -> None:
    text = _277ca()
    assert read(io.StringIO(text)).ok
    bad = text.replace("~\nSTC*", "~\nZZQ*1~\nSTC*", 1)
    [t] = read(io.StringIO(bad)).transactions
    assert t.error is not None and (t.error.segment_id, t.error.position) == ("ZZQ", _position(bad, "ZZQ*"))
    dtp = next(s for s in text.split("~") if s.strip().startswith("DTP*472*"))
    bad = text.replace(dtp, dtp.strip()[:-2] + "99", 1)  # day 99
    [t] = read(io.StringIO(bad)).transactions
    assert t.error is not None and (t.error.segment_id, t.error.element) == ("DTP", "DTP03")


def test_270_impossible_birth_date_is_an_error() -> None:
    reqs = [EligibilityRequest("T1", "MBR1", "JANE", "DOE", dt.date(1980, 1, 1), "F", on=dt.date(2024, 3, 5))]
    text = write_270(reqs, OURS, payer_name="ACME", payer_id="87726", provider_name="SUNRISE",
                     provider_npi="1234567893", numbers=MemoryControlNumbers())
    bad = text.replace("DMG*D8*19800101", "DMG*D8*19801301")
    [t] = read(io.StringIO(bad)).transactions
    assert t.error is not None and (t.error.segment_id, t.error.element) == ("DMG", "DMG02")
    assert t.error.position == _position(bad, "DMG*")


def test_999_foreign_segment_is_an_error() -> None:
    text = write_837([professional()], OURS, SUB, REC, MemoryControlNumbers())
    ack = acknowledge_file(read(io.StringIO(text)), THEIRS, MemoryControlNumbers())
    bad = ack.replace("~\nAK9*", "~\nZZQ*1~\nAK9*", 1)
    [t] = read(io.StringIO(bad)).transactions
    assert t.error is not None and t.error.segment_id == "ZZQ"


def test_4010_997_reads_as_a_functional_acknowledgment() -> None:
    text = ("ISA*00*          *00*          *ZZ*RECEIVER       *ZZ*SENDER         *240101*1200*U*00401*000000011*0*P*>~"
            "GS*FA*RECEIVER*SENDER*20240101*1200*11*X*004010~ST*997*0001~AK1*HC*17~AK2*837*0001~AK5*A~"
            "AK2*837*0002~AK3*CLM*22**8~AK4*2*782*1~AK5*R*5~AK9*P*2*2*1~SE*10*0001~GE*1*11~IEA*1*000000011~")
    res = read(io.StringIO(text))
    assert res.ok and not res.issues
    [ack] = res.models("997")
    assert ack.partially_accepted and [t.status for t in ack.transactions] == ["A", "R"]
    seg = ack.transactions[1].segment_errors[0]
    assert (seg.segment_id, seg.position) == ("CLM", 22) and seg.elements[0].reference == "782"
