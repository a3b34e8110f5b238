"""835 Health Care Claim Payment/Advice (005010X221A1): typed model, reader and balancing.

Billing posts from these records, so the names follow the ERA as a biller reads it: a ``Remittance`` (one
ST..SE: one payment from one payer to one payee) holds ``ClaimPayment``s (2100, CLP), each holding
``ServicePayment``s (2110, SVC); money is ``Decimal``; CAS adjustments keep group, CARC, amount, quantity.

Balancing is checked on every read and reported as ``Issue``s with severity ``balancing`` (never raised:
a payer's arithmetic error must still post, flagged):

* transaction: BPR02 = Σ CLP04 − Σ PLB amounts
* claim:       CLP03 − CLP04 = Σ claim CAS + Σ line CAS
* line:        SVC02 − SVC03 = Σ line CAS
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, TypeVar, overload

from chartclaim.x12.core import (
    Delimiters,
    Group,
    Interchange,
    Issue,
    RawTransaction,
    Seg,
    X12Error,
    decimal_element,
    gc_paused,
    parse_decimal,
)
from chartclaim.x12.core import element as _e

ZERO = Decimal(0)
_T = TypeVar("_T")

CLAIM_STATUS = {
    "1": "processed as primary",
    "2": "processed as secondary",
    "3": "processed as tertiary",
    "4": "denied",
    "19": "processed as primary, forwarded to additional payer(s)",
    "20": "processed as secondary, forwarded to additional payer(s)",
    "21": "processed as tertiary, forwarded to additional payer(s)",
    "22": "reversal of previous payment",
    "23": "not our claim, forwarded to additional payer(s)",
    "25": "predetermination pricing only - no payment",
}
CAS_GROUPS = frozenset({"CO", "PR", "OA", "PI", "CR"})
# Every segment the 835 (X221A1, and the 4010 X091A1 before it) defines. One out of its place is read past
# with an issue; one that is no 835 segment at all means a damaged or mislabelled file and rejects the set.
SEGMENTS_835 = frozenset({
    "ST", "SE", "BPR", "NTE", "TRN", "CUR", "REF", "DTM", "N1", "N2", "N3", "N4", "PER", "RDM", "LX", "TS3", "TS2",
    "CLP", "CAS", "NM1", "MIA", "MOA", "AMT", "QTY", "SVC", "LQ", "PLB",
})
PAYMENT_METHODS = {"CHK": "check", "ACH": "automated clearing house", "NON": "non-payment data",
                   "FWT": "federal reserve wire transfer", "BOP": "financial institution option"}


@dataclass(frozen=True, slots=True)
class CasAdjustment:
    """One CAS triplet: group (CO/PR/OA/PI/CR), CARC, amount, optional quantity."""

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Remark:
    """LQ remark: qualifier HE (RARC) or RX (NCPDP reject code), and the code."""

    qualifier: str
    code: str


@dataclass(frozen=True, slots=True)
class Name:
    """NM1: entity (QC patient, IL insured, 74 corrected insured, TT crossover carrier, 82 rendering,
    PR corrected payer, GB other subscriber), person or organisation name and identifier."""

    entity: str
    entity_type: str  # 1 person, 2 organisation
    last_or_org: str
    first: str = ""
    middle: str = ""
    suffix: str = ""
    id_qualifier: str = ""
    id: str = ""

    @property
    def display(self) -> str:
        parts = [self.last_or_org]
        if self.first:
            parts.append(self.first)
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Address:
    lines: tuple[str, ...] = ()
    city: str = ""
    state: str = ""
    zip: str = ""
    country: str = ""


@dataclass(frozen=True, slots=True)
class Party:
    """1000A payer / 1000B payee (N1 loop)."""

    entity: str  # PR payer, PE payee
    name: str
    id_qualifier: str = ""  # XV CMS plan id, XX NPI, FI tax id...
    id: str = ""
    address: Address | None = None
    references: tuple[tuple[str, str], ...] = ()  # REF qualifier, value (2U payer id, TJ tax id, PQ payee id...)
    contacts: tuple[tuple[str, ...], ...] = ()  # PER elements as read

    def reference(self, qualifier: str) -> str | None:
        for q, v in self.references:
            if q == qualifier:
                return v
        return None


@dataclass(frozen=True, slots=True)
class Payment:
    """BPR: what the payer sent and how."""

    handling: str  # BPR01: I remittance+payment, H notification only, C payment accompanies, D make payment only...
    amount: Decimal  # BPR02
    credit_debit: str  # BPR03: C credit, D debit
    method: str  # BPR04: CHK, ACH, NON, FWT, BOP
    format: str = ""  # BPR05: CCP, CTX
    payer_dfi: str = ""  # BPR07 sender routing number
    payer_account: str = ""  # BPR09
    payer_id: str = ""  # BPR10 originating company id
    payee_dfi: str = ""  # BPR13
    payee_account: str = ""  # BPR15
    date: dt.date | None = None  # BPR16 check issue / EFT effective date

    @property
    def signed_amount(self) -> Decimal:
        """BPR02 with its direction: a debit (BPR03 D) takes money back from the provider."""
        return -self.amount if self.credit_debit == "D" else self.amount

    @property
    def is_eft(self) -> bool:
        return self.method in ("ACH", "FWT", "BOP")


@dataclass(frozen=True, slots=True)
class Trace:
    """TRN: the check number or EFT trace number that ties the ERA to the deposit."""

    type: str  # TRN01 1 current transaction
    number: str  # TRN02 check or EFT trace number
    originator: str = ""  # TRN03 payer TIN with a leading 1
    reference: str = ""  # TRN04


@dataclass(frozen=True, slots=True)
class Procedure:
    """A composite procedure (SVC01/SVC06): qualifier HC/AD/ER/IV/N4/NU..., code, modifiers."""

    qualifier: str
    code: str
    modifiers: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class InpatientAdjudication:
    """MIA (Medicare inpatient): covered days, PPS amounts and claim-level remarks (MIA05, 20-24)."""

    covered_days: Decimal | None
    elements: tuple[str, ...]
    remarks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OutpatientAdjudication:
    """MOA: reimbursement rate, HCPCS payable amount and claim-level remarks (MOA03-07)."""

    reimbursement_rate: Decimal | None
    hcpcs_payable: Decimal | None
    remarks: tuple[str, ...]
    esrd_payment: Decimal | None = None
    non_payable_professional: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ServicePayment:
    """2110 loop: one adjudicated service line (SVC) with its CAS, dates, line control number, remarks."""

    procedure: Procedure
    charge: Decimal  # SVC02
    paid: Decimal  # SVC03
    revenue_code: str = ""  # SVC04 (NUBC, institutional), or SVC01-2 when SVC01-1 is NU
    units: Decimal | None = None  # SVC05 paid units
    original_procedure: Procedure | None = None  # SVC06 when the payer changed the code
    original_units: Decimal | None = None  # SVC07
    adjustments: tuple[CasAdjustment, ...] = ()
    dates: tuple[tuple[str, dt.date | None], ...] = ()  # DTM 472 service, 150/151 period
    references: tuple[tuple[str, str], ...] = ()  # REF 6R line control number, 6B? LU location, 0K ...
    amounts: tuple[tuple[str, Decimal], ...] = ()  # AMT B6 allowed, KH late filing, T tax...
    quantities: tuple[tuple[str, Decimal], ...] = ()
    remarks: tuple[Remark, ...] = ()  # LQ
    position: int = field(default=0, compare=False)

    @property
    def line_control_number(self) -> str | None:
        """REF*6R (our line item control number), or REF*6B/1S when a payer echoes it there instead."""
        for q in ("6R", "6B"):
            for rq, v in self.references:
                if rq == q:
                    return v
        return None

    @property
    def service_date(self) -> dt.date | None:
        for q, d in self.dates:
            if q in ("472", "150"):
                return d
        return None

    @property
    def allowed(self) -> Decimal | None:
        return amount_of(self.amounts, "B6")

    @property
    def adjustment_total(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), ZERO)


@dataclass(frozen=True, slots=True)
class ClaimPayment:
    """2100 loop: one claim as adjudicated (CLP) with claim-level CAS, names, dates and its lines."""

    patient_control_number: str  # CLP01, our CLM01
    status: str  # CLP02
    charge: Decimal  # CLP03
    paid: Decimal  # CLP04
    patient_responsibility: Decimal | None  # CLP05
    filing_indicator: str  # CLP06
    payer_claim_control_number: str  # CLP07
    facility_code: str = ""  # CLP08
    frequency: str = ""  # CLP09
    drg: str = ""  # CLP11
    drg_weight: Decimal | None = None  # CLP12
    discharge_fraction: Decimal | None = None  # CLP13
    adjustments: tuple[CasAdjustment, ...] = ()
    names: tuple[Name, ...] = ()
    inpatient: InpatientAdjudication | None = None
    outpatient: OutpatientAdjudication | None = None
    references: tuple[tuple[str, str], ...] = ()
    dates: tuple[tuple[str, dt.date | None], ...] = ()  # 232/233 statement period, 050 received, 036 expiry
    contacts: tuple[tuple[str, ...], ...] = ()
    amounts: tuple[tuple[str, Decimal], ...] = ()  # AMT AU coverage, D8 discount, DY per day, I interest...
    quantities: tuple[tuple[str, Decimal], ...] = ()
    services: tuple[ServicePayment, ...] = ()
    header_number: str = ""  # LX01 of the 2000 loop it belongs to
    position: int = field(default=0, compare=False)
    # LQ sent before any SVC (the guide puts LQ on lines only; some payers put the claim's RARCs there)
    claim_remarks: tuple[Remark, ...] = ()

    @property
    def status_label(self) -> str:
        return CLAIM_STATUS.get(self.status, f"status {self.status}")

    @property
    def is_denied(self) -> bool:
        return self.status == "4"

    @property
    def is_reversal(self) -> bool:
        return self.status == "22"

    @property
    def is_forwarded(self) -> bool:
        """The payer crossed the claim over to another payer (19/20/21/23)."""
        return self.status in ("19", "20", "21", "23")

    def name(self, entity: str) -> Name | None:
        for n in self.names:
            if n.entity == entity:
                return n
        return None

    @property
    def patient(self) -> Name | None:
        return self.name("QC")

    @property
    def insured(self) -> Name | None:
        return self.name("IL")

    @property
    def corrected_insured(self) -> Name | None:
        return self.name("74")

    @property
    def crossover_carrier(self) -> Name | None:
        return self.name("TT")

    @property
    def rendering_provider(self) -> Name | None:
        return self.name("82")

    @property
    def corrected_payer(self) -> Name | None:
        return self.name("PR")

    @property
    def statement_from(self) -> dt.date | None:
        return _date_of(self.dates, "232")

    @property
    def statement_to(self) -> dt.date | None:
        return _date_of(self.dates, "233")

    @property
    def remarks(self) -> tuple[str, ...]:
        """Claim-level remark codes from MIA/MOA (and any LQ sent before the service lines)."""
        out: tuple[str, ...] = ()
        if self.inpatient:
            out += self.inpatient.remarks
        if self.outpatient:
            out += self.outpatient.remarks
        return out + tuple(r.code for r in self.claim_remarks)

    @property
    def adjustment_total(self) -> Decimal:
        """Σ claim-level CAS + Σ line-level CAS."""
        total = sum((a.amount for a in self.adjustments), ZERO)
        for s in self.services:
            total += s.adjustment_total
        return total


@dataclass(frozen=True, slots=True)
class PlbAdjustment:
    """One PLB pair: reason (WO overpayment recovery, L6 interest, FB forward balance, CS, 72 ...), the
    reference after the component separator (often the claim or check it concerns), and the amount.
    A positive amount reduces the payment."""

    reason: str
    reference: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ProviderAdjustment:
    """PLB segment: provider identifier, fiscal period date and up to six adjustments."""

    provider_id: str
    fiscal_period: dt.date | None
    adjustments: tuple[PlbAdjustment, ...]
    position: int = field(default=0, compare=False)

    @property
    def total(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), ZERO)


@dataclass(frozen=True, slots=True)
class ProviderSummary:
    """TS3/TS2 in the 2000 header loop (institutional provider summaries), elements as read."""

    header_number: str
    ts3: tuple[str, ...] = ()
    ts2: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Remittance:
    """One 835 transaction set: a payment (or notice) from one payer to one payee."""

    control_number: str
    payment: Payment
    trace: Trace | None
    payer: Party
    payee: Party
    claims: Sequence[ClaimPayment]  # a tuple, or LazyClaims when read (built on first access)
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()
    production_date: dt.date | None = None  # DTM*405
    receiver_id: str = ""  # REF*EV
    currency: str = ""  # CUR02
    references: tuple[tuple[str, str], ...] = ()
    provider_summaries: tuple[ProviderSummary, ...] = ()
    balancing: tuple[Issue, ...] = ()
    issues: tuple[Issue, ...] = ()
    interchange: Interchange | None = field(default=None, compare=False)
    group: Group | None = field(default=None, compare=False)
    implementation: str = "005010X221A1"
    position: int = field(default=0, compare=False)

    @property
    def balanced(self) -> bool:
        return not self.balancing

    @property
    def check_or_eft_number(self) -> str:
        return self.trace.number if self.trace else ""

    @property
    def provider_adjustment_total(self) -> Decimal:
        return sum((p.total for p in self.provider_adjustments), ZERO)

    @property
    def claims_paid_total(self) -> Decimal:
        return sum((c.paid for c in self.claims), ZERO)


def amount_of(pairs: tuple[tuple[str, Decimal], ...], qualifier: str) -> Decimal | None:
    for q, v in pairs:
        if q == qualifier:
            return v
    return None


def _date_of(pairs: tuple[tuple[str, dt.date | None], ...], qualifier: str) -> dt.date | None:
    for q, v in pairs:
        if q == qualifier:
            return v
    return None


def _maker(cls: type[_T]) -> Callable[..., _T]:
    """A constructor for a frozen, slotted dataclass that takes every field positionally. The dataclass's own
    ``__init__`` goes through ``object.__setattr__`` once per field (the price of ``frozen``), and even calling
    each slot's setter was a fifth of building a claim: this makes an instance of a plain class with the same
    slots, which stores them as any mutable object does, and then turns it into a ``cls`` (Python allows
    ``__class__`` assignment between classes of identical layout). Only for values the reader has already
    converted; the objects are equal to those ``__init__`` makes."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    ns: dict[str, Any] = {"_cls": cls}
    stores = "".join(f"  o.{name} = {name}\n" for name in names)
    exec(f"class make:\n __slots__ = {cls.__dict__['__slots__']!r}\n def __init__(o, {', '.join(names)}):\n{stores}"
         "  o.__class__ = _cls\n", ns)
    make: Callable[..., _T] = ns["make"]
    return make


# ---------------------------------------------------------------------------------------------- reader

_make_cas = _maker(CasAdjustment)
_make_remark = _maker(Remark)
_make_name = _maker(Name)
_make_procedure = _maker(Procedure)
_make_service = _maker(ServicePayment)
_make_claim = _maker(ClaimPayment)

_date_cache: dict[str, dt.date | None] = {}
# The codes of claims as built (CLP02, CAS group and reason, procedure and modifiers, remark codes) are interned:
# a remittance repeats a few of them thousands of times, and equal values that are one object pickle once
# (the reader process sends claim heads made of them; see `remittance_files.claim_heads`).
_intern = sys.intern


class _Amounts(dict[str, Decimal]):
    """Amount text → its Decimal, converted on first use (see `_Seen`)."""

    __slots__ = ()

    def __missing__(self, text: str) -> Decimal:
        v = self[text] = Decimal(text)
        return v


class _Seen:
    """What the claims of one remittance are built from, converted once per distinct text: amounts, CAS segments
    and procedures repeat thousands of times (the same charges, CO-45 amounts and codes). The records are
    immutable, so claims share them; and equal values that are one object pickle once (as the codes; see
    `_intern`)."""

    __slots__ = ("amounts", "cas", "procedures")

    def __init__(self) -> None:
        self.amounts = _Amounts()
        self.cas: dict[str, tuple[CasAdjustment, ...]] = {}  # by the CAS segment's text
        self.procedures: dict[str, Procedure] = {}  # by the composite's text (one component separator)


def _date(v: str) -> dt.date | None:
    """CCYYMMDD, cached: an ERA repeats the same few dates thousands of times."""
    try:
        return _date_cache[v]
    except KeyError:
        pass
    d: dt.date | None = None
    s = v.strip()
    if len(s) == 8 and s.isdigit():
        try:
            d = dt.date(int(s[:4]), int(s[4:6]), int(s[6:8]))
        except ValueError:
            d = None
    if len(_date_cache) < 100_000:
        _date_cache[v] = d
    return d


def _checked_date(v: str, seg: list[str], i: int, pos: int, issues: list[Issue]) -> dt.date | None:
    """A CCYYMMDD element: the date, None when empty or all zeros (with an issue), else a located error."""
    d = _date(v)
    if d is None:
        s = v.strip()
        if s.strip("0"):
            raise X12Error(f"not a date (CCYYMMDD): {s!r}", position=pos, segment_id=seg[0],
                           element=f"{seg[0]}{i:02d}")
        issues.append(Issue("date is missing" if not s else f"date {s!r} is no date; read as none", pos, seg[0],
                            f"{seg[0]}{i:02d}"))
    return d


# The most elements each 835 segment has (X12 5010 segment dictionary). An element with content beyond it is
# a syntax error (a 999 would say "too many data elements"): usually a stray separator inside free text or a
# damaged segment, whose values would otherwise be read from the wrong positions. Checked on every segment the
# read splits (the unsplit REF/NM1/PER/LQ/DTM of the hot path are not counted: a count per segment costs more
# than the rest of their handling).
MAX_ELEMENTS_835 = {
    "ST": 3, "SE": 2, "BPR": 21, "NTE": 2, "TRN": 4, "CUR": 21, "REF": 4, "DTM": 6, "N1": 6, "N2": 2, "N3": 2,
    "N4": 7, "PER": 9, "RDM": 3, "LX": 1, "TS3": 24, "TS2": 19, "CLP": 14, "CAS": 19, "NM1": 12, "MIA": 24,
    "MOA": 9, "AMT": 3, "QTY": 4, "SVC": 7, "LQ": 2, "PLB": 14,
}


def _too_many(seg: list[str], pos: int) -> None:
    """Raise when an element beyond the segment's last one has content (trailing empty ones are tolerated)."""
    most = MAX_ELEMENTS_835.get(seg[0])
    if most is None or len(seg) <= most + 1:
        return
    for k in range(most + 1, len(seg)):
        if seg[k].strip():
            raise X12Error(f"{seg[0]} has at most {most} elements; element {k} has {seg[k].strip()!r}",
                           position=pos, segment_id=seg[0], element=f"{seg[0]}{k:02d}")


def _unexpected(tag: str, pos: int, where: str, issues: list[Issue]) -> None:
    if tag not in SEGMENTS_835:
        raise X12Error(f"segment {tag} is not an 835 segment", position=pos, segment_id=tag)
    issues.append(Issue(f"segment {tag} not expected {where}; ignored", pos, tag))


def _req_num(seg: list[str], i: int, pos: int) -> Decimal:
    v = seg[i].strip() if i < len(seg) else ""
    if not v:
        raise X12Error("required amount is missing", position=pos, segment_id=seg[0], element=f"{seg[0]}{i:02d}")
    return parse_decimal(v, seg, i, pos)


def _cas_built(seg: list[str], amounts: _Amounts) -> tuple[CasAdjustment, ...]:
    """CAS triplets of a segment the read already validated: no checks, only conversion."""
    group = _intern(seg[1].strip().upper())
    n = len(seg)
    out = []
    for i in range(2, min(n, 20), 3):
        r = seg[i]
        if r:
            q = seg[i + 2] if i + 2 < n else ""
            out.append(_make_cas(group, _intern(r.strip()), amounts[seg[i + 1]], amounts[q] if q else None))
    return tuple(out)


def _procedure(v: str, comp: str) -> Procedure:
    if comp not in v:
        # some payers write the composite with another separator than ISA16 (e.g. HC>99213 in a ':' file)
        for alt in (":", ">", "^", "|"):
            if alt != comp and alt in v:
                comp = alt
                break
    parts = v.split(comp)
    q = _intern(parts[0].strip())
    code = _intern(parts[1].strip()) if len(parts) > 1 else ""
    mods = tuple(_intern(m.strip()) for m in parts[2:6] if m.strip())
    desc = parts[6].strip() if len(parts) > 6 else ""
    return _make_procedure(q, code, mods, desc)


def name_from_nm1(seg: list[str]) -> Name:
    """The name and id of an NM1 segment (NM102 entity type … NM109 id)."""
    if len(seg) < 10:
        seg = seg + [""] * (10 - len(seg))  # absent trailing elements are empty (a copy: the caller's is kept)
    return _make_name(seg[1].strip(), seg[2].strip(), seg[3].strip(), seg[4].strip(), seg[5].strip(),
                      seg[7].strip(), seg[8].strip(), seg[9].strip())


class _PartyBuilder:
    __slots__ = ("address", "city", "contacts", "country", "entity", "id", "idq", "lines", "name", "refs", "state", "zip")

    def __init__(self, seg: list[str]) -> None:
        self.entity = _e(seg, 1)
        self.name = _e(seg, 2)
        self.idq = _e(seg, 3)
        self.id = _e(seg, 4)
        self.lines: list[str] = []
        self.city = self.state = self.zip = self.country = ""
        self.refs: list[tuple[str, str]] = []
        self.contacts: list[tuple[str, ...]] = []
        self.address = False

    def build(self) -> Party:
        addr = Address(tuple(self.lines), self.city, self.state, self.zip, self.country) if self.address else None
        return Party(self.entity, self.name, self.idq, self.id, addr, tuple(self.refs), tuple(self.contacts))


class LazyClaims(Sequence[ClaimPayment]):
    """The claims of a remittance, built into ``ClaimPayment``s on first access.

    The read has already validated every element the builder converts (numbers, codes, required values)
    and checked the balancing, so building later cannot fail; it only costs time when someone looks.
    """

    __slots__ = ("_base", "_built", "_comp", "_delims", "_ranges", "_segs", "_sep")

    def __init__(self, texts: list[str], ranges: list[tuple[int, int, str]], base: int, d: Delimiters) -> None:
        self._segs = texts
        self._sep = d.element
        self._ranges = ranges
        self._base = base
        self._comp = d.component
        self._delims = d
        self._built: tuple[ClaimPayment, ...] | None = None

    def _all(self) -> tuple[ClaimPayment, ...]:
        if self._built is None:
            self._built = self.build()
        return self._built

    def build(self) -> tuple[ClaimPayment, ...]:
        """The claims, built now and not kept: for a reader that needs them once before handing the remittance
        on to another process (which gets it as its segments' text; built claims cost more to pickle than to
        build again)."""
        segs, seen = self._segs, _Seen()
        with gc_paused():
            return tuple(_build_claim(segs, a, b, self._base, self._comp, self._sep, hn, seen)
                         for a, b, hn in self._ranges)

    def loops_x12(self) -> list[str]:
        """Each claim's 2100/2110 loops as the payer sent them (CLP to the last segment before the next CLP,
        LX or PLB), segments joined by the file's segment terminator: what `claim_from_x12` reads back."""
        segs, term = self._segs, self._delims.segment
        return [term.join(segs[a:b]) for a, b, _hn in self._ranges]

    @property
    def delimiters(self) -> Delimiters:
        return self._delims

    def __len__(self) -> int:
        return len(self._ranges)

    @overload
    def __getitem__(self, i: int) -> ClaimPayment: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[ClaimPayment, ...]: ...
    def __getitem__(self, i: int | slice) -> ClaimPayment | tuple[ClaimPayment, ...]:
        return self._all()[i]

    def __iter__(self) -> Iterator[ClaimPayment]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return self._all() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LazyClaims({len(self)} claims)"

    def __reduce__(self) -> tuple[Callable[..., LazyClaims], tuple[Any, ...]]:
        """Unbuilt, as the segments' text: joined by the terminator they were split at (so no text contains it),
        one string costs less to pickle and to read back than thousands (the reader process sends these)."""
        segs, d = self._segs, self._delims
        text = d.segment.join(segs)
        whole = bool(segs) and text.count(d.segment) == len(segs) - 1
        return _lazy_claims, (text if whole else segs, self._ranges, self._base, d)


def _lazy_claims(segs: str | list[str], ranges: list[tuple[int, int, str]], base: int, d: Delimiters) -> LazyClaims:
    """A pickled `LazyClaims` back."""
    return LazyClaims(segs.split(d.segment) if isinstance(segs, str) else segs, ranges, base, d)


def claim_from_x12(text: str, element: str = "*", component: str = ":", segment: str = "~",
                   header_number: str = "") -> ClaimPayment:
    """One claim payment back from its loops as `LazyClaims.loops_x12` gave them (kept by posting); the text
    was validated when the 835 was read. Positions count from 1 at its CLP; `header_number` is the LX01 of
    its 2000 loop."""
    texts = text.split(segment)
    if not texts or texts[0].split(element, 1)[0] != "CLP":
        raise X12Error("a claim payment's loops start with CLP", position=1, segment_id=texts[0][:3] if texts else "")
    return _build_claim(texts, 0, len(texts), 1, component, element, header_number, _Seen())


def _cas_total(seg: list[str], pos: int) -> Decimal:
    """Validate one CAS (group code, reason/amount/quantity triplets) and return the sum of its amounts;
    raises the located error. The checked path behind the read's inline fast path."""
    group = seg[1].strip() if len(seg) > 1 else ""
    if group not in CAS_GROUPS and group.upper() not in CAS_GROUPS:
        raise X12Error(f"claim adjustment group code {group!r} is not CO, PR, OA, PI or CR",
                       position=pos, segment_id="CAS", element="CAS01")
    total = ZERO
    found = False
    n = len(seg)
    for i in (2, 5, 8, 11, 14, 17):
        if i >= n:
            break
        if not seg[i].strip():
            if i + 1 < n and seg[i + 1].strip():
                raise X12Error("adjustment amount without a reason code", position=pos, segment_id="CAS",
                               element=f"CAS{i:02d}")
            continue
        found = True
        total += _req_num(seg, i + 1, pos)
        if i + 2 < n and seg[i + 2].strip():
            parse_decimal(seg[i + 2].strip(), seg, i + 2, pos)
    if not found:
        raise X12Error("CAS without any adjustment", position=pos, segment_id="CAS", element="CAS02")
    return total


def _cas_sum(seg: list[str], pos: int) -> Decimal:
    """The sum of a CAS segment's amounts, validated (the read's fast path; see `_cas_total`)."""
    # fast path: well-formed CAS (group, then reason/amount/quantity triplets); anything odd takes the
    # checked path, which raises the located error or returns the same total
    if len(seg) > 20:
        _too_many(seg, pos)  # outside the try: an X12Error is a ValueError
    dec = Decimal
    try:
        k = len(seg)
        if k < 4 or seg[1] not in CAS_GROUPS or not seg[2]:
            raise ValueError
        a = dec(seg[3])
        if k == 5 and seg[4]:
            dec(seg[4])
        elif k > 5:
            a = ZERO
            for j in range(2, min(k, 20), 3):
                if seg[j]:
                    a += dec(seg[j + 1])
                elif j + 1 < k and seg[j + 1]:
                    raise ValueError
                if j + 2 < k and seg[j + 2]:
                    dec(seg[j + 2])
        if not a.is_finite():
            raise ValueError
    except (ValueError, ArithmeticError, IndexError):
        a = _cas_total(seg, pos)
    return a


def parse_835(raw: RawTransaction) -> Remittance:
    """Build a ``Remittance`` from one ST..SE. Raises ``X12Error`` (with position) on malformed content;
    balancing differences are reported in ``Remittance.balancing``."""
    d: Delimiters = raw.interchange.delimiters
    comp = d.component
    texts = raw.texts
    sep = d.element
    base = raw.start + 1
    n = len(texts)
    issues: list[Issue] = list(raw.issues)
    payment: Payment | None = None
    trace: Trace | None = None
    parties: list[_PartyBuilder] = []
    party: _PartyBuilder | None = None
    refs: list[tuple[str, str]] = []
    prod_date: dt.date | None = None
    currency = ""

    # ---- header (BPR, TRN, CUR, REF, DTM, 1000A, 1000B): few segments, built eagerly
    i = 0
    while i < n:
        seg = texts[i].split(sep)
        tag = seg[0]
        pos = base + i
        if tag in ("LX", "CLP", "PLB", "TS3", "TS2"):
            break
        _too_many(seg, pos)
        if tag == "BPR":
            s = Seg(seg, pos, d)
            bpr16 = s[16]
            # an impossible BPR16 is read as an issue, not rejected: the guide's own example carries 20002316
            date = _date(bpr16) if bpr16 else None
            if bpr16 and date is None:
                issues.append(Issue(f"not a date: {bpr16!r}", pos, "BPR", "BPR16"))
            payment = Payment(s.req(1), s.dec_req(2), s[3], s[4], s[5], s[7], s[9], s[10], s[13], s[15], date)
        elif tag == "TRN":
            s = Seg(seg, pos, d)
            trace = Trace(s[1], s.req(2), s[3], s[4])
        elif tag == "N1":
            party = _PartyBuilder(seg)
            parties.append(party)
        elif tag == "N3" and party is not None:
            party.address = True
            party.lines.extend(x.strip() for x in seg[1:3] if x.strip())
        elif tag == "N4" and party is not None:
            party.address = True
            party.city, party.state, party.zip, party.country = _e(seg, 1), _e(seg, 2), _e(seg, 3), _e(seg, 4)
        elif tag == "REF":
            (party.refs if party is not None else refs).append((_e(seg, 1), _e(seg, 2)))
        elif tag in ("PER", "RDM"):
            if party is not None:
                party.contacts.append((tag, *(x.strip() for x in seg[1:])))
            else:
                issues.append(Issue(f"{tag} before any N1; ignored", pos, tag))
        elif tag == "DTM":
            dtm_date = _checked_date(_e(seg, 2), seg, 2, pos, issues)
            if _e(seg, 1) == "405":
                prod_date = dtm_date
        elif tag == "CUR":
            currency = _e(seg, 2)
        elif tag in ("SVC", "CAS", "AMT", "QTY", "LQ", "NM1", "MIA", "MOA"):
            raise X12Error(f"{tag} outside a claim (no CLP before it)", position=pos, segment_id=tag)
        else:
            _unexpected(tag, pos, "in the 835 header", issues)
        i += 1
    if payment is None:
        raise X12Error("835 without BPR", position=raw.start, segment_id="ST", control_number=raw.control_number)
    payer = next((p for p in parties if p.entity == "PR"), None)
    payee = next((p for p in parties if p.entity == "PE"), None)
    if payer is None:
        raise X12Error("835 without payer (N1*PR, loop 1000A)", position=raw.start, segment_id="ST",
                       control_number=raw.control_number)
    if payee is None:
        raise X12Error("835 without payee (N1*PE, loop 1000B)", position=raw.start, segment_id="ST",
                       control_number=raw.control_number)

    # ---- detail: one validating pass that sums for balancing and records claim boundaries (hot path)
    bal: list[Issue] = []
    ranges: list[tuple[int, int, str]] = []
    plbs: list[ProviderAdjustment] = []
    summaries: list[ProviderSummary] = []
    header_number = ""
    ts3: tuple[str, ...] = ()
    ts2: tuple[str, ...] = ()
    paid_total = ZERO
    c_start = -1
    c_charge = c_paid = c_adj = ZERO
    c_id = ""
    s_seg: list[str] | None = None
    s_charge = s_paid = s_adj = ZERO
    s_pos = 0

    def close_line() -> None:
        assert s_seg is not None
        if s_charge - s_paid != s_adj:
            code = s_seg[1].split(comp)
            bal.append(Issue(
                f"claim {c_id} line {code[1] if len(code) > 1 else s_seg[1]}: SVC02 {s_charge} − SVC03 {s_paid}"
                f" = {s_charge - s_paid} ≠ Σ CAS {s_adj}", s_pos, "SVC", "SVC02", "balancing"))

    def close_claim(end: int) -> None:
        nonlocal c_start, s_seg
        if s_seg is not None:
            close_line()
            s_seg = None
        if c_charge - c_paid != c_adj:
            bal.append(Issue(
                f"claim {c_id}: CLP03 {c_charge} − CLP04 {c_paid} = {c_charge - c_paid} ≠ Σ CAS {c_adj}",
                base + c_start, "CLP", "CLP03", "balancing"))
        ranges.append((c_start, end, header_number))
        c_start = -1

    dec = Decimal
    # segments the read does not need to split: their content is only looked at when claims are built
    # (a DTM is only looked up in the date cache: "DTM*472*" is 8 characters, so t[8:] is DTM02 when DTM03 is
    # absent; anything else takes the checked path)
    passthrough = frozenset({"DTM", "REF", "NM1", "PER", "LQ" + sep})
    date_hit = _date_cache.get
    cas_tag = "CAS" + sep
    cas_totals: dict[str, Decimal] = {}
    while i < n:
        t = texts[i]
        if t[:3] in passthrough:
            if c_start < 0:
                tag = t.split(sep, 1)[0]
                if tag in ("NM1", "LQ"):
                    raise X12Error(f"{tag} outside a claim (no CLP before it)", position=base + i, segment_id=tag)
                issues.append(Issue(f"{tag} outside a claim; ignored", base + i, tag))
            elif t[0] == "L" and s_seg is None:
                issues.append(Issue("LQ before any service line; read as a claim-level remark", base + i, "LQ"))
            elif t[0] == "D" and date_hit(t[8:]) is None:
                seg = t.split(sep)
                if len(seg) < 3 or _date(seg[2]) is None:
                    _checked_date(_e(seg, 2), seg, 2, base + i, issues)
            i += 1
            continue
        if t.startswith(cas_tag) or t == "CAS":
            if c_start < 0:
                raise X12Error("CAS outside a claim (no CLP before it)", position=base + i, segment_id="CAS")
            # a remittance repeats the same CAS (a charge's CO-45, a copay): each text is checked once
            a = cas_totals.get(t)
            if a is None:
                a = cas_totals[t] = _cas_sum(t.split(sep), base + i)
            c_adj += a
            if s_seg is not None:
                s_adj += a
            i += 1
            continue
        seg = t.split(sep)
        tag = seg[0]
        if tag == "SVC":
            if c_start < 0:
                raise X12Error("SVC outside a claim (no CLP before it)", position=base + i, segment_id="SVC")
            if s_seg is not None:
                close_line()
            s_pos = base + i
            k = len(seg)
            if k > 8:
                _too_many(seg, s_pos)
            if k < 4 or not seg[1].strip():
                raise X12Error("SVC01 procedure is missing", position=s_pos, segment_id="SVC", element="SVC01")
            try:
                s_charge = dec(seg[2])
                s_paid = dec(seg[3])
                if k > 5 and seg[5]:
                    dec(seg[5])
                if k > 7 and seg[7]:
                    dec(seg[7])
                if not (s_charge.is_finite() and s_paid.is_finite()):
                    raise ValueError
            except (ValueError, ArithmeticError):
                s_charge = _req_num(seg, 2, s_pos)
                s_paid = _req_num(seg, 3, s_pos)
                decimal_element(seg, 5, s_pos)
                decimal_element(seg, 7, s_pos)
            s_adj = ZERO
            s_seg = seg
        elif tag == "CLP":
            if c_start >= 0:
                close_claim(i)
            pos = base + i
            if len(seg) > 15:
                _too_many(seg, pos)
            if len(seg) < 5 or not seg[1].strip():
                raise X12Error("CLP01 patient control number is missing", position=pos, segment_id="CLP", element="CLP01")
            if not seg[2].strip():
                raise X12Error("CLP02 claim status is missing", position=pos, segment_id="CLP", element="CLP02")
            c_id = seg[1].strip()
            try:  # fast path, as for SVC: the checked one raises the located error
                c_charge = dec(seg[3])
                c_paid = dec(seg[4])
                if not (c_charge.is_finite() and c_paid.is_finite()):
                    raise ValueError
            except (ValueError, ArithmeticError):
                c_charge = _req_num(seg, 3, pos)
                c_paid = _req_num(seg, 4, pos)
            c_adj = ZERO
            paid_total += c_paid
            c_start = i
            for k in (5, 12, 13):
                if k < len(seg) and seg[k]:  # most CLPs end before CLP12
                    decimal_element(seg, k, pos)
        elif tag in ("AMT", "QTY"):
            if len(seg) > 5:
                _too_many(seg, base + i)
            if c_start < 0:
                raise X12Error(f"{tag} outside a claim (no CLP before it)", position=base + i, segment_id=tag)
            try:
                if not dec(seg[2]).is_finite():
                    raise ValueError
            except (ValueError, ArithmeticError, IndexError):
                _req_num(seg, 2, base + i)
        elif tag == "LX":
            _too_many(seg, base + i)
            if c_start >= 0:
                close_claim(i)
            if ts3 or ts2:
                summaries.append(ProviderSummary(header_number, ts3, ts2))
                ts3 = ts2 = ()
            header_number = _e(seg, 1)
        elif tag == "PLB":
            _too_many(seg, base + i)
            if c_start >= 0:
                close_claim(i)
            plbs.append(_plb(seg, base + i, comp))
        elif tag in ("TS3", "TS2"):
            _too_many(seg, base + i)
            if c_start >= 0:
                close_claim(i)
            if tag == "TS3":
                ts3 = tuple(x.strip() for x in seg[1:])
            else:
                ts2 = tuple(x.strip() for x in seg[1:])
        elif tag in ("MIA", "MOA"):
            _too_many(seg, base + i)
            if c_start < 0:
                raise X12Error(f"{tag} outside a claim (no CLP before it)", position=base + i, segment_id=tag)
            if s_seg is not None:
                issues.append(Issue(f"{tag} after the service lines; read as the claim's", base + i, tag))
            for k in ((1,) if tag == "MIA" else (1, 2, 8, 9)):
                decimal_element(seg, k, base + i)
        else:
            _unexpected(tag, base + i, "here", issues)
        i += 1
    if c_start >= 0:
        close_claim(n)
    if ts3 or ts2:
        summaries.append(ProviderSummary(header_number, ts3, ts2))
    plb_total = sum((p.total for p in plbs), ZERO)
    if payment.signed_amount != paid_total - plb_total:
        bal.insert(0, Issue(
            f"BPR02 {payment.amount} ≠ Σ CLP04 {paid_total} − Σ PLB {plb_total} = {paid_total - plb_total}",
            raw.start, "BPR", "BPR02", "balancing"))
    receiver = next((v for q, v in refs if q == "EV"), "")
    return Remittance(
        raw.control_number, payment, trace, payer.build(), payee.build(), LazyClaims(texts, ranges, base, d),
        tuple(plbs), prod_date, receiver, currency, tuple(refs), tuple(summaries), tuple(bal), tuple(issues),
        raw.interchange, raw.group, raw.implementation, raw.start,
    )


def _build_claim(texts: list[str], start: int, end: int, base: int, comp: str, sep: str,
                 header_number: str, seen: _Seen) -> ClaimPayment:
    """Build one 2100 loop from segments the fast pass has validated. `seen`: shared by the claims of one
    remittance."""
    c = texts[start].split(sep)
    if len(c) < 14:
        c += [""] * (14 - len(c))  # absent trailing elements are empty (X12 drops them)
    c_cas: list[CasAdjustment] = []
    c_names: list[Name] = []
    c_refs: list[tuple[str, str]] = []
    c_dates: list[tuple[str, dt.date | None]] = []
    c_amts: list[tuple[str, Decimal]] = []
    c_qtys: list[tuple[str, Decimal]] = []
    c_pers: list[tuple[str, ...]] = []
    c_lq: list[Remark] = []
    c_mia: InpatientAdjudication | None = None
    c_moa: OutpatientAdjudication | None = None
    services: list[ServicePayment] = []
    svc: list[str] | None = None
    svc_pos = 0
    # where CAS/DTM/REF/AMT/QTY/LQ go: the claim's until the first SVC, then the current line's
    cas, dates, refs, amts, qtys, lq = c_cas, c_dates, c_refs, c_amts, c_qtys, c_lq
    amounts, cas_seen = seen.amounts, seen.cas
    cas_tag = "CAS" + sep
    date_hit = _date_cache.get
    for idx in range(start + 1, end):
        t = texts[idx]
        if t.startswith(cas_tag):
            adjustments = cas_seen.get(t)
            if adjustments is None:
                adjustments = cas_seen[t] = _cas_built(t.split(sep), amounts)
            cas.extend(adjustments)
            continue
        seg = t.split(sep)
        tag = seg[0]
        if tag == "DTM":
            # a date is never false: the cache's hit, else `_date` (which caches it, or gives None)
            dates.append((seg[1].strip(), date_hit(seg[2]) or _date(seg[2])) if len(seg) > 2 else (_e(seg, 1), None))
        elif tag == "REF":
            refs.append((seg[1].strip(), seg[2].strip()) if len(seg) > 2 else (_e(seg, 1), ""))
        elif tag == "SVC":
            if svc is not None:
                services.append(_service(svc, svc_pos, comp, seen, cas, dates, refs, amts, qtys, lq))
            cas, dates, refs, amts, qtys, lq = [], [], [], [], [], []
            svc = seg
            svc_pos = base + idx
        elif tag == "AMT":
            amts.append((seg[1].strip(), amounts[seg[2]]))
        elif tag == "NM1":
            c_names.append(name_from_nm1(seg))
        elif tag == "LQ":
            lq.append(_make_remark(_e(seg, 1), _intern(_e(seg, 2))))
        elif tag == "QTY":
            qtys.append((seg[1].strip(), amounts[seg[2]]))
        elif tag == "PER":
            c_pers.append(tuple(x.strip() for x in seg[1:]))
        elif tag == "MIA":
            c_mia = InpatientAdjudication(decimal_element(seg, 1, base + idx), tuple(x.strip() for x in seg[1:]),
                                          tuple(_intern(r) for r in (_e(seg, k) for k in (5, 20, 21, 22, 23)) if r))
        elif tag == "MOA":
            c_moa = OutpatientAdjudication(
                decimal_element(seg, 1, base + idx), decimal_element(seg, 2, base + idx),
                tuple(_intern(r) for r in (_e(seg, k) for k in (3, 4, 5, 6, 7)) if r),
                decimal_element(seg, 8, base + idx), decimal_element(seg, 9, base + idx))
    if svc is not None:
        services.append(_service(svc, svc_pos, comp, seen, cas, dates, refs, amts, qtys, lq))
    # CLP05, 12 and 13 were checked by the read: converted without the checks of `decimal_element`
    resp, weight, fraction = c[5].strip(), c[12].strip(), c[13].strip()
    return _make_claim(
        c[1].strip(), _intern(c[2].strip()), amounts[c[3]], amounts[c[4]], amounts[resp] if resp else None,
        c[6].strip(), c[7].strip(), c[8].strip(), c[9].strip(), c[11].strip(), Decimal(weight) if weight else None,
        Decimal(fraction) if fraction else None, tuple(c_cas), tuple(c_names), c_mia, c_moa, tuple(c_refs),
        tuple(c_dates), tuple(c_pers), tuple(c_amts), tuple(c_qtys), tuple(services), header_number, base + start,
        tuple(c_lq),
    )


def _service(s: list[str], pos: int, comp: str, seen: _Seen, cas: list[CasAdjustment],
             dates: list[tuple[str, dt.date | None]], refs: list[tuple[str, str]], amts: list[tuple[str, Decimal]],
             qtys: list[tuple[str, Decimal]], lq: list[Remark]) -> ServicePayment:
    """One 2110 loop: its SVC (split) and what the segments after it carried."""
    k = len(s)
    units_s = s[5].strip() if k > 5 else ""
    orig = s[6].strip() if k > 6 else ""
    ounits = s[7].strip() if k > 7 else ""
    amounts, procedures = seen.amounts, seen.procedures
    proc = procedures.get(s[1]) or procedures.setdefault(s[1], _procedure(s[1], comp))
    rev = s[4].strip() if k > 4 else ""
    if not rev and proc.qualifier == "NU":
        rev = proc.code  # an institutional line adjudicated by revenue code carries it in SVC01, not SVC04
    return _make_service(
        proc, amounts[s[2]], amounts[s[3]], rev, amounts[units_s] if units_s else None,
        _procedure(orig, comp) if orig else None, amounts[ounits] if ounits else None,
        tuple(cas), tuple(dates), tuple(refs), tuple(amts), tuple(qtys), tuple(lq), pos,
    )


def _plb(seg: list[str], pos: int, comp: str) -> ProviderAdjustment:
    s = _e(seg, 1)
    if not s:
        raise X12Error("PLB01 provider identifier is missing", position=pos, segment_id="PLB", element="PLB01")
    items = []
    n = len(seg)
    for i in range(3, min(n, 15), 2):
        code = seg[i].strip()
        if not code:
            continue
        parts = code.split(comp, 1)
        items.append(PlbAdjustment(parts[0].strip(), parts[1].strip() if len(parts) > 1 else "", _req_num(seg, i + 1, pos)))
    if not items:
        raise X12Error("PLB without any adjustment", position=pos, segment_id="PLB", element="PLB03")
    period = _e(seg, 2)
    if period and _date(period) is None and period.strip("0"):
        raise X12Error(f"not a date (CCYYMMDD): {period!r}", position=pos, segment_id="PLB", element="PLB02")
    return ProviderAdjustment(s, _date(period), tuple(items), pos)


def check_balancing(rem: Remittance) -> list[Issue]:
    """The three 835 balancing rules; each difference is one ``Issue`` naming the segment that is off."""
    out: list[Issue] = []
    expected = rem.claims_paid_total - rem.provider_adjustment_total
    if rem.payment.signed_amount != expected:
        out.append(Issue(
            f"BPR02 {rem.payment.amount} ≠ Σ CLP04 {rem.claims_paid_total} − Σ PLB {rem.provider_adjustment_total}"
            f" = {expected}", rem.position, "BPR", "BPR02", "balancing"))
    for c in rem.claims:
        adj = c.adjustment_total
        if c.charge - c.paid != adj:
            out.append(Issue(
                f"claim {c.patient_control_number}: CLP03 {c.charge} − CLP04 {c.paid} = {c.charge - c.paid}"
                f" ≠ Σ CAS {adj}", c.position, "CLP", "CLP03", "balancing"))
        for s in c.services:
            sadj = s.adjustment_total
            if s.charge - s.paid != sadj:
                out.append(Issue(
                    f"claim {c.patient_control_number} line {s.procedure.code}: SVC02 {s.charge} − SVC03 {s.paid}"
                    f" = {s.charge - s.paid} ≠ Σ CAS {sadj}", s.position, "SVC", "SVC02", "balancing"))
    return out
