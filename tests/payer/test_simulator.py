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
