"""User accounts: create, change role, deactivate. Used by the admin pages/API and `chartclaim users add`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartclaim.web.security import Role, hash_password, verify_password
from chartclaim.web.tables import User


class UserError(ValueError):
    pass


def create_user(db: Session, username: str, password: str, role: str, full_name: str = "") -> User:
    username = username.strip().lower()
    if not username or len(username) > 64 or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise UserError("username: letters, digits, '.', '_' or '-' (at most 64)")
    try:
        role = Role(role).value
    except ValueError:
        raise UserError(f"role must be one of {', '.join(r.value for r in Role)}") from None
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"user {username!r} already exists")
    try:
        pw = hash_password(password)
    except ValueError as e:
        raise UserError(str(e)) from None
    user = User(username=username, password_hash=pw, role=role, full_name=full_name.strip(), active=True,
                session_epoch=0)
    db.add(user)
    db.flush()
    return user


def authenticate(db: Session, username: str, password: str) -> User | None:
    user = db.scalar(select(User).where(User.username == username.strip().lower()))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    user.last_login_at = dt.datetime.now(dt.UTC)
    return user


def update_user(db: Session, user: User, *, role: str | None = None, active: bool | None = None,
                password: str | None = None, full_name: str | None = None) -> User:
    if role is not None:
        try:
            user.role = Role(role).value
        except ValueError:
            raise UserError(f"role must be one of {', '.join(r.value for r in Role)}") from None
    if full_name is not None:
        user.full_name = full_name.strip()
    if password:
        try:
            user.password_hash = hash_password(password)
        except ValueError as e:
            raise UserError(str(e)) from None
    if active is not None:
        user.active = active
    if role is not None or password or active is False:
        user.session_epoch += 1  # a changed role or password signs the user out everywhere
    return user
