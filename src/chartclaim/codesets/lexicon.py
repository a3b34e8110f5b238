"""The team-written clinical lexicon (data/codesets/lexicon_*.tsv): how coders and clinicians actually write.

* abbreviations: 'dm2' -> 'type 2 diabetes mellitus', 'hx of' -> 'personal history of' (query rewrites)
* synonyms: word-level equivalents in the Tabular's vocabulary ('renal' ~ 'kidney', 'distal' ~ 'lower')
* terms: lay or everyday clinical phrases pointing at the code a coder would pick ('high blood pressure' ->
  I10). These are indexed as extra entry texts; they never replace the Tabular's own words."""

from __future__ import annotations

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
    synonyms: dict[str, frozenset[str]]    # stemmed token -> equivalent stemmed tokens (itself included)
    terms: tuple[tuple[str, str], ...]     # (phrase, ICD-10-CM code)
    max_phrase: int


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    from chartclaim.codesets.text import stem, words

    abbrev: dict[str, str] = {}
    for row in _rows("lexicon_abbreviations.tsv"):
        if len(row) >= 2:
            abbrev[" ".join(words(row[0]))] = row[1]
    groups: dict[str, set[str]] = {}
    for row in _rows("lexicon_synonyms.tsv"):
        group = {stem(w) for cell in row for w in cell.split(",") for w in [w.strip().lower()] if w}
        for w in group:
            groups.setdefault(w, set()).update(group)
    terms = tuple((row[0], row[1].upper()) for row in _rows("lexicon_terms.tsv") if len(row) >= 2)
    return Lexicon(
        abbreviations=abbrev,
        synonyms={k: frozenset(v) for k, v in groups.items()},
        terms=terms,
        max_phrase=max((len(k.split()) for k in abbrev), default=1),
    )


def data_files() -> list[str]:
    return sorted(p.name for p in (resources.files("chartclaim") / "data" / "codesets").iterdir()
                  if p.name.endswith((".tsv", ".csv")))
