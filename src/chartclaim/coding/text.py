"""Normalisation, tokens, a light stemmer, sentences and sections.

Every component works on offsets into the ORIGINAL note: normalisation keeps the text length so evidence spans
point at what the clinician wrote."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

# Characters clinicians paste from word processors, mapped one-to-one so offsets survive.
_ONE_TO_ONE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\t": " ", "\u00b0": " ",
})


def _fold_char(ch: str) -> str:
    """The one lower-case ASCII character (or a space) that stands for ``ch`` in the normalised note."""
    ch = ch.translate(_ONE_TO_ONE)
    low = ch.lower()
    if len(low) != 1:
        low = ch
    if not low.isascii():
        low = unicodedata.normalize("NFD", low)[0]
        if not low.isascii():
            low = " "
    return low


class _FoldTable(dict[int, str]):
    """``str.translate`` table from a code point to :func:`_fold_char`, filled on first sight: a note with a
    'µ' or an 'é' is folded in one C pass instead of a Python loop over its characters."""

    def __missing__(self, cp: int) -> str:
        got = self[cp] = _fold_char(chr(cp))
        return got


_FOLD = _FoldTable()


def normalise(text: str) -> str:
    """Lower-case, ASCII-folded copy of ``text`` with exactly the same length (offsets stay valid)."""
    if text.isascii():
        # the tab is the one ASCII character the table maps: two C passes instead of a dict lookup per character
        return text.replace("\t", " ").lower()
    return text.translate(_FOLD)        # one pass (a one-to-one pass and lower() first cost as much again)


# Words that carry no coding meaning inside a term. "with"/"without" are handled by the term builder.
STOPWORDS = frozenset(
    ["a", "an", "the", "of", "in", "on", "at", "to", "for", "by", "and", "or", "with", "from", "into", "as", "is", "was", "were", "be", "been", "are", "this", "that", "these", "those", "its", "his", "her", "their", "patient", "pt", "which", "who", "has", "have", "had", "due", "also", "both", "either"]
)

_SUFFIXES = ("ational", "ization", "ations", "ation", "ically", "ical", "ities", "ity", "ious", "ness", "ments",
             "ment", "ful", "ive", "ing", "ion", "ied", "ed", "ic", "al", "ia", "e", "y")
_KEEP = ("itis", "osis", "sis", "ss", "us", "is")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A deliberately aggressive suffix stripper: 'diabetes'/'diabetic' -> 'diabet', 'fractured' ->
    'fractur'. Consistency between term and text matters, not linguistic truth: one plural step, then one
    derivational step."""
    w = word
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("es") and len(w) > 4 and not w.endswith(("ses", "xes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(_KEEP):
        w = w[:-1]
    if len(w) <= 4 or w.endswith(("itis", "osis", "sis")):
        return w
    for suf in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 4:
            return w[: -len(suf)]
    return w


def alternation(phrases: Iterable[str]) -> str:
    """The regular expression ``"|".join(map(re.escape, phrases))`` written as a trie ('no|not|neg' ->
    'n(?:o(?:t|)|eg)'), for case-sensitive patterns. It matches exactly what the flat one matches at every
    position: only alternatives that are prefixes of one another can match at the same place, and the trie
    keeps their order (a trie's branches keep the order of the phrases; a phrase that ends inside a branch is
    tried after the longer ones there, as the flat list sorted by length tries it). The regex engine then
    tries a few branches at each character of a note instead of every phrase."""
    return _trie([p for p in phrases])


def _trie(rests: list[str]) -> str:
    groups: dict[str, list[str]] = {}
    ends = 0
    for p in rests:
        if not p:
            ends += 1
            continue
        if ends:
            raise ValueError("an alternative after a shorter one that it extends would change the matching")
        groups.setdefault(p[0], []).append(p[1:])
    branches = [re.escape(first) + (re.escape(sub[0]) if len(sub) == 1 else "(?:" + _trie(sub) + ")")
                for first, sub in groups.items()]
    if ends:
        branches.append("")
    return "|".join(branches)


_WORD = re.compile(r"[a-z]+|\d+(?:\.\d+)?")


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str       # normalised surface form
    norm: str       # stemmed, synonym-mapped form used for matching
    stop: bool


def tokenize(norm_text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
    end = len(norm_text) if end is None else end
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(norm_text, start, end)]


class Sentence(NamedTuple):
    """A named tuple, not a frozen dataclass: a note has dozens, each built in one step."""
    start: int
    end: int
    section: str


# A sentence ends at a newline or at . ! ? followed by space and a capital/digit, unless the dot closes an
# abbreviation clinicians write mid-sentence.
_SENT_END = re.compile(r"\n+|(?<=[.!?;])\s+(?=[A-Z0-9(\"'])")
_ABBREV_END = re.compile(r"(?:\b(?:dr|mr|mrs|ms|vs|e\.g|i\.e|approx|fig|no|st|pt|sr|jr|al|resp|h\.o|s\.p)\.)$", re.I)


def split_sentences(text: str, start: int = 0, end: int | None = None, section: str = "") -> list[Sentence]:
    end = len(text) if end is None else end
    out: list[Sentence] = []
    pos = start
    for m in _SENT_END.finditer(text, start, end):
        at = m.start()
        # every abbreviation ends with its dot right before the break: look only where there is one
        if text[at] != "\n" and text[at - 1] == "." and _ABBREV_END.search(text, max(pos, at - 8), at):
            continue
        if text[pos:at].strip():
            out.append(Sentence(pos, at, section))
        pos = m.end()
    if text[pos:end].strip():
        out.append(Sentence(pos, end, section))
    return out


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    start: int       # start of the body (after the header)
    end: int
    header: tuple[int, int] | None


SECTION_ALIASES: dict[str, str] = {}
SECTION_PATTERNS: list[tuple[str, str]] = []     # (regular expression, section) for 're:' aliases
# Terse notes write S:/O:/A:/P:. One letter and a colon is a header only when the note uses the set: a lone
# "A: 3 cm" or "P: 88" (pulse) must not open a section.
SOAP_SECTIONS = {"s": "hpi", "o": "exam", "a": "assessment", "p": "plan"}
_SOAP = re.compile(r"(?im)^[ \t]*([soap])[ \t]*:")


def _load_sections() -> None:
    from chartclaim.coding.resources import read_table
    for row in read_table("sections.tsv"):
        if row[1].startswith("re:"):
            SECTION_PATTERNS.append((row[1][3:], row[0]))
            continue
        for alias in row[1].split("|"):
            SECTION_ALIASES[alias.strip().lower()] = row[0]


def _header_regex() -> re.Pattern[str]:
    if not SECTION_ALIASES:
        _load_sections()
    names = sorted(SECTION_ALIASES, key=len, reverse=True)
    alt = "|".join(re.escape(n) for n in names)
    # free-word headers ('X-ray left shoulder:') need their colon, or any line starting "CT ..." would open one
    pats = "".join(f"|(?P<re{i}>{p})(?=[ \t]*:)" for i, (p, _name) in enumerate(SECTION_PATTERNS))
    return re.compile(rf"(?im)^[ \t]*(?:#+\s*)?(?:(?P<lit>{alt}){pats})[ \t]*(?::|-(?=\s)|\n)")


_HEADER: re.Pattern[str] | None = None


def _soap_heads(norm_text: str) -> list[tuple[int, int, str]]:
    found = [(m.start(), m.end(), m.group(1)) for m in _SOAP.finditer(norm_text)]
    letters = {f[2] for f in found}
    if "a" not in letters or len(letters) < 3:
        return []
    return [(s, e, SOAP_SECTIONS[k]) for s, e, k in found]


def find_sections(norm_text: str) -> list[Section]:
    """Sections by their headers ('HPI:', 'Assessment and Plan:', 'FAMILY HISTORY:', 'X-ray left wrist:', and
    S:/O:/A:/P: when used as a set); text before the first header is 'body'."""
    global _HEADER
    if _HEADER is None:
        _HEADER = _header_regex()
    heads: list[tuple[int, int, str]] = []
    for m in _HEADER.finditer(norm_text):
        lit = m.group("lit")
        if lit is not None:
            name = SECTION_ALIASES[lit.strip().lower()]
        else:
            name = next(SECTION_PATTERNS[i][1] for i in range(len(SECTION_PATTERNS)) if m.group(f"re{i}"))
        heads.append((m.start(), m.end(), name))
    if "\n" in norm_text and ":" in norm_text:
        soap = _soap_heads(norm_text)
        if soap:
            taken = {h[0] for h in heads}
            heads = sorted(heads + [h for h in soap if h[0] not in taken])
    out: list[Section] = []
    if not heads or heads[0][0] > 0:
        first = heads[0][0] if heads else len(norm_text)
        out.append(Section("body", 0, first, None))
    for i, (hs, he, name) in enumerate(heads):
        nxt = heads[i + 1][0] if i + 1 < len(heads) else len(norm_text)
        out.append(Section(name, he, nxt, (hs, he)))
    return out
