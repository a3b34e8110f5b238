"""Second outpatient follow-up: Index 'see' references, the Index's default child, the side a note names,
chronic conditions in a past-history list, acronym plurals, list items, status Z codes, fever with infection."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from chartclaim.coding.pipeline import Coder
from chartclaim.coding.terminology import Terminology, compile_terminology

from .conftest import codes_of, rejected_of


def _line(path: tuple[str, ...], code: str | None, see: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(source="index", path=path, code=code, see=see)


@pytest.fixture(scope="module")
def indexed(terminology: Terminology) -> Coder:
    lines = [
        _line(("Cellulitis",), "L03.90"), _line(("Cellulitis", "lower limb"), "L03.11-"),
        _line(("Cellulitis", "upper limb"), "L03.11-"),
        _line(("Cellulitis", "leg"), None, "Cellulitis, lower limb"),
        _line(("Cellulitis", "foot"), None, "Cellulitis, lower limb"),
        _line(("Cellulitis", "cervix"), None, "Cervicitis"),            # points at no coded line: nothing
        _line(("Influenza",), "J11.1"), _line(("Influenza", "B"), "J10-"),
        _line(("Influenza", "due to", "identified influenza virus NEC"), "J10.1"),
        _line(("Influenza", "due to", "identified influenza virus NEC", "with", "pneumonia"), "J10.00"),
        _line(("Depression", "recurrent"), "F33.9"), _line(("Removal", "suture"), "Z48.02"),
    ]
    term = compile_terminology([], lines, terminology.version)
    return Coder(terminology=Terminology(terminology.version, terminology.codes, terminology.children, term.index))


def test_see_references_take_the_code_of_the_line_they_point_to(indexed: Coder) -> None:
    seen = {i.path: (i.code, i.see) for i in indexed.term.index}
    assert seen[("Cellulitis", "leg")] == ("L03.11-", "Cellulitis, lower limb")
    assert ("Cellulitis", "cervix") not in seen


def test_the_see_target_words_choose_the_child(indexed: Coder) -> None:
    # 'leg' is filed under 'lower limb': right lower limb, not right upper limb
    assert "L03.115" in codes_of(indexed.code("A/P: Cellulitis of right leg.\n"))
    assert "L03.116" in codes_of(indexed.code("A/P: Cellulitis of left foot, keflex.\n"))


def test_index_default_child_where_the_tabular_marks_none(indexed: Coder) -> None:
    # J10 has no unspecified child; the Index's plainest line under 'Influenza' gives J10.1, not J10.00
    codes = codes_of(indexed.code("A/P: Influenza B, rapid test positive. Oseltamivir.\n"))
    assert "J10.1" in codes and "J10.00" not in codes
    assert indexed.assigner.index_default("J10", "influenza") == "J10.1"
    # pneumonia said: the context still wins over the default
    assert "J10.00" in codes_of(indexed.code("A/P: Influenza B with pneumonia.\n"))


def test_unspecified_side_takes_the_side_the_sentence_names(coder: Coder) -> None:
    a = coder.assigner
    assert a.lateral("H66.90", frozenset({"left"})) == "H66.92"
    assert a.lateral("H66.90", frozenset({"bilater"})) == "H66.93"
    assert a.lateral("H66.90", frozenset({"left", "right"})) == "H66.90"    # two sides say nothing
    assert a.lateral("I10", frozenset({"left"})) == "I10"
    assert "H66.92" in codes_of(coder.code("A/P: Left otitis media. Amoxicillin.\n"))


def test_chronic_condition_listed_in_pmh_is_not_history(coder: Coder) -> None:
    res = coder.code("PMH: depression, hypertension.\nA/P: Acute sinusitis - amoxicillin.\n")
    codes = codes_of(res)
    assert "Z86.59" not in codes and "F32.A" not in codes
    assert rejected_of(res)["F32.A"].startswith("chronic condition in the past-history list")
    # an annual visit whose A/P names no condition: the PMH list is not billed either
    res = coder.code("PMH: HLD, COPD, osteoporosis.\nA/P: Annual wellness visit - prevention plan given.\n")
    assert not {"E78.5", "J44.9", "M81.0"} & set(codes_of(res))
    # inpatient codes the chronic conditions the patient has
    res = coder.code("PMH: COPD, hypertension.\nAssessment: Community-acquired pneumonia.\n", profile="us-inpatient")
    codes = codes_of(res)
    assert "I10" in codes and any(c.startswith("J44") for c in codes)   # J44.0 with the pneumonia
    # said to be past: the personal-history code
    assert "Z86.59" in codes_of(coder.code("PMH: history of depression.\nA/P: Acute sinusitis - amoxicillin.\n"))
    # addressed today: the current code
    assert "F32.A" in codes_of(coder.code("PMH: depression.\nA/P: Depression - continue sertraline.\n"))


def test_acronym_plural_and_list_items(indexed: Coder) -> None:
    res = indexed.code("PMH: recurrent UTIs, depression.\nA/P: Acute sinusitis - amoxicillin.\n")
    assert "Z87.440" in codes_of(res)
    assert "F33.9" not in codes_of(res) and "F33.9" not in rejected_of(res)    # 'recurrent' belongs to UTIs
    assert "F33.9" in codes_of(indexed.code("A/P: Depression, recurrent - continue sertraline.\n"))
    # lower-case 'utis' is not the acronym
    toks = indexed.lexicon.tokens("the utis", "the utis", 0, 8)
    assert all(t.group < 0 for t in toks)


@pytest.mark.parametrize(("note", "want", "not_want"), [
    ("PMH: CAD s/p PCI with stent to LAD 2019.\nA/P: Hypertension - lisinopril.\n", "Z95.5", None),
    ("PMH: kidney stone, ureteral stent removed.\nA/P: Hypertension - lisinopril.\n", None, "Z95.5"),
    ("PMH: s/p CABG 2015. Pacemaker.\nA/P: Hypertension - lisinopril.\n", "Z95.1", None),
    ("HPI: candidate for CABG per cardiology.\nA/P: Hypertension - lisinopril.\n", None, "Z95.1"),
    ("PSH: s/p left TKA 2018.\nA/P: Hypertension - lisinopril.\n", "Z96.652", None),
    ("Social: stopped smoking 5 yrs ago.\nA/P: Hypertension - lisinopril.\n", "Z87.891", None),
    ("Social: smokes 1 ppd.\nA/P: Hypertension - lisinopril. Advised to quit smoking.\n", None, "Z87.891"),
    ("Family history: father s/p CABG.\nA/P: Hypertension - lisinopril.\n", None, "Z95.1"),
])
def test_status_codes(coder: Coder, note: str, want: str | None, not_want: str | None) -> None:
    codes = codes_of(coder.code(note))
    if want:
        assert want in codes
        ev = next(c for c in coder.code(note).codes if c.code == want).evidence
        assert ev and ev[0].text
    if not_want:
        assert not_want not in codes


def test_fever_is_integral_to_otitis_media(coder: Coder) -> None:
    res = coder.code("A/P: Left otitis media with fever. Amoxicillin.\n")
    assert "R50.9" not in codes_of(res)
    assert rejected_of(res)["R50.9"].startswith("symptom integral to confirmed diagnosis H66")


@pytest.mark.parametrize(("note", "want"), [
    ("Rapid influenza A/B antigen: positive for influenza A.\nA/P: Influenza A - oseltamivir.\n", "J10.1"),
    ("A/P: Influenza, rapid test positive for flu B. Tamiflu.\n", "J10.1"),
    ("Rapid influenza A/B antigen: negative for influenza A and B.\nA/P: Influenza-like illness, influenza.\n",
     "J11.1"),
    ("A/P: Influenza. Supportive care.\n", "J11.1"),
])
def test_identified_influenza_is_j10(coder: Coder, note: str, want: str) -> None:
    codes = codes_of(coder.code(note))
    assert want in codes
    assert ("J11.1" if want == "J10.1" else "J10.1") not in codes


def test_problem_list_is_current_not_history(coder: Coder) -> None:
    note = ("Active problems:\n# CAD s/p DES to LAD 2024 - no angina. Aspirin.\n# HTN - continue lisinopril.\n"
            "Plan: continue current regimen.\n")
    codes = codes_of(coder.code(note))
    assert {"I25.10", "I10", "Z95.5"} <= set(codes)          # DES: a drug-eluting (coronary) stent


def test_allergy_list_reaction_is_not_a_diagnosis(coder: Coder) -> None:
    res = coder.code("Allergies: iodinated contrast (hives), penicillin (rash).\nA/P: Acute sinusitis - doxycycline.\n")
    codes = codes_of(res)
    assert "L50.9" not in codes and "Z88.0" in codes


def test_goals_and_return_precautions_are_not_findings(coder: Coder) -> None:
    res = coder.code("A/P: Obesity - diet; goal 7% weight loss. Return immediately for eye pain or chest pain.\n")
    codes = codes_of(res)
    assert "R63.4" not in codes and "H57.10" not in codes and "R07.9" not in codes


def test_side_written_as_a_capital_letter(coder: Coder) -> None:
    assert "Z96.651" in codes_of(coder.code("PSH: s/p R TKA 2019.\nA/P: Hypertension - lisinopril.\n"))
    # a plan word after the device: not the patient's status
    assert "Z95.1" not in codes_of(coder.code("HPI: CABG planned next month.\nA/P: Hypertension - lisinopril.\n"))


def test_a_without_code_is_not_given_when_the_sentence_names_the_thing(coder: Coder) -> None:
    a = coder.assigner
    ctx = frozenset(coder.lexicon.norms("hypertensive heart and kidney disease with heart failure"))
    assert a.contradicted("I13.10", ctx)
    assert a.complete("I13", ctx) == "I13.0"
    plain = frozenset(coder.lexicon.norms("hypertensive heart and chronic kidney disease stage 3"))
    assert not a.contradicted("I13.10", plain) and a.complete("I13", plain) == "I13.10"
    codes = codes_of(coder.code("A: Chronic diastolic heart failure with hypertensive heart and kidney disease. "
                                "CKD stage 3b.\n"))
    assert "I13.0" in codes and "I13.10" not in codes


def test_af_in_capitals_is_atrial_fibrillation(coder: Coder) -> None:
    assert "I48.0" in codes_of(coder.code("A/P: Paroxysmal AF - rate controlled, continue apixaban.\n"))
    toks = coder.lexicon.tokens("af", "af", 0, 2)
    assert all(t.group < 0 for t in toks)       # lower-case 'af' is not expanded


def test_plan_for_a_later_visit_and_unspecified_region_injury(indexed: Coder) -> None:
    coder = indexed
    res = coder.code("Assessment: Laceration of left hand, initial encounter.\n"
                     "Plan: Suture removal in 10 days. Wound care reviewed.\n")
    codes = codes_of(res)
    assert any(c.startswith("S") for c in codes)
    assert "Z48.02" not in codes and not any(c.startswith("T14") for c in codes)
    assert rejected_of(res)["Z48.02"].startswith("outpatient: the reason of a later encounter")
    # the visit for the removal itself
    assert "Z48.02" in codes_of(coder.code("Assessment: Encounter for suture removal, healing well.\n"
                                           "Plan: sutures removed today.\n"))


def test_test_names_normal_skin_and_generic_symptoms(coder: Coder) -> None:
    codes = codes_of(coder.code("A/P: Atypical chest pain - stress test ordered. Hepatitis panel, HIV test.\n"
                                "Symptoms controlled.\nExam: Skin: Warm and dry, no rashes.\n"))
    assert not {"Z73.3", "K75.9", "B20", "R68.89", "L85.3"} & set(codes)
    # a test with its result is a finding
    assert any(c.startswith("J02") for c in codes_of(coder.code("A/P: Strep test positive for streptococcal "
                                                                 "pharyngitis. Amoxicillin.\n")))


def test_unspecified_female_breast_takes_the_side_the_sentence_names(coder: Coder) -> None:
    """C50's codes say 'unspecified female breast' (the sex between 'unspecified' and the organ): the side the
    sentence names still picks the sibling, and none or both keep the unspecified code."""
    a = coder.assigner
    assert a.lateral("C50.919", frozenset({"left"})) == "C50.912"
    assert a.lateral("C50.129", frozenset({"right"})) == "C50.121"
    assert a.lateral("C50.919", frozenset({"left", "right"})) == "C50.919"
    assert codes_of(coder.code("Carcinoma of the right breast.", profile="abstraction"))[0] == "C50.911"
    assert codes_of(coder.code("Breast carcinoma.", profile="abstraction"))[0] == "C50.919"
