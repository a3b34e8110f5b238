"""A small practice for the web tests: users of every role, a few patients, encounters with notes, claims."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartclaim.billing.lifecycle import transition
from chartclaim.billing.practice import ClaimInput, LineInput, create_claim
from chartclaim.store.models import (
    Coverage,
    Encounter,
    Location,
    Organization,
    PatientRecord,
    PayerRecord,
    Provider,
)
from chartclaim.web.users import create_user

PASSWORD = "correct horse battery"
PATIENTS = ["Lee", "Sam", "Kim"]
ADDRESS = {"line1": "1 Main St", "city": "Springfield", "state": "IL", "zip": "627011234"}


def claim_document(number: str, first: str, member_id: str, dos: dt.date, rendering_npi: str) -> dict[str, Any]:
    return {"claim_id": number, "frequency": "1", "submitted_on": (dos + dt.timedelta(days=3)).isoformat(),
            "place_of_service": "11",
            "payer": {"id": "87726", "name": "UnitedHealthcare", "timely_filing_days": 90},
            "billing_provider": {"npi": "1234567893", "tax_id": "123456789", "name": "Oak Family Medicine",
                                 "taxonomy": "207Q00000X", "address": ADDRESS},
            "rendering_provider": {"npi": rendering_npi, "first_name": "Ana", "last_name": "Diaz"},
            "subscriber": {"member_id": member_id, "first_name": first, "last_name": "Park", "dob": "1966-01-31",
                           "sex": "F", "address": ADDRESS},
            "diagnoses": ["I10"],
            "lines": [{"procedure": "99214", "units": 1, "charge": "150.00", "dx_pointers": [1],
                       "date_of_service": dos.isoformat()}]}
ROLES = ("coder", "biller", "manager", "admin")

NOTES = [
    "Chief complaint: knee pain.\nHPI: 58 year old with type 2 diabetes with diabetic chronic kidney disease, "
    "stage 3a. Pain in the left knee for two weeks. Denies fever.\nAssessment: Type 2 diabetes mellitus with "
    "diabetic chronic kidney disease. Chronic kidney disease stage 3a. Primary osteoarthritis of left knee.\n"
    "Plan: continue metformin.",
    "Chief complaint: cough.\nHPI: cough for 5 days, no shortness of breath. Mother had asthma.\n"
    "Assessment: Acute bronchitis.\nPlan: supportive care.",
    "Chief complaint: follow-up hypertension.\nAssessment: Essential hypertension, controlled.\nPlan: continue lisinopril.",
]


def seed(db: Session) -> dict[str, int]:
    for role in ROLES:
        create_user(db, role, PASSWORD, role, full_name=f"Test {role.title()}")
    org = Organization(name="Oak Family Medicine", npi="1234567893", tax_id="123456789", taxonomy="207Q00000X",
                       address={"line1": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62701"})
    db.add(org)
    db.flush()
    prov = Provider(organization_id=org.id, npi="1245319599", first_name="Ana", last_name="Diaz", taxonomy="207Q00000X")
    loc = Location(organization_id=org.id, name="Main office", place_of_service="11")
    payer = PayerRecord(payer_code="87726", name="UnitedHealthcare", filing_indicator="CI", timely_filing_days=90)
    payer2 = PayerRecord(payer_code="00431", name="Medicare Part B", filing_indicator="MB")
    db.add_all([prov, loc, payer, payer2])
    db.flush()
    ids: dict[str, int] = {"payer": payer.id, "payer2": payer2.id}
    for i in range(3):
        p = PatientRecord(account_number=f"A{1000 + i}", first_name=PATIENTS[i], last_name="Park",
                          dob=dt.date(1966 + i, 1, 31), sex="F")
        db.add(p)
        db.flush()
        db.add(Coverage(patient_id=p.id, payer_id=(payer if i != 2 else payer2).id, priority=1, member_id=f"W12345{i:04d}"))
        enc = Encounter(patient_id=p.id, provider_id=prov.id, location_id=loc.id,
                        date_of_service=dt.date(2026, 3, 2 + i), notes=NOTES[i], coding_status="not_coded")
        db.add(enc)
        db.flush()
        ids[f"patient{i}"] = p.id
        ids[f"encounter{i}"] = enc.id
        ids[f"coverage{i}"] = db.scalars(select(Coverage).where(Coverage.patient_id == p.id)).one().id
    db.flush()
    npi_ok = "1245319599"
    for n, (pi, status, npi) in enumerate([(0, "draft", npi_ok), (1, "draft", "1234567890"),
                                           (0, "submitted", npi_ok), (1, "submitted", npi_ok)]):
        number = f"C{2000 + n}"
        pid = ids[f"patient{pi}"]
        dos = dt.date.today() - dt.timedelta(days=20 - n)
        doc = claim_document(number, PATIENTS[pi], f"W12345{pi:04d}", dos, npi)
        claim = create_claim(db, ClaimInput(patient_id=pid, payer_id=payer.id, coverage_id=ids[f"coverage{pi}"],
                                            encounter_id=ids[f"encounter{pi}"], claim_number=number, document=doc,
                                            lines=[LineInput(procedure="99214", charge=Decimal("150.00"),
                                                             date_of_service=dos, dx_pointers=(1,))]),
                             actor="seed")
        if status == "submitted":
            for target in ("scrubbed", "ready", "submitted"):
                transition(db, claim, target, "seed", "seeded")
        ids[f"claim{n}"] = claim.id
    db.flush()
    return ids


def era_835(trace: str = "EFT1001") -> str:
    """One remittance for the seeded submitted claims: C2002 paid with a contractual adjustment and a copay,
    C2003 denied for missing prior authorisation (CO-197)."""
    from chartclaim.billing.synthetic import ClaimPay, Era, LinePay, interchange

    paid = ClaimPay("C2002", [LinePay("99214", Decimal("150.00"), Decimal("90.00"),
                                      [("CO", "45", Decimal("40.00")), ("PR", "3", Decimal("20.00"))])],
                    member_id="W123450000", patient_last="PARK", patient_first="LEE")
    denied = ClaimPay("C2003", [LinePay("99214", Decimal("150.00"), Decimal("0.00"),
                                        [("CO", "197", Decimal("150.00"))])],
                      status="4", member_id="W123450001", patient_last="PARK", patient_first="SAM")
    return interchange([Era(trace, [paid, denied], payer_name="UNITEDHEALTHCARE", payer_id="87726",
                            payment_date=dt.date.today())])


def ack_277ca(accept: list[dict[str, Any]], reject: list[dict[str, Any]]) -> str:
    """A 277CA for claim documents: the `reject` ones with A7:164 (entity's contract/member id invalid)."""
    from chartclaim.claim import parse_claim
    from chartclaim.x12.envelope import EnvelopeOptions, EnvelopeParty
    from chartclaim.x12.remit import Name
    from chartclaim.x12.status import StatusInfo, claim_ack_for, write_277ca

    docs = [parse_claim(d, "seed") for d in accept + reject]
    report = claim_ack_for(docs, payer=Name("PR", "2", "UNITEDHEALTHCARE"), receiver=Name("41", "2", "OAK FAMILY"),
                           rejections={d["claim_id"]: [StatusInfo("A7", "164", "IL", action="U",
                                                                  text="Entity's contract/member number")]
                                       for d in reject})
    opts = EnvelopeOptions(sender=EnvelopeParty("CLEARING"), receiver=EnvelopeParty("123456789"))
    return write_277ca([report], opts)
