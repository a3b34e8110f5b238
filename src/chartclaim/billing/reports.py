"""Revenue-cycle reports: A/R aging and the key performance indicators, from the ledger and the claim history.

Definitions follow the HFMA MAP Keys (and MGMA where the MAP Key is hospital-specific); each is stated on the
function that computes it and in docs/billing.md. Every figure is derived at report time — nothing is stored.

* A/R aging: open balance per responsible party (each payer, and the patient), aged from the date of service,
  in the buckets 0–30, 31–60, 61–90, 91–120, 120+ days. Credit balances are shown, not netted away.
* Days in A/R (MAP Key "Net days in A/R"): net A/R ÷ average daily net revenue over the look-back period
  (default 90 days), where net revenue = charges − contractual adjustments. Gross days (A/R ÷ average daily
  charges, the MGMA form) is given alongside.
* Clean claim rate (MAP Key "Clean claim rate"): of the claims first submitted in the period, the share that
  passed the scrubber without going back to draft and were never rejected by the clearinghouse or payer front end.
* First-pass resolution rate: of the claims first adjudicated in the period, the share whose first adjudication was
  "paid" (no denial, no rework).
* Denial rate (MAP Key "Initial denial rate"): of the claims first adjudicated in the period, the share denied in
  full or in part on that first remittance — by count and by dollars, overall and by denial category.
* Net collection rate (MAP Key "Net collection rate"/MGMA adjusted collection rate): payments (payer and
  patient, net of refunds) posted in the period ÷ (charges − contractual adjustments) posted in the period.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from chartclaim.store.models import (
    ClaimLine,
    ClaimPayment,
    ClaimRecord,
    ClaimTransition,
    LedgerEntry,
    PatientRecord,
    PayerRecord,
    RemitAdjustment,
)
from chartclaim.store.types import to_money

ZERO = Decimal("0.00")
BUCKETS = ("0-30", "31-60", "61-90", "91-120", "120+")


def bucket_of(age_days: int) -> str:
    if age_days <= 30:
        return "0-30"
    if age_days <= 60:
        return "31-60"
    if age_days <= 90:
        return "61-90"
    if age_days <= 120:
        return "91-120"
    return "120+"


@dataclass
class AgingRow:
    key: str  # payer code, "PATIENT", or patient account number
    name: str
    buckets: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(BUCKETS, ZERO))

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, **{b: str(v) for b, v in self.buckets.items()},
                "total": str(self.total)}


@dataclass
class AgingReport:
    as_of: dt.date
    by: str
    rows: list[AgingRow]

    @property
    def totals(self) -> dict[str, Decimal]:
        out = dict.fromkeys(BUCKETS, ZERO)
        for r in self.rows:
            for b, v in r.buckets.items():
                out[b] += v
        return out

    @property
    def total(self) -> Decimal:
        return sum(self.totals.values(), ZERO)

    @property
    def over_90_pct(self) -> Decimal | None:
        """MAP Key "Aged A/R as a percentage of total A/R" (> 90 days)."""
        t = self.totals
        return _pct(t["91-120"] + t["120+"], self.total)

    def as_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "by": self.by, "rows": [r.as_dict() for r in self.rows],
                "totals": {**{b: str(v) for b, v in self.totals.items()}, "total": str(self.total)},
                "over_90_pct": None if self.over_90_pct is None else str(self.over_90_pct)}

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["key", "name", *BUCKETS, "total"])
        for r in self.rows:
            w.writerow([r.key, r.name, *(str(r.buckets[b]) for b in BUCKETS), str(r.total)])
        w.writerow(["TOTAL", "", *(str(self.totals[b]) for b in BUCKETS), str(self.total)])
        return buf.getvalue()


def ar_aging(session: Session, as_of: dt.date | None = None, by: str = "payer") -> AgingReport:
    """Open A/R on `as_of` (entries posted after it are ignored), by responsible party: `by` = payer (each payer
    plus one PATIENT row) or patient (each patient, all parties)."""
    if by not in ("payer", "patient"):
        raise ValueError(f"aging by 'payer' or 'patient', not {by!r}")
    as_of = as_of or dt.date.today()
    rows = session.execute(
        select(LedgerEntry.payer_id, LedgerEntry.patient_id, ClaimLine.date_of_service, func.sum(LedgerEntry.amount))
        .join(ClaimLine, ClaimLine.id == LedgerEntry.claim_line_id)
        .where(LedgerEntry.posted_on <= as_of)
        .group_by(LedgerEntry.claim_line_id, LedgerEntry.payer_id, LedgerEntry.patient_id, ClaimLine.date_of_service)
    ).all()
    names: dict[Any, tuple[str, str]] = {}
    if by == "payer":
        for pid, code, name in session.execute(select(PayerRecord.id, PayerRecord.payer_code, PayerRecord.name)):
            names[pid] = (code, name)
        names[None] = ("PATIENT", "Patient responsibility")
    else:
        for pid, acct, first, last in session.execute(select(PatientRecord.id, PatientRecord.account_number,
                                                             PatientRecord.first_name, PatientRecord.last_name)):
            names[pid] = (acct, f"{last}, {first}")
    out: dict[Any, AgingRow] = {}
    for payer_id, patient_id, dos, bal in rows:
        bal = to_money(bal or 0)
        if not bal:
            continue
        key = payer_id if by == "payer" else patient_id
        row = out.get(key)
        if row is None:
            code, name = names.get(key, (str(key), str(key)))
            row = out[key] = AgingRow(code, name)
        row.buckets[bucket_of((as_of - dos).days)] += bal
    ordered = sorted(out.values(), key=lambda r: (r.key == "PATIENT", -r.total, r.key))
    return AgingReport(as_of, by, [r for r in ordered if any(r.buckets.values())])


# ---------------------------------------------------------------- KPIs


def _pct(num: Decimal | int, den: Decimal | int) -> Decimal | None:
    if not den:
        return None
    return (Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Kpis:
    period_start: dt.date
    period_end: dt.date
    ar_total: Decimal
    gross_charges: Decimal
    contractual_adjustments: Decimal
    payments: Decimal
    net_days_in_ar: Decimal | None
    gross_days_in_ar: Decimal | None
    claims_submitted: int
    clean_claims: int
    clean_claim_rate: Decimal | None
    claims_adjudicated: int
    first_pass_paid: int
    first_pass_resolution_rate: Decimal | None
    claims_denied: int
    denial_rate: Decimal | None
    denied_dollars: Decimal
    denial_dollar_rate: Decimal | None
    denials_by_category: dict[str, dict[str, str]]
    net_collection_rate: Decimal | None
    ar_over_90_pct: Decimal | None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: (v.isoformat() if isinstance(v, dt.date) else str(v) if isinstance(v, Decimal) else v)
                for k, v in d.items()}

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["measure", "value"])
        for k, v in self.as_dict().items():
            if k == "denials_by_category":
                for cat, vals in v.items():
                    for mk, mv in vals.items():
                        w.writerow([f"denials.{cat}.{mk}", mv])
            else:
                w.writerow([k, "" if v is None else v])
        return buf.getvalue()


def kpis(session: Session, start: dt.date | None = None, end: dt.date | None = None) -> Kpis:
    """The revenue-cycle KPIs for [start, end] (default: the 90 days up to today). See the module docstring for
    each definition."""
    end = end or dt.date.today()
    start = start or end - dt.timedelta(days=89)
    days = (end - start).days + 1
    in_period = and_(LedgerEntry.posted_on >= start, LedgerEntry.posted_on <= end)
    amt = LedgerEntry.amount
    charges, contractual, pays = session.execute(select(
        func.coalesce(func.sum(case((LedgerEntry.kind == "charge", amt), else_=ZERO)), ZERO),
        func.coalesce(func.sum(case((LedgerEntry.kind == "adjustment", amt), else_=ZERO)), ZERO),
        func.coalesce(func.sum(case((LedgerEntry.kind.in_(("payment", "refund")), amt), else_=ZERO)), ZERO),
    ).where(in_period)).one()
    charges, contractual, pays = to_money(charges), to_money(-contractual), to_money(-pays)
    aging = ar_aging(session, end, "payer")
    ar = aging.total
    net_rev = charges - contractual
    net_days = (ar / (net_rev / days)).quantize(Decimal("0.1")) if net_rev > 0 else None
    gross_days = (ar / (charges / days)).quantize(Decimal("0.1")) if charges > 0 else None

    # Clean claims: first submitted in the period; no return to draft before it, never rejected.
    hist: dict[int, list[tuple[str | None, str, dt.datetime]]] = defaultdict(list)
    for cid, f, t, at in session.execute(select(ClaimTransition.claim_id, ClaimTransition.from_status,
                                                ClaimTransition.to_status, ClaimTransition.at)
                                         .order_by(ClaimTransition.claim_id, ClaimTransition.id)):
        hist[cid].append((f, t, at))
    submitted = clean = 0
    adjudicated = first_paid = 0
    first_adj: dict[int, str] = {}
    for cid, moves in hist.items():
        first_sub = next((i for i, (_f, t, _a) in enumerate(moves) if t == "submitted"), None)
        if first_sub is not None and start <= moves[first_sub][2].date() <= end:
            submitted += 1
            reworked = any(f in ("scrubbed", "ready") and t == "draft" for f, t, _a in moves[:first_sub])
            rejected = any(t == "rejected" for _f, t, _a in moves)
            clean += not (reworked or rejected)
        first = next(((t, a) for _f, t, a in moves if t in ("paid", "partially_paid", "denied")), None)
        if first is not None and start <= first[1].date() <= end:
            adjudicated += 1
            first_adj[cid] = first[0]
            first_paid += first[0] == "paid"
    denied = sum(1 for v in first_adj.values() if v in ("denied", "partially_paid"))

    # Denials by category, on the claims' first posted remittance in the period.
    first_cp = {cid: cpid for cid, cpid in session.execute(
        select(ClaimPayment.claim_id, func.min(ClaimPayment.id)).where(ClaimPayment.outcome == "posted")
        .group_by(ClaimPayment.claim_id)) if cid in first_adj}
    by_cat: dict[str, list[Any]] = defaultdict(lambda: [set(), ZERO])
    denied_dollars = ZERO
    charged_adjudicated = ZERO
    if first_cp:
        ids = list(first_cp.values())
        for start_i in range(0, len(ids), 5000):
            chunk = ids[start_i : start_i + 5000]
            for cpid, cat, amount in session.execute(
                select(RemitAdjustment.claim_payment_id, RemitAdjustment.denial_category, RemitAdjustment.amount)
                .where(RemitAdjustment.claim_payment_id.in_(chunk), RemitAdjustment.treatment == "denial")
            ):
                entry = by_cat[cat or "uncategorised"]
                entry[0].add(cpid)
                entry[1] += amount
                denied_dollars += amount
            charged_adjudicated += to_money(session.scalar(
                select(func.coalesce(func.sum(ClaimPayment.charge), ZERO)).where(ClaimPayment.id.in_(chunk))) or 0)
    cats = {cat: {"claims": str(len(v[0])), "dollars": str(v[1]), "rate": str(_pct(len(v[0]), adjudicated))}
            for cat, v in sorted(by_cat.items(), key=lambda kv: -kv[1][1])}
    return Kpis(
        period_start=start, period_end=end, ar_total=ar, gross_charges=charges, contractual_adjustments=contractual,
        payments=pays, net_days_in_ar=net_days, gross_days_in_ar=gross_days, claims_submitted=submitted,
        clean_claims=clean, clean_claim_rate=_pct(clean, submitted), claims_adjudicated=adjudicated,
        first_pass_paid=first_paid, first_pass_resolution_rate=_pct(first_paid, adjudicated), claims_denied=denied,
        denial_rate=_pct(denied, adjudicated), denied_dollars=denied_dollars,
        denial_dollar_rate=_pct(denied_dollars, charged_adjudicated), denials_by_category=cats,
        net_collection_rate=_pct(pays, net_rev), ar_over_90_pct=aging.over_90_pct,
    )


def claim_balances(session: Session, claim_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Per claim: charges, payments, adjustments, insurance and patient balance (a work-list helper)."""
    amt = LedgerEntry.amount
    q = (select(LedgerEntry.claim_id, ClaimRecord.claim_number, ClaimRecord.status,
                func.sum(case((LedgerEntry.kind == "charge", amt), else_=ZERO)),
                func.sum(case((LedgerEntry.kind.in_(("payment", "refund")), amt), else_=ZERO)),
                func.sum(case((LedgerEntry.kind.in_(("adjustment", "writeoff")), amt), else_=ZERO)),
                func.sum(case((LedgerEntry.payer_id.is_not(None), amt), else_=ZERO)),
                func.sum(case((LedgerEntry.payer_id.is_(None), amt), else_=ZERO)))
         .join(ClaimRecord, ClaimRecord.id == LedgerEntry.claim_id)
         .group_by(LedgerEntry.claim_id, ClaimRecord.claim_number, ClaimRecord.status)
         .order_by(LedgerEntry.claim_id))
    if claim_ids is not None:
        q = q.where(LedgerEntry.claim_id.in_(claim_ids))
    return [{"claim_id": cid, "claim_number": num, "status": st, "charges": str(to_money(c)),
             "payments": str(to_money(-p)), "adjustments": str(to_money(-a)), "insurance_balance": str(to_money(i)),
             "patient_balance": str(to_money(pt))}
            for cid, num, st, c, p, a, i, pt in session.execute(q)]
