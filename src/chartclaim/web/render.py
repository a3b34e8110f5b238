"""Jinja2 rendering with the globals every page needs (user, CSRF token, navigation)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from chartclaim.web.deps import Ctx
from chartclaim.web.policy import Perm, allowed

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def _money(v: Any) -> str:
    if v is None or v == "":
        return ""
    d = Decimal(str(v)).quantize(Decimal("0.01"))
    return f"-${-d:,.2f}" if d < 0 else f"${d:,.2f}"


def _date(v: Any) -> str:
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, dt.date):
        return v.isoformat()
    return "" if v is None else str(v)


templates.env.filters["money"] = _money
templates.env.filters["d"] = _date
templates.env.globals["Perm"] = Perm

# Navigation: (label, path, permission, shortcut hint)
NAV: list[tuple[str, str, Perm]] = [
    ("Coding queue", "/coding", Perm.CODING_WRITE),
    ("Coding audit", "/coding/audit", Perm.CODING_AUDIT),
    ("Claims", "/claims", Perm.BILLING_READ),
    ("Responses", "/responses", Perm.BILLING_READ),
    ("Remittances", "/remittances", Perm.BILLING_READ),
    ("Denials", "/denials", Perm.BILLING_READ),
    ("Patients", "/patients", Perm.PATIENTS_READ),
    ("Dashboard", "/dashboard", Perm.REPORTS_READ),
    ("Audit log", "/audit", Perm.AUDIT_READ),
    ("Users", "/users", Perm.USERS_WRITE),
]


def render(ctx: Ctx | None, request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    nav = []
    if ctx is not None:
        nav = [(label, path) for label, path, perm in NAV if allowed(ctx.user.role, perm)]
    context.update(
        request=request,
        user=ctx.user if ctx else None,
        csrf_token=ctx.csrf_token if ctx else "",
        nav=nav,
        can=(lambda perm: ctx is not None and allowed(ctx.user.role, perm)),
    )
    return templates.TemplateResponse(request, name, context, status_code=status_code)
