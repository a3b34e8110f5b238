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
    in_schema_comparison,
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
        diffs = compare_metadata(MigrationContext.configure(conn, opts={
            "compare_type": True, "include_object": in_schema_comparison(eng.dialect.name)}), Base.metadata)
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


def test_0600_one_line_key_keeps_rows_and_the_same_guarantees(db_url: str) -> None:
    """0600 gives claim_line its claim's patient and checks a ledger row's line, claim and patient with one key:
    upgrade → downgrade → upgrade keeps every row (a reversal and a CAS record pointing at lines too); at head a
    ledger row whose claim or patient is not its line's is refused, as is a line whose patient is not its
    claim's; a claim without ledger rows can still change patient (its lines follow), one with them cannot."""
    import datetime as dt

    from sqlalchemy import insert, update
    from sqlalchemy.exc import IntegrityError

    from chartclaim.store.models import (
        ClaimLine,
        ClaimPayment,
        ClaimRecord,
        LedgerEntry,
        PatientRecord,
        PayerRecord,
        RemitAdjustment,
        Remittance,
    )

    day = dt.date(2025, 1, 2)
    eng = make_engine(db_url)
    upgrade(eng, "0500_ledger_insert_cost")
    line_cols = {"line_number": 1, "procedure": "99213", "modifiers": "", "units": Decimal(1), "charge": Decimal(100),
                 "dx_pointers": "1", "date_of_service": day}
    with eng.begin() as conn:
        conn.execute(insert(PatientRecord), [{"id": p, "account_number": f"A{p}", "first_name": "P", "last_name": "Q"}
                                             for p in (1, 2, 3)])
        conn.execute(insert(PayerRecord), {"id": 1, "payer_code": "P1", "name": "PAYER"})
        conn.execute(insert(ClaimRecord), [{"id": c, "claim_number": f"C{c}", "patient_id": p, "payer_id": 1,
                                            "status": "submitted", "responsibility": "P", "frequency": "1",
                                            "claim_type": "professional"} for c, p in ((1, 1), (2, 2), (3, 3))])
        # at 0500 a line has no patient_id: only the columns given are inserted
        conn.execute(insert(ClaimLine), [{"id": c, "claim_id": c, **line_cols} for c in (1, 2, 3)])
        conn.execute(insert(Remittance), {"id": 1, "fingerprint": "F1", "payment_amount": Decimal(60), "actor": "t",
                                          "claim_count": 1})
        conn.execute(insert(ClaimPayment), {"id": 1, "remittance_id": 1, "claim_id": 1, "patient_control_number": "C1",
                                            "status_code": "1", "charge": Decimal(100), "paid": Decimal(60),
                                            "received_on": day, "outcome": "posted"})
        conn.execute(insert(RemitAdjustment), {"claim_payment_id": 1, "claim_line_id": 1, "group_code": "CO",
                                               "reason_code": "45", "amount": Decimal(40), "treatment": "contractual"})
        conn.execute(insert(LedgerEntry), [
            {"id": 1, "kind": "charge", "amount": Decimal(100), "patient_id": 1, "claim_id": 1, "claim_line_id": 1,
             "payer_id": 1, "posted_on": day},
            {"id": 2, "kind": "charge", "amount": Decimal(100), "patient_id": 2, "claim_id": 2, "claim_line_id": 2,
             "payer_id": 1, "posted_on": day},
            {"id": 3, "kind": "payment", "amount": Decimal(-60), "patient_id": 1, "claim_id": 1, "claim_line_id": 1,
             "payer_id": 1, "posted_on": day, "claim_payment_id": 1, "remittance_id": 1},
            {"id": 4, "kind": "payment", "amount": Decimal(60), "patient_id": 1, "claim_id": 1, "claim_line_id": 1,
             "payer_id": 1, "posted_on": day, "claim_payment_id": 1, "remittance_id": 1, "reverses_id": 3},
        ])

    def rows() -> tuple[list[tuple[object, ...]], ...]:
        with eng.connect() as conn:
            return (conn.execute(text("select id, kind, amount, patient_id, claim_id, claim_line_id, reverses_id, "
                                      "claim_payment_id from ledger_entry order by id")).all(),
                    conn.execute(text("select id, claim_id, charge from claim_line order by id")).all(),
                    conn.execute(text("select claim_line_id, amount from remit_adjustment")).all())

    before = rows()
    assert len(before[0]) == 4
    upgrade(eng)
    assert rows() == before
    with eng.connect() as conn:
        assert conn.execute(select(ClaimLine.id, ClaimLine.patient_id).order_by(ClaimLine.id)).all() == [
            (1, 1), (2, 2), (3, 3)]
    downgrade(eng, "0500_ledger_insert_cost")
    assert rows() == before
    assert "patient_id" not in {c["name"] for c in inspect(eng).get_columns("claim_line")}
    with pytest.raises(IntegrityError), eng.begin() as conn:  # the 0400 keys are back
        conn.execute(insert(LedgerEntry), {"id": 9, "kind": "charge", "amount": Decimal(1), "patient_id": 2,
                                           "claim_id": 1, "claim_line_id": 1, "posted_on": day})
    upgrade(eng)
    assert rows() == before

    def entry(id_: int, patient: int, claim: int, line: int) -> dict[str, object]:
        return {"id": id_, "kind": "charge", "amount": Decimal(1), "patient_id": patient, "claim_id": claim,
                "claim_line_id": line, "posted_on": day}

    for bad in (entry(9, 2, 1, 1), entry(9, 1, 2, 1), entry(9, 2, 2, 1), entry(9, 1, 1, 99)):
        with pytest.raises(IntegrityError), eng.begin() as conn:
            conn.execute(insert(LedgerEntry), bad)
    with pytest.raises(IntegrityError), eng.begin() as conn:
        conn.execute(insert(ClaimLine), {"id": 9, "claim_id": 3, "patient_id": 1, **line_cols, "line_number": 2})
    with eng.begin() as conn:
        conn.execute(insert(LedgerEntry), entry(9, 2, 2, 2))
        conn.execute(update(ClaimRecord).where(ClaimRecord.id == 3).values(patient_id=1))  # no ledger rows yet
        assert conn.execute(select(ClaimLine.patient_id).where(ClaimLine.id == 3)).scalar_one() == 1
    with pytest.raises(IntegrityError), eng.begin() as conn:
        conn.execute(update(ClaimRecord).where(ClaimRecord.id == 2).values(patient_id=1))
    eng.dispose()
