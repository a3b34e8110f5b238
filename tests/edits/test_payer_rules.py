from __future__ import annotations

from pathlib import Path

import pytest

from chartclaim.edits import ScrubContext, scrub
from chartclaim.edits.payer_rules import RuleFileError, builtin_rules_dir, load_rules

from .conftest import SAMPLE, TODAY, make_claim
from .helpers import errors, rule_ids


def test_shipped_rules_load() -> None:
    ids = {r.id for r in load_rules([builtin_rules_dir()])}
    assert {"PAYER-87726-TELEHEALTH-95", "LCD-VITAMIN-D-ASSAY"} <= ids


def test_telehealth_modifier_95(ctx) -> None:
    bad = errors(make_claim(place_of_service="02"), ctx)
    assert {(e.rule_id, e.family) for e in bad} == {("PAYER-87726-TELEHEALTH-95", "payer")}
    assert [e.line for e in bad] == [1, 2]
    with95 = make_claim(place_of_service="10", line1={"modifiers": ["25", "95"]}, line2={"modifiers": ["95"]})
    assert errors(with95, ctx) == []
    other_payer = make_claim(place_of_service="02", payer={"id": "60054", "name": "Aetna"})
    assert errors(other_payer, ctx) == []


def _vitd(dx: str, **payer):
    line = {**SAMPLE["lines"][0], "procedure": "82306", "modifiers": [], "dx_pointers": [1]}
    return make_claim(diagnoses=[dx], lines=[line],
                      payer={"id": "00952", "name": "Medicare Part B", "filing_indicator": "MB", **payer})


def test_medical_necessity_policy(ctx) -> None:
    bad = errors(_vitd("Z00.00"), ctx)
    assert [(e.rule_id, e.family, e.line) for e in bad] == [("LCD-VITAMIN-D-ASSAY", "medical-necessity", 1)]
    assert "Z00.00" in bad[0].message
    assert errors(_vitd("E55.9"), ctx) == []
    assert errors(_vitd("N18.31"), ctx) == []
    # a commercial payer is not bound by the Medicare LCD; a payer named Medicare is Medicare
    assert errors(_vitd("Z00.00", filing_indicator="CI", name="Aetna"), ctx) == []
    assert rule_ids(_vitd("Z00.00", filing_indicator="CI", name="MEDICARE PART B"), ctx) == {"LCD-VITAMIN-D-ASSAY"}
    assert errors(_vitd("Z00.00", filing_indicator="HM", name="Humana Medicare Advantage"), ctx) == []


def test_abn_modifier_skips_medical_necessity(ctx) -> None:
    c = _vitd("Z00.00")
    ga = c.model_copy(update={"lines": (c.lines[0].model_copy(update={"modifiers": ("GA",)}),)})
    assert rule_ids(ga, ctx, "medical-necessity") == set()


def test_custom_rule_folder(tmp_path: Path, store_path: Path) -> None:
    (tmp_path / "age.yaml").write_text(
        "- id: ACME-PEDS-ONLY\n  type: claim\n  when: {payer: ['87726'], age_max: 17, procedure: ['99214']}\n"
        "  severity: warning\n  message: 'Pediatric visit {payer}'\n  fix: 'Check the pediatric rider.'\n")
    ctx = ScrubContext(today=TODAY, rules=tuple(load_rules([tmp_path])))
    assert rule_ids(make_claim(subscriber={"dob": "2015-01-01"}), ctx, "payer") == {"ACME-PEDS-ONLY"}
    assert rule_ids(make_claim(), ctx, "payer") == set()
    assert all(e.severity == "warning" for e in scrub(make_claim(subscriber={"dob": "2015-01-01"}), ctx)
               if e.family == "payer")


def test_bad_rule_file_names_file_and_rule(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("- id: X1\n  when: {payr: ['87726']}\n  message: m\n  fix: f\n")
    with pytest.raises(RuleFileError, match=r"bad.yaml: rule X1: when.payr"):
        load_rules([tmp_path])
    (tmp_path / "bad.yaml").write_text("- id: X2\n  message: m\n")
    with pytest.raises(RuleFileError, match="X2"):
        load_rules([tmp_path])
