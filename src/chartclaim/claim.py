"""The claim document: one model shared by the scrubber, the 837 writer/reader and the billing core.

Claims are immutable records (pydantic, frozen). Its JSON form is documented in docs/claim-format.md.
Code values are normalised on the way in (upper case; ICD-10-CM with its dot) so every consumer compares
like with like; X12 output strips the dot where the implementation guide wants it.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Money = Decimal
Sex = Literal["F", "M", "U"]


def normalize_icd10(code: str) -> str:
    """'e1122' / 'E11.22' / ' e11.22 ' -> 'E11.22'. Categories (3 characters) carry no dot."""
    c = code.strip().upper().replace(".", "")
    return c if len(c) <= 3 else f"{c[:3]}.{c[3:]}"


def icd10_nodot(code: str) -> str:
    return code.replace(".", "").strip().upper()


class ClaimFormatError(ValueError):
    """A claim document that cannot be read; names the source and each offending field."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        lines = "; ".join(f"{field}: {msg}" for field, msg in problems)
        super().__init__(f"{source}: invalid claim — {lines}")


class _Record(BaseModel):
    # Numbers where a code is expected (POS 11, frequency 1, an NPI or payer ID typed as a number) are read
    # as their digits rather than refused: JSON writers and spreadsheets emit them that way.
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)


class Address(_Record):
    line1: str
    line2: str | None = None
    city: str
    state: str
    zip: str

    @field_validator("state")
    @classmethod
    def _state(cls, v: str) -> str:
        return v.upper()


class Payer(_Record):
    id: str = Field(description="Payer id as the clearinghouse knows it (NM109 of 2010BB).")
    name: str
    timely_filing_days: int | None = None
    # SBR09 claim filing indicator: MB Medicare Part B, MA Part A, MC Medicaid, CI commercial, BL BCBS, HM HMO...
    filing_indicator: str = "CI"
    address: Address | None = None


class BillingProvider(_Record):
    npi: str
    tax_id: str
    tax_id_type: Literal["EI", "SY"] = "EI"  # EIN or SSN (REF*EI / REF*SY)
    name: str
    taxonomy: str | None = None
    address: Address
    phone: str | None = None


class Person(_Record):
    """A provider who is a person (rendering, referring, attending)."""

    npi: str
    first_name: str
    last_name: str
    taxonomy: str | None = None


class Subscriber(_Record):
    member_id: str
    first_name: str
    last_name: str
    dob: dt.date | None = None
    sex: Sex | None = None
    address: Address | None = None
    group_number: str | None = None


class Patient(_Record):
    first_name: str
    last_name: str
    dob: dt.date | None = None
    sex: Sex | None = None
    # Individual relationship code (2000B SBR02 / 2000C PAT01): 18 self, 01 spouse, 19 child, 20 employee,
    # 21 unknown, 39 organ donor, 40 cadaver donor, 53 life partner, G8 other.
    relationship: str = "19"
    address: Address | None = None


class Adjustment(_Record):
    """A CAS adjustment: group (CO, PR, OA, PI, CR), CARC, amount, optional quantity."""

    group: Literal["CO", "PR", "OA", "PI", "CR"]
    reason: str
    amount: Money
    quantity: Decimal | None = None


class LineAdjudication(_Record):
    """What another payer did with one line (2430 SVD/CAS/DTP), for secondary claims."""

    line: int = Field(description="1-based index of the service line on this claim.")
    payer_id: str
    paid: Money
    procedure: str | None = None
    modifiers: tuple[str, ...] = ()
    units: Decimal = Decimal(1)
    adjustments: tuple[Adjustment, ...] = ()
    adjudicated_on: dt.date | None = None


class OtherPayer(_Record):
    """Another payer on the claim (2320/2330), with what it paid when it has adjudicated."""

    payer: Payer
    subscriber: Subscriber
    relationship: str = "18"
    responsibility: Literal["P", "S", "T"] = "P"
    paid: Money | None = None
    adjustments: tuple[Adjustment, ...] = ()
    adjudicated_on: dt.date | None = None
    claim_control_number: str | None = None
    line_adjudications: tuple[LineAdjudication, ...] = ()


class ServiceLine(_Record):
    procedure: str
    modifiers: tuple[str, ...] = ()
    units: Decimal = Decimal(1)
    unit_type: Literal["UN", "MJ"] = "UN"  # units or minutes (anaesthesia)
    charge: Money
    dx_pointers: tuple[int, ...] = (1,)
    date_of_service: dt.date
    date_of_service_end: dt.date | None = None
    place_of_service: str | None = None  # overrides the claim's POS when set
    revenue_code: str | None = None  # institutional lines (SV201)
    ndc: str | None = None
    line_control_number: str | None = None  # REF*6R, echoed back in the 835 for line matching
    rendering_provider: Person | None = None

    @field_validator("procedure")
    @classmethod
    def _proc(cls, v: str) -> str:
        return v.strip().upper()

    @field_validator("modifiers", mode="before")
    @classmethod
    def _mods(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = [v]
        return tuple(str(m).strip().upper() for m in v if str(m).strip()) if v is not None else ()

    @field_validator("dx_pointers", mode="before")
    @classmethod
    def _ptrs(cls, v: Any) -> Any:
        if isinstance(v, int):
            return (v,)
        return tuple(v) if v is not None else ()


class Claim(_Record):
    claim_id: str = Field(description="Our patient control number (CLM01), echoed as CLP01 in the 835.")
    claim_type: Literal["professional", "institutional"] = "professional"
    frequency: str = "1"  # CLM05-3: 1 original, 7 replacement, 8 void
    original_claim_number: str | None = None  # payer claim control number for frequency 7/8 (REF*F8)
    submitted_on: dt.date | None = None
    place_of_service: str | None = "11"  # professional; for institutional the facility code of the bill type
    payer: Payer
    payer_responsibility: Literal["P", "S", "T"] = "P"
    billing_provider: BillingProvider
    pay_to_address: Address | None = None
    rendering_provider: Person | None = None
    referring_provider: Person | None = None
    attending_provider: Person | None = None  # institutional
    subscriber: Subscriber
    patient: Patient | None = None  # absent: the subscriber is the patient
    diagnoses: tuple[str, ...]
    lines: tuple[ServiceLine, ...]
    prior_authorization: str | None = None
    referral_number: str | None = None
    onset_date: dt.date | None = None
    accident_state: str | None = None
    # Institutional (837I) header data
    type_of_bill: str | None = None  # e.g. "0131" facility 13 + frequency
    admission_date: dt.date | None = None
    admission_type: str | None = None
    admission_source: str | None = None
    patient_status: str | None = None
    statement_from: dt.date | None = None
    statement_to: dt.date | None = None
    other_payers: tuple[OtherPayer, ...] = ()
    # Signatures/assignments default to what a practice submits: yes, assigned, released.
    provider_signature: bool = True
    assignment: Literal["A", "B", "C"] = "A"
    benefits_assigned: bool = True
    release_of_information: Literal["Y", "I"] = "Y"
    note: str | None = None

    @field_validator("diagnoses", mode="before")
    @classmethod
    def _dx(cls, v: Any) -> Any:
        if v is None:
            return ()
        return tuple(normalize_icd10(str(c)) for c in v if str(c).strip())

    @model_validator(mode="after")
    def _has_lines(self) -> Claim:
        if not self.lines:
            raise ValueError("a claim needs at least one service line")
        return self

    # Derived facts, never stored twice.
    @property
    def total_charge(self) -> Money:
        return sum((ln.charge for ln in self.lines), Decimal("0"))

    @property
    def is_subscriber_patient(self) -> bool:
        return self.patient is None or self.patient.relationship == "18"

    @property
    def patient_dob(self) -> dt.date | None:
        return self.patient.dob if self.patient is not None else self.subscriber.dob

    @property
    def patient_sex(self) -> str | None:
        return self.patient.sex if self.patient is not None else self.subscriber.sex

    @property
    def first_date_of_service(self) -> dt.date:
        return min(ln.date_of_service for ln in self.lines)

    @property
    def last_date_of_service(self) -> dt.date:
        return max(ln.date_of_service_end or ln.date_of_service for ln in self.lines)

    def line_pos(self, line: ServiceLine) -> str | None:
        return line.place_of_service or self.place_of_service

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=True, indent=2)


def parse_claim(data: dict[str, Any] | str | bytes, source: str = "<claim>") -> Claim:
    """Validate a claim document; errors name the source and the field path (e.g. lines[0].charge)."""
    try:
        if isinstance(data, str | bytes):
            data = json.loads(data)
        return Claim.model_validate(data)
    except json.JSONDecodeError as exc:
        raise ClaimFormatError(source, [(f"line {exc.lineno} column {exc.colno}", exc.msg)]) from None
    except ValidationError as exc:
        problems = [(_loc(err["loc"]), err["msg"]) for err in exc.errors()]
        raise ClaimFormatError(source, problems) from None


def load_claims(path: str | Path) -> list[Claim]:
    """Read a claim file: one JSON object, a JSON list, or JSON lines."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ClaimFormatError(str(p), [(f"line {exc.lineno} column {exc.colno}", exc.msg)]) from None
        return [parse_claim(item, f"{p}[{i}]") for i, item in enumerate(items)]
    if p.suffix == ".jsonl":
        return [parse_claim(line, f"{p}:{n}") for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    return [parse_claim(text, str(p))]


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(claim)"
