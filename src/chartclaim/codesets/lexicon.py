"""The team-written clinical lexicon (data/codesets/lexicon_*.tsv): how coders and clinicians actually write.

* abbreviations: 'dm2' -> 'type 2 diabetes mellitus', 'hx of' -> 'personal history of' (query rewrites)
* synonyms: word-level equivalents in the Tabular's vocabulary ('renal' ~ 'kidney', 'distal' ~ 'lower')
* drugs: generic drug names -> the words of their ICD-10-CM drug class (T36-T50), applied like abbreviations
* terms: lay or everyday clinical phrases pointing at the code a coder would pick ('high blood pressure' ->
  I10). These are indexed as extra entry texts; they never replace the Tabular's own words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

DATA = "chartclaim.data.codesets"


def _rows(name: str) -> list[list[str]]:
    text = (resources.files("chartclaim") / "data" / "codesets" / name).read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        out.append([c.strip() for c in line.split("\t")])
    return out


@dataclass(frozen=True, slots=True)
class Lexicon:
    abbreviations: dict[str, str]          # lower-case phrase -> expansion
    loose: dict[str, str]                  # the same keys without function words (two words or more)
    drugs: dict[str, str]                  # drug name -> its T36-T50 class words (poisoning queries only)
    synonyms: dict[str, frozenset[str]]    # stemmed token -> equivalent stemmed tokens (itself included)
    terms: tuple[tuple[str, str], ...]     # (phrase, ICD-10-CM code)
    max_phrase: int


def key_words(text: str) -> str:
    """A phrase as the lexicon matches it: lower case, punctuation and function words dropped."""
    from chartclaim.codesets.text import STOPWORDS, words

    return " ".join(w for w in words(text) if w not in STOPWORDS) or " ".join(words(text))


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    from chartclaim.codesets.text import stem, words

    abbrev: dict[str, str] = {}
    for row in _rows("lexicon_abbreviations.tsv"):
        if len(row) >= 2:
            abbrev[" ".join(words(row[0]))] = row[1]
    # generic drug names -> the words of their T36-T50 class (lexicon_drugs.tsv); a written abbreviation wins
    drugs: dict[str, str] = {}
    for row in _rows("lexicon_drugs.tsv"):
        if len(row) >= 3:
            drugs[" ".join(words(row[0]))] = row[2]
    # keys are also matched without their function words ('hx of mi' is typed 'hx mi'), when that leaves
    # two words or more ('on insulin' alone must not turn every 'insulin' into long-term use); a written
    # key always wins
    loose: dict[str, str] = {}
    for k, v in abbrev.items():
        lk = key_words(k)
        if len(lk.split()) >= 2 and lk not in abbrev:
            loose.setdefault(lk, v)
    groups: dict[str, set[str]] = {}
    for row in _rows("lexicon_synonyms.tsv"):
        group = {stem(w) for cell in row for w in cell.split(",") for w in [w.strip().lower()] if w}
        for w in group:
            groups.setdefault(w, set()).update(group)
    terms = tuple((row[0], row[1].upper()) for row in _rows("lexicon_terms.tsv") if len(row) >= 2)
    return Lexicon(
        abbreviations=abbrev,
        loose=loose,
        drugs=drugs,
        synonyms={k: frozenset(v) for k, v in groups.items()},
        terms=terms,
        max_phrase=max((len(k.split()) for k in [*abbrev, *drugs]), default=1),
    )


def data_files() -> list[str]:
    return sorted(p.name for p in (resources.files("chartclaim") / "data" / "codesets").iterdir()
                  if p.name.endswith((".tsv", ".csv")))


# 'no loc', 'denies chest pain': the 'without' of the titles
_NEGATIONS = frozenset({"no", "denies", "denied", "wo"})
_POISONING_WORDS = frozenset({"poisoning", "poisoned", "overdose", "overdosed", "od", "adverse", "underdosing",
                              "underdosed", "underdose", "toxicity", "toxic", "accidental", "accidentally",
                              "intentional", "suicide", "suicidal", "assault", "undetermined", "ingestion",
                              "ingested", "reaction", "effect", "missed", "skipped", "took", "too", "much"})


def rewrite_words(lex: Lexicon, query: str) -> list[str]:
    """The query's words with lexicon abbreviations applied, the longest key first (a key typed without its
    function words counts: 'hx mi' for 'hx of mi'). Used for queries and, at build, for the lexicon's own
    term phrases, so 'history of dvt' and 'hx dvt' meet."""
    from chartclaim.codesets.text import words

    text = query.lower()
    # 'b/l', 's/p', 'f/u', 'h/o' are one word to a clinician: glue them so the lexicon sees 'bl', 'ho'
    text = re.sub(r"\b([a-z])/([a-z])\b", r"\1\2", text)
    ws = words(text.replace("-", " ").replace("/", " "))
    # "can't", "cannot", "unable to", "hard to" + verb, unless the lexicon knows the phrase: the 'difficulty'
    # of the titles ('difficulty in walking')
    ws = (" ".join(ws) + " ").replace("can t ", "cant ").replace("unable to ", "cannot ").replace(
        "hard to ", "cannot ").split()
    # 'negative for X' is 'without X'
    for i in reversed([i for i in range(len(ws) - 1) if ws[i] == "negative" and ws[i + 1] == "for"]):
        ws[i:i + 2] = ["without"]
    ab = lex.abbreviations
    if _POISONING_WORDS.intersection(ws):
        # a drug named in a poisoning / adverse effect / underdosing query is its class ('lisinopril' ->
        # ACE inhibitors); elsewhere ('ra on methotrexate') the drug name keeps its own meaning
        ab = {**lex.drugs, **ab}
    out: list[str] = []
    i = 0
    while i < len(ws):
        exact: tuple[str, int] | None = None
        for n in range(min(lex.max_phrase, len(ws) - i), 0, -1):
            phrase = " ".join(ws[i:i + n])
            if phrase in ab:
                exact = (ab[phrase], i + n)
                break
        loose = _loose_key(lex, ws, i)
        best = loose if loose is not None and (exact is None or loose[1] > exact[1]) else exact
        if best is not None:
            out.extend(words(best[0]))
            i = best[1]
            continue
        out.append("without" if ws[i] in _NEGATIONS else "difficulty" if ws[i] in ("cant", "cannot") else ws[i])
        i += 1
    return out


def _loose_key(lex: Lexicon, ws: list[str], i: int) -> tuple[str, int] | None:
    """(expansion, next position) of the longest function-word-free key starting at ws[i]."""
    from chartclaim.codesets.text import STOPWORDS

    if ws[i] in STOPWORDS or not lex.loose:
        return None
    content: list[int] = []
    j = i
    while j < len(ws) and len(content) < lex.max_phrase:
        if ws[j] not in STOPWORDS:
            content.append(j)
        j += 1
    for n in range(len(content), 1, -1):
        key = " ".join(ws[k] for k in content[:n])
        if key in lex.loose:
            return lex.loose[key], content[n - 1] + 1
    return None


def drug_classes() -> list[tuple[str, str, str]]:
    """(drug, class code, class words) of lexicon_drugs.tsv."""
    return [(r[0], r[1].upper(), r[2]) for r in _rows("lexicon_drugs.tsv") if len(r) >= 3]
