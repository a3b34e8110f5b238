"""Dashboard figures: A/R aging by payer, denials by category, clean-claim rate by month, and the small SVG
charts drawn server-side (no chart library, no script).

Uses `chartclaim.billing.reports` when the billing core provides it; these queries are the screen's own until
then and follow the same definitions (aging by date of service; clean claim = first submission never rejected).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from chartclaim.store.models import ClaimLine, ClaimRecord, ClaimTransition, LedgerEntry, PayerRecord
from chartclaim.web.services.money import denial_counts

BUCKETS = ("0-30", "31-60", "61-90", "91-120", "120+")
ZERO = Decimal("0.00")


def bucket(age_days: int) -> int:
    return 0 if age_days <= 30 else 1 if age_days <= 60 else 2 if age_days <= 90 else 3 if age_days <= 120 else 4


@dataclass
class AgingRow:
    party: str
    payer_id: int | None
    buckets: list[Decimal] = field(default_factory=lambda: [ZERO] * 5)

    @property
    def total(self) -> Decimal:
        return sum(self.buckets, ZERO)


def ar_aging(db: Session, as_of: dt.date | None = None) -> list[AgingRow]:
    """Open balance per party (each payer, and patients together) by age of the service date."""
    as_of = as_of or dt.date.today()
    rows = db.execute(select(LedgerEntry.payer_id, ClaimLine.date_of_service, func.sum(LedgerEntry.amount))
                      .join(ClaimLine, ClaimLine.id == LedgerEntry.claim_line_id)
                      .group_by(LedgerEntry.payer_id, ClaimLine.date_of_service)).all()
    names = dict(db.execute(select(PayerRecord.id, PayerRecord.name)).tuples().all())
    out: dict[int | None, AgingRow] = {}
    for payer_id, dos, amount in rows:
        amt = Decimal(amount or 0)
        if amt == 0:
            continue
        row = out.setdefault(payer_id, AgingRow(names.get(payer_id, "?") if payer_id else "Patients", payer_id))
        row.buckets[bucket((as_of - dos).days)] += amt
    return sorted((r for r in out.values() if r.total != 0), key=lambda r: -r.total)


@dataclass(frozen=True)
class MonthRate:
    month: str
    submitted: int
    clean: int

    @property
    def rate(self) -> float | None:
        return None if self.submitted == 0 else self.clean / self.submitted


def clean_claim_rate(db: Session, months: int = 12) -> list[MonthRate]:
    """Per month of first submission: claims submitted, and those never rejected by clearinghouse or payer
    front end (no move to 'rejected')."""
    rejected = exists().where(ClaimTransition.claim_id == ClaimRecord.id, ClaimTransition.to_status == "rejected")
    rows = db.execute(select(ClaimRecord.first_submitted_on, rejected.label("rej"))
                      .where(ClaimRecord.first_submitted_on.is_not(None))).all()
    per: dict[str, list[int]] = {}
    for d, rej in rows:
        if d is None:
            continue
        key = d.strftime("%Y-%m")
        v = per.setdefault(key, [0, 0])
        v[0] += 1
        v[1] += 0 if rej else 1
    return [MonthRate(k, v[0], v[1]) for k, v in sorted(per.items())][-months:]


def denials_by_category(db: Session) -> list[tuple[str, int, Decimal]]:
    return denial_counts(db, state=None)


def summary(db: Session) -> dict[str, Any]:
    from chartclaim.billing import ledger

    t = ledger.overall_totals(db)
    status_counts = dict(db.execute(select(ClaimRecord.status, func.count()).group_by(ClaimRecord.status)).tuples().all())
    return {"totals": t.as_dict(), "claims_by_status": {k: int(v) for k, v in status_counts.items()}}


# ------------------------------------------------------------------------------------------------ SVG


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    label: str
    value: str
    color: str


PALETTE = ("#1f5fbf", "#3b82c4", "#f0a202", "#d1495b", "#6b2d5c")


def hbars(items: list[tuple[str, float, str]], width: int = 460, row: int = 22) -> dict[str, Any]:
    """Horizontal bars: (label, value, shown text) → geometry for the template."""
    top = max((v for _, v, _ in items), default=0) or 1
    label_w = 150
    bars = [Bar(label_w, i * row + 2, max(1.0, (width - label_w - 110) * v / top), row - 6, lab, txt,
                PALETTE[i % len(PALETTE)]) for i, (lab, v, txt) in enumerate(items)]
    return {"width": width, "height": max(row, row * len(items)) + 4, "bars": bars, "label_w": label_w}


def stacked(rows: list[AgingRow], width: int = 460, row: int = 22) -> dict[str, Any]:
    """A/R aging: one stacked bar per party, one colour per age bucket."""
    top = max((float(r.total) for r in rows), default=0) or 1
    label_w = 150
    out = []
    for i, r in enumerate(rows):
        x = float(label_w)
        for b, amt in enumerate(r.buckets):
            w = (width - label_w - 90) * float(max(amt, ZERO)) / top
            if w > 0:
                out.append(Bar(x, i * row + 2, w, row - 6, f"{r.party} {BUCKETS[b]}", f"${amt:,.2f}", PALETTE[b]))
                x += w
    return {"width": width, "height": max(row, row * len(rows)) + 4, "bars": out, "label_w": label_w,
            "labels": [(r.party, i * row + row / 2 + 2, f"${r.total:,.2f}") for i, r in enumerate(rows)],
            "legend": list(zip(BUCKETS, PALETTE, strict=True))}


def line(points: list[tuple[str, float | None]], width: int = 460, height: int = 160) -> dict[str, Any]:
    """Clean-claim rate by month (0–100 %)."""
    pad = 30
    n = max(1, len(points) - 1)
    xy = [(pad + (width - 2 * pad) * i / n, height - pad - (height - 2 * pad) * (v or 0), lab, v)
          for i, (lab, v) in enumerate(points)]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y, _, v) in enumerate(xy) if v is not None)
    return {"width": width, "height": height, "pad": pad, "points": xy, "path": path}
