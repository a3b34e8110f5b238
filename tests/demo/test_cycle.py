"""End to end: the demo practice through the whole cycle on a small seed.

Every 837 and 835 that crossed the simulated clearinghouse passes pyx12, every 835 balances, the ledger
balances per claim and overall, posting every 835 again changes nothing, and a second run gives the same
figures."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

pytest.importorskip("pyx12")

from chartclaim.billing import ledger
from chartclaim.billing.posting import post_835_file
from chartclaim.demo.run import DemoRun, Summary
from chartclaim.store.models import ClaimRecord, LedgerEntry
from chartclaim.x12 import read
from chartclaim.x12.validate import pyx12_validate

SEED, PATIENTS, ENCOUNTERS = 3, 12, 28


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoRun, Summary]:
    runner = DemoRun(tmp_path_factory.mktemp("demo"), SEED, PATIENTS, ENCOUNTERS, measure_coder=False)
    summary = runner.run()
    yield runner, summary  # type: ignore[misc]
    runner.close()


def _archive(runner: DemoRun) -> list[Path]:
    return sorted((runner.root / "mailboxes" / "simulated" / "archive").iterdir())


def test_cycle_ran_every_stage(cycle: tuple[DemoRun, Summary]) -> None:
    _runner, s = cycle
    ran = {st.name: st.available for st in s.stages}
    assert ran["practice"] and ran["claims"] and ran["clearinghouse"]
    c = s.counts
    assert c["claims"] == c["encounters"] >= ENCOUNTERS
    assert c["files_837"] > 0 and c["files_999"] == c["files_837"] and c["files_277ca"] == c["files_837"]
    assert c["files_835"] > 0 and c["claim_payments_posted"] > 0
    assert c["claims_submitted"] >= c["encounters"] - c.get("claims_held_by_scrubber", 0)
    assert s.money["payments"] > 0 and s.money["charges"] > s.money["payments"]


def test_every_837_and_835_is_pyx12_clean_and_835s_balance(cycle: tuple[DemoRun, Summary]) -> None:
    runner, _s = cycle
    files = [p for p in _archive(runner) if p.name.startswith(("in-837", "in-835"))]
    assert any(p.name.startswith("in-837") for p in files) and any(p.name.startswith("in-835") for p in files)
    # pyx12 validates every interchange of a file, so one call per kind covers every file (it is slow per call)
    for prefix in ("in-837", "in-835"):
        batch = "".join(p.read_text() for p in files if p.name.startswith(prefix))
        v = pyx12_validate(batch)
        assert v.ok, (prefix, v.errors[:5])
    for p in files:
        if p.name.startswith("in-835"):
            for rem in read(p).models("835"):
                assert rem.balanced, (p.name, rem.balancing)


def test_acknowledgements_are_pyx12_clean(cycle: tuple[DemoRun, Summary]) -> None:
    runner, _s = cycle
    acks = [p for p in _archive(runner) if p.name.startswith(("in-999", "in-277CA"))][:6]
    assert acks
    for p in acks:
        v = pyx12_validate(p)
        assert v.ok, (p.name, v.errors[:5])


def test_ledger_balances_per_claim_and_overall(cycle: tuple[DemoRun, Summary]) -> None:
    runner, s = cycle
    assert s.ledger_balanced
    session = runner.session
    tot = ledger.overall_totals(session)
    assert tot.charges == tot.payments + tot.adjustments + tot.balance
    assert tot.balance == tot.insurance_balance + tot.patient_balance
    for claim_id in session.scalars(select(ClaimRecord.id)):
        t = ledger.claim_totals(session, claim_id)
        assert t.charges == t.payments + t.adjustments + t.balance, claim_id
    assert sum(Decimal(str(v)) for v in (tot.payments,)) == s.money["payments"]


def test_reimporting_every_835_changes_nothing(cycle: tuple[DemoRun, Summary]) -> None:
    runner, _s = cycle
    session = runner.session
    before_rows = session.scalar(select(func.count()).select_from(LedgerEntry))
    before = ledger.overall_totals(session)
    remits = [p for p in _archive(runner) if p.name.startswith("in-835")]
    for p in remits:
        for res in post_835_file(session, p, actor="test-reimport"):
            assert res.duplicate, res.message
    assert session.scalar(select(func.count()).select_from(LedgerEntry)) == before_rows
    assert ledger.overall_totals(session) == before


def test_same_seed_same_numbers(cycle: tuple[DemoRun, Summary], tmp_path: Path) -> None:
    _runner, s = cycle
    again = DemoRun(tmp_path, SEED, PATIENTS, ENCOUNTERS, measure_coder=False)
    try:
        s2 = again.run()
    finally:
        again.close()
    assert s2.figures() == s.figures()


def test_statements_for_every_patient_who_owes(cycle: tuple[DemoRun, Summary]) -> None:
    runner, s = cycle
    pdfs = sorted((runner.root / "statements").glob("*.pdf"))
    assert s.counts["patients_owing"] > 0
    assert len(pdfs) == s.counts["statements"] == s.counts["patients_owing"]
    assert all(p.read_bytes()[:5] == b"%PDF-" for p in pdfs)
    assert s.money["statements_due"] == s.money["patient_balance"]


def test_cli_demo_json(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from chartclaim.cli import app

    res = CliRunner().invoke(app, ["demo", "--patients", "10", "--encounters", "12", "--no-measure-coder",
                                   "--data-dir", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    figures = json.loads(res.stdout[res.stdout.index("{"):])
    assert figures["counts"]["claims"] == figures["counts"]["encounters"] >= 12
    assert figures["ledger_balanced"] is True


@pytest.mark.parametrize("same_run", [True, False])
def test_reversals_with_corrected_payment_post_cleanly(tmp_path: Path, same_run: bool) -> None:
    """A payer taking back payments and paying them again corrected, in the same 835 (X12's recommended
    practice, the simulator's default) or on a later check run: every reversal posts, the claim ends
    adjudicated, nothing lands in the exception queue for it, and the ledger balances."""
    from chartclaim.store.models import ClaimPayment, PostingException

    runner = DemoRun(tmp_path, SEED, PATIENTS, ENCOUNTERS, measure_coder=False,
                     payer_options={"reversal_rate": 0.6, "correction_same_run": same_run})
    try:
        s = runner.run()
        session = runner.session
        assert s.counts["claim_payments_reversed"] >= 3
        assert s.ledger_balanced
        reasons = set(session.scalars(select(PostingException.reason)))
        assert not reasons & {"illegal_status", "reversal_unmatched"}, reasons
        reversals = session.scalars(select(ClaimPayment).where(ClaimPayment.status_code == "22")).all()
        assert reversals and all(r.outcome == "reversal" for r in reversals)
        together = takebacks = 0
        for r in reversals:
            claim = session.get(ClaimRecord, r.claim_id)
            assert claim is not None and claim.status != "accepted", claim.claim_number
            # the corrected payment follows in the same remittance, or in a later one
            after = session.scalars(select(ClaimPayment).where(
                ClaimPayment.claim_id == r.claim_id, ClaimPayment.id > r.id, ClaimPayment.outcome == "posted")).all()
            assert after, claim.claim_number
            # A reversal answering our replacement claim (frequency 7, sent when no NCCI tables were imported to
            # catch a bundling pair up front) is re-adjudicated when the payer processes the replacement, later;
            # only the payer's own take-backs carry the same-run choice.
            if claim.frequency == "1":
                takebacks += 1
                together += any(a.remittance_id == r.remittance_id for a in after)
        assert takebacks >= 3
        assert (together == takebacks) if same_run else together == 0
    finally:
        runner.close()


def test_billed_encounters_leave_the_coding_queue_with_their_final_codes(cycle: tuple[DemoRun, Summary]) -> None:
    """Regression: every encounter stayed not_coded after the demo billed it, so the web coding queue listed
    billed encounters as waiting for a coder."""
    from chartclaim.store.models import Encounter
    from chartclaim.web.services.coding import queue_ids

    runner, s = cycle
    session = runner.session
    billed = {r.encounter_id: r for r in session.scalars(select(ClaimRecord).where(
        ClaimRecord.primary_claim_id.is_(None), ClaimRecord.encounter_id.is_not(None)))}
    assert billed
    for enc_id, claim in billed.items():
        enc = session.get(Encounter, enc_id)
        assert enc is not None and enc.coding_status == "reviewed", (enc_id, enc and enc.coding_status)
        assert enc.diagnoses is not None
        doc = runner.claims[claim.claim_number]
        assert enc.diagnoses["codes"] == list(doc.diagnoses)
        assert set(enc.diagnoses["procedures"]) == {ln.procedure for ln in doc.lines}
    waiting = set(session.scalars(queue_ids()))
    assert not waiting & set(billed)
    assert s.counts["encounters_coded_reviewed"] == len(billed)


def test_every_submission_keeps_its_envelope_control_numbers(cycle: tuple[DemoRun, Summary]) -> None:
    from chartclaim.billing.submissions import claims_in_set, sent_claims
    from chartclaim.store.models import ClaimSubmission

    runner, s = cycle
    session = runner.session
    rows = session.scalars(select(ClaimSubmission)).all()
    assert len(rows) == sum(runner.submissions.values()) >= s.counts["claims_submitted"] > 0
    by_file: dict[str, list[ClaimSubmission]] = {}
    for r in rows:
        by_file.setdefault(r.file_name or "", []).append(r)
    for p in _archive(runner):
        if p.name.startswith("in-837"):
            sent = sent_claims(p.read_text())
            name = p.name.removeprefix("in-")
            assert [(x.isa13, x.gs06, x.st02, x.clm_segment) for x in sent] == [
                (r.isa13, r.gs06, r.st02, r.clm_segment) for r in sorted(by_file[name], key=lambda r: r.id)], name
    first = rows[0]
    assert first.claim_id in {r.claim_id for r in claims_in_set(session, first.gs06, first.st02)}
