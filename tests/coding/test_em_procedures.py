from __future__ import annotations

from chartclaim.coding.em import suggest_em
from chartclaim.coding.pipeline import Coder
from chartclaim.coding.procedures import detect_procedures
from chartclaim.coding.text import normalise


def _em(coder: Coder, text: str):  # type: ignore[no-untyped-def]
    return coder.code(text).em


def test_em_straightforward_established(coder: Coder) -> None:
    em = _em(coder, "Established patient. Sore throat for 2 days. Rest, fluids.")
    assert em.code == "99212" and em.problems == "straightforward" and em.risk == "low"


def test_em_moderate_two_chronic_with_prescription(coder: Coder) -> None:
    text = ("Established patient with type 2 diabetes and hypertension. A1c reviewed, 8.1. "
            "Increase metformin to 1000 mg bid. Lisinopril 10 mg daily continued.")
    em = _em(coder, text)
    assert em.problems == "moderate" and em.risk == "moderate"
    assert em.code == "99214" and em.basis == "mdm"


def test_em_high_new_patient(coder: Coder) -> None:
    text = ("New patient. COPD with severe exacerbation, respiratory failure. Chest x-ray and CBC reviewed, "
            "BMP ordered; I personally reviewed the images. Admit to the hospital.")
    em = _em(coder, text)
    assert em.patient == "new" and em.code == "99205"
    assert em.problems == "high" and em.risk == "high"


def test_em_by_total_time_when_higher(coder: Coder) -> None:
    em = _em(coder, "Established patient. Sore throat. Rest, fluids. Total time 42 minutes.")
    assert em.code == "99215" and em.basis == "time" and em.minutes == 42


def test_em_two_of_three_elements() -> None:
    # high risk alone (one element) does not lift a visit with minimal problems and minimal data
    em = suggest_em("", normalise("Patient requests DNR discussion."), ())
    assert em.risk == "high" and em.code == "99212"


def test_procedures_and_vaccine_admin() -> None:
    text = "Flu shot given. Left knee joint injection with Kenalog 40 mg. Declined Tdap. Urinalysis done."
    codes = {p.code for p in detect_procedures(text, normalise(text))}
    assert {"90686", "90471", "20610", "J3301", "81002"} <= codes
    assert "90715" not in codes           # declined
    for p in detect_procedures(text, normalise(text)):
        assert p.evidence and text[p.evidence[0].start:p.evidence[0].end] == p.evidence[0].text
