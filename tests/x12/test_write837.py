"""837P/837I writer: pyx12 is the oracle; control numbers unique and persisted; located write errors."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from chartclaim.x12 import FileControlNumbers, MemoryControlNumbers
from chartclaim.x12.core import iter_raw_transactions
from chartclaim.x12.envelope import EnvelopeOptions, EnvelopeParty
from chartclaim.x12.reader import transaction_kind
from chartclaim.x12.validate import pyx12_available, pyx12_validate
from chartclaim.x12.write837 import Receiver, Submitter, X12WriteError, write_837
from tests.x12.factories import dependent, institutional, professional, secondary

OPTS = EnvelopeOptions(EnvelopeParty("SUNRISE"), EnvelopeParty("CLEARHOUSE"), usage="T",
                       timestamp=dt.datetime(2024, 3, 5, 10, 30))
SUB = Submitter("SUNRISE CLINIC", "SUB123", "EDI DESK", "2175551234")
REC = Receiver("CLEARHOUSE INC", "CH999")

needs_pyx12 = pytest.mark.skipif(not pyx12_available(), reason="pyx12 not installed")


@needs_pyx12
@pytest.mark.parametrize("batch", [True, False])
def test_pyx12_clean(batch: bool) -> None:
    claims = [professional(), dependent(), secondary(), institutional()]
    text = write_837(claims, OPTS, SUB, REC, MemoryControlNumbers(), one_st_per_claim=not batch)
    v = pyx12_validate(text)
    assert v.ok, v.errors
    kinds = [transaction_kind(t) for t in iter_raw_transactions(io.StringIO(text))]
    assert kinds == (["837P", "837I"] if batch else ["837P", "837P", "837P", "837I"])


def test_fixed_width_isa_and_line_control_numbers() -> None:
    text = write_837([professional()], OPTS, SUB, REC, MemoryControlNumbers())
    isa = text.split("~")[0]
    assert len(isa) + 1 == 106 and isa.startswith("ISA*00*")
    assert "REF*6R*PCN1001-1~" in text and "REF*6R*PCN1001-3~" in text
    assert "HI*ABK:E119*ABF:I10*ABF:Z794~" in text
    assert "SV1*HC:99214:25*150*UN*1***1:2~" in text


def test_generated_line_control_numbers() -> None:
    c = professional()
    c = c.model_copy(update={"lines": tuple(ln.model_copy(update={"line_control_number": None}) for ln in c.lines)})
    text = write_837([c], OPTS, SUB, REC, MemoryControlNumbers())
    assert "REF*6R*PCN1001-2~" in text


def test_control_numbers_unique_and_persisted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "numbers.json"
    src = FileControlNumbers(path)
    t1 = write_837([professional(), dependent()], OPTS, SUB, REC, src)
    t2 = write_837([professional()], OPTS, SUB, REC, FileControlNumbers(path))  # a new process would do this
    isa13 = [t.split("~")[0].split("*")[13] for t in (t1, t2)]
    assert isa13 == ["000000001", "000000002"]
    st02 = [seg.split("*")[2] for t in (t1, t2) for seg in t.split("~\n") if seg.startswith("ST*")]
    assert len(set(st02)) == len(st02) == 3


def test_write_errors_name_claim_and_field() -> None:
    bad = professional(billing_provider={"npi": "1234567893", "tax_id": "1", "name": "X",
                                         "address": {"line1": "A", "city": "B", "state": "IL", "zip": "62701"}})
    with pytest.raises(X12WriteError) as exc:
        write_837([bad], OPTS, SUB, REC, MemoryControlNumbers())
    assert exc.value.field == "billing_provider.address.zip" and exc.value.claim_id == "PCN1001"
    no_ptr = professional(lines=[{"procedure": "99213", "charge": "10", "dx_pointers": [9], "date_of_service": "2024-01-01"}])
    with pytest.raises(X12WriteError, match=r"lines\[0\]\.dx_pointers"):
        write_837([no_ptr], OPTS, SUB, REC, MemoryControlNumbers())


def test_cob_balancing() -> None:
    from chartclaim.x12.write837 import cob_problems

    good = secondary()
    assert cob_problems(good) == []
    op = good.other_payers[0]
    bad = good.model_copy(update={"other_payers": (op.model_copy(update={"paid": op.paid + 1}),)})  # type: ignore[operator]
    problems = cob_problems(bad)
    assert len(problems) == 1 and "paid 121" in problems[0]


@needs_pyx12
def test_institutional_secondary_with_revenue_code_only_line() -> None:
    from chartclaim.claim import parse_claim
    from chartclaim.x12 import read
    from chartclaim.x12.write837 import cob_problems, with_line_control_numbers

    data = institutional().model_dump(mode="json", exclude_none=True)
    op = secondary().model_dump(mode="json", exclude_none=True)["other_payers"][0]
    op["paid"] = "700"
    op["line_adjudications"] = [
        {"line": 1, "payer_id": "87726", "paid": "700", "procedure": "99284", "units": 1,
         "adjustments": [{"group": "CO", "reason": "45", "amount": "200"}], "adjudicated_on": "2024-03-20"},
        {"line": 2, "payer_id": "87726", "paid": "0", "units": 3,
         "adjustments": [{"group": "PR", "reason": "1", "amount": "75.25"}], "adjudicated_on": "2024-03-20"},
    ]
    data.update(other_payers=[op], payer_responsibility="S",
                payer={"id": "MCD01", "name": "STATE MEDICAID", "filing_indicator": "MC"})
    claim = parse_claim(data)
    assert cob_problems(claim) == []
    text = write_837([claim], OPTS, SUB, REC, MemoryControlNumbers())
    v = pyx12_validate(text)
    assert v.ok, v.errors
    (cf,) = read(io.StringIO(text)).models()
    assert cf.claims[0] == with_line_control_numbers(claim)


@needs_pyx12
def test_kitchen_sink_professional_claim() -> None:
    """Replacement claim, accident, pay-to, 12 diagnoses, 4 modifiers, line POS and rendering, anaesthesia minutes."""
    from chartclaim.claim import parse_claim
    from chartclaim.x12 import read
    from chartclaim.x12.write837 import with_line_control_numbers

    d = professional().model_dump(mode="json", exclude_none=True)
    d.update(frequency="7", original_claim_number="PAYCCN77", note="CORRECTED UNITS", accident_state="NY",
             referral_number="REF123",
             pay_to_address={"line1": "PO BOX 9", "city": "SPRINGFIELD", "state": "IL", "zip": "627010009"},
             diagnoses=["E11.9", "I10", "Z79.4", "M54.5", "R51", "J06.9", "N39.0", "K21.9", "F41.1", "G47.00",
                        "E78.5", "R73.03"])
    d["lines"][0].update(modifiers=["25", "59", "XE", "76"], place_of_service="22",
                         rendering_provider={"npi": "1234567893", "first_name": "AL", "last_name": "LINE"})
    d["lines"].append({"procedure": "00840", "modifiers": ["AA"], "units": 45, "unit_type": "MJ", "charge": "900",
                       "dx_pointers": [1, 2, 3, 4], "date_of_service": "2024-03-01", "line_control_number": "L4"})
    claim = parse_claim(d)
    text = write_837([claim], OPTS, SUB, REC, MemoryControlNumbers())
    v = pyx12_validate(text)
    assert v.ok, v.errors
    assert "CLM*PCN1001*1115.5***11:B:7*Y*A*Y*Y**AA:::NY~" in text and "REF*F8*PAYCCN77~" in text
    (cf,) = read(io.StringIO(text)).models()
    assert cf.claims[0] == with_line_control_numbers(claim)
