"""Claims built for the X12 tests (invented people and numbers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from chartclaim.claim import Claim, parse_claim


def professional(claim_id: str = "PCN1001", **over: Any) -> Claim:
    data: dict[str, Any] = {
        "claim_id": claim_id,
        "submitted_on": "2024-03-05",
        "place_of_service": "11",
        "payer": {"id": "87726", "name": "ACME HEALTH PLAN", "filing_indicator": "CI",
                  "address": {"line1": "PO BOX 100", "city": "ATLANTA", "state": "GA", "zip": "303010100"}},
        "billing_provider": {"npi": "1234567893", "tax_id": "123456789", "name": "SUNRISE CLINIC",
                             "taxonomy": "207Q00000X",
                             "address": {"line1": "200 OAK AVE", "city": "SPRINGFIELD", "state": "IL", "zip": "627011234"},
                             "phone": "2175551234"},
        "rendering_provider": {"npi": "1487654321", "first_name": "ANNA", "last_name": "SMITH", "taxonomy": "207Q00000X"},
        "referring_provider": {"npi": "1999999984", "first_name": "BOB", "last_name": "JONES"},
        "subscriber": {"member_id": "MBR0001", "first_name": "JANE", "last_name": "DOE", "dob": "1980-02-01", "sex": "F",
                       "group_number": "GRP77",
                       "address": {"line1": "1 ELM ST", "line2": "APT 2", "city": "SPRINGFIELD", "state": "IL", "zip": "62702"}},
        "diagnoses": ["E11.9", "I10", "Z79.4"],
        "prior_authorization": "AUTH42",
        "onset_date": "2024-02-20",
        "lines": [
            {"procedure": "99214", "modifiers": ["25"], "units": 1, "charge": "150.00", "dx_pointers": [1, 2],
             "date_of_service": "2024-03-01", "line_control_number": "PCN1001-1"},
            {"procedure": "83036", "units": 1, "charge": "45.50", "dx_pointers": [1],
             "date_of_service": "2024-03-01", "line_control_number": "PCN1001-2"},
            {"procedure": "J1815", "units": 5, "charge": "20.00", "dx_pointers": [1, 3], "ndc": "00169183311",
             "date_of_service": "2024-03-01", "date_of_service_end": "2024-03-02", "line_control_number": "PCN1001-3"},
        ],
    }
    data.update(over)
    return parse_claim(data, claim_id)


def dependent(claim_id: str = "PCN2001", **over: Any) -> Claim:
    base = professional(claim_id).model_dump(mode="json", exclude_none=True)
    base["patient"] = {"first_name": "TIM", "last_name": "DOE", "dob": "2015-06-07", "sex": "M", "relationship": "19",
                       "address": {"line1": "1 ELM ST", "city": "SPRINGFIELD", "state": "IL", "zip": "62702"}}
    base["lines"] = [dict(ln, line_control_number=f"{claim_id}-{i}") for i, ln in enumerate(base["lines"], 1)]
    base.update(over)
    return parse_claim(base, claim_id)


def secondary(claim_id: str = "PCN3001") -> Claim:
    base = professional(claim_id).model_dump(mode="json", exclude_none=True)
    base["lines"] = [dict(ln, line_control_number=f"{claim_id}-{i}") for i, ln in enumerate(base["lines"], 1)]
    base["payer_responsibility"] = "S"
    base["payer"] = {"id": "MCD01", "name": "STATE MEDICAID", "filing_indicator": "MC"}
    base["other_payers"] = [{
        "payer": {"id": "87726", "name": "ACME HEALTH PLAN", "filing_indicator": "CI"},
        "subscriber": {"member_id": "MBR0001", "first_name": "JANE", "last_name": "DOE", "group_number": "GRP77"},
        "relationship": "18", "responsibility": "P", "paid": "120.00",
        "adjustments": [],
        "adjudicated_on": "2024-03-20", "claim_control_number": "PAYERCCN9",
        "line_adjudications": [
            {"line": 1, "payer_id": "87726", "paid": "100.00", "procedure": "99214", "modifiers": ["25"], "units": 1,
             "adjustments": [{"group": "CO", "reason": "45", "amount": "30.00"}, {"group": "PR", "reason": "2", "amount": "20.00"}],
             "adjudicated_on": "2024-03-20"},
            {"line": 2, "payer_id": "87726", "paid": "20.00", "procedure": "83036", "units": 1,
             "adjustments": [{"group": "PR", "reason": "1", "amount": "25.50"}], "adjudicated_on": "2024-03-20"},
            {"line": 3, "payer_id": "87726", "paid": "0", "procedure": "J1815", "units": 5,
             "adjustments": [{"group": "CO", "reason": "97", "amount": "20.00"}], "adjudicated_on": "2024-03-20"},
        ],
    }]
    return parse_claim(base, claim_id)


def institutional(claim_id: str = "INST5001") -> Claim:
    base = professional(claim_id).model_dump(mode="json", exclude_none=True)
    base.update({
        "claim_type": "institutional", "type_of_bill": "0131", "place_of_service": "13", "frequency": "1",
        "admission_type": "1", "admission_source": "7", "patient_status": "01",
        "statement_from": "2024-03-01", "statement_to": "2024-03-02",
        "attending_provider": {"npi": "1487654321", "first_name": "ANNA", "last_name": "SMITH", "taxonomy": "207Q00000X"},
        "lines": [
            {"procedure": "99284", "revenue_code": "0450", "units": 1, "charge": "900.00", "date_of_service": "2024-03-01",
             "line_control_number": f"{claim_id}-1"},
            {"procedure": "", "revenue_code": "0250", "units": 3, "charge": "75.25", "date_of_service": "2024-03-02",
             "line_control_number": f"{claim_id}-2"},
        ],
    })
    base.pop("rendering_provider", None)
    base.pop("referring_provider", None)
    base.pop("onset_date", None)
    return parse_claim(base, claim_id)


D = Decimal
TODAY = dt.date(2024, 3, 5)
