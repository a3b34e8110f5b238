"""The scrubber's result record: one edit, with where it came from and what to do about it.

Beancount style: a rule never raises for a problem in the claim; it returns Edit values, and the engine
collects every edit from every rule so the biller sees all problems at once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]
# The rule families: which body of rules an edit enforces. Billers filter and route work by these.
Family = Literal["code", "mce", "ncci-ptp", "ncci-mue", "ncci-addon", "data", "payer", "medical-necessity"]
FAMILIES: tuple[Family, ...] = ("code", "mce", "ncci-ptp", "ncci-mue", "ncci-addon", "data", "payer",
                                "medical-necessity")


@dataclass(frozen=True, slots=True)
class Edit:
    """One finding on one claim.

    `line` is the 1-based service line the edit is about, or None for claim-level edits. `fix` is a
    concrete next step in the biller's words. `source` names the data the edit came from (e.g. the NCCI
    release or the payer rule file) so a disputed edit can be traced.
    """

    rule_id: str
    family: Family
    severity: Severity
    claim_id: str
    line: int | None
    message: str
    fix: str
    source: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def has_errors(edits: list[Edit]) -> bool:
    return any(e.severity == "error" for e in edits)
