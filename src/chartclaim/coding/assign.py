"""Code assignment: from a matched term's code to the most specific billable code the text supports.

- a category or a code ending in '-' descends to the child whose own words (laterality, site, type) the
  sentence contains, else to the child the classification marks as unspecified;
- codes that need a 7th character get the placeholder X up to six characters and the encounter character
  the text supports ('subsequent' D, 'sequela' S), by default A (initial encounter)."""

from __future__ import annotations

import re
from functools import lru_cache

from chartclaim.coding.lexicon import GENERIC, Lexicon
from chartclaim.coding.terminology import CodeInfo, Terminology, dotted, nodot

_UNSPEC = re.compile(r"\b(?:unspecified|not specified|nos)\b")
# "without perforation or abscess" up to the next clause: "..., without X with bleeding" keeps "with bleeding"
_WITHOUT_CLAUSE = re.compile(r" without .*?(?=,| with |$)")


class Assigner:
    def __init__(self, term: Terminology, lexicon: Lexicon) -> None:
        self.term = term
        self.lexicon = lexicon
        self._desc_tokens = lru_cache(maxsize=100_000)(self._tokens_of)
        self._without_tokens = lru_cache(maxsize=100_000)(self._without_of)
        self._without_word = lexicon.norm_word("without")
        self._canon: dict[str, str | None] = {}
        self._direct: dict[str, str | None] = {}

    def _tokens_of(self, code: str) -> frozenset[str]:
        info = self.term.codes.get(code)
        if info is None:
            return frozenset()
        desc = info.description.lower()
        for w in ("initial encounter", "subsequent encounter"):
            desc = desc.split(", " + w)[0]
        # a 'without ...' clause names what the text need not say: its words are not the child's own
        desc = _WITHOUT_CLAUSE.sub("", desc)
        return frozenset(self.lexicon.norms(desc))

    def _without_of(self, code: str) -> frozenset[str]:
        """Words of the code's 'without ...' clauses ('without status migrainosus' -> status, migrainosus)."""
        info = self.term.codes.get(code)
        if info is None:
            return frozenset()
        return frozenset(t for m in _WITHOUT_CLAUSE.finditer(info.description.lower())
                         for t in self.lexicon.norms(m.group()) if t != self._without_word) - GENERIC

    def _is_unspecified(self, info: CodeInfo) -> bool:
        # whole words: "migrainosus" and "diagnosis" contain "nos"
        return _UNSPEC.search(info.description.lower()) is not None

    def _is_default(self, info: CodeInfo) -> bool:
        """The child a coder takes when the text says no more: 'unspecified', and 'uncomplicated' / 'without
        complication' before 'with unspecified complications' (E11 -> E11.9, not E11.8)."""
        d = info.description.lower()
        if "uncomplicated" in d or "without complication" in d:
            return True
        return self._is_unspecified(info) and "with unspecified" not in d

    @staticmethod
    def _is_without(info: CodeInfo) -> bool:
        """'Without status migrainosus', 'not intractable', 'without bleeding': the classification's default
        when the documentation does not say 'with' (a 'with' child needs the documentation to say so)."""
        d = info.description.lower()
        return " without " in d or "not intractable" in d

    def complete(self, code: str, context: frozenset[str] = frozenset(), encounter: str = "A") -> str | None:
        """The billable code below ``code`` that ``context`` (sentence tokens) supports best."""
        # most matched codes are already billable: that answer does not depend on the sentence, so remember it
        direct = self._direct.get(code, "")
        if direct != "":
            return direct
        c = dotted(code.rstrip("-").rstrip("."))
        info = self.term.codes.get(c)
        if info is None:
            self._direct[code] = None
            return None
        if info.billable and not info.requires7:
            self._direct[code] = c
            return c
        while not info.billable or info.requires7:
            if info.requires7 and not self.term.children.get(c):
                return self.add_seventh(c, encounter)
            kids = [k for k in self.term.children.get(c, ()) if not self.term.codes[k].generated7]
            if not kids:
                return self.add_seventh(c, encounter) if info.requires7 else None
            parent_toks = self._desc_tokens(c)
            best: tuple[float, str] | None = None
            for k in kids:
                kinfo = self.term.codes[k]
                own = self._desc_tokens(k) - parent_toks - GENERIC
                side = self._desc_tokens(k) & {"left", "right", "bilater"}
                hit = len(own & context) + 2 * len(side & context)
                wo = self._without_tokens(k) - self._without_tokens(c)
                if wo and self._without_word in context and wo <= context:
                    hit += len(wo)      # the note says 'without' and the clause's words: this child's own
                miss = len(own - context) + 2 * len(side - context)
                score = hit - 0.5 * miss + (0.75 if self._is_default(kinfo) else 0.0) \
                    + (0.5 if self._is_without(kinfo) else 0.0) + (0.25 if nodot(k).endswith("9") else 0.0)
                if best is None or score > best[0]:
                    best = (score, k)
            assert best is not None
            c = best[1]
            info = self.term.codes[c]
        return c

    def add_seventh(self, code: str, encounter: str = "A") -> str | None:
        info = self.term.codes.get(dotted(code))
        if info is None:
            return None
        stem = info.stem7 or dotted((nodot(code) + "XXXXXX")[:6])
        for ch in (encounter, "A"):
            full = dotted(nodot(stem) + ch)
            if full in self.term.codes:
                return full
        return None

    def canonical(self, code: str) -> str | None:
        """A billable FY code for a code from coded history (which may be a 2018 heading, lower case, undotted
        or lack its 7th character)."""
        key = nodot(code)
        if key in self._canon:
            return self._canon[key]
        c = dotted(key)
        out: str | None = None
        info = self.term.codes.get(c)
        if info is not None:
            out = c if info.billable and not info.requires7 else self.complete(c)
        else:
            if len(key) == 6 and dotted(key + "A") in self.term.codes:
                out = dotted(key + "A")
            if out is None:
                k = key
                while len(k) > 3 and dotted(k) not in self.term.codes:
                    k = k[:-1]
                if dotted(k) in self.term.codes and len(k) < len(key):
                    out = None      # a deleted code: its parent would not say what the coder meant
        self._canon[key] = out
        return out


def encounter_of(sentence_norm: str) -> str:
    if "sequela" in sentence_norm or "late effect" in sentence_norm:
        return "S"
    if "subsequent" in sentence_norm or "follow-up" in sentence_norm or "routine healing" in sentence_norm:
        return "D"
    return "A"
