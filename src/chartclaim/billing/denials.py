"""Denials: read a remittance's group code + CARC + RARCs the way an experienced biller does.

``explain_denial("CO", "97", ["M15"])`` answers: which work queue (category), is it a denial at all
(CO-45 and PR-1/2/3 are normal adjustments), who is liable (provider write-off or patient bill), the next
step in plain words, which code decided that, and whether an appeal or a corrected claim is the remedy.

The mapping is our own data (``chartclaim/data/billing/denial_map.yaml``). The official X12/CMS code texts are
not shipped; pass ``describe`` (for example ``codesets_describer()``, over the code sets the user imported)
to quote them in reasons and appeal letters.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol

Liability = Literal["provider", "patient", "none"]

DENIAL_CATEGORIES: Mapping[str, str] = {
    "eligibility": "Eligibility / coverage",
    "authorization": "Authorization / referral",
    "coding": "Coding",
    "medical_necessity": "Medical necessity",
    "bundling": "Bundling / NCCI",
    "timely_filing": "Timely filing",
    "duplicate": "Duplicate",
    "missing_information": "Missing information",
    "non_covered": "Non-covered service",
    "coordination_of_benefits": "Coordination of benefits",
    "provider_eligibility": "Provider enrolment / credentialing",
    "benefit_limit": "Benefit limit reached",
    "other": "Other",
}
NON_DENIAL_CATEGORIES: Mapping[str, str] = {
    "contractual": "Contractual adjustment",
    "patient_responsibility": "Patient responsibility",
    "prior_payer": "Prior payer adjudication",
    "informational": "Informational",
}
CATEGORY_LABELS: Mapping[str, str] = {**DENIAL_CATEGORIES, **NON_DENIAL_CATEGORIES}

GROUP_LABELS: Mapping[str, str] = {
    "CO": "contractual obligation — the provider absorbs it unless it is overturned",
    "PR": "patient responsibility — may be billed to the patient",
    "OA": "other adjustment",
    "PI": "payer-initiated reduction — the provider absorbs it unless it is overturned",
    "CR": "correction or reversal of an earlier payment",
}

# CARCs that say little on their own: the first RARC with a category decides (the X12 usage notes for these
# codes require a remark code).
GENERIC_CARCS = frozenset({"16", "96", "A1", "252", "234", "129", "226", "251", "250", "163", "227", "272", "95"})


class Describe(Protocol):
    """Official description of a code: ``describe("carc", "97")`` → text or None."""

    def __call__(self, system: str, code: str) -> str | None: ...


@dataclass(frozen=True)
class CodeRule:
    """One row of our denial map."""

    code: str
    category: str | None
    label: str
    action: str | None = None
    appealable: bool | None = None
    correctable: bool | None = None
    is_denial: bool = True


@dataclass(frozen=True)
class DenialMap:
    carc: Mapping[str, CodeRule]
    rarc: Mapping[str, CodeRule]
    source: str = ""


@dataclass(frozen=True)
class DenialExplanation:
    """What one CAS adjustment (group + CARC) with its RARCs means and what to do."""

    group: str | None
    carc: str
    rarcs: tuple[str, ...]
    category: str
    category_label: str
    is_denial: bool
    liability: Liability
    action: str
    deciding_code: str  # "CARC 97" or "RARC M51"
    appealable: bool
    correctable: bool
    reasons: tuple[str, ...]  # the denial reasons in words, one per code
    notes: tuple[str, ...] = ()
    amount: Decimal | None = None
    mapped: bool = True  # False when the CARC is not in our map (the action is the generic one)

    def as_json(self) -> dict[str, Any]:
        """Plain JSON-ready form for the API, the CLI and the denial work queue."""
        return {
            "codes": self.code_string, "group": self.group, "carc": self.carc, "rarcs": list(self.rarcs),
            "category": self.category, "category_label": self.category_label, "is_denial": self.is_denial,
            "liability": self.liability, "action": self.action, "deciding_code": self.deciding_code,
            "appealable": self.appealable, "correctable": self.correctable, "reasons": list(self.reasons),
            "notes": list(self.notes), "amount": None if self.amount is None else str(self.amount),
            "mapped": self.mapped,
        }

    @property
    def code_string(self) -> str:
        """As billers write it: ``CO-97 M15``."""
        head = f"{self.group}-{self.carc}" if self.group else self.carc
        return " ".join((head, *self.rarcs))


@dataclass(frozen=True)
class LineAssessment:
    """All adjustments on one service line, summed up for posting and the denial work queue."""

    status: Literal["paid", "partially_denied", "denied", "adjusted"]
    explanations: tuple[DenialExplanation, ...]
    primary: DenialExplanation | None  # the denial to work (largest denied amount), None when no denial
    denied_amount: Decimal
    contractual_amount: Decimal
    patient_responsibility: Decimal


def _parse_map(text: str, source: str) -> DenialMap:
    import yaml

    doc = yaml.load(text, Loader=yaml.BaseLoader)  # BaseLoader builds no objects

    def truth(v: Any) -> bool | None:
        return None if v is None else str(v).lower() in {"true", "yes", "1"}

    def rows(section: str) -> dict[str, CodeRule]:
        out: dict[str, CodeRule] = {}
        for code, spec in (doc.get(section) or {}).items():
            cat = spec.get("cat")
            if cat is not None and cat not in CATEGORY_LABELS:
                raise ValueError(f"{source}: {section}.{code}: unknown category {cat!r}")
            out[str(code).upper()] = CodeRule(
                code=str(code).upper(), category=cat, label=spec.get("label", ""), action=spec.get("action"),
                appealable=truth(spec.get("appeal")), correctable=truth(spec.get("correct")),
                is_denial=truth(spec.get("denial")) is not False)
        return out

    return DenialMap(carc=rows("carc"), rarc=rows("rarc"), source=source)


@lru_cache(maxsize=1)
def builtin_denial_map() -> DenialMap:
    text = resources.files("chartclaim.data.billing").joinpath("denial_map.yaml").read_text("utf-8")
    return _parse_map(text, "chartclaim:data/billing/denial_map.yaml")


def load_denial_map(path: str | Path) -> DenialMap:
    """A practice's own map in the same YAML form (e.g. payer-specific actions)."""
    p = Path(path)
    return _parse_map(p.read_text(encoding="utf-8"), str(p))


def merge_maps(base: DenialMap, override: DenialMap) -> DenialMap:
    return DenialMap(carc={**base.carc, **override.carc}, rarc={**base.rarc, **override.rarc},
                     source=f"{base.source} + {override.source}")


# --- official descriptions ------------------------------------------------------------------------------------


def csv_describer(folder: str | Path) -> Describe:
    """Descriptions from ``carc.csv`` / ``rarc.csv`` / ``claim_adjustment_group_codes.csv`` (columns ``code,
    status, description`` as published on x12.org) in a folder the user supplies."""
    d = Path(folder)
    table: dict[tuple[str, str], str] = {}
    for system, name in (("carc", "carc.csv"), ("rarc", "rarc.csv"), ("group", "claim_adjustment_group_codes.csv")):
        p = d / name
        if p.exists():
            with p.open(encoding="utf-8-sig", newline="") as fh:
                for row in csv.DictReader(fh):
                    table[(system, row["code"].strip().upper())] = row["description"].strip()

    def describe(system: str, code: str) -> str | None:
        return table.get((system, code.strip().upper()))

    return describe


def codesets_describer() -> Describe:
    """Descriptions from the imported code sets (``chartclaim codesets``); None when they are unavailable.
    The code sets are opened once, on first use; if that fails every later call answers None at once."""
    state: dict[str, Any] = {}

    def describe(system: str, code: str) -> str | None:
        if "tables" not in state:
            try:
                from chartclaim.codesets import get_codesets

                cs = get_codesets()
                state["tables"] = {"carc": cs.carc, "rarc": cs.rarc, "group": cs.group_codes}
            except Exception:  # code sets not built: explanations still work with our own labels
                state["tables"] = {}
        table = state["tables"].get(system)
        if table is None:
            return None
        try:
            hit = table.get(code)
        except Exception:
            return None
        return hit.description if hit is not None and hit.description else None

    return describe


def _short(text: str, limit: int = 160) -> str:
    # X12 descriptions carry long "Usage:" notes for implementers; the first sentence is what a biller reads.
    head = text.split(" Usage:")[0].split(" At least one Remark Code")[0].strip()
    return head if len(head) <= limit else head[: limit - 1].rstrip() + "…"


# --- explanation ----------------------------------------------------------------------------------------------


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:] if s else s


def explain_denial(group: str | None, carc: str, rarcs: Iterable[str] = (), amount: Decimal | None = None,
                   describe: Describe | None = None, denial_map: DenialMap | None = None) -> DenialExplanation:
    """Explain one adjustment. ``group`` may be None when only the CARC is known."""
    m = denial_map or builtin_denial_map()
    g = group.strip().upper() if group else None
    code = carc.strip().upper()
    remarks = tuple(r.strip().upper() for r in rarcs if r and r.strip())
    rule = m.carc.get(code)
    mapped = rule is not None
    if rule is None:
        rule = CodeRule(code=code, category="other", label="code not in our denial map",
                        action="Read the code description and the payer's remarks; call the payer if unclear, then "
                               "correct and resubmit or appeal.", appealable=True, correctable=True)
    category = rule.category or "other"
    action = rule.action or ""
    appealable = bool(rule.appealable)
    correctable = bool(rule.correctable)
    deciding = f"CARC {code}"
    notes: list[str] = []
    is_denial = rule.is_denial

    # A generic CARC is decided by its first categorised remark; otherwise remarks add detail only.
    for r in remarks:
        rr = m.rarc.get(r)
        if rr is None:
            continue
        if code in GENERIC_CARCS and rr.category and deciding.startswith("CARC"):
            category, deciding = rr.category, f"RARC {r}"
            action = rr.action or action
            if rr.correctable is not None:
                correctable = rr.correctable
        elif rr.action:
            notes.append(f"{r}: {rr.action}")
        if rr.appealable is False:
            appealable = False
            if deciding != f"RARC {r}":
                notes.append(f"{r}: no appeal rights — correct and resubmit instead")
        if rr.correctable:
            correctable = True

    liability: Liability
    if not is_denial:
        liability = "patient" if category == "patient_responsibility" else "none"
        if g == "CO" and category == "patient_responsibility":
            # CO with a deductible/coinsurance code: the contract forbids billing it to the patient.
            liability = "provider"
            notes.append("group CO: the patient may not be billed for this amount")
    elif g == "PR":
        liability = "patient"
        if action.lower().startswith("bill the patient"):
            action = f"Group PR: the patient owes this. {action}"
        else:
            action = ("Bill the patient: the payer put this on the patient (group PR)"
                      + (f" — if you disagree, {_lower_first(action)}" if appealable and action else "."))
    elif g in {"CO", "PI"}:
        liability = "provider"
    elif g == "OA":
        liability = "none" if category in NON_DENIAL_CATEGORIES else "provider"
    else:
        liability = "provider"

    reasons = [_reason("carc", code, rule.label if mapped else None, describe)]
    for r in remarks:
        rr = m.rarc.get(r)
        reasons.append(_reason("rarc", r, rr.label if rr else None, describe))
    return DenialExplanation(
        group=g, carc=code, rarcs=remarks, category=category, category_label=CATEGORY_LABELS[category],
        is_denial=is_denial, liability=liability, action=action, deciding_code=deciding,
        appealable=appealable and is_denial, correctable=correctable and is_denial, reasons=tuple(reasons),
        notes=tuple(notes), amount=amount, mapped=mapped)


def _reason(system: str, code: str, label: str | None, describe: Describe | None) -> str:
    official = describe(system, code) if describe else None
    kind = system.upper()
    if official and label:
        return f"{kind} {code} — {_short(official)} ({label})"
    if official:
        return f"{kind} {code} — {_short(official)}"
    return f"{kind} {code} — {label or 'no description available (import the CARC/RARC code sets)'}"


def _adj_fields(adj: Any) -> tuple[str | None, str, Decimal | None]:
    """Accept chartclaim.claim.Adjustment, (group, reason, amount) tuples or mappings."""
    if isinstance(adj, Mapping):
        return adj.get("group"), str(adj["reason"]), (Decimal(str(adj["amount"])) if adj.get("amount") is not None
                                                       else None)
    if isinstance(adj, tuple | list):
        g, r, *rest = adj
        return g, str(r), (Decimal(str(rest[0])) if rest and rest[0] is not None else None)
    return adj.group, str(adj.reason), adj.amount


def assess_line(adjustments: Iterable[Any], rarcs: Sequence[str] = (), paid: Decimal | None = None,
                describe: Describe | None = None, denial_map: DenialMap | None = None) -> LineAssessment:
    """Sort a line's CAS adjustments into denials, contractual write-offs and patient responsibility.
    Remark codes (LQ) belong to the line as a whole, so each adjustment sees all of them."""
    exps = []
    for adj in adjustments:
        g, reason, amount = _adj_fields(adj)
        exps.append(explain_denial(g, reason, rarcs, amount, describe, denial_map))
    zero = Decimal(0)
    denials = [e for e in exps if e.is_denial]
    denied = sum((e.amount or zero for e in denials), zero)
    contractual = sum((e.amount or zero for e in exps if e.category == "contractual"), zero)
    pr = sum((e.amount or zero for e in exps if e.liability == "patient"), zero)
    primary = max(denials, key=lambda e: (e.amount or zero, e.mapped), default=None)
    status: Literal["paid", "partially_denied", "denied", "adjusted"]
    if not denials:
        status = "paid" if (paid is None or paid > 0) else "adjusted"
    elif paid is not None and paid > 0:
        status = "partially_denied"
    else:
        status = "denied"
    return LineAssessment(status=status, explanations=tuple(exps), primary=primary, denied_amount=denied,
                          contractual_amount=contractual, patient_responsibility=pr)


def explain_codes(codes: Sequence[str], describe: Describe | None = None) -> DenialExplanation:
    """CLI helper: ``["CO-97", "M15"]``, ``["97", "M15"]`` or ``["CO", "97", "M15"]``."""
    items = [c.strip().upper() for c in codes if c.strip()]
    if not items:
        raise ValueError("give a CARC, optionally with its group (CO-97) and RARCs")
    group: str | None = None
    first = items[0]
    if "-" in first and first.split("-", 1)[0] in GROUP_LABELS:
        group, first = first.split("-", 1)
        rest = items[1:]
    elif first in GROUP_LABELS and len(items) > 1:
        group, first, rest = first, items[1], items[2:]
    else:
        rest = items[1:]
    return explain_denial(group, first, rest, describe=describe)



__all__ = [
    "CATEGORY_LABELS", "DENIAL_CATEGORIES", "GENERIC_CARCS", "GROUP_LABELS", "NON_DENIAL_CATEGORIES", "CodeRule",
    "DenialExplanation", "DenialMap", "Describe", "LineAssessment", "assess_line", "builtin_denial_map",
    "codesets_describer", "csv_describer", "explain_codes", "explain_denial", "load_denial_map", "merge_maps",
]
