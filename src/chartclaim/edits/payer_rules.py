"""Payer rules as data: YAML files in a folder, each rule a condition over the claim, a severity, a message
and a fix. Two kinds:

* `line` / `claim` rules fire when every condition in `when` holds (for a line rule, on that line);
* `medical-necessity` rules (LCD/NCD style) list the procedures a policy covers and the diagnoses that
  support them; a line with one of those procedures whose pointed diagnoses include none of them fails.

Rules are validated when loaded: an unknown key or a bad value is an error naming the file and rule, so a
typo never silently disables a rule. The format is documented in docs/scrubber.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from chartclaim.claim import Claim, ServiceLine
from chartclaim.edits.facts import ClaimFacts
from chartclaim.edits.model import Edit, Family, Severity

if TYPE_CHECKING:
    from chartclaim.edits.engine import ScrubContext


class RuleFileError(ValueError):
    """A payer rule file that cannot be used; names the file and the rule."""


def builtin_rules_dir() -> Path:
    return Path(str(resources.files("chartclaim") / "data" / "rules"))


# ---------------------------------------------------------------- code patterns

@dataclass(frozen=True, slots=True)
class CodeSet:
    """Codes written as exact codes ('E55.9'), prefixes ('E55*', 'E55.-') or ranges ('N18.1-N18.6',
    '99202-99215'). Dots are ignored; a range bound matches on the code's prefix of the bound's length."""

    exact: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    ranges: tuple[tuple[str, str], ...] = ()
    text: tuple[str, ...] = ()

    @classmethod
    def parse(cls, items: Sequence[object], where: str) -> CodeSet:
        exact: set[str] = set()
        prefixes: list[str] = []
        ranges: list[tuple[str, str]] = []
        for raw in items:
            s = str(raw).strip().upper().replace(".", "")
            if not s:
                continue
            if s.endswith(("*", "-")) and "-" not in s[:-1]:
                prefixes.append(s.rstrip("*-"))
            elif "-" in s:
                a, b = (p.strip() for p in s.split("-", 1))
                if not a or not b:
                    raise RuleFileError(f"{where}: bad code range '{raw}'")
                ranges.append((a, b))
            elif re.fullmatch(r"[0-9A-Z]{2,7}", s):
                exact.add(s)
            else:
                raise RuleFileError(f"{where}: '{raw}' is not a code, prefix (E55*) or range (N18.1-N18.6)")
        return cls(frozenset(exact), tuple(prefixes), tuple(ranges), tuple(str(i) for i in items))

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, str):
            return False
        c = code.replace(".", "").upper()
        if c in self.exact or any(c.startswith(p) for p in self.prefixes):
            return True
        return any(a <= c[: len(a)] and c[: len(b)] <= b for a, b in self.ranges)

    def __bool__(self) -> bool:
        return bool(self.exact or self.prefixes or self.ranges)


# ---------------------------------------------------------------- conditions

_LIST_KEYS = {"payer", "payer_name", "filing_indicator", "claim_type", "pos", "modifiers_any", "modifiers_all",
              "modifiers_none", "sex", "missing", "present"}
_CODE_KEYS = {"procedure", "procedure_not", "dx_any", "dx_none", "claim_procedure_any", "claim_procedure_none"}
_NUM_KEYS = {"age_min", "age_max", "units_over", "charge_over"}
_DATE_KEYS = {"dos_from", "dos_to"}
_BOOL_KEYS = {"medicare"}   # true: filing indicator MA/MB, or a payer named Medicare (not Medicare Advantage)
_FIELDS = {"prior_authorization", "referral_number", "referring_provider", "rendering_provider", "onset_date",
           "patient.address", "subscriber.address", "subscriber.group_number", "ndc"}


@dataclass(frozen=True, slots=True)
class Condition:
    lists: dict[str, frozenset[str]] = field(default_factory=dict)
    codes: dict[str, CodeSet] = field(default_factory=dict)
    nums: dict[str, Decimal] = field(default_factory=dict)
    dates: dict[str, dt.date] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: object, where: str) -> Condition:
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise RuleFileError(f"{where}: 'when' must be a mapping of conditions")
        lists: dict[str, frozenset[str]] = {}
        codes: dict[str, CodeSet] = {}
        nums: dict[str, Decimal] = {}
        dates: dict[str, dt.date] = {}
        flags: dict[str, bool] = {}
        for key, value in data.items():
            w = f"{where}: when.{key}"
            if key in _LIST_KEYS:
                vals = value if isinstance(value, list) else [value]
                norm = [str(v).strip() for v in vals]
                if key in ("pos",):
                    norm = [v.zfill(2) for v in norm]
                if key in ("payer_name",):
                    norm = [v.lower() for v in norm]
                elif key not in ("claim_type",):
                    norm = [v.upper() if key != "missing" and key != "present" else v for v in norm]
                if key in ("missing", "present"):
                    bad = [v for v in norm if v not in _FIELDS]
                    if bad:
                        raise RuleFileError(f"{w}: unknown field(s) {bad}; known: {sorted(_FIELDS)}")
                lists[key] = frozenset(norm)
            elif key in _CODE_KEYS:
                codes[key] = CodeSet.parse(value if isinstance(value, list) else [value], w)
            elif key in _NUM_KEYS:
                try:
                    nums[key] = Decimal(str(value))
                except ArithmeticError:
                    raise RuleFileError(f"{w}: '{value}' is not a number") from None
            elif key in _DATE_KEYS:
                try:
                    dates[key] = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
                except ValueError:
                    raise RuleFileError(f"{w}: '{value}' is not a date (YYYY-MM-DD)") from None
            elif key in _BOOL_KEYS:
                if not isinstance(value, bool):
                    raise RuleFileError(f"{w}: must be true or false")
                flags[key] = value
            else:
                known = sorted(_LIST_KEYS | _CODE_KEYS | _NUM_KEYS | _DATE_KEYS | _BOOL_KEYS)
                raise RuleFileError(f"{w}: unknown condition; known conditions: {', '.join(known)}")
        return cls(lists, codes, nums, dates, flags)

    def claim_matches(self, claim: Claim, facts: ClaimFacts) -> bool:
        if "medicare" in self.flags and facts.medicare != self.flags["medicare"]:
            return False
        ls = self.lists
        if "payer" in ls and claim.payer.id.upper() not in ls["payer"]:
            return False
        if "payer_name" in ls and not any(n in claim.payer.name.lower() for n in ls["payer_name"]):
            return False
        if "filing_indicator" in ls and claim.payer.filing_indicator.upper() not in ls["filing_indicator"]:
            return False
        if "claim_type" in ls and claim.claim_type not in ls["claim_type"]:
            return False
        if "sex" in ls and (facts.sex or "") not in ls["sex"]:
            return False
        for key, want in (("missing", False), ("present", True)):
            if key in ls and any(bool(_field(claim, f)) != want for f in ls[key] if f != "ndc"):
                return False
        cs = self.codes
        procs = {ln.procedure for ln in claim.lines}
        if "claim_procedure_any" in cs and not any(p in cs["claim_procedure_any"] for p in procs):
            return False
        return not ("claim_procedure_none" in cs and any(p in cs["claim_procedure_none"] for p in procs))

    def line_matches(self, claim: Claim, facts: ClaimFacts, ln: ServiceLine, *, line_scope: bool) -> bool:
        ls, cs, ns, ds = self.lists, self.codes, self.nums, self.dates
        if "pos" in ls and (claim.line_pos(ln) or "") not in ls["pos"]:
            return False
        mods = set(ln.modifiers)
        if "modifiers_any" in ls and not mods & ls["modifiers_any"]:
            return False
        if "modifiers_all" in ls and not ls["modifiers_all"] <= mods:
            return False
        if "modifiers_none" in ls and mods & ls["modifiers_none"]:
            return False
        if "procedure" in cs and ln.procedure not in cs["procedure"]:
            return False
        if "procedure_not" in cs and ln.procedure in cs["procedure_not"]:
            return False
        if "dx_any" in cs or "dx_none" in cs:
            dxs = _line_dx(claim, ln) if line_scope else list(claim.diagnoses)
            if "dx_any" in cs and not any(d in cs["dx_any"] for d in dxs):
                return False
            if "dx_none" in cs and any(d in cs["dx_none"] for d in dxs):
                return False
        if "ndc" in ls.get("missing", ()) and ln.ndc:
            return False
        if "ndc" in ls.get("present", ()) and not ln.ndc:
            return False
        if "age_min" in ns or "age_max" in ns:
            age = facts.age_at(ln.date_of_service)
            if age is None:
                return False
            if "age_min" in ns and age < ns["age_min"]:
                return False
            if "age_max" in ns and age > ns["age_max"]:
                return False
        if "units_over" in ns and not ln.units > ns["units_over"]:
            return False
        if "charge_over" in ns and not ln.charge > ns["charge_over"]:
            return False
        if "dos_from" in ds and ln.date_of_service < ds["dos_from"]:
            return False
        return not ("dos_to" in ds and ln.date_of_service > ds["dos_to"])


def _field(claim: Claim, name: str) -> Any:
    obj: Any = claim
    for part in name.split("."):
        if name.startswith("patient.") and part == "patient" and claim.patient is None:
            obj = claim.subscriber
            continue
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _line_dx(claim: Claim, ln: ServiceLine) -> list[str]:
    return [claim.diagnoses[p - 1] for p in ln.dx_pointers if 1 <= p <= len(claim.diagnoses)]


# ---------------------------------------------------------------- rules

@dataclass(frozen=True, slots=True)
class PayerRule:
    id: str
    kind: str                      # 'line', 'claim' or 'medical-necessity'
    severity: str
    message: str
    fix: str
    when: Condition
    source: str
    description: str = ""
    procedures: CodeSet = CodeSet()
    covered_dx: CodeSet = CodeSet()
    bypass_modifiers: frozenset[str] = frozenset()
    policy: str = ""

    @property
    def family(self) -> str:
        return "medical-necessity" if self.kind == "medical-necessity" else "payer"


_RULE_KEYS = {"id", "type", "severity", "message", "fix", "when", "description", "procedures", "covered_dx",
              "bypass_modifiers", "policy"}


def parse_rule(data: object, source: str) -> PayerRule:
    if not isinstance(data, dict):
        raise RuleFileError(f"{source}: each rule must be a mapping")
    rid = str(data.get("id") or "").strip()
    where = f"{source}: rule {rid or '(no id)'}"
    if not rid:
        raise RuleFileError(f"{where}: 'id' is required")
    unknown = set(data) - _RULE_KEYS
    if unknown:
        raise RuleFileError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(_RULE_KEYS)}")
    kind = str(data.get("type", "line")).strip().lower().replace("_", "-")
    if kind not in ("line", "claim", "medical-necessity"):
        raise RuleFileError(f"{where}: type '{kind}' is not line, claim or medical-necessity")
    severity = str(data.get("severity", "error")).strip().lower()
    if severity not in ("error", "warning"):
        raise RuleFileError(f"{where}: severity must be error or warning")
    procedures = CodeSet.parse(data.get("procedures") or [], f"{where}: procedures")
    covered = CodeSet.parse(data.get("covered_dx") or [], f"{where}: covered_dx")
    if kind == "medical-necessity" and not (procedures and covered):
        raise RuleFileError(f"{where}: a medical-necessity rule needs 'procedures' and 'covered_dx'")
    message = str(data.get("message") or "").strip()
    fix = str(data.get("fix") or "").strip()
    if kind != "medical-necessity" and not (message and fix):
        raise RuleFileError(f"{where}: 'message' and 'fix' are required")
    if kind == "medical-necessity":
        message = message or ("{procedure} on line {line} is not covered for {dx}: the {policy} policy covers it "
                              "only for the diagnoses it lists.")
        fix = fix or ("Point line {line} at a covered diagnosis the record supports; if none applies, have the "
                      "patient sign an ABN before the service and add modifier GA (GZ without an ABN).")
    for text, name in ((message, "message"), (fix, "fix")):
        try:
            text.format_map(_Fmt())
        except (ValueError, IndexError) as exc:
            raise RuleFileError(f"{where}: {name} has a bad {{placeholder}}: {exc}") from None
    bypass = data.get("bypass_modifiers")
    if bypass is None:
        bypass = ["GA", "GZ", "GY"] if kind == "medical-necessity" else []
    return PayerRule(rid, kind, severity, message, fix, Condition.parse(data.get("when"), where), source,
                     str(data.get("description") or ""), procedures, covered,
                     frozenset(str(m).upper() for m in bypass), str(data.get("policy") or rid))


class _Fmt(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def load_rule_file(path: Path) -> list[PayerRule]:
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark is not None else ""
        raise RuleFileError(f"{path}{at}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if doc is None:
        return []
    items = doc.get("rules") if isinstance(doc, dict) and "rules" in doc else doc
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise RuleFileError(f"{path}: expected a rule, a list of rules, or 'rules: [...]'")
    return [parse_rule(item, str(path.name)) for item in items]


def load_rules(dirs: Iterable[Path]) -> list[PayerRule]:
    """All rules in the folders (files *.yaml / *.yml, sorted by name); a later rule with the same id
    replaces an earlier one, so a practice can override a shipped example."""
    by_id: dict[str, PayerRule] = {}
    for d in dirs:
        if d.is_file():
            files = [d]
        elif d.is_dir():
            files = sorted(p for p in d.iterdir() if p.suffix in (".yaml", ".yml"))
        else:
            raise RuleFileError(f"{d}: rules folder not found")
        for f in files:
            for rule in load_rule_file(f):
                by_id[rule.id] = rule
    return list(by_id.values())


# ---------------------------------------------------------------- evaluation

def _values(claim: Claim, facts: ClaimFacts, ln: ServiceLine | None, line: int | None,
            rule: PayerRule, dx: Sequence[str] = ()) -> _Fmt:
    v = _Fmt(payer=claim.payer.name, payer_id=claim.payer.id, claim_id=claim.claim_id, policy=rule.policy,
             pos=claim.place_of_service or "", sex=facts.sex or "", dx=", ".join(dx or claim.diagnoses))
    if ln is not None:
        age = facts.age_at(ln.date_of_service)
        v.update(procedure=ln.procedure, line=str(line), modifiers=" ".join(ln.modifiers) or "none",
                 pos=claim.line_pos(ln) or "", units=str(ln.units), dos=str(ln.date_of_service),
                 age="" if age is None else str(age))
    return v


def payer_rules(claim: Claim, facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Edit]:
    for rule in ctx.rules:
        if not rule.when.claim_matches(claim, facts):
            continue
        sev: Severity = "error" if rule.severity == "error" else "warning"
        fam: Family = "medical-necessity" if rule.kind == "medical-necessity" else "payer"
        if rule.kind == "claim":
            if any(rule.when.line_matches(claim, facts, ln, line_scope=False) for ln in claim.lines):
                v = _values(claim, facts, None, None, rule)
                yield Edit(rule.id, fam, sev, claim.claim_id, None, rule.message.format_map(v),
                           rule.fix.format_map(v), rule.source)
            continue
        for i, ln in enumerate(claim.lines, 1):
            if rule.kind == "medical-necessity":
                if ln.procedure not in rule.procedures or rule.bypass_modifiers & set(ln.modifiers):
                    continue
                if not rule.when.line_matches(claim, facts, ln, line_scope=True):
                    continue
                dxs = _line_dx(claim, ln)
                if not dxs or any(d in rule.covered_dx for d in dxs):
                    continue   # no pointers is a data edit, not a coverage question
                v = _values(claim, facts, ln, i, rule, dxs)
                yield Edit(rule.id, "medical-necessity", sev, claim.claim_id, i, rule.message.format_map(v),
                           rule.fix.format_map(v), rule.source)
            elif rule.when.line_matches(claim, facts, ln, line_scope=True):
                v = _values(claim, facts, ln, i, rule)
                yield Edit(rule.id, "payer", sev, claim.claim_id, i, rule.message.format_map(v),
                           rule.fix.format_map(v), rule.source)


RULES = (payer_rules,)
