"""The demo biller's claim builder: a coded encounter plus the practice's records → a claim document."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from chartclaim.claim import (
    BillingProvider,
    Claim,
    Patient,
    Payer,
    Person,
    ServiceLine,
    Subscriber,
)
from chartclaim.demo.model import Coverage, DemoPatient, DemoPractice, Encounter, TruthProcedure


def build_claim(
    practice: DemoPractice,
    encounter: Encounter,
    diagnoses: Sequence[str],
    procedures: Sequence[TruthProcedure],
    coverage: Coverage,
    claim_id: str,
    submitted_on: dt.date,
    *,
    member_id: str | None = None,
) -> Claim:
    """Diagnoses in order (at most 12 on a professional claim); each line points at up to four of them."""
    patient = practice.patient(encounter.patient_id)
    payer = practice.payer(coverage.payer_id)
    provider = next(p for p in practice.providers if p.npi == encounter.provider_npi)
    dx = list(dict.fromkeys(diagnoses))[:12]
    lines: list[ServiceLine] = []
    for proc in procedures:
        item = practice.charge_master.get(proc.code)
        charge = (item.charge if item else Decimal("100.00")) * proc.units
        pointers = tuple(dx.index(d) + 1 for d in proc.dx if d in dx)[:4] or (1,)
        lines.append(ServiceLine(procedure=proc.code, modifiers=proc.modifiers, units=Decimal(proc.units),
                                 charge=charge, dx_pointers=pointers, date_of_service=encounter.date_of_service,
                                 line_control_number=f"{claim_id}-{len(lines) + 1}"))
    org = practice.organisation
    return Claim(
        claim_id=claim_id,
        submitted_on=submitted_on,
        place_of_service=encounter.place_of_service or practice.location.place_of_service,
        payer=Payer(id=payer.id, name=payer.name, timely_filing_days=payer.timely_filing_days,
                    filing_indicator=payer.filing_indicator, address=payer.address),
        payer_responsibility=coverage.priority,
        billing_provider=BillingProvider(npi=org.npi, tax_id=org.tax_id, name=org.name, taxonomy=org.taxonomy,
                                         address=org.address, phone=org.phone),
        rendering_provider=Person(npi=provider.npi, first_name=provider.first_name, last_name=provider.last_name,
                                  taxonomy=provider.taxonomy),
        subscriber=_subscriber(patient, coverage, member_id),
        patient=None if coverage.relationship == "18" else Patient(
            first_name=patient.first_name, last_name=patient.last_name, dob=patient.dob, sex=patient.sex,
            relationship=coverage.relationship, address=patient.address),
        diagnoses=tuple(dx),
        lines=tuple(lines),
        prior_authorization=encounter.prior_authorization,
    )


def _subscriber(patient: DemoPatient, cov: Coverage, member_id: str | None) -> Subscriber:
    return Subscriber(member_id=member_id or cov.practice_member_id, first_name=cov.subscriber_first,
                      last_name=cov.subscriber_last, dob=cov.subscriber_dob, sex=cov.subscriber_sex,
                      address=patient.address, group_number=cov.group_number)
