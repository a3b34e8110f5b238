"""Profile post-processing for the billing profiles (us-outpatient, us-inpatient), after the profile's
context decisions and before scoring thresholds:

1. status and encounter Z codes from the record as a whole (`status_z.add_status_codes`); a personal-history
   code taken from a past-history listing goes when the same condition is coded as current;
2. **one code per condition at its most specific**: a code is dropped when it is the unspecified branch
   under the lowest common ancestor of a kept, more specific code (J02.9 beside J02.0, I48.91 beside I48.0,
   N18.9 beside N18.32, M54.9 beside M54.50), when its description minus 'unspecified' is contained in a kept
   code's ('Encounter for screening, unspecified' beside 'screening mammogram'), or when it says 'without
   complications' beside a code of its category that states one (E11.9 beside E11.65);
3. outpatient only, when the note has an assessment: a family-history Z code is kept only when the
   condition is addressed or screened for in the assessment/plan (abstraction keeps all; inpatient keeps all);
4. outpatient only: a condition the assessment says is not addressed at this visit ('not addressed today',
   'managed by cardiology' with nothing done) is not billed;
5. the certain part of a term with an uncertain qualifier ('gastroenteritis' in 'gastroenteritis, probably
   viral') is an outpatient reading: profiles that code uncertain diagnoses drop it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from chartclaim.coding.mentions import CERTAIN_PART
from chartclaim.coding.resources import read_table
from chartclaim.coding.result import Rejected
from chartclaim.coding.terminology import CodeInfo, nodot

if TYPE_CHECKING:
    from chartclaim.coding.pipeline import Analysis, Candidate, Coder, Mention

_UNSPEC = re.compile(r"\b(?:unspecified|not specified|nos)\b")
_WITHOUT_COMPLICATION = re.compile(r"\bwithout complications?\b|\buncomplicated\b")
# family history Z -> screening encounter codes that make it relevant to the visit
FAMILY_SCREENING = {
    "Z80.0": ("Z12.1",), "Z80.1": ("Z12.2",), "Z80.3": ("Z12.3",), "Z80.4": ("Z12.4", "Z12.7"),
    "Z80.42": ("Z12.5",), "Z80.5": ("Z12.6",), "Z83.3": ("Z13.1",), "Z83.42": ("Z13.22",),
    "Z82.49": ("Z13.6",), "Z82.3": ("Z13.6",), "Z80.8": ("Z12.8", "Z12.83"),
}
_UNADDRESSED = re.compile(r"\bnot (?:addressed|discussed|evaluated|managed)\b|\baddressed (?:at|in) (?:a )?"
                          r"(?:separate|next|future)\b|\bdeferred to\b")
_MANAGED_ELSEWHERE = re.compile(r"\b(?:managed|followed|treated) by (?:her |his |their )?(?:cardiology|"
                                r"cardiologist|nephrology|nephrologist|oncology|oncologist|endocrinology|"
                                r"endocrinologist|neurology|neurologist|pulmonology|pulmonologist|rheumatology|"
                                r"rheumatologist|gi|gastroenterology|gastroenterologist|psychiatry|psychiatrist|"
                                r"urology|urologist|specialist|va|pcp)\b")
_ACTED_ON = re.compile(r"\b(?:continue|continued|adjust|increase|increased|decrease|decreased|start|started|"
                       r"refill|refilled|reviewed|order|ordered|check|recheck|titrate|change|changed)\b")
ANCHOR_SECTIONS = frozenset({"assessment", "plan"})


def billing_conventions(coder: Coder, an: Analysis, profile: str, out: dict[str, Candidate],
                        rejected: list[Rejected]) -> None:
    text = an.text
    if profile != "us-outpatient":
        for code in list(out):
            if any(m.rule != CERTAIN_PART for m in out[code].mentions):
                continue
            rejected.append(Rejected(code, "uncertain qualifier: the whole term is coded in this profile",
                                     coder._evidence(out[code].mentions, text), out[code].score))
            del out[code]
    if profile == "abstraction":
        return
    from chartclaim.coding.status_z import add_status_codes

    add_status_codes(coder, an, out, rejected)
    identified_influenza(coder, an, out, rejected)
    history_beside_current(coder, out, rejected, text)
    drop_less_specific(coder, out, rejected, text)
    if profile == "us-outpatient" and _has_assessment(an):
        family_relevance(coder, out, rejected, text, an)
        unaddressed(coder, an, out, rejected)
    if profile == "us-outpatient":
        later_visit(coder, an, out, rejected)
    injury_by_site(coder, out, rejected, text)


# 'Influenza A', 'positive for flu B', 'influenza type B' (a capital type letter; 'influenza A/B antigen' names
# the test, not a result)
_FLU_TYPED = re.compile(r"\b(?:[Ii]nfluenza|INFLUENZA|[Ff]lu|FLU)[ \t]*(?:[Tt]ype[ \t]*)?[AB]\b(?!/)")
_NEGATIVE_BEFORE = re.compile(r"\b(?:negative|neg|no|not|denies|without|r/o|rule out)\b[^.;\n]*$", re.I)


def identified_influenza(coder: Coder, an: Analysis, out: dict[str, Candidate], rejected: list[Rejected]) -> None:
    """Influenza whose virus type the note identifies (a positive type A or B) is J10, 'due to other identified
    influenza virus', not J11 'unidentified'; the manifestation digits stay (J11.1 -> J10.1)."""
    flu = [k for k in out if k.startswith("J11")]
    if not flu:
        return
    text = an.text
    typed = next((m for m in _FLU_TYPED.finditer(text)
                  if not _NEGATIVE_BEFORE.search(text, max(0, text.rfind("\n", 0, m.start()) + 1), m.start())), None)
    if typed is None:
        return
    for code in flu:
        target = "J10" + code[3:]
        if target not in coder.term.codes or target in out:
            continue
        c = out.pop(code)
        rejected.append(Rejected(code, f"influenza virus identified ('{typed.group()}') -> {target}",
                                 coder._evidence(c.mentions, text), c.score))
        c.code = target
        c.rules.append(f"influenza virus identified ('{typed.group()}'): {code} -> {target}")
        out[target] = c


@lru_cache(maxsize=1)
def _chronic_prefixes() -> tuple[str, ...]:
    return tuple(nodot(p) for row in read_table("chronic_conditions.tsv") for p in row[0].split("|"))


def listed_chronic(coder: Coder, code: str, mention: Mention) -> bool:
    """A chronic condition that is historical only because a past-history section lists it ('PMH: depression,
    hypertension') is ongoing: the list names conditions the patient has, not ones that have ended. A word that
    puts it in the past ('history of', 'resolved', 's/p') keeps it historical."""
    a = mention.assertion
    if "resolved" in a.categories or any(t.startswith("historical") and not t.startswith("historical: section")
                                         for t in a.triggers):
        return False
    return nodot(code).startswith(_chronic_prefixes())


def history_beside_current(coder: Coder, out: dict[str, Candidate], rejected: list[Rejected], text: str) -> None:
    """A personal-history code derived from a past-history listing ('PMH: major depressive disorder' -> Z86.59)
    contradicts the same condition coded as current (F33.1 in the assessment): the list named a chronic
    condition, not a past one."""
    from chartclaim.coding.pipeline import _lookup_prefix

    current = {z for k in out if not k.startswith("Z") and (z := _lookup_prefix(k, coder.history_z))}
    for code in list(out):
        c = out[code]
        if code in current and any(r.startswith("personal history of ") for r in c.rules):
            rejected.append(Rejected(code, "history code beside the same condition coded as current",
                                     coder._evidence(c.mentions, text), c.score))
            del out[code]


def _has_assessment(an: Analysis) -> bool:
    from chartclaim.coding.text import find_sections

    return any(s.name == "assessment" for s in find_sections(an.norm))


def unspecified_branch(coder: Coder, x: str, y: str) -> bool:
    """Is ``x`` the unspecified branch under the lowest common ancestor of ``x`` and the more specific ``y``?"""
    lx, ly = [i.code for i in coder.term.lineage(x)], [i.code for i in coder.term.lineage(y)]
    common = next((a for a in lx if a in ly), None)
    if common is None or common in (x, y):
        return False
    path_x = lx[:lx.index(common)]
    path_y = ly[:ly.index(common)]

    def unspec(code: str) -> bool:
        info = coder.term.codes.get(code)
        return bool(info and _UNSPEC.search(info.description.lower()))

    return all(unspec(c) for c in path_x) and not all(unspec(c) for c in path_y)


def _desc_words(coder: Coder, code: str) -> frozenset[str]:
    from chartclaim.coding.lexicon import GENERIC

    info = coder.term.codes.get(code)
    if info is None:
        return frozenset()
    words = coder.lexicon.norms(_UNSPEC.sub(" ", info.description.lower()))
    return frozenset(w for w in words if w not in GENERIC and not w.isdigit())


def drop_less_specific(coder: Coder, out: dict[str, Candidate], rejected: list[Rejected], text: str) -> None:
    """Each code that says 'unspecified' or 'without complications' against every other listed code, first
    match wins. With a model the list holds every candidate (~90, before the threshold), so the codes that
    can possibly make a code less specific are looked up in three indexes of the list instead of pairing
    every code with every other: descendants of an ancestor (the unspecified branch), codes holding a
    description word (the contained description), codes of a category ('without complications'). Each
    looked-up code then gets exactly the pair test it got in the full scan, in listing order."""
    codes = list(out)
    facts = [_code_facts(coder, c) for c in codes]
    below: dict[str, list[int]] = {}          # ancestor -> places of the listed codes strictly below it
    with_word: dict[str, list[int]] = {}      # description word -> places of the listed codes using it
    in_category: dict[str, list[int]] = {}    # 3-character category -> places of the listed codes in it
    for i, f in enumerate(facts):
        for a in f.lineage[1:]:
            below.setdefault(a, []).append(i)
        for w in f.words:
            with_word.setdefault(w, []).append(i)
        in_category.setdefault(f.category, []).append(i)
    for xi, x in enumerate(codes):
        fx = facts[xi]
        if fx.info is None or x not in out:
            continue
        unspec, without = fx.unspec, fx.without
        if not unspec and not without:
            continue
        words = fx.words if unspec else frozenset()
        maybe: set[int] = set()
        if unspec:
            # the lowest common ancestor must lie above a path of unspecified codes starting at x
            for a in fx.lineage[1:fx.unspec_run + 1]:
                maybe.update(below.get(a, ()))
            if words:
                maybe.update(with_word.get(min(words), ()))
        if without:
            maybe.update(in_category.get(fx.category, ()))
        for yi in sorted(maybe):
            y = codes[yi]
            if y == x or y not in out or coder._paired(x, y):
                continue     # a use-additional / code-first pair documents two things
            why = None
            if unspec and unspecified_branch(coder, x, y):
                why = f"unspecified beside the more specific {y} (same category)"
            elif unspec and words and x[0] == y[0] and words < facts[yi].words:
                why = f"unspecified beside the more specific {y}"
            elif without and facts[yi].category == fx.category and not _WITHOUT_COMPLICATION.search(
                    (coder.term.codes[y].description if y in coder.term.codes else "").lower()):
                why = f"'without complications' beside {y}, which codes a complication"
            if why:
                rejected.append(Rejected(x, why, coder._evidence(out[x].mentions, text), out[x].score))
                del out[x]
                break


@dataclass(frozen=True, slots=True)
class _CodeFacts:
    """What the specificity rules read from a code's tabular entry (worked out once per code)."""
    info: CodeInfo | None
    lineage: tuple[str, ...]       # the code and its ancestors, nearest first
    unspec_run: int                # how many codes from the start of the lineage say 'unspecified'
    unspec: bool
    without: bool
    words: frozenset[str]          # _desc_words
    category: str                  # first three characters, undotted


def _code_facts(coder: Coder, code: str) -> _CodeFacts:
    cache = coder._code_facts
    got = cache.get(code)
    if got is None:
        info = coder.term.codes.get(code)
        lineage = tuple(i.code for i in coder.term.lineage(code))
        run = 0
        for i in coder.term.lineage(code):
            if not _UNSPEC.search(i.description.lower()):
                break
            run += 1
        desc = info.description.lower() if info is not None else ""
        unspec = bool(_UNSPEC.search(desc))
        got = _CodeFacts(info, lineage, run, unspec, bool(_WITHOUT_COMPLICATION.search(desc)),
                         _desc_words(coder, code), nodot(code)[:3])
        if len(cache) < 100_000:
            cache[code] = got
    return got


def family_relevance(coder: Coder, out: dict[str, Candidate], rejected: list[Rejected], text: str,
                     an: Analysis) -> None:
    """Outpatient: a family history is reported when it bears on this visit: the condition is named in the
    assessment/plan (as the family's, or as what is screened for or prevented), or the assessment screens for it."""
    from chartclaim.coding.pipeline import _lookup_prefix

    in_ap: set[str] = set()
    for cand in an.candidates.values():
        # the family's condition, or one screened for / prevented; the patient's own HTN does not make the
        # father's MI relevant although both map to Z82.49
        if any(m.section in ANCHOR_SECTIONS and m.entry.source != "learned"
               and m.assertion.categories & {"family", "hypothetical", "possible"} for m in cand.mentions):
            z = _lookup_prefix(cand.code, coder.family_z)
            if z:
                in_ap.add(z)
    for code in list(out):
        if not nodot(code).startswith(("Z80", "Z81", "Z82", "Z83", "Z84")):
            continue
        c = out[code]
        if code in in_ap or any(m.section in ANCHOR_SECTIONS for m in c.mentions):
            continue
        screens = next((v for k, v in FAMILY_SCREENING.items() if code.startswith(k)), ())
        if any(k.startswith(screens) for k in out) if screens else False:
            c.rules.append("family history relevant to the screening at this visit")
            continue
        rejected.append(Rejected(code, "outpatient: family history not addressed in the assessment/plan",
                                 coder._evidence(c.mentions, text), c.score))
        del out[code]


def _clause(norm: str, start: int, end: int) -> str:
    s = max(norm.rfind("\n", 0, start), norm.rfind(". ", 0, start)) + 1
    e = min(x for x in (norm.find("\n", end), norm.find(". ", end), len(norm)) if x >= 0)
    return norm[s:e]


# encounter-reason codes: aftercare, follow-up examination, special examinations
_ENCOUNTER_REASON = ("Z48", "Z09", "Z01", "Z47", "Z51")
_LATER = re.compile(r"\bin \d+(?:\s*(?:-|to)\s*\d+)? ?(?:days?|d|weeks?|wks?|months?|mos?)\b|\bnext (?:visit|week|month|"
                    r"appointment)\b|\bat (?:the )?(?:next|follow[- ]?up) (?:visit|appointment)\b|\bwill (?:return|"
                    r"need|schedule)\b|\bto be scheduled\b|\bscheduled for\b")


def injury_by_site(coder: Coder, out: dict[str, Candidate], rejected: list[Rejected], text: str) -> None:
    """T14 is an injury of an unspecified body region: beside an injury coded by its site (S00-S99) the note's
    'wound' or 'injury' is that injury, not another one."""
    site = next((k for k in out if k.startswith("S")), None)
    if site is None:
        return
    for code in [k for k in out if k.startswith("T14")]:
        rejected.append(Rejected(code, f"injury of unspecified region beside the injury coded by site ({site})",
                                 coder._evidence(out[code].mentions, text), out[code].score))
        del out[code]


def later_visit(coder: Coder, an: Analysis, out: dict[str, Candidate], rejected: list[Rejected]) -> None:
    """'Suture removal in 10 days', 'INR check next week': the plan names the reason of a later encounter, not
    of this one, so the encounter code (Z48.02, Z09, Z01.x) is not billed today."""
    norm = an.norm
    for code in [k for k in out if k.startswith(_ENCOUNTER_REASON)]:
        mentions = [m for m in out[code].mentions if m.entry.source != "learned"]
        if mentions and all(_LATER.search(_clause(norm, m.start, m.end)) for m in mentions):
            rejected.append(Rejected(code, "outpatient: the reason of a later encounter (planned), not of this one",
                                     coder._evidence(out[code].mentions, an.text), out[code].score))
            del out[code]


def unaddressed(coder: Coder, an: Analysis, out: dict[str, Candidate], rejected: list[Rejected]) -> None:
    norm = an.norm
    for code in list(out):
        ap = [m for m in out[code].mentions if m.section in ANCHOR_SECTIONS and m.entry.source != "learned"]
        if not ap:
            continue

        def not_addressed(start: int, end: int) -> bool:
            cl = _clause(norm, start, end)
            return bool(_UNADDRESSED.search(cl) or (_MANAGED_ELSEWHERE.search(cl) and not _ACTED_ON.search(cl)))

        if all(not_addressed(m.start, m.end) for m in ap):
            rejected.append(Rejected(code, "outpatient: documented as not addressed at this visit",
                                     coder._evidence(out[code].mentions, an.text), out[code].score))
            del out[code]
