"""The managers' dashboard over the billing core's reports (chartclaim.billing.reports: A/R aging, KPIs with
the HFMA MAP Key definitions) and its denial work queue, plus the small SVG charts drawn server-side (no chart
library, no script)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from chartclaim.billing import reports
from chartclaim.billing.reports import BUCKETS

ZERO = Decimal("0.00")


def month_starts(end: dt.date, months: int) -> list[dt.date]:
    y, m = end.year, end.month
    out = []
    for _ in range(months):
        out.append(dt.date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


@dataclass(frozen=True)
class MonthRate:
    month: str
    submitted: int
    clean: int
    rate: Decimal | None  # percent


def clean_claim_rate(db: Session, months: int = 6, end: dt.date | None = None) -> list[MonthRate]:
    """Clean-claim rate (billing.reports.kpis) for each calendar month, oldest first."""
    end = end or dt.date.today()
    out = []
    for start in month_starts(end, months):
        nxt = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        k = reports.kpis(db, start, min(end, nxt - dt.timedelta(days=1)))
        out.append(MonthRate(start.strftime("%Y-%m"), k.claims_submitted, k.clean_claims, k.clean_claim_rate))
    return out


def open_denials_by_category(db: Session) -> list[tuple[str, int, Decimal]]:
    from chartclaim.billing.workqueues import denial_queue

    per: dict[str, list[Any]] = {}
    for d in denial_queue(db):
        v = per.setdefault(d.category or "other", [0, ZERO])
        v[0] += 1
        v[1] += d.open_with_payer
    return sorted(((c, n, a) for c, (n, a) in per.items()), key=lambda t: -t[2])


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


def stacked(report: reports.AgingReport, width: int = 460, row: int = 22) -> dict[str, Any]:
    """A/R aging: one stacked bar per party, one colour per age bucket."""
    rows = report.rows
    top = max((float(r.total) for r in rows), default=0) or 1
    label_w = 150
    out = []
    for i, r in enumerate(rows):
        x = float(label_w)
        for b, color in zip(BUCKETS, PALETTE, strict=True):
            amt = r.buckets[b]
            w = (width - label_w - 90) * float(max(amt, ZERO)) / top
            if w > 0:
                out.append(Bar(x, i * row + 2, w, row - 6, f"{r.name} {b}", f"${amt:,.2f}", color))
                x += w
    return {"width": width, "height": max(row, row * len(rows)) + 4, "bars": out, "label_w": label_w,
            "labels": [(r.name, i * row + row / 2 + 2, f"${r.total:,.2f}") for i, r in enumerate(rows)],
            "legend": list(zip(BUCKETS, PALETTE, strict=True))}


def line(points: list[tuple[str, Decimal | None]], width: int = 460, height: int = 160) -> dict[str, Any]:
    """A rate in percent by month (0–100)."""
    pad = 30
    n = max(1, len(points) - 1)
    xy = [(pad + (width - 2 * pad) * i / n, height - pad - (height - 2 * pad) * float(v or 0) / 100, lab, v)
          for i, (lab, v) in enumerate(points)]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}"
                    for i, (x, y, _, v) in enumerate(p for p in xy if p[3] is not None))
    return {"width": width, "height": height, "pad": pad, "points": xy, "path": path}
