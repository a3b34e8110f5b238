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
from chartclaim.store.models import Base

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


@pytest.fixture(scope="session")
def _pg_migrated_url() -> Iterator[str]:
    """One migrated schema per test process (xdist worker); tests empty it after use (see migrated_url)."""
    base = pg_base_url()
    if not base:
        pytest.skip("PostgreSQL tests need CHARTCLAIM_TEST_PG")
    url, schema = new_pg_schema_url(base)
    eng = make_engine(url)
    upgrade(eng)
    eng.dispose()
    try:
        yield url
    finally:
        drop_pg_schema(base, schema)


@pytest.fixture(params=BACKENDS)
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the head revision, empty: a fresh SQLite file, or the worker's PostgreSQL schema
    truncated after the test (running the migrations per test costs a second or more on PostgreSQL)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'chartclaim.sqlite'}"
        eng = make_engine(url)
        upgrade(eng)
        eng.dispose()
        yield url
        return
    url = request.getfixturevalue("_pg_migrated_url")
    yield url
    eng = make_engine(url)
    with eng.begin() as conn:
        # DELETE beats TRUNCATE on a handful of rows (no file rewrite per table); ids need not restart.
        for t in reversed(Base.metadata.sorted_tables):
            conn.execute(t.delete())
    eng.dispose()


@pytest.fixture()
def engine(migrated_url: str) -> Iterator[Engine]:
    eng = make_engine(migrated_url)
    yield eng
    eng.dispose()
