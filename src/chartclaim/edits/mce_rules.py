"""Medicare Code Editor edits: age and sex conflicts, manifestation / external cause / unacceptable codes as
principal diagnosis. Flags come from the MCE entry in force on the date of service, so sex edits appear only
for dates the data still carries them (CMS ended them on 2024-09-30).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from chartclaim.claim import Claim
from chartclaim.edits.facts import ClaimFacts
from chartclaim.edits.model import Edit
from chartclaim.edits.store import ymd

if TYPE_CHECKING:
    from chartclaim.edits.engine import ScrubContext

AGE_GROUPS = {
    "newborn": ("a newborn (perinatal) diagnosis", "newborn"),
    "pediatric": ("a pediatric diagnosis", "pediatric"),
    "maternity": ("a maternity (pregnancy) diagnosis", "maternity"),
    "adult": ("an adult diagnosis", "adult"),
}
SEX = {"F": "female", "M": "male"}


def _edit_date(claim: Claim, facts: ClaimFacts) -> dt.date:
    # The MCE reads inpatient codes as of discharge and the age as of admission; outpatient/professional
    # claims by the date of service.
    return facts.first_dos


def mce(claim: Claim, facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Edit]:
    tables = ctx.store.mce() if ctx.store is not None else None
    if tables is None or not facts.dx:
        return
    when = _edit_date(claim, facts)
    d = ymd((claim.statement_to or claim.last_date_of_service) if facts.inpatient else when)
    age_date = claim.admission_date if facts.inpatient and claim.admission_date else when
    age = facts.age_at(age_date)
    src = f"CMS MCE v{tables.version}"
    for pos, (dx, nodot) in enumerate(zip(facts.dx, facts.dx_nodot, strict=True), 1):
        span = tables.span(nodot, d)
        if span is None or not span.flags:
            continue
        flags = span.flags
        if age is not None:
            for group, (what, label) in AGE_GROUPS.items():
                if group not in flags:
                    continue
                rng = tables.age_range(group, d)
                if rng is not None and not rng.low <= age <= rng.high:
                    yield Edit(f"MCE-AGE-{group.upper()}", "mce", "error", claim.claim_id, None,
                               f"{dx} is {what} (ages {rng.low}-{rng.high}) but the patient is {age} on "
                               f"{age_date}.",
                               f"Check the patient's date of birth; if it is right, replace {dx} with a code "
                               f"for the patient's age group (the {label} codes don't apply).", src)
        sex = facts.sex
        if sex in SEX:
            for need, other in (("female", "M"), ("male", "F")):
                if need in flags and sex == other:
                    yield Edit("MCE-SEX", "mce", "error", claim.claim_id, None,
                               f"{dx} is a {need}-only diagnosis but the patient's sex is {SEX[sex]}.",
                               f"Check the patient's sex on the registration and the card; if it is right, "
                               f"correct {dx}.", src)
        if pos == 1:
            if "manifestation" in flags:
                yield Edit("MCE-MANIFESTATION-PDX", "mce", "error", claim.claim_id, None,
                           f"{dx} is a manifestation code and can't be the principal/first-listed diagnosis.",
                           f"List the underlying condition first and {dx} after it.", src)
            if "ecodepdx" in flags:
                yield Edit("MCE-ECODE-PDX", "mce", "error", claim.claim_id, None,
                           f"{dx} is an external-cause code and can't be the principal/first-listed diagnosis.",
                           f"List the injury or condition first; keep {dx} as a secondary code.", src)
            if "unacceptable" in flags and facts.inpatient:
                yield Edit("MCE-UNACCEPTABLE-PDX", "mce", "error", claim.claim_id, None,
                           f"{dx} is not acceptable as the principal diagnosis of an inpatient stay.",
                           "Make the condition chiefly responsible for the admission the principal diagnosis.",
                           src)


RULES = (mce,)
