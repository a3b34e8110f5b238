"""Sign in and out (pages and API)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chartclaim.web.db import get_db
from chartclaim.web.deps import Ctx, load_session_user, need, signer
from chartclaim.web.policy import Perm, allowed
from chartclaim.web.render import templates
from chartclaim.web.security import LOGIN_CSRF_COOKIE, SESSION_COOKIE, Role, SessionSigner
from chartclaim.web.tables import AuditEvent, User
from chartclaim.web.users import authenticate

router = APIRouter()
api = APIRouter(prefix="/api/v1/auth", tags=["auth"])

HOME_BY_ROLE = {Role.CODER: "/coding", Role.BILLER: "/claims", Role.MANAGER: "/dashboard", Role.ADMIN: "/users"}


def _set_session(request: Request, response: Response, user: User) -> str:
    s: SessionSigner = signer(request)
    data = s.new_session(user.id, user.session_epoch)
    response.set_cookie(SESSION_COOKIE, s.dumps(data), max_age=s.max_age, httponly=True, samesite="strict",
                        secure=request.app.state.secure_cookies, path="/")
    return s.csrf_token(data.nonce)


def _login_event(db: Session, request: Request, user: User | None, username: str, ok: bool) -> None:
    db.add(AuditEvent(user_id=user.id if user else None, username=username.strip().lower()[:64],
                      role=user.role if user else "",
                      action="login" if ok else "login-failed", entity="session", path="/login",
                      ip=(request.client.host if request.client else "")[:64]))


LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = dt.timedelta(minutes=15)


def locked_out(db: Session, username: str) -> bool:
    """Five failed sign-ins for a user name within 15 minutes lock it for the rest of the window (the audit log
    is the record; the range scan on its time index keeps this cheap)."""
    since = dt.datetime.now(dt.UTC) - LOCKOUT_WINDOW
    n = db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.at >= since, AuditEvent.action == "login-failed", AuditEvent.username == username.strip().lower()[:64]))
    return (n or 0) >= LOCKOUT_FAILURES


def _safe_next(nxt: str | None) -> str | None:
    # Only local paths: never redirect off-site after a login.
    if (nxt and nxt.startswith("/") and not nxt.startswith(("//", "/\\", "/api/"))
            and "\\" not in nxt and not any(ch < " " for ch in nxt)):
        return nxt
    return None


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, next: str | None = None, error: str | None = None) -> Response:
    cookie, value = signer(request).new_login_csrf()
    resp = templates.TemplateResponse(request, "login.html", {
        "request": request, "user": None, "nav": [], "login_csrf": value, "next": _safe_next(next) or "",
        "error": error, "csrf_token": ""})
    resp.set_cookie(LOGIN_CSRF_COOKIE, cookie, max_age=3600, httponly=True, samesite="strict", path="/login")
    return resp


@router.post("/login", include_in_schema=False)
def login_submit(request: Request, username: str = Form(...), password: str = Form(...),
                 csrf_token: str = Form(""), next: str = Form(""), db: Session = Depends(get_db)) -> Response:
    if not signer(request).check_login_csrf(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        raise HTTPException(status_code=403, detail="the sign-in form expired; reload the page")
    if locked_out(db, username):
        return RedirectResponse("/login?error=locked", status_code=303)
    user = authenticate(db, username, password)
    _login_event(db, request, user, username, user is not None)
    db.commit()
    if user is None:
        return RedirectResponse("/login?error=1", status_code=303)
    target = _safe_next(next) or HOME_BY_ROLE[Role(user.role)]
    resp = RedirectResponse(target, status_code=303)
    _set_session(request, resp, user)
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return resp


@router.post("/logout", include_in_schema=False)
def logout(ctx: Ctx = need(None)) -> Response:
    ctx.user.session_epoch += 1  # the cookie is dead even if a copy of it survives somewhere
    ctx.audit("logout", "session")
    ctx.db.commit()
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/", include_in_schema=False)
def home(request: Request, db: Session = Depends(get_db)) -> Response:
    found = load_session_user(request, db)
    if found is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME_BY_ROLE[Role(found[0].role)], status_code=303)


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


class LoginIn(BaseModel):
    username: str
    password: str


class Me(BaseModel):
    id: int
    username: str
    full_name: str
    role: str
    permissions: list[str]
    csrf_token: str


def _me(user: User, csrf: str) -> Me:
    return Me(id=user.id, username=user.username, full_name=user.full_name, role=user.role, csrf_token=csrf,
              permissions=sorted(p.value for p in Perm if allowed(user.role, p)))


@api.post("/login", response_model=Me, summary="Sign in; sets the session cookie and returns the CSRF token")
def api_login(body: LoginIn, request: Request, response: Response, db: Session = Depends(get_db)) -> Me:
    if locked_out(db, body.username):
        raise HTTPException(status_code=429, detail="too many failed sign-ins; try again in 15 minutes")
    user = authenticate(db, body.username, body.password)
    _login_event(db, request, user, body.username, user is not None)
    db.commit()
    if user is None:
        raise HTTPException(status_code=401, detail="wrong user name or password")
    csrf = _set_session(request, response, user)
    return _me(user, csrf)


@api.post("/logout", summary="Sign out")
def api_logout(response: Response, ctx: Ctx = need(None)) -> dict[str, str]:
    ctx.user.session_epoch += 1
    ctx.audit("logout", "session")
    ctx.db.commit()
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"status": "signed out"}


@api.get("/me", response_model=Me, summary="The signed-in user, permissions and CSRF token")
def api_me(ctx: Ctx = need(None)) -> Me:
    return _me(ctx.user, ctx.csrf_token)
