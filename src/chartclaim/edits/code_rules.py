"""Code edits: ICD-10-CM validity on the date of service and the Tabular's conventions (Excludes1, code
first / manifestation, use additional, 7th characters, first-listed-only codes), procedure and modifier
validity. Uses `chartclaim.codesets` when available; without it the MCE table still answers validity.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from chartclaim.claim import Claim
from chartclaim.edits.facts import ClaimFacts, is_em
from chartclaim.edits.model import Edit, Family, Severity
from chartclaim.edits.proc_codes import (
    COMMON_HCPCS_MODIFIERS,
    CPT_MODIFIERS,
    CPT_SHAPE,
    DELETED_CPT,
    DELETED_HCPCS,
    HCPCS_SHAPE,
    MODIFIER_SHAPE,
    SUCCESSOR,
)
from chartclaim.edits.store import from_ymd, ymd

if TYPE_CHECKING:
    from chartclaim.edits.engine import ScrubContext

F: Family = "code"
ICD_SHAPE = re.compile(r"^[A-Z]\d[0-9A-Z](\.[0-9A-Z]{1,4})?$")

# ICD-10-CM Official Guidelines I.C.21.c.16: Z codes that may only be principal/first-listed (with their
# listed exceptions). Prefixes are undotted.
FIRST_LISTED_ONLY = ("Z00", "Z01", "Z02", "Z04", "Z332", "Z3181", "Z3183", "Z3184", "Z34", "Z39", "Z38", "Z40",
                     "Z42", "Z510", "Z511", "Z52", "Z761", "Z762", "Z9912")
FIRST_LISTED_EXCEPT = ("Z006", "Z0181", "Z029", "Z529")
CONDITIONAL = re.compile(r"\b(if applicable|if known|if present|if any|if desired|such as|any\b|associated)", re.I)


def _dx_dates(claim: Claim, facts: ClaimFacts) -> list[dt.date]:
    """Each diagnosis is checked on the first date of service of a line that points at it."""
    out = [facts.first_dos] * len(facts.dx)
    seen: set[int] = set()
    for ln in sorted(claim.lines, key=lambda ln: ln.date_of_service):
        for p in ln.dx_pointers:
            if 1 <= p <= len(out) and p not in seen:
                out[p - 1] = ln.date_of_service
                seen.add(p)
    return out


def _entries(claim: Claim, facts: ClaimFacts, icd: Any) -> list[Any]:
    """The code-set entry of each diagnosis on its date of service (None: not a code that day)."""
    got = facts.scratch.get("icd_entries")
    if got is None:
        dates = facts.scratch.get("dx_dates") or facts.scratch.setdefault("dx_dates", _dx_dates(claim, facts))
        got = facts.scratch["icd_entries"] = [icd.get(d, dates[i]) for i, d in enumerate(facts.dx)]
    return got


def _icd(ctx: ScrubContext) -> Any | None:
    cs = ctx.codesets
    return getattr(cs, "icd10cm", None) if cs is not None else None


def icd_valid(claim: Claim, facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Edit]:
    icd = _icd(ctx)
    mce = ctx.store.mce() if ctx.store is not None else None
    dates: list[dt.date] | None = None
    for pos, (dx, nodot) in enumerate(zip(facts.dx, facts.dx_nodot, strict=True), 1):
        if dates is None:
            dates = facts.scratch.get("dx_dates") or facts.scratch.setdefault("dx_dates", _dx_dates(claim, facts))
        dos = dates[pos - 1]
        where = f"Diagnosis {pos} ({dx})"
        if not ICD_SHAPE.match(dx):
            yield Edit("CODE-ICD-INVALID", F, "error", claim.claim_id, None,
                       f"{where} is not shaped like an ICD-10-CM code.",
                       "Enter the ICD-10-CM code (letter, two characters, optional dot and up to 4 more).",
                       "ICD-10-CM")
            continue
        # The MCE lists every billable code with the dates it is valid, so it is the authority on validity
        # by date of service (the code sets may hold only the newest fiscal year); the code sets then say
        # what is wrong (a category, a missing 7th character, a typo) and suggest codes.
        mce_valid = None if mce is None else mce.span(nodot, ymd(dos)) is not None
        if mce_valid:
            continue
        if icd is not None:
            entry = _entries(claim, facts, icd)[pos - 1]
            if entry is None or not entry.billable or mce_valid is False:
                spans = mce.spans(nodot) if mce is not None else ()
                yield from _icd_entry_check(claim, icd, dx, where, dos, force=mce_valid is False,
                                            valid_from=min((sp.start for sp in spans), default=None),
                                            valid_to=max((sp.end for sp in spans), default=None))
        elif mce is not None and mce_valid is False:
            yield Edit("CODE-ICD-INVALID", F, "error", claim.claim_id, None,
                       f"{where} is not a valid, billable ICD-10-CM code on {dos}.",
                       f"Look {dx} up in the encoder and report the complete code valid on {dos}.",
                       f"CMS MCE v{mce.version}")


def _icd_entry_check(claim: Claim, icd: Any, dx: str, where: str, dos: dt.date, force: bool = False,
                     valid_from: int | None = None, valid_to: int | None = None) -> Iterator[Edit]:
    entry = icd.get(dx, dos)
    src = f"ICD-10-CM {entry.version}" if entry is not None else "ICD-10-CM"
    if entry is not None and entry.billable:
        if force:   # billable in the newest code set, but not on this date of service (CMS MCE dates)
            if valid_from is not None and ymd(dos) < valid_from:
                why = f"it took effect on {from_ymd(valid_from)} (an annual ICD-10-CM update)"
                fix = f"Use the code in force on {dos} (the one {dx} replaced) for this condition."
            elif valid_to is not None and valid_to < 99991231 and ymd(dos) > valid_to:
                why = f"it was deleted after {from_ymd(valid_to)} (an annual ICD-10-CM update)"
                fix = f"Use the code that replaced {dx} on {dos}."
            else:
                why = "it was added or deleted in an annual ICD-10-CM update"
                fix = f"Use the code in force on {dos} for this condition."
            yield Edit("CODE-ICD-INVALID", F, "error", claim.claim_id, None,
                       f"{where} is not valid on the date of service {dos}: {why}.", fix, "CMS MCE dates")
        return
    if entry is not None and entry.seventh_characters and (entry.requires_seventh_character or
                                                           entry.seventh_character_stem):
        stem = entry.seventh_character_stem or dx
        sevenths = entry.seventh_characters
        shown = [k for k in "ADS" if k in sevenths] or list(sevenths)[:3]
        opts = ", ".join(f"{k} {_sentence_case(sevenths[k])}" for k in shown)
        more = "; other values exist" if len(sevenths) > len(shown) else ""
        example = _dotted(stem.replace(".", "") + "A") if "A" in entry.seventh_characters else None
        yield Edit("CODE-ICD-7TH-CHARACTER", F, "error", claim.claim_id, None,
                   f"{where} is missing its 7th character ({opts}{more}).",
                   f"Add the 7th character for the encounter{f', e.g. {example} for initial care' if example else ''}"
                   f"{' (fill empty positions with the placeholder X)' if len(stem.replace('.', '')) < 6 else ''}.",
                   src)
        return
    if entry is not None:
        kids = icd.billable_descendants(dx, limit=6)
        total = icd.count_billable_descendants(dx) if len(kids) >= 6 else len(kids)
        more = f" and {total - len(kids)} more" if total > len(kids) else ""
        yield Edit("CODE-ICD-NOT-BILLABLE", F, "error", claim.claim_id, None,
                   f"{where} is a {entry.kind}, not a billable code; it needs more characters.",
                   f"Pick the specific code the documentation supports: {', '.join(kids)}{more}." if kids
                   else f"Pick a more specific code under {dx}.", src)
        return
    nd = dx.replace(".", "")
    if len(nd) == 6:   # placeholders filled ('W10.8XX') but no 7th character
        full = next((_dotted(nd + ch) for ch in "ADS" if (e := icd.get(_dotted(nd + ch), dos)) is not None
                     and e.billable), None)
        if full is not None:
            yield Edit("CODE-ICD-7TH-CHARACTER", F, "error", claim.claim_id, None,
                       f"{where} is missing its 7th character (A initial encounter, D subsequent, S sequela).",
                       f"Add the 7th character for the encounter, e.g. {full} for initial care.", src)
            return
    fixed = icd.fix_placeholder(dx) if hasattr(icd, "fix_placeholder") else None
    if fixed and fixed != dx:
        yield Edit("CODE-ICD-7TH-CHARACTER", F, "error", claim.claim_id, None,
                   f"{where} is not valid: the placeholder X is missing ({fixed}).",
                   f"Report {fixed}.", src)
        return
    newest = icd.get(dx)
    if newest is not None and newest.billable:
        msg = f"{where} is not valid on the date of service {dos} (the code set in force then does not have it)."
        fix = f"Use the code valid on {dos}; check the annual ICD-10-CM changes for {dx}'s predecessor."
    else:
        msg = f"{where} is not an ICD-10-CM code."
        parent = next((p for p in (dx[:-1], dx[:-2], dx[:3]) if len(p.replace('.', '')) >= 3 and icd.get(p, dos)),
                      None)
        kids = icd.billable_descendants(parent, limit=6) if parent else ()
        if kids == [parent] or tuple(kids) == (parent,):
            fix = f"Check the code for a typo: did you mean {parent}?"
        elif kids:
            fix = f"Check the code for a typo; valid codes under {(parent or '').rstrip('.')}: {', '.join(kids)}."
        else:
            fix = "Look the diagnosis up in the encoder and enter a valid code."
    yield Edit("CODE-ICD-INVALID", F, "error", claim.claim_id, None, msg, fix, src)


def _sentence_case(text: str) -> str:
    """'Initial encounter for closed fracture' -> 'initial encounter for closed fracture', keeping roman
    numerals and acronyms ('type I or II') as printed."""
    first, _, rest = text.partition(" ")
    first = first if first.isupper() else first.lower()
    return f"{first} {rest}" if rest else first


def _dotted(c: str) -> str:
    return c if len(c) <= 3 else f"{c[:3]}.{c[3:]}"


def conventions(claim: Claim, facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Edit]:
    """Sequencing and combination rules among the claim's diagnoses."""
    dx, nd = facts.dx, facts.dx_nodot
    if not dx:
        return
    first = nd[0]
    if first[:1] in "VWXY":
        yield Edit("CODE-EXTERNAL-CAUSE-FIRST", F, "error", claim.claim_id, None,
                   f"{dx[0]} is an external-cause code (V00-Y99) and can't be the first-listed diagnosis.",
                   f"List the injury or condition treated first and move {dx[0]} after it.",
                   "ICD-10-CM Official Guidelines I.C.20")
    for pos in range(1, len(nd)):
        c = nd[pos]
        if c.startswith(FIRST_LISTED_ONLY) and not c.startswith(FIRST_LISTED_EXCEPT):
            yield Edit("CODE-Z-FIRST-LISTED-ONLY", F, "error", claim.claim_id, None,
                       f"{dx[pos]} may only be the first-listed diagnosis, but it is in position {pos + 1}.",
                       f"Move {dx[pos]} to position 1 (and update the line pointers), or remove it if another "
                       "encounter reason belongs first.", "ICD-10-CM Official Guidelines I.C.21.c.16")
    icd = _icd(ctx)
    entries = _entries(claim, facts, icd) if icd is not None else [None] * len(dx)
    # A line's first pointer is the diagnosis that justifies it: never an external cause or a manifestation.
    if claim.claim_type == "professional":
        for i, ln in enumerate(claim.lines, 1):
            p = ln.dx_pointers[0] if ln.dx_pointers else 0
            if 1 < p <= len(dx):
                e = entries[p - 1]
                if nd[p - 1][:1] in "VWXY" or (e is not None and e.manifestation):
                    what = "an external-cause code" if nd[p - 1][:1] in "VWXY" else "a manifestation code"
                    yield Edit("CODE-LINE-PRIMARY-DX", F, "error", claim.claim_id, i,
                               f"Line {i} ({ln.procedure}) points first to {dx[p - 1]}, {what}, which can't be the "
                               "diagnosis that supports a service.",
                               f"Point line {i} first at the condition treated; keep {dx[p - 1]} as a later pointer.",
                               "ICD-10-CM Official Guidelines")
    if icd is None:
        return
    e0 = entries[0]
    if e0 is not None and e0.manifestation:
        yield Edit("CODE-MANIFESTATION-FIRST", F, "error", claim.claim_id, None,
                   f"{dx[0]} is a manifestation code ('in diseases classified elsewhere') and can't be listed "
                   "first.", f"List the underlying condition first, then {dx[0]}" +
                   _cf_hint(e0) + ".", f"ICD-10-CM {e0.version}")
    for i, e in enumerate(entries):
        if e is None or not e.billable:
            continue
        # Excludes1: the two conditions can't be reported together.
        for j in range(i + 1, len(entries)):
            o = entries[j]
            if o is None or not o.billable:
                continue
            key = ("x1", e.code, o.code, e.version)
            note = ctx.memo[key] if key in ctx.memo else ctx.memo.setdefault(key, _excludes1(e, o) or _excludes1(o, e))
            if note is not None:
                holder, other = (e, o) if note in e.excludes1 else (o, e)
                yield Edit("CODE-EXCLUDES1", F, "error", claim.claim_id, None,
                           f"{holder.code} and {other.code} can't be reported together: {note.at} has an "
                           f"Excludes1 note for '{note.text}'.",
                           "Keep the code the documentation supports and remove the other (report both only if "
                           "the provider documents the conditions as unrelated).", f"ICD-10-CM {holder.version}")
        # Code first: the underlying condition on the claim must come before this code.
        cf_key = ("code-first", e.code, e.version)
        cf_ranges = ctx.memo.get(cf_key)
        if cf_ranges is None:
            cf_ranges = ctx.memo[cf_key] = tuple(r for n in e.code_first for r in n.ranges)
        if cf_ranges:
            earlier = [k for k in range(len(nd)) if k != i and any(r.contains(nd[k]) for r in cf_ranges)]
            if earlier and all(k > i for k in earlier):
                k = earlier[0]
                sev: Severity = "error" if e.manifestation else "warning"
                if not (e.manifestation and i == 0):   # already reported as manifestation-first
                    yield Edit("CODE-SEQUENCE-CODE-FIRST", F, sev, claim.claim_id, None,
                               f"{dx[i]} says 'code first' {dx[k]}, but {dx[k]} is listed after it.",
                               f"Move {dx[k]} ahead of {dx[i]}.", f"ICD-10-CM {e.version}")
            elif not earlier and e.manifestation:
                yield Edit("CODE-MANIFESTATION-WITHOUT-ETIOLOGY", F, "warning", claim.claim_id, None,
                           f"{dx[i]} is a manifestation code but no underlying condition it names is on the claim.",
                           f"Add the underlying condition before {dx[i]}" + _cf_hint(e) + ".",
                           f"ICD-10-CM {e.version}")
        # Use additional code: only unconditional notes written at this code (not 'if applicable' lists).
        ua_key = ("use-additional", e.code, e.version)
        required = ctx.memo[ua_key] if ua_key in ctx.memo else ctx.memo.setdefault(ua_key, _required_use_additional(e))
        for note in required:
            if not any(r.contains(c) for r in note.ranges for c in nd):
                yield Edit("CODE-USE-ADDITIONAL", F, "warning", claim.claim_id, None,
                           f"{dx[i]} says 'use additional {note.text}', and none is on the claim.",
                           f"Add the additional code ({', '.join(str(r) for r in note.ranges)}) the record "
                           "documents; ask the provider if it is not documented.",
                           f"ICD-10-CM {e.version}")


def _excludes1(a: Any, b: Any) -> Any | None:
    for note in a.excludes1:
        if note.mentions(b.code) and not _under(b.code, note.at):
            return note
    return None


def _under(code: str, at: str) -> bool:
    """True when `code` sits inside the node a note is printed at (a note never excludes its own codes)."""
    c, a = code.replace(".", ""), at.replace(".", "")
    if "-" in at:
        lo, hi = at.split("-", 1)
        return lo <= c[: len(lo)] <= hi
    return c.startswith(a) and not a.isdigit()


def _cf_hint(e: Any) -> str:
    named = [str(r) for n in e.code_first for r in n.ranges][:4]
    return f" (e.g. {', '.join(named)})" if named else ""


def _required_use_additional(e: Any) -> list[Any]:
    """The code's own 'use additional code to identify/indicate ...' notes that always apply (CKD stage with
    diabetic CKD, ulcer site with diabetic ulcer, outcome of delivery with O80). List items ('tobacco use
    (Z72.0)'), 'if applicable' notes and organism notes (often unknown) are left out: a warning on every
    claim that lacks an optional code teaches billers to ignore warnings."""
    out = []
    notes = list(e.use_additional)
    for idx, n in enumerate(notes):
        at = n.at.replace(".", "")
        # the code's own notes and its subcategory's (O99.21 -> O99.210), not category/chapter-wide lists
        if not n.ranges or not (at == e.nodot or (len(at) >= 4 and e.nodot.startswith(at))):
            continue
        text = n.text.strip().lower()
        if not text.startswith(("code to identify", "code to indicate")) or text.endswith(":"):
            continue
        if CONDITIONAL.search(text) or any(w in text for w in ("organism", "infectious agent", "drug", "vaccine",
                                                                "status", "history", "exposure", "if ")):
            continue
        prev = notes[idx - 1] if idx > 0 else None
        if prev is not None and prev.at == n.at and not prev.ranges and prev.text.rstrip().endswith(":"):
            continue
        out.append(n)
    return out


def procedures(claim: Claim, facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Edit]:
    cs = ctx.codesets
    hcpcs = getattr(cs, "hcpcs", None) if cs is not None else None
    cpt = getattr(cs, "cpt", None) if cs is not None else None
    mods = getattr(cs, "modifiers", None) if cs is not None else None
    hcpcs_loaded = ctx.cached(("loaded", "hcpcs"), lambda: _loaded(hcpcs))
    mods_loaded = ctx.cached(("loaded", "modifiers"), lambda: _loaded(mods))
    for i, ln in enumerate(claim.lines, 1):
        code, dos = ln.procedure, ln.date_of_service
        if claim.claim_type == "institutional" and not code:
            continue
        if CPT_SHAPE.match(code):
            if code in DELETED_CPT and dos >= DELETED_CPT[code]:
                succ = SUCCESSOR.get(code)
                yield Edit("CODE-PROC-INACTIVE", F, "error", claim.claim_id, i,
                           f"CPT {code} was deleted on {DELETED_CPT[code]} and is not valid on {dos}.",
                           f"Bill the current code{f' ({succ})' if succ else ''} that matches the documentation.",
                           "CPT annual changes")
            else:
                entry = _lookup(ctx, "cpt", cpt, code) if cpt is not None else None
                if entry is not None:
                    yield from _inactive(claim, i, entry, "CPT", code, dos)
                elif code.isdigit() and ctx.store is not None and ctx.store.known_procedure(code) is False:
                    yield Edit("CODE-PROC-INVALID", F, "error", claim.claim_id, i,
                               f"{code} on line {i} is not a current CPT code: no CMS NCCI table (MUE, PTP, "
                               "add-on) lists it.", f"Check {code} for a typo or a deleted code and bill the "
                               "current CPT code for the service.", "CMS NCCI code lists")
                else:
                    yield from _retired(claim, ctx, i, code, dos)
        elif HCPCS_SHAPE.match(code):
            gone = DELETED_HCPCS.get(code)
            if gone is not None and dos >= gone[0]:
                yield Edit("CODE-PROC-INACTIVE", F, "error", claim.claim_id, i,
                           f"HCPCS {code} was deleted on {gone[0]} and is not valid on {dos}.",
                           f"Bill the current code{f' ({gone[1]})' if gone[1] else ''} that matches the "
                           "documentation.", "HCPCS Level II annual changes")
            elif hcpcs is not None and hcpcs_loaded:
                known = ctx.store.known_procedure(code) if ctx.store is not None else None
                # a code newer than the imported HCPCS file may already be in the NCCI tables
                entry = _lookup(ctx, "hcpcs", hcpcs, code)
                if entry is None and not known:
                    yield Edit("CODE-PROC-INVALID", F, "error", claim.claim_id, i,
                               f"{code} is not a HCPCS Level II code.",
                               "Check the code against the current HCPCS file.", "HCPCS Level II")
                elif entry is None:
                    yield from _retired(claim, ctx, i, code, dos)
                else:
                    yield from _inactive(claim, i, entry, "HCPCS", code, dos)
            else:
                # Without the HCPCS file: the built-in codes, then what the NCCI tables imply.
                entry = _lookup(ctx, "hcpcs", hcpcs, code) if hcpcs is not None else None
                if entry is not None:
                    yield from _inactive(claim, i, entry, "HCPCS", code, dos)
                else:
                    yield from _retired(claim, ctx, i, code, dos)
        else:
            yield Edit("CODE-PROC-INVALID", F, "error", claim.claim_id, i,
                       f"Line {i} procedure '{code}' is not a CPT or HCPCS code (5 characters: 5 digits, 4 digits + "
                       "A/F/T/U/M, or a letter + 4 digits).", "Enter the CPT/HCPCS code billed for the service.",
                       "CPT/HCPCS")
        if len(ln.modifiers) > 4:
            yield Edit("CODE-MODIFIER", F, "error", claim.claim_id, i,
                       f"Line {i} has {len(ln.modifiers)} modifiers; a line carries at most 4.",
                       "Keep the 4 modifiers that affect payment first (pricing modifiers before informational).",
                       "X12 837 SV101")
        if len(set(ln.modifiers)) != len(ln.modifiers):
            yield Edit("CODE-MODIFIER", F, "error", claim.claim_id, i,
                       f"Line {i} lists a modifier twice ({' '.join(ln.modifiers)}).",
                       "List each modifier once.", "X12 837 SV101")
        for m in ln.modifiers:
            known = m in CPT_MODIFIERS or m in COMMON_HCPCS_MODIFIERS or (mods is not None and _lookup(ctx, "modifiers", mods, m) is not None)
            if not MODIFIER_SHAPE.match(m) or (not known and (m.isdigit() or mods_loaded)):
                yield Edit("CODE-MODIFIER", F, "error", claim.claim_id, i,
                           f"Line {i} modifier '{m}' is not a valid CPT/HCPCS modifier.",
                           "Remove it or replace it with the modifier intended.", "CPT/HCPCS modifiers")
        if "25" in ln.modifiers and not (is_em(code) or code.startswith(("920", "G04", "G0438", "G0439"))):
            yield Edit("CODE-MODIFIER", F, "warning", claim.claim_id, i,
                       f"Modifier 25 is for E/M services; {code} on line {i} is not an E/M code.",
                       f"Move modifier 25 to the E/M line, or use the right modifier (e.g. 59/XS) on {code}.",
                       "CPT modifier 25")


def _retired(claim: Claim, ctx: ScrubContext, line: int, code: str, dos: dt.date) -> Iterator[Edit]:
    """A code no file describes, that the MUE table in force does not list and whose NCCI PTP edits all
    ended before the date of service: CMS ends a code's edits when it deletes the code. A warning, since
    the NCCI tables are evidence, not the code list itself."""
    store = ctx.store
    if store is None or store.mue(code, dos) is not None:
        return
    end = ctx.cached(("retired", code, dos), lambda: store.ptp_retired(code, dos))
    # CMS reuses HCPCS numbers years after deleting them (G0299, G0071...) without new PTP edits, so edits
    # that ended long ago say nothing about today's code: only a retirement within ten years counts.
    if end is not None and (dos - end).days <= 3653:
        yield Edit("CODE-PROC-INACTIVE", F, "warning", claim.claim_id, line,
                   f"{code} on line {line} looks deleted: every NCCI edit for it ended on {end} and the current "
                   "MUE table does not list it.",
                   f"Check {code} in the current CPT/HCPCS code list and bill the code that replaced it.",
                   "CMS NCCI tables")


def _loaded(system: Any | None) -> bool:
    if system is None:
        return False
    try:
        _builtin, imported = system.count()
        return bool(imported) and imported > 50
    except Exception:
        return False


def _lookup(ctx: ScrubContext, name: str, system: Any, code: str) -> Any | None:
    key = (name, code)
    if key in ctx.memo:
        return ctx.memo[key]
    try:
        entry = system.get(code)
    except Exception:
        entry = None
    ctx.memo[key] = entry
    return entry


def _inactive(claim: Claim, line: int, entry: Any | None, label: str, code: str, dos: dt.date) -> Iterator[Edit]:
    if entry is None:
        return
    # Only the termination date is trusted: a HCPCS 'action effective date' moves with every descriptor
    # change, so it does not say when the code became valid.
    end = getattr(entry, "end", None)
    if end is not None and dos > end:
        yield Edit("CODE-PROC-INACTIVE", F, "error", claim.claim_id, line,
                   f"{label} {code} ended on {end} and is not valid on {dos}.",
                   f"Bill the code that replaced {code} (see the {label} file's cross-reference).", label)


RULES = (icd_valid, conventions, procedures)
