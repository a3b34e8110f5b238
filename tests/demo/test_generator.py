"""The demo practice generator: deterministic, valid identifiers and codes, realistic and varied notes."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import pytest
import simple_icd_10_cm as icd

from chartclaim.demo import build_practice, npi_check_digit, npi_is_valid
from chartclaim.demo.model import DemoPractice
from chartclaim.demo.practice import make_mbi


@pytest.fixture(scope="module")
def practice() -> DemoPractice:
    return build_practice(7)


def test_deterministic_for_a_seed_and_independent_of_global_random() -> None:
    random.seed(1)
    a = build_practice(11, n_patients=40, n_encounters=120)
    random.seed(999)
    b = build_practice(11, n_patients=40, n_encounters=120)
    assert [e.note for e in a.encounters] == [e.note for e in b.encounters]
    assert [e.truth for e in a.encounters] == [e.truth for e in b.encounters]
    assert a.patients == b.patients
    c = build_practice(12, n_patients=40, n_encounters=120)
    assert [e.note for e in a.encounters] != [e.note for e in c.encounters]


def test_npi_luhn_with_80840_prefix() -> None:
    # CMS's published example NPI 123456789 -> check digit 3
    assert npi_check_digit("123456789") == "3"
    assert npi_is_valid("1234567893")
    assert not npi_is_valid("1234567890")


def test_practice_shape(practice: DemoPractice) -> None:
    assert npi_is_valid(practice.organisation.npi)
    assert re.fullmatch(r"\d{9}", practice.organisation.tax_id)
    assert len(practice.providers) == 3
    assert all(npi_is_valid(p.npi) for p in practice.providers)
    assert {p.taxonomy for p in practice.providers} == {"207Q00000X", "208D00000X", "363LF0000X"}
    assert practice.location.place_of_service == "11"
    assert len(practice.payers) >= 10
    kinds = Counter(p.kind for p in practice.payers)
    assert kinds["medicare"] == 1 and kinds["medicaid"] >= 1 and kinds["commercial"] >= 4
    medicare = next(p for p in practice.payers if p.kind == "medicare")
    assert medicare.filing_indicator == "MB" and medicare.crossover_to in {p.id for p in practice.payers}
    assert len(practice.patients) == 200 and len(practice.encounters) == 1000
    assert len({(p.first_name, p.last_name) for p in practice.patients}) == 200
    secondary = [p for p in practice.patients if len(p.coverages) > 1]
    assert 15 <= len(secondary) <= 80
    assert any(c.payer_id == medicare.crossover_to for p in secondary for c in p.coverages)
    # Cost sharing varies across plans
    assert len({(c.plan.copay, c.plan.coinsurance, c.plan.deductible) for p in practice.patients for c in p.coverages}) >= 5
    start, end = practice.period
    assert all(start <= e.date_of_service <= end for e in practice.encounters)
    assert (end - start).days >= 80


def test_medicare_ids_follow_the_mbi_format() -> None:
    rng = random.Random(3)
    for _ in range(50):
        mbi = make_mbi(rng)
        assert re.fullmatch(r"[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d"
                            r"[AC-HJKMNP-RT-Y]{2}\d{2}", mbi), mbi


def test_truth_codes_are_billable_icd10cm_and_priced_procedures(practice: DemoPractice) -> None:
    for e in practice.encounters:
        assert e.truth.diagnoses, e.id
        for code in e.truth.diagnoses:
            assert icd.is_valid_item(code) and icd.is_leaf(code), (e.id, code)
        for proc in e.truth.procedures:
            assert proc.code in practice.charge_master, (e.id, proc.code)
            assert set(proc.dx) <= set(e.truth.diagnoses), (e.id, proc)


def test_notes_have_sections_and_styles(practice: DemoPractice) -> None:
    styles = Counter()
    for e in practice.encounters:
        t = e.note
        if "CHIEF COMPLAINT:" in t:
            styles["full"] += 1
            for h in ("HISTORY OF PRESENT ILLNESS:", "PAST MEDICAL HISTORY:", "FAMILY HISTORY:", "SOCIAL HISTORY:",
                      "REVIEW OF SYSTEMS:", "PHYSICAL EXAMINATION:", "ASSESSMENT AND PLAN:"):
                assert h in t, (e.id, h)
        elif t.startswith("S: "):
            styles["soap"] += 1
            for h in ("PMH:", "FH:", "SH:", "ROS:", "O: ", "A/P:"):
                assert h in t, (e.id, h)
        else:
            styles["np"] += 1
            for h in ("CC:", "HPI:", "PMHx:", "FHx:", "SHx:", "ROS:", "PE:", "Assessment:", "Plan:"):
                assert h in t, (e.id, h)
    assert min(styles.values()) > 100 and len(styles) == 3


def test_notes_are_varied_and_realistic(practice: DemoPractice) -> None:
    notes = [e.note for e in practice.encounters]
    assert len(set(notes)) == len(notes)
    dx = Counter(c for e in practice.encounters for c in e.truth.diagnoses)
    assert len(dx) >= 80
    procs = Counter(p.code for e in practice.encounters for p in e.truth.procedures)
    assert len(procs) >= 45
    kinds = Counter(e.visit_kind for e in practice.encounters)
    assert {"chronic", "acute", "injury", "preventive", "procedure", "vaccine", "telehealth"} <= set(kinds)
    tele = [e for e in practice.encounters if e.visit_kind == "telehealth"]
    assert all(e.place_of_service == "10" and "95" in e.truth.procedures[0].modifiers for e in tele)
    text = "\n".join(notes)
    for phrase in ("Denies", "Negative for", "No evidence of", "r/o", "h/o", "hx", "Former smoker",
                   "Mother -", "yo", "BID", "PRN", "initial encounter", "subsequent encounter", "right", "left",
                   "bilateral", "Total time spent"):
        assert phrase in text, phrase
    # combination codes and conventions the truth must carry
    assert dx["E11.22"] and (dx["N18.31"] or dx["N18.32"]) and dx["I12.9"]
    assert any(c.endswith("A") and c.startswith("S") for c in dx) and any(c.endswith("D") for c in dx)
    assert any("X" in c for c in dx)  # placeholder X (S80.01XA)
    assert dx["Z23"] and (dx["Z00.00"] or dx["Z00.01"])
    lat = {"H66.91", "H66.92", "H10.31", "H10.32", "L03.115", "L03.116", "M17.11", "M17.12", "S93.401A", "S93.402A"}
    assert len(lat & set(dx)) >= 6
    # family history is documented but never becomes the patient's diagnosis
    for e in practice.encounters:
        if "breast cancer" in e.note and "Mother - breast cancer" in e.note:
            assert not any(c.startswith("C50") for c in e.truth.diagnoses)
    mods = Counter(m for e in practice.encounters for p in e.truth.procedures for m in p.modifiers)
    assert mods["25"] >= 20 and mods["QW"] >= 5


def test_laterality_in_text_matches_truth(practice: DemoPractice) -> None:
    side = {"H66.91": "right", "H66.92": "left", "L03.115": "right", "L03.116": "left", "S93.401A": "right",
            "S93.402A": "left", "H10.31": "right", "H10.32": "left"}
    checked = 0
    for e in practice.encounters:
        for code in e.truth.diagnoses:
            if code in side:
                assert side[code] in e.note.lower(), (e.id, code)
                checked += 1
    assert checked >= 20


def test_generator_is_separate_from_the_coder() -> None:
    demo_src = Path(__file__).resolve().parents[2] / "src" / "chartclaim" / "demo"
    coding_src = demo_src.parent / "coding"
    for name in ("names.py", "notes.py", "practice.py", "model.py", "claims.py"):
        f = demo_src / name
        assert not re.search(r"^\s*(from|import) chartclaim\.coding", f.read_text(), re.M), f
    if coding_src.is_dir():
        for f in coding_src.rglob("*.py"):
            assert not re.search(r"^\s*(from|import) chartclaim\.demo", f.read_text(), re.M), f
