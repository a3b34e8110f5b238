"""835 reader: model, balancing, located errors, streaming and writer round trip."""

from __future__ import annotations

import dataclasses
import io
from decimal import Decimal

import pytest

from chartclaim.x12 import MemoryControlNumbers, X12Error, read, read_835
from chartclaim.x12.envelope import EnvelopeOptions, EnvelopeParty
from chartclaim.x12.remit import CasAdjustment, check_balancing
from chartclaim.x12.validate import pyx12_available, pyx12_validate
from chartclaim.x12.write835 import write_835
from tests.conftest import shared_file

ERA = """ISA*00*          *00*          *ZZ*ACMEPAYER      *ZZ*SUNRISECLINIC  *240110*0900*^*00501*000000101*0*T*:~
GS*HP*ACMEPAYER*SUNRISECLINIC*20240110*0900*101*X*005010X221A1~
ST*835*0001~
BPR*I*690*C*ACH*CCP*01*011000015*DA*1234*1512345678**01*021000021*DA*5678*20240112~
TRN*1*EFT100234*1512345678~
REF*EV*SUNRISE~
DTM*405*20240110~
N1*PR*ACME HEALTH PLAN~
N3*100 MAIN ST~
N4*SPRINGFIELD*IL*62701~
PER*BL*EDI SUPPORT*TE*8005559876~
N1*PE*SUNRISE CLINIC*XX*1234567893~
REF*TJ*371234567~
LX*1~
CLP*CLM1001*1*300*200*60*12*PCN1001*11*1~
NM1*QC*1*DOE*JANE****MI*MBR0001~
NM1*74*1*DOE*JANEY****C*MBR0001A~
NM1*82*1*SMITH*JOHN****XX*1234567893~
NM1*TT*2*STATE MEDICAID*****PI*MCD01~
MOA***MA01*MA18~
DTM*232*20240105~
SVC*HC:99213:25*200*150**1~
DTM*472*20240105~
CAS*PR*1*30~
CAS*CO*45*20~
REF*6R*LINE0001~
AMT*B6*180~
SVC*HC:85025*100*50**1*HC:85027~
DTM*472*20240105~
CAS*PR*2*20**3*10~
CAS*CO*45*20~
REF*6R*LINE0002~
LQ*HE*N130~
CLP*CLM1002*4*80*0*0*12*PCN1002*11*1~
CAS*CO*29*80~
NM1*QC*1*LOE*MARK****MI*MBR0004~
CLP*CLM0999*22*-100*-75**12*PCN0999*11*1~
CAS*CO*45*-25~
NM1*QC*1*POE*ANNA****MI*MBR0003~
CLP*CLM1003*1*600*595*0*12*PCN1003*11*1~
CAS*CO*45*5~
NM1*QC*1*ROE*RICHARD****MI*MBR0002~
PLB*1234567893*20241231*WO:OVERPAY01*25*L6:INTEREST01*-5*FB:BALANCE01*10~
SE*43*0001~
GE*1*101~
IEA*1*000000101~
"""


def test_model_reads_every_part() -> None:
    res = read(io.StringIO(ERA))
    assert res.ok, res.errors
    (rem,) = res.models("835")
    assert rem.payment.amount == Decimal("690") and rem.payment.method == "ACH" and rem.payment.is_eft
    assert rem.payment.date is not None and rem.payment.date.isoformat() == "2024-01-12"
    assert rem.check_or_eft_number == "EFT100234"
    assert rem.payer.name == "ACME HEALTH PLAN" and rem.payee.id == "1234567893"
    assert rem.payee.reference("TJ") == "371234567"
    assert [c.status for c in rem.claims] == ["1", "4", "22", "1"]
    c1, denied, reversal, _ = rem.claims
    assert c1.patient_control_number == "CLM1001" and c1.payer_claim_control_number == "PCN1001"
    assert c1.patient is not None and c1.patient.last_or_org == "DOE"
    assert c1.corrected_insured is not None and c1.corrected_insured.id == "MBR0001A"
    assert c1.crossover_carrier is not None and c1.crossover_carrier.id == "MCD01"
    assert c1.rendering_provider is not None and c1.rendering_provider.id == "1234567893"
    assert c1.remarks == ("MA01", "MA18")
    s1, s2 = c1.services
    assert s1.procedure.code == "99213" and s1.procedure.modifiers == ("25",)
    assert s1.line_control_number == "LINE0001" and s1.allowed == Decimal("180")
    assert s1.adjustments == (CasAdjustment("PR", "1", Decimal("30")), CasAdjustment("CO", "45", Decimal("20")))
    assert s2.original_procedure is not None and s2.original_procedure.code == "85027"
    assert [a.reason for a in s2.adjustments] == ["2", "3", "45"]
    assert s2.remarks[0].code == "N130"
    assert denied.is_denied and reversal.is_reversal and reversal.paid == Decimal("-75")
    (plb,) = rem.provider_adjustments
    assert [(a.reason, a.reference, a.amount) for a in plb.adjustments][1] == ("L6", "INTEREST01", Decimal("-5"))
    assert rem.balanced, rem.balancing


def test_balancing_is_reported_not_raised() -> None:
    bad = ERA.replace("CAS*CO*45*5~", "CAS*CO*45*7~").replace("BPR*I*690*", "BPR*I*691*")
    (rem,) = read_835(io.StringIO(bad)).models()
    msgs = [(i.segment_id, i.element) for i in rem.balancing]
    assert ("BPR", "BPR02") in msgs and ("CLP", "CLP03") in msgs
    bad_line = ERA.replace("CAS*PR*1*30~", "CAS*PR*1*31~")
    (rem2,) = read_835(io.StringIO(bad_line)).models()
    assert {(i.segment_id, i.element) for i in rem2.balancing} == {("SVC", "SVC02"), ("CLP", "CLP03")}
    svc_issue = next(i for i in rem2.balancing if i.segment_id == "SVC")
    assert svc_issue.position == 22  # the first SVC is the 22nd segment of the file


def test_six_triplets_and_quantity() -> None:
    text = ERA.replace("CAS*CO*45*5~", "CAS*CO*45*1*1*253*1**94*1**97*1**59*0.5**16*0.5*2~")
    (rem,) = read_835(io.StringIO(text)).models()
    adj = rem.claims[3].adjustments
    assert len(adj) == 6 and adj[0].quantity == Decimal(1) and adj[5].quantity == Decimal(2)
    assert rem.balanced


@pytest.mark.parametrize(("needle", "replacement", "seg_id", "element"), [
    ("CAS*CO*29*80~", "CAS*XX*29*80~", "CAS", "CAS01"),
    ("CAS*CO*29*80~", "CAS*CO*29*ABC~", "CAS", "CAS03"),
    ("CLP*CLM1002*4*80*0*", "CLP*CLM1002*4*80**", "CLP", "CLP04"),
    ("SVC*HC:85025*100*50**1*HC:85027~", "SVC*HC:85025*1O0*50**1~", "SVC", "SVC02"),
])
def test_malformed_names_position_segment_element(needle: str, replacement: str, seg_id: str, element: str) -> None:
    res = read(io.StringIO(ERA.replace(needle, replacement)))
    assert not res.ok and res.models() == []
    err = res.errors[0]
    assert err.segment_id == seg_id and err.element == element and err.position is not None
    assert ERA.split("~\n")[err.position - 1].startswith(seg_id)


def test_bad_transaction_in_batch_keeps_the_good_ones() -> None:
    body = ERA.split("ST*835*0001~\n", 1)[1].split("GE*1*101~")[0]
    bad = body.replace("CAS*CO*29*80~", "CAS*CO*29*X~").replace("SE*43*0001", "SE*43*0002")
    text = ERA.split("ST*835")[0] + "ST*835*0001~\n" + body + "ST*835*0002~\n" + bad + "ST*835*0003~\n" + body.replace("0001~", "0003~") + "GE*3*101~\nIEA*1*000000101~\n"
    res = read(io.StringIO(text))
    assert [t.ok for t in res.transactions] == [True, False, True]
    assert res.transactions[1].error is not None and res.transactions[1].error.control_number == "0002"


def test_delimiters_and_terminators_from_isa() -> None:
    alt = ERA.replace("*", "|").replace(":", ">").replace("~\n", "\r\n").replace("|^|", "|!|")
    alt = alt.replace("|>\r\n", "|>\r\n", 1)
    (rem,) = read_835(io.StringIO(alt)).models()
    assert rem.claims[0].services[0].procedure.modifiers == ("25",) and rem.balanced
    lower = ERA.replace("CLP*", "clp*").replace("\n", "\n\n  ")
    (rem2,) = read_835(io.StringIO(lower)).models()
    assert len(rem2.claims) == 4


def test_no_isa_is_rejected_with_position() -> None:
    with pytest.raises(X12Error) as exc:
        read(io.StringIO(ERA.split("\n", 2)[2]))
    assert exc.value.position == 1 and exc.value.segment_id == "ST"


def test_writer_round_trip_and_pyx12() -> None:
    (rem,) = read_835(io.StringIO(ERA)).models()
    text = write_835([rem], EnvelopeOptions(EnvelopeParty("ACMEPAYER"), EnvelopeParty("SUNRISE")), MemoryControlNumbers())
    (back,) = read_835(io.StringIO(text)).models()
    assert tuple(back.claims) == tuple(rem.claims) and back.payment == rem.payment
    assert back.provider_adjustments == rem.provider_adjustments and back.payer == rem.payer
    if pyx12_available():
        v = pyx12_validate(text)
        assert v.ok, v.errors


def test_writer_refuses_unbalanced() -> None:
    (rem,) = read_835(io.StringIO(ERA)).models()
    broken = dataclasses.replace(rem, claims=(dataclasses.replace(rem.claims[0], paid=Decimal("1")),))
    assert check_balancing(broken)
    with pytest.raises(ValueError, match="does not balance"):
        write_835([broken], EnvelopeOptions(EnvelopeParty("A"), EnvelopeParty("B")), MemoryControlNumbers())


def test_shared_oxedi_golden(shared_data) -> None:  # type: ignore[no-untyped-def]
    (rem,) = read_835(shared_file(shared_data, "x12/835/oxedi__balanced_5010_sample.txt")).models()
    assert rem.payment.amount == Decimal("690") and rem.balanced
    assert rem.provider_adjustment_total == Decimal("30") and len(rem.claims) == 4


@pytest.mark.parametrize("cas", ["CAS*CO*45*5*X~", "CAS*CO*45*5**253*NaN~", "CAS*CO**5~", "CAS*CO*45*5**253~"])
def test_cas_fast_path_still_locates_errors(cas: str) -> None:
    res = read(io.StringIO(ERA.replace("CAS*CO*45*5~", cas)))
    assert not res.ok
    err = res.errors[0]
    assert err.segment_id == "CAS" and err.position == 41 and err.element is not None


def test_streaming_memory_is_flat_in_file_size() -> None:
    import tracemalloc

    from chartclaim.x12 import iter_read

    def peak(copies: int) -> int:
        data = io.StringIO(ERA * copies)  # many interchanges in one file
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        n = 0
        for t in iter_read(data):
            assert t.ok
            n += 1
        top = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        assert n == copies
        return top

    small, large = peak(300), peak(1500)
    assert large < 2 * small + 200_000, (small, large)


def test_damaged_input_only_ever_raises_located_errors() -> None:
    """Random damage (deleted, replaced, cut, doubled text) either reads or fails with an X12Error — never an
    IndexError/KeyError from inside the reader, never a claim that fails to build later."""
    import random

    from chartclaim.x12 import X12Error

    rnd = random.Random(5010)
    for _ in range(300):
        t = ERA
        for _ in range(rnd.randint(1, 3)):
            i = rnd.randrange(len(t))
            op = rnd.random()
            if op < 0.35:
                t = t[:i] + t[i + 1:]
            elif op < 0.7:
                t = t[:i] + rnd.choice("*:~^0A9-. \n") + t[i + 1:]
            else:
                j = min(len(t), i + rnd.randint(1, 40))
                t = t[:i] + t[j:] if op < 0.85 else t[:i] + t[i:j] + t[i:j] + t[j:]
        try:
            res = read(io.StringIO(t))
        except X12Error as exc:
            assert exc.position is not None
            continue
        for e in res.errors:
            assert e.position is not None or "ends inside" in e.message
        for rem in res.models("835"):
            for c in rem.claims:
                assert c.patient_control_number


@pytest.mark.parametrize("tail", ["\x1a", "\x00\x00", "\n\x1a\n", "~\x1a", "\r\n\r\n"])
def test_end_of_file_marks_are_ignored(tail: str) -> None:
    res = read(io.StringIO(ERA + tail))
    assert res.ok and len(res.models()) == 1


def test_reader_fast_constructors_make_the_same_records() -> None:
    """The reader builds claim records with `_maker` (slots set directly, no frozen __init__): the objects
    must equal and hash like the ones the dataclass makes, stay frozen, and refuse a missing field."""
    from chartclaim.x12 import remit

    d = Decimal("12.50")
    cases = [
        (remit.CasAdjustment, ("CO", "45", d, None)),
        (remit.Remark, ("HE", "N130")),
        (remit.Name, ("QC", "1", "DOE", "JANE", "", "", "MI", "M1")),
        (remit.Procedure, ("HC", "99213", ("25",), "")),
        (remit.ServicePayment, (remit.Procedure("HC", "99213"), d, d, "", None, None, None,
                                (remit.CasAdjustment("CO", "45", d),), (("472", None),), (("6R", "L1"),), (), (), (), 7)),
        (remit.ClaimPayment, ("C1", "1", d, d, None, "12", "ICN", "", "", "", None, None, (), (), None, None, (), (),
                              (), (), (), (), "1", 3, ())),
    ]
    for cls, args in cases:
        made = remit._maker(cls)(*args)
        assert made == cls(*args) and hash(made) == hash(cls(*args)) and type(made) is cls
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(made, dataclasses.fields(cls)[0].name, args[0])
        with pytest.raises(TypeError):
            remit._maker(cls)(*args[:-1])
