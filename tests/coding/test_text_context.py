from __future__ import annotations

from chartclaim.coding.context import default_rules
from chartclaim.coding.lexicon import default_lexicon
from chartclaim.coding.text import find_sections, normalise, split_sentences, stem


def test_normalise_keeps_offsets() -> None:
    text = "Pt’s “HTN” — Ünknown\u00a0cause"
    n = normalise(text)
    assert len(n) == len(text)
    assert n.startswith("pt's \"htn\" - unknown cause")


def test_stemmer_joins_morphological_variants() -> None:
    assert stem("diabetes") == stem("diabetic")
    assert stem("fractured") == stem("fracture") == stem("fractures")
    assert stem("hypertension") == stem("hypertensive")
    assert stem("kidneys") == stem("kidney")
    assert stem("arthritis") == "arthritis"


def test_sections_and_sentences() -> None:
    text = "CC: cough\nHPI: Seen by Dr. Smith today. No fever.\nFamily History: mother with diabetes.\nA/P: bronchitis"
    secs = find_sections(normalise(text))
    assert [s.name for s in secs] == ["chief_complaint", "hpi", "family_history", "assessment"]
    hpi = secs[1]
    sents = split_sentences(text, hpi.start, hpi.end, hpi.name)
    assert [text[s.start:s.end].strip() for s in sents] == ["Seen by Dr. Smith today.", "No fever."]


def test_abbreviations_expand_in_place() -> None:
    text = "HTN and DM2; all well"
    toks = default_lexicon().tokens(text, normalise(text), 0, len(text))
    assert [t.norm for t in toks if text[t.start:t.end] == "HTN"] == [stem("hypertension")]
    # 'all' in lower case is a word, not acute lymphoblastic leukemia
    assert not any(text[t.start:t.end] == "all" and t.norm != "all" for t in toks)


def _assert(sentence: str, mention: str) -> set[str]:
    r = default_rules()
    n = normalise(sentence)
    i = sentence.index(mention)
    return set(r.assert_mention(n, r.triggers(n, 0, len(n)), i, i + len(mention)).categories)


def test_context_categories() -> None:
    assert _assert("Patient denies fever, chills or night sweats.", "night sweats") == {"negated"}
    assert _assert("Pneumonia was ruled out.", "Pneumonia") == {"negated"}
    assert _assert("Mother had breast cancer.", "breast cancer") == {"family"}
    assert _assert("R/O appendicitis", "appendicitis") == {"possible"}
    assert _assert("H/o stroke in 2019", "stroke") == {"historical"}
    assert _assert("Return if chest pain develops.", "chest pain") == {"hypothetical"}
    assert _assert("Rash has resolved.", "Rash") == {"resolved"}


def test_context_pseudo_triggers_and_terminators() -> None:
    assert _assert("No change in chest pain.", "chest pain") == set()
    assert _assert("No fever but has a cough.", "cough") == set()
    assert _assert("No fever but has a cough.", "fever") == {"negated"}
