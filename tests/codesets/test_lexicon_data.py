"""The team-written lexicon data is consistent with the Tabular, and the general query rules behave."""

from __future__ import annotations

from chartclaim.codesets import CodeSets
from chartclaim.codesets.lexicon import drug_classes, load_lexicon, rewrite_words
from chartclaim.codesets.text import stem, words


def test_drug_classes_name_real_t_codes_in_their_own_words(cs: CodeSets) -> None:
    rows = drug_classes()
    assert len(rows) >= 150
    for drug, code, cls in rows:
        e = cs.icd10cm.get(code)
        assert e is not None, f"lexicon_drugs.tsv: {drug}: {code} is not an ICD-10-CM code"
        assert "T36" <= code[:3] <= "T50", f"lexicon_drugs.tsv: {drug}: {code} is not a T36-T50 drug class"
        title = {stem(w) for w in words(e.description)}
        missing = [w for w in words(cls) if stem(w) not in title]
        assert not missing, f"lexicon_drugs.tsv: {drug}: {missing} not in the title of {code}"


def test_drug_names_become_their_class_only_in_poisoning_queries() -> None:
    lex = load_lexicon()
    assert "angiotensin" in rewrite_words(lex, "adverse effect of lisinopril")
    assert rewrite_words(lex, "ra on methotrexate")[-1] == "methotrexate"


def test_negation_words_and_keys_without_function_words() -> None:
    lex = load_lexicon()
    assert rewrite_words(lex, "concussion no loc")[1] == "without"
    assert rewrite_words(lex, "negative for covid")[0] == "without"
    assert rewrite_words(lex, "hx mi") == rewrite_words(lex, "hx of mi")


def test_poisoning_by_a_named_drug(cs: CodeSets) -> None:
    assert cs.search("adverse effect of lisinopril initial", limit=1)[0].code == "T46.4X5A"
    assert cs.search("oxycodone overdose accidental initial", limit=1)[0].code == "T40.2X1A"
    assert "T45.516A" in [h.code for h in cs.search("underdosing of warfarin initial", limit=3)]


def test_encounter_word_chooses_the_seventh_character_only(cs: CodeSets) -> None:
    assert cs.search("black eye initial", limit=1)[0].code == "S00.10XA"
    assert cs.search("black eye subsequent", limit=1)[0].code == "S00.10XD"


def test_body_part_rolls_up_to_the_broad_site_one_way(cs: CodeSets) -> None:
    assert cs.search("cellulitis right hand", limit=1)[0].code == "L03.113"
    assert cs.search("cellulitis right leg", limit=1)[0].code == "L03.115"
    assert "C43.59" in [h.code for h in cs.search("melanoma of back", limit=3)]
    # the part itself still wins where the Tabular names it
    assert cs.search("laceration of right hand", limit=1)[0].code == "S61.411A"


def test_stated_age_chooses_the_age_band(cs: CodeSets) -> None:
    assert cs.search("newborn check 10 days old", limit=1)[0].code == "Z00.111"
    assert cs.search("newborn exam 5 days old", limit=1)[0].code == "Z00.110"
    assert cs.search("preemie 32 weeks", limit=1)[0].code == "P07.35"


def test_a_word_said_twice_counts_twice(cs: CodeSets) -> None:
    assert cs.search("first pregnancy first trimester", limit=1)[0].code == "Z34.01"
    assert cs.search("car driver collision with car traffic initial", limit=1)[0].code == "V43.52XA"


def test_a_side_restated_is_not_a_second_word(cs: CodeSets) -> None:
    concepts = cs.encoder.concepts("knee pain both knees")
    assert [c.word for c in concepts].count("knee") == 1
    assert [c.word for c in cs.encoder.concepts("first pregnancy first trimester")].count("first") == 2
