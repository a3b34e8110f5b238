"""Routers: pages (HTML) and API (/api/v1) for each area."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import APIRoute

from chartclaim.web.routers import admin, auth, billing, coding, patients, reports

ROUTERS: list[APIRouter] = [auth.router, auth.api, admin.router, admin.api, coding.router, coding.api,
                             billing.router, billing.api, patients.router, patients.api,
                             reports.router, reports.api]


def iter_routes() -> list[APIRoute]:
    """Every APIRoute of the application (paths include their router prefix); the route table of the tests."""
    return [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]
