from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text

from chartclaim.store.db import (
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    session_scope,
    upgrade,
)
from chartclaim.store.models import Base, Organization


def test_empty_to_head_matches_models(db_url: str) -> None:
    eng = make_engine(db_url)
    assert inspect(eng).get_table_names() == []
    upgrade(eng)
    assert current_revision(eng) == head_revision()
    with eng.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diffs == [], diffs
    eng.dispose()


def test_downgrade_to_base_and_back(db_url: str) -> None:
    eng = make_engine(db_url)
    upgrade(eng)
    downgrade(eng, "base")
    assert set(inspect(eng).get_table_names()) <= {"alembic_version"}
    upgrade(eng)
    assert "ledger_entry" in inspect(eng).get_table_names()
    eng.dispose()


def test_money_round_trips_exactly(engine: Engine) -> None:
    with session_scope(engine) as s:
        s.add(Organization(name="Clinic", small_balance_limit=Decimal("0.07")))
    with session_scope(engine) as s:
        org = s.scalars(select(Organization)).one()
        assert org.small_balance_limit == Decimal("0.07")
        assert isinstance(org.small_balance_limit, Decimal)
    if engine.dialect.name == "sqlite":  # stored as integer cents: sums can never drift
        with engine.connect() as conn:
            assert conn.execute(text("select small_balance_limit from organization")).scalar() == 7


def test_get_session_commits_or_rolls_back(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import chartclaim.store.db as db

    monkeypatch.setattr(db, "get_engine", lambda: engine)
    gen = db.get_session()
    s = next(gen)
    s.add(Organization(name="Kept"))
    with pytest.raises(StopIteration):
        next(gen)  # the request finished: commit
    gen = db.get_session()
    s = next(gen)
    s.add(Organization(name="Dropped"))
    with pytest.raises(RuntimeError):
        gen.throw(RuntimeError("request failed"))
    with session_scope(engine) as s2:
        assert s2.scalars(select(Organization.name)).all() == ["Kept"]


def test_default_url_is_sqlite_in_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chartclaim.settings import Settings

    st = Settings(data_dir=tmp_path / "data")
    assert st.sqlalchemy_url == f"sqlite:///{tmp_path / 'data' / 'chartclaim.sqlite'}"
    assert Settings(database_url="postgresql+psycopg://u@h/db").sqlalchemy_url.startswith("postgresql+psycopg")
