"""The simulated payer's 835s: pyx12-clean, balanced, readable by our reader, deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest

from chartclaim.claim import Claim
from chartclaim.demo import build_practice
from chartclaim.demo.claims import build_claim
from chartclaim.demo.model import DemoPractice
from chartclaim.payer.simulator import SimulatedPayer, write_835s

pytest.importorskip("pyx12")
x12 = pytest.importorskip("chartclaim.x12")
from chartclaim.x12.validate import pyx12_validate  # noqa: E402


def _claims(pr: DemoPractice) -> list[Claim]:
    out = []
    for n, e in enumerate(pr.encounters):
        cov = pr.patient(e.patient_id).coverages[0]
        out.append(build_claim(pr, e, e.truth.diagnoses, e.truth.procedures, cov, f"C{n:05d}", e.submit_on or e.date_of_service))
    return out


def _simulate(seed: int) -> tuple[SimulatedPayer, list[tuple[object, str]]]:
    pr = build_practice(seed, n_patients=40, n_encounters=150)
    sim = SimulatedPayer(pr, seed, reversal_rate=0.2, interest_rate=0.5, recovery_rate=0.3)
    by_day: dict[dt.date, list[Claim]] = {}
    for c in _claims(pr):
        by_day.setdefault(c.submitted_on or dt.date(2026, 1, 1), []).append(c)
    for day in sorted(by_day):
        sim.receive_claims(by_day[day], day)
        sim.run_payments(day)
    sim.run_payments(dt.date(2026, 12, 31))
    files = write_835s(sim.runs, pr, x12.MemoryControlNumbers())
    return sim, files  # type: ignore[return-value]


@pytest.fixture(scope="module")
def simulated() -> tuple[SimulatedPayer, list[tuple[object, str]]]:
    return _simulate(5)


def test_835s_read_back_balanced_with_every_feature(simulated: tuple[SimulatedPayer, list[tuple[object, str]]]) -> None:
    _sim, files = simulated
    statuses: Counter[str] = Counter()
    methods: Counter[str] = Counter()
    plb = 0
    for _run, text in files:
        res = x12.read(io.StringIO(text))
        assert res.ok, res.errors
        for rem in res.models("835"):
            assert rem.balanced, rem.balancing
            methods[rem.payment.method] += 1
            plb += len(rem.provider_adjustments)
            for c in rem.claims:
                statuses[c.status] += 1
                if c.status == "19":
                    assert c.crossover_carrier is not None and "MA18" in c.remarks
                for s in c.services:
                    assert s.line_control_number
    assert {"1", "19", "2", "22"} <= set(statuses), statuses
    assert methods["ACH"] and methods["CHK"]
    assert plb >= 1


def test_835s_pass_pyx12(simulated: tuple[SimulatedPayer, list[tuple[object, str]]]) -> None:
    _sim, files = simulated
    # pyx12 is slow (~0.2 s a file): check the files that carry the unusual segments plus a sample
    special = [t for _, t in files if "PLB*" in t or "NM1*TT" in t or ("CLP*" in t and "*22*" in t)]
    chosen = list(dict.fromkeys(special[:6] + [t for _, t in files][:4]))
    for text in chosen:
        v = pyx12_validate(text)
        assert v.ok, v.errors[:5]


def test_deterministic_for_a_seed(simulated: tuple[SimulatedPayer, list[tuple[object, str]]]) -> None:
    _sim, files = simulated
    _sim2, files2 = _simulate(5)
    assert [t for _, t in files] == [t for _, t in files2]


def test_mailbox_exchange_answers_a_broken_837_with_a_rejecting_999(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from chartclaim.payer.clearinghouse import DirectoryDrop
    from chartclaim.payer.simulator import exchange
    from chartclaim.x12.envelope import EnvelopeOptions, EnvelopeParty
    from chartclaim.x12.write837 import Receiver, Submitter, write_837

    pr = build_practice(5, n_patients=20, n_encounters=30)
    claims = _claims(pr)[:3]
    opts = EnvelopeOptions(EnvelopeParty("OAKPRAIRIE01"), EnvelopeParty("SIMCH"), timestamp=dt.datetime(2026, 4, 1, 9))
    text = write_837(claims, opts, Submitter("Oak", "OAKPRAIRIE01", "Billing", "2175550100"), Receiver("SIM", "SIMCH"),
                     x12.MemoryControlNumbers(), one_st_per_claim=True)
    # damage the second transaction set: drop its CLM segment
    sets = text.split("ST*837*")
    sets[2] = "\n".join(s for s in sets[2].split("\n") if not s.startswith("CLM*"))
    broken = "ST*837*".join(sets)
    practice_side = DirectoryDrop(tmp_path / "mb", "sim")
    practice_side.submit("837P-broken.x12", broken.encode())
    sim = SimulatedPayer(pr, 5)
    report = exchange(sim, practice_side.peer(), dt.date(2026, 4, 2), x12.MemoryControlNumbers(start=900))
    assert report.received == ["837P-broken.x12"]
    ack = report.acknowledgements[0]
    assert (ack.accepted_sets, ack.rejected_sets) == (2, 1) and len(ack.syntax_errors) == 1
    assert "CLM" in ack.syntax_errors[0] or "2300" in ack.syntax_errors[0], ack.syntax_errors
    back = {f.kind: f for f in practice_side.fetch()}
    ack999 = x12.read(io.BytesIO(back["999"].content)).models("999")[0]
    assert [t.status for t in ack999.transactions] == ["A", "R", "A"] and ack999.status == "P"
    assert pyx12_validate(back["999"].text).ok
    ca = x12.read(io.BytesIO(back["277CA"].content)).models("277CA")[0]
    assert len(ca.claims) == 2  # the two readable claims were acknowledged claim by claim
    assert pyx12_validate(back["277CA"].text).ok


def test_reversal_is_followed_by_its_correction_in_the_same_835_by_default(
        simulated: tuple[SimulatedPayer, list[tuple[object, str]]]) -> None:
    sim, _files = simulated
    assert sim.correction_same_run
    reversed_runs = [r for r in sim.runs if any(c.status == "22" for c in r.claims)]
    assert reversed_runs
    for run in reversed_runs:
        order = [(c.claim_id, c.status) for c in run.claims]
        for i, (cid, status) in enumerate(order):
            if status == "22":
                assert any(c == cid and st != "22" for c, st in order[i + 1:]), (cid, order)
