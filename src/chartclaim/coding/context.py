"""ConText-style assertion: is a mention negated, possible, historical, a family member's, hypothetical or
resolved? Triggers (our table `context.tsv`) open a scope forward or backward inside the sentence; a
terminator ('but', 'which', ...) or the scope limit closes it; pseudo-triggers ('no change') mask lookalikes."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from chartclaim.coding.resources import read_table
from chartclaim.coding.text import alternation

CATEGORIES = ("negated", "possible", "historical", "family", "hypothetical", "resolved")
# an allergy list names past reactions ('contrast (hives)'), not today's conditions; its drug classes give the
# allergy status codes (status_z)
SECTION_CONTEXT = {"family_history": "family", "pmh": "historical", "psh": "historical", "allergies": "historical"}
FORWARD_WORDS = 12     # list-style negation ("denies fever, chills, night sweats or weight loss") runs long
BACKWARD_WORDS = 6

_WORDS = re.compile(r"[a-z0-9/]+")
# A postposed trigger ('pneumonia likely', 'stroke prevention') qualifies only the words right before it.
_POSTPOSED_GAP = re.compile(r"[\s,:\-]*")
# ... and only when it closes the phrase: in 'gastroenteritis, probably viral' it qualifies 'viral'.
_POSTPOSED_END = re.compile(r"[ \t]*(?:$|\n|[^\sa-z]|(?:with|and|or|in|on|for|per|is|was|at|to|of|given|based)\b)")


class Trigger(NamedTuple):
    """One trigger found in a sentence. A named tuple, not a frozen dataclass: every sentence makes a few, and a
    tuple is built in one step instead of a field-by-field ``object.__setattr__``."""
    start: int
    end: int
    phrase: str
    category: str      # one of CATEGORIES, or '-' for terminate/pseudo
    direction: str     # forward, backward, bidirectional, terminate, pseudo


class Assertion(NamedTuple):
    """A named tuple, not a frozen dataclass: made for mention after mention, and built in one step."""
    categories: frozenset[str]
    triggers: tuple[str, ...]     # "negated: 'denies'" — shown in the evidence

    @property
    def negated(self) -> bool:
        return "negated" in self.categories


AFFIRMED = Assertion(frozenset(), ())
_new_trigger = tuple.__new__     # Trigger without the keyword-handling __new__


class ContextRules:
    def __init__(self, rows: tuple[tuple[str, ...], ...] | None = None) -> None:
        rows = rows if rows is not None else read_table("context.tsv")
        self.rules: dict[str, tuple[str, str]] = {r[0].lower(): (r[1], r[2]) for r in rows}
        alt = alternation(sorted(self.rules, key=len, reverse=True))
        # '/'-phrases (r/o, h/o) are not bounded by \b on the slash side, so use explicit look-arounds.
        self.regex = re.compile(rf"(?<![a-z0-9])(?:{alt})(?![a-z0-9])")

    def triggers(self, norm_text: str, start: int, end: int) -> list[Trigger]:
        rules = self.rules
        found = [_new_trigger(Trigger, (*m.span(), g := m[0], *rules[g]))
                 for m in self.regex.finditer(norm_text, start, end)]
        pseudo = [t for t in found if t.direction == "pseudo"]
        if pseudo:
            found = [t for t in found if t.direction == "pseudo"
                     or not any(p.start <= t.start < p.end for p in pseudo)]
        return found

    def assert_mention(self, norm_text: str, triggers: list[Trigger], start: int, end: int,
                       section: str = "") -> Assertion:
        cats: set[str] = set()
        why: list[str] = []
        if section in SECTION_CONTEXT:
            cats.add(SECTION_CONTEXT[section])
            why.append(f"{SECTION_CONTEXT[section]}: section {section}")
        if not triggers:
            return Assertion(frozenset(cats), tuple(why)) if cats else AFFIRMED
        terms = [t for t in triggers if t.direction == "terminate"]
        for t in triggers:
            if t.direction in ("terminate", "pseudo") or (t.start < end and t.end > start):
                continue
            if t.end <= start and t.direction in ("forward", "bidirectional", "around"):
                if not _forward_applies(norm_text, t, terms, start):
                    continue
            elif t.start >= end and t.direction in ("backward", "bidirectional"):
                if not _backward_applies(norm_text, t, terms, end):
                    continue
            elif t.start >= end and t.direction in ("postposed", "around"):
                if not _postposed_applies(norm_text, t, end):
                    continue
            else:
                continue
            cats.add(t.category)
            why.append(f"{t.category}: '{t.phrase}'")
        return Assertion(frozenset(cats), tuple(why)) if cats else AFFIRMED

    def asserter(self, norm_text: str, triggers: list[Trigger], section: str = "") -> Callable[[int, int], Assertion]:
        """``assert_mention`` for many mentions of one sentence: each trigger's decision depends on the mention's
        start (a trigger before it) or end (a trigger after it) alone, so it is worked out once per position,
        and equal decisions give the same assertion."""
        if not triggers:
            fixed = _assertion_of([], section)
            return lambda _s, _e: fixed
        terms = [t for t in triggers if t.direction == "terminate"]
        live = [(i, t) for i, t in enumerate(triggers) if t.direction not in ("terminate", "pseudo")]
        before: dict[tuple[int, int], bool] = {}
        after: dict[tuple[int, int], bool] = {}
        made: dict[tuple[int, ...], Assertion] = {}

        def decide(start: int, end: int) -> Assertion:
            applied = []
            for i, t in live:
                if t.start < end and t.end > start:
                    continue
                if t.end <= start and t.direction in ("forward", "bidirectional", "around"):
                    got = before.get((i, start))
                    if got is None:
                        got = before[(i, start)] = _forward_applies(norm_text, t, terms, start)
                elif t.start >= end and t.direction in ("backward", "bidirectional"):
                    got = after.get((i, end))
                    if got is None:
                        got = after[(i, end)] = _backward_applies(norm_text, t, terms, end)
                elif t.start >= end and t.direction in ("postposed", "around"):
                    got = after.get((i, end))
                    if got is None:
                        got = after[(i, end)] = _postposed_applies(norm_text, t, end)
                else:
                    continue
                if got:
                    applied.append(i)
            key = tuple(applied)
            a = made.get(key)
            if a is None:
                # the triggers that apply, in order, decide the assertion: build it from them alone
                a = made[key] = _assertion_of([triggers[i] for i in applied], section)
            return a

        return decide


def _assertion_of(applied: list[Trigger], section: str) -> Assertion:
    cats: set[str] = set()
    why: list[str] = []
    if section in SECTION_CONTEXT:
        cats.add(SECTION_CONTEXT[section])
        why.append(f"{SECTION_CONTEXT[section]}: section {section}")
    for t in applied:
        cats.add(t.category)
        why.append(f"{t.category}: '{t.phrase}'")
    return Assertion(frozenset(cats), tuple(why)) if cats else AFFIRMED


def _forward_applies(norm_text: str, t: Trigger, terms: list[Trigger], start: int) -> bool:
    if any(t.end <= x.start and x.end <= start for x in terms):
        return False
    if t.category == "family" and ":" in norm_text[t.end:start]:
        return False     # 'family history of colon cancer: colonoscopy for screening'
    return len(_WORDS.findall(norm_text, t.end, start)) <= FORWARD_WORDS


def _backward_applies(norm_text: str, t: Trigger, terms: list[Trigger], end: int) -> bool:
    if any(end <= x.start and x.end <= t.start for x in terms):
        return False
    return len(_WORDS.findall(norm_text, end, t.start)) <= BACKWARD_WORDS


def _postposed_applies(norm_text: str, t: Trigger, end: int) -> bool:
    return bool(_POSTPOSED_GAP.fullmatch(norm_text, end, t.start)) and bool(_POSTPOSED_END.match(norm_text, t.end))


@lru_cache(maxsize=1)
def default_rules() -> ContextRules:
    return ContextRules()
