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


def test_ledger_kind_check_and_single_reversal_survive_0500(db_url: str) -> None:
    """0500 rewrote the kind check (OR instead of IN) and made reverses_id unique only where set: a bad kind
    and a second reversal of the same row are still refused, rows without reverses_id never conflict, and the
    rows kept by the table rebuild are intact."""
    import datetime as dt

    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from chartclaim.store.models import ClaimLine, ClaimRecord, LedgerEntry, PatientRecord, PayerRecord

    day = dt.date(2025, 1, 2)
    eng = make_engine(db_url)
    upgrade(eng, "0400_ledger_composite_keys")
    with eng.begin() as conn:
        conn.execute(insert(PatientRecord), {"id": 1, "account_number": "A1", "first_name": "P", "last_name": "Q"})
        conn.execute(insert(PayerRecord), {"id": 1, "payer_code": "P1", "name": "PAYER"})
        conn.execute(insert(ClaimRecord), {"id": 1, "claim_number": "C1", "patient_id": 1, "payer_id": 1,
                                           "status": "submitted", "responsibility": "P", "frequency": "1",
                                           "claim_type": "professional"})
        conn.execute(insert(ClaimLine), {"id": 1, "claim_id": 1, "line_number": 1, "procedure": "99213",
                                         "modifiers": "", "units": Decimal(1), "charge": Decimal(100),
                                         "dx_pointers": "1", "date_of_service": day})
        conn.execute(insert(LedgerEntry), {"id": 1, "kind": "charge", "amount": Decimal(100), "patient_id": 1,
                                           "claim_id": 1, "claim_line_id": 1, "posted_on": day})
    upgrade(eng)

    def row(id_: int, kind: str, reverses: int | None) -> dict[str, object]:
        return {"id": id_, "kind": kind, "amount": Decimal(-1), "patient_id": 1, "claim_id": 1, "claim_line_id": 1,
                "posted_on": day, "reverses_id": reverses}

    with eng.connect() as conn:
        assert conn.execute(select(LedgerEntry.kind, LedgerEntry.amount)).all() == [("charge", Decimal("100.00"))]
    with eng.begin() as conn:
        conn.execute(insert(LedgerEntry), [row(2, "payment", None), row(3, "adjustment", None), row(4, "charge", 1)])
    for kind, reverses in (("charge", 1), ("bogus", None)):
        with pytest.raises(IntegrityError), eng.begin() as conn:
            conn.execute(insert(LedgerEntry), row(5, kind, reverses))
    with eng.connect() as conn:
        assert conn.execute(text("select count(*) from ledger_entry")).scalar() == 4
    eng.dispose()
