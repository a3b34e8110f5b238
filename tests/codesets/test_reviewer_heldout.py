"""Held-out encoder quality: 200 realistic coder queries written by a reviewer who did not see the encoder's
own query sets or lexicon (tests/codesets/reviewer_heldout_queries.tsv). Built-in data only: the ``cs`` fixture
opens the compiled base with an empty imports file, so no Alphabetic Index / drug table is imported.

Measured on 2026-11-27 (commit 6f4760f): top-1 0.860, top-3 0.930 (186/200) -- that is the honest held-out figure.
The reviewer's root-cause report of its 14 misses then drove general fixes (QA bugs 1-15), so the set is tuned-on
since: 0.990 (198/200) after them. The acceptance bar is top-3 >= 0.90; the assertion below is a regression guard
at the current rate minus 0.02, not a target to tune towards."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from chartclaim.codesets import CodeSets

HELDOUT = Path(__file__).with_name("reviewer_heldout_queries.tsv")
MEASURED_TOP3 = 0.990
ACCEPTANCE_TOP3 = 0.90


def load() -> list[tuple[str, str, str]]:
    rows = []
    for n, line in enumerate(HELDOUT.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        assert len(parts) == 3, f"{HELDOUT.name}:{n}: want query<TAB>code<TAB>category, got {line!r}"
        rows.append((parts[0], parts[1], parts[2]))
    return rows


def test_heldout_set_is_valid(cs: CodeSets) -> None:
    rows = load()
    assert len(rows) == 200
    assert len({q for q, _, _ in rows}) == 200
    kinds = Counter(k for _, _, k in rows)
    assert {"abbreviation", "lay", "laterality", "injury_encounter", "zcode", "poisoning", "typo"} <= set(kinds)
    for q, code, _ in rows:
        e = cs.icd10cm.get(code)
        assert e is not None, f"{q!r}: {code} is not an ICD-10-CM code"
        assert e.billable, f"{q!r}: {code} is not billable"


def test_heldout_top3(cs: CodeSets) -> None:
    rows = load()
    assert cs.status()["systems"]["icd10cm_index"]["entries"] == 0, "built-in data only"
    misses = []
    for q, code, kind in rows:
        got = [h.code for h in cs.search(q, limit=3)]
        if code not in got:
            misses.append(f"{kind}: {q!r} want {code}, got {got}")
    top3 = 1 - len(misses) / len(rows)
    assert top3 >= MEASURED_TOP3 - 0.02, f"held-out top-3 {top3:.3f}; misses:\n" + "\n".join(misses)
