"""Turning text into matchable tokens: abbreviation expansion, stemming and synonyms (our tables)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from chartclaim.coding.resources import read_table
from chartclaim.coding.text import STOPWORDS, alternation, stem

# Abbreviations that are also English words are expanded only when written in capitals.
_NEEDS_CAPS = frozenset(["all", "ms", "pe", "cap", "pad", "aids", "ra", "oa", "cp", "hf", "mi", "ich", "sob", "gad", "doe", "als", "ibs", "tb", "arf", "ami", "sle", "af"])

# Tokens that never identify a condition on their own; a term made only of these is not a term.
GENERIC = frozenset(stem(w) for w in ["disease", "disorder", "syndrome", "condition", "other", "specified", "unspecified", "left", "right", "bilateral", "site", "part", "region", "type", "stage", "acute", "chronic", "lesion", "problem", "abnormal", "abnormality", "finding", "findings", "complication", "complications", "state", "status", "history", "personal", "family", "encounter", "care", "use", "effect", "effects", "level", "upper", "lower", "multiple", "single", "organ", "system", "body", "mild", "moderate", "severe", "general", "generalized", "primary", "secondary", "due", "following", "elsewhere", "classified", "nos", "nec", "not", "sequela", "subsequent", "initial", "presence", "tissue", "structure", "function", "failure"])

# Tokens dropped from terms: they add nothing a note would say ('lower end of radius' = 'distal radius').
OPTIONAL = frozenset(stem(w) for w in ["end", "part", "site", "region", "unspecified", "nos", "nec", "specified", "other"])

# Index main terms that are everyday words: alone they say nothing codable ('Old' -> I25.2 is 'old MI').
WEAK_SINGLE = frozenset(stem(w) for w in ["old", "examination", "test", "tests", "testing", "stress", "reflex", "transplant", "transplantation", "observation", "admission", "contact", "exposure", "care", "counseling", "screening", "history", "surgery", "operation", "procedure", "treatment", "therapy", "replacement", "removal", "change", "problem", "difficulty", "reaction", "response", "result", "results", "evaluation", "finding", "level", "low", "high", "use", "donor", "absence", "presence", "positive", "negative", "normal", "abnormal", "shot", "state", "status", "elevated", "decreased", "increased", "complication", "effect", "advice", "decline", "plus", "minus", "pin", "vain", "scratch", "swollen", "pitted", "clad"])


class Tok(NamedTuple):
    """One content token. A named tuple, not a frozen dataclass: a note makes hundreds, and building a tuple
    costs a fraction of a frozen dataclass's per-field ``object.__setattr__``."""
    start: int
    end: int
    norm: str
    group: int = -1          # index of the abbreviation this token was expanded from, -1 for a plain word


_new_tok = tuple.__new__     # Tok without the keyword-handling __new__: _new_tok(Tok, (start, end, norm, group))


class Lexicon:
    def __init__(self) -> None:
        syn: dict[str, str] = {}
        for row in read_table("synonyms.tsv"):
            syn[stem(row[0].lower())] = stem(row[1].lower())
        # resolve chains (tumoral -> tumor -> neoplasm)
        for k in list(syn):
            seen = {k}
            v = syn[k]
            while v in syn and v not in seen:
                seen.add(v)
                v = syn[v]
            syn[k] = v
        self.synonyms = syn
        # a stage or class letter stays with its number ('CKD 3a', 'stage 3b'): 3a and 3b are different codes
        self._word = re.compile(r"\d+[abc](?![a-z])|[a-z]+|\d+(?:\.\d+)?")
        self._cache: dict[str, str | None] = {}
        self.abbrev: dict[str, tuple[str, ...]] = {}
        for row in read_table("abbreviations.tsv"):
            self.abbrev[row[0].lower()] = tuple(self.norms(row[1].lower()))
        alt = alternation(sorted(self.abbrev, key=len, reverse=True))
        # an acronym's plural ('UTIs', 'TIAs') is the acronym: the trailing 's' is taken only after capitals
        self.abbrev_re = re.compile(rf"(?<![a-z0-9])(?:{alt})(s?)(?![a-z0-9])")

    def norm_word(self, w: str) -> str | None:
        """Stemmed, synonym-mapped form of one lower-case word; None for stopwords."""
        cached = self._cache.get(w, "")
        if cached != "":
            return cached
        if w in STOPWORDS:
            out: str | None = None
        else:
            s = stem(w)
            out = self.synonyms.get(s, s)
        self._cache[w] = out
        return out

    def norms(self, norm_text: str) -> list[str]:
        return [n for w in self._word.findall(norm_text) if (n := self.norm_word(w)) is not None]

    def tokens(self, text: str, norm_text: str, start: int, end: int) -> list[Tok]:
        """Content tokens of text[start:end] (stopwords dropped), abbreviations expanded in place."""
        out: list[Tok] = []
        spans: list[tuple[int, int, tuple[str, ...]]] = []
        for m in self.abbrev_re.finditer(norm_text, start, end):
            a = m.group()
            if m.group(1):
                a = a[:-1]
                if a in self.abbrev and (not text[m.start():m.end() - 1].isupper() or text[m.end() - 1] != "s"):
                    continue
                if a not in self.abbrev:     # an abbreviation that itself ends in 's' ('ms')
                    a += "s"
            if a in _NEEDS_CAPS and not text[m.start():m.start() + len(a)].isupper():
                continue
            spans.append((m.start(), m.end(), self.abbrev[a]))
        si = 0
        cache = self._cache
        if not spans:
            # no abbreviation in the sentence: words only (the common case)
            append = out.append
            for m in self._word.finditer(norm_text, start, end):
                g = m[0]          # not m.group(): a method call per word costs twice the subscript
                w = cache.get(g, "")
                if w == "":
                    w = self.norm_word(g)
                if w is not None:
                    s, e = m.span()
                    append(_new_tok(Tok, (s, e, w, -1)))
            return out
        n_spans = len(spans)
        for m in self._word.finditer(norm_text, start, end):
            s, e = m.span()
            while si < n_spans and spans[si][1] <= s:
                si += 1
            if si < n_spans and spans[si][0] <= s < spans[si][1]:
                if s == spans[si][0] or not out or out[-1].start != spans[si][0]:
                    for n in spans[si][2]:
                        out.append(_new_tok(Tok, (spans[si][0], spans[si][1], n, si)))
                continue
            g = m[0]
            w = cache.get(g, "")
            if w == "":
                w = self.norm_word(g)
            if w is not None:
                out.append(_new_tok(Tok, (s, e, w, -1)))
        return out


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return Lexicon()
