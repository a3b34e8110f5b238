"""Denials: CARC/RARC + group → category, liability, next step, appeal/correct."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from chartclaim.billing.denials import (
    CATEGORY_LABELS,
    DENIAL_CATEGORIES,
    assess_line,
    builtin_denial_map,
    csv_describer,
    explain_codes,
    explain_denial,
    load_denial_map,
    merge_maps,
)
from chartclaim.claim import Adjustment
from tests.conftest import shared_file

D = Decimal


@pytest.mark.parametrize(("group", "carc", "rarcs", "category"), [
    ("CO", "27", [], "eligibility"),
    ("CO", "31", [], "eligibility"),
    ("CO", "197", [], "authorization"),
    ("CO", "4", [], "coding"),
    ("CO", "11", [], "coding"),
    ("CO", "50", [], "medical_necessity"),
    ("CO", "97", [], "bundling"),
    ("CO", "236", [], "bundling"),
    ("CO", "29", [], "timely_filing"),
    ("OA", "18", [], "duplicate"),
    ("CO", "16", [], "missing_information"),
    ("PR", "204", [], "non_covered"),
    ("CO", "22", [], "coordination_of_benefits"),
    ("CO", "185", [], "provider_eligibility"),
    ("CO", "119", [], "benefit_limit"),
])
def test_each_denial_category_has_a_deciding_carc(group: str, carc: str, rarcs: list[str], category: str) -> None:
    e = explain_denial(group, carc, rarcs)
    assert e.category == category and e.is_denial and e.mapped
    assert e.deciding_code == f"CARC {carc}"
    assert e.action and e.category_label == CATEGORY_LABELS[category]


def test_every_category_in_the_brief_is_reachable() -> None:
    m = builtin_denial_map()
    used = {r.category for r in (*m.carc.values(), *m.rarc.values()) if r.category}
    assert set(DENIAL_CATEGORIES) - {"other"} <= used
    assert {"contractual", "patient_responsibility"} <= used


def test_contractual_and_patient_responsibility_are_not_denials() -> None:
    co45 = explain_denial("CO", "45", amount=D("30.00"))
    assert not co45.is_denial and co45.category == "contractual" and not co45.appealable
    pr2 = explain_denial("PR", "2")
    assert not pr2.is_denial and pr2.liability == "patient"
    # deductible under CO: the contract forbids billing the patient
    assert explain_denial("CO", "1").liability == "provider"


def test_group_code_sets_liability() -> None:
    assert explain_denial("CO", "96").liability == "provider"
    pr = explain_denial("PR", "96", ["N425"])
    assert pr.liability == "patient" and pr.action.startswith("Group PR: the patient owes this. Bill the patient")
    assert explain_denial("PR", "50").action.startswith("Bill the patient")


def test_generic_carc_is_decided_by_its_remark() -> None:
    e = explain_denial("CO", "16", ["N59", "M51"])  # N59 has no category; M51 decides
    assert e.category == "coding" and e.deciding_code == "RARC M51"
    assert "procedure code" in e.action.lower()
    npi = explain_denial("CO", "16", ["N290"])
    assert npi.category == "missing_information" and "NPI" in npi.action
    # a specific CARC keeps its own category; remarks only add notes
    b = explain_denial("CO", "97", ["M15"])
    assert b.deciding_code == "CARC 97" and any(n.startswith("M15") for n in b.notes)


def test_remarks_that_remove_appeal_rights() -> None:
    assert explain_denial("CO", "50").appealable
    e = explain_denial("CO", "50", ["N211"])
    assert not e.appealable and any("no appeal rights" in n for n in e.notes)
    unprocessable = explain_denial("CO", "16", ["MA130", "M76"])
    assert unprocessable.deciding_code == "RARC MA130" and not unprocessable.appealable
    assert unprocessable.correctable and "NEW claim" in unprocessable.action


def test_unmapped_code_gets_generic_action_and_says_so() -> None:
    e = explain_denial("CO", "ZZ9")
    assert not e.mapped and e.category == "other" and e.is_denial and e.appealable
    assert "no description available" in e.reasons[0]


def test_explain_codes_parses_cli_forms() -> None:
    a = explain_codes(["co-97", "m15"])
    assert (a.group, a.carc, a.rarcs) == ("CO", "97", ("M15",))
    b = explain_codes(["PR", "1"])
    assert (b.group, b.carc) == ("PR", "1")
    c = explain_codes(["16", "M51"])
    assert c.group is None and c.code_string == "16 M51"
    with pytest.raises(ValueError):
        explain_codes([])


def test_assess_line_splits_amounts_and_picks_the_primary_denial() -> None:
    adjs = [Adjustment(group="CO", reason="45", amount=D("20.00")),
            Adjustment(group="PR", reason="2", amount=D("12.50")),
            Adjustment(group="CO", reason="97", amount=D("55.00"))]
    a = assess_line(adjs, ["M15"], paid=D("0"))
    assert a.status == "denied" and a.primary is not None and a.primary.carc == "97"
    assert (a.denied_amount, a.contractual_amount, a.patient_responsibility) == (D("55.00"), D("20.00"), D("12.50"))
    paid = assess_line([("CO", "45", "10.00"), ("PR", "1", "30")], paid=D("40"))
    assert paid.status == "paid" and paid.primary is None and paid.patient_responsibility == D("30")
    part = assess_line([{"group": "CO", "reason": "151", "amount": "15"}], paid=D("60"))
    assert part.status == "partially_denied"


def test_practice_override_map(tmp_path: Path) -> None:
    f = tmp_path / "ours.yaml"
    f.write_text('carc:\n  "97": {cat: bundling, label: "bundled", action: "Send to Dr Smith for review.", '
                 'appeal: false, correct: true}\n')
    m = merge_maps(builtin_denial_map(), load_denial_map(f))
    e = explain_denial("CO", "97", denial_map=m)
    assert e.action == "Send to Dr Smith for review." and not e.appealable
    bad = tmp_path / "bad.yaml"
    bad.write_text('carc:\n  "97": {cat: nonsense}\n')
    with pytest.raises(ValueError, match=r"carc\.97.*nonsense"):
        load_denial_map(bad)


def test_map_codes_exist_in_the_published_lists(shared_data: Path) -> None:
    folder = shared_file(shared_data, "reference/x12_claim_adjustment_codes")
    status = {}
    for name in ("carc.csv", "rarc.csv"):
        with (folder / name).open(encoding="utf-8") as fh:
            status.update({(name[:4], r["code"]): r["status"] for r in csv.DictReader(fh)})
    m = builtin_denial_map()
    stale = [("carc", c) for c in m.carc if status.get(("carc", c)) != "current"]
    stale += [("rarc", c) for c in m.rarc if status.get(("rarc", c)) != "current"]
    assert stale == []
    assert len(m.carc) >= 120


def test_official_descriptions_are_quoted_when_available(shared_data: Path) -> None:
    folder = shared_file(shared_data, "reference/x12_claim_adjustment_codes")
    e = explain_denial("CO", "29", describe=csv_describer(folder))
    assert "time limit for filing" in e.reasons[0].lower()
    long = explain_denial("CO", "16", ["M51"], describe=csv_describer(folder))
    assert "Usage:" not in long.reasons[0] and "Remark Code must" not in long.reasons[0]


def test_codesets_describer_uses_code_sets_and_survives_their_absence(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    import chartclaim.codesets as codesets
    from chartclaim.billing.denials import codesets_describer

    calls = []

    class Table:
        def __init__(self, texts: dict[str, str]):
            self.texts = texts

        def get(self, code: str) -> object:
            return types.SimpleNamespace(description=self.texts[code]) if code in self.texts else None

    def fake() -> object:
        calls.append(1)
        return types.SimpleNamespace(carc=Table({"97": "Bundled into another payment"}), rarc=Table({}),
                                     group_codes=Table({}))

    monkeypatch.setattr(codesets, "get_codesets", fake)
    describe = codesets_describer()
    assert describe("carc", "97") == "Bundled into another payment"
    assert describe("carc", "NOPE") is None and describe("other", "x") is None
    assert len(calls) == 1  # opened once

    def broken() -> object:
        calls.append(1)
        raise RuntimeError("code sets not built")

    monkeypatch.setattr(codesets, "get_codesets", broken)
    describe = codesets_describer()
    assert describe("carc", "97") is None and describe("rarc", "M15") is None
    assert len(calls) == 2  # the failure is remembered
    assert explain_denial("CO", "97", describe=describe).reasons[0].startswith("CARC 97 — included")


def test_map_file_has_no_duplicate_keys() -> None:
    # YAML silently keeps the last of two equal keys; a duplicate would hide an entry.
    from importlib import resources

    text = resources.files("chartclaim.data.billing").joinpath("denial_map.yaml").read_text("utf-8")
    section, seen, dupes = "", set(), []
    for line in text.splitlines():
        if line in ("carc:", "rarc:"):
            section = line[:-1]
        elif line.startswith('  "'):
            key = (section, line.split('"')[1])
            if key in seen:
                dupes.append(key)
            seen.add(key)
    assert dupes == [] and len(seen) > 250
    assert builtin_denial_map().carc["303"].category == "contractual"
    assert explain_denial("CO", "303").liability == "none"
    assert explain_denial("CO", "116").category == "non_covered" and not explain_denial("CO", "116").appealable
