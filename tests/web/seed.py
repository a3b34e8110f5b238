"""A small practice for the web tests: users of every role, a few patients, encounters with notes, claims."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from chartclaim.store.models import (
    ClaimLine,
    ClaimRecord,
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
        p = PatientRecord(account_number=f"A{1000 + i}", first_name=["Lee", "Sam", "Kim"][i], last_name="Park",
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
        claim = ClaimRecord(claim_number=f"C{2000 + i}", patient_id=p.id, payer_id=(payer if i != 2 else payer2).id,
                            encounter_id=enc.id, status=["draft", "ready", "submitted"][i])
        db.add(claim)
        db.flush()
        db.add(ClaimLine(claim_id=claim.id, line_number=1, procedure="99214", charge=Decimal("150.00"),
                         date_of_service=enc.date_of_service))
        ids[f"claim{i}"] = claim.id
    db.flush()
    return ids
