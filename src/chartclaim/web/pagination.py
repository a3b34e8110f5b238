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


# Counting every match of a filter over 100k rows costs more than the page itself; beyond this many the
# total is reported as a lower bound (total_capped), as large work queues usually do ("10,000+").
COUNT_CAP = 10_000


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    total_capped: bool = False


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def page_params(
    limit: int = Query(50, ge=1, le=MAX_LIMIT, description="Items per page."),
    offset: int = Query(0, ge=0, description="Items to skip."),
) -> PageParams:
    return PageParams(limit, offset)


def count_capped(db: Session, stmt: Select, cap: int | None = None) -> tuple[int, bool]:
    cap = COUNT_CAP if cap is None else cap
    n = db.scalar(select(func.count()).select_from(stmt.order_by(None).limit(cap + 1).subquery())) or 0
    return (cap, True) if n > cap else (int(n), False)


def fetch_id_page(db: Session, ids: Select, params: PageParams) -> tuple[list[int], int, bool]:
    """One page of ids from an id-only statement (index-only scans), plus its capped total. Callers load the
    rows' details for just these ids: joining before paging would join every matching row."""
    page = list(db.scalars(ids.limit(params.limit).offset(params.offset)))
    total, capped = count_capped(db, ids)
    return page, total, capped


def fetch_page(db: Session, stmt: Select, params: PageParams) -> tuple[list[Any], int]:
    """Rows of one page and the total count of the filtered statement (without its ORDER BY)."""
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(db.execute(stmt.limit(params.limit).offset(params.offset)).all())
    return rows, int(total)
