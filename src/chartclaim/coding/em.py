"""Office/outpatient E/M level (99202-99205 new, 99211-99215 established) from the 2021 AMA medical decision
making table — number and complexity of problems, data reviewed and analysed, risk of management; the level
is the one that 2 of the 3 elements meet — or from documented total time on the date of the encounter,
whichever is higher. Every element's score and the phrases that set it are returned."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chartclaim.coding.result import CodeSuggestion

LEVELS = ("straightforward", "low", "moderate", "high")
NEW = {0: "99202", 1: "99203", 2: "99204", 3: "99205"}
ESTABLISHED = {0: "99212", 1: "99213", 2: "99214", 3: "99215"}
# Total time on the date of the encounter (2021+): minimum minutes for each level.
TIME_NEW = ((60, "99205"), (45, "99204"), (30, "99203"), (15, "99202"))
TIME_EST = ((40, "99215"), (30, "99214"), (20, "99213"), (10, "99212"))

CHRONIC = ("E10", "E11", "E13", "I10", "I11", "I12", "I13", "I25", "I48", "I50", "J44", "J45", "N18", "E78",
           "E03", "E05", "F32", "F33", "F41", "G40", "G43", "M05", "M06", "M15", "M16", "M17", "K21", "K50",
           "K51", "B20", "C", "G20", "G30", "E66", "D63", "D50", "M81", "K70", "K74", "F17", "F10", "G47.33")

_EXACERBATION = re.compile(r"\b(?:worsening|exacerbation|uncontrolled|poorly controlled|not controlled|progressi(?:on|ng)|flare|"
                           r"side effects?|not at goal|above goal|deteriorat\w*)\b")
_SEVERE = re.compile(r"\b(?:severe exacerbation|threat to life|life[- ]threatening|sepsis|septic|acute (?:mi|myocardial infarction)|"
                     r"respiratory failure|suicidal|stroke symptoms|chest pain concerning|unstable angina)\b")
_UNDIAGNOSED = re.compile(r"\b(?:uncertain prognosis|undiagnosed|work-?up for|rule out malignancy|new (?:mass|lump|nodule))\b")
_SYSTEMIC = re.compile(r"\b(?:fever|chills|malaise|body aches|systemic)\b")
_COMPLICATED_INJURY = re.compile(r"\b(?:fracture|dislocation|laceration requiring|head injury)\b")

_REVIEW_EXTERNAL = re.compile(r"\b(?:reviewed (?:outside|external|prior|previous|old) (?:records|notes)|records from .{0,30}reviewed|"
                              r"review(?:ed)? of (?:outside|external) records)\b")
_TESTS = re.compile(r"\b(?:cbc|cmp|bmp|a1c|hba1c|lipid panel|tsh|urinalysis|ua|x-?ray|xr|ct|mri|ultrasound|echo(?:cardiogram)?|"
                    r"ekg|ecg|culture|psa|inr|bnp|troponin|d-dimer|ferritin|b12|vitamin d|spirometry|mammogram|colonoscopy)\b")
_ORDERED = re.compile(r"\b(?:order(?:ed)?|obtain|check|will get|send|draw|repeat|schedule)\b")
_REVIEWED = re.compile(r"\b(?:reviewed|results?|showed|shows|revealed|was normal|were normal|is elevated|resulted)\b")
_HISTORIAN = re.compile(r"\b(?:independent historian|history (?:obtained|provided|given) by (?:the )?(?:mother|father|parent|wife|husband|"
                        r"daughter|son|caregiver|spouse|family)|per (?:mother|father|parent|caregiver|wife|husband))\b")
_INTERPRET = re.compile(r"\b(?:independent(?:ly)? interpret\w*|personally (?:reviewed|viewed) the (?:images|film|tracing|x-?ray|ekg|ecg)|"
                        r"my (?:own )?(?:read|interpretation) of)\b")
_DISCUSS = re.compile(r"\b(?:discussed (?:with|the case with) (?:dr\.?|cardiology|nephrology|oncology|the specialist|surgery|"
                      r"radiology|pharmacist|consultant)|spoke with dr\.?)")

_RX = re.compile(r"\b(?:prescri(?:bed|be|ption)|start(?:ed)? (?:on )?\w+ \d|increase(?:d)? (?:the )?\w+|decrease(?:d)? (?:the )?\w+|"
                 r"refill(?:ed)?|continue \w+ \d+ ?mg|\d+ ?mg (?:daily|bid|tid|qid|po|twice|once)|titrat\w+|adjust(?:ed)? (?:the )?dose)\b")
_OTC = re.compile(r"\b(?:over[- ]the[- ]counter|otc|acetaminophen|tylenol|ibuprofen|advil|rest,? fluids|ice|supportive care)\b")
_HIGH_RISK = re.compile(r"\b(?:admit(?:ted)? to (?:the )?hospital|hospital admission|admit for|hospitali[sz]ation|send to (?:the )?(?:er|ed|emergency)|"
                        r"dnr|do not resuscitate|hospice|intensive monitoring for toxicity|emergency surgery|chemotherapy)\b")
_SURGERY = re.compile(r"\b(?:refer(?:red)? (?:to|for) (?:surgery|surgical)|surgery (?:is )?(?:recommended|scheduled|planned)|"
                      r"schedule(?:d)? for (?:surgery|excision|repair))\b")
_SDOH = re.compile(r"\b(?:unable to afford|cannot afford|homeless|housing insecurity|food insecurity|lack of transportation)\b")

_TIME = re.compile(r"\b(?:total (?:time|of)|spent (?:a total of )?|time spent[^0-9]{0,30})\s*(\d{1,3})\s*(?:minutes|mins?)\b")
_NEW_PT = re.compile(r"\bnew patient\b|\bnew to (?:the|this|our) (?:practice|clinic)\b|\bestablish(?:ing)? care\b")
_NURSE = re.compile(r"\bnurse visit\b|\bblood pressure check only\b|\binjection only visit\b")


@dataclass(frozen=True, slots=True)
class EMLevel:
    code: str
    patient: str                      # new | established
    basis: str                        # mdm | time | minimal
    mdm: str                          # straightforward | low | moderate | high
    problems: str
    data: str
    risk: str
    minutes: int | None
    reasons: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "patient": self.patient, "basis": self.basis, "mdm": self.mdm,
                "problems": self.problems, "data": self.data, "risk": self.risk, "minutes": self.minutes,
                "reasons": list(self.reasons)}


def _problems(norm: str, codes: tuple[CodeSuggestion, ...], why: list[str]) -> int:
    dx = [c.code for c in codes if c.system == "ICD-10-CM" and not c.code.startswith("Z")]
    chronic = [c for c in dx if c.replace(".", "").startswith(CHRONIC)]
    if _SEVERE.search(norm):
        why.append(f"problems high: '{_SEVERE.search(norm).group()}'")  # type: ignore[union-attr]
        return 3
    if chronic and (m := _EXACERBATION.search(norm)):
        why.append(f"problems moderate: chronic illness with '{m.group()}'")
        return 2
    if len(chronic) >= 2:
        why.append(f"problems moderate: {len(chronic)} chronic illnesses ({', '.join(chronic[:4])})")
        return 2
    if m := _UNDIAGNOSED.search(norm):
        why.append(f"problems moderate: undiagnosed new problem ('{m.group()}')")
        return 2
    acute = [c for c in dx if c not in chronic]
    if acute and (m := _SYSTEMIC.search(norm)) and any(c[0] in "ABJN" for c in acute):
        why.append(f"problems moderate: acute illness with systemic symptoms ('{m.group()}')")
        return 2
    if acute and (m := _COMPLICATED_INJURY.search(norm)):
        why.append(f"problems moderate: acute complicated injury ('{m.group()}')")
        return 2
    if chronic or len(dx) >= 2:
        why.append("problems low: " + ("1 stable chronic illness" if chronic else f"{len(dx)} minor/acute problems"))
        return 1
    why.append(f"problems minimal: {len(dx)} self-limited problem(s)")
    return 0


def _data(norm: str, why: list[str]) -> int:
    tests = set()
    for m in _TESTS.finditer(norm):
        around = norm[max(0, m.start() - 60): m.end() + 60]
        if _ORDERED.search(around) or _REVIEWED.search(around):
            tests.add(m.group())
    cat1 = len(tests) + (1 if _REVIEW_EXTERNAL.search(norm) else 0)
    historian = bool(_HISTORIAN.search(norm))
    interp = bool(_INTERPRET.search(norm))
    discuss = bool(_DISCUSS.search(norm))
    cat1_mod = cat1 + (1 if historian else 0) >= 3
    cats = sum((cat1_mod, interp, discuss))
    detail = f"unique tests ordered/reviewed: {sorted(tests)}; independent historian: {historian}; " \
             f"independent interpretation: {interp}; discussion with external physician: {discuss}"
    if cats >= 2:
        why.append("data extensive: " + detail)
        return 3
    if cats == 1:
        why.append("data moderate: " + detail)
        return 2
    if cat1 >= 2 or historian:
        why.append("data limited: " + detail)
        return 1
    why.append("data minimal: " + detail)
    return 0


def _risk(norm: str, why: list[str]) -> int:
    if m := _HIGH_RISK.search(norm):
        why.append(f"risk high: '{m.group()}'")
        return 3
    for rx, what in ((_RX, "prescription drug management"), (_SURGERY, "decision about surgery"), (_SDOH, "social determinants")):
        if m := rx.search(norm):
            why.append(f"risk moderate: {what} ('{m.group()}')")
            return 2
    if m := _OTC.search(norm):
        why.append(f"risk low: '{m.group()}'")
        return 1
    why.append("risk minimal")
    return 0


def suggest_em(text: str, norm: str, codes: tuple[CodeSuggestion, ...]) -> EMLevel:
    why: list[str] = []
    patient = "new" if _NEW_PT.search(norm) else "established"
    p, d, r = _problems(norm, codes, why), _data(norm, why), _risk(norm, why)
    level = sorted((p, d, r))[1]          # the level that 2 of the 3 elements meet or exceed
    table = NEW if patient == "new" else ESTABLISHED
    code, basis = table[level], "mdm"
    minutes = None
    if tm := _TIME.search(norm):
        minutes = int(tm.group(1))
        for floor, tcode in (TIME_NEW if patient == "new" else TIME_EST):
            if minutes >= floor:
                if int(tcode[-1]) > int(code[-1]):
                    code, basis = tcode, "time"
                    why.append(f"time: {minutes} minutes total on the date of the encounter -> {tcode}")
                break
    if patient == "established" and _NURSE.search(norm) and p == 0:
        code, basis = "99211", "minimal"
        why.append("minimal visit that may not need a physician or other QHP")
    return EMLevel(code, patient, basis, LEVELS[level], LEVELS[p], ("minimal", "limited", "moderate", "extensive")[d],
                   LEVELS[r] if r else "minimal", minutes, tuple(why))
