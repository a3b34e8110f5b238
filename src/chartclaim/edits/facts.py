"""Facts derived once per claim and shared by every rule (ages, undotted codes, lines by date)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from chartclaim.claim import Claim, ServiceLine
from chartclaim.edits.mce import age_on

# CPT E/M service codes (office, hospital, ED, consults, nursing facility, home, preventive, care management).
EM_RANGE = (99201, 99499)
# Modifiers that NCCI accepts to bypass a PTP edit with indicator 1 (NCCI Policy Manual, ch. I §E).
ANATOMIC = frozenset({"E1", "E2", "E3", "E4", "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9",
                      "LC", "LD", "LM", "RC", "RI", "LT", "RT", "TA", "T1", "T2", "T3", "T4", "T5", "T6",
                      "T7", "T8", "T9"})
DISTINCT = frozenset({"59", "XE", "XS", "XP", "XU"})
GLOBAL_SURGERY = frozenset({"24", "57", "58", "78", "79", "27"})
EM_BYPASS = frozenset({"25", "57", "24"})
REPEAT = frozenset({"76", "77", "91"})   # repeat procedure / repeat clinical lab test


def is_em(code: str) -> bool:
    return len(code) == 5 and code.isdigit() and EM_RANGE[0] <= int(code) <= EM_RANGE[1]


def is_inpatient_bill(type_of_bill: str | None) -> bool:
    """Hospital inpatient bill types (11x, 12x is Part B only, so not), where MCE principal-dx edits apply."""
    if not type_of_bill:
        return False
    t = type_of_bill.lstrip("0")
    return len(t) >= 2 and t[:2] in ("11", "41", "18", "21")


def is_medicare(claim: Claim) -> bool:
    """Original Medicare: the SBR09 filing indicator says so, or (when the claim leaves the default
    commercial indicator) the payer's name does. Medicare Advantage plans file as commercial/HMO."""
    fi = claim.payer.filing_indicator.upper()
    if fi in ("MA", "MB"):
        return True
    name = claim.payer.name.lower()
    return fi == "CI" and "medicare" in name and "advantage" not in name


@dataclass(slots=True)
class ClaimFacts:
    claim: Claim
    dx: tuple[str, ...]
    dx_nodot: tuple[str, ...]
    dob: dt.date | None
    sex: str | None
    first_dos: dt.date
    inpatient: bool
    by_date: dict[tuple[dt.date, str], list[tuple[int, ServiceLine]]] = field(default_factory=dict)
    # Per-claim results rules share (e.g. the code-set entry of each diagnosis).
    scratch: dict[str, Any] = field(default_factory=dict)

    @property
    def medicare(self) -> bool:
        m = self.scratch.get("medicare")
        if m is None:
            m = self.scratch["medicare"] = is_medicare(self.claim)
        return bool(m)

    def age_at(self, when: dt.date) -> int | None:
        return age_on(self.dob, when) if self.dob else None

    def rendering_npi(self, line: ServiceLine) -> str:
        p = line.rendering_provider or self.claim.rendering_provider
        return p.npi if p else self.claim.billing_provider.npi


def facts_for(claim: Claim) -> ClaimFacts:
    dx = claim.diagnoses
    inpatient = claim.claim_type == "institutional" and is_inpatient_bill(claim.type_of_bill)
    dob, sex = claim.patient_dob, claim.patient_sex
    if claim.is_subscriber_patient:   # a relationship-18 patient block is the subscriber
        dob, sex = dob or claim.subscriber.dob, sex or claim.subscriber.sex
    f = ClaimFacts(claim, dx, tuple(d.replace(".", "") for d in dx), dob, sex, claim.first_date_of_service,
                   inpatient)
    by_date: dict[tuple[dt.date, str], list[tuple[int, ServiceLine]]] = defaultdict(list)
    for i, ln in enumerate(claim.lines, 1):
        by_date[(ln.date_of_service, f.rendering_npi(ln))].append((i, ln))
    f.by_date = dict(by_date)
    return f
