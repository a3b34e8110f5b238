"""835 posting: turn a payer's remittance into ledger rows, exactly once, all or nothing.

For each remittance (one ST..SE):

* **Idempotent.** A fingerprint of the transaction's content (every segment between ST and SE, so a payer or
  clearinghouse re-sending the same ERA in a new envelope is recognised; TRN02 is part of that content) is
  stored under a unique constraint. Posting it again changes nothing and says so (`duplicate=True`).
* **One database transaction.** `post_835_file` commits after each remittance; a failure or a killed process
  leaves the remittance wholly posted or not at all.
* **Matching.** Claims by CLP01 (our patient control number), then by member id + dates of service + charge.
  Lines by REF*6R (our line control number), then procedure (SVC06 when the payer changed the code) +
  modifiers, tolerating modifiers the payer dropped, + date of service, + charge as the tie-breaker.
* **Adjustments.** CO/PI/OA with a contractual CARC (45, 253, 59 …) are contractual adjustments; PR moves the
  amount to the next responsible party (the next payer by coverage priority, else the patient); OA-23 on a
  secondary is the prior payer's adjudication and moves nothing here; every other CO/PI/OA amount is a denial:
  it moves no money — the balance stays with the payer for the denial work queue (appeal, correct, write off).
* **Reversals** (CLP02 = 22) reverse the ledger rows of the earlier posting of that claim.
* **PLB** amounts are recorded against the provider (they belong to no patient's account).
* **Exceptions.** Whatever cannot be applied with certainty (unmatched claim or line, unbalanced CLP/SVC, a
  reversal with nothing to reverse, a duplicate claim payment in another ERA, a claim we never submitted) is
  kept in `posting_exception` with its reason and the whole CLP loop (`claim_payment.detail`): never dropped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from json.encoder import encode_basestring_ascii as _json_str  # what the JSON encoder writes a str as
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, PendingRollbackError
from sqlalchemy.orm import Session

from chartclaim.billing import ledger
from chartclaim.billing.lifecycle import ADJUDICATED, bulk_transition, can_transition
from chartclaim.billing.remittance_files import (  # noqa: F401 - part of posting's API
    CROSSOVER_REMARKS,
    ClaimHead,
    LineKey,
    balancing_flagged,
    claim_heads,
    fingerprint_segments,
    fingerprint_texts,
    heads_of,
    iter_remittances,
    iter_remittances_text,
    line_key,
    read_ahead,
    want_read_ahead,
)
from chartclaim.billing.remittance_files import crossover_of as _crossover_of
from chartclaim.billing.remittance_files import unbalanced as _unbalanced
from chartclaim.store.bulk import JSONText, in_values, insert_rows, insert_tuples, reserve_ids
from chartclaim.store.models import (
    ClaimLine,
    ClaimPayment,
    ClaimRecord,
    Coverage,
    LedgerEntry,
    PayerRecord,
    PostingException,
    ProviderAdjustment,
    RemitAdjustment,
    Remittance,
)
from chartclaim.store.types import CENT, to_money
from chartclaim.x12 import remit as x835
from chartclaim.x12.core import gc_paused

ZERO = Decimal("0.00")

# Fallback only (the denial map in chartclaim.billing.denials decides): reductions a contract or law makes,
# written off at posting; everything else a payer withholds (CO/PI/OA) is a denial that stays open for review. 45 fee schedule, 42 max allowable, 59 multiple-procedure rules, 94 processed
# in excess of charges, 104 managed-care withholding, 131 negotiated discount, 144 incentive, 237 legislated
# penalty, 253 sequestration, A2 contractual adjustment (legacy), 172 specialty payment rules.
CONTRACTUAL_CARCS = frozenset({"45", "42", "59", "94", "104", "131", "144", "172", "237", "253", "A2"})
# CAS treatments the ledger carries (adjustment / transfer rows with group + CARC, tied to the claim payment):
# posting keeps no `remit_adjustment` record of them; `claim_payment_adjustments` reads both.
LEDGER_TREATMENTS = frozenset({"contractual", "patient"})
ADJUDICATED_OR_PENDING = frozenset({"submitted", "accepted", "appealed", "closed", "corrected"} | ADJUDICATED)


@lru_cache(maxsize=8192)
def _explained(group: str, reason: str, remarks: tuple[str, ...]) -> tuple[bool, str] | None:
    """(is_denial, category) from chartclaim.billing.denials (the one home of CARC/RARC meaning)."""
    try:
        from chartclaim.billing.denials import explain_denial
    except ImportError:  # pragma: no cover - the denial map ships with the package
        return None
    ex = explain_denial(group, reason, remarks)
    return ex.is_denial, ex.category


def classify_adjustment(group: str, reason: str, responsibility: str,
                        remarks: Sequence[str] = ()) -> tuple[str, str | None]:
    """How posting treats one CAS amount → (treatment, denial category).

    treatment: patient (PR: moves to the next party) | prior_payer (OA-23 on a secondary: moves nothing) |
    contractual (written off now) | denial (moves nothing; stays open with the payer for the work queue).
    """
    if group == "PR":
        return "patient", None
    if group == "OA" and reason == "23" and responsibility != "P":
        return "prior_payer", None
    ex = _explained(group, reason, tuple(remarks))
    if ex is None:
        return ("contractual", None) if reason in CONTRACTUAL_CARCS else ("denial", None)
    is_denial, category = ex
    if not is_denial:
        # CO-1/2/3 (deductible/coinsurance under group CO) are not billable to the patient: written off too.
        return ("prior_payer", None) if category == "prior_payer" else ("contractual", None)
    return "denial", category


# ---------------------------------------------------------------- results


@dataclass
class PostingResult:
    fingerprint: str
    remittance_id: int | None = None
    duplicate: bool = False
    claims_posted: int = 0
    claims_reversed: int = 0
    exceptions: list[tuple[str, str]] = field(default_factory=list)  # (reason, detail)
    ledger_rows: int = 0
    provider_adjustments: int = 0
    trace_number: str | None = None
    source: str | None = None

    @property
    def message(self) -> str:
        if self.duplicate:
            return (f"remittance {self.trace_number or self.fingerprint[:12]} was already posted "
                    f"(remittance #{self.remittance_id}); nothing changed")
        return (f"remittance #{self.remittance_id} ({self.trace_number}): {self.claims_posted} claims posted, "
                f"{self.claims_reversed} reversed, {len(self.exceptions)} exceptions, {self.ledger_rows} ledger rows")

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["message"] = self.message
        return d


# ---------------------------------------------------------------- fingerprints


def _canon(v: Any) -> Any:
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return tuple((f.name, _canon(getattr(v, f.name))) for f in dataclasses.fields(v)
                     if f.name not in ("position", "interchange", "group", "issues", "balancing"))
    if isinstance(v, list | tuple) or (isinstance(v, Sequence) and not isinstance(v, str)):
        return tuple(_canon(x) for x in v)
    return str(v) if isinstance(v, Decimal | dt.date) else v


def fingerprint_remittance(rem: x835.Remittance) -> str:
    """Content fingerprint of a parsed remittance, for callers that hold no raw segments."""
    return hashlib.sha256(repr(_canon(rem)).encode()).hexdigest()


# ---------------------------------------------------------------- loading what posting needs


@dataclass(slots=True)
class _Line:
    id: int
    claim_id: int
    line_number: int
    procedure: str
    modifiers: tuple[str, ...]
    charge: Decimal
    date_of_service: dt.date
    line_control_number: str | None


@dataclass(slots=True)
class _Claim:
    id: int
    claim_number: str
    patient_id: int
    payer_id: int
    status: str
    responsibility: str
    coverage_id: int | None
    ledger_claim_id: int  # secondary claims post on the primary's lines
    lines: list[_Line] = field(default_factory=list)
    crossover_secondary: bool = False  # a later payer paying on this claim's CLP01 after a crossover


def _load_claims(session: Session, numbers: Iterable[str]) -> dict[str, _Claim]:
    """The claims posting will write to, row-locked until the remittance commits (FOR NO KEY UPDATE on
    PostgreSQL, in id order so two posters wait instead of deadlocking; SQLite has one writer anyway): a
    remittance posted concurrently to the same claim waits, then sees this one's payment (duplicate check,
    status), instead of planning from a state that is about to change."""
    nums = sorted(set(numbers))
    out: dict[str, _Claim] = {}
    conn = _core(session)
    for start in range(0, len(nums), 5000):
        chunk = nums[start : start + 5000]
        for r in conn.execute(
            select(ClaimRecord.id, ClaimRecord.claim_number, ClaimRecord.patient_id, ClaimRecord.payer_id,
                   ClaimRecord.status, ClaimRecord.responsibility, ClaimRecord.coverage_id,
                   ClaimRecord.primary_claim_id).where(in_values(session, ClaimRecord.claim_number, chunk))
            .order_by(ClaimRecord.id).with_for_update(key_share=True)
        ).all():
            out[r[1]] = _Claim(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] or r[0])
    _attach_lines(session, out.values())
    return out


def _attach_lines(session: Session, claims: Iterable[_Claim]) -> None:
    by_ledger: dict[int, list[_Claim]] = defaultdict(list)
    for c in claims:
        by_ledger[c.ledger_claim_id].append(c)
    ids = list(by_ledger)
    conn = _core(session)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for r in conn.execute(
            select(ClaimLine.id, ClaimLine.claim_id, ClaimLine.line_number, ClaimLine.procedure, ClaimLine.modifiers,
                   ClaimLine.charge, ClaimLine.date_of_service, ClaimLine.line_control_number)
            .where(in_values(session, ClaimLine.claim_id, chunk)).order_by(ClaimLine.claim_id, ClaimLine.line_number)
        ).all():
            line_id, claim_id, number, procedure, modifiers, charge, dos, lcn = r
            ln = _Line(line_id, claim_id, number, procedure, _modifiers(modifiers), charge, dos, lcn)
            for c in by_ledger[claim_id]:
                c.lines.append(ln)


@lru_cache(maxsize=4096)
def _modifiers(stored: str) -> tuple[str, ...]:
    """claim_line.modifiers ("25:59") as a tuple; a batch has a handful of distinct values."""
    return tuple(m for m in stored.split(":") if m)


def _core(session: Session) -> Connection:
    """The session's connection, for the bulk column SELECTs of posting: the same rows as `session.execute`
    without the ORM's per-row result layer (a tenth of loading 2,000 claims and their lines), fetched with
    `.all()` (one DBAPI fetchall, not a fetchone per row). The session is flushed first, as its autoflush would
    have."""
    session.flush()
    return session.connection()


def _fallback_match(session: Session, cp: x835.ClaimPayment, payer_id: int | None) -> _Claim | None:
    """Member id + dates of service + total charge, when CLP01 is not ours (payers do mangle it)."""
    member = (cp.corrected_insured or cp.insured or cp.patient)
    if member is None or not member.id:
        return None
    dates = {s.service_date for s in cp.services if s.service_date} | {d for d in (cp.statement_from,) if d}
    q = (select(ClaimRecord.claim_number).join(Coverage, Coverage.id == ClaimRecord.coverage_id)
         .where(Coverage.member_id == member.id, ClaimRecord.primary_claim_id.is_(None)))
    if payer_id is not None:
        q = q.where(ClaimRecord.payer_id == payer_id)
    found = _load_claims(session, session.scalars(q))
    hits = [c for c in found.values()
            if sum((ln.charge for ln in c.lines), ZERO) == cp.charge
            and (not dates or dates & {ln.date_of_service for ln in c.lines})]
    return hits[0] if len(hits) == 1 else None


def _next_parties(session: Session, claims: Iterable[_Claim]) -> dict[int, int | None]:
    """claim id → the party a PR amount moves to: the next payer by coverage priority on the DOS, or None
    (the patient)."""
    claims = list(claims)
    patient_ids = list({c.patient_id for c in claims})
    covs: dict[int, list[tuple[int, int, int, dt.date | None, dt.date | None]]] = defaultdict(list)
    conn = _core(session)
    for start in range(0, len(patient_ids), 5000):
        for r in conn.execute(
            select(Coverage.patient_id, Coverage.id, Coverage.priority, Coverage.payer_id, Coverage.effective_from,
                   Coverage.effective_to).where(in_values(session, Coverage.patient_id, patient_ids[start : start + 5000]))
        ).all():
            covs[r[0]].append((r[1], r[2], r[3], r[4], r[5]))
    out: dict[int, int | None] = {}
    level = {"P": 1, "S": 2, "T": 3}
    for c in claims:
        mine = level.get(c.responsibility, 1)
        others = [x for x in covs.get(c.patient_id, ()) if x[1] > mine and x[2] != c.payer_id]
        if not others:  # most claims: the patient has no later coverage
            out[c.id] = None
            continue
        dos = min((ln.date_of_service for ln in c.lines), default=None)
        later = sorted(
            (prio, payer) for _cid, prio, payer, f, t in others
            if dos is not None and (f is None or f <= dos) and (t is None or dos <= t)
        )
        out[c.id] = later[0][1] if later else None
    return out


def _later_coverages(session: Session, claims: list[_Claim]) -> dict[int, list[tuple[int, int]]]:
    """claim id → [(priority, payer id)] of the patient's coverages after the claim's own (crossover posting)."""
    if not claims:
        return {}
    level = {"P": 1, "S": 2, "T": 3}
    rows = session.execute(select(Coverage.patient_id, Coverage.priority, Coverage.payer_id)
                           .where(in_values(session, Coverage.patient_id, sorted({c.patient_id for c in claims}))))
    by_patient: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pid, prio, payer in rows:
        by_patient[pid].append((prio, payer))
    return {c.id: sorted(x for x in by_patient[c.patient_id] if x[0] > level.get(c.responsibility, 1))
            for c in claims}


def _as_crossover(c: _Claim, payer_id: int, later: dict[int, list[tuple[int, int]]]) -> _Claim | None:
    """The claim seen from a later payer that received it by crossover and pays on our CLP01."""
    for prio, payer in later.get(c.id, ()):
        if payer == payer_id:
            return dataclasses.replace(c, payer_id=payer_id, responsibility={2: "S", 3: "T"}.get(prio, "S"),
                                       crossover_secondary=True)
    return None


def _after(c: _Claim, later: dict[int, list[tuple[int, int]]]) -> int | None:
    level = {"P": 1, "S": 2, "T": 3}[c.responsibility]
    nxt = [payer for prio, payer in later.get(c.id, ()) if prio > level]
    return nxt[0] if nxt else None


# ---------------------------------------------------------------- line matching


def match_lines(cp: x835.ClaimPayment, lines: Sequence[_Line]) -> tuple[list[_Line], list[str]]:
    """Pair each SVC with one of our lines; returns (our line per SVC, problems)."""
    return _match_lines([line_key(svc) for svc in cp.services], lines)


def _match_lines(svcs: Sequence[LineKey], lines: Sequence[_Line]) -> tuple[list[_Line], list[str]]:
    """`match_lines` from each SVC's `remittance_files.line_key` (what the claim heads carry)."""
    if len(svcs) == 1 and len(lines) == 1 and svcs[0][0] and svcs[0][0] == lines[0].line_control_number:
        return [lines[0]], []  # most SVCs: the one line of a claim, by the line control number we sent
    used: set[int] = set()
    out: list[_Line] = []
    problems: list[str] = []
    by_lcn = {ln.line_control_number: ln for ln in lines if ln.line_control_number}
    for lcn, billed_code, billed_mods, dos, charge in svcs:
        hit = by_lcn.get(lcn) if lcn else None
        if hit is None and lcn and lcn.isdigit():  # some payers echo only our line number
            hit = next((ln for ln in lines if ln.line_number == int(lcn) and ln.id not in used), None)
        if hit is None or hit.id in used:
            code, mods = billed_code.upper(), set(billed_mods)
            cands = [ln for ln in lines if ln.id not in used and ln.procedure == code
                     and mods <= set(ln.modifiers) and (dos is None or ln.date_of_service == dos)]
            if len(cands) > 1:
                exact = [ln for ln in cands if set(ln.modifiers) == mods] or cands
                cands = [ln for ln in exact if ln.charge == charge] or exact
            hit = cands[0] if cands else None
        if hit is None:
            problems.append(f"line {billed_code}{':' + ':'.join(billed_mods) if billed_mods else ''}"
                            f" {dos or ''} charge {charge}: no matching service line")
            continue
        used.add(hit.id)
        out.append(hit)
    return out, problems


# ---------------------------------------------------------------- posting


@dataclass(slots=True)
class _Plan:
    """What one CLP loop will write (its claim payment's id was reserved before planning: the ledger rows carry
    it)."""

    payment: dict[str, Any]
    claim_payment: x835.ClaimPayment | None  # None: planned from the claim's head (`_plan_from_head`)
    entries: list[tuple[Any, ...]] = field(default_factory=list)  # ledger rows, ledger.COLUMNS order
    adjustments: list[dict[str, Any]] = field(default_factory=list)
    exception: tuple[str, str] | None = None
    transition: tuple[int, str, str] | None = None
    reverses_payment_id: int | None = None
    crossover: tuple[int, str] | None = None
    line_numbers: list[int] | None = None  # our line per SVC (or the one line of a claim-level-only payment)
    loop_x12: str | None = None  # the CLP loop as received, when read from a file (see `_stored_detail`)
    header_number: str = ""  # LX01 of the claim's 2000 loop


def _resolve_payer(session: Session, rem: x835.Remittance) -> int | None:
    candidates = [rem.payer.reference("2U"), rem.payer.id, rem.trace.originator if rem.trace else None,
                  rem.payment.payer_id]
    for code in candidates:
        if code:
            pid = session.scalar(select(PayerRecord.id).where(PayerRecord.payer_code == code))
            if pid is not None:
                return pid
    return session.scalar(select(PayerRecord.id).where(PayerRecord.name == rem.payer.name))


def _detail(cp: x835.ClaimPayment) -> dict[str, Any]:
    """The CLP loop as JSON-able data (kept for exceptions, audit, and the secondary claim's 2320/2430)."""
    return {
        "clp": [cp.patient_control_number, cp.status, str(cp.charge), str(cp.paid),
                None if cp.patient_responsibility is None else str(cp.patient_responsibility),
                cp.filing_indicator, cp.payer_claim_control_number],
        "cas": [[a.group, a.reason, str(a.amount), None if a.quantity is None else str(a.quantity)]
                for a in cp.adjustments],
        "remarks": list(cp.remarks),
        "names": [[n.entity, n.last_or_org, n.first, n.id_qualifier, n.id] for n in cp.names],
        "lines": [
            {"procedure": s.procedure.code, "modifiers": list(s.procedure.modifiers),
             "billed_procedure": s.original_procedure.code if s.original_procedure else None,
             "charge": str(s.charge), "paid": str(s.paid),
             "units": None if s.units is None else str(s.units),
             "date": s.service_date.isoformat() if s.service_date else None,
             "line_control_number": s.line_control_number,
             "allowed": None if s.allowed is None else str(s.allowed),
             "cas": [[a.group, a.reason, str(a.amount), None if a.quantity is None else str(a.quantity)]
                     for a in s.adjustments],
             "remarks": [r.code for r in s.remarks]}
            for s in cp.services
        ],
    }


def _number_lines(d: dict[str, Any], cp: x835.ClaimPayment, numbers: Sequence[int] | None) -> dict[str, Any]:
    if numbers:
        if cp.services:
            for ln, n in zip(d["lines"], numbers, strict=True):
                ln["line_number"] = n
        else:
            d["line_number"] = numbers[0]
    return d


def _stored_detail(plan: _Plan, delimiters: x835.Delimiters | None) -> dict[str, Any] | JSONText:
    """`claim_payment.detail` of a plan. A posted (or reversing) CLP loop read from a file is kept as the X12
    the payer sent, with the delimiters and our line numbers: the whole loop, verbatim, and a fraction of the
    cost of turning it into JSON for every claim payment (a tenth of the posting time). Exceptions keep the
    readable JSON (`_detail`) that the exception queue and `post_exception` work from. Read either form with
    `claim_payment_detail`.

    The X12 form is returned encoded, as the JSON encoder writes {"x12", "delimiters", "line_numbers", "lx"}
    (the same text; the encoder's set-up per value was most of its cost here)."""
    if plan.loop_x12 is not None and delimiters is not None and plan.exception is None:
        out = ['{"x12":', _json_str(plan.loop_x12), ',"delimiters":',
               _delimiters_json(delimiters.element, delimiters.component, delimiters.segment)]
        if plan.line_numbers:
            out += [',"line_numbers":[', ",".join(map(str, plan.line_numbers)), "]"]
        hn = plan.header_number if plan.claim_payment is None else plan.claim_payment.header_number
        if hn:
            out += [',"lx":', _json_str(hn)]
        out.append("}")
        return JSONText("".join(out))
    # planned from a head: never an exception, and only when read from a file, so always kept as X12 above
    assert plan.claim_payment is not None
    return _number_lines(_detail(plan.claim_payment), plan.claim_payment, plan.line_numbers)


@lru_cache(maxsize=64)
def _delimiters_json(element: str, component: str, segment: str) -> str:
    """(Cached by the three strings: hashing the Delimiters dataclass is a Python call per claim payment.)"""
    return f"[{_json_str(element)},{_json_str(component)},{_json_str(segment)}]"


def claim_payment_of(detail: dict[str, Any]) -> x835.ClaimPayment:
    """The reader's model of a kept CLP loop (`claim_payment.detail`, either form)."""
    if "x12" in detail:
        element, component, segment = detail["delimiters"]
        return x835.claim_from_x12(detail["x12"], element, component, segment, detail.get("lx", ""))
    return _claim_payment_from_detail(detail)


def claim_payment_detail(detail: dict[str, Any] | None) -> dict[str, Any] | None:
    """`claim_payment.detail` as JSON-able data (clp, cas, remarks, names, lines with our line numbers),
    whichever form it was stored in."""
    if not detail or "x12" not in detail:
        return detail
    cp = claim_payment_of(detail)
    return _number_lines(_detail(cp), cp, detail.get("line_numbers"))


def claim_payment_adjustments(session: Session, claim_payment_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """claim payment id → every CAS amount posting applied for it, as {group, reason, amount, treatment, category,
    remarks, claim_line_id}, in line order: the ledger's contractual adjustments and patient-responsibility
    transfers (tagged with group + CARC) and the `remit_adjustment` records of what no ledger row carries
    (denials, a prior payer's amounts, zero amounts). Remark codes of the ledger-carried ones come from the
    kept CLP loop. Claim payments posted before posting stopped recording the ledger-carried amounts twice
    are read from their records alone."""
    ids = sorted(set(claim_payment_ids))
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids:
        return out
    recorded: dict[int, list[tuple[int | None, dict[str, Any]]]] = defaultdict(list)
    old_style: set[int] = set()
    line_ids: set[int] = set()
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for a in session.scalars(select(RemitAdjustment).where(in_values(session, RemitAdjustment.claim_payment_id,
                                                                          chunk)).order_by(RemitAdjustment.id)):
            if a.treatment in LEDGER_TREATMENTS and a.amount != 0:
                old_style.add(a.claim_payment_id)
            recorded[a.claim_payment_id].append((a.claim_line_id, {
                "group": a.group_code, "reason": a.reason_code, "amount": a.amount, "treatment": a.treatment,
                "category": a.denial_category, "remarks": a.remark_codes, "claim_line_id": a.claim_line_id}))
            if a.claim_line_id is not None:
                line_ids.add(a.claim_line_id)
    carried: dict[int, list[tuple[int | None, dict[str, Any]]]] = defaultdict(list)
    for start in range(0, len(ids), 5000):
        chunk = [i for i in ids[start : start + 5000] if i not in old_style]
        if not chunk:
            continue
        for e in session.execute(
            select(LedgerEntry.claim_payment_id, LedgerEntry.claim_line_id, LedgerEntry.kind, LedgerEntry.amount,
                   LedgerEntry.group_code, LedgerEntry.reason_code)
            .where(in_values(session, LedgerEntry.claim_payment_id, chunk), LedgerEntry.reverses_id.is_(None),
                   LedgerEntry.group_code.is_not(None),
                   (LedgerEntry.kind == "adjustment") | ((LedgerEntry.kind == "transfer") & (LedgerEntry.amount < 0)))
            .order_by(LedgerEntry.id)
        ):
            treatment = "contractual" if e.kind == "adjustment" else "patient"
            carried[e.claim_payment_id].append((e.claim_line_id, {
                "group": e.group_code, "reason": e.reason_code, "amount": -e.amount, "treatment": treatment,
                "category": None, "remarks": None, "claim_line_id": e.claim_line_id}))
            line_ids.add(e.claim_line_id)
    number = dict(session.execute(select(ClaimLine.id, ClaimLine.line_number)
                                  .where(in_values(session, ClaimLine.id, sorted(line_ids)))).all()
                  ) if line_ids else {}
    if carried:
        for cpid, detail in session.execute(select(ClaimPayment.id, ClaimPayment.detail)
                                            .where(in_values(session, ClaimPayment.id, sorted(carried)))):
            d = claim_payment_detail(detail)
            if not d:
                continue
            claim_remarks = d.get("remarks") or []
            by_number = {ln.get("line_number"): ln.get("remarks") or claim_remarks for ln in d.get("lines", [])}
            for line_id, item in carried[cpid]:
                item["remarks"] = " ".join(by_number.get(number.get(line_id or 0), claim_remarks)) or None
    for cpid in ids:
        items = carried.get(cpid, []) + recorded.get(cpid, [])
        items.sort(key=lambda x: number.get(x[0] or 0, 0))  # stable: the ledger's order, then the records'
        out[cpid] = [item for _line, item in items]
    return out


def _plan_claim(
    cp: x835.ClaimPayment, claim: _Claim, next_party: int | None, posted_on: dt.date, remittance_id: int,
    actor: str, pid: int, flagged: frozenset[int] | None = None,
) -> _Plan:
    """Ledger rows, CAS records and the status move for one matched, non-reversal CLP loop (claim payment
    `pid`)."""
    payment = _payment_row(cp, claim.id, claim.payer_id, remittance_id, posted_on, "posted")
    plan = _Plan(payment, cp)
    problem = _unbalanced(cp, flagged)
    lines: list[_Line]
    if problem is None:
        if cp.services:
            lines, probs = match_lines(cp, claim.lines)
            problem = "; ".join(probs) or None
            reason = "unmatched_line"
        elif len(claim.lines) == 1:  # claim-level-only remittance of a one-line claim
            lines, reason = [claim.lines[0]], ""
        else:
            lines, problem, reason = [], "no service-line detail (SVC) for a claim with several lines", "no_line_detail"
    else:
        lines, reason = [], "unbalanced"
    if problem is not None:
        plan.exception = (reason, f"claim {claim.claim_number}: {problem}")
        payment["outcome"] = "exception"
        return plan
    if claim.status not in ADJUDICATED_OR_PENDING:
        plan.exception = ("claim_not_submitted", f"claim {claim.claim_number} is {claim.status!r}, not submitted")
        payment["outcome"] = "exception"
        return plan

    plan.line_numbers = [ln.line_number for ln in lines]
    payer = claim.payer_id
    resp = claim.responsibility
    base = (claim.ledger_claim_id, claim.patient_id, posted_on, actor, remittance_id, pid)
    entries = plan.entries
    adjustments = plan.adjustments
    denial_total = ZERO
    claim_remarks = tuple(cp.remarks)
    # a claim-level-only payment (no SVC) has its one line in `lines` and no service rows
    for svc, ln in zip(cp.services, lines if cp.services else (), strict=True):
        if svc.paid:
            entries.append(_ledger_row("payment", _signed_money(svc.paid)[0], ln.id, payer, None, None, None, base))
        denial_total += _cas_rows(entries, adjustments, base, ln.id, resp, payer, next_party,
                                  [(a.group, a.reason, a.amount, a.quantity) for a in svc.adjustments],
                                  tuple(r.code for r in svc.remarks) or claim_remarks)
    if not cp.services:
        ln = lines[0]
        if cp.paid:
            entries.append(_ledger_row("payment", _signed_money(cp.paid)[0], ln.id, payer, None, None, None, base))
    if cp.adjustments:
        # Claim-level CAS belongs to no line: put it on the lines in order, up to what each still has open with
        # this payer after its own rows, the rest on the last line (so the claim total is always right).
        open_by_line = {ln.id: ln.charge for ln in lines}
        for e in plan.entries:
            if e[_PAYER] == payer:
                open_by_line[e[_LINE]] += e[_AMOUNT]
        for a in cp.adjustments:
            left = a.amount
            for i, ln in enumerate(lines):
                part = left if i == len(lines) - 1 else min(left, max(open_by_line[ln.id], ZERO))
                if part == 0 and i < len(lines) - 1:
                    continue
                open_by_line[ln.id] -= part
                denial_total += _cas_rows(entries, adjustments, base, ln.id, resp, payer, next_party,
                                          [(a.group, a.reason, part, a.quantity)], claim_remarks)
                left -= part
                if left == 0:
                    break

    xo = _crossover_of(cp)
    if xo:
        plan.crossover = (claim.id, xo)
        payment["crossover_to"] = xo
    if claim.crossover_secondary:
        # The supplemental payer paid on the primary's claim (crossover): its adjudication does not move the
        # primary claim's status.
        return plan
    target = _status_after(cp.status, cp.paid, denial_total)
    if claim.status != target:
        if not can_transition(claim.status, target):
            plan.exception = ("illegal_status", f"claim {claim.claim_number}: {claim.status} → {target} not allowed")
            payment["outcome"] = "exception"
            plan.entries, plan.adjustments = [], []
            return plan
        plan.transition = (claim.id, claim.status, target)
        claim.status = target
    return plan


# Posting makes its ledger rows as tuples in `ledger.COLUMNS` order (a dict per row, merged from a template and
# picked apart again by the insert, cost more than SQLite's insert of it).
_AMOUNT, _LINE, _PAYER = (ledger.COLUMNS.index(c) for c in ("amount", "claim_line_id", "payer_id"))
# (claim id, patient id, posted on, actor, remittance id, claim payment id): what one claim payment's rows share
_RowBase = tuple[int, int, dt.date, str, int, int]


def _ledger_row(kind: str, amount: Decimal, line_id: int, payer_id: int | None, group: str | None,
                reason: str | None, transfer_key: str | None, base: _RowBase) -> tuple[Any, ...]:
    claim_id, patient_id, posted_on, actor, remittance_id, pid = base
    return (kind, amount, line_id, claim_id, patient_id, payer_id, posted_on, actor, group, reason, None,
            transfer_key, None, remittance_id, pid, None)


def _cas_rows(entries: list[tuple[Any, ...]], adjustments: list[dict[str, Any]], base: _RowBase, line_id: int,
              responsibility: str, payer_id: int, next_party: int | None,
              cas: Iterable[tuple[str, str, Decimal, Decimal | None]], remarks: tuple[str, ...]) -> Decimal:
    """The rows of one line's CAS amounts (group, CARC, amount, quantity), appended to `entries` (contractual
    adjustments, patient-responsibility transfers) and `adjustments` (the CAS records of what no ledger row
    carries: a denial, a prior payer's amount, a zero amount). Returns the denied total."""
    denied = ZERO
    remark_codes: str | None = None
    for group, reason, amount, quantity in cas:
        treat, cat = classify_adjustment(group, reason, responsibility, remarks)
        if not amount or treat not in LEDGER_TREATMENTS:
            if remark_codes is None:
                remark_codes = " ".join(remarks)
            adjustments.append({"claim_line_id": line_id, "group_code": group, "reason_code": reason,
                                "amount": amount, "quantity": quantity, "treatment": treat,
                                "denial_category": cat, "remark_codes": remark_codes or None})
            if treat == "denial":
                denied += amount
            continue
        if treat == "contractual":
            entries.append(_ledger_row("adjustment", _signed_money(amount)[0], line_id, payer_id, group, reason, None,
                                       base))
        elif treat == "patient":
            key = _transfer_key()  # pairs the two rows of the transfer
            out, into = _signed_money(amount)
            entries.append(_ledger_row("transfer", out, line_id, payer_id, group, reason, key, base))
            entries.append(_ledger_row("transfer", into, line_id, next_party, group, reason, key, base))
    return denied


# A batch's amounts repeat (a few hundred distinct ones); the reader shares equal amounts as one object, whose
# hash is then computed once. (CAS treatments are cached where the denial map is read, `_explained`.)
@lru_cache(maxsize=8192)
def _signed_money(amount: Decimal) -> tuple[Decimal, Decimal]:
    """(-amount, amount) as money: what leaves the payer, what moves to the next party (half-up rounding is
    symmetric: the same as rounding -amount)."""
    money = _money(amount)
    return -money, money


_transfer_keys: list[str] = []
if hasattr(os, "register_at_fork"):  # (not on Windows, which does not fork)
    os.register_at_fork(after_in_child=_transfer_keys.clear)  # a forked child must not hand out the same keys


def _transfer_key() -> str:
    """A random key (80 bits, hex) pairing the two rows of a transfer; drawn from the OS in batches (a system
    call per transfer was a few percent of posting)."""
    while True:
        try:
            return _transfer_keys.pop()
        except IndexError:  # used up: draw more (posting threads refilling at once only add keys)
            batch = os.urandom(10 * 1024).hex()
            _transfer_keys.extend(batch[i : i + 20] for i in range(0, len(batch), 20))


def _status_after(status: str, paid: Decimal, denied: Decimal) -> str:
    """The claim's status after this payment: denied (CLP02 4, or nothing paid and something denied),
    partially paid (something denied), else paid."""
    if status == "4" or (paid == 0 and denied > 0):
        return "denied"
    return "partially_paid" if denied > 0 else "paid"


def _plan_from_head(head: ClaimHead, claim: _Claim, next_party: int | None, posted_on: dt.date,
                    remittance_id: int, actor: str, pid: int) -> _Plan | None:
    """`_plan_claim` from a claim's plain values (`remittance_files.claim_heads`, made by the reader process),
    without its `ClaimPayment`: the same rows when every line matches by its line control number and the
    claim posts without an exception; otherwise None, and the caller plans it with `_plan_claim`. A head has a
    body only when its claim has service lines, no claim-level CAS, and balances in full."""
    body = head[6]
    if body is None or claim.crossover_secondary or claim.status not in ADJUDICATED_OR_PENDING:
        return None
    xo, header_number, services = body
    lines, problems = _match_lines([svc[0] for svc in services], claim.lines)
    if problems:
        return None
    base = (claim.ledger_claim_id, claim.patient_id, posted_on, actor, remittance_id, pid)
    entries: list[tuple[Any, ...]] = []
    adjustments: list[dict[str, Any]] = []
    denial_total = ZERO
    resp, payer = claim.responsibility, claim.payer_id
    for (_key, paid, cas, remarks), ln in zip(services, lines, strict=True):
        if paid:
            entries.append(_ledger_row("payment", _signed_money(paid)[0], ln.id, payer, None, None, None, base))
        if cas:
            denial_total += _cas_rows(entries, adjustments, base, ln.id, resp, payer, next_party, cas, remarks)
    target = _status_after(head[1], head[3], denial_total)
    if claim.status != target and not can_transition(claim.status, target):
        return None
    plan = _Plan(_payment_row_of(head, claim.id, claim.payer_id, remittance_id, posted_on, "posted"), None,
                 entries, adjustments, line_numbers=[ln.line_number for ln in lines], header_number=header_number)
    if xo:
        plan.crossover = (claim.id, xo)
        plan.payment["crossover_to"] = xo
    if claim.status != target:
        plan.transition = (claim.id, claim.status, target)
        claim.status = target
    return plan


def _money(v: Decimal) -> Decimal:
    """to_money for the reader's amounts (already Decimals): two places, half up."""
    return v.quantize(CENT, ROUND_HALF_UP)


def _payment_row(cp: x835.ClaimPayment, claim_id: int | None, payer_id: int | None, remittance_id: int,
                 received_on: dt.date, outcome: str) -> dict[str, Any]:
    return _payment_row_of(_head(cp), claim_id, payer_id, remittance_id, received_on, outcome)


def _head(cp: x835.ClaimPayment) -> ClaimHead:
    """A claim's head without a body: what the posting loop decides from, for a claim it plans from its
    `ClaimPayment`."""
    return (cp.patient_control_number, cp.status, cp.charge, cp.paid, cp.patient_responsibility,
            cp.payer_claim_control_number, None)


def _payment_row_of(head: ClaimHead, claim_id: int | None, payer_id: int | None, remittance_id: int,
                    received_on: dt.date, outcome: str) -> dict[str, Any]:
    pcn, status, charge, paid, responsibility, icn, _body = head
    return {"remittance_id": remittance_id, "claim_id": claim_id, "payer_id": payer_id,
            "patient_control_number": pcn[:38], "status_code": status[:2],
            "charge": charge, "paid": paid, "patient_responsibility": responsibility,
            "payer_claim_number": icn or None, "received_on": received_on,
            "outcome": outcome, "detail": None, "crossover_to": None}


def _plan_reversal(session: Session, cp: x835.ClaimPayment, claim: _Claim, posted_on: dt.date,
                   remittance_id: int, actor: str, reversed_here: set[int], pid: int,
                   payer_id: int | None = None) -> _Plan:
    payment = _payment_row(cp, claim.id, payer_id or claim.payer_id, remittance_id, posted_on, "reversal")
    plan = _Plan(payment, cp)
    # Only this payer's postings: a supplemental payer reversing its crossover payment must not undo the primary's.
    q = (select(ClaimPayment).where(ClaimPayment.claim_id == claim.id, ClaimPayment.outcome == "posted",
                                    ClaimPayment.reversed_by_id.is_(None),
                                    ClaimPayment.payer_id == (payer_id or claim.payer_id))
         .order_by(ClaimPayment.id.desc()))
    earlier = [p for p in session.scalars(q) if p.id not in reversed_here]
    if cp.payer_claim_control_number:
        same = [p for p in earlier if p.payer_claim_number == cp.payer_claim_control_number]
        earlier = same or earlier
    target = next((p for p in earlier if p.paid == -cp.paid), None)
    if target is None:
        plan.exception = ("reversal_unmatched",
                          f"claim {claim.claim_number}: reversal of {-cp.paid} but no posted payment of that amount")
        payment["outcome"] = "exception"
        return plan
    rows = session.scalars(select(LedgerEntry).where(LedgerEntry.claim_payment_id == target.id,
                                                     LedgerEntry.reverses_id.is_(None)))
    plan.entries = [ledger.row_values(e) for e in ledger.reversal_rows(
        rows, posted_on, remittance_id=remittance_id, actor=actor, claim_payment_id=pid,
        memo=f"reversal (CLP02 22) of claim payment #{target.id}")]
    plan.reverses_payment_id = target.id
    reversed_here.add(target.id)
    if claim.status in ADJUDICATED and not claim.crossover_secondary:
        plan.transition = (claim.id, claim.status, "accepted")
        claim.status = "accepted"
    return plan


def _write_plans(session: Session, plans: list[_Plan], ids: list[int], rid: int, actor: str, reason: str,
                 delimiters: x835.Delimiters | None = None) -> tuple[int, list[tuple[str, str]]]:
    """Bulk writes: claim payments (`ids`, reserved before planning: the ledger rows were made with them), then
    everything that points at them."""
    for plan, pid in zip(plans, ids, strict=True):
        plan.payment["id"] = pid
        plan.payment["detail"] = _stored_detail(plan, delimiters)
    insert_rows(session, ClaimPayment.__table__, [p.payment for p in plans])  # type: ignore[arg-type]
    entries: list[tuple[Any, ...]] = []
    adjs: list[dict[str, Any]] = []
    excs: list[dict[str, Any]] = []
    found: list[tuple[str, str]] = []
    moves: list[tuple[int, str, str]] = []
    for plan, pid in zip(plans, ids, strict=True):
        entries.extend(plan.entries)
        for a in plan.adjustments:
            a["claim_payment_id"] = pid
        adjs.extend(plan.adjustments)
        if plan.exception:
            excs.append({"remittance_id": rid, "claim_payment_id": pid, "claim_id": plan.payment["claim_id"],
                         "reason": plan.exception[0], "detail": plan.exception[1]})
            found.append(plan.exception)
        if plan.transition:
            moves.append(plan.transition)
        if plan.reverses_payment_id is not None:
            session.execute(update(ClaimPayment).where(ClaimPayment.id == plan.reverses_payment_id)
                            .values(reversed_by_id=pid))
        if plan.crossover:
            session.execute(update(ClaimRecord).where(ClaimRecord.id == plan.crossover[0])
                            .values(crossed_over_to=plan.crossover[1][:200]))
    n = insert_tuples(session, LedgerEntry.__table__, ledger.COLUMNS, entries)  # type: ignore[arg-type]
    insert_rows(session, RemitAdjustment.__table__, adjs)  # type: ignore[arg-type]
    insert_rows(session, PostingException.__table__, excs)  # type: ignore[arg-type]
    bulk_transition(session, moves, actor, reason, remittance_id=rid)
    return n, found


def post_remittance(
    session: Session,
    rem: x835.Remittance,
    *,
    fingerprint: str | None = None,
    source: str | None = None,
    actor: str = "system",
    balancing_checked: bool = False,
    heads: Sequence[ClaimHead] | None = None,
) -> PostingResult:
    """Post one remittance inside the caller's transaction (the caller commits; see `post_835_file`).
    Returns `duplicate=True` and writes nothing when this remittance was posted before.
    `balancing_checked`: the remittance comes from chartclaim's 835 reader, whose `balancing` issues are
    complete, so only the claims it flagged need the arithmetic again (a hand-built one is checked fully).
    `heads`: `claim_heads(rem.claims)`, when another process made them (see `post_835_files`): the claims they
    carry a body for are planned from them, without building their `ClaimPayment`s; the rows are the same."""
    # Posting allocates hundreds of thousands of short-lived rows: the cyclic collector cost a third of its time.
    with gc_paused():
        return _post_remittance(session, rem, fingerprint, source, actor, balancing_checked, heads)


def _post_remittance(session: Session, rem: x835.Remittance, fingerprint: str | None, source: str | None,
                     actor: str, balancing_checked: bool, read_heads: Sequence[ClaimHead] | None
                     ) -> PostingResult:
    fp = fingerprint or fingerprint_remittance(rem)
    trace = rem.trace.number if rem.trace else None
    result = PostingResult(fingerprint=fp, trace_number=trace, source=source)
    existing = session.scalar(select(Remittance.id).where(Remittance.fingerprint == fp))
    if existing is not None:
        result.duplicate, result.remittance_id = True, existing
        return result
    posted_on = rem.payment.date or rem.production_date or dt.date.today()
    payer_id = _resolve_payer(session, rem)
    rec = Remittance(fingerprint=fp, trace_number=trace, payer_id=payer_id,
                     payer_code=rem.payer.reference("2U") or rem.payer.id or None, payer_name=rem.payer.name,
                     payee_npi=rem.payee.id if rem.payee.id_qualifier == "XX" else None,
                     payment_amount=rem.payment.amount, payment_method=rem.payment.method or None,
                     payment_date=rem.payment.date, source=source[:300] if source else None, actor=actor,
                     claim_count=len(rem.claims))
    session.add(rec)
    try:
        with session.begin_nested():
            session.flush()  # the unique fingerprint is claimed first: a concurrent poster stops here
    except IntegrityError:
        existing = session.scalar(select(Remittance.id).where(Remittance.fingerprint == fp))
        result.duplicate, result.remittance_id = True, existing
        return result
    rid = rec.id
    result.remittance_id = rid

    # What the loop decides from: the reader process's claim heads, or heads of the built claims. A claim's
    # ClaimPayment is built only when it is planned from it (all of them, at the first such claim).
    heads: Sequence[ClaimHead]
    if read_heads is None:
        built: Sequence[x835.ClaimPayment] = list(rem.claims)
        heads = [_head(cp) for cp in built]
    else:
        built, heads = rem.claims, read_heads
    claims = _load_claims(session, (h[0] for h in heads))
    matched: list[tuple[ClaimHead, _Claim | None]] = []
    for k, h in enumerate(heads):
        c = claims.get(h[0])
        if c is None:
            c = _fallback_match(session, built[k], payer_id)
        matched.append((h, c))
    next_party = _next_parties(session, [c for _, c in matched if c is not None])
    later = _later_coverages(session, [c for _, c in matched if c is not None and payer_id is not None
                                       and c.payer_id != payer_id])
    earlier_pcns = _posted_payer_claims(session, [(c.id, h[5]) for h, c in matched
                                                  if c is not None and h[5] and h[1] != "22"])

    # the CLP loops as received (kept with each posted claim payment), when the remittance was read from a file
    loops = rem.claims.loops_x12() if isinstance(rem.claims, x835.LazyClaims) else None
    flagged = balancing_flagged(rem) if balancing_checked else None
    plans: list[_Plan] = []
    reversed_here: set[int] = set()
    # one claim payment per CLP loop; its id goes into the ledger rows as they are planned
    ids = reserve_ids(session, ClaimPayment.__table__, len(matched))  # type: ignore[arg-type]
    for k, (h, c) in enumerate(matched):
        pcn, status, charge, paid, _resp, icn, _body = h
        pid = ids[k]
        if c is None:
            plan = _Plan(_payment_row_of(h, None, payer_id, rid, posted_on, "exception"), built[k])
            plan.exception = ("unmatched_claim", f"CLP01 {pcn} ({charge}) matches no claim")
        elif payer_id is not None and c.payer_id != payer_id and (xc := _as_crossover(c, payer_id, later)):
            if status == "22":
                plan = _plan_reversal(session, built[k], xc, posted_on, rid, actor, reversed_here, pid, payer_id)
                result.claims_reversed += plan.exception is None
            else:
                plan = _plan_claim(built[k], xc, _after(xc, later), posted_on, rid, actor, pid, flagged)
                result.claims_posted += plan.exception is None
        elif payer_id is not None and c.payer_id != payer_id:
            plan = _Plan(_payment_row_of(h, c.id, payer_id, rid, posted_on, "exception"), built[k])
            plan.exception = ("payer_mismatch", f"claim {c.claim_number} is billed to payer #{c.payer_id}, "
                                                f"the remittance is from payer #{payer_id} ({rem.payer.name})")
        elif status == "22":
            plan = _plan_reversal(session, built[k], c, posted_on, rid, actor, reversed_here, pid, payer_id)
            if plan.exception is None:
                result.claims_reversed += 1
        elif (c.id, icn) in earlier_pcns and any(p == (status, charge, paid) for p in earlier_pcns[(c.id, icn)]):
            plan = _Plan(_payment_row_of(h, c.id, c.payer_id, rid, posted_on, "exception"), built[k])
            plan.exception = ("duplicate_payment", f"claim {c.claim_number}: payer claim "
                                                   f"{icn} paying {paid} was already "
                                                   "posted from another remittance")
        else:
            fast = _plan_from_head(h, c, next_party.get(c.id), posted_on, rid, actor, pid)
            plan = fast or _plan_claim(built[k], c, next_party.get(c.id), posted_on, rid, actor, pid, flagged)
            if plan.exception is None:
                result.claims_posted += 1
        if loops is not None:
            plan.loop_x12 = loops[k]
        plans.append(plan)

    rows, excs = _write_plans(session, plans, ids, rid, actor, f"835 {trace or ''}".strip(),
                              rem.claims.delimiters if isinstance(rem.claims, x835.LazyClaims) else None)
    result.ledger_rows = rows
    result.exceptions.extend(excs)

    plb_rows = [{"remittance_id": rid, "provider_identifier": p.provider_id, "fiscal_period_end": p.fiscal_period,
                 "reason_code": a.reason[:2], "reference": a.reference or None, "amount": a.amount}
                for p in rem.provider_adjustments for a in p.adjustments]
    insert_rows(session, ProviderAdjustment.__table__, plb_rows)  # type: ignore[arg-type]
    result.provider_adjustments = len(plb_rows)
    for issue in rem.balancing:
        if issue.segment_id == "BPR":
            session.add(PostingException(remittance_id=rid, reason="unbalanced_payment", detail=issue.message))
            result.exceptions.append(("unbalanced_payment", issue.message))
    session.flush()
    session.expire_all()  # bulk statements bypassed the identity map: loaded claims must reload their status
    return result


def _posted_payer_claims(session: Session, pairs: list[tuple[int, str]]) -> dict[tuple[int, str],
                                                                                 list[tuple[str, Decimal, Decimal]]]:
    """Earlier unreversed postings of these (claim, payer claim number) pairs. Queried by claim id (indexed) and
    filtered here: a row-value IN over thousands of pairs is a table scan on SQLite."""
    wanted = set(pairs)
    claim_ids = sorted({c for c, _ in pairs})
    out: dict[tuple[int, str], list[tuple[str, Decimal, Decimal]]] = defaultdict(list)
    conn = _core(session)
    for start in range(0, len(claim_ids), 5000):
        chunk = claim_ids[start : start + 5000]
        for cid, pcn, status, charge, paid in conn.execute(
            select(ClaimPayment.claim_id, ClaimPayment.payer_claim_number, ClaimPayment.status_code,
                   ClaimPayment.charge, ClaimPayment.paid)
            .where(in_values(session, ClaimPayment.claim_id, chunk), ClaimPayment.outcome == "posted",
                   ClaimPayment.reversed_by_id.is_(None))
        ).all():
            key = (cid or 0, pcn or "")
            if key in wanted:
                out[key].append((status, to_money(charge), to_money(paid)))
    return out


# ---------------------------------------------------------------- files


class PostingFileError(ValueError):
    pass


def _post_transaction(session: Session, rem: x835.Remittance | None, fp: str, error: str | None, path: str,
                      actor: str, before_commit: Callable[[PostingResult], None] | None,
                      heads: Sequence[ClaimHead] | None = None) -> PostingResult:
    """One 835 transaction of a file, committed (or rolled back on any error, which is raised)."""
    if rem is None:
        res = PostingResult(fingerprint=fp, source=path)
        res.exceptions.append(("unreadable", error or "unreadable 835"))
        tag = f"[835 {fp[:20]}]"  # the same unreadable transaction read again is not queued twice
        seen = session.scalar(select(PostingException.id).where(PostingException.reason == "unreadable",
                                                                PostingException.detail.startswith(tag)))
        if seen is None:
            session.add(PostingException(reason="unreadable", detail=f"{tag} {path}: {error}"[:4000]))
            session.commit()
        else:
            res.duplicate = True
        return res
    for attempt in (1, 2):
        try:
            res = post_remittance(session, rem, fingerprint=fp, source=path, actor=actor, balancing_checked=True,
                                  heads=heads)
            if before_commit is not None:
                before_commit(res)
            session.commit()
            return res
        except BaseException as exc:
            session.rollback()
            # A concurrent poster committed the same remittance first and pysqlite could not return to the
            # savepoint (the whole transaction was rolled back): in a new one, the fingerprint is found.
            if attempt == 1 and isinstance(exc, DBAPIError | PendingRollbackError) and "fingerprint" in str(exc):
                continue
            raise
    raise AssertionError("unreachable")


def post_835_file(
    session: Session,
    path: str | os.PathLike[str],
    actor: str = "system",
    before_commit: Callable[[PostingResult], None] | None = None,
) -> list[PostingResult]:
    """Post every 835 in a file, one database transaction (commit) per remittance. A transaction that does not
    parse is recorded as an exception (with the reader's located error) and the others still post."""
    return [_post_transaction(session, rem, fp, error, str(path), actor, before_commit, heads_of(rem))
            for rem, fp, error in iter_remittances(path)]


def _retryable(exc: BaseException) -> bool:
    """A conflict with a concurrent poster (deadlock, a claim moved meanwhile): the transaction was rolled back
    and posting it again is safe (a remittance that did commit is recognised by its fingerprint)."""
    from sqlalchemy.exc import OperationalError

    from chartclaim.billing.lifecycle import IllegalTransition

    if isinstance(exc, IllegalTransition):
        return "changed meanwhile" in str(exc)
    return isinstance(exc, OperationalError) and getattr(exc.orig, "sqlstate", None) in ("40P01", "40001")


def post_835_files(
    engine: Engine,
    paths: Sequence[str | os.PathLike[str]],
    actor: str = "system",
    workers: int = 2,
    read_ahead_files: bool | None = None,
) -> list[PostingResult]:
    """Post several 835 files, one transaction per remittance, results in file order.

    On PostgreSQL with `workers` > 1, remittances are posted by that many threads, each with its own session
    and connection, so one is planned while the server writes another. A remittance that mentions a claim
    (CLP01) an earlier remittance of the batch also mentions starts only after that one committed: a reversal
    or a corrected payment is applied in file order, as when posting one file after the other. Claims matched
    by the member/date/charge fallback are outside that ordering, but still row-locked while a remittance
    posts (see `_load_claims`); a conflict with a concurrent poster rolls that remittance back and posts it
    again. Idempotency holds as for one file: the remittance fingerprint is unique in the database.
    SQLite has one writer: it posts the files one after the other.

    `read_ahead_files` (default: when the files are big enough to be worth it, see
    `remittance_files.want_read_ahead`): a reader process parses the next files while this one posts (reading is
    about a third of the work); posting order, transactions and errors are the same either way."""
    from concurrent.futures import Future, ThreadPoolExecutor

    ahead = want_read_ahead(paths) if read_ahead_files is None else read_ahead_files and len(paths) > 1
    if engine.dialect.name != "postgresql" or workers <= 1 or len(paths) < 2:
        with Session(engine) as s:
            return [_post_transaction(s, rem, fp, error, path, actor, None, heads)
                    for path, items in read_ahead(paths, ahead) for rem, fp, error, heads in items]

    def run(item: tuple[x835.Remittance | None, str, str | None, list[ClaimHead] | None, str],
            deps: list[Future[PostingResult]]) -> PostingResult:
        for d in deps:
            d.result()
        rem, fp, error, heads, path = item
        for attempt in range(5):
            with Session(engine) as s:
                try:
                    return _post_transaction(s, rem, fp, error, path, actor, None, heads)
                except Exception as exc:
                    if attempt == 4 or not _retryable(exc):
                        raise
        raise AssertionError("unreachable")

    futures: list[Future[PostingResult]] = []
    last_by_claim: dict[str, Future[PostingResult]] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for p, items in read_ahead(paths, ahead):
            for rem, fp, error, heads in items:
                deps: dict[int, Future[PostingResult]] = {}
                if rem is not None:
                    with gc_paused():
                        pcns = ({h[0] for h in heads} if heads is not None
                                else {c.patient_control_number for c in rem.claims})
                    for pcn in pcns:
                        prev = last_by_claim.get(pcn)
                        if prev is not None:
                            deps[id(prev)] = prev
                fut = pool.submit(run, (rem, fp, error, heads, p), list(deps.values()))
                if rem is not None:
                    for pcn in pcns:
                        last_by_claim[pcn] = fut
                futures.append(fut)
        return [f.result() for f in futures]


# ---------------------------------------------------------------- exception queue


def open_exceptions(session: Session, reason: str | None = None) -> list[PostingException]:
    q = select(PostingException).where(PostingException.resolved_at.is_(None)).order_by(PostingException.id)
    if reason:
        q = q.where(PostingException.reason == reason)
    return list(session.scalars(q))


def _claim_payment_from_detail(d: dict[str, Any]) -> x835.ClaimPayment:
    """Rebuild the CLP loop kept with an exception (claim_payment.detail) as the reader's model."""
    def cas(rows: list[list[Any]]) -> tuple[x835.CasAdjustment, ...]:
        return tuple(x835.CasAdjustment(g, r, Decimal(a), Decimal(q) if q else None) for g, r, a, q in rows)

    pcn, status, charge, paid, resp, filing, icn = d["clp"]
    services = tuple(
        x835.ServicePayment(
            procedure=x835.Procedure("HC", ln["procedure"], tuple(ln.get("modifiers") or ())),
            charge=Decimal(ln["charge"]), paid=Decimal(ln["paid"]),
            units=Decimal(ln["units"]) if ln.get("units") else None,
            original_procedure=x835.Procedure("HC", ln["billed_procedure"]) if ln.get("billed_procedure") else None,
            adjustments=cas(ln.get("cas", [])),
            dates=(("472", dt.date.fromisoformat(ln["date"])),) if ln.get("date") else (),
            references=(("6R", ln["line_control_number"]),) if ln.get("line_control_number") else (),
            remarks=tuple(x835.Remark("HE", r) for r in ln.get("remarks", [])))
        for ln in d.get("lines", []))
    names = tuple(x835.Name(e, "1", last, first, "", "", q, i) for e, last, first, q, i in d.get("names", []))
    return x835.ClaimPayment(pcn, status, Decimal(charge), Decimal(paid), Decimal(resp) if resp else None,
                             filing or "", icn or "", adjustments=cas(d.get("cas", [])), names=names,
                             services=services)


def post_exception(session: Session, exception_id: int, claim_number: str, actor: str) -> PostingResult:
    """Work an `unmatched_claim` (or `payer_mismatch`) item: post the kept CLP loop to the claim the biller
    identified, in the caller's transaction, and resolve the exception. Anything still wrong (lines that do not
    match, an unbalanced loop) is refused with the reason and the item stays open."""
    exc = session.get(PostingException, exception_id)
    if exc is None or exc.resolved_at is not None:
        raise ValueError(f"posting exception #{exception_id} is not open")
    src = session.get(ClaimPayment, exc.claim_payment_id) if exc.claim_payment_id else None
    if src is None or not src.detail or src.outcome != "exception":
        raise ValueError(f"posting exception #{exception_id} has no claim payment to post")
    claims = _load_claims(session, [claim_number])
    claim = claims.get(claim_number)
    if claim is None:
        raise ValueError(f"no claim {claim_number!r}")
    cp = claim_payment_of(src.detail)
    posted_on = src.received_on
    [pid] = reserve_ids(session, ClaimPayment.__table__, 1)  # type: ignore[arg-type]
    plan = _plan_claim(cp, claim, _next_parties(session, [claim]).get(claim.id), posted_on, src.remittance_id,
                       actor, pid)
    if plan.exception is not None:
        raise ValueError(f"cannot post to {claim_number}: {plan.exception[1]}")
    result = PostingResult(fingerprint="", remittance_id=src.remittance_id, claims_posted=1)
    result.ledger_rows, _ = _write_plans(session, [plan], [pid], src.remittance_id, actor,
                                         f"posted by hand from exception #{exception_id}")
    resolve_exception(session, exception_id, actor, f"posted to claim {claim_number}")
    session.expire_all()
    return result


def resolve_exception(session: Session, exception_id: int, actor: str, resolution: str) -> PostingException:
    """Mark an exception worked (after a manual posting, a payer call, a dismissal), with what was done."""
    exc = session.get(PostingException, exception_id)
    if exc is None:
        raise ValueError(f"no posting exception #{exception_id}")
    if exc.resolved_at is not None:
        raise ValueError(f"posting exception #{exception_id} was already resolved by {exc.resolved_by}")
    exc.resolved_at, exc.resolved_by, exc.resolution = dt.datetime.now(dt.UTC), actor, resolution
    session.flush()
    return exc
