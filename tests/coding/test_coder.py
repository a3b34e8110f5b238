from __future__ import annotations

import pytest

from chartclaim.coding.pipeline import Coder

from .conftest import codes_of, rejected_of


def test_laterality_and_word_order(coder: Coder) -> None:
    for text in ("Pain in the left knee.", "Left knee pain for two weeks.", "Knee pain, left."):
        assert "M25.562" in codes_of(coder.code(text)), text
    assert "M25.561" in codes_of(coder.code("Right knee pain."))


def test_split_modifier_and_seventh_character(coder: Coder) -> None:
    res = coder.code("X-ray: fracture of the distal radius, right.")
    assert "S52.501A" in codes_of(res)
    c = next(c for c in res.codes if c.code == "S52.501A")
    assert "7th character A" in c.rule
    res = coder.code("Subsequent encounter for fracture of the distal radius, right.")
    assert "S52.501D" in codes_of(res)


def test_placeholder_x(coder: Coder) -> None:
    assert "S02.0XXA" in codes_of(coder.code("Fracture of vault of skull."))


def test_combination_code_with_use_additional(coder: Coder) -> None:
    res = coder.code("Type 2 diabetes mellitus. Chronic kidney disease stage 3.")
    codes = codes_of(res)
    assert "E11.22" in codes and "E11.9" not in codes
    assert any(c.startswith("N18.3") for c in codes)
    # E11.22 says "use additional code" for the CKD stage: it is listed before it
    n18 = next(c for c in codes if c.startswith("N18.3"))
    assert codes.index("E11.22") < codes.index(n18)
    assert "combination code" in rejected_of(res)["E11.9"]


def test_negation_and_family_are_not_coded(coder: Coder) -> None:
    res = coder.code("Denies chest pain. Mother had breast cancer.")
    codes = codes_of(res)
    assert not any(c.startswith("R07") for c in codes)
    assert not any(c.startswith("C50") for c in codes)
    rej = rejected_of(res)
    assert any(k.startswith("R07") and v.startswith("negated") for k, v in rej.items())
    assert "Z80.3" in codes                       # family history of breast cancer (outpatient)


def test_profiles_uncertain_and_history(coder: Coder) -> None:
    text = "Possible pneumonia. History of pulmonary embolism."
    out = coder.code(text, profile="us-outpatient")
    assert not any(c.startswith("J18") for c in codes_of(out))
    assert any(v.startswith("uncertain") for v in rejected_of(out).values())
    assert "Z86.711" in codes_of(out)
    inp = coder.code(text, profile="us-inpatient")
    assert any(c.startswith("J18") for c in codes_of(inp))
    abst = coder.code(text, profile="abstraction")
    assert any(c.startswith("I26") for c in codes_of(abst))
    with pytest.raises(ValueError):
        coder.code(text, profile="nope")


def test_excludes1_conflict_resolved(coder: Coder) -> None:
    res = coder.code("Type 1 diabetes mellitus. Type 2 diabetes mellitus.")
    codes = codes_of(res)
    assert not ("E10.9" in codes and "E11.9" in codes)
    assert any("Excludes1" in v for v in rejected_of(res).values())


def test_manifestation_never_first(coder: Coder) -> None:
    res = coder.code("Amyloidosis with cardiomyopathy in diseases classified elsewhere. Amyloidosis.")
    if res.codes:
        assert not coder.term.is_manifestation(res.codes[0].code)


def test_every_code_has_evidence_from_the_text(coder: Coder) -> None:
    text = "HPI: 70 y/o with HTN and COPD, now left knee pain. Plan: continue lisinopril."
    res = coder.code(text)
    assert res.codes
    for c in res.codes:
        assert c.evidence and 0.0 <= c.score <= 1.0
        for e in c.evidence:
            assert text[e.start:e.end] == e.text
    assert "I10" in codes_of(res) and any(c.startswith("J44") for c in codes_of(res))


def test_json_shape(coder: Coder) -> None:
    d = coder.code("Acute bronchitis.").as_json("n1")
    assert d["id"] == "n1"
    c = d["codes"][0]
    assert set(c) == {"code", "system", "score", "evidence", "rule"}
    assert set(c["evidence"][0]) == {"start", "end", "text"}
