"""Small parts: note range parsing, token folding, the version chooser."""

from __future__ import annotations

from datetime import date

from chartclaim.codesets.model import CodeRange
from chartclaim.codesets.ranges import parse_ranges
from chartclaim.codesets.text import required_tokens, stem, tokens


def test_parse_ranges() -> None:
    assert parse_ranges("type 1 diabetes mellitus (E10.-)") == (CodeRange("E10", "E10"),)
    assert parse_ranges("stage of chronic kidney disease (N18.1-N18.6)") == (CodeRange("N181", "N186"),)
    assert [str(r) for r in parse_ranges("x (E08.22, E09.22)")] == ["E08.22", "E09.22"]
    assert [str(r) for r in parse_ranges("diabetes mellitus (E08-E13 with .42)")] == [
        "E08.42", "E09.42", "E10.42", "E11.42", "E12.42", "E13.42"]
    assert parse_ranges("hemoglobin A1C without parentheses") == ()
    r = CodeRange("N181", "N186")
    assert r.contains("N18.30") and r.contains("N186") and not r.contains("N18.9") and not r.contains("N17.9")
    assert CodeRange("P70", "P74").contains("P74.31") and not CodeRange("P70", "P74").contains("P75")


def test_stem_and_tokens() -> None:
    assert stem("fractures") == "fracture" and stem("injuries") == "injury" and stem("ribs") == "rib"
    assert stem("headaches") == "headache" and stem("abscess") == "abscess" and stem("diabetes") == "diabetes"
    assert stem("diabetic") == "diabetes" and stem("mellitus") == "mellitus"
    assert tokens("Fracture of the lower end of radius") == ["fracture", "lower", "end", "radius"]
    assert required_tokens("Essential (primary) hypertension") == ["essential", "hypertension"]


def test_version_choice_by_date(cs) -> None:  # type: ignore[no-untyped-def]
    v = cs.icd10cm.version_for
    assert v(date(2026, 5, 1)).label == "FY2026-04"
    assert v(date(2025, 11, 1)).label == "FY2026-04"        # same fiscal year, October release not loaded
    assert v(date(2027, 1, 1)).label == "FY2026-04"         # newest stands in (status shows it is stale)
    assert v(None).label == "FY2026-04"
