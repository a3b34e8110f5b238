"""Eligibility: 270 inquiry (writer and reader) and 271 response (reader), 005010X279A1.

A 271 answers per person (2000C subscriber, 2000D dependent): plan dates (DTP 346/347/291/356/357),
``Benefit``s from EB segments (active coverage, co-payment, co-insurance, deductible, out-of-pocket,
limitations...) with their HSD/REF/DTP/MSG and the LS/LE 2120 related entities, and AAA rejections at
whichever level the payer put them (source, receiver, person, benefit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from chartclaim.x12.core import (
    Delimiters,
    Issue,
    RawTransaction,
    X12Error,
    check_dates,
    check_known,
    date_lenient,
)
from chartclaim.x12.core import decimal_element as _dec
from chartclaim.x12.core import element as _e
from chartclaim.x12.envelope import (
    ControlNumberSource,
    EnvelopeOptions,
    clean,
    default_numbers,
    fmt_amount,
    interchange,
)
from chartclaim.x12.remit import Address, Name
from chartclaim.x12.remit import name_from_nm1 as _name

ELIGIBILITY_CODES = {
    "1": "active coverage", "2": "active - full risk capitation", "3": "active - services capitated",
    "4": "active - services capitated to primary care physician", "5": "active - pending investigation",
    "6": "inactive", "7": "inactive - pending eligibility update", "8": "inactive - pending investigation",
    "A": "co-insurance", "B": "co-payment", "C": "deductible", "CB": "coverage basis", "D": "benefit description",
    "E": "exclusions", "F": "limitations", "G": "out of pocket (stop loss)", "H": "unlimited", "I": "non-covered",
    "J": "cost containment", "K": "reserve", "L": "primary care provider", "M": "pre-existing condition",
    "MC": "managed care coordinator", "N": "services restricted to following provider", "O": "not deemed a medical necessity",
    "P": "benefit disclaimer", "Q": "second surgical opinion required", "R": "other or additional payor",
    "S": "prior year(s) history", "T": "card(s) reported lost/stolen", "U": "contact following entity for benefit information",
    "V": "cannot process", "W": "other source of data", "X": "health care facility", "Y": "spend down",
}
AAA_REASONS = {
    "04": "authorized quantity exceeded", "15": "required application data missing", "41": "authorization/access restrictions",
    "42": "unable to respond at current time", "43": "invalid/missing provider identification",
    "44": "invalid/missing provider name", "45": "invalid/missing provider specialty", "46": "invalid/missing provider phone number",
    "47": "invalid/missing provider state", "48": "invalid/missing referring provider identification number",
    "49": "provider is not primary care physician", "50": "provider ineligible for inquiries",
    "51": "provider not on file", "52": "service dates not within provider plan enrollment",
    "53": "inquired benefit inconsistent with provider type", "54": "inappropriate product/service id qualifier",
    "55": "inappropriate product/service id", "56": "inappropriate date", "57": "invalid/missing date(s) of service",
    "58": "invalid/missing date-of-birth", "60": "date of birth follows date(s) of service", "61": "date of death precedes date(s) of service",
    "62": "date of service not within allowable inquiry period", "63": "date of service in future",
    "64": "invalid/missing patient id", "65": "invalid/missing patient name", "66": "invalid/missing patient gender code",
    "67": "patient not found", "68": "duplicate patient id number", "69": "inconsistent with patient's age",
    "70": "inconsistent with patient's gender", "71": "patient birth date does not match that for the patient on the database",
    "72": "invalid/missing subscriber/insured id", "73": "invalid/missing subscriber/insured name",
    "74": "invalid/missing subscriber/insured gender code", "75": "subscriber/insured not found",
    "76": "duplicate subscriber/insured id number", "77": "subscriber found, patient not found",
    "78": "subscriber/insured not in group/plan identified", "79": "invalid participant identification",
    "80": "no response received - transaction terminated", "97": "invalid or missing provider address",
    "T4": "payer name or identifier missing",
}


@dataclass(frozen=True, slots=True)
class Rejection:
    """AAA: request validity (Y/N), reject reason code, follow-up action code (C correct and resubmit...)."""

    level: str  # where it sat: source, receiver, subscriber, dependent, benefit
    valid: str
    reason: str
    follow_up: str
    position: int = field(default=0, compare=False)

    @property
    def reason_label(self) -> str:
        return AAA_REASONS.get(self.reason, self.reason)


@dataclass(frozen=True, slots=True)
class Benefit:
    """EB and what follows it until the next EB (HSD, REF, DTP, AAA, MSG, III, LS/LE 2120 entities)."""

    code: str  # EB01
    coverage_level: str = ""  # EB02: IND, FAM, EMP, ESP...
    service_types: tuple[str, ...] = ()  # EB03 (repeating): 30 plan coverage, 98 office visit...
    insurance_type: str = ""  # EB04
    plan: str = ""  # EB05
    time_period: str = ""  # EB06: 23 calendar year, 29 remaining, 27 visit...
    amount: Decimal | None = None  # EB07
    percent: Decimal | None = None  # EB08 (0.2 = 20%)
    quantity_qualifier: str = ""  # EB09
    quantity: Decimal | None = None  # EB10
    authorization_required: str = ""  # EB11 Y/N/U
    in_network: str = ""  # EB12 Y in network, N out of network, W not applicable, U unknown
    procedure: tuple[str, ...] = ()  # EB13 composite
    dates: tuple[tuple[str, str], ...] = ()  # DTP qualifier, raw value (D8 or RD8)
    references: tuple[tuple[str, str], ...] = ()
    messages: tuple[str, ...] = ()
    delivery: tuple[tuple[str, ...], ...] = ()  # HSD elements
    related_entities: tuple[Name, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    position: int = field(default=0, compare=False)

    @property
    def label(self) -> str:
        return ELIGIBILITY_CODES.get(self.code, self.code)

    @property
    def is_active_coverage(self) -> bool:
        return self.code in ("1", "2", "3", "4", "5")


@dataclass(frozen=True, slots=True)
class EligibilityPerson:
    """2000C subscriber or 2000D dependent as the payer answered."""

    level: str  # subscriber / dependent
    name: Name
    traces: tuple[tuple[str, str, str], ...] = ()  # TRN type, number, originator
    address: Address | None = None
    dob: dt.date | None = None
    sex: str = ""
    relationship: str = ""  # INS02 for dependents
    references: tuple[tuple[str, str], ...] = ()  # REF 18 plan, 1L group, 6P group number...
    dates: tuple[tuple[str, str], ...] = ()  # DTP 346 plan begin, 347 plan end, 291 plan, 356/357 eligibility
    benefits: tuple[Benefit, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    position: int = field(default=0, compare=False)

    def date(self, qualifier: str) -> dt.date | None:
        for q, v in self.dates:
            if q == qualifier:
                return date_lenient(v.split("-")[0])
        return None

    @property
    def plan_begin(self) -> dt.date | None:
        return self.date("346") or self.date("356") or self.date("291")

    @property
    def plan_end(self) -> dt.date | None:
        end = self.date("347") or self.date("357")
        if end:
            return end
        for q, v in self.dates:
            if q in ("291", "292", "307") and "-" in v:
                return date_lenient(v.split("-")[1])
        return None

    @property
    def active(self) -> bool:
        """Active coverage: an EB 1-5 and no EB 6-8 (inactive), and not rejected."""
        codes = {b.code for b in self.benefits}
        return not self.rejections and bool(codes & {"1", "2", "3", "4", "5"}) and not codes & {"6", "7", "8"}

    def benefits_of(self, code: str, service_type: str | None = None, in_network: str | None = None) -> list[Benefit]:
        return [b for b in self.benefits if b.code == code and (service_type is None or service_type in b.service_types)
                and (in_network is None or b.in_network == in_network)]

    @property
    def copays(self) -> list[Benefit]:
        return self.benefits_of("B")

    @property
    def coinsurance(self) -> list[Benefit]:
        return self.benefits_of("A")

    @property
    def deductibles(self) -> list[Benefit]:
        return self.benefits_of("C")


@dataclass(frozen=True, slots=True)
class EligibilityResponse:
    """One 271 transaction set."""

    control_number: str
    reference: str  # BHT03, echoes our 270
    created: dt.date | None
    payer: Name | None
    receiver: Name | None
    persons: tuple[EligibilityPerson, ...]
    rejections: tuple[Rejection, ...] = ()  # at source/receiver level
    issues: tuple[Issue, ...] = ()
    position: int = field(default=0, compare=False)

    @property
    def rejected(self) -> bool:
        return bool(self.rejections) or (bool(self.persons) and all(p.rejections for p in self.persons))


@dataclass(frozen=True, slots=True)
class InquiryPerson:
    level: str
    name: Name
    trace: str = ""
    dob: dt.date | None = None
    sex: str = ""
    service_types: tuple[str, ...] = ()
    date: str = ""


@dataclass(frozen=True, slots=True)
class EligibilityInquiry:
    """A 270 as read."""

    control_number: str
    reference: str
    payer: Name | None
    provider: Name | None
    persons: tuple[InquiryPerson, ...]
    position: int = field(default=0, compare=False)


def _reps(v: str, d: Delimiters) -> tuple[str, ...]:
    if not v:
        return ()
    if d.repetition and d.repetition in v:
        return tuple(x.strip() for x in v.split(d.repetition) if x.strip())
    return (v.strip(),)


_LEVELS = {"20": "source", "21": "receiver", "22": "subscriber", "23": "dependent"}


def parse_271(raw: RawTransaction) -> EligibilityResponse:
    d = raw.interchange.delimiters
    base = raw.start + 1
    issues = list(raw.issues)
    reference, created = "", None
    payer: Name | None = None
    receiver: Name | None = None
    top_rejections: list[Rejection] = []
    persons: list[EligibilityPerson] = []
    level = ""
    person: dict[str, Any] | None = None
    benefit: dict[str, Any] | None = None
    in_ls = False

    def close_benefit() -> None:
        nonlocal benefit
        if benefit is not None and person is not None:
            vals: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in benefit.items()}
            person["benefits"].append(Benefit(**vals))
        benefit = None

    def close_person() -> None:
        nonlocal person
        close_benefit()
        if person is not None:
            if person.get("name") is None:
                raise X12Error(f"{person['level']} loop without NM1", position=person["position"], segment_id="HL")
            vals: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in person.items()}
            persons.append(EligibilityPerson(**vals))
        person = None

    for idx, seg in enumerate(raw.segments):
        pos = base + idx
        check_known("271", seg, pos)
        if seg[0] == "DTP" or seg[0] == "DMG":
            check_dates(seg, pos)
        tag = seg[0]
        if tag == "BHT":
            reference, created = _e(seg, 3), date_lenient(_e(seg, 4))
        elif tag == "HL":
            close_person()
            in_ls = False
            level = _LEVELS.get(_e(seg, 3), "")
            if not level:
                raise X12Error(f"HL level code {_e(seg, 3)!r} is not 20, 21, 22 or 23", position=pos, segment_id="HL",
                               element="HL03")
            if level in ("subscriber", "dependent"):
                person = {"level": level, "name": None, "traces": [], "address": None, "dob": None, "sex": "",
                          "relationship": "", "references": [], "dates": [], "benefits": [], "rejections": [],
                          "position": pos}
        elif tag == "LS":
            in_ls = True
        elif tag == "LE":
            in_ls = False
        elif tag == "NM1":
            nm = _name(seg)
            if in_ls and benefit is not None:
                benefit["related_entities"].append(nm)
            elif level == "source":
                payer = nm
            elif level == "receiver":
                receiver = nm
            elif person is not None and person["name"] is None:
                person["name"] = nm
        elif in_ls:
            continue  # N3/N4/PER/PRV of a 2120 entity
        elif tag == "AAA":
            rej = Rejection(level if benefit is None else "benefit", _e(seg, 1), _e(seg, 3), _e(seg, 4), pos)
            if benefit is not None:
                benefit["rejections"].append(rej)
            elif person is not None:
                person["rejections"].append(rej)
            else:
                top_rejections.append(rej)
        elif person is None:
            if tag not in ("REF", "N3", "N4", "PER", "PRV"):
                issues.append(Issue(f"segment {tag} not expected here; ignored", pos, tag))
        elif tag == "TRN":
            person["traces"].append((_e(seg, 1), _e(seg, 2), _e(seg, 3)))
        elif tag == "EB":
            close_benefit()
            if not _e(seg, 1):
                raise X12Error("required element is missing", position=pos, segment_id="EB", element="EB01")
            benefit = {"code": _e(seg, 1), "coverage_level": _e(seg, 2), "service_types": _reps(_e(seg, 3), d),
                       "insurance_type": _e(seg, 4), "plan": _e(seg, 5), "time_period": _e(seg, 6),
                       "amount": _dec(seg, 7, pos), "percent": _dec(seg, 8, pos), "quantity_qualifier": _e(seg, 9),
                       "quantity": _dec(seg, 10, pos), "authorization_required": _e(seg, 11), "in_network": _e(seg, 12),
                       "procedure": tuple(x for x in _e(seg, 13).split(d.component) if x), "dates": [],
                       "references": [], "messages": [], "delivery": [], "related_entities": [], "rejections": [],
                       "position": pos}
        elif benefit is not None and tag in ("DTP", "REF", "MSG", "HSD", "III"):
            if tag == "DTP":
                benefit["dates"].append((_e(seg, 1), _e(seg, 3)))
            elif tag == "REF":
                benefit["references"].append((_e(seg, 1), _e(seg, 2)))
            elif tag == "MSG":
                benefit["messages"].append(_e(seg, 1))
            elif tag == "HSD":
                benefit["delivery"].append(tuple(x.strip() for x in seg[1:]))
        elif tag == "N3":
            person["address"] = Address(tuple(x.strip() for x in seg[1:3] if x.strip()))
        elif tag == "N4":
            a = person["address"] or Address()
            person["address"] = Address(a.lines, _e(seg, 1), _e(seg, 2), _e(seg, 3), _e(seg, 4))
        elif tag == "DMG":
            person["dob"] = date_lenient(_e(seg, 2))
            person["sex"] = _e(seg, 3)
        elif tag == "INS":
            person["relationship"] = _e(seg, 2)
        elif tag == "REF":
            person["references"].append((_e(seg, 1), _e(seg, 2)))
        elif tag == "DTP":
            person["dates"].append((_e(seg, 1), _e(seg, 3)))
        elif tag in ("PRV", "HI", "MPI"):
            pass
        else:
            issues.append(Issue(f"segment {tag} not expected here; ignored", pos, tag))
    close_person()
    return EligibilityResponse(raw.control_number, reference, created, payer, receiver, tuple(persons),
                               tuple(top_rejections), tuple(issues), raw.start)


def parse_270(raw: RawTransaction) -> EligibilityInquiry:
    d = raw.interchange.delimiters
    reference = ""
    payer = provider = None
    persons: list[InquiryPerson] = []
    level = ""
    cur: dict[str, Any] | None = None

    def close() -> None:
        nonlocal cur
        if cur is not None and cur.get("name") is not None:
            persons.append(InquiryPerson(**cur))
        cur = None

    for idx, seg in enumerate(raw.segments):
        pos = raw.start + 1 + idx
        check_known("270", seg, pos)
        if seg[0] == "DTP" or seg[0] == "DMG":
            check_dates(seg, pos)
        tag = seg[0]
        if tag == "BHT":
            reference = _e(seg, 3)
        elif tag == "HL":
            close()
            level = _LEVELS.get(_e(seg, 3), "")
            if level in ("subscriber", "dependent"):
                cur = {"level": level, "name": None, "trace": "", "dob": None, "sex": "", "service_types": (), "date": ""}
        elif tag == "NM1":
            _req_nm1(seg, pos)
            nm = _name(seg)
            if level == "source":
                payer = nm
            elif level == "receiver":
                provider = nm
            elif cur is not None:
                cur["name"] = nm
        elif cur is not None:
            if tag == "TRN":
                cur["trace"] = _e(seg, 2)
            elif tag == "DMG":
                cur["dob"], cur["sex"] = date_lenient(_e(seg, 2)), _e(seg, 3)
            elif tag == "EQ":
                cur["service_types"] = cur["service_types"] + _reps(_e(seg, 1), d)
            elif tag == "DTP":
                cur["date"] = _e(seg, 3)
    close()
    return EligibilityInquiry(raw.control_number, reference, payer, provider, tuple(persons), raw.start)


def _req_nm1(seg: list[str], pos: int) -> None:
    if _e(seg, 2) not in ("1", "2"):
        raise X12Error(f"NM102 entity type {_e(seg, 2)!r} is not 1 (person) or 2 (organisation)", position=pos,
                       segment_id="NM1", element="NM102")


# ---------------------------------------------------------------------------------------------- 270 writer


@dataclass(frozen=True, slots=True)
class EligibilityRequest:
    """One person to ask about. ``dependent`` set: the subscriber is the insured, the dependent the patient."""

    trace: str
    member_id: str
    first_name: str
    last_name: str
    dob: dt.date | None = None
    sex: str | None = None
    service_types: tuple[str, ...] = ("30",)  # 30 = health benefit plan coverage
    on: dt.date | None = None
    dependent_first_name: str | None = None
    dependent_last_name: str | None = None
    dependent_dob: dt.date | None = None
    dependent_sex: str | None = None


def write_270(requests: Sequence[EligibilityRequest], opts: EnvelopeOptions, *, payer_name: str, payer_id: str,
              provider_name: str, provider_npi: str, originator_id: str = "9000000000",
              numbers: ControlNumberSource | None = None, reference: str = "1") -> str:
    """270 inquiries (005010X279A1), one ST holding all requests under one payer and provider."""
    now = opts.timestamp or dt.datetime.now()

    def s(*parts: object) -> str:
        vals = ["" if p is None else (fmt_amount(p) if isinstance(p, Decimal) else (p.strftime("%Y%m%d") if isinstance(p, dt.date) else str(p))) for p in parts]
        while len(vals) > 1 and not vals[-1]:
            vals.pop()
        return "*".join(vals)

    rep = "^"
    out = [s("BHT", "0022", "13", clean(reference, 50), now.date(), now.strftime("%H%M")),
           s("HL", 1, "", "20", 1), s("NM1", "PR", "2", clean(payer_name, 60), "", "", "", "", "PI", payer_id),
           s("HL", 2, 1, "21", 1), s("NM1", "1P", "2", clean(provider_name, 60), "", "", "", "", "XX", provider_npi)]
    hl = 2
    for r in requests:
        hl += 1
        sub_hl = hl
        dep = r.dependent_first_name is not None
        out.append(s("HL", hl, 2, "22", 1 if dep else 0))
        if not dep:
            out.append(s("TRN", 1, clean(r.trace, 50), originator_id))
        out.append(s("NM1", "IL", "1", clean(r.last_name, 60), clean(r.first_name, 35), "", "", "", "MI", r.member_id))
        if r.dob and not dep:
            out.append(s("DMG", "D8", r.dob, r.sex or ""))
        if not dep:
            if r.on:
                out.append(s("DTP", "291", "D8", r.on))
            out.append(s("EQ", rep.join(r.service_types)))
        else:
            hl += 1
            out.append(s("HL", hl, sub_hl, "23", 0))
            out.append(s("TRN", 1, clean(r.trace, 50), originator_id))
            out.append(s("NM1", "03", "1", clean(r.dependent_last_name or r.last_name, 60), clean(r.dependent_first_name, 35)))
            if r.dependent_dob:
                out.append(s("DMG", "D8", r.dependent_dob, r.dependent_sex or ""))
            if r.on:
                out.append(s("DTP", "291", "D8", r.on))
            out.append(s("EQ", rep.join(r.service_types)))
    return interchange([("HS", "005010X279A1", [("270", out)])], opts, numbers or default_numbers())
