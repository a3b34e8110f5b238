from __future__ import annotations

import dataclasses
import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from chartclaim.billing import ledger, posting
from chartclaim.billing import synthetic as syn
from chartclaim.store.models import (
    ClaimPayment,
    ClaimRecord,
    LedgerEntry,
    PostingException,
    ProviderAdjustment,
    RemitAdjustment,
    Remittance,
)
from tests.billing.helpers import DOS, setup_practice, submitted_claim

D = Decimal


def _file(tmp_path: Path, eras: list[syn.Era], name: str = "era.835") -> Path:
    p = tmp_path / name
    p.write_text(syn.interchange(eras))
    return p


def _counts(s: Session) -> tuple[int, ...]:
    return tuple(s.scalar(select(func.count()).select_from(t)) or 0
                 for t in (LedgerEntry, ClaimPayment, RemitAdjustment, PostingException, Remittance,
                           ProviderAdjustment))


def _standard_era(trace: str = "TRC1") -> syn.Era:
    return syn.Era(trace, [syn.ClaimPay("CLM1", [
        syn.LinePay("99213", D("150"), D("80"), [("CO", "45", D("50")), ("PR", "2", D("20"))], modifiers=["25"],
                    date_of_service=DOS),
        syn.LinePay("36415", D("20"), D("12"), [("CO", "45", D("3")), ("PR", "3", D("5"))], date_of_service=DOS),
    ])], plb=[("L6", "CLM1", D("-1.25"))])


def test_primary_posting_contractual_patient_and_plb(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        claim = submitted_claim(s, ids, "CLM1", [("99213:25", "150.00"), ("36415", "20.00")])
        s.commit()
        [res] = posting.post_835_file(s, _file(tmp_path, [_standard_era()]))
        assert (res.claims_posted, res.exceptions, res.provider_adjustments) == (1, [], 1)
        t = ledger.claim_totals(s, claim.id)
        assert (t.charges, t.payments, t.adjustments) == (D("170.00"), D("92.00"), D("53.00"))
        assert (t.insurance_balance, t.patient_balance) == (D("0.00"), D("25.00"))
        s.refresh(claim)
        assert claim.status == "paid"
        assert ledger.payer_balance(s, ids["acme"]) == D("0.00")
        plb = s.scalars(select(ProviderAdjustment)).one()
        assert (plb.reason_code, plb.amount) == ("L6", D("-1.25"))
        # the CO and PR amounts are ledger rows (group + CARC), not also CAS records; read back as one list
        assert s.scalar(select(func.count()).select_from(RemitAdjustment)) == 0
        cp = s.scalars(select(ClaimPayment)).one()
        adjs = posting.claim_payment_adjustments(s, [cp.id])[cp.id]
        assert [(a["group"], a["reason"], a["amount"], a["treatment"]) for a in adjs] == [
            ("CO", "45", D("50.00"), "contractual"), ("PR", "2", D("20.00"), "patient"),
            ("CO", "45", D("3.00"), "contractual"), ("PR", "3", D("5.00"), "patient")]


def test_same_835_twice_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        submitted_claim(s, ids, "CLM1", [("99213:25", "150.00"), ("36415", "20.00")])
        s.commit()
        f = _file(tmp_path, [_standard_era()])
        [first] = posting.post_835_file(s, f)
        before = _counts(s)
        [again] = posting.post_835_file(s, f)
        assert again.duplicate and again.remittance_id == first.remittance_id
        assert "already posted" in again.message
        # the same content re-sent in another envelope (other ISA/GS/ST numbers) is still the same remittance
        era = _standard_era()
        era.control_number = "7777"
        [resent] = posting.post_835_file(s, _file(tmp_path, [era], "resent.835"))
        assert resent.duplicate
        assert _counts(s) == before


def test_denial_stays_open_with_payer_and_claim_denied(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        claim = submitted_claim(s, ids, "CLM1", [("97110", "100.00")])
        s.commit()
        era = syn.Era("TRC2", [syn.ClaimPay("CLM1", [syn.LinePay("97110", D("100"), D("0"), [("CO", "50", D("100"))],
                                                                 remarks=["N115"])], status="4")])
        posting.post_835_file(s, _file(tmp_path, [era]))
        s.refresh(claim)
        assert claim.status == "denied"
        t = ledger.claim_totals(s, claim.id)
        assert t.insurance_balance == D("100.00") and t.adjustments == 0
        adj = s.scalars(select(RemitAdjustment)).one()
        assert (adj.treatment, adj.group_code, adj.reason_code, adj.remark_codes) == ("denial", "CO", "50", "N115")
        [adjs] = posting.claim_payment_adjustments(s, [adj.claim_payment_id]).values()
        assert [(a["group"], a["reason"], a["treatment"], a["remarks"]) for a in adjs] == [
            ("CO", "50", "denial", "N115")]


def test_dropped_modifier_and_line_order(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        claim = submitted_claim(s, ids, "CLM1", [("20610:RT", "200.00"), ("20610:LT", "180.00")])
        s.commit()
        # payer answers the LT line first, and drops the RT modifier on the other line
        era = syn.Era("TRC3", [syn.ClaimPay("CLM1", [
            syn.LinePay("20610", D("180"), D("100"), [("CO", "45", D("80"))], modifiers=["LT"]),
            syn.LinePay("20610", D("200"), D("110"), [("CO", "45", D("90"))]),
        ])])
        [res] = posting.post_835_file(s, _file(tmp_path, [era]))
        assert res.exceptions == []
        by_line = {ln.line_number: ledger.line_totals(s, ln.id) for ln in claim.lines}
        assert by_line[1].payments == D("110.00") and by_line[2].payments == D("100.00")


def test_unmatched_and_unbalanced_go_to_exception_queue(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        submitted_claim(s, ids, "CLM1", [("99213", "100.00")])
        s.commit()
        era = syn.Era("TRC4", [
            syn.ClaimPay("NOPE9", [syn.LinePay("99213", D("100"), D("70"), [("CO", "45", D("30"))])],
                         member_id="ZZZ"),
            syn.ClaimPay("CLM1", [syn.LinePay("99214", D("100"), D("70"), [("CO", "45", D("30"))])]),
        ])
        [res] = posting.post_835_file(s, _file(tmp_path, [era]))
        reasons = sorted(r for r, _ in res.exceptions)
        assert reasons == ["unmatched_claim", "unmatched_line"]
        queue = posting.open_exceptions(s)
        assert len(queue) == 2
        # never dropped: the whole CLP loop is kept with the exception
        cp = s.get(ClaimPayment, queue[0].claim_payment_id)
        assert cp is not None and cp.detail and cp.detail["lines"][0]["paid"] == "70"
        assert ledger.overall_totals(s).payments == 0
        posting.resolve_exception(s, queue[0].id, "biller1", "called payer; wrong practice")
        assert len(posting.open_exceptions(s)) == 1
        with pytest.raises(ValueError, match="already resolved by biller1"):
            posting.resolve_exception(s, queue[0].id, "biller1", "again")


def test_unmatched_claim_posted_by_hand(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        claim = submitted_claim(s, ids, "CLM1", [("99213:25", "150.00"), ("36415", "20.00")])
        s.commit()
        era = _standard_era()
        era.claims = [dataclasses.replace(era.claims[0], claim_number="GARBLED", member_id="NOBODY")]
        [res] = posting.post_835_file(s, _file(tmp_path, [era]))
        [exc] = posting.open_exceptions(s)
        assert exc.reason == "unmatched_claim" and res.claims_posted == 0
        with pytest.raises(ValueError, match="no claim"):
            posting.post_exception(s, exc.id, "NOPE", "biller1")
        done = posting.post_exception(s, exc.id, "CLM1", "biller1")
        s.commit()
        assert done.ledger_rows == 8 and posting.open_exceptions(s) == []
        t = ledger.claim_totals(s, claim.id)
        assert (t.payments, t.adjustments, t.patient_balance) == (D("92.00"), D("53.00"), D("25.00"))
        assert s.get(ClaimRecord, claim.id).status == "paid"  # type: ignore[union-attr]


def test_unbalanced_claim_is_not_posted(engine: Engine) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        submitted_claim(s, ids, "CLM1", [("99213", "100.00")])
        text = syn.interchange([syn.Era("TRC5", [syn.ClaimPay("CLM1", [
            syn.LinePay("99213", D("100"), D("70"), [("CO", "45", D("30"))])])])])
        text = text.replace("CAS*CO*45*30", "CAS*CO*45*20")  # the payer's arithmetic is off by 10
        [(rem, _fp, _err)] = list(posting.iter_remittances_text(text))
        assert rem is not None and rem.balancing  # the reader flagged it
        s.commit()
        for checked in (False, True):  # full arithmetic, and the reader's flags
            res = posting.post_remittance(s, rem, balancing_checked=checked)
            assert [r for r, _ in res.exceptions] == ["unbalanced"]
            assert ledger.overall_totals(s).payments == 0
            s.rollback()


def test_fallback_match_by_member_dos_and_charge(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        claim = submitted_claim(s, ids, "CLM1", [("99213", "100.00")])
        s.commit()
        era = syn.Era("TRC6", [syn.ClaimPay("MANGLED", [syn.LinePay("99213", D("100"), D("70"),
                                                                    [("CO", "45", D("30"))], date_of_service=DOS)],
                                            member_id="M0001")])
        [res] = posting.post_835_file(s, _file(tmp_path, [era]))
        assert res.claims_posted == 1 and res.exceptions == []
        assert ledger.claim_totals(s, claim.id).payments == D("70.00")


def _clm1_reversal() -> syn.ClaimPay:
    """The reversal (CLP02 22) of `_standard_era`'s payment of CLM1."""
    return syn.ClaimPay("CLM1", [
        syn.LinePay("99213", D("-150"), D("-80"), [("CO", "45", D("-50")), ("PR", "2", D("-20"))], modifiers=["25"]),
        syn.LinePay("36415", D("-20"), D("-12"), [("CO", "45", D("-3")), ("PR", "3", D("-5"))]),
    ], status="22", payer_claim_number="PCNCLM1")


def _reversal_and_correction_era() -> syn.Era:
    """CLM1's first payment reversed (CLP02 22) and paid again with a new payer claim number."""
    return syn.Era("TRC7", [
        _clm1_reversal(),
        syn.ClaimPay("CLM1", [
            syn.LinePay("99213", D("150"), D("90"), [("CO", "45", D("50")), ("PR", "2", D("10"))], modifiers=["25"]),
            syn.LinePay("36415", D("20"), D("12"), [("CO", "45", D("3")), ("PR", "3", D("5"))]),
        ], payer_claim_number="PCNCLM1B"),
    ])


def test_reversal_undoes_earlier_posting_then_repost(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        claim = submitted_claim(s, ids, "CLM1", [("99213:25", "150.00"), ("36415", "20.00")])
        s.commit()
        posting.post_835_file(s, _file(tmp_path, [_standard_era()]))
        rev = _reversal_and_correction_era()
        [res] = posting.post_835_file(s, _file(tmp_path, [rev], "rev.835"))
        assert (res.claims_reversed, res.claims_posted, res.exceptions) == (1, 1, [])
        t = ledger.claim_totals(s, claim.id)
        assert (t.payments, t.adjustments, t.patient_balance, t.insurance_balance) == (
            D("102.00"), D("53.00"), D("15.00"), D("0.00"))
        first = s.scalars(select(ClaimPayment).order_by(ClaimPayment.id)).first()
        assert first is not None and first.reversed_by_id is not None
        # every reversing row points at its original, and each original is reversed once
        reversing = s.scalars(select(LedgerEntry).where(LedgerEntry.reverses_id.is_not(None))).all()
        assert len(reversing) == 8
        s.refresh(claim)
        assert claim.status == "paid"
        # a reversal with nothing left to reverse is an exception, not a silent no-op
        again = syn.Era("TRC8", [rev.claims[0]])
        [res2] = posting.post_835_file(s, _file(tmp_path, [again], "rev2.835"))
        assert [r for r, _ in res2.exceptions] == ["reversal_unmatched"]


def test_duplicate_claim_payment_in_another_remittance(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        ids = setup_practice(s)
        submitted_claim(s, ids, "CLM1", [("99213:25", "150.00"), ("36415", "20.00")])
        s.commit()
        posting.post_835_file(s, _file(tmp_path, [_standard_era("A")]))
        [res] = posting.post_835_file(s, _file(tmp_path, [_standard_era("B")], "b.835"))
        assert not res.duplicate and [r for r, _ in res.exceptions] == ["duplicate_payment"]
        assert ledger.overall_totals(s).payments == D("92.00")


def test_pr_moves_to_secondary_and_crossover_is_recorded(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        ids = setup_practice(s, secondary=True)
        claim = submitted_claim(s, ids, "CLM1", [("99213", "100.00")])
        s.commit()
        era = syn.Era("TRC9", [syn.ClaimPay("CLM1", [syn.LinePay("99213", D("100"), D("60"),
                                                                 [("CO", "45", D("20")), ("PR", "2", D("20"))])],
                                            status="19", crossover_to="SUPPLEMENTAL MUTUAL", remarks=["MA18"])])
        posting.post_835_file(s, _file(tmp_path, [era]))
        s.refresh(claim)
        assert claim.crossed_over_to == "SUPPLEMENTAL MUTUAL"
        assert ledger.payer_balance(s, ids["supp"]) == D("20.00")
        assert ledger.claim_totals(s, claim.id).patient_balance == 0


def test_unreadable_transaction_is_recorded(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        text = syn.interchange([syn.Era("TRC10", [syn.ClaimPay("X", [syn.LinePay("99213", D("1"), D("1"))])])])
        bad = tmp_path / "bad.835"
        bad.write_text(text.replace("CLP*X*1*1*1", "CLP*X*1*ONE*1"))
        [res] = posting.post_835_file(s, bad)
        assert res.exceptions and res.exceptions[0][0] == "unreadable" and "CLP03" in res.exceptions[0][1]
        assert s.scalar(select(func.count()).select_from(PostingException)) == 1


def test_claim_must_be_submitted(engine: Engine) -> None:
    from chartclaim.billing import practice

    with Session(engine) as s:
        ids = setup_practice(s)
        practice.create_claim(s, practice.ClaimInput(
            patient_id=ids["patient"], payer_id=ids["acme"], claim_number="DRAFT1",
            lines=[practice.LineInput("99213", D("100"), DOS)]))
        [(rem, _fp, _e)] = list(posting.iter_remittances_text(syn.interchange([syn.Era("T", [syn.ClaimPay(
            "DRAFT1", [syn.LinePay("99213", D("100"), D("100"))])])])))
        assert rem is not None
        res = posting.post_remittance(s, rem)
        assert [r for r, _ in res.exceptions] == ["claim_not_submitted"]
        assert s.scalars(select(ClaimRecord.status)).one() == "draft"


def test_iter_remittances_text_reads_stream() -> None:
    text = syn.interchange([_standard_era("X1"), _standard_era("X2")])
    got = list(posting.iter_remittances_text(text))
    assert [r.trace.number for r, _fp, _e in got if r and r.trace] == ["X1", "X2"]
    assert got[0][1] != got[1][1]


def test_reversal_and_corrected_payment_in_one_835_after_another_accepted_claim(engine: Engine,
                                                                                  tmp_path: Path) -> None:
    """Regression: moves were grouped by status pair, so an earlier claim's accepted → paid ran before this
    claim's paid → accepted and the 835 failed with "cannot go from 'accepted' to 'paid'"."""
    from chartclaim.billing.lifecycle import history, transition

    with Session(engine) as s:
        ids = setup_practice(s)
        claim = submitted_claim(s, ids, "CLM1", [("99213:25", "150.00"), ("36415", "20.00")])
        other = submitted_claim(s, ids, "CLM2", [("99213", "100.00")])
        transition(s, other, "accepted", "tester", "277CA")
        s.commit()
        posting.post_835_file(s, _file(tmp_path, [_standard_era()]))
        era = syn.Era("TRC9", [
            syn.ClaimPay("CLM2", [syn.LinePay("99213", D("100"), D("70"), [("CO", "45", D("30"))],
                                              date_of_service=DOS)]),
            _clm1_reversal(),
            syn.ClaimPay("CLM1", [
                syn.LinePay("99213", D("150"), D("90"), [("CO", "45", D("50")), ("PR", "2", D("10"))],
                            modifiers=["25"]),
                syn.LinePay("36415", D("20"), D("12"), [("CO", "45", D("8"))]),
            ], payer_claim_number="PCNCLM1B"),
        ])
        [res] = posting.post_835_file(s, _file(tmp_path, [era], "rev.835"))
        assert (res.claims_reversed, res.claims_posted, res.exceptions) == (1, 2, [])
        s.refresh(claim)
        s.refresh(other)
        assert (claim.status, other.status) == ("paid", "paid")
        # both of CLM1's moves are recorded, in file order
        moves = [(t.from_status, t.to_status) for t in history(s, claim.id) if t.remittance_id is not None]
        assert moves == [("submitted", "paid"), ("paid", "accepted"), ("accepted", "paid")]
        assert ledger.claim_totals(s, claim.id).payments == D("102.00")
        assert ledger.claim_totals(s, other.id).payments == D("70.00")


def test_bulk_transition_refuses_a_broken_chain(engine: Engine) -> None:
    from chartclaim.billing.lifecycle import IllegalTransition, bulk_transition

    with Session(engine) as s:
        ids = setup_practice(s)
        claim = submitted_claim(s, ids, "CLM1", [("99213", "100.00")])
        s.commit()
        with pytest.raises(IllegalTransition, match="already moved to 'paid'"):
            bulk_transition(s, [(claim.id, "submitted", "paid"), (claim.id, "accepted", "denied")], "t", None)


def test_bulk_transition_updates_loaded_claims_in_the_session(engine: Engine) -> None:
    from chartclaim.billing.lifecycle import bulk_transition

    with Session(engine) as s:
        ids = setup_practice(s)
        claim = submitted_claim(s, ids, "CLM1", [("99213", "100.00")])
        other = submitted_claim(s, ids, "CLM2", [("99213", "100.00")])
        s.commit()
        assert (claim.status, other.status) == ("submitted", "submitted")  # loaded again after the commit
        with s.no_autoflush:
            n = bulk_transition(s, [(claim.id, "submitted", "paid")], "t", None)
        assert n == 1
        assert claim not in s.dirty and claim.status == "paid" and other.status == "submitted"
        assert s.scalar(select(ClaimRecord.status).where(ClaimRecord.id == claim.id)) == "paid"


def _paid(number: str, trace: str, charge: str = "100") -> syn.Era:
    return syn.Era(trace, [syn.ClaimPay(number, [syn.LinePay("99213", D(charge), D("60"),
                                                             [("CO", "45", D("20")), ("PR", "2", D(charge) - 80)],
                                                             date_of_service=DOS)])])


@pytest.mark.parametrize("ahead", [False, True], ids=["read-here", "read-ahead"])
def test_post_835_files_in_parallel_keeps_file_order_and_idempotency(engine: Engine, tmp_path: Path,
                                                                     ahead: bool) -> None:
    """Remittances that mention the same claim post in file order (payment, duplicate payment from another ERA,
    the same ERA again, reversal + corrected payment); independent ones may post concurrently. The same with
    the files read by a reader process (`read_ahead_files`)."""
    with Session(engine) as s:
        ids = setup_practice(s)
        claim = submitted_claim(s, ids, "CLM1", [("99213:25", "150.00"), ("36415", "20.00")])
        others = [submitted_claim(s, ids, f"CLM{i}", [("99213", "100.00")]) for i in range(2, 8)]
        s.commit()
        claim_id, other_ids = claim.id, [c.id for c in others]
    rev = _reversal_and_correction_era()
    files = [_file(tmp_path, [_standard_era("A")], "a.835"),
             *[_file(tmp_path, [_paid(f"CLM{i}", f"O{i}")], f"o{i}.835") for i in range(2, 5)],
             _file(tmp_path, [_standard_era("B")], "b.835"),
             _file(tmp_path, [syn.Era("O5", [c for i in range(5, 8) for c in _paid(f"CLM{i}", "-").claims])], "o5.835"),
             _file(tmp_path, [_standard_era("A")], "a-again.835"),
             _file(tmp_path, [rev], "rev.835")]
    results = posting.post_835_files(engine, files, actor="t", workers=3, read_ahead_files=ahead)
    assert [r.source for r in results] == [str(f) for f in files[:6]] + [str(files[6]), str(files[7])]
    assert [(r.duplicate, r.claims_posted, r.claims_reversed, [e for e, _ in r.exceptions]) for r in results] == [
        (False, 1, 0, []), (False, 1, 0, []), (False, 1, 0, []), (False, 1, 0, []),
        (False, 0, 0, ["duplicate_payment"]), (False, 3, 0, []), (True, 0, 0, []), (False, 1, 1, [])]
    again = posting.post_835_files(engine, files, actor="t", workers=3, read_ahead_files=ahead)
    assert all(r.duplicate for r in again)
    with Session(engine) as s:
        t = ledger.claim_totals(s, claim_id)
        assert (t.payments, t.adjustments, t.patient_balance, t.insurance_balance) == (
            D("102.00"), D("53.00"), D("15.00"), D("0.00"))
        assert s.scalar(select(ClaimRecord.status).where(ClaimRecord.id == claim_id)) == "paid"
        for cid in other_ids:
            t = ledger.claim_totals(s, cid)
            assert (t.payments, t.adjustments, t.patient_balance) == (D("60.00"), D("20.00"), D("20.00"))
        o = ledger.overall_totals(s)
        assert o.charges == o.payments + o.adjustments + o.balance


def test_concurrent_posters_never_post_one_payment_twice(engine: Engine, tmp_path: Path) -> None:
    """Two posters at once (two web users, two CLI runs): the same ERA twice posts once (unique fingerprint);
    two ERAs paying the same claim: the second waits for the first's claim lock, then sees its payment."""
    import threading

    with Session(engine) as s:
        ids = setup_practice(s)
        submitted_claim(s, ids, "CLM1", [("99213:25", "150.00"), ("36415", "20.00")])
        submitted_claim(s, ids, "CLM2", [("99213", "100.00")])
        s.commit()
    for files, paid in (([_file(tmp_path, [_standard_era("A")], "a.835")] * 2, D("92.00")),
                        ([_file(tmp_path, [_paid("CLM2", "B")], "b.835"), _file(tmp_path, [_paid("CLM2", "C")], "c.835")],
                         D("152.00"))):
        start = threading.Barrier(2)
        out: list[posting.PostingResult] = []

        def post(path: Path, start: threading.Barrier, out: list[posting.PostingResult]) -> None:
            with Session(engine) as s:
                start.wait()
                out.extend(posting.post_835_file(s, path, actor="t"))

        threads = [threading.Thread(target=post, args=(f, start, out)) for f in files]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(out) == 2
        if files[0] == files[1]:
            assert sorted(r.duplicate for r in out) == [False, True]
        else:
            assert sorted(tuple(e for e, _ in r.exceptions) for r in out) == [(), ("duplicate_payment",)]
        with Session(engine) as s:
            assert ledger.overall_totals(s).payments == paid


def test_fingerprint_of_unsplit_segments_is_the_stored_digest() -> None:
    """Remittances posted before keep being recognised: the unsplit fingerprint is the split one."""
    from chartclaim.x12.core import iter_raw_transactions

    text = syn.interchange([_standard_era("X1"), _standard_era("X2")])
    for raw in iter_raw_transactions(io.StringIO(text)):
        sep = raw.interchange.delimiters.element
        assert posting.fingerprint_texts(raw.texts, sep) == posting.fingerprint_segments(raw.segments)
    odd = ["CLP\x1eA\x1e1", "SVC\x1eHC:99213\x1e5"]
    assert posting.fingerprint_texts(odd, "\x1e") == posting.fingerprint_segments(t.split("\x1e") for t in odd)
    assert posting.fingerprint_texts(["A*B\x1eC"], "*") == posting.fingerprint_segments([["A", "B\x1eC"]])


def test_posted_claim_payment_keeps_the_clp_loop_as_received(engine: Engine, tmp_path: Path) -> None:
    """A posted claim payment keeps its CLP loop as the payer's X12 (with our line numbers); read back it is the
    same claim payment the reader gave, and the same JSON-able detail that exceptions keep."""
    with Session(engine) as s:
        ids = setup_practice(s)
        # our lines in the other order than the payer's SVCs: the line numbers come from matching, not position
        submitted_claim(s, ids, "CLM1", [("36415", "20.00"), ("99213:25", "150.00")])
        s.commit()
        f = _file(tmp_path, [_standard_era()])
        posting.post_835_file(s, f)
        row = s.scalars(select(ClaimPayment)).one()
        assert row.outcome == "posted" and row.detail is not None
        assert row.detail["x12"].startswith("CLP*CLM1*") and row.detail["line_numbers"] == [2, 1]
        [(rem, _fp, _err)] = list(posting.iter_remittances(f))
        assert rem is not None
        [read] = rem.claims
        back = posting.claim_payment_of(row.detail)
        assert dataclasses.replace(back, position=read.position) == read
        assert [s_.position - back.position for s_ in back.services] == [s_.position - read.position
                                                                         for s_ in read.services]
        d = posting.claim_payment_detail(row.detail)
        assert d is not None and d == posting.claim_payment_detail(posting._number_lines(
            posting._detail(read), read, [2, 1]))
        assert [(ln["procedure"], ln["line_number"], ln["paid"]) for ln in d["lines"]] == [
            ("99213", 2, "80"), ("36415", 1, "12")]
        assert d["clp"][0] == "CLM1" and d["lines"][0]["cas"][0][:3] == ["CO", "45", "50"]


def test_adjustments_of_payments_posted_with_every_cas_recorded_are_not_doubled(engine: Engine,
                                                                                 tmp_path: Path) -> None:
    """Claim payments posted before posting stopped recording ledger-carried CAS amounts (contractual, patient)
    have a record of each: read back, every amount appears once."""
    with Session(engine) as s:
        ids = setup_practice(s)
        submitted_claim(s, ids, "CLM1", [("99213:25", "150.00"), ("36415", "20.00")])
        s.commit()
        posting.post_835_file(s, _file(tmp_path, [_standard_era()]))
        cp = s.scalars(select(ClaimPayment)).one()
        for e in s.scalars(select(LedgerEntry).where(LedgerEntry.claim_payment_id == cp.id,
                                                     LedgerEntry.group_code.is_not(None), LedgerEntry.amount < 0)):
            s.add(RemitAdjustment(claim_payment_id=cp.id, claim_line_id=e.claim_line_id, group_code=e.group_code,
                                  reason_code=e.reason_code, amount=-e.amount, remark_codes="OLD",
                                  treatment="contractual" if e.kind == "adjustment" else "patient"))
        s.flush()
        adjs = posting.claim_payment_adjustments(s, [cp.id])[cp.id]
        assert sorted((a["group"], a["reason"], a["amount"], a["remarks"]) for a in adjs) == [
            ("CO", "45", D("3.00"), "OLD"), ("CO", "45", D("50.00"), "OLD"),
            ("PR", "2", D("20.00"), "OLD"), ("PR", "3", D("5.00"), "OLD")]


def test_a_ledger_row_must_agree_with_its_line_and_claim(engine: Engine) -> None:
    """The ledger's composite foreign keys: a row's claim is its line's claim and its patient the claim's."""
    from chartclaim.billing import practice

    with Session(engine) as s:
        ids = setup_practice(s)
        claim = submitted_claim(s, ids, "CLM1", [("99213", "100.00")])
        other = submitted_claim(s, ids, "CLM2", [("99213", "100.00")])
        stranger = practice.add_patient(s, "JOHN", "ROE")
        s.commit()
        line = claim.lines[0]
        ok = ledger.entry_row("adjustment", D("-1.00"), (line.id, claim.id, claim.patient_id), None, DOS)
        ledger.add_entries(s, [ok])
        s.flush()
        for wrong in ((line.id, other.id, other.patient_id), (line.id, claim.id, stranger.id)):
            # the bulk insert runs on the DBAPI cursor: its own IntegrityError (sqlite3 / psycopg)
            with pytest.raises(Exception, match=r"(?i)foreign key") as err, s.begin_nested():
                ledger.add_entries(s, [ledger.entry_row("adjustment", D("-1.00"), wrong, None, DOS)])
                s.flush()
            assert "IntegrityError" in {t.__name__ for t in type(err.value).__mro__}


def test_read_ahead_posts_what_reading_here_posts_and_raises_the_same_errors(engine: Engine, tmp_path: Path) -> None:
    """A reader process only parses: an unreadable transaction is queued with the same located error as when
    read here, and a file that cannot be read at all raises the same error."""
    with Session(engine) as s:
        ids = setup_practice(s)
        for i in range(1, 4):
            submitted_claim(s, ids, f"CLM{i}", [("99213", "100.00")])
        s.commit()
    good = [_file(tmp_path, [_paid(f"CLM{i}", f"T{i}")], f"t{i}.835") for i in (1, 2)]
    broken = _file(tmp_path, [_paid("CLM3", "T3")], "broken.835")
    broken.write_text(broken.read_text().replace("CLP*CLM3*1*100*60", "CLP*CLM3*1*ABC*60"))
    got = posting.post_835_files(engine, [*good, broken], actor="t", read_ahead_files=True)
    assert [(r.claims_posted, [e for e, _ in r.exceptions]) for r in got] == [(1, []), (1, []), (0, ["unreadable"])]
    here = list(posting.iter_remittances(broken))
    assert got[2].exceptions[0][1] == here[0][2] and "CLP03" in (here[0][2] or "")
    with pytest.raises(FileNotFoundError):
        posting.post_835_files(engine, [*good, tmp_path / "missing.835"], actor="t", read_ahead_files=True)


def test_reader_process_reads_what_this_process_reads(tmp_path: Path) -> None:
    """The reader process really runs (no silent fall-back to reading here) and hands over the same
    remittances: fingerprints, errors and built claims."""
    from chartclaim.billing.remittance_files import _Reader

    f = _file(tmp_path, [_standard_era("A"), _paid("CLM2", "B")])
    reader = _Reader()
    try:
        assert reader.alive
        reader.send(str(f))
        got = reader.receive()
        reader.send(str(tmp_path / "missing.835"))
        assert reader.receive() is None  # the caller reads that one itself and raises its error
    finally:
        reader.close()
    assert got is not None
    here = list(posting.iter_remittances(f))
    assert [(fp, err) for _r, fp, err, _h in got] == [(fp, err) for _r, fp, err in here] and len(here) == 2
    assert [tuple(r.claims) for r, _fp, _e, _h in got if r] == [tuple(r.claims) for r, _fp, _e in here if r]
    # with the claims' heads, made from the same claims
    assert [h for r, _fp, _e, h in got if r] == [posting.claim_heads(r.claims) for r, _fp, _e in here if r]
    assert all(h is not None and h[0][6] is not None for r, _fp, _e, h in got if r)


def test_a_hung_reader_process_is_stopped_and_the_files_are_read_here(tmp_path: Path) -> None:
    """A reader that answers nothing (stopped, not dead) must not block posting: after the stall limit it is
    killed, and every file still expected from it is read in this process instead (a late answer is never
    taken for another file's)."""
    import signal

    from chartclaim.billing.remittance_files import _Reader

    f = _file(tmp_path, [_paid("CLM2", "B")])
    reader = _Reader()
    try:
        assert reader.alive and reader.proc is not None
        reader.stall_seconds = 0.5
        os.kill(reader.proc.pid, signal.SIGSTOP)
        reader.send(str(f))
        assert reader.receive() is None and reader.stalled and not reader.alive
        assert reader.receive() is None
        assert reader.proc.wait(10) == -signal.SIGKILL
    finally:
        reader.close()


def _without_service_lines(text: str) -> str:
    """The 835 as a payer that reports only at claim level sends it: no SVC loops (SVC and the CAS, DTM, REF,
    AMT and LQ segments after it), with SE's segment count mended."""
    segs = [s.strip() for s in text.split("~") if s.strip()]
    out: list[str] = []
    in_service = False
    for seg in segs:
        tag = seg.split("*", 1)[0]
        if tag == "SVC":
            in_service = True
            continue
        if tag in ("CLP", "LX", "PLB", "SE"):
            in_service = False
        if in_service:
            continue
        out.append(seg)
    st = next(i for i, s in enumerate(out) if s.startswith("ST*"))
    se = next(i for i, s in enumerate(out) if s.startswith("SE*"))
    parts = out[se].split("*")
    out[se] = "*".join([parts[0], str(se - st + 1), *parts[2:]])
    return "~".join(out) + "~"


@pytest.mark.parametrize("heads", [True, False])
def test_claim_level_only_payment_with_claim_cas_posts_on_a_one_line_claim(engine: Engine, tmp_path: Path,
                                                                        heads: bool) -> None:
    """A CLP without SVC loops but with claim-level CAS, for a one-line claim: paid and adjusted on that line
    (it crashed the remittance before: the service loop zipped no SVCs with the one line, strictly)."""
    with Session(engine) as s:
        ids = setup_practice(s)
        claim = submitted_claim(s, ids, "CLM1", [("99213", "100.00")])
        s.commit()
        era = syn.Era("TRC9", [syn.ClaimPay("CLM1", [syn.LinePay("99213", D("100"), D("70"), [],
                                                                 date_of_service=DOS)],
                                            claim_adjustments=[("CO", "45", D("20")), ("PR", "2", D("10"))])])
        p = tmp_path / "era.835"
        p.write_text(_without_service_lines(syn.interchange([era])))
        assert "SVC*" not in p.read_text()
        if heads:
            [res] = posting.post_835_files(engine, [p], read_ahead_files=True, workers=1)
        else:
            [res] = posting.post_835_file(s, p)
        assert (res.claims_posted, res.exceptions) == (1, [])
        s.expire_all()
        t = ledger.claim_totals(s, claim.id)
        assert (t.charges, t.payments, t.adjustments) == (D("100.00"), D("70.00"), D("20.00"))
        assert (t.insurance_balance, t.patient_balance) == (D("0.00"), D("10.00"))
        assert s.get(ClaimRecord, claim.id).status == "paid"  # type: ignore[union-attr]
