"""Pricing: what a payer allows for a service line, and what the practice charges.

Three pure pieces, no database:

* ``FeeSchedule`` / ``FeeScheduleBook`` — a payer's contracted allowed amounts (code + modifier → Decimal, with
  effective dates), loaded from CSV or YAML; a small built-in demo book ships in ``chartclaim/data/billing``.
* ``MedicareFeeSchedule`` — the Medicare Physician Fee Schedule computed the way CMS does from the RVU, GPCI,
  anesthesia-CF and OPPS-cap files: ``[(work RVU × work GPCI) + (PE RVU × PE GPCI) + (MP RVU × MP GPCI)] × CF``,
  facility or non-facility PE by place of service, PC/TC (26/TC) rows, status codes, payment modifiers.
  ``import_mpfs`` turns the CMS files into a compact store in the data directory; ``load_mpfs`` reads it back.
* ``ChargeMaster`` — the practice's standard charges, typically a multiple of Medicare.

Money is Decimal and rounds half-up to cents, as CMS publishes fee amounts.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

CENT = Decimal("0.01")

# POS codes whose services the MPFS pays at the facility rate (Medicare Claims Processing Manual ch. 12
# §20.4.2). POS 02 (telehealth other than the patient's home) is paid at the facility rate; POS 10
# (telehealth in the patient's home) at the non-facility rate since CY 2024.
FACILITY_POS: frozenset[str] = frozenset(
    {"02", "19", "21", "22", "23", "24", "26", "31", "34", "41", "42", "51", "52", "53", "56", "61"}
)

# Attachment A of the RVU file documentation, in a biller's words.
STATUS_MEANING: Mapping[str, str] = {
    "A": "active: paid separately under the fee schedule when covered",
    "B": "bundled: always included in the payment for another service, never paid separately",
    "C": "carrier priced: the MAC sets the amount case by case (send documentation)",
    "D": "deleted code",
    "E": "excluded from the fee schedule by regulation (paid, if at all, under another fee schedule)",
    "F": "deleted/discontinued code",
    "G": "not valid for Medicare: Medicare uses another code (90-day grace period)",
    "H": "deleted modifier component",
    "I": "not valid for Medicare: Medicare uses another code",
    "J": "anesthesia: paid as (base units + time units) × the locality anesthesia conversion factor",
    "M": "measurement code: reported for quality programs only, no payment",
    "N": "non-covered service under Medicare",
    "P": "bundled/excluded: no separate payment under the fee schedule",
    "R": "restricted coverage: paid only in unusual circumstances, contractor priced if covered",
    "T": "injection: paid only when no other fee-schedule service is billed that day by the same provider",
    "X": "statutory exclusion: not a physician service (e.g. clinical lab, ambulance) — other fee schedule",
}
# Only these statuses carry RVUs that Medicare pays (RVU file documentation, "Status Code").
PAYABLE_STATUS = frozenset({"A", "R", "T"})

# Modifiers that change the amount (RVU file documentation: indicators for 50, 62, 80/81/82, AS).
ASSISTANT_MODIFIERS = frozenset({"80", "81", "82", "AS"})


class PricingError(ValueError):
    """A fee-schedule or MPFS file that cannot be read, or a question that cannot be answered (unknown
    locality); names the source, the line and the field."""

    def __init__(self, source: str, message: str, line: int | None = None, column: str | None = None):
        self.source, self.line, self.column = source, line, column
        where = source + (f":{line}" if line is not None else "") + (f" [{column}]" if column else "")
        super().__init__(f"{where}: {message}")


def round_cents(amount: Decimal) -> Decimal:
    """Half-up to the cent, as CMS rounds published fee amounts (Python's default would be banker's)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _dec(value: Any, source: str, line: int | None, column: str) -> Decimal:
    text = str(value).strip().replace("$", "").replace(",", "")
    try:
        d = Decimal(text if text else "0")
    except InvalidOperation:
        raise PricingError(source, f"not a number: {value!r}", line, column) from None
    if not d.is_finite():
        raise PricingError(source, f"not a number: {value!r}", line, column)
    return d


def _date(value: Any, source: str, line: int | None, column: str) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise PricingError(source, f"not a date (YYYY-MM-DD): {value!r}", line, column) from None


def _norm_code(code: str) -> str:
    return str(code).strip().upper()


def _norm_mods(modifiers: str | Iterable[str] | None) -> tuple[str, ...]:
    if modifiers is None:
        return ()
    if isinstance(modifiers, str):
        modifiers = re.split(r"[,\s:]+", modifiers)
    return tuple(m.strip().upper() for m in modifiers if m and m.strip())


# --------------------------------------------------------------------------------------------------------------
# Payer fee schedules
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeeScheduleEntry:
    """One allowed amount: code (+ optional pricing modifier such as 26/TC), valid from/to (inclusive)."""

    code: str
    allowed: Decimal
    modifier: str = ""
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    label: str | None = None  # our own plain-language label, never an AMA descriptor

    def in_effect(self, on: dt.date | None) -> bool:
        if on is None:
            return True
        if self.effective_from and on < self.effective_from:
            return False
        return not (self.effective_to and on > self.effective_to)


@dataclass(frozen=True)
class FeeSchedule:
    """A payer's contracted amounts. ``payer_ids`` lists the payer ids it prices ("*" = any payer without
    its own schedule)."""

    id: str
    name: str
    entries: tuple[FeeScheduleEntry, ...]
    payer_ids: tuple[str, ...] = ()
    source: str = "<memory>"
    _index: dict[tuple[str, str], tuple[FeeScheduleEntry, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], list[FeeScheduleEntry]] = {}
        for e in self.entries:
            index.setdefault((e.code, e.modifier), []).append(e)
        self._index.update({k: tuple(v) for k, v in index.items()})

    def entry(self, code: str, modifiers: str | Iterable[str] | None = (), on: dt.date | None = None
              ) -> FeeScheduleEntry | None:
        """The entry for code + the first modifier that has its own row, else the code's plain row."""
        code = _norm_code(code)
        for mod in (*_norm_mods(modifiers), ""):
            for e in self._index.get((code, mod), ()):
                if e.in_effect(on):
                    return e
        return None

    def allowed(self, code: str, modifiers: str | Iterable[str] | None = (), on: dt.date | None = None,
                units: Decimal | int = 1) -> Decimal | None:
        e = self.entry(code, modifiers, on)
        return None if e is None else round_cents(e.allowed * Decimal(units))

    def scaled(self, id: str, name: str, factor: Decimal | str, payer_ids: Sequence[str] = ()) -> FeeSchedule:
        """A schedule at a percentage of this one (e.g. commercial at 130 % of Medicare)."""
        f = Decimal(str(factor))
        return FeeSchedule(id=id, name=name, payer_ids=tuple(payer_ids), source=f"{self.source} × {f}",
                           entries=tuple(replace(e, allowed=round_cents(e.allowed * f)) for e in self.entries))

    def codes(self) -> list[str]:
        return sorted({e.code for e in self.entries})


@dataclass(frozen=True)
class FeeScheduleBook:
    """All schedules a practice uses; finds the one for a payer."""

    schedules: tuple[FeeSchedule, ...]

    def for_payer(self, payer_id: str) -> FeeSchedule | None:
        for s in self.schedules:
            if payer_id in s.payer_ids:
                return s
        return next((s for s in self.schedules if "*" in s.payer_ids), None)

    def get(self, schedule_id: str) -> FeeSchedule:
        for s in self.schedules:
            if s.id == schedule_id:
                return s
        raise KeyError(f"no fee schedule {schedule_id!r} (have {', '.join(s.id for s in self.schedules)})")

    def allowed(self, payer_id: str, code: str, modifiers: str | Iterable[str] | None = (),
                on: dt.date | None = None, units: Decimal | int = 1) -> Decimal | None:
        s = self.for_payer(payer_id)
        return None if s is None else s.allowed(code, modifiers, on, units)

    def __iter__(self) -> Iterator[FeeSchedule]:
        return iter(self.schedules)

    def merged(self, other: FeeScheduleBook) -> FeeScheduleBook:
        """This book with ``other``'s schedules added; a schedule id in both takes ``other``'s version."""
        ids = {s.id for s in other.schedules}
        return FeeScheduleBook(tuple(s for s in self.schedules if s.id not in ids) + other.schedules)


_CSV_COLUMNS = ("schedule", "code", "allowed")


def load_fee_schedules_csv(path: str | Path) -> FeeScheduleBook:
    """CSV with columns ``schedule, code, allowed`` and optional ``modifier, payer_ids`` (space or ; separated),
    ``name, effective_from, effective_to, label``. One row per code; rows of one schedule share its id."""
    p = Path(path)
    text = p.read_text(encoding="utf-8-sig")
    return _fee_schedules_from_csv(text, str(p))


def _fee_schedules_from_csv(text: str, source: str) -> FeeScheduleBook:
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in _CSV_COLUMNS if c not in headers]
    if missing:
        raise PricingError(source, f"missing column(s) {', '.join(missing)}", 1)
    entries: dict[str, list[FeeScheduleEntry]] = {}
    names: dict[str, str] = {}
    payers: dict[str, set[str]] = {}
    for n, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        sid = row["schedule"]
        if not sid:
            raise PricingError(source, "empty schedule id", n, "schedule")
        if not row["code"]:
            raise PricingError(source, "empty code", n, "code")
        allowed = _dec(row["allowed"], source, n, "allowed")
        if allowed < 0:
            raise PricingError(source, "allowed amount is negative", n, "allowed")
        entries.setdefault(sid, []).append(FeeScheduleEntry(
            code=_norm_code(row["code"]), modifier=row.get("modifier", "").upper(), allowed=allowed,
            effective_from=_date(row.get("effective_from"), source, n, "effective_from"),
            effective_to=_date(row.get("effective_to"), source, n, "effective_to"),
            label=row.get("label") or None))
        if row.get("name"):
            names[sid] = row["name"]
        payers.setdefault(sid, set()).update(x for x in re.split(r"[;\s]+", row.get("payer_ids", "")) if x)
    return FeeScheduleBook(tuple(
        FeeSchedule(id=sid, name=names.get(sid, sid), entries=tuple(es), payer_ids=tuple(sorted(payers[sid])),
                    source=source) for sid, es in entries.items()))


def load_fee_schedules_yaml(path: str | Path) -> FeeScheduleBook:
    """YAML: ``schedules: [{id, name, payer_ids, effective_from, effective_to, fees: {CODE[-MOD]: amount |
    {allowed, label, effective_from, effective_to}}}]``. Amounts are read as text so no float creeps in."""
    p = Path(path)
    return _fee_schedules_from_yaml(p.read_text(encoding="utf-8"), str(p))


def _fee_schedules_from_yaml(text: str, source: str) -> FeeScheduleBook:
    import yaml

    # BaseLoader keeps every scalar a string: 95.10 must not pass through a binary float.
    try:
        doc = yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PricingError(source, f"YAML: {exc}", mark.line + 1 if mark else None) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("schedules"), list):
        raise PricingError(source, "expected a mapping with a 'schedules' list")
    out: list[FeeSchedule] = []
    for i, s in enumerate(doc["schedules"]):
        where = f"schedules[{i}]"
        if not isinstance(s, dict) or not s.get("id") or not isinstance(s.get("fees"), dict):
            raise PricingError(source, "each schedule needs an id and a 'fees' mapping", column=where)
        d_from = _date(s.get("effective_from"), source, None, f"{where}.effective_from")
        d_to = _date(s.get("effective_to"), source, None, f"{where}.effective_to")
        entries = []
        for key, val in s["fees"].items():
            code, _, mod = str(key).partition("-")
            col = f"{where}.fees.{key}"
            spec = val if isinstance(val, dict) else {"allowed": val}
            if "allowed" not in spec:
                raise PricingError(source, "no allowed amount", column=col)
            allowed = _dec(spec["allowed"], source, None, col)
            if allowed < 0:
                raise PricingError(source, "allowed amount is negative", column=col)
            entries.append(FeeScheduleEntry(
                code=_norm_code(code), modifier=mod.strip().upper(), allowed=allowed,
                effective_from=_date(spec.get("effective_from"), source, None, col) or d_from,
                effective_to=_date(spec.get("effective_to"), source, None, col) or d_to,
                label=spec.get("label")))
        payer_ids = s.get("payer_ids") or []
        if isinstance(payer_ids, str):
            payer_ids = [payer_ids]
        out.append(FeeSchedule(id=str(s["id"]), name=str(s.get("name") or s["id"]), entries=tuple(entries),
                               payer_ids=tuple(str(x) for x in payer_ids), source=source))
    return FeeScheduleBook(tuple(out))


def load_fee_schedules(path: str | Path) -> FeeScheduleBook:
    """CSV or YAML by extension."""
    p = Path(path)
    if p.suffix.lower() in {".yaml", ".yml"}:
        return load_fee_schedules_yaml(p)
    if p.suffix.lower() == ".csv":
        return load_fee_schedules_csv(p)
    raise PricingError(str(p), "fee schedule files are .csv, .yaml or .yml")


def fee_schedules_dir(data_dir: Path) -> Path:
    return data_dir / "fee_schedules"


def practice_fee_schedules(data_dir: Path, include_builtin: bool = True) -> FeeScheduleBook:
    """The built-in demo book overlaid with every schedule imported into ``data_dir/fee_schedules`` (files in
    name order; a later file's schedule replaces an earlier one with the same id)."""
    book = builtin_fee_schedules() if include_builtin else FeeScheduleBook(())
    folder = fee_schedules_dir(data_dir)
    if folder.is_dir():
        for p in sorted(folder.iterdir()):
            if p.suffix.lower() in {".csv", ".yaml", ".yml"}:
                book = book.merged(load_fee_schedules(p))
    return book


def builtin_fee_schedules() -> FeeScheduleBook:
    """Our demo book (written by us; amounts near the 2025 Medicare national rates for family-medicine
    codes): schedules ``medicare-demo``, ``medicaid-demo``, ``commercial-demo`` and the default ``self-pay``."""
    text = resources.files("chartclaim.data.billing").joinpath("fee_schedules_demo.yaml").read_text("utf-8")
    return _fee_schedules_from_yaml(text, "chartclaim:data/billing/fee_schedules_demo.yaml")


def builtin_labels() -> dict[str, str]:
    """Our plain-language labels for the demo code numbers (not AMA descriptors)."""
    labels: dict[str, str] = {}
    for s in builtin_fee_schedules():
        for e in s.entries:
            if e.label and e.code not in labels:
                labels[e.code] = e.label
    return labels


# --------------------------------------------------------------------------------------------------------------
# Medicare Physician Fee Schedule
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RvuRow:
    """One PPRRVU row (HCPCS + modifier)."""

    hcpcs: str
    modifier: str
    status: str
    work: Decimal
    pe_non_facility: Decimal
    pe_facility: Decimal
    mp: Decimal
    non_facility_na: bool = False
    facility_na: bool = False
    pctc: str = "9"
    global_days: str = "XXX"
    mult_proc: str = "9"
    bilateral: str = "9"
    assistant: str = "9"
    co_surgery: str = "9"
    team_surgery: str = "9"
    conversion_factor: Decimal | None = None
    not_used_for_medicare_payment: bool = False


@dataclass(frozen=True)
class Locality:
    """A Medicare payment locality: MAC contractor number + locality number, and its GPCIs."""

    mac: str
    locality: str
    state: str
    name: str
    work_gpci: Decimal
    pe_gpci: Decimal
    mp_gpci: Decimal
    anesthesia_cf: Decimal | None = None

    @property
    def key(self) -> str:
        return f"{self.mac}-{self.locality}"


NATIONAL = Locality(mac="00000", locality="00", state="US", name="NATIONAL (GPCI 1.000)",
                    work_gpci=Decimal(1), pe_gpci=Decimal(1), mp_gpci=Decimal(1))


@dataclass(frozen=True)
class MedicarePrice:
    """The priced service with every factor that went into it, so a biller can check it by hand."""

    code: str
    modifiers: tuple[str, ...]
    rvu_modifier: str  # the PPRRVU row used ("", "26", "TC", "53")
    locality: Locality
    place_of_service: str
    setting: Literal["facility", "non-facility"]
    status: str
    status_meaning: str
    payable: bool
    amount: Decimal | None  # participating fee-schedule amount after payment modifiers and units
    work_rvu: Decimal = Decimal(0)
    pe_rvu: Decimal = Decimal(0)
    mp_rvu: Decimal = Decimal(0)
    conversion_factor: Decimal = Decimal(0)
    unadjusted_amount: Decimal | None = None  # before payment-modifier percentages and units
    opps_cap: Decimal | None = None
    opps_capped: bool = False
    modifier_factor: Decimal = Decimal(1)
    units: Decimal = Decimal(1)
    notes: tuple[str, ...] = ()
    year: int | None = None
    rvu_row_mult: str = "9"  # the row's multiple-procedure indicator, for claim-level rules

    @property
    def non_participating_amount(self) -> Decimal | None:
        """Non-par providers are paid 95 % of the fee schedule amount."""
        return None if self.amount is None else round_cents(self.amount * Decimal("0.95"))

    @property
    def limiting_charge(self) -> Decimal | None:
        """What a non-par provider may bill the patient: 115 % of 95 % = 109.25 % of the amount."""
        return None if self.amount is None else round_cents(self.amount * Decimal("1.0925"))

    def as_json(self) -> dict[str, Any]:
        """Plain JSON-ready form (money as strings) for the API and the CLI."""
        def m(v: Decimal | None) -> str | None:
            return None if v is None else str(v)
        return {
            "code": self.code, "modifiers": list(self.modifiers), "year": self.year, "locality": self.locality.key,
            "locality_name": self.locality.name, "pos": self.place_of_service, "setting": self.setting,
            "status": self.status, "status_meaning": self.status_meaning, "payable": self.payable,
            "amount": m(self.amount), "unadjusted_amount": m(self.unadjusted_amount),
            "non_participating": m(self.non_participating_amount), "limiting_charge": m(self.limiting_charge),
            "work_rvu": str(self.work_rvu), "pe_rvu": str(self.pe_rvu), "mp_rvu": str(self.mp_rvu),
            "gpci": {"work": str(self.locality.work_gpci), "pe": str(self.locality.pe_gpci),
                     "mp": str(self.locality.mp_gpci)},
            "conversion_factor": str(self.conversion_factor), "opps_cap": m(self.opps_cap),
            "opps_capped": self.opps_capped, "modifier_factor": str(self.modifier_factor), "units": str(self.units),
            "notes": list(self.notes),
        }

    def explain(self) -> str:
        loc = self.locality
        mods = "-".join(self.modifiers)
        lines = [f"{self.code}{'-' + mods if mods else ''}  MPFS {self.year or ''}  locality {loc.key} "
                 f"{loc.name} ({loc.state})  POS {self.place_of_service} → {self.setting} rate",
                 f"status {self.status}: {self.status_meaning}"]
        if self.unadjusted_amount is not None:
            pe_kind = "facility" if self.setting == "facility" else "non-facility"
            w = self.work_rvu * loc.work_gpci
            pe = self.pe_rvu * loc.pe_gpci
            mp = self.mp_rvu * loc.mp_gpci
            lines += [
                f"  work RVU {self.work_rvu} × work GPCI {loc.work_gpci} = {w.normalize():f}",
                f"+ {pe_kind} PE RVU {self.pe_rvu} × PE GPCI {loc.pe_gpci} = {pe.normalize():f}",
                f"+ MP RVU {self.mp_rvu} × MP GPCI {loc.mp_gpci} = {mp.normalize():f}",
                f"= {(w + pe + mp).normalize():f} GPCI-adjusted RVUs × CF {self.conversion_factor}"
                f" = {((w + pe + mp) * self.conversion_factor).normalize():f} → ${self.unadjusted_amount}",
            ]
            if self.opps_cap is not None:
                lines.append(f"OPPS imaging cap ${self.opps_cap}" + (" applied" if self.opps_capped else
                                                                     " (not lower, not applied)"))
            if self.modifier_factor != 1:
                lines.append(f"payment modifier factor × {self.modifier_factor.normalize():f}")
            if self.units != 1:
                lines.append(f"units × {self.units.normalize():f}")
        for note in self.notes:
            lines.append(f"note: {note}")
        if self.amount is not None:
            lines.append(f"allowed (participating) ${self.amount}   non-par ${self.non_participating_amount}"
                         f"   limiting charge ${self.limiting_charge}")
        else:
            lines.append("not payable under the Medicare Physician Fee Schedule" if not self.payable
                         else "no fee-schedule amount")
        return "\n".join(lines)


@dataclass(frozen=True)
class MedicareFeeSchedule:
    """An imported MPFS year: RVU rows, localities with GPCIs, OPPS caps, the conversion factor."""

    year: int
    conversion_factor: Decimal
    rvus: Mapping[tuple[str, str], RvuRow]
    localities: tuple[Locality, ...]
    opps_caps: Mapping[tuple[str, str, str, str], tuple[Decimal, Decimal]] = field(default_factory=dict)
    anesthesia_cf_national: Decimal | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    source: str = ""

    def find_locality(self, spec: str) -> Locality:
        """``01112-05`` (MAC-locality), ``CA-18`` (state-locality), ``AL`` (a one-locality state), a locality
        name (``MANHATTAN``), or ``national`` (all GPCIs 1.000)."""
        s = spec.strip().upper()
        if s in {"NATIONAL", "US", "00000-00"}:
            return NATIONAL
        m = re.fullmatch(r"(\d{4,5})[-:/ ](\d{1,2})", s)
        if m:
            mac, loc = m.group(1).zfill(5), m.group(2).zfill(2)
            hits = [x for x in self.localities if x.mac == mac and x.locality == loc]
        elif (m := re.fullmatch(r"([A-Z]{2})[-:/ ](\d{1,2})", s)):
            hits = [x for x in self.localities if x.state == m.group(1) and x.locality == m.group(2).zfill(2)]
        elif re.fullmatch(r"[A-Z]{2}", s):
            hits = [x for x in self.localities if x.state == s]
        else:
            hits = [x for x in self.localities if x.name == s] or [x for x in self.localities if s in x.name]
        if len(hits) == 1:
            return hits[0]
        if not hits:
            raise PricingError(f"MPFS {self.year}", f"no Medicare locality matches {spec!r}")
        listing = ", ".join(f"{x.key} {x.name}" for x in hits[:12])
        raise PricingError(f"MPFS {self.year}", f"{spec!r} matches {len(hits)} localities ({listing}); "
                                                "give MAC-locality")

    def row(self, code: str, modifier: str = "") -> RvuRow | None:
        return self.rvus.get((_norm_code(code), modifier))

    def price(self, code: str, modifiers: str | Iterable[str] | None = (), locality: str | Locality = "national",
              pos: str | None = "11", units: Decimal | int = 1) -> MedicarePrice:
        """Price one service. Never raises for a code Medicare does not pay: the answer says why instead."""
        code = _norm_code(code)
        mods = _norm_mods(modifiers)
        loc = locality if isinstance(locality, Locality) else self.find_locality(locality)
        pos_code = (pos or "11").strip().zfill(2)
        setting: Literal["facility", "non-facility"] = "facility" if pos_code in FACILITY_POS else "non-facility"
        notes: list[str] = []

        # A row of its own for 26/TC/53 wins; otherwise the global row.
        row = next((r for m in mods if (r := self.rvus.get((code, m))) is not None), None)
        base = self.rvus.get((code, ""))
        if row is None:
            row = base
            for m in mods:
                # PC/TC indicator 1 takes 26 and TC; 6 and 8 take 26 only (RVU documentation, Attachment A).
                allowed_with = {"1": {"26", "TC"}, "6": {"26"}, "8": {"26"}}.get(base.pctc, set()) if base else set()
                if m in {"26", "TC"} and base is not None and m not in allowed_with:
                    return self._unpayable(code, mods, loc, pos_code, setting, base,
                                           f"modifier {m} is not valid with PC/TC indicator {base.pctc}")
        common: dict[str, Any] = dict(code=code, modifiers=mods, locality=loc, place_of_service=pos_code,
                                      setting=setting, year=self.year)
        if row is None:
            return MedicarePrice(**common, rvu_modifier="", status="?", payable=False, amount=None,
                                 status_meaning="not on the Medicare Physician Fee Schedule file",
                                 notes=("code not found in the PPRRVU file; check the code or another fee "
                                        "schedule (lab, DME, ASP drug pricing)",))
        status = row.status
        meaning = STATUS_MEANING.get(status, f"status {status}")
        cf = row.conversion_factor or self.conversion_factor
        if status == "J":
            anes = loc.anesthesia_cf or self.anesthesia_cf_national
            notes.append(f"anesthesia conversion factor for this locality: ${anes}; base units are not in the "
                         "RVU file — price as (base + time units) × CF")
        if status == "C":
            cap = self._opps_cap(code, row.modifier, loc, setting)
            if cap is not None:
                notes.append(f"carrier priced; the MAC's price may not exceed the OPPS cap ${cap}")
        if status not in PAYABLE_STATUS:
            return self._unpayable(code, mods, loc, pos_code, setting, row, None, tuple(notes))
        if status == "T":
            notes.append("paid only when no other fee-schedule service is billed the same day")
        if status == "R":
            notes.append("restricted coverage: covered only in unusual circumstances")
        if setting == "non-facility" and row.non_facility_na:
            notes.append("NA: CMS says this service is rarely or never done outside a facility; "
                         "the PE shown is the one CMS publishes for the setting")
        if setting == "facility" and row.facility_na:
            notes.append("NA: CMS says this service is rarely or never done in a facility setting "
                         "(a hospital bills the technical component)")

        pe = row.pe_facility if setting == "facility" else row.pe_non_facility
        raw = (row.work * loc.work_gpci + pe * loc.pe_gpci + row.mp * loc.mp_gpci) * cf
        unadjusted = round_cents(raw)
        amount = unadjusted
        cap = self._opps_cap(code, row.modifier, loc, setting)
        capped = cap is not None and cap < amount
        if capped and cap is not None:
            amount = cap

        factor = Decimal(1)
        payable = True
        for m in mods:
            f, note, ok = _modifier_adjustment(m, row)
            factor *= f
            if note:
                notes.append(note)
            payable = payable and ok
        u = Decimal(units)
        final = round_cents(amount * factor * u) if payable else None
        return MedicarePrice(**common, rvu_modifier=row.modifier, status=status, status_meaning=meaning,
                             payable=payable, amount=final, work_rvu=row.work, pe_rvu=pe, mp_rvu=row.mp,
                             conversion_factor=cf, unadjusted_amount=unadjusted, opps_cap=cap, opps_capped=capped,
                             modifier_factor=factor, units=u, notes=tuple(notes), rvu_row_mult=row.mult_proc)

    def anesthesia_amount(self, base_units: Decimal | int, minutes: int, locality: str | Locality = "national"
                          ) -> Decimal:
        """(base units + time units) × the locality's anesthesia conversion factor; time units are minutes / 15
        to one decimal (Claims Processing Manual ch. 12 §50). Base units come from the ASA/CMS base-unit file,
        which is not part of the RVU package."""
        loc = locality if isinstance(locality, Locality) else self.find_locality(locality)
        cf = loc.anesthesia_cf or self.anesthesia_cf_national
        if cf is None:
            raise PricingError(f"MPFS {self.year}", "no anesthesia conversion factor imported (ANES file)")
        if minutes < 0:
            raise PricingError(f"MPFS {self.year}", "anesthesia minutes cannot be negative")
        time_units = (Decimal(minutes) / 15).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return round_cents((Decimal(base_units) + time_units) * cf)

    def price_lines(self, services: Sequence[tuple[str, Sequence[str], Decimal | int, Decimal | None]],
                    locality: str | Locality = "national", pos: str | None = "11") -> list[MedicarePrice]:
        """Price one provider's services for one patient on one date together: the multiple-procedure
        rules by the row's indicator, each unit counting as a procedure, then the lower of charge and fee.
        ``services``: (code, modifiers, units, charge or None).

        * 2 and 3 (surgery; endoscopy is treated as standard surgery here — the endoscopic base rule is not
          applied): 100 % for the highest-valued unit, 50 % for every other.
        * 4 (diagnostic imaging): technical component 100 % for the highest, 50 % for the others; professional
          component 100 % / 95 %. A global code is split into its 26 and TC amounts.
        * 5 (therapy): practice expense 100 % for the unit with the highest PE payment, 50 % for all others.
        * 6 (diagnostic cardiovascular) and 7 (diagnostic ophthalmology): technical component of all but the
          highest 75 % and 80 %.
        """
        loc = locality if isinstance(locality, Locality) else self.find_locality(locality)
        prices = [self.price(code, mods, loc, pos, units) for code, mods, units, _ in services]
        pairs = self._bilateral_pairs(prices)
        for a, b in pairs.items():
            if a < b:
                prices[a], prices[b] = self._bilateral(prices[a]), self._bilateral(prices[b])
        new_amount: dict[int, Decimal] = {}
        notes: dict[int, list[str]] = {i: [] for i in range(len(prices))}
        groups = {"2": "surgery", "3": "surgery", "4": "imaging", "5": "therapy", "6": "cardiology",
                  "7": "ophthalmology"}
        for group in ("surgery", "imaging", "therapy", "cardiology", "ophthalmology"):
            idx = [i for i, p in enumerate(prices) if p.amount is not None and p.units > 0
                   and groups.get(p.rvu_row_mult) == group]
            units = sum((prices[i].units for i in idx), Decimal(0))
            if units <= 1:
                continue
            if group == "surgery":
                parts = {i: (prices[i].amount / prices[i].units, Decimal(0)) for i in idx}  # type: ignore[operator]
                factors = (Decimal("0.5"), Decimal(1))
            elif group == "therapy":
                parts = {}
                for i in idx:
                    p = prices[i]
                    pe = p.pe_rvu * loc.pe_gpci * p.conversion_factor * p.modifier_factor
                    parts[i] = (pe, p.amount / p.units - pe)  # type: ignore[operator]
                factors = (Decimal("0.5"), Decimal(1))
            else:
                parts = {i: self._tc_pc_per_unit(prices[i], loc, pos) for i in idx}
                factors = {"imaging": (Decimal("0.5"), Decimal("0.95")), "cardiology": (Decimal("0.75"), Decimal(1)),
                           "ophthalmology": (Decimal("0.8"), Decimal(1))}[group]
            # Each unit is a procedure (a fractional unit a fraction of one); an RT/LT pair of a surgical code
            # is one bilateral procedure. The reduced part ranks slots; the other part (PC for imaging) ranks
            # on its own.
            totals = {i: [Decimal(0), Decimal(0)] for i in idx}
            for k in (0, 1):
                slots: list[list[tuple[int, Decimal]]] = []
                for i in idx:
                    partner = pairs.get(i)
                    if group == "surgery" and partner is not None and partner in idx:
                        if i < partner:
                            slots.append([(i, parts[i][k]), (partner, parts[partner][k])])
                        continue
                    whole, frac = divmod(prices[i].units, 1)
                    slots += [[(i, parts[i][k])] for _ in range(int(whole))]
                    if frac:
                        slots.append([(i, parts[i][k] * frac)])
                slots.sort(key=lambda members: sum((v for _, v in members), Decimal(0)), reverse=True)
                for rank, members in enumerate(slots):
                    for i, value in members:
                        totals[i][k] += value if rank == 0 else value * factors[k]
            for i in idx:
                reduced = round_cents(totals[i][0] + totals[i][1])
                if reduced != prices[i].amount:
                    new_amount[i] = reduced
                    notes[i].append({
                        "surgery": "multiple procedure (modifier 51): 100 % for the highest, 50 % for the rest",
                        "imaging": "imaging multiple-procedure reduction: TC 50 %, PC 95 % after the first",
                        "therapy": "therapy multiple-procedure reduction: PE 50 % after the first unit",
                        "cardiology": "cardiovascular multiple-procedure reduction: TC 75 % after the first",
                        "ophthalmology": "ophthalmology multiple-procedure reduction: TC 80 % after the first",
                    }[group])
        out = []
        for i, p in enumerate(prices):
            final = new_amount.get(i, p.amount)
            charge = services[i][3]
            if charge is not None and final is not None and charge < final:
                final = round_cents(charge)
                notes[i].append("paid at the billed charge (lower than the fee schedule)")
            out.append(replace(p, amount=final, notes=(*p.notes, *notes[i])) if notes[i] else p)
        return out

    @staticmethod
    def _bilateral_pairs(prices: Sequence[MedicarePrice]) -> dict[int, int]:
        """Lines of the same code, one RT and one LT (neither with 50), paired both ways."""
        pairs: dict[int, int] = {}
        lefts = [i for i, p in enumerate(prices) if "LT" in p.modifiers and "RT" not in p.modifiers
                 and "50" not in p.modifiers and p.amount is not None and p.units == 1]
        for i, p in enumerate(prices):
            if "RT" in p.modifiers and "LT" not in p.modifiers and "50" not in p.modifiers and p.amount is not None \
                    and p.units == 1:
                j = next((k for k in lefts if k not in pairs and prices[k].code == p.code), None)
                if j is not None:
                    pairs[i], pairs[j] = j, i
        return pairs

    def _bilateral(self, p: MedicarePrice) -> MedicarePrice:
        """One side of an RT/LT pair, by the row's bilateral indicator: 1 → 150 % for both sides (75 % each),
        0 and 2 → 100 % for both (50 % each), 3 → 100 % each."""
        row = self.rvus.get((p.code, p.rvu_modifier))
        ind = row.bilateral if row is not None else "9"
        factor = {"1": Decimal("0.75"), "0": Decimal("0.5"), "2": Decimal("0.5"), "3": Decimal(1)}.get(ind)
        if factor is None or p.amount is None:
            return p
        return replace(p, amount=round_cents(p.amount * factor), modifier_factor=p.modifier_factor * factor,
                       notes=(*p.notes, f"bilateral RT/LT pair, indicator {ind}: this side at {factor * 100:.0f} %"))

    def _tc_pc_per_unit(self, p: MedicarePrice, loc: Locality, pos: str | None) -> tuple[Decimal, Decimal]:
        """(technical, professional) amount of one unit; a global service split by its TC and 26 rows."""
        assert p.amount is not None
        per_unit = p.amount / p.units
        if p.rvu_modifier == "TC":
            return per_unit, Decimal(0)
        if p.rvu_modifier == "26":
            return Decimal(0), per_unit
        others = tuple(m for m in p.modifiers if m not in {"26", "TC"})
        tc = self.price(p.code, ("TC", *others), loc, pos)
        pc = self.price(p.code, ("26", *others), loc, pos)
        if tc.amount is None or pc.amount is None or tc.rvu_modifier != "TC" or pc.rvu_modifier != "26":
            return per_unit, Decimal(0)  # a global-only test (PC/TC indicator 4): all of it is technical
        return tc.amount, pc.amount

    def _opps_cap(self, code: str, mod: str, loc: Locality, setting: str) -> Decimal | None:
        caps = self.opps_caps.get((code, mod, loc.mac, loc.locality))
        if caps is None:
            return None
        return caps[0] if setting == "facility" else caps[1]

    def _unpayable(self, code: str, mods: tuple[str, ...], loc: Locality, pos: str,
                   setting: Literal["facility", "non-facility"], row: RvuRow, why: str | None,
                   notes: tuple[str, ...] = ()) -> MedicarePrice:
        return MedicarePrice(code=code, modifiers=mods, rvu_modifier=row.modifier, locality=loc,
                             place_of_service=pos, setting=setting, status=row.status,
                             status_meaning=STATUS_MEANING.get(row.status, row.status), payable=False,
                             amount=None, work_rvu=row.work, mp_rvu=row.mp,
                             pe_rvu=row.pe_facility if setting == "facility" else row.pe_non_facility,
                             conversion_factor=row.conversion_factor or self.conversion_factor,
                             notes=((why,) if why else ()) + notes, year=self.year)


def _modifier_adjustment(mod: str, row: RvuRow) -> tuple[Decimal, str | None, bool]:
    """(factor, note, payable) for a payment modifier, from the row's policy indicators."""
    if mod == "50":
        if row.bilateral == "1":
            return Decimal("1.5"), "bilateral (50): 150 % of the fee schedule amount", True
        if row.bilateral == "3":
            return Decimal(2), "bilateral (50), indicator 3: each side at 100 %", True
        if row.bilateral == "2":
            return Decimal(1), "bilateral (50), indicator 2: code is already bilateral, paid at 100 %", True
        return Decimal(1), f"modifier 50 with bilateral indicator {row.bilateral}: no 150 % adjustment", True
    if mod in ASSISTANT_MODIFIERS:
        if row.assistant == "2":
            if mod == "AS":
                return Decimal("0.136"), "assistant at surgery by a non-physician (AS): 85 % of 16 %", True
            return Decimal("0.16"), f"assistant at surgery ({mod}): 16 % of the fee schedule amount", True
        why = {"0": "payment restriction unless documentation shows medical necessity",
               "1": "statutory payment restriction: assistant never paid"}.get(row.assistant, "concept n/a")
        return Decimal(0), f"assistant at surgery ({mod}), indicator {row.assistant}: {why}", row.assistant == "0"
    if mod == "62":
        if row.co_surgery in {"1", "2"}:
            return Decimal("0.625"), "co-surgeon (62): 62.5 % of the fee schedule amount each", True
        return Decimal(0), f"co-surgeon (62) not permitted (indicator {row.co_surgery})", False
    if mod == "66":
        return Decimal(1), "team surgery (66): carrier priced", False
    return Decimal(1), None, True


# --- import ---------------------------------------------------------------------------------------------------

_PPRRVU_COLUMNS = (
    "hcpcs", "modifier", "status_code", "not_used_for_medicare_payment", "work_rvu", "non_facility_pe_rvu",
    "non_facility_na_indicator", "facility_pe_rvu", "facility_na_indicator", "mp_rvu", "non_facility_total",
    "facility_total", "pctc_indicator", "global_days", "pre_op", "intra_op", "post_op", "mult_proc",
    "bilat_surg", "asst_surg", "co_surg", "team_surg", "endo_base", "conversion_factor",
)
_CODE_RE = re.compile(r"^[0-9A-Z]{4}[0-9A-Z]$")


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", errors="replace")
    return open(path, encoding="utf-8-sig", errors="replace")


def _find(folder: Path, pattern: str, what: str, required: bool = True) -> Path | None:
    hits = sorted(p for p in folder.iterdir() if re.search(pattern, p.name, re.I) and
                  p.suffix.lower() in {".csv", ".gz"})
    if not hits:
        if required:
            raise PricingError(str(folder), f"no {what} file (looked for names matching {pattern})")
        return None
    return hits[-1]


def read_pprrvu(path: Path) -> tuple[dict[tuple[str, str], RvuRow], Decimal | None]:
    """Rows by (HCPCS, modifier) and the conversion factor. Accepts the CMS CSV (with DESCRIPTION column and
    its multi-line heading) or the same without descriptors and with a one-line header."""
    rows: dict[tuple[str, str], RvuRow] = {}
    cfs: set[Decimal] = set()
    src = str(path)
    with _open_text(path) as fh:
        for n, rec in enumerate(csv.reader(fh), start=1):
            if not rec or not _CODE_RE.match(rec[0].strip().upper()) or rec[0].strip().upper() == "HCPCS":
                continue  # headings, footnotes, blank lines
            rec = [c.strip() for c in rec]
            if len(rec) >= 31:
                # The CMS file has 31 columns: the third is the (AMA-licensed) DESCRIPTION, never kept.
                # The descriptor-free copy has 30.
                del rec[2]
            if len(rec) < len(_PPRRVU_COLUMNS):
                raise PricingError(src, f"{len(rec)} columns, need {len(_PPRRVU_COLUMNS)}", n)
            r = dict(zip(_PPRRVU_COLUMNS, rec, strict=False))
            cf = _dec(r["conversion_factor"], src, n, "conversion_factor") if r["conversion_factor"] else None
            if cf:
                cfs.add(cf)
            row = RvuRow(
                hcpcs=r["hcpcs"].upper(), modifier=r["modifier"].upper(), status=r["status_code"].upper(),
                work=_dec(r["work_rvu"], src, n, "work_rvu"),
                pe_non_facility=_dec(r["non_facility_pe_rvu"], src, n, "non_facility_pe_rvu"),
                pe_facility=_dec(r["facility_pe_rvu"], src, n, "facility_pe_rvu"),
                mp=_dec(r["mp_rvu"], src, n, "mp_rvu"),
                non_facility_na=r["non_facility_na_indicator"].upper() == "NA",
                facility_na=r["facility_na_indicator"].upper() == "NA",
                pctc=r["pctc_indicator"] or "9", global_days=r["global_days"] or "XXX",
                mult_proc=r["mult_proc"] or "9", bilateral=r["bilat_surg"] or "9",
                assistant=r["asst_surg"] or "9", co_surgery=r["co_surg"] or "9", team_surgery=r["team_surg"] or "9",
                conversion_factor=cf, not_used_for_medicare_payment=bool(r["not_used_for_medicare_payment"]))
            rows[(row.hcpcs, row.modifier)] = row
    if not rows:
        raise PricingError(src, "no RVU rows found")
    return rows, (max(cfs) if len(cfs) == 1 else None)


def _header_index(header: list[str], *needles: str) -> int | None:
    for i, h in enumerate(header):
        hn = h.upper()
        if all(nd in hn for nd in needles):
            return i
    return None


def read_gpci(path: Path) -> list[Locality]:
    """Addendum E: MAC, state, locality number, locality name, PW/PE/MP GPCI; columns found by heading."""
    src = str(path)
    out: list[Locality] = []
    header: list[str] | None = None
    with _open_text(path) as fh:
        for n, rec in enumerate(csv.reader(fh), start=1):
            if header is None:
                if any("LOCALITY" in c.upper() and "NUMBER" in c.upper() for c in rec):
                    header = rec
                continue
            mac_col = _header_index(header, "CONTRACTOR")
            cols = {"mac": mac_col if mac_col is not None else _header_index(header, "MAC"),
                    "state": _header_index(header, "STATE"), "loc": _header_index(header, "LOCALITY", "NUMBER"),
                    "name": _header_index(header, "LOCALITY", "NAME"), "pw": _header_index(header, "PW GPCI"),
                    "pe": _header_index(header, "PE GPCI"), "mp": _header_index(header, "MP GPCI")}
            if any(v is None for v in cols.values()):
                raise PricingError(src, f"GPCI heading lacks a column: {cols}", n)
            if len(rec) <= max(v for v in cols.values() if v is not None) or not rec[cols["mac"] or 0].strip().isdigit():
                continue  # footnotes
            def g(k: str, rec: list[str] = rec, cols: dict[str, int | None] = cols) -> str:
                return rec[cols[k] or 0].strip()
            out.append(Locality(mac=g("mac").zfill(5), locality=g("loc").zfill(2), state=g("state").upper(),
                                name=g("name").rstrip("*").strip().upper(),
                                work_gpci=_dec(g("pw"), src, n, "PW GPCI"), pe_gpci=_dec(g("pe"), src, n, "PE GPCI"),
                                mp_gpci=_dec(g("mp"), src, n, "MP GPCI")))
    if not out:
        raise PricingError(src, "no GPCI rows found (heading with 'Locality Number' missing?)")
    return out


def read_anesthesia_cf(path: Path) -> tuple[dict[tuple[str, str], Decimal], Decimal | None]:
    src = str(path)
    out: dict[tuple[str, str], Decimal] = {}
    national: Decimal | None = None
    with _open_text(path) as fh:
        for n, rec in enumerate(csv.reader(fh), start=1):
            joined = ",".join(rec)
            m = re.search(r"National Anes CF of\s*([0-9.]+)", joined, re.I)
            if m:
                national = Decimal(m.group(1))
                continue
            if len(rec) >= 4 and rec[0].strip().isdigit() and rec[1].strip().isdigit():
                out[(rec[0].strip().zfill(5), rec[1].strip().zfill(2))] = _dec(rec[3], src, n, "anesthesia CF")
    return out, national


def read_opps_caps(path: Path) -> dict[tuple[str, str, str, str], tuple[Decimal, Decimal]]:
    """OPPSCAP: the payment after the OPPS imaging cap, by HCPCS/modifier/MAC/locality (facility, non-facility)."""
    src = str(path)
    out: dict[tuple[str, str, str, str], tuple[Decimal, Decimal]] = {}
    with _open_text(path) as fh:
        for n, rec in enumerate(csv.reader(fh), start=1):
            if len(rec) < 7 or not _CODE_RE.match(rec[0].strip().upper()) or rec[0].strip().upper() == "HCPCS":
                continue
            out[(rec[0].strip().upper(), rec[1].strip().upper(), rec[3].strip().zfill(5), rec[4].strip().zfill(2))] = (
                _dec(rec[5], src, n, "FACILITY PRICE"), _dec(rec[6], src, n, "NON-FACILITY PRICE"))
    return out


def read_mpfs_folder(folder: str | Path, year: int | None = None, effective_from: dt.date | None = None,
                     effective_to: dt.date | None = None) -> MedicareFeeSchedule:
    """Read the CMS RVU package (PPRRVU, GPCI, ANES, OPPSCAP) from a folder."""
    d = Path(folder)
    if not d.is_dir():
        raise PricingError(str(d), "not a folder")
    pprrvu = _find(d, r"pprrvu", "PPRRVU")
    gpci = _find(d, r"^gpci", "GPCI")
    anes = _find(d, r"^anes", "anesthesia CF", required=False)
    opps = _find(d, r"oppscap", "OPPSCAP", required=False)
    assert pprrvu is not None and gpci is not None
    rvus, cf = read_pprrvu(pprrvu)
    if cf is None:
        raise PricingError(str(pprrvu), "conversion factor column is missing or not one value")
    anes_cfs, anes_national = read_anesthesia_cf(anes) if anes else ({}, None)
    localities = tuple(replace(loc, anesthesia_cf=anes_cfs.get((loc.mac, loc.locality)))
                       for loc in read_gpci(gpci))
    if year is None:
        m = re.search(r"(20\d\d)", pprrvu.name) or re.search(r"(20\d\d)", gpci.name)
        if not m:
            raise PricingError(str(pprrvu), "cannot tell the year from the file name; pass --year")
        year = int(m.group(1))
    digest = hashlib.sha256(pprrvu.read_bytes()).hexdigest()[:16]
    return MedicareFeeSchedule(
        year=year, conversion_factor=cf, rvus=rvus, localities=localities,
        opps_caps=read_opps_caps(opps) if opps else {}, anesthesia_cf_national=anes_national,
        effective_from=effective_from or dt.date(year, 1, 1), effective_to=effective_to or dt.date(year, 12, 31),
        source=f"{pprrvu.name} sha256:{digest}")


# --- compact store --------------------------------------------------------------------------------------------


def mpfs_store_dir(data_dir: Path) -> Path:
    return data_dir / "mpfs"


def save_mpfs(fs: MedicareFeeSchedule, data_dir: Path) -> Path:
    """Write ``mpfs/mpfs-YEAR.json.gz`` atomically (a half-written store is never left behind)."""
    out_dir = mpfs_store_dir(data_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    s = str
    doc = {
        "format": 1, "year": fs.year, "conversion_factor": s(fs.conversion_factor),
        "anesthesia_cf_national": s(fs.anesthesia_cf_national) if fs.anesthesia_cf_national else None,
        "effective_from": fs.effective_from.isoformat() if fs.effective_from else None,
        "effective_to": fs.effective_to.isoformat() if fs.effective_to else None, "source": fs.source,
        "rvus": [[r.hcpcs, r.modifier, r.status, s(r.work), s(r.pe_non_facility), s(r.pe_facility), s(r.mp),
                  int(r.non_facility_na), int(r.facility_na), r.pctc, r.global_days, r.mult_proc, r.bilateral,
                  r.assistant, r.co_surgery, r.team_surgery,
                  s(r.conversion_factor) if r.conversion_factor else "", int(r.not_used_for_medicare_payment)]
                 for r in fs.rvus.values()],
        "localities": [[x.mac, x.locality, x.state, x.name, s(x.work_gpci), s(x.pe_gpci), s(x.mp_gpci),
                        s(x.anesthesia_cf) if x.anesthesia_cf else ""] for x in fs.localities],
        "opps_caps": [[*k, s(v[0]), s(v[1])] for k, v in fs.opps_caps.items()],
    }
    target = out_dir / f"mpfs-{fs.year}.json.gz"
    tmp = target.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as fh:
        json.dump(doc, fh, separators=(",", ":"))
    tmp.replace(target)
    return target


def load_mpfs_file(path: Path) -> MedicareFeeSchedule:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, json.JSONDecodeError) as exc:
        raise PricingError(str(path), f"unreadable MPFS store: {exc}") from None
    D = Decimal
    rvus = {}
    for r in doc["rvus"]:
        row = RvuRow(hcpcs=r[0], modifier=r[1], status=r[2], work=D(r[3]), pe_non_facility=D(r[4]),
                     pe_facility=D(r[5]), mp=D(r[6]), non_facility_na=bool(r[7]), facility_na=bool(r[8]),
                     pctc=r[9], global_days=r[10], mult_proc=r[11], bilateral=r[12], assistant=r[13],
                     co_surgery=r[14], team_surgery=r[15], conversion_factor=D(r[16]) if r[16] else None,
                     not_used_for_medicare_payment=bool(r[17]))
        rvus[(row.hcpcs, row.modifier)] = row
    locs = tuple(Locality(mac=x[0], locality=x[1], state=x[2], name=x[3], work_gpci=D(x[4]), pe_gpci=D(x[5]),
                          mp_gpci=D(x[6]), anesthesia_cf=D(x[7]) if x[7] else None) for x in doc["localities"])
    caps = {(c[0], c[1], c[2], c[3]): (D(c[4]), D(c[5])) for c in doc["opps_caps"]}
    return MedicareFeeSchedule(
        year=int(doc["year"]), conversion_factor=D(doc["conversion_factor"]), rvus=rvus, localities=locs,
        opps_caps=caps, anesthesia_cf_national=D(doc["anesthesia_cf_national"]) if doc["anesthesia_cf_national"] else None,
        effective_from=dt.date.fromisoformat(doc["effective_from"]) if doc["effective_from"] else None,
        effective_to=dt.date.fromisoformat(doc["effective_to"]) if doc["effective_to"] else None,
        source=doc.get("source", str(path)))


def import_mpfs(folder: str | Path, data_dir: Path, year: int | None = None,
                effective_from: dt.date | None = None, effective_to: dt.date | None = None
                ) -> tuple[MedicareFeeSchedule, Path]:
    fs = read_mpfs_folder(folder, year, effective_from, effective_to)
    return fs, save_mpfs(fs, data_dir)


def available_mpfs_years(data_dir: Path) -> list[int]:
    d = mpfs_store_dir(data_dir)
    if not d.is_dir():
        return []
    return sorted(int(m.group(1)) for p in d.glob("mpfs-*.json.gz") if (m := re.match(r"mpfs-(\d{4})", p.name)))


@lru_cache(maxsize=4)
def _load_cached(path: Path, mtime: float) -> MedicareFeeSchedule:
    return load_mpfs_file(path)


def load_mpfs(data_dir: Path, on: dt.date | None = None) -> MedicareFeeSchedule:
    """The imported MPFS in effect on a date of service; without a date, the latest imported. A date no
    imported year covers is an error — pricing 2026 services on 2025 RVUs would be silently wrong."""
    years = available_mpfs_years(data_dir)
    store = mpfs_store_dir(data_dir)
    if not years:
        raise PricingError(str(store), "no Medicare fee schedule imported; run `chartclaim fees import mpfs PATH`")
    if on is not None and on.year not in years:
        raise PricingError(str(store), f"no Medicare fee schedule for {on.year} imported (have "
                                       f"{', '.join(map(str, years))})")
    path = store / f"mpfs-{on.year if on is not None else years[-1]}.json.gz"
    return _load_cached(path, path.stat().st_mtime)


# --------------------------------------------------------------------------------------------------------------
# Charge master
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChargeMaster:
    """The practice's standard charges (one price for every payer, as the law expects), by code(+modifier)."""

    charges: Mapping[tuple[str, str], Decimal]
    name: str = "standard charges"

    def charge(self, code: str, modifiers: str | Iterable[str] | None = (), units: Decimal | int = 1
               ) -> Decimal | None:
        code = _norm_code(code)
        for mod in (*_norm_mods(modifiers), ""):
            amt = self.charges.get((code, mod))
            if amt is not None:
                return round_cents(amt * Decimal(units))
        return None

    @classmethod
    def from_schedule(cls, schedule: FeeSchedule, multiplier: Decimal | str = "2",
                      round_up_to: Decimal | str = "1", name: str | None = None,
                      on: dt.date | None = None) -> ChargeMaster:
        """Charges at ``multiplier`` × a reference schedule (usually Medicare), rounded UP to ``round_up_to``
        dollars — practices keep round numbers, and a charge below the allowed amount leaves money behind."""
        m, step = Decimal(str(multiplier)), Decimal(str(round_up_to))
        out: dict[tuple[str, str], Decimal] = {}
        for e in schedule.entries:
            if e.in_effect(on) and (e.code, e.modifier) not in out:
                out[(e.code, e.modifier)] = standard_charge(e.allowed, m, step)
        return cls(out, name or f"{m} × {schedule.name}")

    @classmethod
    def from_medicare(cls, mpfs: MedicareFeeSchedule, codes: Iterable[str | tuple[str, str]],
                      locality: str | Locality = "national", multiplier: Decimal | str = "2",
                      round_up_to: Decimal | str = "1") -> ChargeMaster:
        """Charges at ``multiplier`` × the Medicare non-facility amount for the practice's locality."""
        m, step = Decimal(str(multiplier)), Decimal(str(round_up_to))
        out: dict[tuple[str, str], Decimal] = {}
        for item in codes:
            code, mod = (item, "") if isinstance(item, str) else item
            p = mpfs.price(code, (mod,) if mod else (), locality, "11")
            if p.amount is not None:
                out[(_norm_code(code), mod)] = standard_charge(p.amount, m, step)
        return cls(out, f"{m} × Medicare {mpfs.year}")


def standard_charge(reference: Decimal, multiplier: Decimal | str = "2", round_up_to: Decimal | str = "1"
                    ) -> Decimal:
    step = Decimal(str(round_up_to))
    raw = reference * Decimal(str(multiplier))
    if step <= 0:
        return round_cents(raw)
    return round_cents((raw / step).to_integral_value(rounding=ROUND_CEILING) * step)


def expected_allowed(book: FeeScheduleBook, payer_id: str, code: str, modifiers: Iterable[str] = (),
                     units: Decimal | int = 1, charge: Decimal | None = None, on: dt.date | None = None
                     ) -> Decimal | None:
    """What the payer's contract should allow for a line: the fee × units, or the charge when lower (payers
    pay the lesser of the two). None when the schedule has no amount for the code."""
    fee = book.allowed(payer_id, code, tuple(modifiers), on, units)
    if fee is None:
        return None
    return min(fee, round_cents(charge)) if charge is not None else fee


def underpayment(expected: Decimal, paid: Decimal, patient_responsibility: Decimal = Decimal(0),
                 tolerance: Decimal = CENT) -> Decimal:
    """Shortfall of the payer's allowed amount (paid + patient responsibility) against the contract; zero when
    within ``tolerance``. A positive result belongs on the underpayment work list."""
    short = expected - (paid + patient_responsibility)
    return short if short > tolerance else Decimal(0)


def builtin_charge_master(multiplier: Decimal | str = "2") -> ChargeMaster:
    """The demo practice's charges: ``multiplier`` × our demo reference amounts (Medicare national where priced)."""
    return ChargeMaster.from_schedule(builtin_fee_schedules().get("reference-demo"), multiplier,
                                      name=f"demo charge master ({multiplier} × Medicare)")


__all__ = [
    "FACILITY_POS",
    "NATIONAL",
    "STATUS_MEANING",
    "ChargeMaster",
    "FeeSchedule",
    "FeeScheduleBook",
    "FeeScheduleEntry",
    "Locality",
    "MedicareFeeSchedule",
    "MedicarePrice",
    "PricingError",
    "RvuRow",
    "available_mpfs_years",
    "builtin_charge_master",
    "builtin_fee_schedules",
    "builtin_labels",
    "expected_allowed",
    "fee_schedules_dir",
    "import_mpfs",
    "load_fee_schedules",
    "load_fee_schedules_csv",
    "load_fee_schedules_yaml",
    "load_mpfs",
    "load_mpfs_file",
    "practice_fee_schedules",
    "read_mpfs_folder",
    "round_cents",
    "save_mpfs",
    "standard_charge",
    "underpayment",
]
