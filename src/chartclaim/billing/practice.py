"""Practice data: organisation, providers, locations, payers, patients, coverages, encounters, and claims.

Service functions take a Session and leave committing to the caller (the CLI, the web request, a test).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartclaim.billing import ledger
from chartclaim.billing.control_numbers import next_control_number
from chartclaim.billing.lifecycle import transition
from chartclaim.claim import Claim
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
from chartclaim.store.types import to_money


class PracticeError(ValueError):
    pass


def add_organization(session: Session, name: str, **fields: Any) -> Organization:
    org = Organization(name=name, **fields)
    session.add(org)
    session.flush()
    return org


def add_provider(session: Session, organization_id: int, npi: str, last_name: str, **fields: Any) -> Provider:
    if not (len(npi) == 10 and npi.isdigit()):
        raise PracticeError(f"provider NPI must be 10 digits, got {npi!r}")
    prov = Provider(organization_id=organization_id, npi=npi, last_name=last_name, **fields)
    session.add(prov)
    session.flush()
    return prov


def add_location(session: Session, organization_id: int, name: str, place_of_service: str = "11",
                 **fields: Any) -> Location:
    loc = Location(organization_id=organization_id, name=name, place_of_service=place_of_service, **fields)
    session.add(loc)
    session.flush()
    return loc


def get_or_add_payer(session: Session, payer_code: str, name: str | None = None, **fields: Any) -> PayerRecord:
    payer = session.scalar(select(PayerRecord).where(PayerRecord.payer_code == payer_code))
    if payer is None:
        payer = PayerRecord(payer_code=payer_code, name=name or payer_code, **fields)
        session.add(payer)
        session.flush()
    return payer


def add_patient(session: Session, first_name: str, last_name: str, account_number: str | None = None,
                **fields: Any) -> PatientRecord:
    if account_number is None:
        account_number = f"P{next_control_number(session, 'patient_account'):07d}"
    pat = PatientRecord(account_number=account_number, first_name=first_name, last_name=last_name, **fields)
    session.add(pat)
    session.flush()
    return pat


def add_coverage(session: Session, patient_id: int, payer_id: int, member_id: str, priority: int = 1,
                 **fields: Any) -> Coverage:
    if priority not in (1, 2, 3):
        raise PracticeError(f"coverage priority must be 1 (primary), 2 or 3, got {priority}")
    cov = Coverage(patient_id=patient_id, payer_id=payer_id, member_id=member_id, priority=priority, **fields)
    session.add(cov)
    session.flush()
    return cov


def coverages_on(session: Session, patient_id: int, on: dt.date) -> list[Coverage]:
    """Active coverages on a date of service, primary first."""
    rows = session.scalars(select(Coverage).where(Coverage.patient_id == patient_id).order_by(Coverage.priority))
    return [c for c in rows if (c.effective_from is None or c.effective_from <= on)
            and (c.effective_to is None or on <= c.effective_to)]


def next_payer_after(session: Session, claim: ClaimRecord) -> int | None:
    """The payer that owes after this claim's payer (secondary after primary...), or None: the patient."""
    if claim.coverage_id is None:
        return None
    cov = session.get(Coverage, claim.coverage_id)
    if cov is None:
        return None
    first_dos = min((ln.date_of_service for ln in claim.lines), default=None)
    active = coverages_on(session, claim.patient_id, first_dos) if first_dos else []
    later = [c for c in active if c.priority > cov.priority]
    return later[0].payer_id if later else None


def add_encounter(session: Session, patient_id: int, date_of_service: dt.date, **fields: Any) -> Encounter:
    enc = Encounter(patient_id=patient_id, date_of_service=date_of_service, **fields)
    session.add(enc)
    session.flush()
    return enc


@dataclass(frozen=True)
class LineInput:
    procedure: str
    charge: Decimal
    date_of_service: dt.date
    modifiers: Sequence[str] = ()
    units: Decimal = Decimal(1)
    dx_pointers: Sequence[int] = (1,)
    place_of_service: str | None = None
    line_control_number: str | None = None


@dataclass
class ClaimInput:
    patient_id: int
    payer_id: int | None  # None: self-pay (charges post to the patient)
    lines: Sequence[LineInput]
    coverage_id: int | None = None
    encounter_id: int | None = None
    claim_number: str | None = None
    responsibility: str = "P"
    primary_claim_id: int | None = None
    document: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def create_claim(session: Session, data: ClaimInput, actor: str = "system", post_charges: bool = True) -> ClaimRecord:
    """A draft claim with its lines; the charges post to the ledger (once) unless `post_charges` is False
    (secondary claims re-bill a balance that is already on the books)."""
    if not data.lines:
        raise PracticeError("a claim needs at least one service line")
    if data.payer_id is None:
        raise PracticeError("a claim is billed to a payer; self-pay charges use post_self_pay_charges")
    number = data.claim_number or f"{next_control_number(session, 'claim_number'):09d}"
    claim = ClaimRecord(claim_number=number, patient_id=data.patient_id, payer_id=data.payer_id,
                        coverage_id=data.coverage_id, encounter_id=data.encounter_id,
                        responsibility=data.responsibility, primary_claim_id=data.primary_claim_id,
                        document=data.document, status="draft", **data.extra)
    for i, ln in enumerate(data.lines, 1):
        charge = to_money(ln.charge)
        if charge < 0:
            raise PracticeError(f"claim {number} line {i}: negative charge {charge}")
        claim.lines.append(ClaimLine(
            line_number=i, procedure=ln.procedure.strip().upper(),
            modifiers=":".join(m.strip().upper() for m in ln.modifiers if m.strip()),
            units=Decimal(ln.units), charge=charge, dx_pointers=":".join(str(p) for p in ln.dx_pointers),
            date_of_service=ln.date_of_service, place_of_service=ln.place_of_service,
            line_control_number=ln.line_control_number or f"{number}-{i}",
        ))
    session.add(claim)
    session.flush()
    session.add_all([])  # keep relationship loaded
    from chartclaim.store.models import ClaimTransition

    session.add(ClaimTransition(claim_id=claim.id, from_status=None, to_status="draft", actor=actor,
                                reason="created"))
    if post_charges:
        ledger.post_charges(session, claim, actor=actor)
    session.flush()
    return claim


def import_claim(session: Session, doc: Claim, actor: str = "import", submit: bool = False) -> ClaimRecord:
    """Store a claim document (chartclaim.claim.Claim): finds or adds its payer and patient, posts charges.
    With `submit`, walks it draft → scrubbed → ready → submitted (for claims already sent elsewhere)."""
    payer = get_or_add_payer(session, doc.payer.id, doc.payer.name, filing_indicator=doc.payer.filing_indicator,
                             timely_filing_days=doc.payer.timely_filing_days)
    person = doc.patient or doc.subscriber
    account = f"{doc.subscriber.member_id}:{person.first_name}:{person.last_name}".upper()[:38]
    patient = session.scalar(select(PatientRecord).where(PatientRecord.account_number == account))
    if patient is None:
        addr = person.address
        patient = add_patient(session, person.first_name, person.last_name, account_number=account,
                              dob=doc.patient_dob, sex=doc.patient_sex,
                              address=addr.model_dump(exclude_none=True) if addr else None)
    cov = session.scalar(select(Coverage).where(Coverage.patient_id == patient.id, Coverage.payer_id == payer.id))
    if cov is None:
        prio = {"P": 1, "S": 2, "T": 3}[doc.payer_responsibility]
        sub = doc.subscriber
        cov = add_coverage(session, patient.id, payer.id, sub.member_id, priority=prio,
                           group_number=sub.group_number,
                           relationship_code=doc.patient.relationship if doc.patient else "18",
                           subscriber=None if doc.patient is None else sub.model_dump(mode="json", exclude_none=True))
    lines = [LineInput(procedure=ln.procedure, charge=ln.charge, date_of_service=ln.date_of_service,
                       modifiers=ln.modifiers, units=ln.units, dx_pointers=ln.dx_pointers,
                       place_of_service=ln.place_of_service, line_control_number=ln.line_control_number)
             for ln in doc.lines]
    claim = create_claim(session, ClaimInput(patient_id=patient.id, payer_id=payer.id, coverage_id=cov.id,
                                             lines=lines, claim_number=doc.claim_id,
                                             responsibility=doc.payer_responsibility,
                                             document=doc.model_dump(mode="json", exclude_none=True),
                                             extra={"frequency": doc.frequency,
                                                    "claim_type": doc.claim_type}), actor=actor)
    if submit:
        for target in ("scrubbed", "ready", "submitted"):
            transition(session, claim, target, actor, "imported as already submitted")
    return claim


def claim_by_number(session: Session, claim_number: str) -> ClaimRecord:
    claim = session.scalar(select(ClaimRecord).where(ClaimRecord.claim_number == claim_number))
    if claim is None:
        raise PracticeError(f"no claim {claim_number!r}")
    return claim
