"""Every list is paginated (limit/offset) and reports its total, so a client can page without guessing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def page_params(
    limit: int = Query(50, ge=1, le=MAX_LIMIT, description="Items per page."),
    offset: int = Query(0, ge=0, description="Items to skip."),
) -> PageParams:
    return PageParams(limit, offset)


def fetch_page(db: Session, stmt: Select[Any], params: PageParams) -> tuple[list[Any], int]:
    """Rows of one page and the total count of the filtered statement (without its ORDER BY)."""
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(db.execute(stmt.limit(params.limit).offset(params.offset)).all())
    return rows, int(total)
