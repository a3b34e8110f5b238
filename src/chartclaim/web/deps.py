"""Request dependencies: the signed-in user, the permission guard every route carries, CSRF, audit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from chartclaim.web.db import get_db
from chartclaim.web.policy import Perm, allowed
from chartclaim.web.security import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, SessionData, SessionSigner
from chartclaim.web.tables import AuditEvent, User

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequired(Exception):
    """Raised for an anonymous request; the app answers 401 on the API and a redirect to /login on pages."""


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def signer(request: Request) -> SessionSigner:
    s: SessionSigner = request.app.state.signer
    return s


@dataclass
class Ctx:
    """What a route needs: the database session, the user, the session (for CSRF) and an audit recorder."""

    request: Request
    db: Session
    user: User
    session: SessionData

    @property
    def csrf_token(self) -> str:
        return signer(self.request).csrf_token(self.session.nonce)

    def audit(self, action: str, entity: str, entity_id: Any = None, patient_id: int | None = None,
              **detail: Any) -> None:
        """Record a change; it commits with the change itself (one transaction). Reads use `view`."""
        ev = AuditEvent(
            user_id=self.user.id, username=self.user.username, role=self.user.role, action=action,
            entity=entity, entity_id=None if entity_id is None else str(entity_id), patient_id=patient_id,
            path=str(self.request.url.path)[:255], detail=json.dumps(detail, default=str, sort_keys=True) if detail else "",
            ip=(self.request.client.host if self.request.client else "")[:64],
        )
        self.db.add(ev)

    def view(self, entity: str, entity_id: Any = None, patient_id: int | None = None, **detail: Any) -> None:
        """Record a read of patient data and commit it at once."""
        self.audit("view", entity, entity_id, patient_id, **detail)
        self.db.commit()


def load_session_user(request: Request, db: Session) -> tuple[User, SessionData] | None:
    data = signer(request).loads(request.cookies.get(SESSION_COOKIE))
    if data is None:
        return None
    user = db.get(User, data.user_id)
    if user is None or not user.active or user.session_epoch != data.epoch:
        return None
    return user, data


async def _csrf_ok(request: Request, data: SessionData) -> bool:
    token = request.headers.get(CSRF_HEADER) or None
    if token is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()  # Starlette caches it, so the route can read the form again
            raw = form.get(CSRF_FIELD)
            token = raw if isinstance(raw, str) else None
    return signer(request).check_csrf(data.nonce, token)


class Guard:
    """The dependency on every protected route: signed in, holding `perm`, and (for writes) a valid CSRF token.

    The authorisation tests find it on each route (`route.dependant`) and derive the role × route matrix."""

    def __init__(self, perm: Perm | None):
        self.perm = perm

    def __repr__(self) -> str:
        return f"Guard({self.perm})"

    async def __call__(self, request: Request, db: Session = Depends(get_db)) -> Ctx:
        found = load_session_user(request, db)
        if found is None:
            raise LoginRequired()
        user, data = found
        ctx = Ctx(request, db, user, data)
        if self.perm is not None and not allowed(user.role, self.perm):
            ctx.audit("denied", "route", None, None, method=request.method, perm=str(self.perm))
            db.commit()
            raise HTTPException(status_code=403, detail=f"role {user.role} may not do this ({self.perm})")
        if request.method in UNSAFE_METHODS and not await _csrf_ok(request, data):
            raise HTTPException(status_code=403, detail="missing or invalid CSRF token")
        return ctx


_guards: dict[Perm | None, Guard] = {}


def need(perm: Perm | None) -> Any:
    """`ctx: Ctx = need(Perm.X)` — `None` means any signed-in user."""
    g = _guards.setdefault(perm, Guard(perm))
    return Depends(g)
