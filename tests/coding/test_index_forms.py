"""Index main terms that list word forms ('Insufficiency, insufficient'), bilateral as 'both eyes', and
abbreviations spelled out: terminology the note states but the matcher used to miss."""
from __future__ import annotations

import pytest

from chartclaim.coding.dictionary import _index_texts, main_term_forms
from chartclaim.coding.pipeline import Coder
from chartclaim.coding.terminology import IndexTerm, Terminology

from .conftest import codes_of


def test_main_term_forms() -> None:
    assert main_term_forms("Insufficiency, insufficient") == ["Insufficiency", "insufficient"]
    assert main_term_forms("Cryptorchid, cryptorchism, cryptorchidism") == ["Cryptorchid", "cryptorchism",
                                                                           "cryptorchidism"]
    assert main_term_forms("Ulcer, ulcerated (multiple)") == ["Ulcer", "ulcerated"]
    # a main term with a modifier, not word forms, is one phrase
    assert main_term_forms("Fracture, traumatic") == ["Fracture, traumatic"]
    assert main_term_forms("Wound, open") == ["Wound, open"]
    assert main_term_forms("Findings, abnormal, inconclusive, without diagnosis") == \
        ["Findings, abnormal, inconclusive, without diagnosis"]
    assert main_term_forms("Angina") == ["Angina"]


def test_index_line_wordings() -> None:
    assert _index_texts(["Calculus, calculi", "kidney"]) == ["Calculus kidney", "calculi kidney"]
    assert _index_texts(["Hepatitis", "viral, virus", "chronic"]) == ["Hepatitis viral chronic",
                                                                     "Hepatitis virus chronic"]
    assert _index_texts(["Wound, open", "scalp"]) == ["Wound, open scalp"]


@pytest.fixture(scope="module")
def indexed(terminology: Terminology) -> Coder:
    index = [
        IndexTerm("index", ("Insufficiency, insufficient", "aortic (valve)"), "I35.1"),
        IndexTerm("index", ("Insufficiency, insufficient", "adrenal (gland)"), "E27.40"),
        IndexTerm("index", ("Cryptorchid, cryptorchism, cryptorchidism",), "Q53.9"),
        IndexTerm("index", ("Cryptorchid, cryptorchism, cryptorchidism", "bilateral"), "Q53.20"),
        IndexTerm("index", ("Asthma, asthmatic",), "J45.909"),
        IndexTerm("index", ("Asthma, asthmatic", "specified NEC"), "J45.998"),
        IndexTerm("index", ("Wound, open", "scalp"), "S01.00"),
        IndexTerm("index", ("Calcification", "myocardium, myocardial"), "I51.5"),
    ]
    return Coder(terminology=Terminology(terminology.version, terminology.codes, terminology.children, index, {}))


def _abstract(coder: Coder, text: str) -> list[str]:
    return codes_of(coder.code(text, profile="abstraction", with_procedures=False))


@pytest.mark.parametrize(("text", "code"), [
    ("Echocardiogram: moderate aortic insufficiency.", "I35.1"),         # the noun form with a subterm
    ("Insufficient aortic valve closure.", "I35.1"),                     # the adjective form with a subterm
    ("Left adrenal insufficiency was diagnosed.", "E27.40"),
    ("History of bilateral cryptorchidism.", "Q53.20"),                  # the third form
    ("Known asthma since childhood.", "J45.909"),
    ("Echo showed myocardial calcification.", "I51.5"),                 # a subterm's forms too
])
def test_each_form_of_a_main_term_matches(indexed: Coder, text: str, code: str) -> None:
    assert code in _abstract(indexed, text)


def test_an_adjective_alone_is_not_the_main_term(indexed: Coder) -> None:
    # 'asthmatic' alone would read as the main term (or its 'specified NEC' line, which adds no word)
    codes = _abstract(indexed, "Her asthmatic mother came along.")
    assert "J45.909" not in codes and "J45.998" not in codes


def test_a_modifier_main_term_still_needs_its_modifier(indexed: Coder) -> None:
    assert "S01.00XA" in _abstract(indexed, "Open wound of the scalp.")
    assert not [c for c in _abstract(indexed, "The wound of the scalp was sutured.") if c.startswith("S01.0")]


def test_both_eyes_is_bilateral(coder: Coder) -> None:
    codes = _abstract(coder, "Refraction showed myopia in both eyes.")
    assert "H52.13" in codes and "H52.10" not in codes
    assert "H52.11" in _abstract(coder, "Refraction showed myopia in the right eye.")


def test_abbreviations_spelled_out(coder: Coder) -> None:
    assert "E22.2" in _abstract(coder, "Labs were compatible with SIADH.")
    assert "I44.7" in _abstract(coder, "ECG: sinus rhythm with LBBB.")


def test_influenza_a_is_an_identified_virus(coder: Coder) -> None:
    # 'a' is a stopword: 'Influenza A' used to read as influenza due to an unidentified virus (J11.1)
    codes = _abstract(coder, "Nasal swab positive for influenza A.")
    assert "J10.1" in codes and "J11.1" not in codes
    assert "J11.1" in _abstract(coder, "Clinical influenza, no test done.")


def test_a_see_reference_names_the_main_term_by_its_first_form(terminology: Terminology) -> None:
    from chartclaim.coding.terminology import compile_terminology

    class Row:
        def __init__(self, path: tuple[str, ...], code: str | None, see: str | None) -> None:
            self.source, self.path, self.code, self.see, self.see_also = "index", path, code, see, None

    rows = [Row(("Insufficiency, insufficient", "mitral (valve)"), "I34.0", None),
            Row(("Regurgitation", "mitral (valve)"), None, "Insufficiency, mitral (valve)"),
            Row(("Regurgitation", "tricuspid"), None, "Insufficiency, tricuspid")]     # no such line: nothing
    t = compile_terminology([], rows, terminology.version)
    assert [(i.path, i.code) for i in t.index if i.path[0] == "Regurgitation"] == \
        [(("Regurgitation", "mitral (valve)"), "I34.0")]
