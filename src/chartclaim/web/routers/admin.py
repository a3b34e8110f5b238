"""User management (admin) and the audit log (managers, admins)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, select

from chartclaim.web.deps import Ctx, need
from chartclaim.web.pagination import Page, PageParams, fetch_page, page_params
from chartclaim.web.policy import Perm
from chartclaim.web.render import render
from chartclaim.web.security import Role
from chartclaim.web.tables import AuditEvent, User
from chartclaim.web.users import UserError, create_user, update_user

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["admin"])


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    full_name: str
    role: str
    active: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None


class UserIn(BaseModel):
    username: str
    password: str
    role: Role
    full_name: str = ""


class UserPatch(BaseModel):
    role: Role | None = None
    active: bool | None = None
    password: str | None = None
    full_name: str | None = None


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: dt.datetime
    user_id: int | None
    username: str
    role: str
    action: str
    entity: str
    entity_id: str | None
    patient_id: int | None
    path: str
    detail: str


def _users_stmt(role: str | None, active: bool | None, q: str | None) -> Select[User]:
    stmt = select(User).order_by(User.username)
    if role:
        stmt = stmt.where(User.role == role)
    if active is not None:
        stmt = stmt.where(User.active == active)
    if q:
        stmt = stmt.where(User.username.contains(q.lower()) | User.full_name.contains(q))
    return stmt


@api.get("/users", response_model=Page[UserOut], summary="List users")
def list_users(role: Role | None = None, active: bool | None = None, q: str | None = None,
               page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.USERS_WRITE)) -> Page[UserOut]:
    rows, total = fetch_page(ctx.db, _users_stmt(role, active, q), page)
    return Page(items=[UserOut.model_validate(r[0]) for r in rows], total=total, limit=page.limit, offset=page.offset)


@api.post("/users", response_model=UserOut, status_code=201, summary="Create a user")
def api_create_user(body: UserIn, ctx: Ctx = need(Perm.USERS_WRITE)) -> UserOut:
    try:
        user = create_user(ctx.db, body.username, body.password, body.role.value, body.full_name)
    except UserError as e:
        raise HTTPException(status_code=422, detail=str(e)) from None
    ctx.audit("create", "user", user.id, role=user.role)
    ctx.db.commit()
    return UserOut.model_validate(user)


@api.patch("/users/{user_id}", response_model=UserOut, summary="Change a user's role, password or status")
def api_update_user(user_id: int, body: UserPatch, ctx: Ctx = need(Perm.USERS_WRITE)) -> UserOut:
    user = ctx.db.get(User, user_id)
    if user is None:
        raise HTTPException(status_code=404, detail=f"no user {user_id}")
    try:
        update_user(ctx.db, user, role=body.role.value if body.role else None, active=body.active,
                    password=body.password, full_name=body.full_name)
    except UserError as e:
        raise HTTPException(status_code=422, detail=str(e)) from None
    ctx.audit("update", "user", user.id, fields=sorted(body.model_dump(exclude_none=True, exclude={"password"}))
              + (["password"] if body.password else []))
    ctx.db.commit()
    return UserOut.model_validate(user)


def _audit_stmt(username: str | None, action: str | None, entity: str | None, patient_id: int | None,
                since: dt.datetime | None, until: dt.datetime | None) -> Select[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if username:
        stmt = stmt.where(AuditEvent.username == username)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if entity:
        stmt = stmt.where(AuditEvent.entity == entity)
    if patient_id is not None:
        stmt = stmt.where(AuditEvent.patient_id == patient_id)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    if until:
        stmt = stmt.where(AuditEvent.at < until)
    return stmt


@api.get("/audit", response_model=Page[AuditOut], summary="The audit log, newest first")
def list_audit(username: str | None = None, action: str | None = None, entity: str | None = None,
               patient_id: int | None = None, since: dt.datetime | None = None, until: dt.datetime | None = None,
               page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.AUDIT_READ)) -> Page[AuditOut]:
    rows, total = fetch_page(ctx.db, _audit_stmt(username, action, entity, patient_id, since, until), page)
    return Page(items=[AuditOut.model_validate(r[0]) for r in rows], total=total, limit=page.limit, offset=page.offset)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, error: str | None = None, ctx: Ctx = need(Perm.USERS_WRITE)) -> Response:
    users = list(ctx.db.scalars(select(User).order_by(User.username)))
    return render(ctx, request, "users.html", users=users, roles=[r.value for r in Role], error=error)


@router.post("/users")
def users_create(username: str = Form(...), password: str = Form(...), role: str = Form(...),
                 full_name: str = Form(""), ctx: Ctx = need(Perm.USERS_WRITE)) -> Response:
    try:
        user = create_user(ctx.db, username, password, role, full_name)
    except UserError as e:
        ctx.db.rollback()
        return RedirectResponse(f"/users?error={e}", status_code=303)
    ctx.audit("create", "user", user.id, role=user.role)
    ctx.db.commit()
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}")
def users_update(user_id: int, role: str = Form(""), active: str = Form(""), password: str = Form(""),
                 ctx: Ctx = need(Perm.USERS_WRITE)) -> Response:
    user = ctx.db.get(User, user_id)
    if user is None:
        raise HTTPException(status_code=404, detail=f"no user {user_id}")
    try:
        update_user(ctx.db, user, role=role or None, active={"1": True, "0": False}.get(active),
                    password=password or None)
    except UserError as e:
        ctx.db.rollback()
        return RedirectResponse(f"/users?error={e}", status_code=303)
    ctx.audit("update", "user", user.id)
    ctx.db.commit()
    return RedirectResponse("/users", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, username: str | None = None, action: str | None = None,
               entity: str | None = None, patient_id: int | None = None,
               page: PageParams = Depends(page_params), ctx: Ctx = need(Perm.AUDIT_READ)) -> Response:
    rows, total = fetch_page(ctx.db, _audit_stmt(username, action, entity, patient_id, None, None), page)
    return render(ctx, request, "audit.html", events=[r[0] for r in rows], total=total, page=page,
                  filters={"username": username or "", "action": action or "", "entity": entity or "",
                           "patient_id": patient_id if patient_id is not None else ""})
