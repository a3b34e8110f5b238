"""Status and encounter Z codes an office coder adds from the record as a whole (billing profiles):

- long-term (current) drug use, Z79.x, from the medication list or 'on/continue/taking <drug>' (`status_z.tsv`);
- allergy status, Z88.x/Z91.040, from the allergy list or 'allergic to X' / 'X allergy'; the generic
  'allergy' term (T78.40) that such a line also matches is a status, not a current reaction, and goes;
- the preventive visit itself: general adult examination Z00.00 / Z00.01 (with abnormal findings), routine
  child health examination Z00.129 / Z00.121;
- immunization given at the visit, Z23 (the vaccine's disease is not a diagnosis: see `mentions.py`);
- BMI, Z68.x, from the value the note records: adult BMI by value (Z68.1-Z68.45), pediatric by percentile
  (Z68.51-Z68.54); reported only beside a weight diagnosis (obesity, overweight, underweight, malnutrition),
  as the guidelines allow BMI codes only as secondary codes for an associated reportable diagnosis;
- personal history of colon polyps: adenomatous/serrated (Z86.0101) when the note says so, FY2026 tabular;
- device, graft, transplant, stoma and joint-replacement status (Z95.x, Z94.x, Z93.x, Z96.x, the side from the
  line) and a quit habit (Z87.891), when no word in the clause negates, plans or proposes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from chartclaim.coding.context import AFFIRMED
from chartclaim.coding.dictionary import Entry
from chartclaim.coding.resources import read_table
from chartclaim.coding.result import Rejected

if TYPE_CHECKING:
    from chartclaim.coding.pipeline import Analysis, Candidate, Coder

RULE_SCORE = 0.8
_STOPPED = re.compile(r"\b(?:stop|stopped|discontinue|discontinued|d/c|dc'd|hold|held|off|prn|as needed|start|"
                      r"started today|starting|new rx|prescribed today|declined|refused|not taking|no longer)\b")
_ON_DRUG = re.compile(r"\b(?:on|continue|continues|continuing|takes|taking|maintained on|remains on|uses)\b")
_NO_ALLERGY = re.compile(r"\b(?:nkda|nka|no known)\b")
_ALLERGY_WORD = re.compile(r"\ballerg(?:y|ies|ic)\b")
_ADULT_VISIT = re.compile(
    r"\b(?:annual (?:physical|exam|examination|wellness|preventive|health)|"
    r"(?:routine|general|complete|comprehensive|periodic) (?:adult )?(?:physical|medical|health|preventive|wellness)"
    r"(?: maintenance)?(?: exam| examination| visit)?|"
    r"well[- ](?:adult|woman|man|male|female) (?:exam|visit|examination)|health maintenance (?:exam|visit|examination)|"
    r"preventive (?:visit|exam|examination|care visit|medicine visit)|wellness (?:exam|visit)|physical exam(?:ination)? "
    r"\(?annual\)?|annual wellness visit|\bawv\b)")
_CHILD_VISIT = re.compile(r"\b(?:well[- ]child|well[- ]baby|well[- ]infant|child health (?:exam|examination|check)|"
                          r"routine child health|wcc\b|well[- ]adolescent)")
_ABNORMAL = re.compile(r"(?<!no )(?<!without )\babnormal findings?\b")
_VISIT_SECTIONS = frozenset({"body", "chief_complaint", "hpi", "assessment", "plan"})
_VACCINE = re.compile(r"\b(?:vaccines?|vaccination|immuni[sz]ations?|tdap|dtap|td|mmr|flu shot|influenza shot|prevnar|"
                      r"pneumovax|shingrix|gardasil|boostrix|adacel|pcv\d*|ppsv\d*|hpv|ipv|hib|varicella vaccine|"
                      r"covid[- ]19 (?:vaccine|booster)|booster)\b")
_GIVEN = re.compile(r"\b(?:given|administered|received today|was given|were given|injected|provided today|"
                    r"vis (?:given|provided))\b")
_NOT_GIVEN = re.compile(r"\b(?:declined|refused|deferred|due|next visit|at next|will|plan to|recommend|recommended|"
                        r"not given|contraindicated|schedule)\b")
_BMI = re.compile(r"\bbmi\b[^0-9\n]{0,12}?(\d{1,2}(?:\.\d{1,2})?)(?!\d)(?:\s*(?:kg/m2|kg/m\^?2))?"
                  r"(?:[^\n]{0,20}?(\d{1,3}(?:\.\d)?)\s*(?:st|nd|rd|th)?\s*(?:percentile|%ile|centile))?")
_PERCENTILE_FIRST = re.compile(r"\bbmi\b[^\n]{0,25}?(\d{1,3}(?:\.\d)?)\s*(?:st|nd|rd|th)\s*(?:percentile|%ile|centile)")
WEIGHT_DX = ("E66", "R63.6", "E43", "E44", "E45", "E46", "R62.7", "E41", "E40")
_POLYP_HISTORY = {"Z86.0100": ("Z86.0101", re.compile(r"\b(?:adenoma\w*|adenomatous|serrated|tubular|villous|"
                                                        r"tubulovillous|sessile)\b"))}


# a status the line only proposes, plans, negates or attributes to a relative is not the patient's
_NOT_STATUS = re.compile(r"\b(?:no|not|denies|denied|without|never|candidate|consider|considering|discuss|discussed|"
                         r"planned|plan|plans|scheduled|will|would|referr\w*|refer|evaluat\w*|eval|needs?|"
                         r"recommend\w*|possible|possibly|if|pending|awaiting|wants|advised|trying|ready|counsel\w*|"
                         r"encourag\w*|mother|father|brother|sister|son|daughter|family|grandmother|grandfather)\b")
_PLANNED_AFTER = re.compile(r"\W*(?:[a-z0-9/]+\W+){0,3}?(?:planned|scheduled|pending|recommended|needed|"
                            r"considered|discussed|referral)\b")
_CORONARY_STENT = re.compile(r"\b(?:stent(?:s|ed|ing)?|des|bms)\b")     # DES/BMS: drug-eluting/bare-metal stent
_CORONARY = re.compile(r"\b(?:coronary|cad|pci|ptca|lad|rca|lcx|circumflex|om\d?|diagonal|d\d|mi|stemi|nstemi|"
                       r"cardiac|heart|cath|catheterization)\b")
# a side written as a bare capital ('s/p R TKA', 'L hip') or 'rt'/'lt'
_SIDE_LETTER = {"right": re.compile(r"\b(?:R|[Rr]t)\b"), "left": re.compile(r"\b(?:L|[Ll]t)\b")}


@dataclass(frozen=True, slots=True)
class Hit:
    code: str
    start: int
    end: int
    section: str
    why: str


@lru_cache(maxsize=1)
def _table() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    out = []
    for kind, words, code in read_table("status_z.tsv"):
        alts = "|".join(re.escape(w.rstrip("*")) + (r"\w*" if w.endswith("*") else "") for w in words.split("|"))
        out.append((kind, re.compile(rf"(?<![a-z0-9])(?:{alts})(?![a-z0-9])"), code))
    return tuple(out)


def _lines(norm: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Lines, and inside a line the clauses a semicolon or a full stop separates."""
    for m in re.finditer(r"[^\n;]+", norm[start:end]):
        s = start + m.start()
        for c in re.finditer(r"(?:[^.]|\.(?=\d))+", m.group()):
            if c.group().strip():
                yield s + c.start(), s + c.end()


def _is_status(line: str, m: re.Match[str]) -> bool:
    """The patient has it: nothing before it in the clause negates, proposes or gives it to a relative, it is
    not an infinitive ('advised to quit smoking') and no plan word follows it ('CABG planned')."""
    before = line[:m.start()]
    return not (_NOT_STATUS.search(before) or before.endswith("to ") or _PLANNED_AFTER.match(line, m.end()))


def find_status(an: Analysis, sections: list[tuple[str, int, int]]) -> list[Hit]:
    norm = an.norm
    hits: list[Hit] = []
    table = _table()
    for name, s, e in sections:
        for ls, le in _lines(norm, s, e):
            line = norm[ls:le]
            # long-term drugs: the medication list, or a drug the patient is on / continues
            listed = name == "medications" or (name in ("hpi", "assessment", "plan", "body") and _ON_DRUG.search(line))
            if listed and not _STOPPED.search(line):
                for kind, rx, code in table:
                    if kind == "drug" and (m := rx.search(line)):
                        if name != "medications" and not _ON_DRUG.search(line, 0, m.start()):
                            continue
                        hits.append(Hit(code, ls + m.start(), ls + m.end(), name, "long-term (current) drug use"))
            # allergy status: the allergy list, or 'allergic to X' / 'X allergy' anywhere
            if (name == "allergies" or _ALLERGY_WORD.search(line)) and not _NO_ALLERGY.search(line):
                for kind, rx, code in table:
                    if kind == "allergy":
                        for m in rx.finditer(line):
                            hits.append(Hit(code, ls + m.start(), ls + m.end(), name, "allergy status"))
            # device, graft, transplant, stoma, quit habit: anywhere the patient's own record states it
            if name != "family_history":
                for kind, rx, code in table:
                    if kind == "status" and (m := rx.search(line)) and _is_status(line, m):
                        hits.append(Hit(code, ls + m.start(), ls + m.end(), name, "status"))
                if (m := _CORONARY_STENT.search(line)) and _CORONARY.search(line) and _is_status(line, m):
                    hits.append(Hit("Z95.5", ls + m.start(), ls + m.end(), name, "status"))
            if name in _VISIT_SECTIONS:
                for rx, adult in ((_ADULT_VISIT, True), (_CHILD_VISIT, False)):
                    m = rx.search(line)
                    if m and not re.search(r"\b(?:due for|schedule|next|last|previous|prior|will)\b",
                                            line[:m.start()]):
                        abnormal = bool(_ABNORMAL.search(line))
                        code = ("Z00.01" if abnormal else "Z00.00") if adult else ("Z00.121" if abnormal else "Z00.129")
                        hits.append(Hit(code, ls + m.start(), ls + m.end(), name, "preventive examination"))
                if _VACCINE.search(line) and _GIVEN.search(line) and not _NOT_GIVEN.search(line):
                    m = _VACCINE.search(line)
                    assert m is not None
                    hits.append(Hit("Z23", ls + m.start(), ls + m.end(), name, "immunization given at this visit"))
    return hits


def bmi_code(norm: str) -> tuple[str, int, int] | None:
    """The Z68 code for the BMI the note records: a percentile makes it pediatric, else the adult value."""
    m = _PERCENTILE_FIRST.search(norm)
    if m:
        p = float(m.group(1))
        code = "Z68.51" if p < 5 else "Z68.52" if p < 85 else "Z68.53" if p < 95 else "Z68.54"
        return code, m.start(), m.end()
    m = _BMI.search(norm)
    if not m:
        return None
    v = float(m.group(1))
    if v < 10 or v > 99:
        return None
    if v < 20:
        code = "Z68.1"
    elif v < 40:
        code = f"Z68.{int(v)}"
    else:
        code = "Z68.41" if v < 45 else "Z68.42" if v < 50 else "Z68.43" if v < 60 else "Z68.44" if v < 70 else "Z68.45"
    return code, m.start(), m.end()


def add_status_codes(coder: Coder, an: Analysis, out: dict[str, Candidate], rejected: list[Rejected]) -> None:
    """Billing profiles: add the status/encounter Z codes above to ``out`` (the profile's kept codes)."""
    from chartclaim.coding.pipeline import Candidate, Mention
    from chartclaim.coding.text import find_sections

    text, norm = an.text, an.norm
    sections = [(s.name, s.start, s.end) for s in find_sections(norm)]
    hits = find_status(an, sections)

    def add(code: str, start: int, end: int, section: str, why: str) -> None:
        if code not in coder.term.codes:
            return
        men = Mention(code, Entry(code, "rule", text[start:end]), (why,), start, end, -1, section, AFFIRMED,
                      f"{why} -> {code}")
        c = out.get(code)
        if c is None:
            out[code] = Candidate(code, [men], [f"{why} -> {code}"], RULE_SCORE)
        else:
            c.mentions.append(men)
            c.score = max(c.score, RULE_SCORE)

    has_visit = any(k.startswith(("Z00.0", "Z00.1")) for k in out)
    allergy_spans: list[tuple[int, int]] = []
    for h in hits:
        if h.code.startswith(("Z00.0", "Z00.1")) and has_visit:
            continue
        if h.code.startswith(("Z88", "Z91.04")):
            allergy_spans.append((h.start, h.end))
        code = h.code
        if code == "Z87.891" and any(k.startswith(("F17", "Z72.0")) for k in out):
            continue        # 'quit' beside a current tobacco use: the use is what is coded
        if code.endswith("-"):      # the side the line names (Z96.65- -> Z96.652 'left')
            ls = norm.rfind("\n", 0, h.start) + 1
            le = norm.find("\n", h.end)
            le = le if le >= 0 else len(norm)
            side = frozenset(coder.lexicon.norms(norm[ls:le])) | {
                w for w, rx in _SIDE_LETTER.items() if rx.search(text, ls, le)}
            code = coder.assigner.complete(code, side) or ""
        add(code, h.start, h.end, h.section, h.why)
    # Z00.00 and Z00.01 (or Z00.129 and Z00.121) from two sentences: 'with abnormal findings' wins
    for plain, abnormal in (("Z00.00", "Z00.01"), ("Z00.129", "Z00.121")):
        if plain in out and abnormal in out:
            rejected.append(Rejected(plain, f"the examination had abnormal findings ({abnormal})",
                                     coder._evidence(out[plain].mentions, text), out[plain].score))
            del out[plain]
    # a drug allergy line also matches the generic 'allergy' (T78.40): it is a status, not a reaction
    if allergy_spans:
        lines = [(norm.rfind("\n", 0, s) + 1, (norm.find("\n", e) if norm.find("\n", e) >= 0 else len(norm)))
                 for s, e in allergy_spans]
        for code in list(out):
            if code.startswith(("T78.4", "T88.7", "Z88.9")) and all(
                    any(ls <= m.start < le for ls, le in lines) for m in out[code].mentions):
                rejected.append(Rejected(code, "drug allergy documented as allergy status (Z88)",
                                         coder._evidence(out[code].mentions, text), out[code].score))
                del out[code]
    # BMI: the recorded value decides the code, and only beside a weight diagnosis
    bmis = [k for k in out if k.startswith("Z68")]
    got = bmi_code(norm)
    weight_dx = any(k.startswith(WEIGHT_DX) for k in out)
    for k in bmis:
        if got is None or k != got[0] or not weight_dx:
            why = "BMI is reported only with a weight diagnosis" if not weight_dx else \
                f"BMI code from the recorded value ({got[0] if got else 'none'})"
            rejected.append(Rejected(k, why, coder._evidence(out[k].mentions, text), out[k].score))
            del out[k]
    if got is not None and weight_dx and got[0] not in out:
        add(got[0], got[1], got[2], "", "BMI value recorded in the note")
    # personal history of colon polyps: adenomatous/serrated when the note says so
    for plain, (specific, rx) in _POLYP_HISTORY.items():
        if plain in out and specific in coder.term.codes and any(
                rx.search(norm, max(0, m.start - 80), m.end + 80) for m in out[plain].mentions):
            c = out.pop(plain)
            c.code = specific
            c.rules.append(f"adenomatous/serrated polyp documented: {plain} -> {specific}")
            out[specific] = c
