"""The role × route authorisation matrix, generated from the route table: every forbidden pair answers 403."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from chartclaim.web.deps import Guard
from chartclaim.web.policy import ROLE_PERMS, Perm, allowed
from chartclaim.web.routers import iter_routes
from chartclaim.web.security import Role

PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/"), ("GET", "/healthz"), ("POST", "/api/v1/auth/login")}


def _guards(dep: Dependant) -> list[Guard]:
    found = [dep.call] if isinstance(dep.call, Guard) else []
    for sub in dep.dependencies:
        found += _guards(sub)
    return found


def route_table() -> list[tuple[str, str, Perm | None]]:
    rows = []
    for route in iter_routes():
        assert isinstance(route, APIRoute)
        for method in sorted(route.methods - {"HEAD"}):
            guards = _guards(route.dependant)
            if (method, route.path) in PUBLIC:
                assert not guards, f"{method} {route.path} is public but guarded"
                continue
            assert len(guards) == 1, f"{method} {route.path} must carry exactly one permission guard, has {guards}"
            rows.append((method, route.path, guards[0].perm))
    return rows


ROUTES = route_table()
FORBIDDEN = [(role, m, p, perm) for m, p, perm in ROUTES for role in Role if perm is not None and not allowed(role, perm)]
ALLOWED_GETS = [(role, m, p, perm) for m, p, perm in ROUTES for role in Role
                if m == "GET" and (perm is None or allowed(role, perm))]


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def _call(client: TestClient, method: str, path: str) -> Any:
    kwargs: dict[str, Any] = {}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    return client.request(method, _url(path), **kwargs)


def test_route_table_is_not_trivial() -> None:
    assert len(ROUTES) >= 20
    assert len(FORBIDDEN) >= 30
    # every permission is used by some route, and every role is refused something
    used = {perm for _, _, perm in ROUTES}
    assert set(Perm) - used == set(), f"unused permissions: {set(Perm) - used}"
    assert all(ROLE_PERMS[r] != set(Perm) for r in Role)


@pytest.mark.parametrize(("role", "method", "path", "perm"), FORBIDDEN,
                         ids=[f"{r.value}-{m}-{p}" for r, m, p, _ in FORBIDDEN])
def test_forbidden_pairs_get_403(clients: dict[str, TestClient], role: Role, method: str, path: str, perm: Perm) -> None:
    r = _call(clients[role.value], method, path)
    assert r.status_code == 403, f"{role} {method} {path} ({perm}) answered {r.status_code}"


@pytest.mark.parametrize(("role", "method", "path", "perm"), ALLOWED_GETS,
                         ids=[f"{r.value}-{m}-{p}" for r, m, p, _ in ALLOWED_GETS])
def test_allowed_reads_are_not_refused(clients: dict[str, TestClient], role: Role, method: str, path: str,
                                       perm: Perm | None) -> None:
    r = _call(clients[role.value], method, path)
    assert r.status_code != 403, f"{role} {method} {path} refused: {r.text[:200]}"
    assert r.status_code < 500 or r.status_code == 501, r.text[:300]  # 501: a billing service not there yet


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _ in ROUTES])
def test_anonymous_is_refused_everywhere(anon: TestClient, method: str, path: str) -> None:
    r = _call(anon, method, path)
    if path.startswith("/api/"):
        assert r.status_code == 401
    else:
        assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_money_and_codes_rules_of_the_trade() -> None:
    assert not allowed(Role.CODER, Perm.MONEY_WRITE)
    assert not allowed(Role.BILLER, Perm.CODING_WRITE)
    assert allowed(Role.MANAGER, Perm.REPORTS_READ) and allowed(Role.MANAGER, Perm.AUDIT_READ)
    assert allowed(Role.ADMIN, Perm.USERS_WRITE) and not allowed(Role.ADMIN, Perm.PATIENTS_READ)


# Reads that show no patient data (no audit row needed): the user's own record, user admin, the audit log,
# the encoder, aggregate reports, payer-level remittance lists, coder agreement figures.
NO_PATIENT_DATA = {"/api/v1/auth/me", "/api/v1/users", "/users", "/api/v1/audit", "/audit", "/api/v1/codes/search",
                   "/api/v1/reports/ar-aging", "/api/v1/reports/denials", "/api/v1/reports/clean-claim-rate",
                   "/api/v1/reports/kpis", "/dashboard", "/api/v1/remittances", "/api/v1/denials/categories",
                   "/api/v1/coding/accuracy"}


def test_every_read_of_patient_data_is_audited(app: object, clients: dict[str, TestClient], ids: dict[str, int]) -> None:
    from sqlalchemy import func, select

    from chartclaim.web.tables import AuditEvent

    values = {"encounter_id": ids["encounter1"], "claim_id": ids["claim2"], "patient_id": ids["patient0"],
              "remittance_id": 1, "query_id": 1, "exception_id": 1, "user_id": 1, "plan_id": 1}
    checked = 0
    for method, path, perm in ROUTES:
        if method != "GET" or path in NO_PATIENT_DATA or path in ("/api/v1/openapi.json",):
            continue
        role = next((r for r in ("biller", "coder", "manager") if perm is None or allowed(r, perm)), None)
        if role is None:
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)
        with app.state.sessionmaker() as db:  # type: ignore[attr-defined]
            before = db.scalar(select(func.count()).select_from(AuditEvent))
        r = clients[role].get(url, params={"q": "x"} if path.endswith("/search") else None)
        if r.status_code != 200:
            continue  # nothing was shown (e.g. no denial to write a letter for)
        with app.state.sessionmaker() as db:  # type: ignore[attr-defined]
            after = db.scalar(select(func.count()).select_from(AuditEvent))
        assert after > before, f"GET {path} showed data without an audit event"
        checked += 1
    assert checked >= 20
