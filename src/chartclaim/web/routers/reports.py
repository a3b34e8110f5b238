"""Managers' dashboard and report API (A/R aging, denials by category, clean-claim rate)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from chartclaim.web.deps import Ctx, need
from chartclaim.web.pagination import Page, PageParams, page_params
from chartclaim.web.policy import Perm
from chartclaim.web.render import render
from chartclaim.web.services import dashboard as dash

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/reports", tags=["reports"])


def _aging_json(rows: list[dash.AgingRow]) -> list[dict[str, Any]]:
    return [{"party": r.party, "payer_id": r.payer_id, "total": str(r.total),
             **{b: str(v) for b, v in zip(dash.BUCKETS, r.buckets, strict=True)}} for r in rows]


@api.get("/ar-aging", response_model=Page[dict[str, Any]], summary="A/R aging by payer (and patients), by service date")
def api_aging(as_of: dt.date | None = None, page: PageParams = Depends(page_params),
              ctx: Ctx = need(Perm.REPORTS_READ)) -> Page[dict[str, Any]]:
    rows = _aging_json(dash.ar_aging(ctx.db, as_of))
    return Page(items=rows[page.offset: page.offset + page.limit], total=len(rows), limit=page.limit, offset=page.offset)


@api.get("/denials", response_model=Page[dict[str, Any]], summary="Denials by category (all time)")
def api_denials(page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.REPORTS_READ)) -> Page[dict[str, Any]]:
    rows = [{"category": c, "count": n, "amount": str(a)} for c, n, a in dash.denials_by_category(ctx.db)]
    return Page(items=rows[page.offset: page.offset + page.limit], total=len(rows), limit=page.limit, offset=page.offset)


@api.get("/clean-claim-rate", response_model=Page[dict[str, Any]], summary="Clean-claim rate by month of first submission")
def api_clean(months: int = Query(12, ge=1, le=60), page: PageParams = Depends(page_params),
              ctx: Ctx = need(Perm.REPORTS_READ)) -> Page[dict[str, Any]]:
    rows = [{"month": m.month, "submitted": m.submitted, "clean": m.clean, "rate": m.rate}
            for m in dash.clean_claim_rate(ctx.db, months)]
    return Page(items=rows[page.offset: page.offset + page.limit], total=len(rows), limit=page.limit, offset=page.offset)


@api.get("/summary", summary="Totals (charges, payments, adjustments, balances) and claims by status")
def api_summary(ctx: Ctx = need(Perm.REPORTS_READ)) -> dict[str, Any]:
    return dash.summary(ctx.db)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, ctx: Ctx = need(Perm.REPORTS_READ)) -> Response:
    aging = dash.ar_aging(ctx.db)
    denials = dash.denials_by_category(ctx.db)
    rates = dash.clean_claim_rate(ctx.db)
    return render(ctx, request, "dashboard.html", summary=dash.summary(ctx.db), aging=aging,
                  aging_chart=dash.stacked(aging),
                  denial_chart=dash.hbars([(c, float(n), f"{n} · ${a:,.2f}") for c, n, a in denials]),
                  rate_chart=dash.line([(m.month, m.rate) for m in rates]), rates=rates, buckets=dash.BUCKETS)
