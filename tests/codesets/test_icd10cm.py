from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from chartclaim.codesets import CodeSets, get_codesets
from tests.conftest import shared_file


def test_fy2026_has_all_billable_codes(cs: CodeSets) -> None:
    v = cs.icd10cm.version_for(None)
    assert v.billable >= 74_000
    assert sum(1 for _ in cs.icd10cm.iter_entries(billable_only=True)) == v.billable


def test_get_accepts_undotted_and_lowercase(cs: CodeSets) -> None:
    e = cs.icd10cm.get("e1122")
    assert e is not None and e.code == "E11.22" and e.billable and e.kind == "code"
    assert e.parent == "E11.2"
    assert cs.icd10cm.get("E11.22") == e
    assert cs.icd10cm.get("E11.99") is None


def test_e11_excludes1_e10(cs: CodeSets) -> None:
    e = cs.icd10cm.get("E11.9")
    assert e is not None
    # the note is printed at category E11 and governs E11.9
    notes = [n for n in e.excludes1 if n.mentions("E10.9")]
    assert notes and notes[0].at == "E11" and "type 1" in notes[0].text
    assert cs.icd10cm.excludes1_conflict("E11.9", "E10.65") is not None
    assert cs.icd10cm.excludes1_conflict("E10.65", "E11.9") is not None
    assert cs.icd10cm.excludes1_conflict("E11.9", "I10") is None


def test_g63_code_first_and_manifestation(cs: CodeSets) -> None:
    e = cs.icd10cm.get("G63")
    assert e is not None and e.billable
    assert any(n.mentions("E85.4") for n in e.code_first)     # amyloidosis (E85.-)
    assert cs.icd10cm.is_manifestation("G63")
    assert not cs.icd10cm.is_manifestation("E11.42")
    # 'E08-E13 with .42' names only the .42 codes
    assert cs.icd10cm.excludes1_conflict("G63", "E11.42") is not None
    assert cs.icd10cm.excludes1_conflict("G63", "E11.9") is None


def test_inherited_use_additional_from_category(cs: CodeSets) -> None:
    e = cs.icd10cm.get("E11.22")
    assert e is not None
    at = {n.at for n in e.use_additional}
    assert {"E11.22", "E11"} <= at
    assert any(n.mentions("Z79.4") for n in e.use_additional)


def test_seventh_characters_s52_5(cs: CodeSets) -> None:
    e = cs.icd10cm.get("S52.501")
    assert e is not None and not e.billable and e.requires_seventh_character
    assert e.seventh_characters["A"] == "initial encounter for closed fracture"
    assert e.seventh_characters["S"] == "sequela"
    assert len(e.seventh_characters) == 16
    a = cs.icd10cm.get("S52.501A")
    assert a is not None and a.billable and a.parent == "S52.501"
    assert a.description.endswith("initial encounter for closed fracture")
    assert cs.icd10cm.is_valid("S52.501D") and not cs.icd10cm.is_valid("S52.501")


def test_placeholder_x(cs: CodeSets) -> None:
    assert cs.icd10cm.is_valid("T36.0X1A")
    assert not cs.icd10cm.is_valid("T36.01A")
    e = cs.icd10cm.get("T36.0X1A")
    assert e is not None and e.has_placeholder
    assert cs.icd10cm.get("S01.01").seventh_character_stem == "S01.01X"  # type: ignore[union-attr]
    assert cs.icd10cm.fix_placeholder("T3601A") == "T36.0X1A"
    assert cs.icd10cm.fix_placeholder("S0101A") == "S01.01XA"
    assert cs.icd10cm.fix_placeholder("Q99999") is None


def test_hierarchy(cs: CodeSets) -> None:
    assert cs.icd10cm.children("E11.2") == ("E11.21", "E11.22", "E11.29")
    kids = cs.icd10cm.billable_descendants("E11.2")
    assert kids == ("E11.21", "E11.22", "E11.29")
    assert cs.icd10cm.billable_descendants("E11.22") == ("E11.22",)
    assert cs.icd10cm.ancestors("E11.22") == ("E11.2", "E11", "E08-E13", "4")
    block = cs.icd10cm.get("E08-E13")
    assert block is not None and block.kind == "block" and not block.billable


def test_validity_by_date_uses_fy2026_for_current_dates(cs: CodeSets) -> None:
    assert cs.icd10cm.is_valid("E11.22", date(2026, 5, 1))
    assert not cs.icd10cm.is_valid("E11.2", date(2026, 5, 1))


def test_get_codesets_is_cached() -> None:
    assert get_codesets() is get_codesets()


@pytest.mark.slow
def test_manifestation_flag_agrees_with_cms_mce(cs: CodeSets, shared_data: Path) -> None:
    """Our title-based manifestation flag against the CMS Medicare Code Editor's manifestation list."""
    import csv
    import gzip

    p = shared_file(shared_data, "reference/cms_mce_v43_1/mce_icd10_dx_edits.csv.gz")
    with gzip.open(p, "rt") as fh:
        mce = {r["code"] for r in csv.DictReader(fh) if "manifestation" in r["flags"]
               and r["start_date"] <= "20260401" and (not r["end_date"] or r["end_date"] >= "20260401")}
    ours = {e.nodot for e in cs.icd10cm.iter_entries(billable_only=True) if e.manifestation}
    # nearly all we flag are MCE manifestations; the MCE also flags E08/E09 ('due to underlying condition')
    assert len(ours & mce) / len(ours) >= 0.88
    non_diabetes = {c for c in mce if not c.startswith(("E08", "E09"))}
    assert len(ours & non_diabetes) / len(non_diabetes) >= 0.88
