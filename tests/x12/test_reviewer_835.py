"""Reviewer regressions for 835 content: bad dates and foreign segments are located errors, never silently
dropped; zero dates and misplaced 835 segments are read with an issue. Synthetic fixtures only."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from chartclaim.x12 import read
from tests.x12.test_reviewer_envelope import era


def _one(text: str):  # type: ignore[no-untyped-def]
    res = read(io.StringIO(text))
    [t] = res.transactions
    return t


def _position(text: str, segment_start: str) -> int:
    """1-based ordinal of the first segment starting with ``segment_start`` (as the reader counts)."""
    segs = [s.strip() for s in text.split("~") if s.strip()]
    return next(i for i, s in enumerate(segs, 1) if s.startswith(segment_start))


@pytest.mark.parametrize(
    ("old", "new", "segment", "element"),
    [
        ("DTM*472*20250102", "DTM*472*20251302", "DTM", "DTM02"),   # month 13, service date
        ("DTM*232*20250102", "DTM*232*2025-01-02", "DTM", "DTM02"),  # claim date not CCYYMMDD
        ("DTM*405*20250109", "DTM*405*20250230", "DTM", "DTM02"),   # header production date
        ("PLB*1234567893*20251231", "PLB*1234567893*20251232", "PLB", "PLB02"),
        ("SVC*HC:99213:25*200*150", "SVC*HC:99213:25*2OO*150", "SVC", "SVC02"),
        ("CAS*CO*45*30", "CAS*CO*45*3O", "CAS", "CAS03"),
        ("CLP*C-1*1*200*150", "CLP*C-1*1*200*15,0", "CLP", "CLP04"),
    ],
)
def test_malformed_content_rejects_the_set_with_its_position(old: str, new: str, segment: str, element: str) -> None:
    text = era()
    assert old in text
    bad = text.replace(old, new)
    t = _one(bad)
    assert t.model is None and t.error is not None
    assert (t.error.segment_id, t.error.element) == (segment, element)
    assert t.error.position == _position(bad, new.split("*", 2)[0] + "*" + new.split("*", 2)[1])


def test_a_segment_that_is_no_835_segment_rejects_the_set() -> None:
    text = era().replace("REF*6R*C-1-1~", "REF*6R*C-1-1~\nZZQ*1*2~")
    t = _one(text)
    assert t.model is None and t.error is not None and t.error.segment_id == "ZZQ"
    assert t.error.position == _position(text, "ZZQ*")


def test_a_misplaced_835_segment_is_read_past_with_an_issue() -> None:
    text = era().replace("REF*6R*C-1-1~", "REF*6R*C-1-1~\nN4*TOWN*IL*62701~")
    t = _one(text)
    assert t.model is not None
    assert [i.position for i in t.model.issues if i.segment_id == "N4"] == [_position(text, "REF*6R*C-1-1") + 1]


def test_all_zero_date_is_none_with_an_issue() -> None:
    text = era().replace("DTM*232*20250102", "DTM*232*00000000")
    t = _one(text)
    assert t.model is not None
    assert t.model.claims[0].statement_from is None
    assert any(i.element == "DTM02" for i in t.model.issues)


# A synthetic ERA with what payers send and simple samples lack: TS3/TS2, MIA and MOA, corrected insured (74),
# crossover (TT) and corrected payer (PR) names, claim- and line-level AMT/QTY, revenue-code (NU) and NDC (N4)
# lines, a changed procedure (SVC06/07), DTM*150/151, several LQ, statuses 1/2/4/19/20/21/22/23, a reversal
# and its re-adjudication, and two PLB segments with WO/FB/L6/72/CS/J1.
KITCHEN = """\
ISA*00*          *00*          *ZZ*PAYERX         *ZZ*PROVX          *250110*1200*^*00501*000000007*0*P*:~
GS*HP*PAYERX*PROVX*20250110*1200*7*X*005010X221A1~
ST*835*0007~
BPR*I*951.5*C*CHK************20250110~
TRN*1*CHK12345*1512345678~
CUR*PR*USD~
REF*EV*RECV01~
DTM*405*20250109~
N1*PR*ACME MEDICARE*XV*CMS01~
N3*1 MAIN ST*SUITE 2~
N4*TOWN*IL*627010001~
REF*2U*PAYER9~
PER*CX*CLAIMS*TE*8005550000~
PER*BL*EDI DESK*TE*8005551111*EM*EDI@EXAMPLE.COM~
PER*IC**UR*WWW.EXAMPLE.COM~
N1*PE*SUNRISE HOSPITAL*XX*1234567893~
N3*9 OAK AVE~
N4*TOWN*IL*62702~
REF*TJ*371234567~
RDM*BM*REMIT DESK~
LX*1~
TS3*1234567893*13*20251231*2*1500~
TS2*100*200~
CLP*INST-1*1*1000*700*100*MA*PCN-I1*13*1*A*012*1.2345*0.5~
NM1*QC*1*PATIENT*PAT*Q***MI*111222333A~
NM1*IL*1*INSURED*INS****MI*111222333A~
NM1*74*1*CORRECTED*NAME~
NM1*82*1*DOC*RENDERING****XX*1987654321~
NM1*TT*2*CROSSOVER PLAN*****PI*CROSS1~
NM1*PR*2*CORRECTED PAYER*****PI*CP1~
MIA*0***0*MA01**0*0**0*0*0*0*0*0*0*0*0*0*MA02*MA03~
REF*EA*MRN001~
REF*F8*ORIGCLAIM~
DTM*232*20250101~
DTM*233*20250103~
DTM*050*20250105~
PER*CX*CLAIM DESK*TE*8005552222~
AMT*AU*850~
AMT*I*5.5~
QTY*CA*3~
SVC*NU:0450*400*300**1~
DTM*150*20250101~
DTM*151*20250103~
CAS*CO*45*100~
SVC*NU:0250*600*400*0250*2*HC:J1100*3~
DTM*472*20250102~
CAS*PR*1*100~
CAS*CO*45*100~
REF*6R*INST-1-2~
AMT*B6*500~
QTY*ZK*2~
LQ*HE*M20~
LQ*HE*N211~
LX*2~
CLP*PROF-2*2*300*180*20*12*PCN-P2*11*1~
MOA***MA01*MA18~
NM1*QC*1*SECOND*PAT~
SVC*N4:00002140701:UN*300*180**2~
CAS*PR*2*20~
CAS*OA*23*100~
REF*6R*PROF-2-1~
CLP*DEN-3*4*120*0*0*12*PCN-D3~
NM1*QC*1*THIRD*PAT~
SVC*HC:99214:25:GT*120*0~
CAS*CO*50*120~
LQ*HE*N115~
CLP*FWD-4*19*80*80*0*MB*PCN-F4~
NM1*QC*1*FOURTH*PAT~
NM1*TT*2*MEDIGAP CO*****PI*GAP1~
SVC*HC:99212*80*80~
CLP*REV-5*22*-100*-60*0*12*PCN-R5~
NM1*QC*1*FIFTH*PAT~
SVC*HC:99213*-100*-60~
CAS*CO*45*-40~
CLP*NEW-5*1*100*65*0*12*PCN-R5B~
NM1*QC*1*FIFTH*PAT~
SVC*HC:99213*100*65~
CAS*CO*45*35~
CLP*FWD-6*23*50*0*0*12*PCN-F6~
NM1*QC*1*SIXTH*PAT~
CAS*OA*23*50~
CLP*FWD-7*20*90*10*0*12*PCN-F7~
NM1*QC*1*SEVENTH*PAT~
CAS*OA*23*80~
CLP*FWD-8*21*40*0*0*12*PCN-F8~
NM1*QC*1*EIGHTH*PAT~
CAS*OA*23*40~
PLB*1234567893*20251231*WO:PCN-OLD1*15*FB:PCN-OLD2*-5.5*L6:INT*-10*72:AUTHRET*20*CS:ADJ*-3*J1:NONREIMB*2~
PLB*1234567893*20251231*WO:PCN-OLD3*5~
SE*88*0007~
GE*1*7~
IEA*1*000000007~
"""


def test_kitchen_sink_era_carries_every_value() -> None:
    res = read(io.StringIO(KITCHEN))
    assert res.ok and not res.issues
    [m] = res.models("835")
    claims = list(m.claims)
    # independent balancing: BPR02 = Σ CLP04 − Σ PLB; every claim and line balances
    assert m.payment.amount == sum(c.paid for c in claims) - sum(
        a.amount for p in m.provider_adjustments for a in p.adjustments)
    for c in claims:
        assert c.charge - c.paid == sum(a.amount for a in c.adjustments) + sum(
            a.amount for s in c.services for a in s.adjustments)
    assert m.balanced
    assert [c.status for c in claims] == ["1", "2", "4", "19", "22", "1", "23", "20", "21"]
    assert [c.is_forwarded for c in claims].count(True) == 4
    rev, again = claims[4], claims[5]
    assert rev.is_reversal and rev.paid < 0 and again.patient_control_number == "NEW-5"
    inst = claims[0]
    assert (inst.drg, inst.drg_weight, inst.facility_code) == ("012", Decimal("1.2345"), "13")
    assert inst.inpatient is not None and inst.inpatient.remarks == ("MA01", "MA02", "MA03")
    assert inst.corrected_insured and inst.corrected_insured.last_or_org == "CORRECTED"
    assert inst.crossover_carrier and inst.crossover_carrier.id == "CROSS1"
    assert inst.corrected_payer and inst.rendering_provider and inst.rendering_provider.id == "1987654321"
    assert dict(inst.amounts) == {"AU": Decimal("850"), "I": Decimal("5.5")} and dict(inst.quantities) == {"CA": 3}
    assert (inst.statement_from, inst.statement_to) == (dt.date(2025, 1, 1), dt.date(2025, 1, 3))
    room, drug = inst.services
    assert room.revenue_code == "0450" and room.service_date == dt.date(2025, 1, 1)
    assert drug.original_procedure is not None and drug.original_procedure.code == "J1100"
    assert drug.original_units == 3 and drug.units == 2 and drug.allowed == 500
    assert [(a.group, a.reason) for a in drug.adjustments] == [("PR", "1"), ("CO", "45")]
    assert [r.code for r in drug.remarks] == ["M20", "N211"] and dict(drug.quantities) == {"ZK": 2}
    prof = claims[1]
    assert prof.outpatient is not None and prof.outpatient.remarks == ("MA01", "MA18")
    assert prof.services[0].procedure.qualifier == "N4" and prof.services[0].procedure.code == "00002140701"
    plb = [(a.reason, a.reference, a.amount) for p in m.provider_adjustments for a in p.adjustments]
    assert [r for r, _, _ in plb] == ["WO", "FB", "L6", "72", "CS", "J1", "WO"]
    assert plb[1] == ("FB", "PCN-OLD2", Decimal("-5.5"))
    assert m.provider_summaries[0].ts3[0] == "1234567893" and m.receiver_id == "RECV01" and m.currency == "USD"
    assert m.payee.reference("TJ") == "371234567"


def test_cli_json_keeps_the_cas_group_code(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chartclaim.cli.apps import app

    f = tmp_path / "era.835"
    f.write_text(KITCHEN)
    out = CliRunner().invoke(app, ["x12", "read", "--json", str(f)])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    line = doc["transactions"][0]["model"]["claims"][0]["services"][1]
    assert [(a["group"], a["reason"], a["amount"]) for a in line["adjustments"]] == [("PR", "1", "100"), ("CO", "45", "100")]


@pytest.mark.parametrize(
    ("old", "new", "element"),
    [
        ("CAS*CO*45*30~", "CAS*CO*45*30" + "*" * 16 + "*9~", "CAS20"),
        ("SVC*HC:99213:25*200*150**1~", "SVC*HC:99213:25*200*150**1***X~", "SVC08"),
        ("CLP*C-1*1*200*150*20*12*PCN-1~", "CLP*C-1*1*200*150*20*12*PCN-1" + "*" * 8 + "*X~", "CLP16"),
        ("LX*1~", "LX*1*2~", "LX02"),
    ],
)
def test_content_beyond_a_segments_last_element_is_an_error(old: str, new: str, element: str) -> None:
    text = era()
    assert old in text
    t = _one(text.replace(old, new))
    assert t.error is not None and t.error.element == element


def test_trailing_empty_elements_are_tolerated() -> None:
    text = era().replace("LX*1~", "LX*1***~").replace("CAS*CO*45*30~", "CAS*CO*45*30" + "*" * 20 + "~")
    assert _one(text).model is not None


def test_lq_before_the_service_lines_stays_with_the_claim() -> None:
    text = era().replace("DTM*232*20250102~", "DTM*232*20250102~\nLQ*HE*MA130~")
    m = _one(text).model
    assert m is not None
    first = m.claims[0]
    assert [r.code for r in first.claim_remarks] == ["MA130"] and "MA130" in first.remarks
    assert [r.code for r in first.services[0].remarks] == ["N130"]
    assert any(i.segment_id == "LQ" for i in m.issues)
