"""Builds the reviewer evaluation set (clean.json, planted.json, expected.json) — run it to regenerate.

Written as a billing-QA reviewer would: realistic claims for six practices in the issue's JSON form, the
clean ones as a careful biller would send them, the planted ones each with ONE error. Code facts (PTP pairs
and indicators, MUE values and MAIs, add-on primaries, MCE flags) were looked up in the CMS tables under
../shared/data/reference; nothing is invented.

    .venv/bin/python tests/edits/reviewer/make_set.py
"""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent

ADDR = {"line1": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62701"}
PRACTICES: dict[str, dict[str, Any]] = {
    "fp": {"billing_provider": {"npi": "1234567893", "tax_id": "123456789", "name": "Oak Family Medicine",
                                "taxonomy": "207Q00000X", "address": ADDR},
           "rendering_provider": {"npi": "1245319599", "first_name": "Ana", "last_name": "Diaz"}, "pos": "11"},
    "ortho": {"billing_provider": {"npi": "1234567802", "tax_id": "36-1234567", "name": "Summit Orthopaedics",
                                   "taxonomy": "207X00000X",
                                   "address": {"line1": "400 Bone Ave", "line2": "Suite 2", "city": "Peoria",
                                               "state": "IL", "zip": "61602-1234"}},
              "rendering_provider": {"npi": "1234567810", "first_name": "Raj", "last_name": "Mehta"}, "pos": "11"},
    "peds": {"billing_provider": {"npi": "1234567828", "tax_id": "371234567", "name": "Sunny Pediatrics",
                                  "taxonomy": "208000000X",
                                  "address": {"line1": "9 Maple Dr", "city": "Champaign", "state": "IL",
                                              "zip": "61820"}},
             "rendering_provider": {"npi": "1234567836", "first_name": "Grace", "last_name": "Okafor"}, "pos": "11"},
    "obgyn": {"billing_provider": {"npi": "1234567844", "tax_id": "371234568", "name": "Lakeside Women's Health",
                                   "taxonomy": "207V00000X",
                                   "address": {"line1": "77 Lake St", "city": "Chicago", "state": "IL",
                                               "zip": "60601"}},
              "rendering_provider": {"npi": "1234567851", "first_name": "Maria", "last_name": "Santos"}, "pos": "11"},
    "lab": {"billing_provider": {"npi": "1234567869", "tax_id": "371234569", "name": "Prairie Clinical Lab",
                                 "taxonomy": "291U00000X",
                                 "address": {"line1": "5 Lab Way", "city": "Springfield", "state": "IL",
                                             "zip": "62702"}},
            "pos": "81"},
    "uc": {"billing_provider": {"npi": "1234567877", "tax_id": "371234570", "name": "QuickCare Urgent Care",
                                "taxonomy": "261QU0200X",
                                "address": {"line1": "12 Route 66", "city": "Bloomington", "state": "IL",
                                            "zip": "61701"}},
           "rendering_provider": {"npi": "1234567885", "first_name": "Tom", "last_name": "Baker"}, "pos": "20"},
}
PAYERS = {
    "uhc": {"id": "87726", "name": "UnitedHealthcare", "timely_filing_days": 90},
    "aetna": {"id": "60054", "name": "Aetna", "timely_filing_days": 120},
    "bcbs": {"id": "00621", "name": "Blue Cross Blue Shield of Illinois", "timely_filing_days": 180,
             "filing_indicator": "BL"},
    "cigna": {"id": "62308", "name": "Cigna", "timely_filing_days": 90},
    "medicare": {"id": "12502", "name": "Medicare Part B (Novitas)", "filing_indicator": "MB"},
    "medicaid": {"id": "77046", "name": "Illinois Medicaid", "timely_filing_days": 180, "filing_indicator": "MC"},
}
_seq = itertools.count(1)


def person(first: str, last: str, dob: str, sex: str) -> dict[str, Any]:
    n = next(_seq)
    return {"member_id": f"W{n:03d}{sum(map(ord, last)) * 37 % 100000:05d}X", "first_name": first, "last_name": last,
            "dob": dob, "sex": sex, "address": {"line1": f"{n} Elm St", "city": "Springfield", "state": "IL",
                                                "zip": "62701"}}


def ln(proc: str, charge: str, dos: str, ptr: list[int] | int = 1, mods: list[str] | None = None,
       units: Any = 1, **kw: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"procedure": proc, "charge": charge, "date_of_service": dos,
                         "dx_pointers": ptr if isinstance(ptr, list) else [ptr], "units": units}
    if mods:
        d["modifiers"] = mods
    d.update(kw)
    return d


def claim(cid: str, prac: str, payer: str, sub: dict[str, Any], dx: list[str], lines: list[dict[str, Any]],
          patient: dict[str, Any] | None = None, submitted: str | None = "auto", **extra: Any) -> dict[str, Any]:
    p = PRACTICES[prac]
    c: dict[str, Any] = {"claim_id": cid, "frequency": "1"}
    last = max(x["date_of_service"] for x in lines)
    if submitted == "auto":
        y, m, d = map(int, last.split("-"))
        c["submitted_on"] = f"{y:04d}-{m:02d}-{min(d + 3, 28):02d}" if d <= 25 else f"{y:04d}-{m:02d}-28"
    elif submitted:
        c["submitted_on"] = submitted
    c["place_of_service"] = p["pos"]
    c["payer"] = copy.deepcopy(PAYERS[payer])
    c["billing_provider"] = copy.deepcopy(p["billing_provider"])
    if "rendering_provider" in p:
        c["rendering_provider"] = copy.deepcopy(p["rendering_provider"])
    c["subscriber"] = sub
    if patient is not None:
        c["patient"] = patient
    c["diagnoses"] = dx
    c["lines"] = lines
    if prac == "lab" and extra.get("claim_type") != "institutional":
        c["referring_provider"] = {"npi": "1245319599", "first_name": "Ana", "last_name": "Diaz"}
    c.update(extra)
    return c


def kid(first: str, last: str, dob: str, sex: str, rel: str = "19") -> dict[str, Any]:
    return {"first_name": first, "last_name": last, "dob": dob, "sex": sex, "relationship": rel}


# ------------------------------------------------------------------ clean claims
D1, D2, D3, D4 = "2026-06-15", "2026-08-04", "2026-10-06", "2026-11-10"


def clean_claims() -> list[dict[str, Any]]:
    C: list[dict[str, Any]] = []
    a = C.append
    # Family practice --------------------------------------------------------------
    a(claim("FP-01", "fp", "uhc", person("Lee", "Park", "1960-01-31", "F"), ["E11.22", "N18.31", "Z79.4"],
            [ln("99214", "150.00", D1, [1, 2, 3])]))
    a(claim("FP-02", "fp", "aetna", person("Sam", "Reyes", "1988-04-02", "M"), ["J02.9"],
            [ln("99213", "110.00", D3), ln("87880", "25.00", D3, mods=["QW"])]))
    a(claim("FP-03", "fp", "bcbs", person("Nia", "Brown", "1979-07-19", "F"), ["Z00.00", "E78.5"],
            [ln("99396", "220.00", D2, [1, 2]), ln("80061", "45.00", D2, [2]), ln("36415", "12.00", D2, [2])]))
    a(claim("FP-04", "fp", "cigna", person("Omar", "Haddad", "1971-03-03", "M"), ["Z00.01", "I10", "E78.5"],
            [ln("99396", "220.00", D4, [1]), ln("99213", "110.00", D4, [2, 3], ["25"])]))
    a(claim("FP-05", "fp", "uhc", person("Eve", "Stone", "1990-10-10", "F"), ["Z23"],
            [ln("90686", "30.00", D3), ln("90471", "25.00", D3)]))
    a(claim("FP-06", "fp", "medicare", person("Walt", "Kowalski", "1952-05-14", "M"), ["Z00.00", "I10"],
            [ln("G0439", "175.00", D2, [1, 2])]))
    a(claim("FP-07", "fp", "medicare", person("June", "Carter", "1949-11-22", "F"), ["I10", "E78.5"],
            [ln("99214", "150.00", D1, [1, 2]), ln("G2211", "16.00", D1, [1, 2])]))
    a(claim("FP-08", "fp", "bcbs", person("Hal", "Jordan", "1966-08-08", "M"), ["D51.0"],
            [ln("96372", "25.00", D3), ln("J3420", "15.00", D3)]))
    a(claim("FP-09", "fp", "uhc", person("Ivy", "Chen", "1994-02-14", "F"), ["F41.1"],
            [ln("99213", "110.00", D4, mods=["95"])], place_of_service="10"))
    a(claim("FP-10", "fp", "medicare", person("Al", "Green", "1950-06-01", "M"), ["E11.9", "I10"],
            [ln("99214", "150.00", D3, [1, 2], ["95"])], place_of_service="10"))
    a(claim("FP-11", "fp", "aetna", person("Ben", "Ortiz", "1975-12-12", "M"), ["R07.9"],
            [ln("99214", "150.00", D2, mods=["25"]), ln("93000", "60.00", D2)]))
    a(claim("FP-12", "fp", "cigna", person("Zoe", "Adler", "1983-09-09", "F"), ["F17.210"],
            [ln("99213", "110.00", D1, mods=["25"]), ln("99406", "30.00", D1)]))
    a(claim("FP-13", "fp", "bcbs", person("Kai", "Lund", "1992-01-05", "M"), ["B07.8"],
            [ln("17110", "95.00", D3)]))
    a(claim("FP-14", "fp", "medicare", person("Rosa", "Diaz", "1948-03-30", "F"), ["E55.9"],
            [ln("99213", "110.00", D2), ln("82306", "40.00", D2)], place_of_service="11"))
    # secondary claim: Medicare primary paid, Medigap-style commercial secondary
    sub = person("Ned", "Stark", "1951-04-04", "M")
    a(claim("FP-15", "fp", "bcbs", sub, ["I10"], [ln("99213", "110.00", D3)], payer_responsibility="S",
            other_payers=[{"payer": PAYERS["medicare"], "subscriber": {k: sub[k] for k in
                                                                        ("member_id", "first_name", "last_name",
                                                                         "dob", "sex")},
                           "responsibility": "P", "paid": "72.40", "adjudicated_on": "2026-10-20",
                           "adjustments": [{"group": "CO", "reason": "45", "amount": "19.50"},
                                           {"group": "PR", "reason": "2", "amount": "18.10"}]}]))
    # spouse on the subscriber's plan
    a(claim("FP-16", "fp", "aetna", person("Mark", "Lane", "1970-02-02", "M"), ["J01.90"],
            [ln("99213", "110.00", D4)], patient=kid("Lois", "Lane", "1972-05-05", "F", "01")))
    a(claim("FP-17", "fp", "uhc", person("Tia", "Moss", "1985-05-25", "F"), ["N39.0"],
            [ln("99213", "110.00", D1), ln("81002", "10.00", D1)]))
    a(claim("FP-18", "fp", "medicare", person("Gus", "Fring", "1953-09-09", "M"), ["Z00.00", "Z13.31"],
            [ln("G0439", "175.00", D4, [1]), ln("G0444", "20.00", D4, [2])]))
    # Orthopaedics -----------------------------------------------------------------
    a(claim("OR-01", "ortho", "bcbs", person("Dan", "Frost", "1958-07-07", "M"), ["M17.11"],
            [ln("99204", "240.00", D1), ln("73562", "80.00", D1, mods=["RT"])]))
    a(claim("OR-02", "ortho", "uhc", person("Meg", "Hart", "1962-03-12", "F"), ["M17.11"],
            [ln("99214", "150.00", D2, mods=["25"]), ln("20610", "120.00", D2, mods=["RT"]),
             ln("J3301", "20.00", D2, units=4)]))
    a(claim("OR-03", "ortho", "medicare", person("Bob", "Dole", "1947-07-22", "M"), ["M17.0"],
            [ln("20610", "120.00", D3, mods=["RT"]), ln("20610", "120.00", D3, mods=["LT"]),
             ln("J3301", "20.00", D3, units=8)]))
    a(claim("OR-04", "ortho", "aetna", person("Amy", "Pond", "1990-06-06", "F"), ["M65.331"],
            [ln("20550", "100.00", D4, mods=["F7"])]))
    a(claim("OR-05", "ortho", "cigna", person("Rory", "Williams", "1989-08-08", "M"), ["M23.221"],
            [ln("29881", "1800.00", D2, mods=["RT"])], place_of_service="24"))
    a(claim("OR-06", "ortho", "aetna", person("Lia", "Fox", "1977-04-04", "F"), ["M75.121"],
            [ln("73221", "900.00", D3, mods=["RT"])], prior_authorization="A1234567"))
    a(claim("OR-07", "ortho", "bcbs", person("Cal", "Hunt", "2001-10-10", "M"), ["S93.401A", "W10.8XXA"],
            [ln("99203", "160.00", D4, [1, 2]), ln("73610", "70.00", D4, [1], ["RT"])]))
    a(claim("OR-08", "ortho", "uhc", person("Pia", "Lopez", "1995-01-15", "F"), ["S52.501A", "W19.XXXA"],
            [ln("25600", "450.00", D1, [1, 2], ["RT"]), ln("73110", "75.00", D1, [1], ["RT"])]))
    a(claim("OR-09", "ortho", "medicare", person("Ira", "Glass", "1949-12-01", "M"), ["M19.011", "M19.012"],
            [ln("20610", "120.00", D2, [1], ["RT"]), ln("20610", "120.00", D2, [2], ["LT"])]))
    a(claim("OR-10", "ortho", "aetna", person("Jo", "March", "1968-02-28", "F"), ["M81.0"],
            [ln("99213", "110.00", D3)]))
    # Pediatrics (parent is the subscriber) -------------------------------------------
    a(claim("PD-01", "peds", "uhc", person("Ana", "Silva", "1990-02-02", "F"), ["Z00.110"],
            [ln("99391", "150.00", "2026-09-07")], patient=kid("Leo", "Silva", "2026-09-01", "M")))
    a(claim("PD-02", "peds", "bcbs", person("Raj", "Patel", "1987-05-05", "M"), ["Z00.129", "Z23"],
            [ln("99391", "150.00", D3, [1], ["25"]), ln("90723", "95.00", D3, [2]), ln("90670", "250.00", D3, [2]),
             ln("90680", "110.00", D3, [2]), ln("90460", "75.00", D3, [2], units=3),
             ln("90461", "60.00", D3, [2], units=4)],
            patient=kid("Mia", "Patel", "2026-08-06", "F")))
    a(claim("PD-03", "peds", "aetna", person("Kim", "Nguyen", "1989-11-11", "F"), ["Z00.129", "Z13.42"],
            [ln("99392", "160.00", D2, [1]), ln("96110", "15.00", D2, [2])],
            patient=kid("Bao", "Nguyen", "2022-07-01", "M")))
    a(claim("PD-04", "peds", "medicaid", person("Lena", "Ruiz", "1993-03-03", "F"), ["H66.91"],
            [ln("99213", "95.00", D4), ln("92567", "30.00", D4)], patient=kid("Eli", "Ruiz", "2023-01-20", "M")))
    a(claim("PD-05", "peds", "uhc", person("Tom", "Hill", "1984-04-04", "M"), ["J45.41"],
            [ln("99214", "140.00", D1, mods=["25"]), ln("94640", "35.00", D1), ln("J7613", "5.00", D1, units=3)],
            patient=kid("Ada", "Hill", "2016-06-06", "F")))
    a(claim("PD-06", "peds", "cigna", person("Sue", "Kim", "1986-06-06", "F"), ["J02.0"],
            [ln("99213", "95.00", D3), ln("87880", "25.00", D3, mods=["QW"])],
            patient=kid("Jin", "Kim", "2018-09-09", "M")))
    a(claim("PD-07", "peds", "bcbs", person("Ray", "Cole", "1982-08-08", "M"), ["F90.2"],
            [ln("99214", "140.00", D2)], patient=kid("Max", "Cole", "2016-01-10", "M")))
    a(claim("PD-08", "peds", "aetna", person("Val", "Ng", "1985-10-10", "F"), ["Z00.129", "Z13.31"],
            [ln("99394", "180.00", D4, [1]), ln("96127", "10.00", D4, [2])],
            patient=kid("Ivy", "Ng", "2013-03-03", "F")))
    a(claim("PD-09", "peds", "medicaid", person("Joy", "Webb", "1999-07-07", "F"), ["P59.9"],
            [ln("99213", "95.00", "2026-11-05")], patient=kid("Finn", "Webb", "2026-11-01", "M")))
    a(claim("PD-10", "peds", "uhc", person("Ken", "Ito", "1988-12-12", "M"), ["Z00.129", "Z23"],
            [ln("99393", "170.00", D3, [1], ["25"]), ln("90686", "30.00", D3, [2]), ln("90460", "25.00", D3, [2])],
            patient=kid("Yui", "Ito", "2020-05-05", "F")))
    # OB-GYN -------------------------------------------------------------------------
    a(claim("OB-01", "obgyn", "bcbs", person("Ella", "Fitz", "1986-01-01", "F"), ["Z01.419"],
            [ln("99395", "200.00", D1, [1])]))
    a(claim("OB-02", "obgyn", "medicare", person("Dora", "Mae", "1956-02-02", "F"), ["Z12.72", "Z90.710"],
            [ln("G0101", "50.00", D2, [1, 2]), ln("Q0091", "45.00", D2, [1, 2])]))
    a(claim("OB-03", "obgyn", "uhc", person("Kate", "Moss", "1997-03-03", "F"), ["O80", "Z37.0", "Z3A.39"],
            [ln("59400", "3200.00", D3, [1, 2, 3])], place_of_service="21"))
    a(claim("OB-04", "obgyn", "aetna", person("Gia", "Russo", "1995-04-04", "F"), ["Z34.02", "Z3A.20"],
            [ln("76805", "250.00", D2, [1, 2])]))
    a(claim("OB-05", "obgyn", "cigna", person("Rae", "Long", "1991-05-05", "F"), ["O24.410", "Z3A.28"],
            [ln("99213", "110.00", D4, [1, 2])]))
    a(claim("OB-06", "obgyn", "bcbs", person("Uma", "Ray", "1993-06-06", "F"), ["Z30.430"],
            [ln("58300", "180.00", D1), ln("J7300", "900.00", D1)]))
    a(claim("OB-07", "obgyn", "uhc", person("Liv", "Berg", "1988-07-07", "F"), ["R87.612"],
            [ln("57454", "300.00", D3)]))
    a(claim("OB-08", "obgyn", "aetna", person("Ola", "Ness", "1999-08-08", "F"), ["Z30.011"],
            [ln("99213", "110.00", D4), ln("81025", "15.00", D4)]))
    a(claim("OB-09", "obgyn", "medicaid", person("Ruth", "Bell", "1975-09-09", "F"), ["N93.9"],
            [ln("58100", "160.00", D2)]))
    a(claim("OB-10", "obgyn", "cigna", person("Cleo", "Wu", "1970-10-10", "F"), ["N95.1", "Z79.890"],
            [ln("99214", "150.00", D3, [1, 2])]))
    # Lab (no rendering provider) -------------------------------------------------
    a(claim("LB-01", "lab", "medicare", person("Vic", "Hale", "1950-01-01", "M"), ["E11.9", "E78.5", "I10"],
            [ln("80053", "30.00", D1, [1, 3]), ln("85025", "15.00", D1, [1]), ln("80061", "30.00", D1, [2]),
             ln("83036", "20.00", D1, [1]), ln("36415", "10.00", D1, [1])],
            referring_provider={"npi": "1245319599", "first_name": "Ana", "last_name": "Diaz"}))
    a(claim("LB-02", "lab", "uhc", person("Wes", "Ames", "1980-02-02", "M"), ["N39.0"],
            [ln("87086", "25.00", D2), ln("81001", "10.00", D2)]))
    a(claim("LB-03", "lab", "aetna", person("Xia", "Li", "1976-03-03", "F"), ["E03.9"],
            [ln("84443", "35.00", D3), ln("36415", "10.00", D3)]))
    a(claim("LB-04", "lab", "medicare", person("Yul", "Bryn", "1955-04-04", "M"), ["Z12.5"],
            [ln("G0103", "30.00", D4)]))
    a(claim("LB-05", "lab", "medicare", person("Zed", "Park", "1952-05-05", "M"), ["N18.31", "E55.9"],
            [ln("82306", "40.00", D2, [1, 2])]))
    a(claim("LB-06", "lab", "cigna", person("Ann", "Fry", "1985-06-06", "F"), ["Z13.220"],
            [ln("80061", "30.00", D3)]))
    a(claim("LB-07", "lab", "bcbs", person("Bea", "Arthur", "1972-07-07", "F"), ["R73.03"],
            [ln("83036", "20.00", D4)]))
    a(claim("LB-08", "lab", "uhc", person("Cy", "Young", "1964-08-08", "M"), ["D64.9"],
            [ln("85025", "15.00", D1), ln("85025", "15.00", D1, mods=["91"])]))
    # Urgent care ------------------------------------------------------------------
    a(claim("UC-01", "uc", "aetna", person("Dee", "Snider", "1987-09-09", "F"), ["J02.9"],
            [ln("99203", "160.00", D2), ln("87880", "25.00", D2, mods=["QW"])]))
    a(claim("UC-02", "uc", "bcbs", person("Ed", "Wood", "1990-10-10", "M"), ["S01.81XA", "W22.8XXA"],
            [ln("12001", "180.00", D3, [1, 2])]))
    a(claim("UC-03", "uc", "uhc", person("Flo", "Rida", "1998-11-11", "F"), ["S93.402A"],
            [ln("99203", "160.00", D4), ln("73610", "70.00", D4, mods=["LT"])]))
    a(claim("UC-04", "uc", "cigna", person("Gil", "Scott", "1979-12-12", "M"), ["M54.50"],
            [ln("99214", "150.00", D1, mods=["25"]), ln("96372", "25.00", D1), ln("J1885", "8.00", D1, units=2)]))
    a(claim("UC-05", "uc", "aetna", person("Hank", "Hill", "1969-01-01", "M"), ["J11.1"],
            [ln("99213", "110.00", D3), ln("87804", "30.00", D3, mods=["QW"]),
             ln("87804", "30.00", D3, mods=["QW", "59"])]))
    a(claim("UC-06", "uc", "bcbs", person("Ida", "Wells", "1984-02-02", "F"), ["J45.901"],
            [ln("99214", "150.00", D2, mods=["25"]), ln("94640", "35.00", D2), ln("J7613", "5.00", D2, units=2)]))
    a(claim("UC-07", "uc", "uhc", person("Jay", "Gould", "1993-03-03", "M"), ["S61.411A", "W26.0XXA", "Z23"],
            [ln("12002", "220.00", D4, [1, 2]), ln("90715", "45.00", D4, [3]), ln("90471", "25.00", D4, [3])]))
    a(claim("UC-08", "uc", "medicare", person("Kit", "Carson", "1951-04-04", "M"), ["J18.9"],
            [ln("99214", "150.00", D3), ln("71046", "60.00", D3)]))
    a(claim("UC-09", "uc", "medicaid", person("Lou", "Reed", "2000-05-05", "M"), ["N39.0"],
            [ln("99213", "110.00", D1), ln("81002", "10.00", D1)]))
    # Institutional ----------------------------------------------------------------
    a(claim("IN-01", "fp", "medicare", person("Mo", "Farah", "1945-06-06", "M"), ["J18.9", "I10"],
            [{"revenue_code": "0120", "procedure": "", "charge": "6000.00", "units": 3,
              "date_of_service": "2026-09-10", "date_of_service_end": "2026-09-12"},
             {"revenue_code": "0300", "procedure": "80053", "charge": "150.00", "units": 1,
              "date_of_service": "2026-09-10"}],
            claim_type="institutional", type_of_bill="0111", place_of_service=None,
            admission_date="2026-09-10", admission_type="1", admission_source="7", patient_status="01",
            statement_from="2026-09-10", statement_to="2026-09-12",
            attending_provider={"npi": "1245319599", "first_name": "Ana", "last_name": "Diaz"}))
    a(claim("IN-02", "lab", "uhc", person("Ned", "Flan", "1970-07-07", "M"), ["E11.9"],
            [{"revenue_code": "0301", "procedure": "80053", "charge": "90.00", "units": 1,
              "date_of_service": D3},
             {"revenue_code": "0300", "procedure": "36415", "charge": "12.00", "units": 1, "date_of_service": D3}],
            claim_type="institutional", type_of_bill="0131", place_of_service=None,
            statement_from=D3, statement_to=D3,
            attending_provider={"npi": "1245319599", "first_name": "Ana", "last_name": "Diaz"}))
    a(claim("IN-03", "uc", "aetna", person("Ola", "Sun", "1988-08-08", "F"), ["S93.402A", "W10.8XXA"],
            [{"revenue_code": "0450", "procedure": "99283", "charge": "800.00", "units": 1,
              "date_of_service": D4},
             {"revenue_code": "0320", "procedure": "73610", "charge": "250.00", "units": 1, "modifiers": ["LT"],
              "date_of_service": D4}],
            claim_type="institutional", type_of_bill="0131", place_of_service=None,
            statement_from=D4, statement_to=D4,
            attending_provider={"npi": "1234567885", "first_name": "Tom", "last_name": "Baker"}))
    return C


def clean_claims_2() -> list[dict[str, Any]]:
    """Input variants and patterns that trip naive scrubbers."""
    C: list[dict[str, Any]] = []
    a = C.append
    c = claim("V-01", "fp", "uhc", person("Rhea", "Cole", "1961-02-02", "F"), ["e1122", "N1831", "M1711"],
              [ln("99214", 150, D2, [1, 2], units="1"), ln("20610", "120.00", D2, [3], ["RT"])])
    c["lines"][0]["modifiers"] = "25"   # a single modifier given as a string, a charge as a number
    a(c)
    a(claim("V-02", "fp", "aetna", person("Sid", "Vale", "1980-03-03", "M"), ["J06.9"],
            [ln("99213", "110.00", D3)], patient=kid("Sid", "Vale", "1980-03-03", "M", "18")))
    a(claim("V-03", "ortho", "medicare", person("Ty", "Cobb", "1946-04-04", "M"), ["M17.0"],
            [ln("20610", "180.00", D3, mods=["50"]), ln("J1010", "10.00", D3, units=80)]))
    a(claim("V-04", "fp", "bcbs", person("Uri", "Gell", "1977-05-05", "M"), ["L98.8", "B07.9"],
            [ln("99213", "110.00", D4, [1], ["25"]), ln("17110", "95.00", D4, [2])]))
    a(claim("V-05", "peds", "bcbs", person("Vera", "Wang", "1992-06-06", "F"), ["Z38.00"],
            [ln("99460", "220.00", "2026-10-12")], patient=kid("Wes", "Wang", "2026-10-12", "M"),
            place_of_service="21"))
    a(claim("V-06", "ortho", "uhc", person("Xan", "Yee", "1958-07-07", "M"), ["M25.561", "Z96.651"],
            [ln("97110", "90.00", D1, [1, 2], units=2), ln("97530", "50.00", D1, [1, 2]),
             ln("97140", "45.00", D1, [1], ["59"])]))
    a(claim("V-07", "obgyn", "aetna", person("Yara", "Zane", "2000-08-08", "F"), ["Z34.01", "Z3A.10"],
            [ln("76801", "220.00", D2, [1, 2])]))
    a(claim("V-08", "peds", "medicaid", person("Zia", "Amos", "1991-09-09", "F"), ["Z00.129"],
            [ln("99393", "150.00", D3, mods=["EP"])], patient=kid("Ari", "Amos", "2020-02-20", "M")))
    a(claim("V-09", "fp", "aetna", person("Abe", "Bass", "1985-10-10", "M"), ["F32.A"],
            [ln("99214", "150.00", D4, mods=["95"])], place_of_service="02"))
    a(claim("V-10", "obgyn", "bcbs", person("Bo", "Cruz", "1990-11-11", "F"), ["Z30.42"],
            [ln("96372", "25.00", D1), ln("J1050", "60.00", D1, units=150)]))
    a(claim("V-11", "fp", "cigna", person("Cat", "Dunn", "1970-12-12", "F"), ["E11.65", "E66.9", "Z68.32"],
            [ln("99215", "220.00", D2, [1, 2, 3]), ln("99417", "60.00", D2, [1], units=2)]))
    a(claim("V-12", "peds", "uhc", person("Dov", "Eli", "1984-01-01", "M"), ["Z23"],
            [ln("90651", "260.00", D3), ln("90460", "25.00", D3)], patient=kid("Eve", "Eli", "2014-01-01", "F")))
    a(claim("V-13", "uc", "bcbs", person("Fay", "Gow", "1975-02-02", "F"), ["H61.21"],
            [ln("99212", "80.00", D4, mods=["25"]), ln("69210", "60.00", D4, mods=["RT"])]))
    a(claim("V-14", "fp", "uhc", person("Gil", "Hoy", "1965-03-03", "M"), ["I10"],
            [ln("99213", "110.00", D1)], original_claim_number="2026061500123"))
    C[-1]["frequency"] = "7"
    c = claim("V-15", "uc", "aetna", person("Hal", "Ive", "1995-04-04", "M"), ["s61411a", "w260xxa"],
              [ln("12002", "220.00", D2, [1, 2])])
    c["billing_provider"]["address"]["zip"] = "617011234"
    c["lines"][0]["rendering_provider"] = {"npi": "1234567893", "first_name": "Sam", "last_name": "Lo"}
    a(c)
    a(claim("V-16", "lab", "medicare", person("Ike", "Jay", "1944-05-05", "M"), ["Z12.5"],
            [ln("G0103", "30.00", D3), ln("36415", "10.00", D3)]))
    a(claim("V-17", "fp", "medicare", person("Jan", "Kos", "1950-06-06", "F"), ["Z00.00"],
            [ln("G0438", "250.00", D4), ln("99497", "90.00", D4, mods=["33"])]))
    a(claim("V-18", "ortho", "bcbs", person("Kip", "Lam", "1980-07-07", "M"), ["M77.12"],
            [ln("20605", "110.00", D1, mods=["LT"]), ln("J1010", "8.00", D1, units=40)]))
    a(claim("V-19", "peds", "aetna", person("Lu", "Ma", "1989-08-08", "F"), ["Z00.121", "R62.51"],
            [ln("99392", "160.00", D2, [1, 2])], patient=kid("Mo", "Ma", "2024-01-15", "M")))
    a(claim("V-20", "fp", "uhc", person("Nan", "Oz", "1949-09-09", "F"), ["M81.0", "Z79.83"],
            [ln("99214", "150.00", D3, [1, 2])], submitted=None))
    # depression screening with a problem visit: 99214/G0444 is an indicator-1 pair with the E/M in column 1
    a(claim("V-24", "fp", "medicare", person("Rex", "Sol", "1951-01-21", "M"), ["I10", "Z13.31"],
            [ln("99214", "150.00", D3, [1], ["25"]), ln("G0444", "20.00", D3, [2])]))
    a(claim("V-25", "fp", "medicare", person("Sal", "Tam", "1952-02-22", "F"), ["E78.5", "Z13.31"],
            [ln("99213", "110.00", D4, [1]), ln("G0444", "20.00", D4, [2], ["XU"])]))
    # codes typed as JSON numbers by a spreadsheet export
    c = claim("V-23", "uc", "cigna", person("Quin", "Roe", "1983-12-12", "F"), ["N39.0"],
              [ln("99213", 110, D3), ln("81002", 10.5, D3)])
    c.update(place_of_service=20, frequency=1)
    c["payer"]["id"], c["billing_provider"]["npi"], c["billing_provider"]["tax_id"] = 62308, 1234567877, 371234570
    a(c)
    # quality-data codes and the global-period follow-up are sent at $0.00 on purpose
    a(claim("V-21", "fp", "medicare", person("Ora", "Pike", "1948-10-10", "F"), ["E11.9", "I10"],
            [ln("99214", "150.00", D2, [1, 2]), ln("3044F", "0.00", D2, [1]), ln("3074F", "0.00", D2, [2]),
             ln("3078F", "0.00", D2, [2])]))
    a(claim("V-22", "ortho", "bcbs", person("Pat", "Quill", "1990-11-11", "M"), ["S52.501D"],
            [ln("99024", "0.00", D4), ln("73110", "75.00", D4, mods=["RT"])]))
    return C


# ------------------------------------------------------------------ planted errors
def planted_claims(clean: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, dict[str, str]]]:
    base = {c["claim_id"]: c for c in clean}
    out: list[dict[str, Any]] = []
    expected: dict[str, dict[str, str]] = {}

    def plant(pid: str, from_id: str, family: str, rule: str, what: str, change: Any) -> None:
        c = copy.deepcopy(base[from_id])
        c["claim_id"] = pid
        c["subscriber"]["member_id"] = f"P{len(out) + 1:03d}{c['subscriber']['member_id'][4:]}"
        for o in c.get("other_payers", []):
            o["subscriber"]["member_id"] = c["subscriber"]["member_id"]
        change(c)
        out.append(c)
        expected[pid] = {"family": family, "rule_id": rule, "error": what}

    def L(c: dict[str, Any], i: int) -> dict[str, Any]:
        return c["lines"][i - 1]

    def setdx(*dx: str) -> Any:
        return lambda c: c.__setitem__("diagnoses", list(dx))

    # code: ICD validity, conventions -------------------------------------------------------------
    plant("X-ICD-01", "FP-02", "code", "CODE-ICD-INVALID", "typo: J02.99 does not exist", setdx("J02.99"))
    plant("X-ICD-02", "OR-01", "code", "CODE-ICD-NOT-BILLABLE", "M17.1 needs laterality", setdx("M17.1"))
    plant("X-ICD-03", "PD-03", "code", "CODE-ICD-NOT-BILLABLE", "Z00.12 category", setdx("Z00.12", "Z13.42"))
    plant("X-ICD-04", "FP-07", "code", "CODE-ICD-INVALID", "E11.A added FY2026, DOS in FY2025",
          lambda c: (c.__setitem__("diagnoses", ["E11.A", "E78.5"]),
                     [x.__setitem__("date_of_service", "2025-06-16") for x in c["lines"]],
                     c.__setitem__("submitted_on", "2025-06-20")))
    plant("X-ICD-05", "FP-11", "code", "CODE-ICD-NOT-BILLABLE", "R51 became a category in FY2021 (R51.9)", setdx("R51"))
    plant("X-ICD-06", "UC-01", "code", "CODE-ICD-INVALID", "dotless invalid code", setdx("J029X"))
    plant("X-ICD-07", "OB-09", "code", "CODE-ICD-NOT-BILLABLE", "N93 category", setdx("N93"))
    plant("X-7TH-01", "OR-08", "code", "CODE-ICD-7TH-CHARACTER", "S52.501 without 7th", setdx("S52.501", "W19.XXXA"))
    plant("X-7TH-02", "UC-03", "code", "CODE-ICD-7TH-CHARACTER", "S93.402 without 7th (dotless)",
          setdx("S93402"))
    plant("X-7TH-03", "UC-02", "code", "CODE-ICD-7TH-CHARACTER", "S01.81 without placeholder/7th",
          setdx("S01.81", "W22.8XXA"))
    plant("X-7TH-04", "OR-07", "code", "CODE-ICD-7TH-CHARACTER", "W10.8XX external cause without 7th",
          setdx("S93.401A", "W10.8XX"))
    plant("X-EX1-01", "LB-01", "code", "CODE-EXCLUDES1", "E11.9 with E10.9", setdx("E11.9", "E78.5", "I10", "E10.9"))
    plant("X-EX1-02", "FP-12", "code", "CODE-EXCLUDES1", "current smoker F17.210 with history Z87.891",
          setdx("F17.210", "Z87.891"))
    plant("X-EX1-03", "UC-04", "code", "CODE-EXCLUDES1", "M54.50 low back pain with M54.41 lumbago w/ sciatica",
          setdx("M54.50", "M54.41"))
    plant("X-EX1-05", "UC-08", "code", "CODE-EXCLUDES1", "J20.9 acute bronchitis with J40 bronchitis NOS",
          setdx("J20.9", "J40"))
    plant("X-EX1-04", "OB-05", "code", "CODE-EXCLUDES1", "O24.410 with E11.9", setdx("O24.410", "Z3A.28", "E11.9"))
    plant("X-MAN-01", "FP-14", "code", "CODE-MANIFESTATION-FIRST", "F02.80 before G30.9",
          lambda c: (c.__setitem__("diagnoses", ["F02.80", "G30.9"]),
                     [x.__setitem__("dx_pointers", [2, 1]) for x in c["lines"]],
                     [c["lines"].pop() for _ in range(1)]))
    plant("X-MAN-02", "FP-01", "code", "CODE-MANIFESTATION-FIRST", "D63.1 anemia in CKD before N18.4",
          lambda c: (c.__setitem__("diagnoses", ["D63.1", "N18.4"]), L(c, 1).__setitem__("dx_pointers", [2, 1])))
    plant("X-UA-01", "FP-01", "code", "CODE-USE-ADDITIONAL", "E11.22 without CKD stage",
          lambda c: (c.__setitem__("diagnoses", ["E11.22", "Z79.4"]), L(c, 1).__setitem__("dx_pointers", [1, 2])))
    plant("X-UA-02", "OB-03", "code", "CODE-USE-ADDITIONAL", "O80 without Z37 outcome",
          lambda c: (c.__setitem__("diagnoses", ["O80", "Z3A.39"]), L(c, 1).__setitem__("dx_pointers", [1, 2])))
    plant("X-EXT-01", "OR-08", "code", "CODE-EXTERNAL-CAUSE-FIRST", "W19 first",
          lambda c: (c.__setitem__("diagnoses", ["W19.XXXA", "S52.501A"]),
                     L(c, 1).__setitem__("dx_pointers", [2, 1]), L(c, 2).__setitem__("dx_pointers", [2])))
    plant("X-EXT-02", "UC-02", "code", "CODE-EXTERNAL-CAUSE-FIRST", "W22 first",
          lambda c: (c.__setitem__("diagnoses", ["W22.8XXA", "S01.81XA"]), L(c, 1).__setitem__("dx_pointers", [2, 1])))
    plant("X-ZFL-01", "FP-04", "code", "CODE-Z-FIRST-LISTED-ONLY", "Z00.01 second",
          lambda c: (c.__setitem__("diagnoses", ["I10", "Z00.01", "E78.5"]),
                     L(c, 1).__setitem__("dx_pointers", [2]), L(c, 2).__setitem__("dx_pointers", [1, 3])))
    plant("X-ZFL-02", "OB-04", "code", "CODE-Z-FIRST-LISTED-ONLY", "Z34.02 second",
          lambda c: (c.__setitem__("diagnoses", ["Z3A.20", "Z34.02"]), L(c, 1).__setitem__("dx_pointers", [2, 1])))
    plant("X-ZFL-03", "PD-02", "code", "CODE-Z-FIRST-LISTED-ONLY", "Z00.129 second",
          lambda c: (c.__setitem__("diagnoses", ["Z23", "Z00.129"]),
                     [x.__setitem__("dx_pointers", [1]) for x in c["lines"]], L(c, 1).__setitem__("dx_pointers", [2])))
    # code: procedures ----------------------------------------------------------------------------
    plant("X-PROC-01", "FP-02", "code", "CODE-PROC-INACTIVE", "99201 deleted 2021",
          lambda c: L(c, 1).__setitem__("procedure", "99201"))
    plant("X-PROC-02", "FP-09", "code", "CODE-PROC-INACTIVE", "99442 phone E/M deleted 2025",
          lambda c: L(c, 1).__setitem__("procedure", "99442"))
    plant("X-PROC-03", "FP-10", "code", "CODE-PROC-INACTIVE", "G2012 virtual check-in deleted 2025",
          lambda c: (L(c, 1).__setitem__("procedure", "G2012"), L(c, 1).pop("modifiers")))
    plant("X-PROC-04", "FP-18", "code", "CODE-PROC-INACTIVE", "G0444 fine, but G0297 LDCT deleted 2021",
          lambda c: L(c, 2).__setitem__("procedure", "G0297"))
    plant("X-PROC-05", "UC-08", "code", "CODE-PROC-INVALID", "71045 typo as 71047 (not a code)",
          lambda c: L(c, 2).__setitem__("procedure", "71049"))
    plant("X-PROC-06", "OR-02", "code", "CODE-MODIFIER", "modifier 'R' typo",
          lambda c: L(c, 2).__setitem__("modifiers", ["R"]))
    # mce ---------------------------------------------------------------------------------------------
    plant("X-MCE-01", "FP-03", "mce", "MCE-AGE-PEDIATRIC", "Z00.129 on a 47-year-old",
          setdx("Z00.129", "E78.5"))
    plant("X-MCE-02", "PD-07", "mce", "MCE-AGE-NEWBORN", "Z38.00 (born in hospital) on a 10-year-old",
          setdx("Z38.00", "F90.2"))
    plant("X-MCE-03", "FP-12", "mce", "MCE-AGE-NEWBORN", "Z38.00 on an adult",
          lambda c: (c.__setitem__("diagnoses", ["Z38.00", "F17.210"])))
    plant("X-MCE-04", "OB-10", "mce", "MCE-AGE-MATERNITY", "O24.410 on a 71-year-old",
          lambda c: (c.__setitem__("diagnoses", ["O24.410", "Z3A.28"]),
                     c["subscriber"].__setitem__("dob", "1955-01-01")))
    plant("X-MCE-05", "OB-01", "mce", "MCE-AGE-MATERNITY", "Z34.02 on an 8-year-old",
          lambda c: (c.__setitem__("diagnoses", ["Z34.02"]), L(c, 1).__setitem__("procedure", "99213"),
                     L(c, 1).__setitem__("dx_pointers", [1]),
                     c.__setitem__("patient", kid("Tia", "Fitz", "2018-01-01", "F"))))
    plant("X-MCE-06", "PD-09", "mce", "MCE-AGE-ADULT", "Z00.00 on a newborn", setdx("Z00.00"))
    plant("X-MCE-07", "LB-04", "mce", "MCE-SEX", "N40.0 on a woman, DOS 2024 (sex edits still in force)",
          lambda c: (c.__setitem__("diagnoses", ["N40.0"]), c["subscriber"].__setitem__("sex", "F"),
                     L(c, 1).__setitem__("procedure", "84153"), L(c, 1).__setitem__("date_of_service", "2024-06-11"),
                     c.__setitem__("submitted_on", "2024-06-14")))
    plant("X-MCE-08", "OB-05", "mce", "MCE-SEX", "O24.410 on a man, DOS 2024",
          lambda c: (c["subscriber"].__setitem__("sex", "M"), L(c, 1).__setitem__("date_of_service", "2024-05-06"),
                     c.__setitem__("submitted_on", "2024-05-08")))
    # ncci-ptp -------------------------------------------------------------------------------------
    plant("X-PTP-01", "OR-02", "ncci-ptp", "NCCI-PTP-1", "20610 + 99214 without 25",
          lambda c: L(c, 1).pop("modifiers"))
    plant("X-PTP-02", "LB-01", "ncci-ptp", "NCCI-PTP-0", "80053 + 80048 (indicator 0)",
          lambda c: c["lines"].append(ln("80048", "20.00", D1, [1])))
    plant("X-PTP-03", "UC-04", "ncci-ptp", "NCCI-PTP-0", "96372 + 99211-25 (indicator 0, modifier useless)",
          lambda c: L(c, 1).__setitem__("procedure", "99211"))
    plant("X-PTP-04", "FP-13", "ncci-ptp", "NCCI-PTP-0", "11721 + 11720-59 (indicator 0)",
          lambda c: c.__setitem__("lines", [ln("11721", "90.00", D3), ln("11720", "60.00", D3, mods=["59"])]))
    plant("X-PTP-05", "FP-13", "ncci-ptp", "NCCI-PTP-1", "17110 + 11102 no modifier",
          lambda c: (c.__setitem__("diagnoses", ["B07.8", "L82.1"]),
                     c["lines"].append(ln("11102", "110.00", D3, [2]))))
    plant("X-PTP-06", "LB-08", "ncci-ptp", "NCCI-PTP-1", "85025 + 85027",
          lambda c: L(c, 2).__setitem__("procedure", "85027") or L(c, 2).pop("modifiers"))
    plant("X-PTP-07", "UC-06", "ncci-ptp", "NCCI-PTP-1", "94640 + 99214 with 59 on the E/M (wrong modifier)",
          lambda c: L(c, 1).__setitem__("modifiers", ["59"]))
    plant("X-PTP-08", "OR-05", "ncci-ptp", "NCCI-PTP-1", "29880 + 29881 both RT (same site)",
          lambda c: c["lines"].insert(0, ln("29880", "2100.00", D2, mods=["RT"])))
    plant("X-PTP-09", "OB-04", "ncci-ptp", "NCCI-PTP-0", "76805 + 76815",
          lambda c: c["lines"].append(ln("76815", "120.00", D2, [1, 2])))
    plant("X-PTP-10", "LB-06", "ncci-ptp", "NCCI-PTP-0", "80061 + 82465 (panel component)",
          lambda c: c["lines"].append(ln("82465", "15.00", D3)))
    plant("X-PTP-11", "FP-05", "ncci-ptp", "NCCI-PTP-1", "90471 + 99213 without 25",
          lambda c: (c.__setitem__("diagnoses", ["Z23", "J06.9"]), c["lines"].append(ln("99213", "110.00", D3, [2]))))
    plant("X-PTP-12", "OB-07", "ncci-ptp", "NCCI-PTP-1", "57454 + 99213 with XS on the E/M",
          lambda c: c["lines"].insert(0, ln("99213", "110.00", D3, mods=["XS"])))
    plant("X-PTP-13", "PD-10", "ncci-ptp", "NCCI-PTP-1", "90460 + 99393 without 25",
          lambda c: L(c, 1).pop("modifiers"))
    plant("X-PTP-14", "FP-06", "ncci-ptp", "NCCI-PTP-1", "G0439 + 99214 without 25",
          lambda c: (c.__setitem__("diagnoses", ["Z00.00", "I10"]), c["lines"].append(ln("99214", "150.00", D2, [2]))))
    # ncci-mue -------------------------------------------------------------------------------------
    plant("X-MUE-01", "OR-02", "ncci-mue", "NCCI-MUE-DOS", "20610 x3 units", lambda c: L(c, 2).__setitem__("units", 3))
    plant("X-MUE-02", "FP-05", "ncci-mue", "NCCI-MUE-DOS", "90471 x2 (MAI 2)", lambda c: L(c, 2).__setitem__("units", 2))
    plant("X-MUE-03", "LB-01", "ncci-mue", "NCCI-MUE-DOS", "80053 on two lines",
          lambda c: c["lines"].append(ln("80053", "30.00", D1, [1], ["91"])))
    plant("X-MUE-04", "UC-02", "ncci-mue", "NCCI-MUE-LINE", "A6460 dressing x3 on one line (MAI 1)",
          lambda c: c["lines"].append(ln("A6460", "9.00", D3, [1], units=3)))
    plant("X-MUE-05", "FP-13", "ncci-mue", "NCCI-MUE-DOS", "17110 x2", lambda c: L(c, 1).__setitem__("units", 2))
    plant("X-MUE-06", "OB-04", "ncci-mue", "NCCI-MUE-DOS", "76805 x2 units", lambda c: L(c, 1).__setitem__("units", 2))
    plant("X-MUE-07", "UC-04", "ncci-mue", "NCCI-MUE-DOS", "J1885 x10 (max 8)", lambda c: L(c, 3).__setitem__("units", 10))
    # ncci-addon -----------------------------------------------------------------------------------
    plant("X-AOC-01", "PD-02", "ncci-addon", "NCCI-ADDON", "90461 without 90460",
          lambda c: c.__setitem__("lines", [x for x in c["lines"] if x["procedure"] != "90460"]))
    plant("X-AOC-02", "FP-05", "ncci-addon", "NCCI-ADDON", "90472 without 90471",
          lambda c: L(c, 2).__setitem__("procedure", "90472"))
    plant("X-AOC-03", "FP-01", "ncci-addon", "NCCI-ADDON", "99417 with 99214",
          lambda c: c["lines"].append(ln("99417", "60.00", D1, [1, 2])))
    plant("X-AOC-04", "FP-13", "ncci-addon", "NCCI-ADDON", "17003 without 17000",
          lambda c: (c.__setitem__("diagnoses", ["L57.0"]), c.__setitem__("lines", [ln("17003", "20.00", D3, units=3)])))
    plant("X-AOC-05", "FP-03", "ncci-addon", "NCCI-ADDON", "G2211 with a preventive visit only",
          lambda c: c["lines"].append(ln("G2211", "16.00", D2, [2])))
    # data -----------------------------------------------------------------------------------------
    plant("X-DATA-01", "FP-02", "data", "DATA-NPI", "billing NPI check digit",
          lambda c: c["billing_provider"].__setitem__("npi", "1234567890"))
    plant("X-DATA-02", "OR-01", "data", "DATA-NPI", "rendering NPI check digit",
          lambda c: c["rendering_provider"].__setitem__("npi", "1234567811"))
    plant("X-DATA-03", "PD-04", "data", "DATA-TAX-ID", "8-digit tax id",
          lambda c: c["billing_provider"].__setitem__("tax_id", "37123456"))
    plant("X-DATA-04", "OB-02", "data", "DATA-TAX-ID", "tax id with letters",
          lambda c: c["billing_provider"].__setitem__("tax_id", "37-12A4568"))
    plant("X-DATA-05", "LB-02", "data", "DATA-REQUIRED", "subscriber member_id missing",
          lambda c: c["subscriber"].pop("member_id"))
    plant("X-DATA-06", "UC-05", "data", "DATA-REQUIRED", "subscriber last name blank",
          lambda c: c["subscriber"].__setitem__("last_name", ""))
    plant("X-DATA-07", "FP-08", "data", "DATA-REQUIRED", "subscriber-patient without DOB",
          lambda c: c["subscriber"].pop("dob"))
    plant("X-DATA-08", "PD-06", "data", "DATA-RELATIONSHIP", "relationship '03' not an X12 code",
          lambda c: c["patient"].__setitem__("relationship", "03"))
    plant("X-DATA-09", "FP-16", "data", "DATA-RELATIONSHIP", "relationship 'spouse' as text",
          lambda c: c["patient"].__setitem__("relationship", "spouse"))
    plant("X-DATA-10", "FP-03", "data", "DATA-DX-POINTER", "pointer 0", lambda c: L(c, 2).__setitem__("dx_pointers", [0]))
    plant("X-DATA-11", "FP-03", "data", "DATA-DX-POINTER", "pointer 13", lambda c: L(c, 3).__setitem__("dx_pointers", [13]))
    plant("X-DATA-12", "LB-01", "data", "DATA-DX-POINTER", "5 pointers",
          lambda c: (c.__setitem__("diagnoses", ["E11.9", "E78.5", "I10", "E66.9", "Z68.30"]),
                     L(c, 1).__setitem__("dx_pointers", [1, 2, 3, 4, 5])))
    plant("X-DATA-13", "UC-06", "data", "DATA-DX-POINTER", "pointer at missing dx 2",
          lambda c: L(c, 2).__setitem__("dx_pointers", [2]))
    plant("X-DATA-14", "OR-04", "data", "DATA-CHARGE", "zero charge", lambda c: L(c, 1).__setitem__("charge", "0.00"))
    plant("X-DATA-15", "UC-04", "data", "DATA-UNITS", "zero units", lambda c: L(c, 2).__setitem__("units", 0))
    plant("X-DATA-16", "OR-02", "data", "DATA-UNITS", "fractional units J3301 2.5",
          lambda c: L(c, 3).__setitem__("units", "2.5"))
    plant("X-DATA-17", "PD-07", "data", "DATA-DOS-FUTURE", "DOS next year, not submitted yet",
          lambda c: (L(c, 1).__setitem__("date_of_service", "2027-02-03"), c.pop("submitted_on")))
    plant("X-DATA-18", "OB-08", "data", "DATA-DOS-AFTER-SUBMISSION", "DOS after submitted_on",
          lambda c: c.__setitem__("submitted_on", "2026-11-05"))
    plant("X-DATA-19", "FP-17", "data", "DATA-POS", "POS 35 unassigned", lambda c: c.__setitem__("place_of_service", "35"))
    plant("X-DATA-20", "UC-09", "data", "DATA-POS", "POS 00", lambda c: c.__setitem__("place_of_service", "00"))
    plant("X-DATA-21", "LB-03", "data", "DATA-TIMELY-FILING", "Aetna 120 days exceeded",
          lambda c: c.__setitem__("submitted_on", "2026-11-20") or
          [x.__setitem__("date_of_service", "2026-06-01") for x in c["lines"]])
    plant("X-DATA-22", "FP-14", "data", "DATA-TIMELY-FILING", "Medicare > 1 year",
          lambda c: (c.__setitem__("submitted_on", "2026-09-15"),
                     [x.__setitem__("date_of_service", "2025-08-04") for x in c["lines"]]))
    plant("X-DATA-23", "LB-02", "data", "DATA-DUPLICATE-LINE", "87086 twice, no modifier",
          lambda c: c["lines"].append(copy.deepcopy(c["lines"][0])))
    plant("X-DATA-24", "UC-07", "data", "DATA-FREQUENCY", "replacement without original claim number",
          lambda c: c.__setitem__("frequency", "7"))
    plant("X-DATA-25", "PD-08", "data", "DATA-REQUIRED", "dependent patient without DOB",
          lambda c: c["patient"].pop("dob"))
    plant("X-DATA-26", "OB-06", "data", "DATA-FORMAT", "bad date", lambda c: L(c, 1).__setitem__("date_of_service", "06/15/2026"))
    plant("X-DATA-27", "LB-07", "data", "DATA-REQUIRED", "no payer id", lambda c: c["payer"].pop("id"))
    plant("X-DATA-28", "FP-15", "data", "DATA-REQUIRED", "secondary claim without other payer",
          lambda c: c.pop("other_payers"))
    # payer / medical necessity --------------------------------------------------------------------
    plant("X-PAY-01", "FP-09", "payer", "PAYER-87726-TELEHEALTH-95", "UHC telehealth without 95",
          lambda c: L(c, 1).pop("modifiers"))
    plant("X-PAY-02", "FP-10", "payer", "PAYER-MEDICARE-TELEHEALTH-GT", "Medicare GT",
          lambda c: L(c, 1).__setitem__("modifiers", ["GT"]))
    plant("X-PAY-03", "FP-06", "payer", "PAYER-MEDICARE-PREVENTIVE-EM", "99397 to Medicare",
          lambda c: L(c, 1).__setitem__("procedure", "99397"))
    plant("X-PAY-04", "OR-06", "payer", "PAYER-60054-PRIOR-AUTH-MRI", "Aetna MRI without auth",
          lambda c: c.pop("prior_authorization"))
    plant("X-MN-01", "LB-05", "medical-necessity", "LCD-VITAMIN-D-ASSAY", "vitamin D for screening",
          lambda c: (c.__setitem__("diagnoses", ["Z13.21"]), L(c, 1).__setitem__("dx_pointers", [1])))
    plant("X-MN-02", "FP-14", "medical-necessity", "LCD-VITAMIN-D-ASSAY", "vitamin D for fatigue",
          lambda c: c.__setitem__("diagnoses", ["R53.83"]))

    # Wave 2 --------------------------------------------------------------------------------------------
    plant("Y-01", "PD-07", "data", "DATA-DOS-FUTURE", "future DOS with a matching future submission date",
          lambda c: (L(c, 1).__setitem__("date_of_service", "2027-03-01"), c.__setitem__("submitted_on", "2027-03-04")))
    plant("Y-02", "OR-02", "ncci-ptp", "NCCI-PTP-1", "25 on the injection instead of the E/M",
          lambda c: (L(c, 1).pop("modifiers"), L(c, 2).__setitem__("modifiers", ["RT", "25"])))
    plant("Y-03", "LB-01", "code", "CODE-EXCLUDES1", "dotless E119 with E109", setdx("E119", "E785", "I10", "E109"))
    plant("Y-04", "FP-14", "code", "CODE-MANIFESTATION-FIRST", "dotless F0280 then G309",
          lambda c: (c.__setitem__("diagnoses", ["F0280", "G309"]), c.__setitem__("lines", c["lines"][:1]),
                     L(c, 1).__setitem__("dx_pointers", [2, 1])))
    plant("Y-05", "OR-10", "code", "CODE-ICD-NOT-BILLABLE", "G35 became a category in FY2026 (DOS 2026)",
          setdx("G35"))
    plant("Y-06", "FP-16", "code", "CODE-ICD-NOT-BILLABLE", "Z91.011 expanded in FY2026, DOS Nov 2026",
          setdx("J01.90", "Z91.011"))
    plant("Y-07", "PD-06", "data", "DATA-RELATIONSHIP", "child born before the subscriber",
          lambda c: c["patient"].__setitem__("dob", "1980-01-01"))
    plant("Y-08", "FP-16", "data", "DATA-RELATIONSHIP", "relationship 18 but another person",
          lambda c: c["patient"].__setitem__("relationship", "18"))
    plant("Y-09", "FP-04", "data", "DATA-DX-POINTER", "pointer 4 with 3 diagnoses",
          lambda c: L(c, 2).__setitem__("dx_pointers", [2, 4]))
    plant("Y-10", "FP-04", "data", "DATA-DX-POINTER", "pointer repeated", lambda c: L(c, 2).__setitem__("dx_pointers", [2, 2]))
    plant("Y-11", "FP-13", "data", "DATA-REQUIRED", "no diagnoses", lambda c: (c.__setitem__("diagnoses", []),))
    plant("Y-12", "FP-14", "medical-necessity", "LCD-VITAMIN-D-ASSAY", "payer named just Medicare, screening",
          lambda c: (c.__setitem__("payer", {"id": "00952", "name": "Medicare"}),
                     c.__setitem__("diagnoses", ["Z13.21"])))
    plant("Y-13", "V-09", "payer", "PAYER-87726-TELEHEALTH-95", "UHC POS 02 without 95",
          lambda c: (c.__setitem__("payer", copy.deepcopy(PAYERS["uhc"])), L(c, 1).pop("modifiers")))
    plant("Y-14", "FP-12", "data", "DATA-TAX-ID", "placeholder tax id",
          lambda c: c["billing_provider"].__setitem__("tax_id", "000000000"))
    plant("Y-15", "FP-12", "data", "DATA-NPI", "9-digit NPI", lambda c: c["billing_provider"].__setitem__("npi", "123456789"))
    plant("Y-16", "UC-09", "data", "DATA-CHARGE", "negative charge", lambda c: L(c, 2).__setitem__("charge", "-10.00"))
    plant("Y-17", "UC-09", "data", "DATA-UNITS", "1.5 units on an E/M", lambda c: L(c, 1).__setitem__("units", 1.5))
    plant("Y-18", "PD-04", "data", "DATA-DOB", "patient born after the visit",
          lambda c: c["patient"].__setitem__("dob", "2026-12-01"))
    plant("Y-19", "FP-17", "data", "DATA-POS", "POS as one digit '3'", lambda c: c.__setitem__("place_of_service", "3"))
    plant("Y-20", "OB-10", "mce", "MCE-AGE-MATERNITY", "O09.523 on a 66-year-old",
          lambda c: (c.__setitem__("diagnoses", ["O09.523", "N95.1"]), c["subscriber"].__setitem__("dob", "1960-01-01")))
    plant("Y-21", "PD-08", "mce", "MCE-AGE-ADULT", "Z00.00 on a 13-year-old", setdx("Z00.00", "Z13.31"))
    plant("Y-22", "V-05", "mce", "MCE-AGE-NEWBORN", "Z38.00 on a 1-year-old",
          lambda c: c["patient"].__setitem__("dob", "2025-09-01"))
    plant("Y-23", "V-05", "mce", "MCE-AGE-NEWBORN", "newborn code, patient block forgotten (parent is patient)",
          lambda c: c.pop("patient"))
    plant("Y-24", "OR-08", "code", "CODE-LINE-PRIMARY-DX", "line points first at the external cause",
          lambda c: L(c, 2).__setitem__("dx_pointers", [2, 1]))
    plant("Y-25", "FP-01", "code", "CODE-USE-ADDITIONAL", "E11.621 without ulcer site",
          lambda c: (c.__setitem__("diagnoses", ["E11.621", "Z79.4"]), L(c, 1).__setitem__("dx_pointers", [1, 2])))
    plant("Y-26", "FP-07", "code", "CODE-Z-FIRST-LISTED-ONLY", "Z51.11 chemo encounter second",
          setdx("C50.911", "Z51.11"))
    plant("Y-27", "UC-04", "ncci-mue", "NCCI-MUE-DOS", "96372 3+2 units over two lines",
          lambda c: (L(c, 2).__setitem__("units", 3), c["lines"].append(ln("96372", "25.00", D1, mods=["59"], units=2))))
    plant("Y-28", "PD-02", "ncci-addon", "NCCI-ADDON", "90461 with 90471 instead of 90460",
          lambda c: [x.__setitem__("procedure", "90471") or x.__setitem__("units", 1) for x in c["lines"]
                     if x["procedure"] == "90460"])
    plant("Y-29", "V-11", "ncci-addon", "NCCI-ADDON", "99417 on a different day from 99215",
          lambda c: L(c, 2).__setitem__("date_of_service", "2026-08-05"))
    plant("Y-30", "OR-03", "data", "DATA-DUPLICATE-LINE", "20610 RT twice",
          lambda c: L(c, 2).__setitem__("modifiers", ["RT"]))
    plant("Y-31", "FP-02", "code", "CODE-PROC-INVALID", "procedure with a letter typo",
          lambda c: L(c, 1).__setitem__("procedure", "9921E"))
    plant("Y-32", "FP-08", "data", "DATA-TIMELY-FILING", "BCBS 180 days, sent much later",
          lambda c: c.__setitem__("submitted_on", "2027-05-01") or
          [x.__setitem__("date_of_service", "2026-10-06") for x in c["lines"]])
    plant("Y-33", "V-08", "payer", "PAYER-MEDICARE-PREVENTIVE-EM", "Medicare 99397 without GY",
          lambda c: (c.__setitem__("payer", copy.deepcopy(PAYERS["medicare"])), c.pop("patient"),
                     c["subscriber"].__setitem__("dob", "1950-01-01"), L(c, 1).__setitem__("procedure", "99397"),
                     L(c, 1).pop("modifiers"), c.__setitem__("diagnoses", ["Z00.00"])))
    plant("Y-35", "V-18", "code", "CODE-PROC-INACTIVE", "J1030 methylprednisolone 40 mg, replaced by J1010 in 2024",
          lambda c: (L(c, 2).__setitem__("procedure", "J1030"), L(c, 2).__setitem__("units", 1)))
    plant("Y-36", "IN-01", "mce", "MCE-UNACCEPTABLE-PDX", "inpatient stay with an unacceptable principal dx",
          setdx("Z91.010", "J18.9"))
    plant("Y-37", "IN-02", "data", "DATA-FREQUENCY", "bill type 0137 (replacement) without the original claim",
          lambda c: c.__setitem__("type_of_bill", "0137"))
    plant("Y-38", "FP-02", "data", "DATA-TIMELY-FILING", "UHC 90 days passed, not yet sent (warning)",
          lambda c: (c.pop("submitted_on"), [x.__setitem__("date_of_service", "2026-01-05") for x in c["lines"]]))
    plant("Y-39", "FP-02", "data", "DATA-TIMELY-FILING", "payer without a limit on file, sent 14 months late",
          lambda c: (c["payer"].pop("timely_filing_days"), c.__setitem__("submitted_on", "2026-11-20"),
                     [x.__setitem__("date_of_service", "2025-09-08") for x in c["lines"]]))
    plant("Y-40", "FP-05", "code", "CODE-PROC-INACTIVE", "COVID vaccine admin 0001A (retired 2023) from an old template",
          lambda c: L(c, 2).__setitem__("procedure", "0001A"))
    plant("Y-41", "V-24", "ncci-ptp", "NCCI-PTP-1", "99214 + G0444 without any modifier",
          lambda c: L(c, 1).pop("modifiers"))
    plant("Y-42", "LB-03", "data", "DATA-REQUIRED", "lab claim without the ordering provider (warning)",
          lambda c: c.pop("referring_provider"))
    plant("Y-43", "UC-09", "ncci-addon", "NCCI-ADDON", "76937 (contractor-defined primaries) billed alone",
          lambda c: c.__setitem__("lines", [ln("76937", "60.00", D1)]))
    plant("Y-34", "FP-06", "code", "CODE-PROC-INACTIVE", "G0505 cognitive assessment deleted 2018",
          lambda c: c["lines"].append(ln("G0505", "200.00", D2, [2])))
    return out, expected


def duplicate_pair(clean: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two claims for the same visit: the second is the planted duplicate claim."""
    first = copy.deepcopy(next(c for c in clean if c["claim_id"] == "UC-01"))
    first["claim_id"], first["subscriber"]["member_id"] = "DUP-1", "D9988776655"
    second = copy.deepcopy(first)
    second["claim_id"], second["submitted_on"] = "DUP-2", "2026-08-20"
    return [first, second]


def main() -> None:
    clean = clean_claims() + clean_claims_2()
    planted, expected = planted_claims(clean)
    dup = duplicate_pair(clean)
    expected["DUP-2"] = {"family": "data", "rule_id": "DATA-DUPLICATE-CLAIM", "error": "same visit sent twice"}
    (HERE / "clean.json").write_text(json.dumps(clean, indent=1) + "\n")
    (HERE / "planted.json").write_text(json.dumps(planted, indent=1) + "\n")
    (HERE / "duplicates.json").write_text(json.dumps(dup, indent=1) + "\n")
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    print(f"{len(clean)} clean, {len(planted) + 1} planted")


if __name__ == "__main__":
    main()
