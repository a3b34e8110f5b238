"""The outpatient follow-up rules (docs/reviews/coder-outpatient-2026-11-27.md, items 3-13) on small notes."""
from __future__ import annotations

import pytest

from chartclaim.coding.context import default_rules
from chartclaim.coding.pipeline import Coder
from chartclaim.coding.terminology import IndexTerm, Terminology

from .conftest import codes_of, rejected_of


@pytest.fixture(scope="module")
def indexed(terminology: Terminology) -> Coder:
    """The Tabular plus a few Alphabetic Index main terms whose stems collide with everyday words."""
    index = [IndexTerm("index", p, c) for p, c in [
        (("HIV",), "B20"), (("ARC",), "B20"), (("PRES",), "I67.83"), (("Burn",), "T30.0"),
        (("Cold",), "J00"), (("Wells' disease",), "L98.3"), (("Heat",), "T67.9"),
        (("Gastroenteritis",), "K52.9"), (("Gastroenteritis", "viral NEC"), "A08.4"),
        (("Screening", "colonoscopy"), "Z12.11")]]
    return Coder(terminology=Terminology(terminology.version, terminology.codes, terminology.children, index))


# ---------------------------------------------------------------- 3. one code per condition, most specific
def test_unspecified_branch_beside_a_specific_code_is_dropped(coder: Coder) -> None:
    res = coder.code("Assessment: Acute pharyngitis. Streptococcal pharyngitis, rapid strep positive.\n")
    assert "J02.0" in codes_of(res) and "J02.9" not in codes_of(res)
    assert "unspecified beside the more specific J02.0" in rejected_of(res)["J02.9"]
    res = coder.code("A/P: Paroxysmal atrial fibrillation. Atrial fibrillation is rate controlled.\n")
    assert "I48.0" in codes_of(res) and "I48.91" not in codes_of(res)


def test_abstraction_keeps_both_specificities(coder: Coder) -> None:
    res = coder.code("Assessment: Acute pharyngitis. Streptococcal pharyngitis.\n", profile="abstraction")
    assert {"J02.0", "J02.9"} <= set(codes_of(res))


def test_combination_code_reuses_the_documented_ckd_stage(coder: Coder) -> None:
    res = coder.code("Assessment: Type 2 diabetes with CKD stage 3b. CKD stable, recheck BMP.\n")
    codes = codes_of(res)
    assert {"E11.22", "N18.32"} <= set(codes)
    assert "N18.9" not in codes
    e1122 = next(c for c in res.codes if c.code == "E11.22")
    assert "N18.32 as use-additional" in e1122.rule


def test_without_complications_goes_beside_a_complication(coder: Coder) -> None:
    res = coder.code("Assessment: Type 2 diabetes mellitus without complications. "
                     "Type 2 diabetes mellitus with hyperglycemia.\n")
    assert "E11.65" in codes_of(res) and "E11.9" not in codes_of(res)


# ---------------------------------------------------------------- 4. index/term noise
@pytest.mark.parametrize("text", [
    "HPI: hives on both arms since yesterday.\nAssessment: Acute urticaria.\n",
    "Exam: painful arc on abduction.\nAssessment: Impingement syndrome of right shoulder.\n",
    "Plan: albuterol pre-exercise.\nAssessment: Mild intermittent asthma, uncomplicated.\n",
])
def test_acronyms_match_only_as_acronyms(indexed: Coder, text: str) -> None:
    codes = codes_of(indexed.code(text))
    assert "B20" not in codes and "I67.83" not in codes


def test_an_acronym_in_capitals_still_matches(indexed: Coder) -> None:
    assert "B20" in codes_of(indexed.code("Assessment: ARC, on treatment.\n"))


def test_eponym_needs_its_s(indexed: Coder) -> None:
    assert "L98.3" not in codes_of(indexed.code("Assessment: HIV disease - well controlled.\n",
                                                profile="abstraction"))


@pytest.mark.parametrize(("text", "bad"), [
    ("Assessment: Burning with urination, dysuria.\n", "T30.0"),
    ("Assessment: Hypothyroidism with cold intolerance.\n", "J00"),
    ("Assessment: Low back pain. Plan: heat, ice.\n", "T67.9XXA"),
])
def test_head_nouns_and_everyday_words(indexed: Coder, text: str, bad: str) -> None:
    assert bad not in codes_of(indexed.code(text, profile="abstraction"))


def test_a_burn_and_a_cold_as_nouns_still_match(indexed: Coder) -> None:
    assert "T30.0" in codes_of(indexed.code("Assessment: burn to the skin.\n", profile="abstraction"))
    assert "J00" in codes_of(indexed.code("Assessment: cold for three days.\n", profile="abstraction"))


def test_counselling_is_not_a_diagnosis(coder: Coder) -> None:
    res = coder.code("Assessment: Mild intermittent asthma, uncomplicated. Counseled on inhaler technique.\n")
    assert codes_of(res) == ["J45.20"]


def test_a_vaccine_names_its_disease_without_diagnosing_it(coder: Coder) -> None:
    res = coder.code("Nurse visit.\nInfluenza vaccine administered left deltoid.\nDx: Encounter for immunization.\n")
    assert codes_of(res) == ["Z23"]
    res = coder.code("Assessment: Well child exam. Influenza vaccine given today.\n")
    assert "Z23" in codes_of(res) and not any(c.startswith(("J09", "J10", "J11")) for c in codes_of(res))


# ---------------------------------------------------------------- 5. specificity
def test_ckd_stage_letter_is_kept(coder: Coder) -> None:
    res = coder.code("A: CKD stage 3a. Hypertension on amlodipine.\n")
    assert {"I12.9", "N18.31"} <= set(codes_of(res)) and "N18.30" not in codes_of(res)
    assert "N18.32" in codes_of(coder.code("Assessment: CKD 3b, stable.\n"))


@pytest.mark.parametrize(("text", "want", "not_want"), [
    ("Assessment: Obesity. BMI 34.2.\n", "Z68.34", "Z68.51"),
    ("Assessment: Morbid obesity, BMI 41.\n", "Z68.41", "Z68.51"),
    ("Assessment: Overweight, pediatric, BMI 88th percentile for age.\n", "Z68.53", "Z68.51"),
])
def test_bmi_code_from_the_value(coder: Coder, text: str, want: str, not_want: str) -> None:
    codes = codes_of(coder.code(text))
    assert want in codes and not_want not in codes


def test_bmi_without_a_weight_diagnosis_is_not_reported(coder: Coder) -> None:
    res = coder.code("Exam: BMI 24.1.\nAssessment: Essential hypertension.\n")
    assert not any(c.startswith("Z68") for c in codes_of(res))


@pytest.mark.parametrize(("text", "want", "not_want"), [
    ("A/P: Migraine without aura, not intractable, without status migrainosus.\n", "G43.009", "G43.001"),
    ("A/P: Gastro-esophageal reflux disease without esophagitis.\n", "K21.9", "K21.00"),
    ("Assessment: Type 2 diabetes mellitus, uncomplicated.\n", "E11.9", "E11.8"),
])
def test_with_without_polarity(coder: Coder, text: str, want: str, not_want: str) -> None:
    codes = codes_of(coder.code(text))
    assert want in codes and not_want not in codes


# ---------------------------------------------------------------- 6. history / status / encounter Z codes
def test_status_z_codes_from_lists(coder: Coder) -> None:
    text = ("HPI: follow-up of atrial fibrillation.\nSocial history: former smoker, quit 2010.\n"
            "Medications: apixaban 5 mg BID, insulin glargine 20 units, aspirin 81 mg daily, metformin 500 mg\n"
            "Allergies: Penicillin (rash), sulfa drugs\n"
            "Assessment: Paroxysmal atrial fibrillation. Type 2 diabetes mellitus without complications.\n")
    codes = set(codes_of(coder.code(text)))
    assert {"I48.0", "E11.9", "Z87.891", "Z79.01", "Z79.4", "Z79.82", "Z79.84", "Z88.0", "Z88.2"} <= codes


def test_drug_allergy_is_a_status_not_a_reaction(coder: Coder) -> None:
    res = coder.code("Allergies: sulfa drugs.\nAssessment: Acute cystitis without hematuria. Sulfa allergy noted.\n")
    assert "Z88.2" in codes_of(res)
    assert not any(c.startswith("T78.4") for c in codes_of(res))


def test_a_new_prescription_is_not_long_term_use(coder: Coder) -> None:
    res = coder.code("Assessment: Paroxysmal atrial fibrillation. Start apixaban 5 mg BID today.\n")
    assert "Z79.01" not in codes_of(res)


@pytest.mark.parametrize(("text", "want"), [
    ("Visit: annual physical exam.\nAssessment: Routine adult health maintenance exam, no abnormal findings.\n",
     "Z00.00"),
    ("ANNUAL PHYSICAL\nImpression: Annual physical exam with abnormal findings - elevated blood pressure. "
     "Essential hypertension, new.\n", "Z00.01"),
    ("WELL CHILD CHECK - 4 years\nAssessment: Well child exam, normal growth and development.\n", "Z00.129"),
])
def test_preventive_visit(coder: Coder, text: str, want: str) -> None:
    codes = codes_of(coder.code(text))
    assert want in codes
    assert not ({"Z00.00", "Z00.01"} <= set(codes))


def test_history_of_adenomatous_polyps(coder: Coder) -> None:
    res = coder.code("Assessment: History of adenomatous colon polyps - surveillance colonoscopy due.\n")
    assert "Z86.0101" in codes_of(res)


# ---------------------------------------------------------------- 7. family history relevance
def test_family_history_not_addressed_is_not_billed(coder: Coder) -> None:
    text = ("Family history: mother with breast cancer, father had MI.\nAssessment: Acute bronchitis.\n")
    res = coder.code(text)
    assert "Z80.3" not in codes_of(res)
    assert rejected_of(res)["Z80.3"] == "outpatient: family history not addressed in the assessment/plan"
    assert "Z80.3" in codes_of(coder.code(text, profile="us-inpatient"))


def test_family_scope_ends_at_a_colon() -> None:
    rules = default_rules()
    text = "family history of colon cancer in father: colonoscopy referral for screening."
    start = text.index("colonoscopy")
    a = rules.assert_mention(text, rules.triggers(text, 0, len(text)), start, start + len("colonoscopy"))
    assert "family" not in a.categories


def test_family_z_and_screening_together(indexed: Coder) -> None:
    text = ("Family History: Father - colon cancer at age 58.\n"
            "Assessment & Plan:\n- Family history of colon cancer in father: colonoscopy referral for "
            "colorectal cancer screening.\n")
    codes = codes_of(indexed.code(text))
    assert {"Z80.0", "Z12.11"} <= set(codes) and "C18.9" not in codes


# ---------------------------------------------------------------- 8. postposed uncertainty, prevention
def test_postposed_uncertainty_inside_a_term(indexed: Coder) -> None:
    text = "Assessment: Acute gastroenteritis, probably viral.\n"
    assert codes_of(indexed.code(text)) == ["K52.9"]
    assert "A08.4" in codes_of(indexed.code(text, profile="abstraction"))
    assert "K52.9" not in codes_of(indexed.code(text, profile="us-inpatient"))


def test_postposed_likely_codes_the_symptoms(coder: Coder) -> None:
    res = coder.code("Assessment: Cough and fever - community-acquired pneumonia likely; chest X-ray ordered.\n")
    codes = codes_of(res)
    assert "J18.9" not in codes and {"R05.9", "R50.9"} <= set(codes)


def test_prevention_is_hypothetical(coder: Coder) -> None:
    res = coder.code("Assessment: Paroxysmal atrial fibrillation. Continue apixaban for stroke prevention.\n")
    assert "I63.9" not in codes_of(res) and "I48.0" in codes_of(res)


# ---------------------------------------------------------------- 9-13. lexicon, not addressed
@pytest.mark.parametrize(("text", "want"), [
    ("Assessment: Lumbar strain, initial visit.\n", "S39.012A"),
    ("ASSESSMENT: Acute rhinosinusitis.\n", "J01.90"),
])
def test_lexicon_gaps(coder: Coder, text: str, want: str) -> None:
    assert want in codes_of(coder.code(text))


def test_not_addressed_today(coder: Coder) -> None:
    res = coder.code("Assessment/Plan:\n1. Acute low back pain - heat, home exercises.\n"
                     "2. Heart failure - managed by cardiology, not addressed today.\n")
    assert "I50.9" not in codes_of(res)
    assert rejected_of(res)["I50.9"] == "outpatient: documented as not addressed at this visit"
    res = coder.code("Assessment/Plan:\n1. Heart failure - managed by cardiology; continue furosemide.\n")
    assert "I50.9" in codes_of(res)


def test_uncomplicated_child_is_the_default(coder: Coder) -> None:
    assert coder.assigner.complete("E11") == "E11.9"
    assert coder.assigner.complete("J45.2") == "J45.20"


def test_a_term_does_not_cross_a_semicolon_and_precautions_are_hypothetical(coder: Coder) -> None:
    res = coder.code("Assessment:\n1. Long-term insulin use\n   - Continue insulin glargine; hypoglycemia precautions\n")
    assert not any(c.startswith("E16") for c in codes_of(res))


def test_room_air_is_not_rheumatoid_arthritis(coder: Coder) -> None:
    res = coder.code("Vitals: SpO2 97% RA.\nAssessment: Essential hypertension.\n", profile="abstraction")
    assert not any(c.startswith("M06") for c in codes_of(res))


def test_concern_for_is_uncertain(coder: Coder) -> None:
    res = coder.code("HPI: cough for 3 days. Concern for pneumonia.\nAssessment: Cough, chest X-ray clear.\n")
    assert "J18.9" not in codes_of(res) and "R05.9" in codes_of(res)


def test_social_history_header_ends_the_family_history(coder: Coder) -> None:
    text = ("FHx: Father - MI at 58\nSHx: Current smoker, 1 ppd x 20 yrs.\n"
            "Assessment: Tobacco use disorder, cigarettes. Counseled on cessation.\n")
    codes = codes_of(coder.code(text))
    assert "F17.210" in codes and "Z81.8" not in codes


def test_family_history_relevant_to_a_screening_in_the_plan(coder: Coder) -> None:
    text = ("Family history: brother - colon cancer at 65; father - MI.\n"
            "Assessment/Plan:\n- Essential hypertension, new.\n"
            "- Screening for colon cancer: Cologuard ordered given family history of colon cancer in brother.\n")
    codes = codes_of(coder.code(text))
    assert {"Z80.0", "Z12.11", "I10"} <= set(codes)
    assert "Z82.49" not in codes and "C18.9" not in codes


def test_an_apostrophe_s_eponym_matches_as_written(terminology: Terminology) -> None:
    index = [IndexTerm("index", ("Crohn's disease",), "K50.90"), IndexTerm("index", ("Wells' disease",), "L98.3")]
    c = Coder(terminology=Terminology(terminology.version, terminology.codes, terminology.children, index))
    assert "K50.90" in codes_of(c.code("Assessment: Crohn's disease, in remission on azathioprine.\n",
                                       profile="abstraction"))
    assert "L98.3" in codes_of(c.code("Assessment: Wells' disease.\n", profile="abstraction"))


def test_past_history_listing_of_a_current_condition_is_not_history(coder: Coder) -> None:
    text = ("PMH: major depressive disorder; hypertension\n"
            "Assessment: Major depressive disorder, recurrent, moderate - increase sertraline.\n")
    res = coder.code(text)
    assert "F33.1" in codes_of(res) and "Z86.59" not in codes_of(res)
    res = coder.code("PMH: major depressive disorder, resolved.\nAssessment: Acute bronchitis.\n")
    assert "Z86.59" in codes_of(res)
