from __future__ import annotations

import pytest

from chartclaim.edits import scrub, scrub_many
from chartclaim.edits.data_rules import claim_fingerprint, npi_valid, tax_id_problem

from .conftest import SAMPLE, make_claim
from .helpers import errors, rule_ids


def test_sample_claim_is_clean(ctx) -> None:
    assert scrub(make_claim(), ctx) == []


@pytest.mark.parametrize("npi,ok", [("1234567893", True), ("1245319599", True), ("1234567890", False),
                                    ("123456789", False), ("12345678A3", False)])
def test_npi_check_digit(npi: str, ok: bool) -> None:
    assert npi_valid(npi) is ok


def test_bad_npi_is_a_data_error(ctx) -> None:
    bad = errors(make_claim(billing_provider={"npi": "1234567894"}), ctx, "data")
    assert [e.rule_id for e in bad] == ["DATA-NPI"]
    assert errors(make_claim(rendering_provider={"npi": "1245319598"}), ctx, "data")[0].rule_id == "DATA-NPI"


def test_tax_id_shape() -> None:
    assert tax_id_problem("123456789", "EI") is None
    assert tax_id_problem("12-3456789", "EI") is None
    assert tax_id_problem("12345678", "EI")
    assert tax_id_problem("000000000", "EI")


def test_tax_id_edit(ctx) -> None:
    assert "DATA-TAX-ID" in rule_ids(make_claim(billing_provider={"tax_id": "12345678"}), ctx)
    assert "DATA-TAX-ID" not in rule_ids(make_claim(billing_provider={"tax_id": "12-3456789"}), ctx)


def test_required_fields(ctx) -> None:
    assert "DATA-REQUIRED" in rule_ids(make_claim(subscriber={"member_id": ""}), ctx)
    assert "DATA-REQUIRED" in rule_ids(make_claim(subscriber={"dob": None}), ctx)
    # the subscriber's DOB is not required when someone else is the patient
    child = {"first_name": "Kim", "last_name": "Park", "dob": "2015-05-05", "sex": "M", "relationship": "19"}
    assert "DATA-REQUIRED" not in rule_ids(make_claim(subscriber={"dob": None}, patient=child), ctx)


def test_relationship(ctx) -> None:
    child = {"first_name": "Kim", "last_name": "Park", "dob": "2015-05-05", "sex": "M", "relationship": "19"}
    assert "DATA-RELATIONSHIP" not in rule_ids(make_claim(patient=child), ctx)
    assert "DATA-RELATIONSHIP" in rule_ids(make_claim(patient={**child, "relationship": "99"}), ctx)
    assert "DATA-RELATIONSHIP" in rule_ids(make_claim(patient={**child, "relationship": "18"}), ctx)


def test_pointers(ctx) -> None:
    assert "DATA-DX-POINTER" in rule_ids(make_claim(line1={"dx_pointers": [1, 3]}), ctx)
    assert "DATA-DX-POINTER" in rule_ids(make_claim(line1={"dx_pointers": []}), ctx)
    assert "DATA-DX-POINTER" in rule_ids(make_claim(line1={"dx_pointers": [1, 2, 1]}), ctx)
    many = make_claim(diagnoses=["E11.22", "N18.31", "I10", "J06.9", "Z00.00"], line1={"dx_pointers": [1, 2, 3, 4, 5]})
    assert any(e.rule_id == "DATA-DX-POINTER" and "at most 4" in e.message for e in scrub(many, ctx))
    assert "DATA-DX-POINTER" not in rule_ids(make_claim(line1={"dx_pointers": [2, 1]}), ctx)


def test_charges_and_units(ctx) -> None:
    assert [e.line for e in errors(make_claim(line2={"charge": "0"}), ctx)] == [2]
    assert "DATA-UNITS" in rule_ids(make_claim(line2={"units": "0"}), ctx)
    assert "DATA-UNITS" in rule_ids(make_claim(line2={"units": "1.5"}), ctx)
    assert "DATA-UNITS" not in rule_ids(make_claim(line2={"units": "2"}), ctx)


def test_dates(ctx) -> None:
    assert "DATA-DOS-FUTURE" in rule_ids(make_claim(line1={"date_of_service": "2027-01-04"},
                                                    submitted_on=None), ctx)
    assert "DATA-DOS-AFTER-SUBMISSION" in rule_ids(make_claim(line1={"date_of_service": "2026-03-06"}), ctx)
    assert "DATA-DOS-AFTER-SUBMISSION" not in rule_ids(make_claim(line1={"date_of_service": "2026-03-05"}), ctx)


def test_place_of_service(ctx) -> None:
    assert "DATA-POS" in rule_ids(make_claim(place_of_service="35"), ctx)
    assert [e.rule_id for e in errors(make_claim(place_of_service="35"), ctx)].count("DATA-POS") == 1
    assert "DATA-POS" not in rule_ids(make_claim(place_of_service="22"), ctx)


def test_timely_filing(ctx) -> None:
    late = make_claim(submitted_on="2026-06-15")   # 105 days after 2026-03-02, limit 90
    assert "DATA-TIMELY-FILING" in rule_ids(late, ctx)
    assert "DATA-TIMELY-FILING" not in rule_ids(make_claim(submitted_on="2026-05-31"), ctx)   # 90 days
    medicare = make_claim(payer={"timely_filing_days": None, "filing_indicator": "MB"}, submitted_on="2027-03-03")
    assert "DATA-TIMELY-FILING" in rule_ids(medicare, ctx)


def test_duplicate_lines(ctx) -> None:
    dup = make_claim(lines=[*SAMPLE["lines"], SAMPLE["lines"][1]])
    assert [e.line for e in errors(dup, ctx, "data")] == [3]
    repeat = make_claim(lines=[*SAMPLE["lines"], {**SAMPLE["lines"][1], "modifiers": ["76"]}])
    assert "DATA-DUPLICATE-LINE" not in rule_ids(repeat, ctx)


def test_duplicate_claims_in_a_batch(ctx) -> None:
    a = make_claim()
    b = make_claim(claim_id="C1002")
    c = make_claim(claim_id="C1003", line2={"procedure": "20611"})
    out = scrub_many([a, b, c], ctx)
    assert [e.rule_id for e in out["C1001"]] == []
    assert [e.rule_id for e in out["C1002"]] == ["DATA-DUPLICATE-CLAIM"]
    assert "DATA-DUPLICATE-CLAIM" not in {e.rule_id for e in out["C1003"]}
    # a replacement claim (frequency 7) is not a duplicate
    out2 = scrub_many([a, make_claim(claim_id="C1004", frequency="7", original_claim_number="X9")], ctx)
    assert out2["C1004"] == []
    assert claim_fingerprint(a) == claim_fingerprint(b)


def test_frequency_needs_original_claim_number(ctx) -> None:
    assert "DATA-FREQUENCY" in rule_ids(make_claim(frequency="7"), ctx)
    assert "DATA-FREQUENCY" not in rule_ids(make_claim(frequency="7", original_claim_number="2026123456"), ctx)


def test_addresses_taxonomy_ndc(ctx) -> None:
    assert "DATA-ADDRESS" in rule_ids(make_claim(subscriber={"address": {**SAMPLE["subscriber"]["address"], "zip": "6270"}}), ctx)
    assert "DATA-ADDRESS" in rule_ids(make_claim(subscriber={"address": {**SAMPLE["subscriber"]["address"], "state": "XX"}}), ctx)
    assert "DATA-TAXONOMY" in rule_ids(make_claim(billing_provider={"taxonomy": "207Q0000X"}), ctx)
    assert "DATA-NDC" in rule_ids(make_claim(line2={"ndc": "1234"}), ctx)
    assert not {"DATA-ADDRESS", "DATA-TAXONOMY", "DATA-NDC"} & rule_ids(make_claim(line2={"ndc": "00409-4888-02"}), ctx)
