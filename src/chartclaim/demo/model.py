"""Plain records of the demo practice: what a practice-management system knows before any claim exists.

These are the generator's output and the simulated payer's configuration. They are deliberately independent of
the database models (chartclaim.store) so the payer simulator and tests can use them without a database; the
demo command maps them into the store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from chartclaim.claim import Address

PayerKind = Literal["medicare", "medicaid", "medicare_advantage", "commercial", "medigap", "tricare"]


@dataclass(frozen=True)
class Organisation:
    name: str
    npi: str
    tax_id: str
    taxonomy: str
    address: Address
    phone: str


@dataclass(frozen=True)
class Provider:
    npi: str
    first_name: str
    last_name: str
    credential: str  # MD, DO, NP
    taxonomy: str


@dataclass(frozen=True)
class Location:
    name: str
    place_of_service: str
    address: Address


@dataclass(frozen=True)
class PayerProfile:
    """A payer as the practice and the simulated payer both see it (contract terms included)."""

    id: str
    name: str
    kind: PayerKind
    filing_indicator: str  # SBR09
    timely_filing_days: int
    fee_factor: Decimal  # allowed = base allowed × factor
    payment_method: Literal["ACH", "CHK"]
    address: Address
    crossover_to: str | None = None  # payer id the payer forwards crossovers to
    # Procedures the payer authorises in advance; a claim without REF*G1 is denied (CO-197).
    auth_required: tuple[str, ...] = ()
    # Statutorily excluded services (CO/PR-49 or -96), e.g. Medicare and routine physicals.
    non_covered: tuple[str, ...] = ()
    # Medical necessity (LCD style): procedure -> diagnosis prefixes that support it (CO-50 otherwise).
    necessity: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Preventive services paid in full (ACA): no copay, deductible or coinsurance.
    preventive_free: bool = True
    # Diagnoses the plan excludes (prefixes): a line supported only by them is not a covered benefit (PR-204).
    non_covered_dx: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """Patient cost sharing of one coverage."""

    name: str
    copay: Decimal  # per office visit (E/M)
    coinsurance: Decimal  # patient share after deductible, e.g. 0.20
    deductible: Decimal  # annual


@dataclass(frozen=True)
class Coverage:
    payer_id: str
    member_id: str
    group_number: str | None
    priority: Literal["P", "S", "T"]
    relationship: str  # patient's relationship to the subscriber (18 self, 01 spouse, 19 child)
    subscriber_first: str
    subscriber_last: str
    subscriber_dob: dt.date
    subscriber_sex: Literal["F", "M"]
    plan: Plan
    effective: dt.date
    terminated: dt.date | None = None  # the payer's truth; the practice learns it from a rejection
    registered_member_id: str | None = None  # what the front desk typed, when it differs from the card

    @property
    def practice_member_id(self) -> str:
        return self.registered_member_id or self.member_id

    def active_on(self, day: dt.date) -> bool:
        return self.effective <= day and (self.terminated is None or day <= self.terminated)


@dataclass(frozen=True)
class DemoPatient:
    id: str  # account number
    first_name: str
    last_name: str
    dob: dt.date
    sex: Literal["F", "M"]
    address: Address
    phone: str
    coverages: tuple[Coverage, ...]
    problems: tuple[str, ...]  # chronic problem keys (see notes.CHRONIC)
    allergies: tuple[str, ...] = ()
    smoker: bool = False  # current cigarette smoker
    former_smoker: bool = False
    # (relative, condition as written, ICD-10-CM family-history code) — history, never the patient's diagnosis
    family_history: tuple[tuple[str, str, str], ...] = ()
    surgical_history: tuple[str, ...] = ()
    # Resolved or historical conditions as written in the PMH, with the personal-history Z code they imply
    past_history: tuple[tuple[str, str], ...] = ()
    bmi: Decimal | None = None
    new_patient: bool = False  # first visit in the period is a new-patient visit

    def age_on(self, day: dt.date) -> int:
        return day.year - self.dob.year - ((day.month, day.day) < (self.dob.month, self.dob.day))


@dataclass(frozen=True)
class TruthProcedure:
    code: str
    modifiers: tuple[str, ...] = ()
    units: int = 1
    dx: tuple[str, ...] = ()  # the diagnoses this service treats (ICD-10-CM, dotted)


@dataclass(frozen=True)
class Truth:
    """What the note generator meant the note to say, for measuring the coder (never shown to it)."""

    diagnoses: tuple[str, ...]  # in the order the physician would list them
    procedures: tuple[TruthProcedure, ...]
    # Codes a good coder may also add without being wrong (history/status Z codes, external causes,
    # unaddressed chronic conditions documented in the history).
    acceptable_extra: tuple[str, ...] = ()


@dataclass(frozen=True)
class Encounter:
    id: str
    patient_id: str
    provider_npi: str
    date_of_service: dt.date
    visit_kind: str  # preventive, chronic, acute, injury, procedure
    note: str
    truth: Truth
    prior_authorization: str | None = None
    # Demo biller's submission date (a few are held past the payer's timely filing window).
    submit_on: dt.date | None = None
    place_of_service: str = "11"  # 10: telehealth in the patient's home


@dataclass(frozen=True)
class ChargeItem:
    code: str
    label: str  # our own plain-language label
    charge: Decimal
    base_allowed: Decimal  # a Medicare-like allowed amount the contracts scale


@dataclass(frozen=True)
class DemoPractice:
    seed: int
    organisation: Organisation
    providers: tuple[Provider, ...]
    location: Location
    payers: tuple[PayerProfile, ...]
    patients: tuple[DemoPatient, ...]
    encounters: tuple[Encounter, ...]
    charge_master: dict[str, ChargeItem] = field(default_factory=dict)
    period: tuple[dt.date, dt.date] = (dt.date(2026, 1, 5), dt.date(2026, 3, 31))

    def payer(self, payer_id: str) -> PayerProfile:
        for p in self.payers:
            if p.id == payer_id:
                return p
        raise KeyError(payer_id)

    def patient(self, patient_id: str) -> DemoPatient:
        return self._patients[patient_id]

    @property
    def _patients(self) -> dict[str, DemoPatient]:
        cached: dict[str, DemoPatient] | None = self.__dict__.get("_pcache")
        if cached is None:
            cached = {p.id: p for p in self.patients}
            object.__setattr__(self, "_pcache", cached)
        return cached
