from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from chartclaim.billing import ledger, posting, practice, secondary
from chartclaim.billing import synthetic as syn
from chartclaim.billing.lifecycle import transition
from chartclaim.claim import Claim, parse_claim
from chartclaim.store.models import ClaimRecord

D = Decimal
DOS = dt.date(2025, 3, 1)


def _doc() -> Claim:
    return parse_claim({
        "claim_id": "SEC1",
        "payer": {"id": "ACME1", "name": "ACME HEALTH"},
        "billing_provider": {"npi": "1234567893", "tax_id": "123456789", "name": "CLINIC",
                             "address": {"line1": "1 MAIN ST", "city": "TOWN", "state": "MN", "zip": "555551234"}},
        "subscriber": {"member_id": "M0001", "first_name": "JANE", "last_name": "DOE", "dob": "1950-05-04",
                       "sex": "F", "address": {"line1": "9 ELM ST", "city": "TOWN", "state": "MN", "zip": "55555"}},
        "diagnoses": ["E11.9"],
        "lines": [{"procedure": "99213", "charge": "150.00", "date_of_service": "2025-03-01"},
                  {"procedure": "36415", "charge": "20.00", "date_of_service": "2025-03-01"}],
    })


def _setup(s: Session) -> tuple[ClaimRecord, int, int]:
    claim = practice.import_claim(s, _doc(), submit=True)
    supp = practice.get_or_add_payer(s, "SUPP1", "SUPPLEMENTAL MUTUAL")
    practice.add_coverage(s, claim.patient_id, supp.id, "S0001", priority=2)
    return claim, claim.payer_id, supp.id


def _post(s: Session, era: syn.Era) -> posting.PostingResult:
    [(rem, fp, err)] = list(posting.iter_remittances_text(syn.interchange([era])))
    assert rem is not None, err
    return posting.post_remittance(s, rem, fingerprint=fp)


PRIMARY = syn.Era("P1", [syn.ClaimPay("SEC1", [
    syn.LinePay("99213", D("150"), D("80"), [("CO", "45", D("50")), ("PR", "2", D("20"))]),
    syn.LinePay("36415", D("20"), D("10"), [("CO", "45", D("5")), ("PR", "1", D("5"))]),
], payer_claim_number="ICN777")])


def test_secondary_claim_carries_primary_adjudication_and_posts(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        claim, _acme, _supp = _setup(s)
        assert _post(s, PRIMARY).claims_posted == 1
        assert secondary.claims_needing_next_payer(s) == [claim.id]
        sec = secondary.build_next_claim(s, claim.id, actor="biller")
        doc = Claim.model_validate(sec.document)
        assert (doc.payer.id, doc.payer_responsibility, doc.subscriber.member_id) == ("SUPP1", "S", "S0001")
        [op] = doc.other_payers
        assert (op.payer.id, op.paid, op.claim_control_number) == ("ACME1", D("90.00"), "ICN777")
        l1, l2 = op.line_adjudications
        assert (l1.line, l1.paid, [(a.group, a.reason, a.amount) for a in l1.adjustments]) == (
            1, D("80"), [("CO", "45", D("50")), ("PR", "2", D("20"))])
        assert (l2.line, l2.procedure, l2.paid) == (2, "36415", D("10"))
        assert doc.total_charge == D("170.00")  # the secondary sees the full claim
        _write_837(s, doc)
        # no double billing: a second secondary for the same balance is refused
        with pytest.raises(secondary.SecondaryClaimError, match="already bills"):
            secondary.build_next_claim(s, claim.id)
        assert secondary.claims_needing_next_payer(s) == []

        for st in ("scrubbed", "ready", "submitted"):
            transition(s, sec, st, "biller")
        # the supplemental pays its share on its own claim number; OA-23 is the primary's part
        res = _post(s, syn.Era("S1", [syn.ClaimPay(sec.claim_number, [
            syn.LinePay("99213", D("150"), D("16"), [("OA", "23", D("130")), ("PR", "2", D("4"))]),
            syn.LinePay("36415", D("20"), D("5"), [("OA", "23", D("15"))]),
        ], status="2")], payer_name="SUPPLEMENTAL MUTUAL", payer_id="SUPP1"))
        assert res.exceptions == [] and res.claims_posted == 1
        t = ledger.claim_totals(s, claim.id)
        assert (t.payments, t.adjustments, t.insurance_balance, t.patient_balance) == (
            D("111.00"), D("55.00"), D("0.00"), D("4.00"))
        s.refresh(sec)
        assert sec.status == "paid"


def test_crossover_is_not_billed_again(engine: Engine) -> None:
    with Session(engine) as s:
        claim, _acme, supp = _setup(s)
        era = syn.Era("P2", [syn.ClaimPay("SEC1", PRIMARY.claims[0].lines, status="19",
                                          crossover_to="SUPPLEMENTAL MUTUAL", remarks=["MA18"])])
        _post(s, era)
        assert ledger.payer_balance(s, supp) == D("25.00")
        with pytest.raises(secondary.SecondaryClaimError, match="crossed over"):
            secondary.build_next_claim(s, claim.id)
        assert secondary.claims_needing_next_payer(s) == []
        # the supplemental payer then pays on OUR primary claim number (it got the claim by crossover)
        res = _post(s, syn.Era("X1", [syn.ClaimPay("SEC1", [
            syn.LinePay("99213", D("150"), D("20"), [("OA", "23", D("130"))]),
            syn.LinePay("36415", D("20"), D("5"), [("OA", "23", D("15"))]),
        ], status="2")], payer_name="SUPPLEMENTAL MUTUAL", payer_id="SUPP1"))
        assert res.claims_posted == 1 and res.exceptions == []
        assert ledger.payer_balance(s, supp) == D("0.00")
        s.refresh(claim)
        assert claim.status == "paid"  # the primary claim's status is the primary's adjudication
        # the supplemental takes its payment back: only its own posting is reversed, the primary's stays
        res = _post(s, syn.Era("X2", [syn.ClaimPay("SEC1", [
            syn.LinePay("99213", D("-150"), D("-20"), [("OA", "23", D("-130"))]),
            syn.LinePay("36415", D("-20"), D("-5"), [("OA", "23", D("-15"))]),
        ], status="22")], payer_name="SUPPLEMENTAL MUTUAL", payer_id="SUPP1"))
        assert res.claims_reversed == 1 and res.exceptions == []
        assert ledger.payer_balance(s, supp) == D("25.00")
        assert ledger.claim_totals(s, claim.id).payments == D("90.00")
        s.refresh(claim)
        assert claim.status == "paid"


def test_nothing_owed_or_not_adjudicated(engine: Engine) -> None:
    with Session(engine) as s:
        claim, _acme, _supp = _setup(s)
        with pytest.raises(secondary.SecondaryClaimError, match="not adjudicated"):
            secondary.build_next_claim(s, claim.id)
        _post(s, syn.Era("P3", [syn.ClaimPay("SEC1", [
            syn.LinePay("99213", D("150"), D("100"), [("CO", "45", D("50"))]),
            syn.LinePay("36415", D("20"), D("15"), [("CO", "45", D("5"))])])]))
        with pytest.raises(secondary.SecondaryClaimError, match="nothing is owed"):
            secondary.build_next_claim(s, claim.id)


def _write_837(s: Session, doc: Claim) -> None:
    """The secondary goes out through the X12 writer with its COB loops and DB-issued control numbers."""
    write837 = pytest.importorskip("chartclaim.x12.write837")
    from chartclaim.billing.control_numbers import DbControlNumbers
    from chartclaim.x12.envelope import EnvelopeOptions, EnvelopeParty

    assert write837.cob_problems(doc) == []
    opts = EnvelopeOptions(sender=EnvelopeParty("CLINIC"), receiver=EnvelopeParty("CLEARING"))
    numbers = DbControlNumbers(s)
    text = write837.write_837([doc], opts, write837.Submitter(name="CLINIC", id="CLINIC", contact_name="BILLING", phone="6125551212"),
                              write837.Receiver(name="CLEARING", id="CLEARING"), numbers)
    segs = [x.strip() for x in text.split("~") if x.strip()]
    assert any(x.startswith("SBR*S*") for x in segs)  # billed as secondary
    assert any(x.startswith("SBR*P*") for x in segs)  # 2320: the primary
    assert "AMT*D*90" in segs  # what the primary paid
    assert sum(x.startswith("SVD*ACME1*") for x in segs) == 2  # 2430 per line
    assert any(x.startswith("CAS*CO*45*50") for x in segs)
    assert numbers.next("ISA") == 2  # the writer took number 1 from the database


def test_dependent_secondary_carries_registration_addresses_and_writes(engine: Engine) -> None:
    """Regression: the secondary document had no 2010CA patient address (the 837 writer refused it) when the
    claim was built from practice data for a dependent."""
    from chartclaim.store.models import Organization, PayerRecord

    child_addr = {"line1": "9 ELM ST", "city": "TOWN", "state": "MN", "zip": "55555"}
    with Session(engine) as s:
        org = practice.add_organization(s, "CLINIC", npi="1234567893", tax_id="123456789",
                                        address={"line1": "1 MAIN ST", "city": "TOWN", "state": "MN",
                                                 "zip": "555551234"})
        acme = practice.get_or_add_payer(s, "ACME1", "ACME HEALTH")
        supp = practice.get_or_add_payer(s, "SUPP1", "SUPPLEMENTAL MUTUAL")
        sp = s.get(PayerRecord, supp.id)
        assert sp is not None
        sp.address = {"line1": "PO BOX 1", "city": "CITY", "state": "MN", "zip": "55401"}
        kid = practice.add_patient(s, "TIM", "DOE", account_number="A1", dob=dt.date(2015, 2, 3), sex="M",
                                   address=child_addr)
        parent = {"first_name": "JANE", "last_name": "DOE", "dob": "1980-05-04", "sex": "F"}
        c1 = practice.add_coverage(s, kid.id, acme.id, "M0001", priority=1, relationship_code="19",
                                   subscriber=parent)
        practice.add_coverage(s, kid.id, supp.id, "S0001", priority=2, relationship_code="19", subscriber=parent)
        claim = practice.create_claim(s, practice.ClaimInput(
            patient_id=kid.id, payer_id=acme.id, coverage_id=c1.id, claim_number="SEC1",
            lines=[practice.LineInput(procedure="99213", charge=D("150.00"), date_of_service=DOS),
                   practice.LineInput(procedure="36415", charge=D("20.00"), date_of_service=DOS)]))
        for st in ("scrubbed", "ready", "submitted"):
            transition(s, claim, st, "biller")
        assert claim.document is None and s.get(Organization, org.id) is not None
        _post(s, PRIMARY)
        sec = secondary.build_next_claim(s, claim.id, actor="biller")
        doc = Claim.model_validate(sec.document)
        assert doc.patient is not None and doc.patient.address is not None
        assert (doc.patient.address.line1, doc.patient.relationship) == ("9 ELM ST", "19")
        assert doc.subscriber.first_name == "JANE" and doc.subscriber.address is None  # the parent's is not guessed
        assert doc.payer.address is not None and doc.payer.address.line1 == "PO BOX 1"
        _write_837(s, doc)


def test_secondary_refused_when_registration_lacks_the_address(engine: Engine) -> None:
    from chartclaim.store.models import PatientRecord

    with Session(engine) as s:
        claim, _acme, _supp = _setup(s)
        _post(s, PRIMARY)
        pat = s.get(PatientRecord, claim.patient_id)
        assert pat is not None
        pat.address = None
        with pytest.raises(secondary.SecondaryClaimError, match="subscriber address"):
            secondary.build_next_claim(s, claim.id)
