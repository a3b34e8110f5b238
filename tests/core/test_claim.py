from __future__ import annotations

from decimal import Decimal

import pytest

from chartclaim.claim import ClaimFormatError, normalize_icd10, parse_claim

SAMPLE = {
    "claim_id": "C1001", "frequency": "1", "submitted_on": "2026-03-05", "place_of_service": "11",
    "payer": {"id": "87726", "name": "UnitedHealthcare", "timely_filing_days": 90},
    "billing_provider": {"npi": "1234567893", "tax_id": "123456789", "name": "Oak Family Medicine",
                         "taxonomy": "207Q00000X",
                         "address": {"line1": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62701"}},
    "rendering_provider": {"npi": "1245319599", "first_name": "Ana", "last_name": "Diaz"},
    "subscriber": {"member_id": "W123456789", "first_name": "Lee", "last_name": "Park", "dob": "1980-01-31",
                   "sex": "F"},
    "diagnoses": ["e1122", "N18.31"],
    "lines": [{"procedure": "99214", "modifiers": ["25"], "units": 1, "charge": "150.00",
               "dx_pointers": [1, 2], "date_of_service": "2026-03-02"}],
}


def test_sample_claim_parses_and_normalises_codes() -> None:
    claim = parse_claim(SAMPLE)
    assert claim.diagnoses == ("E11.22", "N18.31")
    assert claim.total_charge == Decimal("150.00")
    assert claim.is_subscriber_patient
    assert claim.lines[0].modifiers == ("25",)


def test_bad_field_is_named() -> None:
    bad = {**SAMPLE, "lines": [{**SAMPLE["lines"][0], "charge": "abc"}]}
    with pytest.raises(ClaimFormatError) as exc:
        parse_claim(bad, "c.json")
    assert "c.json" in str(exc.value)
    assert "lines[0].charge" in str(exc.value)


def test_normalize_icd10() -> None:
    assert normalize_icd10(" s52.521a ") == "S52.521A"
    assert normalize_icd10("I10") == "I10"
