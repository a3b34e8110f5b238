from __future__ import annotations

from chartclaim.claim import Claim
from chartclaim.edits import Edit, ScrubContext, scrub


def errors(claim: Claim, ctx: ScrubContext, family: str | None = None) -> list[Edit]:
    return [e for e in scrub(claim, ctx) if e.severity == "error" and (family is None or e.family == family)]


def rule_ids(claim: Claim, ctx: ScrubContext, family: str | None = None) -> set[str]:
    return {e.rule_id for e in scrub(claim, ctx) if family is None or e.family == family}
