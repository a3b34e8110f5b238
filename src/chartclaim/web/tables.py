"""The web's own tables (they live in the store's models module), under the names the web code uses."""

from __future__ import annotations

from sqlalchemy import event

from chartclaim.store.models import AuditEvent, CodingReview, PhysicianQuery, WebUser

User = WebUser


@event.listens_for(AuditEvent, "before_update")
def _audit_no_update(*_: object) -> None:
    raise PermissionError("the audit log is append-only")


@event.listens_for(AuditEvent, "before_delete")
def _audit_no_delete(*_: object) -> None:
    raise PermissionError("the audit log is append-only")


__all__ = ["AuditEvent", "CodingReview", "PhysicianQuery", "User", "WebUser"]
