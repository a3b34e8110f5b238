"""Small practice set-up shared by the billing tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from chartclaim.billing import practice
from chartclaim.billing.lifecycle import transition
from chartclaim.store.models import ClaimRecord

D = Decimal
DOS = dt.date(2025, 3, 1)


def setup_practice(session: Session, secondary: bool = False) -> dict[str, int]:
    org = practice.add_organization(session, "Clinic", npi="1234567893", tax_id="123456789")
    prov = practice.add_provider(session, org.id, "1234567893", "WELBY", first_name="MARCUS")
    acme = practice.get_or_add_payer(session, "ACME1", "ACME HEALTH", timely_filing_days=90)
    supp = practice.get_or_add_payer(session, "SUPP1", "SUPPLEMENTAL MUTUAL")
    pat = practice.add_patient(session, "JANE", "DOE", dob=dt.date(1970, 5, 4), sex="F")
    cov = practice.add_coverage(session, pat.id, acme.id, "M0001", priority=1)
    out = {"org": org.id, "provider": prov.id, "acme": acme.id, "supp": supp.id, "patient": pat.id,
           "coverage": cov.id}
    if secondary:
        out["coverage2"] = practice.add_coverage(session, pat.id, supp.id, "S0001", priority=2).id
    return out


def submitted_claim(session: Session, ids: dict[str, int], number: str, lines: list[tuple[str, str]],
                    dos: dt.date = DOS) -> ClaimRecord:
    """lines: (procedure[:mod:mod], charge)."""
    claim = practice.create_claim(session, practice.ClaimInput(
        patient_id=ids["patient"], payer_id=ids["acme"], coverage_id=ids["coverage"], claim_number=number,
        lines=[practice.LineInput(procedure=p.split(":")[0], modifiers=p.split(":")[1:], charge=D(c),
                                  date_of_service=dos) for p, c in lines]))
    for st in ("scrubbed", "ready", "submitted"):
        transition(session, claim, st, "tester", "test")
    return claim
