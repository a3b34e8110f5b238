"""The demo practice: a synthetic family-medicine group with its payers, patients and three months of visits.

`build_practice(seed)` is deterministic: every random choice comes from one `random.Random(seed)` threaded
through in a fixed order, so the same seed gives the same practice, notes and truth byte for byte.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import random
from decimal import Decimal
from importlib import resources

from chartclaim.claim import Address
from chartclaim.demo import names, notes
from chartclaim.demo.model import (
    ChargeItem,
    Coverage,
    DemoPatient,
    DemoPractice,
    Encounter,
    Location,
    Organisation,
    PayerProfile,
    Plan,
    Provider,
)

PERIOD = (dt.date(2026, 1, 5), dt.date(2026, 3, 31))


# ----------------------------------------------------------------------------------------------------------
# Identifiers
# ----------------------------------------------------------------------------------------------------------


def npi_check_digit(first9: str) -> str:
    """Luhn check digit over '80840' + the first nine digits (the NPI standard's card-issuer prefix)."""
    digits = [int(c) for c in "80840" + first9]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:  # positions that are doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def make_npi(rng: random.Random, first: str = "1") -> str:
    body = first + "".join(str(rng.randrange(10)) for _ in range(8))
    return body + npi_check_digit(body)


def npi_is_valid(npi: str) -> bool:
    return len(npi) == 10 and npi.isdigit() and npi_check_digit(npi[:9]) == npi[9]


_MBI_ALPHA = "ACDEFGHJKMNPQRTUVWXY"  # MBI letters exclude S, L, O, I, B, Z


def make_mbi(rng: random.Random) -> str:
    """A Medicare Beneficiary Identifier in the CMS format (C A AN N A AN N A A N N)."""
    def alnum() -> str:
        return rng.choice(_MBI_ALPHA + "0123456789")
    return "".join((str(rng.randint(1, 9)), rng.choice(_MBI_ALPHA), alnum(), str(rng.randrange(10)),
                    rng.choice(_MBI_ALPHA), alnum(), str(rng.randrange(10)), rng.choice(_MBI_ALPHA),
                    rng.choice(_MBI_ALPHA), str(rng.randrange(10)), str(rng.randrange(10))))


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def make_member_id(rng: random.Random, payer: PayerProfile) -> str:
    if payer.kind == "medicare":
        return make_mbi(rng)
    style = {"87726": lambda: _digits(rng, 9), "60054": lambda: "W" + _digits(rng, 9),
             "62308": lambda: "U" + _digits(rng, 8) + "01", "00621": lambda: "XOF" + _digits(rng, 9),
             "61101": lambda: "H" + _digits(rng, 8), "ILMCD": lambda: _digits(rng, 9),
             "13189": lambda: "M" + _digits(rng, 9), "99726": lambda: _digits(rng, 11),
             "MGAP1": lambda: "MG" + _digits(rng, 8), "68069": lambda: "AMB" + _digits(rng, 8)}
    return style.get(payer.id, lambda: _digits(rng, 10))()


# ----------------------------------------------------------------------------------------------------------
# The practice's fixed parts
# ----------------------------------------------------------------------------------------------------------


def _addr(line1: str, city: str, zip5: str, state: str = "IL") -> Address:
    return Address(line1=line1, city=city, state=state, zip=zip5)


def load_charge_master() -> dict[str, ChargeItem]:
    text = resources.files("chartclaim.data").joinpath("demo/charges.csv").read_text(encoding="utf-8")
    out: dict[str, ChargeItem] = {}
    for row in csv.DictReader(text.splitlines()):
        out[row["code"]] = ChargeItem(row["code"], row["label"], Decimal(row["charge"]), Decimal(row["base_allowed"]))
    return out


_PREVENTIVE = ("99385", "99386", "99387", "99391", "99392", "99393", "99394", "99395", "99396", "99397",
               "G0438", "G0439", "G0444", "90656", "90662", "90715", "90677", "90750", "90696", "90710", "90734",
               "90651", "90471", "90472", "90460", "90461", "G0008", "80061")


def default_payers() -> tuple[PayerProfile, ...]:
    """Ten payers of a midwestern family practice, with contract terms the simulated payer applies."""
    vit_d_ok = ("E55", "M81", "N18", "E21", "K90", "E11.22")
    return (
        PayerProfile("06102", "Medicare Part B (Great Lakes MAC)", "medicare", "MB", 365, Decimal("1.00"), "ACH",
                     _addr("PO Box 6475", "Indianapolis", "46206", "IN"), crossover_to="MGAP1",
                     non_covered=("99385", "99386", "99387", "99395", "99396", "99397", "90750"),
                     necessity=(("82306", vit_d_ok), ("83036", ("E08", "E09", "E10", "E11", "E13", "R73", "O24")))),
        PayerProfile("ILMCD", "Illinois Medicaid", "medicaid", "MC", 180, Decimal("0.72"), "ACH",
                     _addr("PO Box 19105", "Springfield", "62794"), preventive_free=True),
        PayerProfile("13189", "Prairie Health Medicaid Plan", "medicaid", "MC", 180, Decimal("0.78"), "CHK",
                     _addr("PO Box 3448", "Chicago", "60654"), auth_required=("20610",)),
        PayerProfile("87726", "UnitedHealthcare", "commercial", "CI", 90, Decimal("1.32"), "ACH",
                     _addr("PO Box 30555", "Salt Lake City", "84130", "UT"),
                     necessity=(("82306", vit_d_ok),)),
        PayerProfile("60054", "Aetna", "commercial", "CI", 120, Decimal("1.28"), "ACH",
                     _addr("PO Box 981106", "El Paso", "79998", "TX"), auth_required=("20610",)),
        PayerProfile("62308", "Cigna", "commercial", "CI", 90, Decimal("1.25"), "CHK",
                     _addr("PO Box 188061", "Chattanooga", "37422", "TN")),
        PayerProfile("00621", "Blue Cross Blue Shield of Illinois", "commercial", "BL", 180, Decimal("1.38"), "ACH",
                     _addr("PO Box 805107", "Chicago", "60680")),
        PayerProfile("61101", "Humana Medicare Advantage", "medicare_advantage", "16", 365, Decimal("1.02"), "ACH",
                     _addr("PO Box 14601", "Lexington", "40512", "KY"),
                     non_covered=("99385", "99386", "99387", "99395", "99396", "99397")),
        PayerProfile("68069", "Ambetter Marketplace", "commercial", "CI", 95, Decimal("1.10"), "CHK",
                     _addr("PO Box 5010", "Farmington", "63640", "MO"),
                     non_covered_dx=("E66", "Z68")),  # the plan excludes weight-management visits
        PayerProfile("MGAP1", "Heartland Medigap Plan G", "medigap", "CI", 365, Decimal("1.00"), "CHK",
                     _addr("PO Box 2210", "Omaha", "68103", "NE")),
        PayerProfile("99726", "TRICARE East", "tricare", "CH", 365, Decimal("0.98"), "ACH",
                     _addr("PO Box 7981", "Madison", "53707", "WI")),
    )


_PLANS = {
    "medicare": (Plan("Original Medicare Part B", Decimal("0"), Decimal("0.20"), Decimal("283.00")),),
    "medicaid": (Plan("Medicaid", Decimal("0"), Decimal("0"), Decimal("0")),
                 Plan("Medicaid (adult copay)", Decimal("3.90"), Decimal("0"), Decimal("0"))),
    "medicare_advantage": (Plan("MA PPO", Decimal("15"), Decimal("0"), Decimal("0")),
                           Plan("MA HMO", Decimal("0"), Decimal("0"), Decimal("0"))),
    "commercial": (Plan("PPO 1000", Decimal("25"), Decimal("0.20"), Decimal("1000")),
                   Plan("HDHP 3000", Decimal("0"), Decimal("0.10"), Decimal("3000")),
                   Plan("HMO Select", Decimal("30"), Decimal("0"), Decimal("0")),
                   Plan("PPO 500", Decimal("20"), Decimal("0.20"), Decimal("500")),
                   Plan("EPO 2000", Decimal("35"), Decimal("0.30"), Decimal("2000"))),
    "medigap": (Plan("Plan G", Decimal("0"), Decimal("0"), Decimal("0")),),
    "tricare": (Plan("TRICARE Select", Decimal("15"), Decimal("0"), Decimal("150")),),
}


# ----------------------------------------------------------------------------------------------------------
# Generation
# ----------------------------------------------------------------------------------------------------------


def _address(rng: random.Random) -> Address:
    city, state, prefix = rng.choice(names.CITIES)
    return Address(line1=f"{rng.randint(100, 9899)} {rng.choice(names.STREETS)} {rng.choice(names.STREET_KINDS)}",
                   city=city, state=state, zip=prefix + f"{rng.randrange(100):02d}")


def _dob(rng: random.Random, age: int, on: dt.date) -> dt.date:
    return on - dt.timedelta(days=age * 365 + rng.randrange(365) + age // 4)


def _age_draw(rng: random.Random) -> int:
    band = rng.random()
    if band < 0.14:
        return rng.randint(1, 17)
    if band < 0.50:
        return rng.randint(18, 49)
    if band < 0.70:
        return rng.randint(50, 64)
    return rng.randint(65, 91)


def _coverages(rng: random.Random, payers: dict[str, PayerProfile], age: int, first: str, last: str, dob: dt.date,
               sex: str) -> tuple[Coverage, ...]:
    start = dt.date(2025, 1, 1)

    def cov(pid: str, priority: str, rel: str = "18", sub: tuple[str, str, dt.date, str] | None = None) -> Coverage:
        payer = payers[pid]
        plan = rng.choice(_PLANS[payer.kind])
        sf, sl, sd, ss = sub or (first, last, dob, sex)
        group = None if payer.kind in ("medicare", "medicaid", "medigap", "tricare") else f"G{rng.randint(10000, 99999)}"
        return Coverage(pid, make_member_id(rng, payer), group, priority, rel, sf, sl, sd, ss, plan, start)  # type: ignore[arg-type]

    if age >= 65:
        if rng.random() < 0.25:
            return (cov("61101", "P"),)
        primary = cov("06102", "P")
        r = rng.random()
        if r < 0.40:
            return (primary, cov("MGAP1", "S"))
        if r < 0.52:
            return (primary, cov("ILMCD", "S"))
        return (primary,)
    if age < 18:
        if rng.random() < 0.45:
            return (cov(rng.choice(("ILMCD", "13189")), "P", "18"),)
        parent = (rng.choice(names.FEMALE_FIRST + names.MALE_FIRST), last, _dob(rng, rng.randint(28, 50), PERIOD[0]),
                  rng.choice(("F", "M")))
        return (cov(rng.choice(("87726", "60054", "62308", "00621", "68069")), "P", "19", parent),)
    r = rng.random()
    if r < 0.14:
        return (cov(rng.choice(("ILMCD", "13189")), "P"),)
    if r < 0.18:
        return (cov("99726", "P"),)
    pid = rng.choice(("87726", "87726", "60054", "62308", "00621", "00621", "68069"))
    if rng.random() < 0.12 and age >= 25:
        spouse = (rng.choice(names.MALE_FIRST if sex == "F" else names.FEMALE_FIRST), last,
                  _dob(rng, age + rng.randint(-4, 4), PERIOD[0]), "M" if sex == "F" else "F")
        other = rng.choice([p for p in ("87726", "60054", "62308", "00621") if p != pid])
        return (cov(pid, "P"), cov(other, "S", "01", spouse))
    return (cov(pid, "P"),)


def _patients(rng: random.Random, payers: dict[str, PayerProfile], n: int) -> list[DemoPatient]:
    out: list[DemoPatient] = []
    used: set[tuple[str, str]] = set()
    while len(out) < n:
        sex = "F" if rng.random() < 0.54 else "M"
        first = rng.choice(names.FEMALE_FIRST if sex == "F" else names.MALE_FIRST)
        last = rng.choice(names.LAST)
        if (first, last) in used:
            continue
        used.add((first, last))
        age = _age_draw(rng)
        dob = _dob(rng, age, PERIOD[0])
        problems = notes.choose_problems(rng, age, sex)
        family, surgeries, allergies, smoker, former = notes.choose_history(rng, age, sex)
        past = notes.choose_past(rng, age, sex)
        bmi = (Decimal(rng.randint(300, 439)) / 10) if "obesity" in problems else None
        covs = _coverages(rng, payers, age, first, last, dob, sex)
        out.append(DemoPatient(
            id=f"P{len(out) + 1:05d}", first_name=first, last_name=last, dob=dob, sex=sex,  # type: ignore[arg-type]
            address=_address(rng), phone=f"217-555-{rng.randint(100, 199):04d}", coverages=covs, problems=problems,
            allergies=allergies, smoker=smoker, former_smoker=former, family_history=family,
            surgical_history=surgeries, past_history=past, bmi=bmi, new_patient=rng.random() < 0.1))
    return out


def _weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days = []
    d = start
    while d <= end:
        if d.weekday() < 5:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def _front_desk_errors(rng: random.Random, patients: list[DemoPatient]) -> list[DemoPatient]:
    """Registration mistakes the payer's front end will catch: a mistyped member id, coverage that ended."""
    out = []
    for p in patients:
        covs = list(p.coverages)
        r = rng.random()
        if r < 0.025:
            c = covs[0]
            wrong = c.member_id[:-2] + c.member_id[-1] + c.member_id[-2]
            if wrong == c.member_id:
                wrong = c.member_id[:-1] + ("7" if c.member_id[-1] != "7" else "3")
            covs[0] = dataclasses.replace(c, registered_member_id=wrong)
        elif r < 0.045 and covs[0].payer_id not in ("06102",):
            covs[0] = dataclasses.replace(covs[0], terminated=dt.date(2026, 1, 31) + dt.timedelta(days=rng.choice((0, 28))))
        out.append(dataclasses.replace(p, coverages=tuple(covs)))
    return out


def build_practice(seed: int = 7, n_patients: int = 200, n_encounters: int = 1000) -> DemoPractice:
    rng = random.Random(seed)
    org = Organisation("Oak Prairie Family Medicine", make_npi(rng), f"{rng.randint(10, 99)}{_digits(rng, 7)}",
                       "207Q00000X", _addr("1200 Prairie Crossing Dr Ste 100", "Springfield", "627041822"),
                       "2175550100")
    providers = (
        Provider(make_npi(rng), "Helena", "Marchetti", "MD", "207Q00000X"),
        Provider(make_npi(rng), "Idris", "Okonkwo", "DO", "208D00000X"),
        Provider(make_npi(rng), "Marisol", "Lindqvist", "NP", "363LF0000X"),
    )
    location = Location("Oak Prairie main office", "11", org.address)
    payers = default_payers()
    by_id = {p.id: p for p in payers}
    patients = _front_desk_errors(rng, _patients(rng, by_id, n_patients))
    charge_master = load_charge_master()

    # Plan the visits: who comes in, when and why. Chronic patients come more often.
    days = _weekdays(*PERIOD)
    weights = [1.0 + 0.8 * len(p.problems) + (0.5 if p.age_on(PERIOD[0]) >= 65 else 0) for p in patients]
    planned: list[tuple[dt.date, int, str]] = []
    had_preventive: set[str] = set()
    had_flu: set[str] = set()
    booked: set[tuple[dt.date, int]] = set()
    while len(planned) < n_encounters:
        idx = rng.choices(range(len(patients)), weights)[0]
        p = patients[idx]
        day = rng.choice(days)
        if (day, idx) in booked:
            continue  # one visit per patient per day
        options: list[tuple[str, float]] = [("acute", 3.0), ("injury", 0.9), ("procedure", 0.8)]
        if p.problems:
            options.append(("chronic", 4.5))
        if p.id not in had_preventive:
            options.append(("preventive", 1.6))
        if p.id not in had_flu and day.month == 1:
            options.append(("flu", 0.8))
        if p.age_on(day) >= 18 and any(k.startswith(("depression", "anxiety", "htn", "hypothyroid", "gerd"))
                                       for k in p.problems):
            options.append(("telehealth", 0.5))
        kind = rng.choices([o[0] for o in options], [o[1] for o in options])[0]
        if kind == "preventive":
            had_preventive.add(p.id)
        if kind == "flu":
            had_flu.add(p.id)
        planned.append((day, idx, kind))
        booked.add((day, idx))
        if kind == "injury" and rng.random() < 0.25 and day + dt.timedelta(days=14) <= PERIOD[1]:
            follow = day + dt.timedelta(days=14)
            while follow.weekday() >= 5:
                follow += dt.timedelta(days=1)
            if follow <= PERIOD[1] and (follow, idx) not in booked:
                planned.append((follow, idx, "injury_fu"))
                booked.add((follow, idx))
    planned.sort(key=lambda t: (t[0], t[1], t[2]))

    encounters: list[Encounter] = []
    seen: set[str] = set()
    last_injury: dict[str, str] = {}
    provider_of: dict[str, Provider] = {}
    for n, (day, idx, kind) in enumerate(planned, 1):
        p = patients[idx]
        medicare = p.coverages[0].payer_id == "06102"
        prov = provider_of.setdefault(p.id, rng.choice(providers))
        if rng.random() < 0.15:
            prov = rng.choice(providers)  # cross-coverage
        if kind == "chronic":
            v = notes.scenario_chronic(rng, p, day)
        elif kind == "acute":
            v = notes.scenario_acute(rng, p, day)
        elif kind == "injury":
            v = notes.scenario_injury(rng, p, day)
            last_injury[p.id] = v.dx[0] if v.dx else ""
        elif kind == "injury_fu":
            prior = last_injury.get(p.id, "")
            v = (notes.scenario_injury(rng, p, day, follow_up_of="ankle_fu") if prior.startswith("S93")
                 else notes.scenario_chronic(rng, p, day) if p.problems else notes.scenario_acute(rng, p, day))
        elif kind == "preventive":
            v = notes.scenario_preventive(rng, p, day, medicare)
        elif kind == "flu":
            v = notes.scenario_flu_shot(rng, p, day, medicare)
        elif kind == "telehealth":
            v = notes.scenario_telehealth(rng, p, day)
        else:
            v = notes.scenario_procedure(rng, p, day)
        first_visit = p.id not in seen
        seen.add(p.id)
        if first_visit and p.new_patient and v.em:
            v.em = _new_patient_code(v.em)
        style = notes.STYLES[providers.index(prov)]
        text = notes.render(rng, v, p, day, style, f"{prov.first_name} {prov.last_name}, {prov.credential}")
        truth = notes.truth_of(v)
        auth = None
        if v.needs_auth and rng.random() < 0.8:
            auth = f"PA{_digits(rng, 8)}"
        # The biller submits within days; a few claims sit in a drawer past the payer's filing limit.
        lag = rng.choice((1, 1, 2, 2, 3, 4, 6, 9))
        if rng.random() < 0.012:
            lag = rng.choice((100, 130, 200))
        encounters.append(Encounter(f"E{n:06d}", p.id, prov.npi, day, v.kind, text, truth, auth,
                                    day + dt.timedelta(days=lag), "10" if v.telehealth else "11"))
    return DemoPractice(seed, org, providers, location, payers, tuple(patients), tuple(encounters), charge_master,
                        PERIOD)


def _new_patient_code(code: str) -> str:
    if code.startswith("9921") and code != "99211":
        return "9920" + code[-1]
    if code.startswith("9939"):
        return "9938" + code[-1] if code[-1] in "567" else code
    return code
