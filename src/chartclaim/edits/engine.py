"""The scrubber: run every rule over a claim and collect the edits.

`scrub(claim, context)` is pure: the same claim and context give the same edits. The context carries all
loaded tables (code sets, NCCI, MCE, payer rules) and `today`, so scrubbing thousands of claims reuses one
context. A rule is a small function `(claim, facts, context) -> Iterable[Edit]`; one rule failing on
unexpected data becomes an edit naming the rule instead of stopping the run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chartclaim.claim import Claim
from chartclaim.edits.facts import ClaimFacts, facts_for
from chartclaim.edits.model import Edit
from chartclaim.edits.store import EditStore

if TYPE_CHECKING:
    from chartclaim.edits.payer_rules import PayerRule

Rule = Callable[[Claim, ClaimFacts, "ScrubContext"], Iterable[Edit]]


@dataclass
class ScrubContext:
    """Everything a scrub reads besides the claim. Build it once (`ScrubContext.load()`) and reuse it."""

    today: dt.date = field(default_factory=dt.date.today)
    codesets: Any | None = None           # chartclaim.codesets object (icd10cm/hcpcs/cpt/modifiers/pos)
    store: EditStore | None = None        # NCCI PTP/MUE/add-on and MCE tables
    rules: tuple[PayerRule, ...] = ()     # payer rules and medical-necessity policies
    # Fingerprints of claims already sent (see `claim_fingerprint`), for duplicate-claim edits.
    prior_claims: frozenset[str] = frozenset()
    # Lookups that depend only on the loaded tables (code-set answers, Excludes1 pairs), shared by claims.
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def cached(self, key: Any, compute: Callable[[], Any]) -> Any:
        try:
            return self.memo[key]
        except KeyError:
            if len(self.memo) > 200_000:
                self.memo.clear()
            value = self.memo[key] = compute()
            return value

    @classmethod
    def load(cls, *, today: dt.date | None = None, store_path: Path | None = None,
             rules_dirs: Sequence[Path] = (), builtin_rules: bool = True, codesets: bool = True,
             prior_claims: Iterable[str] = ()) -> ScrubContext:
        from chartclaim.edits.payer_rules import builtin_rules_dir, load_rules
        from chartclaim.settings import get_settings

        settings = get_settings()
        dirs = [builtin_rules_dir()] if builtin_rules else []
        if settings.rules_dir:
            dirs.append(settings.rules_dir)
        dirs.extend(rules_dirs)
        store = EditStore(store_path)
        return cls(today=today or dt.date.today(), codesets=_load_codesets() if codesets else None,
                   store=store if store.exists else None, rules=tuple(load_rules(dirs)),
                   prior_claims=frozenset(prior_claims))

    def warm(self) -> None:
        if self.store is not None:
            self.store.warm()


def _load_codesets() -> Any | None:
    try:
        from chartclaim.codesets import get_codesets  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        try:
            from chartclaim.codesets.core import get_codesets  # type: ignore[no-redef,unused-ignore]
        except ImportError:
            return None
    try:
        return get_codesets()
    except Exception:   # no compiled index yet: code edits that need it are skipped, NCCI/MCE/data still run
        return None


def _rules() -> tuple[Rule, ...]:
    from chartclaim.edits import code_rules, data_rules, mce_rules, ncci_rules, payer_rules

    return (*data_rules.RULES, *code_rules.RULES, *mce_rules.RULES, *ncci_rules.RULES, *payer_rules.RULES)


_RULES: tuple[Rule, ...] | None = None


def scrub(claim: Claim, context: ScrubContext) -> list[Edit]:
    """Every edit for one claim, errors first, then by line."""
    global _RULES
    if _RULES is None:
        _RULES = _rules()
    facts = facts_for(claim)
    out: list[Edit] = []
    for rule in _RULES:
        try:
            out.extend(rule(claim, facts, context))
        except Exception as exc:  # a bug in one rule must not hide the others' findings
            out.append(Edit(f"ENGINE-{getattr(rule, '__name__', 'rule')}", "data", "warning", claim.claim_id,
                            None, f"The check '{getattr(rule, '__name__', rule)}' could not run: {exc}",
                            "Report this claim to the chartclaim maintainers; other checks still ran.",
                            "engine"))
    return sorted(out, key=_order)


def scrub_many(claims: Sequence[Claim], context: ScrubContext) -> dict[str, list[Edit]]:
    """Scrub a batch: each claim on its own, plus duplicate-claim edits across the batch and against
    `context.prior_claims`. Keys are claim ids in input order (a repeated id gets '#2', '#3'...)."""
    from chartclaim.edits.data_rules import claim_fingerprint, duplicate_claim_edit

    out: dict[str, list[Edit]] = {}
    seen: dict[str, str] = {}
    for claim in claims:
        edits = scrub(claim, context)
        fp = claim_fingerprint(claim)
        if claim.frequency == "1":
            if fp in seen:
                edits.append(duplicate_claim_edit(claim, seen[fp]))
            elif fp in context.prior_claims:
                edits.append(duplicate_claim_edit(claim, None))
            else:
                seen[fp] = claim.claim_id
        key = claim.claim_id
        n = 1
        while key in out:
            n += 1
            key = f"{claim.claim_id}#{n}"
        out[key] = sorted(edits, key=_order)
    return out


def _order(e: Edit) -> tuple[int, int, str]:
    return (0 if e.severity == "error" else 1, e.line or 0, e.rule_id)
