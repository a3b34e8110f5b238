from __future__ import annotations

from chartclaim.coding.pipeline import Coder

from .conftest import codes_of, rejected_of

SHOULDER = ("CC: left shoulder pain\n"
            "HPI: Left shoulder pain for 3 weeks, worse reaching overhead.\n"
            "A/P: Impingement syndrome of left shoulder. Start physical therapy.\n")


def test_outpatient_codes_the_assessment_not_the_complaint(coder: Coder) -> None:
    res = coder.code(SHOULDER, profile="us-outpatient")
    assert "M75.42" in codes_of(res)
    assert "M25.512" not in codes_of(res)
    assert rejected_of(res)["M25.512"] == "outpatient: not in the assessment/plan"
    # the audit trail keeps the evidence from the HPI
    gone = next(r for r in res.rejected if r.code == "M25.512")
    assert any("shoulder pain" in e.text.lower() for e in gone.evidence)


def test_without_an_assessment_the_hpi_is_coded(coder: Coder) -> None:
    res = coder.code("CC: left shoulder pain\nHPI: Left shoulder pain for 3 weeks.\nPlan: physical therapy.\n")
    assert "M25.512" in codes_of(res)


def test_abstraction_and_inpatient_are_not_anchored(coder: Coder) -> None:
    for profile in ("abstraction", "us-inpatient"):
        res = coder.code(SHOULDER, profile=profile)
        assert {"M75.42", "M25.512"} <= set(codes_of(res)), profile
        assert "outpatient: not in the assessment/plan" not in rejected_of(res).values()


def test_hpi_refines_an_unspecified_assessment_code(coder: Coder) -> None:
    text = ("HPI: left shoulder impingement syndrome for a month.\n"
            "Assessment: Impingement syndrome of shoulder.\n")
    res = coder.code(text, profile="us-outpatient")
    assert "M75.42" in codes_of(res)
    assert "M75.40" not in codes_of(res)


def test_status_and_history_z_codes_stay(coder: Coder) -> None:
    text = ("HPI: cough for five days.\nFamily History: mother with breast cancer.\n"
            "Assessment: Acute bronchitis. Family history of breast cancer: screening mammogram ordered.\n")
    res = coder.code(text, profile="us-outpatient")
    codes = codes_of(res)
    assert "J20.9" in codes
    assert any(c.startswith("Z80.3") for c in codes), codes
    assert "R05.9" not in codes and not any(c.startswith("R05") for c in codes)
