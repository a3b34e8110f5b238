"""Database fixtures shared by tests/store and tests/billing: every test gets a fresh, migrated database.

SQLite always; PostgreSQL too when CHARTCLAIM_TEST_PG is set. Each PostgreSQL test gets its own schema
(search_path), so xdist workers and concurrent runs never see each other's rows; the schema is dropped after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from chartclaim.store.db import make_engine, upgrade

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]


def pg_base_url() -> str | None:
    return os.environ.get("CHARTCLAIM_TEST_PG") or None


def new_pg_schema_url(base: str) -> tuple[str, str]:
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def drop_pg_schema(base: str, schema: str) -> None:
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'chartclaim.sqlite'}"
        return
    base = pg_base_url()
    if not base:
        pytest.skip("PostgreSQL tests need CHARTCLAIM_TEST_PG")
    url, schema = new_pg_schema_url(base)
    try:
        yield url
    finally:
        drop_pg_schema(base, schema)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url(request.param, tmp_path)


@pytest.fixture()
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()
