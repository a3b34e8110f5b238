from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from chartclaim.web.security import SESSION_COOKIE, hash_password, verify_password
from chartclaim.web.tables import AuditEvent
from tests.web.conftest import login
from tests.web.seed import PASSWORD


def test_passwords_are_argon2_and_verify() -> None:
    h = hash_password("s3cret-pass")
    assert h.startswith("$argon2id$")
    assert verify_password(h, "s3cret-pass")
    assert not verify_password(h, "wrong-pass")
    assert not verify_password(None, "anything")
    with pytest.raises(ValueError):
        hash_password("short")


def test_api_login_sets_httponly_samesite_cookie(anon: TestClient) -> None:
    r = anon.post("/api/v1/auth/login", json={"username": "coder", "password": PASSWORD})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(SESSION_COOKIE + "=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert r.json()["role"] == "coder" and "money:write" not in r.json()["permissions"]


def test_wrong_password_is_refused_and_audited(app: FastAPI, anon: TestClient) -> None:
    r = anon.post("/api/v1/auth/login", json={"username": "coder", "password": "nope-nope"})
    assert r.status_code == 401
    with app.state.sessionmaker() as db:
        ev = db.scalars(select(AuditEvent).where(AuditEvent.action == "login-failed")).all()
    assert ev and ev[-1].username == "coder"


def test_anonymous_api_is_401_and_pages_redirect_to_login(anon: TestClient) -> None:
    assert anon.get("/api/v1/auth/me").status_code == 401
    r = anon.get("/audit")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_tampered_cookie_is_rejected(anon: TestClient) -> None:
    anon.cookies.set(SESSION_COOKIE, "eyJ1IjoxLCJlIjowLCJuIjoieCJ9.forged.sig")
    assert anon.get("/api/v1/auth/me").status_code == 401


def test_writes_need_the_csrf_token(app: FastAPI) -> None:
    c = login(app, "admin")
    token = c.headers.pop("X-CSRF-Token")
    body = {"username": "csrf-probe", "password": "long enough", "role": "coder"}
    assert c.post("/api/v1/users", json=body).status_code == 403
    assert c.post("/api/v1/users", json=body, headers={"X-CSRF-Token": "0" * 64}).status_code == 403
    assert c.post("/api/v1/users", json=body, headers={"X-CSRF-Token": token}).status_code == 201


def test_form_login_flow_needs_login_csrf(anon: TestClient) -> None:
    page = anon.get("/login")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    bad = anon.post("/login", data={"username": "biller", "password": PASSWORD, "csrf_token": "x"})
    assert bad.status_code == 403
    ok = anon.post("/login", data={"username": "biller", "password": PASSWORD, "csrf_token": token})
    assert ok.status_code == 303 and ok.headers["location"] == "/claims"
    # The page form carries the per-session CSRF token; a form post without it is refused.
    assert anon.post("/logout", data={}).status_code == 403


def test_logout_kills_the_cookie_everywhere(app: FastAPI, clients: dict[str, TestClient]) -> None:
    clients["admin"].post("/api/v1/users", json={"username": "leaver", "password": "long enough", "role": "biller"})
    a = login(app, "leaver", "long enough")
    b = login(app, "leaver", "long enough")
    assert a.post("/api/v1/auth/logout").status_code == 200
    assert b.get("/api/v1/auth/me").status_code == 401


def test_role_change_signs_the_user_out(app: FastAPI, clients: dict[str, TestClient]) -> None:
    uid = clients["admin"].post("/api/v1/users", json={"username": "mover", "password": "long enough",
                                                       "role": "coder"}).json()["id"]
    c = login(app, "mover", "long enough")
    assert clients["admin"].patch(f"/api/v1/users/{uid}", json={"role": "biller"}).status_code == 200
    assert c.get("/api/v1/auth/me").status_code == 401
    assert login(app, "mover", "long enough").get("/api/v1/auth/me").json()["role"] == "biller"


def test_disabled_user_cannot_sign_in(app: FastAPI, clients: dict[str, TestClient], anon: TestClient) -> None:
    uid = clients["admin"].post("/api/v1/users", json={"username": "gone", "password": "long enough",
                                                       "role": "coder"}).json()["id"]
    clients["admin"].patch(f"/api/v1/users/{uid}", json={"active": False})
    assert anon.post("/api/v1/auth/login", json={"username": "gone", "password": "long enough"}).status_code == 401


def test_audit_log_is_append_only(app: FastAPI) -> None:
    with app.state.sessionmaker() as db:
        # Its own event: under pytest-xdist this test may run before any request has written one.
        db.add(AuditEvent(username="tester", action="view", entity="patient", entity_id="1"))
        db.commit()
        ev = db.scalars(select(AuditEvent).limit(1)).first()
        assert ev is not None
        ev.action = "tampered"
        with pytest.raises(PermissionError):
            db.flush()
        db.rollback()
        with pytest.raises(Exception, match="append-only"):
            db.execute(text("UPDATE audit_event SET action = 'x'"))
        db.rollback()
        with pytest.raises(Exception, match="append-only"):
            db.execute(text("DELETE FROM audit_event"))
        db.rollback()


def test_openapi_is_published(anon: TestClient) -> None:
    spec = anon.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "chartclaim"
    assert "/api/v1/users" in spec["paths"]


def test_security_headers(anon: TestClient) -> None:
    r = anon.get("/login")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"


def test_repeated_failures_lock_the_user_name(app: FastAPI, clients: dict[str, TestClient], anon: TestClient) -> None:
    clients["admin"].post("/api/v1/users", json={"username": "target", "password": "long enough", "role": "coder"})
    for _ in range(5):
        assert anon.post("/api/v1/auth/login", json={"username": "Target", "password": "guess-guess"}).status_code == 401
    r = anon.post("/api/v1/auth/login", json={"username": "target", "password": "long enough"})
    assert r.status_code == 429  # even the right password waits out the window
    assert anon.post("/api/v1/auth/login", json={"username": "coder", "password": PASSWORD}).status_code == 200


def test_login_redirect_stays_on_this_site() -> None:
    from chartclaim.web.routers.auth import _safe_next

    assert _safe_next("/claims?status=draft") == "/claims?status=draft"
    for bad in ("//evil.example", "/\\evil.example", "https://evil.example", "/api/v1/users", "/x\\y", "/a\nb", None):
        assert _safe_next(bad) is None
