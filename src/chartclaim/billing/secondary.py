"""Secondary (and tertiary) claims, built from the prior payer's adjudication — and never billed twice.

After the primary's 835 is posted, what the patient's coverage puts on the next payer sits in that payer's
balance on the primary's lines. `build_next_claim` makes the claim for it: the same services, billed to the next
payer (SBR01 S/T), carrying the primary's adjudication as loop 2320 (claim paid amount, claim-level CAS) and
2430 (per line: paid, CAS, adjudication date) so the 837 writer can emit it. The money stays on the primary's
lines (one charge, many payers), so the new claim has no lines of its own.

Refused, with the reason, when: the primary crossed the claim over itself (835 NM1*TT, CLP02 19/20/21, MA18/N89
— the supplemental payer already has it), the next payer already has a live claim for it, nothing is owed by
the next payer, or the primary has not adjudicated.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chartclaim.billing.control_numbers import next_control_number
from chartclaim.billing.lifecycle import ADJUDICATED
from chartclaim.billing.posting import claim_payment_detail
from chartclaim.claim import (
    Address,
    Adjustment,
    BillingProvider,
    Claim,
    LineAdjudication,
    OtherPayer,
    Patient,
    Payer,
    ServiceLine,
    Subscriber,
)
from chartclaim.store.models import (
    ClaimLine,
    ClaimPayment,
    ClaimRecord,
    ClaimTransition,
    Coverage,
    LedgerEntry,
    Organization,
    PatientRecord,
    PayerRecord,
    Remittance,
)
from chartclaim.store.types import to_money

ZERO = Decimal("0.00")
LEVEL = {"P": 1, "S": 2, "T": 3}
RESP = {1: "P", 2: "S", 3: "T"}


class SecondaryClaimError(ValueError):
    pass


def claim_document(session: Session, claim: ClaimRecord) -> Claim:
    """The claim document of a stored claim: the one it was imported/built with, else built from practice data."""
    if claim.document:
        return Claim.model_validate(claim.document)
    org = session.scalar(select(Organization).order_by(Organization.id).limit(1))
    if org is None or not org.address or not org.npi or not org.tax_id:
        raise SecondaryClaimError("the organisation needs NPI, tax id and address to build a claim document")
    payer = session.get(PayerRecord, claim.payer_id)
    pat = session.get(PatientRecord, claim.patient_id)
    cov = session.get(Coverage, claim.coverage_id) if claim.coverage_id else None
    assert payer is not None and pat is not None
    lines = claim.lines or list(session.scalars(select(ClaimLine).where(ClaimLine.claim_id == claim.id)
                                                .order_by(ClaimLine.line_number)))
    enc_dx: list[str] = []
    if claim.encounter_id:
        from chartclaim.store.models import Encounter

        enc = session.get(Encounter, claim.encounter_id)
        if enc is not None and enc.diagnoses:
            enc_dx = list(enc.diagnoses.get("codes", []))
    return Claim(
        claim_id=claim.claim_number, claim_type=claim.claim_type, frequency=claim.frequency,
        original_claim_number=claim.payer_claim_number if claim.frequency in ("7", "8") else None,
        payer=_payer(payer),
        payer_responsibility=claim.responsibility,
        billing_provider=BillingProvider(npi=org.npi, tax_id=org.tax_id, name=org.name, taxonomy=org.taxonomy,
                                         address=Address(**org.address)),
        subscriber=_subscriber(cov, pat),
        patient=_patient(cov, pat),
        diagnoses=tuple(enc_dx) or ("R69",),
        lines=tuple(ServiceLine(procedure=ln.procedure, modifiers=ln.modifier_tuple, units=ln.units, charge=ln.charge,
                                dx_pointers=tuple(int(p) for p in ln.dx_pointers.split(":") if p),
                                date_of_service=ln.date_of_service, place_of_service=ln.place_of_service,
                                line_control_number=ln.line_control_number) for ln in lines),
    )


def _subscriber(cov: Coverage | None, pat: PatientRecord) -> Subscriber:
    """2010BA from the coverage: the subscriber recorded on it, else the patient (self). A patient who is the
    subscriber needs N3/N4, so the patient's registration address fills it when the coverage has none; another
    person's address is never guessed (N3/N4 is then optional and left out)."""
    sub: dict[str, Any] = dict(cov.subscriber or {}) if cov else {}
    is_self = cov is None or cov.relationship_code == "18" or not sub
    addr = sub.get("address") or (pat.address if is_self else None)
    return Subscriber(member_id=cov.member_id if cov else "", group_number=cov.group_number if cov else None,
                      first_name=sub.get("first_name", pat.first_name), last_name=sub.get("last_name", pat.last_name),
                      dob=sub.get("dob", pat.dob), sex=sub.get("sex", pat.sex),
                      address=Address(**addr) if addr else None)


def _patient(cov: Coverage | None, pat: PatientRecord) -> Patient | None:
    """2010CA for a dependent (relationship other than self): name, birth date, sex and address, all required
    by the 837 there, from the patient's registration."""
    if cov is None or cov.relationship_code == "18":
        return None
    return Patient(first_name=pat.first_name, last_name=pat.last_name, dob=pat.dob, sex=pat.sex,
                   relationship=cov.relationship_code, address=Address(**pat.address) if pat.address else None)


def _payer(payer: PayerRecord) -> Payer:
    return Payer(id=payer.payer_code, name=payer.name, filing_indicator=payer.filing_indicator,
                 timely_filing_days=payer.timely_filing_days,
                 address=Address(**payer.address) if payer.address else None)


def _registration_gaps(doc: Claim) -> list[str]:
    """What the 837 will refuse for want of registration data (2010BA when self, 2010CA otherwise)."""
    gaps = []
    if doc.patient is None:
        if doc.subscriber.address is None:
            gaps.append("subscriber address")
        if doc.subscriber.dob is None:
            gaps.append("subscriber date of birth")
    else:
        if doc.patient.address is None:
            gaps.append("patient address")
        if doc.patient.dob is None:
            gaps.append("patient date of birth")
    return gaps


def _adjudication(session: Session, claim: ClaimRecord, primary: ClaimRecord, payer: PayerRecord,
                  cov: Coverage | None, pat: PatientRecord, responsibility: str) -> OtherPayer:
    """Loop 2320/2330/2430 for one prior payer from its last posted, unreversed claim payment (on its own
    claim, or on the primary's claim number when it received the claim by crossover)."""
    cp = session.scalar(select(ClaimPayment).where(ClaimPayment.claim_id.in_((claim.id, primary.id)),
                                                   ClaimPayment.payer_id == payer.id,
                                                   ClaimPayment.outcome == "posted",
                                                   ClaimPayment.reversed_by_id.is_(None))
                        .order_by(ClaimPayment.id.desc()).limit(1))
    if cp is None or not cp.detail:
        raise SecondaryClaimError(f"claim {claim.claim_number}: no posted adjudication from {payer.name}")
    rem = session.get(Remittance, cp.remittance_id)
    on = (rem.payment_date if rem else None) or cp.received_on
    d = claim_payment_detail(cp.detail)
    assert d is not None
    lines = []
    for i, ln in enumerate(d.get("lines", []), 1):
        lines.append(LineAdjudication(
            line=int(ln.get("line_number") or i), payer_id=payer.payer_code, paid=Decimal(ln["paid"]),
            procedure=ln.get("billed_procedure") or ln["procedure"], modifiers=tuple(ln.get("modifiers", ())),
            units=Decimal(ln["units"]) if ln.get("units") else Decimal(1),
            adjustments=tuple(Adjustment(group=g, reason=r, amount=Decimal(a),
                                         quantity=Decimal(q) if q else None) for g, r, a, q in ln.get("cas", [])),
            adjudicated_on=on))
    return OtherPayer(
        payer=Payer(id=payer.payer_code, name=payer.name, filing_indicator=payer.filing_indicator),
        subscriber=_subscriber(cov, pat), relationship=cov.relationship_code if cov else "18",
        responsibility=responsibility,
        paid=cp.paid,
        adjustments=tuple(Adjustment(group=g, reason=r, amount=Decimal(a), quantity=Decimal(q) if q else None)
                          for g, r, a, q in d.get("cas", [])),
        adjudicated_on=on, claim_control_number=cp.payer_claim_number, line_adjudications=tuple(lines))


def owed_by(session: Session, ledger_claim_id: int, payer_id: int) -> Decimal:
    total = session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), ZERO))
                           .where(LedgerEntry.claim_id == ledger_claim_id, LedgerEntry.payer_id == payer_id))
    return to_money(total or 0)


def build_next_claim(session: Session, claim_id: int, actor: str = "system", on: dt.date | None = None) -> ClaimRecord:
    """A draft claim to the next payer (secondary after primary, tertiary after secondary) with the prior
    payers' adjudication filled in; raises SecondaryClaimError with the reason when it must not be billed."""
    claim = session.get(ClaimRecord, claim_id)
    if claim is None:
        raise SecondaryClaimError(f"no claim #{claim_id}")
    if claim.status not in ADJUDICATED | {"closed"}:
        raise SecondaryClaimError(f"claim {claim.claim_number} is {claim.status}: the payer has not adjudicated it")
    primary = session.get(ClaimRecord, claim.primary_claim_id) if claim.primary_claim_id else claim
    assert primary is not None
    if primary.crossed_over_to:
        raise SecondaryClaimError(
            f"claim {primary.claim_number} was crossed over by the primary payer ({primary.crossed_over_to}); "
            "the supplemental payer already has it — billing it again would be a duplicate")
    pat = session.get(PatientRecord, claim.patient_id)
    assert pat is not None
    dos = session.scalar(select(func.min(ClaimLine.date_of_service)).where(ClaimLine.claim_id == primary.id))
    covs = [c for c in session.scalars(select(Coverage).where(Coverage.patient_id == pat.id)
                                       .order_by(Coverage.priority))
            if dos is None or ((c.effective_from is None or c.effective_from <= dos)
                               and (c.effective_to is None or dos <= c.effective_to))]
    level = LEVEL[claim.responsibility]
    nxt = next((c for c in covs if c.priority > level and c.payer_id != claim.payer_id), None)
    if nxt is None:
        raise SecondaryClaimError(f"claim {claim.claim_number}: the patient has no coverage after this payer")
    live = session.scalar(select(ClaimRecord.claim_number).where(
        ClaimRecord.primary_claim_id == primary.id, ClaimRecord.payer_id == nxt.payer_id,
        ClaimRecord.status.not_in(("voided", "rejected"))))
    if live is not None:
        raise SecondaryClaimError(f"claim {live} already bills this balance to the next payer")
    owed = owed_by(session, primary.id, nxt.payer_id)
    if owed <= 0:
        raise SecondaryClaimError(f"claim {claim.claim_number}: nothing is owed by the next payer ({owed})")

    # the prior payers, in order: the primary, then any secondary claims before this level
    later_claims = session.scalars(select(ClaimRecord).where(
        ClaimRecord.primary_claim_id == primary.id, ClaimRecord.status.not_in(("voided", "rejected")))
        .order_by(ClaimRecord.id))
    chain = [primary, *later_claims]
    others = []
    for prior in chain:
        if LEVEL[prior.responsibility] > level:
            continue
        payer = session.get(PayerRecord, prior.payer_id)
        cov = session.get(Coverage, prior.coverage_id) if prior.coverage_id else None
        assert payer is not None
        others.append(_adjudication(session, prior, primary, payer, cov, pat, prior.responsibility))

    base = claim_document(session, primary)
    next_payer = session.get(PayerRecord, nxt.payer_id)
    assert next_payer is not None
    resp = RESP[nxt.priority]
    number = f"{primary.claim_number[:34]}{resp}{next_control_number(session, 'secondary:' + primary.claim_number)}"
    doc = base.model_copy(update={
        "claim_id": number, "payer_responsibility": resp, "frequency": "1", "original_claim_number": None,
        "payer": _payer(next_payer),
        "subscriber": _subscriber(nxt, pat), "patient": _patient(nxt, pat), "other_payers": tuple(others),
        "submitted_on": None,
    })
    doc = Claim.model_validate(doc.model_dump())  # re-validate the assembled document
    gaps = _registration_gaps(doc)
    if gaps:
        raise SecondaryClaimError(f"claim {claim.claim_number}: the next payer's 837 needs the "
                                  f"{' and '.join(gaps)} (patient {pat.account_number}'s registration)")
    rec = ClaimRecord(claim_number=number, patient_id=pat.id, payer_id=nxt.payer_id, coverage_id=nxt.id,
                      encounter_id=primary.encounter_id, primary_claim_id=primary.id, responsibility=resp,
                      claim_type=primary.claim_type, status="draft",
                      document=doc.model_dump(mode="json", exclude_none=True))
    session.add(rec)
    session.flush()
    session.add(ClaimTransition(claim_id=rec.id, from_status=None, to_status="draft", actor=actor,
                                reason=f"{resp} claim after {claim.claim_number}; {owed} owed by {next_payer.name}"))
    session.flush()
    return rec


def claims_needing_next_payer(session: Session) -> list[int]:
    """Adjudicated claims whose next payer owes something and has no claim yet (the secondary work list);
    crossed-over claims are left out."""
    out = []
    for c in session.scalars(select(ClaimRecord).where(ClaimRecord.status.in_(tuple(ADJUDICATED)),
                                                       ClaimRecord.primary_claim_id.is_(None),
                                                       ClaimRecord.crossed_over_to.is_(None))):
        others = session.execute(
            select(LedgerEntry.payer_id, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.claim_id == c.id, LedgerEntry.payer_id.is_not(None), LedgerEntry.payer_id != c.payer_id)
            .group_by(LedgerEntry.payer_id)).all()
        if not any(b and b > 0 for _p, b in others):
            continue
        billed = session.scalar(select(func.count()).select_from(ClaimRecord).where(
            ClaimRecord.primary_claim_id == c.id, ClaimRecord.status.not_in(("voided", "rejected"))))
        if not billed:
            out.append(c.id)
    return out
