"""The simulated payer's front end and adjudication rules, on hand-built claims for demo patients."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from chartclaim.claim import Claim
from chartclaim.demo import build_practice
from chartclaim.demo.claims import build_claim
from chartclaim.demo.model import DemoPatient, DemoPractice, Encounter, Plan, Truth, TruthProcedure
from chartclaim.payer.adjudicate import ClaimResult, money, reference_amounts
from chartclaim.payer.simulator import SimulatedPayer

D = Decimal
DOS = dt.date(2026, 2, 10)


@pytest.fixture(scope="module")
def practice() -> DemoPractice:
    return build_practice(7)


def _patient(pr: DemoPractice, pred) -> DemoPatient:  # type: ignore[no-untyped-def]
    return next(p for p in pr.patients if pred(p) and not p.coverages[0].registered_member_id
                and p.coverages[0].terminated is None)


def _claim(pr: DemoPractice, p: DemoPatient, procs: list[TruthProcedure], dx: tuple[str, ...], cid: str,
           cov_index: int = 0, auth: str | None = None, dos: dt.date = DOS) -> Claim:
    enc = Encounter("E-T", p.id, pr.providers[0].npi, dos, "test", "note", Truth(dx, tuple(procs)), auth)
    return build_claim(pr, enc, dx, procs, p.coverages[cov_index], cid, dos + dt.timedelta(days=2))


def _run(sim: SimulatedPayer, claims: list[Claim], received: dt.date = DOS + dt.timedelta(days=2)) -> dict[str, list[ClaimResult]]:
    decisions = sim.receive_claims(claims, received)
    assert all(d.accepted for d in decisions), decisions
    out: dict[str, list[ClaimResult]] = {}
    for run in sim.run_payments(received + dt.timedelta(days=60)):
        for c in run.claims:
            out.setdefault(c.claim_id, []).append(c)
    return out


def _cas(r: ClaimResult, line: int = 1) -> dict[tuple[str, str], Decimal]:
    return {(a.group, a.reason): a.amount for a in r.lines[line - 1].adjustments}


def test_commercial_copay_deductible_coinsurance(practice: DemoPractice) -> None:
    p = _patient(practice, lambda p: p.coverages[0].payer_id == "87726")
    plan = Plan("PPO 1000", D("25"), D("0.20"), D("100"))
    p = dataclasses.replace(p, coverages=(dataclasses.replace(p.coverages[0], plan=plan),))
    pr = dataclasses.replace(practice, patients=tuple(p if x.id == p.id else x for x in practice.patients))
    sim = SimulatedPayer(pr, 1, reversal_rate=0, interest_rate=0, recovery_rate=0)
    c = _claim(pr, p, [TruthProcedure("99214", (), 1, ("I10",)), TruthProcedure("80061", (), 1, ("I10",))], ("I10",), "T1")
    r = _run(sim, [c])["T1"][0]
    allowed_em = money(reference_amounts(pr.charge_master)["99214"] * D("1.32"))
    cas = _cas(r)
    assert cas[("CO", "45")] == D("215.00") - allowed_em
    assert cas[("PR", "3")] == D("25")
    assert cas[("PR", "1")] == D("100")  # the whole deductible is met on the first line
    assert cas[("PR", "2")] == money((allowed_em - 125) * D("0.20"))
    assert r.lines[0].paid == allowed_em - 125 - cas[("PR", "2")]
    assert r.lines[1].allowed > 0 and ("PR", "1") not in _cas(r, 2)  # deductible already met
    assert r.status == "1" and r.balances()
    assert r.patient_responsibility == sum(a for (g, _), a in cas.items() if g == "PR") + sum(
        a for (g, _), a in _cas(r, 2).items() if g == "PR")


def test_medicare_sequestration_and_crossover_to_medigap(practice: DemoPractice) -> None:
    p = _patient(practice, lambda p: [c.payer_id for c in p.coverages] == ["06102", "MGAP1"])
    sim = SimulatedPayer(practice, 1, reversal_rate=0, interest_rate=0, recovery_rate=0)
    sim.acc.deductible_met[("06102", p.coverages[0].member_id, 2026)] = D("283")
    c = _claim(practice, p, [TruthProcedure("99213", (), 1, ("E78.5",))], ("E78.5",), "T2")
    results = _run(sim, [c])["T2"]
    primary = next(r for r in results if r.payer_id == "06102")
    medigap = next(r for r in results if r.payer_id == "MGAP1")
    allowed = reference_amounts(practice.charge_master)["99213"]
    coins = money(allowed * D("0.2"))
    cas = _cas(primary)
    assert cas[("PR", "2")] == coins
    assert cas[("CO", "253")] == money((allowed - coins) * D("0.02"))
    assert primary.status == "19" and primary.crossover_to == ("MGAP1", practice.payer("MGAP1").name)
    assert "MA18" in primary.claim_remarks
    assert medigap.status == "2" and medigap.paid == coins
    assert _cas(medigap)[("OA", "23")] == D("150.00") - coins
    assert primary.balances() and medigap.balances()


def test_denials_bundling_auth_necessity_noncovered(practice: DemoPractice) -> None:
    aetna = _patient(practice, lambda p: p.coverages[0].payer_id == "60054")
    medicare = _patient(practice, lambda p: p.coverages[0].payer_id == "06102" and len(p.coverages) == 1)
    sim = SimulatedPayer(practice, 1, reversal_rate=0, interest_rate=0, recovery_rate=0)
    no25 = _claim(practice, aetna, [TruthProcedure("99213", (), 1, ("M17.11",)),
                                    TruthProcedure("20610", ("RT",), 1, ("M17.11",))], ("M17.11",), "B1")
    with25 = _claim(practice, aetna, [TruthProcedure("99213", ("25",), 1, ("M17.11",)),
                                      TruthProcedure("20610", ("RT",), 1, ("M17.11",))], ("M17.11",), "B2",
                    auth="PA1", dos=DOS + dt.timedelta(days=1))
    vitd = _claim(practice, medicare, [TruthProcedure("82306", (), 1, ("Z00.00",)),
                                       TruthProcedure("99397", (), 1, ("Z00.00",))], ("Z00.00",), "N1")
    res = _run(sim, [no25, with25, vitd])
    b1 = res["B1"][0]
    assert _cas(b1, 1) == {("CO", "97"): D("150.00")} and b1.lines[0].remarks == ("M15",)
    assert _cas(b1, 2) == {("CO", "197"): D("180.00")} and b1.lines[1].remarks == ("M62",)  # no authorisation
    assert b1.status == "4" and b1.paid == 0
    b2 = res["B2"][0]
    assert all(not ln.denied for ln in b2.lines)
    n1 = res["N1"][0]
    assert _cas(n1, 1) == {("CO", "50"): D("80.00")} and n1.lines[0].remarks == ("N115",)
    assert _cas(n1, 2) == {("PR", "49"): D("255.00")}
    assert n1.patient_responsibility == D("255.00")


def test_timely_filing_and_duplicates(practice: DemoPractice) -> None:
    p = _patient(practice, lambda p: p.coverages[0].payer_id == "62308")
    sim = SimulatedPayer(practice, 1, reversal_rate=0, interest_rate=0, recovery_rate=0)
    late = _claim(practice, p, [TruthProcedure("99213", (), 1, ("J06.9",))], ("J06.9",), "L1")
    res = _run(sim, [late], received=DOS + dt.timedelta(days=91))
    assert _cas(res["L1"][0]) == {("CO", "29"): D("150.00")} and res["L1"][0].status == "4"
    sim2 = SimulatedPayer(practice, 1, reversal_rate=0, interest_rate=0, recovery_rate=0)
    first = _claim(practice, p, [TruthProcedure("99213", (), 1, ("J06.9",))], ("J06.9",), "D1")
    again = first.model_copy(update={"claim_id": "D2"})
    res = _run(sim2, [first, again])
    assert not res["D1"][0].lines[0].denied
    assert _cas(res["D2"][0]) == {("OA", "18"): D("150.00")}


def test_front_end_rejections(practice: DemoPractice) -> None:
    sim = SimulatedPayer(practice, 1)
    p = _patient(practice, lambda p: p.coverages[0].payer_id == "87726")
    good = _claim(practice, p, [TruthProcedure("99213", (), 1, ("J06.9",))], ("J06.9",), "F0")
    bad_member = good.model_copy(update={"claim_id": "F1", "subscriber": good.subscriber.model_copy(update={"member_id": "000000000"})})
    bad_dx = good.model_copy(update={"claim_id": "F2", "diagnoses": ("E11",)})
    bad_proc = good.model_copy(update={"claim_id": "F3", "lines": (good.lines[0].model_copy(update={"procedure": "99999"}),)})
    termed = next(x for x in practice.patients if x.coverages[0].terminated is not None)
    late_dos = termed.coverages[0].terminated + dt.timedelta(days=3)  # type: ignore[operator]
    inactive = _claim(practice, termed, [TruthProcedure("99213", (), 1, ("J06.9",))], ("J06.9",), "F4", dos=late_dos)
    typo = next(x for x in practice.patients if x.coverages[0].registered_member_id)
    mistyped = _claim(practice, typo, [TruthProcedure("99213", (), 1, ("J06.9",))], ("J06.9",), "F5")
    dec = {d.claim_id: d for d in sim.receive_claims([good, bad_member, bad_dx, bad_proc, inactive, mistyped], DOS)}
    assert dec["F0"].accepted and (dec["F0"].category, dec["F0"].status) == ("A2", "20")
    assert (dec["F1"].category, dec["F1"].status, dec["F1"].entity) == ("A7", "164", "IL")
    assert (dec["F2"].category, dec["F2"].status) == ("A7", "255")
    assert (dec["F3"].category, dec["F3"].status, dec["F3"].line) == ("A7", "454", 1)
    assert (dec["F4"].category, dec["F4"].status) == ("A3", "109")
    assert (dec["F5"].category, dec["F5"].status) == ("A7", "164")
    assert len(sim.pending) == 1  # only the accepted claim goes on to adjudication


def test_plan_excluded_diagnosis(practice: DemoPractice) -> None:
    p = _patient(practice, lambda p: p.coverages[0].payer_id == "68069")
    sim = SimulatedPayer(practice, 1, reversal_rate=0, interest_rate=0, recovery_rate=0)
    obesity = _claim(practice, p, [TruthProcedure("99213", (), 1, ("E66.9", "Z68.35"))], ("E66.9", "Z68.35"), "X1")
    mixed = _claim(practice, p, [TruthProcedure("99213", (), 1, ("I10", "E66.9"))], ("I10", "E66.9"), "X2",
                   dos=DOS + dt.timedelta(days=1))
    res = _run(sim, [obesity, mixed])
    assert _cas(res["X1"][0]) == {("PR", "204"): D("150.00")} and res["X1"][0].lines[0].remarks == ("N130",)
    assert not res["X2"][0].lines[0].denied  # hypertension is covered
