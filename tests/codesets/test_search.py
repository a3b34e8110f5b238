"""Encoder search quality on the team's realistic coder queries, and the search contract."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chartclaim.codesets import CodeSets

QUERIES = Path(__file__).with_name("encoder_queries.tsv")
ROUND2 = Path(__file__).with_name("encoder_queries_round2.tsv")
ROUND3 = Path(__file__).with_name("encoder_queries_round3.tsv")
ROUND4 = Path(__file__).with_name("encoder_queries_round4.tsv")
ROUND5 = Path(__file__).with_name("encoder_queries_round5.tsv")
ROUND7 = Path(__file__).with_name("encoder_queries_round7.tsv")
ROUND8 = Path(__file__).with_name("encoder_queries_round8.tsv")
ROUND9 = Path(__file__).with_name("encoder_queries_round9.tsv")
HOLDOUT = Path(__file__).with_name("encoder_queries_holdout.tsv")
LAY_COMMON = Path(__file__).with_name("encoder_queries_lay_common.tsv")
FRONT_DESK = Path(__file__).with_name("encoder_queries_frontdesk.tsv")
INJURY_LAY = Path(__file__).with_name("encoder_queries_injury_lay.tsv")
ZCODE_DESK = Path(__file__).with_name("encoder_queries_zcode_frontdesk.tsv")
MIN_TOP3 = 0.90


def load_queries(path: Path = QUERIES) -> list[tuple[str, set[str], str]]:
    out = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        q, expected, kind = line.split("\t")
        out.append((q, set(expected.split("|")), kind))
    return out


def all_queries() -> list[tuple[str, set[str], str]]:
    return [q for p in (QUERIES, ROUND2, ROUND3, ROUND4, ROUND5, HOLDOUT, ROUND7, ROUND8, ROUND9,
                                   LAY_COMMON, FRONT_DESK, INJURY_LAY, ZCODE_DESK) if p.exists() for q in load_queries(p)]


def test_query_set_is_large_and_valid(cs: CodeSets) -> None:
    qs = all_queries()
    assert len(qs) >= 150
    kinds = {k for _, _, k in qs}
    assert {"abbr", "lay", "typo", "lat", "enc", "z", "order"} <= kinds
    for q, expected, _ in qs:
        for code in expected:
            assert cs.icd10cm.is_valid(code), f"{q!r}: expected {code} is not a billable FY2026 code"


def test_top3_rate(cs: CodeSets) -> None:
    """Combined top-3 rate over every query file (dev + tuned-on rounds + the final held-out round).
    The held-out round alone measured 0.776 when first seen; see docs/benchmarks.md."""
    qs = all_queries()
    misses = []
    for q, expected, kind in qs:
        got = [h.code for h in cs.search(q, limit=3)]
        if not expected & set(got):
            misses.append((kind, q, sorted(expected), got))
    rate = 1 - len(misses) / len(qs)
    detail = "\n".join(f"  [{k}] {q!r}: want {e}, got {g}" for k, q, e, g in misses)
    assert rate >= MIN_TOP3, f"top-3 rate {rate:.3f} < {MIN_TOP3}; misses:\n{detail}"


def test_heldout_round_does_not_regress(cs: CodeSets) -> None:
    """The last held-out rounds guard against regressions (first measurements: round 6 0.776, round 7
    0.817, round 8 0.867, round 9 0.817)."""
    for path, floor in ((HOLDOUT, 0.74), (ROUND7, 0.78), (ROUND8, 0.83), (ROUND9, 0.78)):
        qs = load_queries(path)
        ok = sum(1 for q, expected, _ in qs if expected & {h.code for h in cs.search(q, limit=3)})
        assert ok / len(qs) >= floor, path.name


def test_hits_say_billable_and_list_children(cs: CodeSets) -> None:
    hits = cs.search("type 2 diabetes mellitus with kidney complications", limit=5)
    by_code = {h.code: h for h in hits}
    assert "E11.2" in by_code
    h = by_code["E11.2"]
    assert not h.billable and h.billable_children == ("E11.21", "E11.22", "E11.29")
    assert h.billable_children_total == 3
    assert all(x.billable_children == () for x in hits if x.billable)


def test_code_shaped_queries(cs: CodeSets) -> None:
    assert cs.search("e1122", limit=1)[0].code == "E11.22"
    hits = cs.search("S52.5", limit=5)
    assert hits[0].code == "S52.5" and not hits[0].billable
    assert all(h.code.startswith("S52.5") for h in hits)


def test_laterality_and_encounter_choose_the_code(cs: CodeSets) -> None:
    assert cs.search("left knee osteoarthritis", limit=1)[0].code == "M17.12"
    assert cs.search("right knee osteoarthritis", limit=1)[0].code == "M17.11"
    assert cs.search("sprain left ankle subsequent", limit=1)[0].code == "S93.402D"
    assert cs.search("sprain left ankle sequela", limit=1)[0].code == "S93.402S"
    assert cs.search("sprain left ankle", limit=1)[0].code == "S93.402A"


def test_empty_and_nonsense(cs: CodeSets) -> None:
    assert cs.search("", limit=3) == []
    assert cs.search("qqqzzzxxyy", limit=3) == []


def test_simple_system_search(cs: CodeSets) -> None:
    hits = cs.search("office visit established moderate", system="cpt", limit=3)
    assert hits and hits[0].code == "99214"
    assert cs.search("25", system="modifiers", limit=1)[0].code == "25"


def test_cli_json(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from chartclaim.cli import app

    r = CliRunner().invoke(app, ["codes", "search", "dm2 with ckd", "--json", "--limit", "3"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert [set(d) for d in data] == [{"code", "description", "score", "billable"}] * len(data)
    assert data[0]["code"] == "E11.22"
    assert data == sorted(data, key=lambda d: -d["score"])
    r = CliRunner().invoke(app, ["codes", "show", "E11.22"])
    assert r.exit_code == 0 and "Excludes1" in r.output and "E10.-" in r.output
    r = CliRunner().invoke(app, ["codes", "show", "T3601A"])
    assert r.exit_code == 1 and "T36.0X1A" in r.output
