"""Managers' dashboard and report API over the billing core's reports (A/R aging, KPIs, clean-claim rate by
month, denials by category)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from chartclaim.billing import reports
from chartclaim.web.deps import Ctx, need
from chartclaim.web.pagination import Page, PageParams, page_params
from chartclaim.web.policy import Perm
from chartclaim.web.render import render
from chartclaim.web.services import dashboard as dash

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@api.get("/ar-aging", response_model=Page[dict[str, Any]],
         summary="A/R aging (0-30 … 120+ days from the date of service) by payer or by patient")
def api_aging(as_of: dt.date | None = None, by: str = Query("payer", description="payer | patient"),
              page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.REPORTS_READ)) -> Page[dict[str, Any]]:
    try:
        rep = reports.ar_aging(ctx.db, as_of, by)
    except ValueError as e:
        raise HTTPException(status_code=422, detail=str(e)) from None
    if by == "patient":
        ctx.view("ar-aging", None, None, by="patient")
    rows = [r.as_dict() for r in rep.rows]
    return Page(items=rows[page.offset: page.offset + page.limit], total=len(rows), limit=page.limit, offset=page.offset)


@api.get("/kpis", summary="Days in A/R, clean-claim, first-pass, denial and net collection rates (HFMA MAP Keys)")
def api_kpis(start: dt.date | None = None, end: dt.date | None = None, ctx: Ctx = need(Perm.REPORTS_READ)) -> dict[str, Any]:
    return reports.kpis(ctx.db, start, end).as_dict()


@api.get("/denials", response_model=Page[dict[str, Any]], summary="Open denials (the work queue) by category")
def api_denials(page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.REPORTS_READ)) -> Page[dict[str, Any]]:
    rows = [{"category": c, "count": n, "open_amount": str(a)} for c, n, a in dash.open_denials_by_category(ctx.db)]
    return Page(items=rows[page.offset: page.offset + page.limit], total=len(rows), limit=page.limit, offset=page.offset)


@api.get("/clean-claim-rate", response_model=Page[dict[str, Any]], summary="Clean-claim rate by calendar month")
def api_clean(months: int = Query(6, ge=1, le=24), page: PageParams = Depends(page_params),
              ctx: Ctx = need(Perm.REPORTS_READ)) -> Page[dict[str, Any]]:
    rows = [{**asdict(m), "rate": None if m.rate is None else str(m.rate)} for m in dash.clean_claim_rate(ctx.db, months)]
    return Page(items=rows[page.offset: page.offset + page.limit], total=len(rows), limit=page.limit, offset=page.offset)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, ctx: Ctx = need(Perm.REPORTS_READ)) -> Response:
    aging = reports.ar_aging(ctx.db)
    k = reports.kpis(ctx.db)
    denials = dash.open_denials_by_category(ctx.db)
    rates = dash.clean_claim_rate(ctx.db)
    return render(ctx, request, "dashboard.html", kpis=k, aging=aging, aging_chart=dash.stacked(aging),
                  denial_chart=dash.hbars([(c, float(a), f"{n} · ${a:,.2f}") for c, n, a in denials]),
                  rate_chart=dash.line([(m.month, m.rate) for m in rates]), rates=rates, buckets=reports.BUCKETS)
