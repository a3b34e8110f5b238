"""NCCI edits: procedure-to-procedure (PTP) pairs, medically unlikely edits (MUE) and add-on codes.

NCCI compares services of one provider for one patient on one date of service, so lines are grouped by
(date of service, rendering NPI) before pairs are checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from chartclaim.claim import Claim, ServiceLine
from chartclaim.edits.facts import ANATOMIC, DISTINCT, EM_BYPASS, GLOBAL_SURGERY, ClaimFacts, is_em
from chartclaim.edits.model import Edit
from chartclaim.edits.sources import MueRow

if TYPE_CHECKING:
    from chartclaim.edits.engine import ScrubContext

MAI = {1: "per line", 2: "per day (policy)", 3: "per day (clinical)"}

# Add-on codes Medicare pays only with a primary service but that the NCCI add-on file does not list
# (payment-policy add-ons from the physician fee schedule). Ours: code -> eligible primaries.
PFS_ADDONS: dict[str, tuple[str, ...]] = {
    # Visit complexity add-on (CY2024 PFS): office/outpatient E/M only.
    "G2211": ("99202", "99203", "99204", "99205", "99211", "99212", "99213", "99214", "99215"),
}


def _bypassed(col1: ServiceLine, col2: ServiceLine) -> bool:
    """Whether an NCCI-associated modifier lets a modifier-indicator-1 pair through.

    For E/M services only 25/57 (and 24 in a global period) on the E/M apply; 59 and the X modifiers never
    unbundle an E/M. For other services: 59/XE/XS/XP/XU, the global-surgery modifiers, 91 for repeat labs,
    and anatomic modifiers on the column-2 line naming a different site."""
    em1, em2 = is_em(col1.procedure), is_em(col2.procedure)
    if em1 and em2:   # two E/M services the same day: 25 on either says they were separate
        return bool(EM_BYPASS & (set(col1.modifiers) | set(col2.modifiers)))
    if em1 or em2:
        em = col2 if em2 else col1
        if EM_BYPASS & set(em.modifiers):
            return True
        # A service bundled INTO the E/M (E/M in column 1, e.g. 99214/G0444) is unbundled by a distinct-
        # service modifier on that service itself; 59/X{EPSU} are never valid on the E/M line.
        return em1 and bool(DISTINCT & set(col2.modifiers))
    m1, m2 = set(col1.modifiers), set(col2.modifiers)
    if (DISTINCT | GLOBAL_SURGERY | {"91"}) & (m1 | m2):
        return True
    # Anatomic modifiers unbundle when the column-2 service names a site the column-1 service does not
    # (RT on one knee, LT on the other); RT on the column-1 line alone says nothing about column 2.
    return bool((ANATOMIC & m2) - (ANATOMIC & m1))


def ptp(claim: Claim, facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Edit]:
    store = ctx.store
    if store is None or len(claim.lines) < 2 or facts.inpatient:   # NCCI does not apply to inpatient stays
        return
    for (dos, _npi), lines in facts.by_date.items():
        if len(lines) < 2:
            continue
        for i, l1 in lines:
            if not store.is_column1(l1.procedure):
                continue
            for j, l2 in lines:
                if i == j or l1.procedure == l2.procedure:
                    continue
                edit = store.ptp(l1.procedure, l2.procedure, dos)
                if edit is None:
                    continue
                c1, c2 = l1.procedure, l2.procedure
                why = f" (NCCI rationale: {edit.rationale})" if edit.rationale else ""
                if edit.modifier == 0:
                    used = [m for m in l2.modifiers if m in DISTINCT | EM_BYPASS | ANATOMIC]
                    tried = f" Modifier {', '.join(used)} does not override this edit." if used else ""
                    yield Edit("NCCI-PTP-0", "ncci-ptp", "error", claim.claim_id, j,
                               f"{c1} and {c2} can't be billed together on {dos}: {c2} is part of {c1} and no "
                               f"modifier overrides this pair{why}.{tried}",
                               f"Remove {c2} (line {j}); bill {c1} alone.", edit.release)
                elif not _bypassed(l1, l2):
                    if is_em(c2) or is_em(c1):
                        em, em_line, other = (c2, j, c1) if is_em(c2) else (c1, i, c2)
                        msg = (f"{em} and {other} on the same day need modifier 25 on the E/M ({em}): NCCI "
                               f"bundles {c2} into {c1}{why}.")
                        fix = (f"If the visit was significant and separately identifiable from {other} (its own "
                               f"documented history/exam/decision-making), add modifier 25 to {em} on line {em_line}"
                               f" (57 if the visit was the decision for major surgery)"
                               + (f", or XU/59 on {c2} (line {j}) if it was a distinct service" if em == c1 else "")
                               + f"; otherwise remove {c2}, which NCCI counts as part of {c1}.")
                    else:
                        msg = (f"{c1} and {c2} on the same day: NCCI bundles {c2} into {c1} unless a modifier "
                               f"shows they were distinct{why}.")
                        fix = (f"If {c2} was truly separate (different site, session or practitioner), add XS, XE,"
                               f" XP or XU (or 59) to {c2} on line {j}, or LT/RT when sides differ; otherwise "
                               f"remove {c2}.")
                        em_line = j
                    # the edit sits on the line that needs the change: the E/M for 25, else column 2
                    yield Edit("NCCI-PTP-1", "ncci-ptp", "error", claim.claim_id, em_line, msg, fix, edit.release)


def mue(claim: Claim, facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Edit]:
    store = ctx.store
    if store is None or facts.inpatient:
        return
    for (dos, _npi), lines in facts.by_date.items():
        totals: dict[str, tuple[Decimal, list[int]]] = {}
        rows: dict[str, tuple[MueRow, str]] = {}
        for i, ln in lines:
            if ln.unit_type == "MJ":
                continue   # anesthesia minutes are not MUE units
            found = store.mue(ln.procedure, dos)
            if found is None:
                continue
            row, src = found
            rows[ln.procedure] = found
            if row.value == 0:
                # MUE 0 marks a service Medicare does not pay at all (e.g. preventive visits); that is a
                # coverage question for the payer, not a units error, and commercial plans pay these.
                continue
            if row.mai == 1:
                if ln.units > row.value:
                    yield Edit("NCCI-MUE-LINE", "ncci-mue", "error", claim.claim_id, i,
                               f"{ln.procedure} is billed with {_n(ln.units)} units on line {i}; Medicare's MUE "
                               f"allows at most {row.value} per line{_why(row.rationale)}.",
                               f"Bill no more than {_units(row.value)} on this line; if more were medically "
                               "necessary, split them onto separate lines with an anatomic or 59/XS/76 modifier "
                               "and keep the documentation.", src)
            else:
                total, where = totals.get(ln.procedure, (Decimal(0), []))
                totals[ln.procedure] = (total + ln.units, [*where, i])
        for code, (total, where) in totals.items():
            row, src = rows[code]
            if total > row.value:
                on = f"line {where[0]}" if len(where) == 1 else f"lines {', '.join(map(str, where))}"
                if row.mai == 2:   # a policy limit: units above it are never payable
                    after = ("this is a policy limit (MAI 2), so units above it are not payable even on "
                             "appeal; check the units against the code's definition (per session, per day).")
                else:
                    after = ("if more were medically necessary (MAI 3, clinical limit), bill the MUE amount and "
                             "appeal the rest with the records.")
                yield Edit("NCCI-MUE-DOS", "ncci-mue", "error", claim.claim_id, where[-1],
                           f"{code} totals {_n(total)} units on {dos} ({on}); Medicare's MUE allows at most "
                           f"{row.value} per day for this code, and modifiers don't bypass it"
                           f"{_why(row.rationale)}.",
                           f"Reduce {code} to {_units(row.value)} for {dos}; {after}", src)


def addon(claim: Claim, facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Edit]:
    store = ctx.store
    if store is None or facts.inpatient:
        return
    for (dos, _npi), lines in facts.by_date.items():
        codes = {ln.procedure for _, ln in lines}
        for i, ln in lines:
            found = store.addon_primaries(ln.procedure, dos)
            if found is None:
                pfs = PFS_ADDONS.get(ln.procedure)
                if pfs is None:
                    continue
                found = (tuple((p, 1) for p in pfs), "CMS physician fee schedule add-on policy")
            rows, src = found
            listed = {p for p, t in rows if p != "CCCCC"}
            if listed & codes:
                continue
            types = {t for _, t in rows}
            sample = ", ".join(sorted(listed)[:8]) + (" ..." if len(listed) > 8 else "")
            if 1 not in types and not codes - {ln.procedure}:
                # Whatever primaries the contractor accepts (types 2 and 3), an add-on code is never billed
                # alone: CPT defines it as performed in addition to a primary service.
                yield Edit("NCCI-ADDON", "ncci-addon", "error", claim.claim_id, i,
                           f"{ln.procedure} is an add-on code billed with no other service on {dos}; an add-on "
                           "is only paid together with its primary procedure.",
                           f"Bill the primary procedure {ln.procedure} was added to on the same date (same "
                           f"provider), or remove {ln.procedure}.", src)
            elif 1 in types:
                yield Edit("NCCI-ADDON", "ncci-addon", "error", claim.claim_id, i,
                           f"{ln.procedure} is an add-on code but its primary procedure is not billed on {dos}"
                           f" (eligible primaries: {sample}).",
                           f"Bill the primary procedure for {ln.procedure} on the same date (same provider), "
                           f"or remove {ln.procedure}.", src)
            elif 3 in types:
                yield Edit("NCCI-ADDON", "ncci-addon", "warning", claim.claim_id, i,
                           f"{ln.procedure} is an add-on code billed without one of CMS's listed primaries "
                           f"({sample}); your Medicare contractor may accept others.",
                           f"Check that the primary procedure for {ln.procedure} is billed and accepted by "
                           "the contractor.", src)


def _n(v: Decimal) -> str:
    return str(int(v)) if v == v.to_integral_value() else str(v)


def _units(n: int) -> str:
    return f"{n} unit" if n == 1 else f"{n} units"


def _why(rationale: str) -> str:
    return f" (MUE rationale: {rationale})" if rationale else ""


RULES = (ptp, mue, addon)
