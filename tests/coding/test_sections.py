from __future__ import annotations

import pytest

from chartclaim.coding.text import find_sections, normalise


def names(text: str) -> list[str]:
    return [s.name for s in find_sections(normalise(text))]


def body_of(text: str, name: str) -> str:
    sec = next(s for s in find_sections(normalise(text)) if s.name == name)
    return text[sec.start:sec.end].strip()


@pytest.mark.parametrize("header", ["Assessment/Plan:", "Assessment & Plan:", "Assessment and Plan:", "A/P:",
                                    "Dx:", "Diagnoses:", "Impression:", "ASSESSMENT/PLAN:", "A&P:"])
def test_assessment_headers(header: str) -> None:
    text = f"HPI: cough for a week.\n{header} Acute bronchitis.\n"
    assert names(text) == ["hpi", "assessment"]
    assert body_of(text, "assessment") == "Acute bronchitis."


@pytest.mark.parametrize("header", ["UA:", "ECG:", "EKG:", "X-ray left shoulder:", "XR R wrist 3 views:",
                                    "CXR:"])
def test_result_headers(header: str) -> None:
    assert names(f"Exam: normal.\n{header} unremarkable\n") == ["exam", "results"]


def test_free_word_result_header_needs_its_colon() -> None:
    # a line that merely starts with "CT" or "X-ray" is text, not a header
    assert names("Exam: normal.\nX-ray of the left shoulder shows no fracture\n") == ["exam"]


@pytest.mark.parametrize("header", ["Neuro exam:", "Mental status exam:"])
def test_exam_headers(header: str) -> None:
    assert names(f"HPI: headache.\n{header} nonfocal\n") == ["hpi", "exam"]


def test_soap_letters_as_a_set() -> None:
    text = "S: L knee pain x2 wk\nO: effusion L knee\nA: L knee OA\nP: NSAID, f/u 4 wk\n"
    assert names(text) == ["hpi", "exam", "assessment", "plan"]
    assert body_of(text, "assessment") == "L knee OA"


def test_lone_soap_letter_is_not_a_header() -> None:
    # "P: 88" is a pulse and "A: 3 cm" a measurement when the note does not use S/O/A/P headers
    assert names("Vitals: BP 120/80\nP: 88\nA: 3 cm lesion on the back\n") == ["exam"]
    assert names("HPI: rash.\nA: contact dermatitis\nP: steroid cream\n") == ["hpi"]
