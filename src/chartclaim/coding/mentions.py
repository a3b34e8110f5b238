"""Mention refinement: which dictionary matches are real mentions of the term they matched.

The matcher compares stemmed, order-free token sets, which is what makes it robust; these checks put back
what stemming and set comparison throw away, each a general rule rather than a list of bad notes:

- **acronyms and eponyms**: a term word written in capitals in its source ('HIV', 'ARC', 'PRES') stands for an
  acronym and matches only a word the note also writes in capitals ('hives', 'painful arc', 'pre-exercise'
  are not); a possessive eponym ('Wells' disease') needs the note's word to keep its final s ('well');
- **head nouns**: words that name a condition only as a noun ('burn', 'cold') are not a one-word mention when
  the note uses them as a verb or a modifier ('burning with urination', 'cold intolerance');
- **everyday words**: one-word terms that in an office note almost always mean something else ('heat' in a
  plan, 'activity as tolerated', 'counseled') are not mentions;
- **vaccines**: a disease named as the target of a vaccine ('influenza vaccine', 'flu shot') is not a diagnosis;
- **with/without polarity**: a term that says 'with status migrainosus' does not match a note that says
  'without status migrainosus' ('uncomplicated' reads as 'without complication'), and vice versa;
- **postposed uncertainty inside a term**: in 'gastroenteritis, probably viral' the uncertainty covers
  'viral' only: the whole term is marked possible and the part before the trigger stays a certain mention.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any

from chartclaim.coding.dictionary import Entry, Match
from chartclaim.coding.lexicon import GENERIC, Lexicon, Tok
from chartclaim.coding.text import stem

# One-word terms that need to be the head noun: 'a burn', 'burn of the hand', 'a cold', 'head cold'.
HEAD_NOUNS = frozenset(["burn", "cold"])
# Their surface forms that are nouns ('burning', 'burned', 'colder' are not).
_HEAD_FORMS = {"burn": ("burn", "burns"), "cold": ("cold", "colds")}
# After the head noun, a function word or punctuation is fine; a content word makes it a modifier
# ('cold intolerance', 'cold extremities', 'burn cream').
_AFTER_OK = frozenset(["of", "to", "on", "in", "at", "from", "with", "and", "or", "x", "for", "since", "that",
                       "which", "-", "is", "was", "symptoms", "symptom"])

# One-word terms that are everyday words in an office note (treatment, instructions, counselling).
NOISE_SINGLE = frozenset(["heat", "activ", "bend", "counsel", "vaccin", "immun", "immuniz", "concern", "symptom"])
# a condition named as what a test looks for ('stress test', 'hepatitis panel', 'strep test') with no result in
# the words after it is the test's name, not a finding
TEST_WORDS = frozenset(["test", "tests", "testing", "panel", "panels", "serology", "serologies", "titer", "titers",
                        "titre", "titres", "screen", "pcr", "swab"])
_RESULT_AFTER = re.compile(r"[^.;\n]{0,40}?\b(?:positive|pos|reactive|detected|confirmed|showed|shows|revealed|"
                           r"consistent)\b|[^.;\n]{0,40}?\(\+\)")
# a normal skin examination ('Skin: warm and dry') is not dry skin
_NORMAL_SKIN = re.compile(r"\bwarm(?:,| and) dry\b|\bdry(?:,| and) (?:warm|intact)\b")

# Acronyms that are also English words: only in capitals ('ARC' is AIDS-related complex, 'painful arc' is not).
WORD_ACRONYMS = frozenset(["arc", "aids", "all", "cap", "pad", "ms", "pe", "ra", "oa", "cp", "hf", "mi", "als",
                           "sad", "pres", "ards", "bed", "fat", "mod", "tip", "sars", "lad", "mad", "cot", "vin"])

# Words that make the preceding disease name a vaccine's target.
VACCINE_WORDS = frozenset(["vaccine", "vaccines", "vaccination", "vaccinations", "vaccinated", "immunization",
                           "immunizations", "immunisation", "shot", "shots", "booster", "boosters", "series"])

# words that may follow a comma as a postposed modifier of the same term ('fracture of distal radius, right')
_POSTPOSED_MODIFIERS = GENERIC | frozenset(stem(w) for w in ("recurrent", "intractable", "displaced",
                                                                 "nondisplaced", "closed", "open", "controlled",
                                                                 "uncontrolled", "persistent", "episodic"))
_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")
# a name that itself ends in s, written with a bare apostrophe ("Wells' disease", "Graves' disease")
_EPONYM = re.compile(r"\b([A-Z][a-z]*s)'(?=\s|$|,)")
_QUALIFIER = re.compile(r"\b(with|without)\s+([a-z][a-z\- ]*?)(?=,|;|\(|\)|$| and | or | with| without)")
_NEG_BEFORE = ("without", "w/o", "no", "not", "negative for", "free of")
# compiled once: the checks below run for every match of every sentence
_NEXT_WORD = re.compile(r"\s*([a-z]+|[^\sa-z])?")
_ON_BEFORE = re.compile(r"(?:%|\bon)\s*$")
_WORD_AFTER = re.compile(r"[\s\-]*([a-z0-9]+)")
_SLASH_WORDS = re.compile(r"[a-z/]+")
_UNCOMPLICATED = re.compile(r"\buncomplicated\b")
_POS_BEFORE = ("with", "w/", "and")


class MentionRules:
    """Checks applied to the matches of one sentence before they become mentions."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._surface: dict[tuple[str, str], tuple[tuple[str, Callable[[str], bool]], ...]] = {}
        self._polarity: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
        self._absent: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {}
        self._filler = frozenset(n for w in ("unspecified", "other", "specified") if (n := lexicon.norm_word(w)))

    # ------------------------------------------------------------------ per-entry constraints (cached)
    def surface_rules(self, entry: Entry) -> tuple[tuple[str, Callable[[str], bool]], ...]:
        key = (entry.code, entry.text)
        got = self._surface.get(key)
        if got is not None:
            return got
        rules: list[tuple[str, Callable[[str], bool]]] = []
        if any(c.isupper() for c in entry.text):
            for w in _ACRONYM.findall(entry.text):
                n = self.lexicon.norm_word(w.lower())
                if n:
                    rules.append((n, _acronym_check(w.lower())))
            for w in _EPONYM.findall(entry.text):
                n = self.lexicon.norm_word(w.lower())
                if n:
                    rules.append((n, _keeps_s))
        out = tuple(rules)
        self._surface[key] = out
        return out

    def polarity(self, entry: Entry) -> tuple[tuple[str, str], ...]:
        """(qualifier head word, 'with'|'without') pairs the term states, e.g. ('status', 'with')."""
        key = (entry.code, entry.text)
        got = self._polarity.get(key)
        if got is not None:
            return got
        low = entry.text.lower()
        out: list[tuple[str, str]] = []
        if "with" in low or "uncomplicated" in low:
            for m in _QUALIFIER.finditer(low):
                words = [w for w in self.lexicon.norms(m.group(2)) if w not in self._filler]
                if words:
                    out.append((words[0], m.group(1)))
            if "uncomplicated" in low:
                out.append((self.lexicon.norm_word("complication") or "complication", "without"))
        res = tuple(out)
        self._polarity[key] = res
        return res

    # ------------------------------------------------------------------ the sentence-level filter
    def refine(self, matches: list[Match], toks: list[Tok], text: str, norm: str,
               triggers: Sequence[Any] = ()) -> list[Match]:
        if not matches:
            return matches
        negs = [t for t in triggers if t.category == "negated" and t.direction in ("forward", "bidirectional")]
        out: list[Match] = []
        for m in matches:
            if len(m.key) == 1 and not self._single_ok(m, toks, text, norm):
                continue
            if self._target_of_vaccine_or_test(m, norm) or self._normal_skin(m, norm):
                continue
            if len(m.idx) > 1 and ";" in norm[m.start:m.end]:
                continue     # a semicolon separates clauses: 'insulin glargine; hypoglycemia' is two things
            if self._room_air(m, toks, text):
                continue
            if len(m.idx) > 1 and "," in norm[m.start:m.end] and _crosses_list_item(m, toks, norm):
                continue
            # 'reflux disease without esophagitis' is not a mention of 'reflux esophagitis'
            inside = [t.phrase for t in negs if m.start < t.start and t.end < m.end] if negs else []
            entries = [e for e in m.entries if (e.source == "lexicon" or self._entry_ok(e, m, toks, text, norm))
                       and not any(not re.search(rf"\b{re.escape(p)}\b", e.text.lower()) for p in inside)]
            if not entries:
                continue
            if len(entries) != len(m.entries):
                m = Match(m.key, entries, m.idx, m.start, m.end)
            out.append(m)
        return out

    def _single_ok(self, m: Match, toks: list[Tok], text: str, norm: str) -> bool:
        tok = toks[m.idx[0]]
        if tok.group >= 0:
            return True                 # an expanded abbreviation ('HTN') is a deliberate mention
        if all(e.source == "lexicon" for e in m.entries):
            return True
        word = m.key[0]
        if word in NOISE_SINGLE:
            return False
        if word in HEAD_NOUNS:
            surface = norm[tok.start:tok.end]
            if surface not in _HEAD_FORMS.get(word, (word,)):
                return False
            after = _NEXT_WORD.match(norm[tok.end:tok.end + 30])
            nxt = after.group(1) if after else None
            if nxt and nxt.isalpha() and nxt not in _AFTER_OK:
                return False
        return True

    def _room_air(self, m: Match, toks: list[Tok], text: str) -> bool:
        """'SpO2 97% RA', 'on RA': room air, not rheumatoid arthritis."""
        t = toks[m.idx[0]]
        if t.group < 0 or text[t.start:t.end] != "RA":
            return False
        return bool(_ON_BEFORE.search(text[max(0, t.start - 8):t.start]))

    def _target_of_vaccine_or_test(self, m: Match, norm: str) -> bool:
        """'influenza vaccine', 'stress test ordered': the condition is what the vaccine or test is for."""
        after = _WORD_AFTER.match(norm[m.end:m.end + 25])
        if not after:
            return False
        word = after.group(1)
        if word in VACCINE_WORDS:
            return True
        return word in TEST_WORDS and not _RESULT_AFTER.match(norm, m.end + after.end())

    @staticmethod
    def _normal_skin(m: Match, norm: str) -> bool:
        return "dry" in norm[m.start:m.end] and bool(_NORMAL_SKIN.search(norm, max(0, m.start - 12), m.end + 12))

    def _entry_ok(self, e: Entry, m: Match, toks: list[Tok], text: str, norm: str) -> bool:
        rules = self.surface_rules(e)
        if rules:
            for i in m.idx:
                t = toks[i]
                if t.group >= 0:
                    continue
                for n, ok in rules:
                    if t.norm == n and not ok(text[t.start:t.end]):
                        return False
        pol = self.polarity(e)
        if pol:
            lo = toks[0].start
            hi = toks[-1].end
            for head, want in pol:
                got = _note_polarity(head, toks, norm, lo, hi)
                if got is not None and got != want:
                    return False
            # 'hypertensive heart and kidney disease without heart failure' is not what a sentence that names
            # heart failure (with no negation before it) describes
            absent = self.absent(e)
            present = {t.norm for t in toks} if absent else set()
            for words in absent:
                if all(w in present for w in words) and _note_polarity(words[0], toks, norm, lo, hi) is None:
                    return False
        return True

    def absent(self, entry: Entry) -> tuple[tuple[str, ...], ...]:
        """The content words of each 'without X' qualifier the term states (not 'without complication', which
        notes rarely name as such)."""
        key = (entry.code, entry.text)
        got = self._absent.get(key)
        if got is None:
            got = self._absent[key] = tuple(
                words for m in _QUALIFIER.finditer(entry.text.lower()) if m.group(1) == "without"
                and (words := tuple(w for w in self.lexicon.norms(m.group(2)) if w not in self._filler))
                and not words[0].startswith("complic"))
        return got


def _crosses_list_item(m: Match, toks: list[Tok], norm: str) -> bool:
    """'recurrent UTIs, depression' is two list items, not 'Depression, recurrent': a term does not take a word
    from before another item's words and a comma, unless what follows the comma is a postposed modifier."""
    idx = sorted(set(m.idx))
    for a, b in itertools.pairwise(idx):
        if b - a < 2:
            continue
        comma = norm.find(",", toks[a].end, toks[b].start)
        if comma < 0:
            continue
        if any(toks[p].start < comma for p in range(a + 1, b)) and toks[b].norm not in _POSTPOSED_MODIFIERS:
            return True
    return False


def _acronym_check(acronym: str) -> Callable[[str], bool]:
    """The note's word must be the acronym itself ('hives' only stems like 'HIV'); an acronym that is also an
    English word ('ARC', 'AIDS', 'ALL') must be written in capitals."""
    def ok(surface: str) -> bool:
        low = surface.lower()
        if low != acronym:
            return surface.isupper() and low.rstrip("s") == acronym.rstrip("s")
        return surface.isupper() or acronym not in WORD_ACRONYMS
    return ok


def _keeps_s(surface: str) -> bool:
    return surface.lower().rstrip("'").endswith("s")


def _note_polarity(head: str, toks: list[Tok], norm: str, lo: int, hi: int) -> str | None:
    """'with' or 'without' as the sentence states the qualifier ``head``; None when it does not say."""
    for t in toks:
        if t.norm != head:
            continue
        before = norm[max(lo, t.start - 24):t.start]
        words = _SLASH_WORDS.findall(before)[-3:]
        if any(w in ("without", "w/o", "no", "not", "nor") for w in words):
            return "without"
        if any(w in ("with", "w/") for w in words):
            return "with"
    if head.startswith("complic") and _UNCOMPLICATED.search(norm[lo:hi]):
        return "without"
    return None


CERTAIN_PART = "the certain part of a term with an uncertain qualifier"


def split_uncertain(matches: list[Match], maximal: list[Match], spans: list[tuple[int, int]],
                    keep_maximal: Callable[[list[Match]], list[Match]]) -> tuple[list[Match], list[Match]]:
    """'gastroenteritis, probably viral': a maximal match with an uncertainty trigger strictly inside its span
    stays (to be marked possible), and the matches it swallowed come back as the certain part.
    Returns (matches to assign, the uncertain ones)."""
    if not spans:
        return maximal, []
    inside = [m for m in maximal if len(m.idx) > 1 and any(m.start < s and e <= m.end for s, e in spans)]
    if not inside:
        return maximal, []
    gone = {id(m) for m in inside}
    rest = keep_maximal([m for m in matches if id(m) not in gone])
    have = {id(m) for m in maximal}
    return maximal + [m for m in rest if id(m) not in have], inside


def mark_uncertain(candidates: dict[str, Any], inside: list[Match], sentence: int) -> None:
    """After assignment: the whole term of each uncertain match is possible; mentions of this sentence inside
    its span are its certain part (coded by the outpatient profile only)."""
    from chartclaim.coding.context import Assertion

    spans = [(m.start, m.end) for m in inside]
    for cand in candidates.values():
        for men in cand.mentions:
            if men.sentence != sentence:
                continue
            for s, e in spans:
                if (men.start, men.end) == (s, e):
                    a = men.assertion
                    men.assertion = Assertion(a.categories | {"possible"},
                                              (*a.triggers, "possible: uncertain qualifier inside the term"))
                elif s <= men.start and men.end <= e:
                    men.rule = CERTAIN_PART
