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
from chartclaim.coding.text import stem

_UNSPEC = re.compile(r"\b(?:unspecified|not specified|nos)\b")
_NOS = re.compile(r"\bnos\b")
# "without perforation or abscess" up to the next clause: "..., without X with bleeding" keeps "with bleeding"
_WITHOUT_CLAUSE = re.compile(r" without .*?(?=,| with |$)")
# Words the lexicon treats as generic (they match too much to find a term) that still tell siblings apart when
# the note says them: 'upper' vs 'lower limb', 'acute' vs 'chronic'. They count for a child, never against one:
# notes leave them out.
QUALIFIERS = frozenset(stem(w) for w in ("upper", "lower", "acute", "chronic", "mild", "moderate", "severe",
                                         "primary", "secondary", "multiple", "single"))


_UNSPEC_SIDE = re.compile(r"\bunspecified (?=(?:ear|eye|side|kidney|ovary|breast|lung|upper limb|lower limb|arm|leg|"
                          r"hand|foot|knee|hip|ankle|shoulder|elbow|wrist|thigh|lower leg|forearm|upper arm|"
                          r"female breast|male breast|"
                          r"finger|toe|great toe|eyelid|orbit|fallopian tube)s?\b)")
_SIDES = {"left": "left", "right": "right", stem("bilateral"): "bilateral"}


class Assigner:
    def __init__(self, term: Terminology, lexicon: Lexicon) -> None:
        self.term = term
        self.lexicon = lexicon
        self._desc_tokens = lru_cache(maxsize=100_000)(self._tokens_of)
        self._without_tokens = lru_cache(maxsize=100_000)(self._without_of)
        self._without_word = lexicon.norm_word("without")
        self._clauses: dict[str, frozenset[str]] = {}
        self._canon: dict[str, str | None] = {}
        self._direct: dict[str, str | None] = {}
        self._lateral: dict[str, dict[str, str]] = {}
        self._index_default: dict[tuple[str, str], str] | None = None
        self._nos_child: dict[str, str | None] = {}
        self.main_term: dict[str, str] = {", ".join(p for p in i.path if p): i.path[0].lower()
                                          for i in term.index if i.path and i.path[0]}
        # 'Cellulitis, leg' is filed under 'Cellulitis, lower limb' (L03.11-): the words of the line a 'see'
        # reference points to choose the child (lower, not upper limb) when the note only says 'leg'
        self.see_words: dict[str, frozenset[str]] = {
            ", ".join(p for p in i.path if p): frozenset(lexicon.norms(i.see.split(", ", 1)[-1].lower()))
            for i in term.index if i.see}

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

    def _clause_words(self, code: str) -> frozenset[str]:
        """Every word of the code's 'without ...' clauses, generic ones too ('heart failure')."""
        got = self._clauses.get(code)
        if got is None:
            info = self.term.codes.get(code)
            got = frozenset() if info is None else frozenset(
                t for m in _WITHOUT_CLAUSE.finditer(info.description.lower())
                for t in self.lexicon.norms(m.group()) if t != self._without_word)
            self._clauses[code] = got
        return got

    def contradicted(self, code: str, context: frozenset[str]) -> bool:
        """The sentence names, without saying 'without', what the code says is absent: 'heart failure with
        hypertensive heart and kidney disease' is not I13.10 '... without heart failure'."""
        words = self._clause_words(code)
        return bool(words) and words <= context and self._without_word not in context

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

    def nos_child(self, code: str) -> str | None:
        """The child the Tabular files the parent's plain term under with 'NOS' ('Acute lymphoblastic leukemia
        NOS' is an inclusion term of C91.00 '... not having achieved remission'; 'Multiple myeloma NOS' of
        C90.00): what the classification means when the text says nothing more, even where no child is titled
        'unspecified'. Only an inclusion whose words are all the parent's own counts (an 'X NOS' naming some
        narrower X says nothing about the parent's default)."""
        got = self._nos_child.get(code, "")
        if got != "":
            return got
        got = None
        parent = self._desc_tokens(code)
        for k in self.term.children.get(code, ()):
            kinfo = self.term.codes[k]
            if kinfo.generated7:
                continue
            for inc in kinfo.inclusion:
                low = inc.lower()
                if _NOS.search(low) and frozenset(self.lexicon.norms(_NOS.sub(" ", low))) <= parent:
                    got = k
                    break
            if got:
                break
        self._nos_child[code] = got
        return got

    @staticmethod
    def _is_without(info: CodeInfo) -> bool:
        """'Without status migrainosus', 'not intractable', 'without bleeding': the classification's default
        when the documentation does not say 'with' (a 'with' child needs the documentation to say so)."""
        d = info.description.lower()
        return " without " in d or "not intractable" in d

    def complete(self, code: str, context: frozenset[str] = frozenset(), encounter: str = "A",
                 main: str | None = None) -> str | None:
        """The billable code below ``code`` that ``context`` (sentence tokens) supports best; ``main`` is the
        Alphabetic Index main term the code was found under, if any."""
        # most matched codes are already billable: that answer does not depend on the sentence, so remember it
        direct = self._direct.get(code, "")
        if direct != "":
            return self.lateral(direct, context) if direct else direct
        c = dotted(code.rstrip("-").rstrip("."))
        info = self.term.codes.get(c)
        if info is None:
            self._direct[code] = None
            return None
        if info.billable and not info.requires7:
            self._direct[code] = c
            return self.lateral(c, context)
        while not info.billable or info.requires7:
            if info.requires7 and not self.term.children.get(c):
                return self.add_seventh(c, encounter)
            kids = [k for k in self.term.children.get(c, ()) if not self.term.codes[k].generated7]
            if not kids:
                return self.add_seventh(c, encounter) if info.requires7 else None
            parent_toks = self._desc_tokens(c)
            indexed = self.index_default(c, main) if main else None
            if indexed and any(self._is_default(self.term.codes[k]) for k in kids):
                indexed = None      # the Tabular's own unspecified child comes first
            best: tuple[float, str] | None = None
            hits = 0
            for k in kids:
                kinfo = self.term.codes[k]
                own = self._desc_tokens(k) - parent_toks - GENERIC
                side = self._desc_tokens(k) & {"left", "right", "bilater"}
                hit = len(own & context) + 2 * len(side & context) \
                    + len((self._desc_tokens(k) - parent_toks) & QUALIFIERS & context)
                wo = self._without_tokens(k) - self._without_tokens(c)
                named = bool(wo) and self.contradicted(k, context)
                if wo and self._without_word in context and wo <= context:
                    hit += len(wo)      # the note says 'without' and the clause's words: this child's own
                hits += hit
                miss = len(own - context) + 2 * len(side - context)
                if named:
                    miss += 2 * len(wo)     # the sentence names what this child says is absent (heart failure)
                score = hit - 0.5 * miss + (0.75 if self._is_default(kinfo) else 0.0) \
                    + (0.5 if self._is_without(kinfo) and not named else 0.0) \
                    + (0.25 if nodot(k).endswith("9") else 0.0) \
                    + (1.0 if indexed and nodot(indexed).startswith(nodot(k)) else 0.0)
                if best is None or score > best[0]:
                    best = (score, k)
            assert best is not None
            nos = self.nos_child(c) if not hits else None
            c = nos or best[1]
            info = self.term.codes[c]
        return self.lateral(c, context)

    def index_default(self, code: str, main: str) -> str | None:
        """The billable code below ``code`` that the Alphabetic Index gives, under the same main term, for the
        plainest wording: the subterm line with the fewest levels ('Influenza, A' -> J10-: under 'Influenza',
        'novel' and 'due to identified influenza virus NEC' give J10.1, only longer lines J10.00 'with
        unspecified type of pneumonia'). It is what the Index means when the note adds nothing, where the
        Tabular marks no child as unspecified."""
        if self._index_default is None:
            best: dict[tuple[str, str], tuple[int, str]] = {}
            for it in self.term.index:
                target = self.term.codes.get(it.code)
                if target is None or not target.billable or it.see or not it.path:
                    continue
                depth = len([p for p in it.path if p])
                head = it.path[0].lower()
                node = target.parent
                while node:
                    if depth < best.get((head, node), (99, ""))[0]:
                        best[(head, node)] = (depth, target.code)
                    node = self.term.codes[node].parent if node in self.term.codes else None
            self._index_default = {k: v for k, (_d, v) in best.items()}
        return self._index_default.get((main, code))

    def lateral(self, code: str, context: frozenset[str]) -> str:
        """A code for an unspecified side ('Otitis media, unspecified, unspecified ear') becomes its sibling for
        the one side the sentence names ('left otitis media' -> '..., left ear'); two sides named say nothing."""
        sides = self._lateral.get(code)
        if sides is None:
            sides = self._lateral[code] = self._side_siblings(code)
        if not sides:
            return code
        named = [v for k, v in _SIDES.items() if k in context]
        return sides.get(named[0], code) if len(named) == 1 else code

    def _side_siblings(self, code: str) -> dict[str, str]:
        info = self.term.codes.get(code)
        if info is None or not info.parent or not _UNSPEC_SIDE.search(info.description.lower()):
            return {}
        by_desc = {self.term.codes[k].description.lower(): k for k in self.term.children.get(info.parent, ())}
        desc = info.description.lower()
        out = {}
        for side in ("left", "right", "bilateral"):
            for variant in (_UNSPEC_SIDE.sub(side + " ", desc), re.sub(r"unspecified \w+$", side, desc)):
                if (k := by_desc.get(variant)) and k != code:
                    out[side] = k
                    break
        return out

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
