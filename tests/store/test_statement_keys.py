"""The 835 posting's foreign keys hold on both databases: declared keys on SQLite, statement-level triggers on
PostgreSQL (migration 0700). Each guarantee of a declared key is tested on both: a child row naming no parent,
or a parent that does not match the row's copies of its columns, is refused (in bulk too, leaving nothing
behind); NULL keys are not checked; a referenced parent can be neither deleted nor re-keyed. PostgreSQL only:
the triggers' message is PostgreSQL's own, a concurrent parent delete waits for the inserting transaction or
makes it fail, and parents are deleted at READ COMMITTED only."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, NotSupportedError, OperationalError

from chartclaim.store.models import (
    STATEMENT_CHECKED_KEYS,
    ClaimLine,
    ClaimPayment,
    ClaimRecord,
    ClaimTransition,
    LedgerEntry,
    PatientRecord,
    PayerRecord,
    Remittance,
)

DAY = dt.date(2025, 1, 2)


def _practice(engine: Engine) -> None:
    """Two patients with a claim of one line each, one payer, a remittance with a payment for claim 1."""
    with engine.begin() as conn:
        conn.execute(insert(PatientRecord), [{"id": p, "account_number": f"A{p}", "first_name": "P", "last_name": "Q"}
                                             for p in (1, 2)])
        conn.execute(insert(PayerRecord), [{"id": 1, "payer_code": "P1", "name": "PAYER"},
                                           {"id": 2, "payer_code": "P2", "name": "UNUSED"}])
        conn.execute(insert(ClaimRecord), [{"id": c, "claim_number": f"C{c}", "patient_id": c, "payer_id": 1,
                                            "status": "submitted", "responsibility": "P", "frequency": "1",
                                            "claim_type": "professional"} for c in (1, 2)])
        conn.execute(insert(ClaimLine), [{"id": c, "claim_id": c, "patient_id": c, "line_number": 1,
                                          "procedure": "99213", "modifiers": "", "units": Decimal(1),
                                          "charge": Decimal(100), "dx_pointers": "1", "date_of_service": DAY}
                                         for c in (1, 2)])
        conn.execute(insert(Remittance), [{"id": r, "fingerprint": f"F{r}", "payment_amount": Decimal(60),
                                           "actor": "t", "claim_count": 1} for r in (1, 2)])
        conn.execute(insert(ClaimPayment), {"id": 1, "remittance_id": 1, "claim_id": 1, "payer_id": 1,
                                            "patient_control_number": "C1", "status_code": "1",
                                            "charge": Decimal(100), "paid": Decimal(60), "received_on": DAY,
                                            "outcome": "posted"})


def _entry(id_: int, **over: Any) -> dict[str, Any]:
    """Every column a test sets, in every row: a bulk insert takes its columns from the first row."""
    row: dict[str, Any] = {"id": id_, "kind": "payment", "amount": Decimal(-60), "patient_id": 1, "claim_id": 1,
                           "claim_line_id": 1, "payer_id": 1, "posted_on": DAY, "claim_payment_id": 1,
                           "remittance_id": 1, "reverses_id": None, "patient_payment_id": None}
    row.update(over)
    return row


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"select count(*) from {table}")).scalar_one())


def _refused(engine: Engine, stmt: Any, rows: Any = None, constraint: str | None = None) -> None:
    with pytest.raises(IntegrityError) as exc, engine.begin() as conn:
        conn.execute(stmt, rows) if rows is not None else conn.execute(stmt)
    if constraint and engine.dialect.name == "postgresql":
        assert constraint in str(exc.value)


@pytest.mark.parametrize("bad", [
    {"claim_line_id": 99},                     # no such line
    {"patient_id": 2},                         # the line's claim is another patient's
    {"claim_id": 2, "patient_id": 2},          # line 1 is not claim 2's
    {"payer_id": 99},
    {"claim_payment_id": 99},
    {"remittance_id": 2},                      # claim payment 1 is remittance 1's
    {"reverses_id": 99},
    {"patient_payment_id": 99},
])
def test_a_ledger_row_without_its_parents_is_refused_and_a_bulk_insert_leaves_nothing(
        engine: Engine, bad: dict[str, Any]) -> None:
    _practice(engine)
    with engine.begin() as conn:
        conn.execute(insert(LedgerEntry), [_entry(1)])
    rows = [_entry(i) for i in range(2, 40)] + [_entry(40, **bad)] + [_entry(i) for i in range(41, 60)]
    _refused(engine, insert(LedgerEntry), rows)
    assert _count(engine, "ledger_entry") == 1
    with engine.begin() as conn:  # the good rows alone go in; NULL keys are not checked
        conn.execute(insert(LedgerEntry), [_entry(i) for i in range(2, 40)]
                     + [_entry(40, payer_id=None, claim_payment_id=None, remittance_id=None, reverses_id=1)])
    assert _count(engine, "ledger_entry") == 40


def test_claim_payment_and_transition_rows_need_their_parents(engine: Engine) -> None:
    _practice(engine)
    payment = {"remittance_id": 1, "claim_id": 1, "payer_id": 1, "patient_control_number": "C1",
               "status_code": "1", "charge": Decimal(100), "paid": Decimal(60), "received_on": DAY,
               "outcome": "posted", "reversed_by_id": None}  # every key in every row (see _entry)
    for bad, key in (({"claim_id": 99}, "fk_claim_payment_claim_id_claim"),
                     ({"payer_id": 99}, "fk_claim_payment_payer_id_payer"),
                     ({"remittance_id": 99}, "fk_claim_payment_remittance_id_remittance"),
                     ({"reversed_by_id": 99}, "fk_claim_payment_reversed_by_id_claim_payment")):
        _refused(engine, insert(ClaimPayment), [{**payment, "id": 10}, {**payment, "id": 11, **bad}], key)
    transition = {"claim_id": 1, "from_status": "submitted", "to_status": "paid", "actor": "t",
                  "at": dt.datetime(2025, 1, 3, tzinfo=dt.UTC), "remittance_id": None}
    _refused(engine, insert(ClaimTransition), [transition, {**transition, "claim_id": 99}],
             "fk_claim_transition_claim_id_claim")
    _refused(engine, insert(ClaimTransition), [{**transition, "remittance_id": 99}],
             "fk_claim_transition_remittance_id_remittance")
    assert _count(engine, "claim_payment") == 1 and _count(engine, "claim_transition") == 0
    # an update that names a missing parent is refused as an insert is
    _refused(engine, update(ClaimPayment).where(ClaimPayment.id == 1).values(reversed_by_id=99),
             constraint="fk_claim_payment_reversed_by_id_claim_payment")
    with engine.begin() as conn:
        conn.execute(insert(ClaimPayment), {**payment, "id": 2})
        conn.execute(update(ClaimPayment).where(ClaimPayment.id == 1).values(reversed_by_id=2))
        conn.execute(insert(ClaimTransition), [{**transition, "remittance_id": 1}])


def test_a_referenced_parent_cannot_be_deleted_or_rekeyed(engine: Engine) -> None:
    _practice(engine)
    with engine.begin() as conn:
        conn.execute(insert(LedgerEntry), [_entry(1)])
        conn.execute(insert(ClaimTransition), {"claim_id": 1, "from_status": "submitted", "to_status": "paid",
                                               "actor": "t", "at": dt.datetime(2025, 1, 3, tzinfo=dt.UTC),
                                               "remittance_id": 1})
    _refused(engine, delete(ClaimLine).where(ClaimLine.id == 1), constraint="fk_ledger_entry_claim_line_id_claim_line")
    _refused(engine, delete(PayerRecord).where(PayerRecord.id == 1))
    _refused(engine, delete(Remittance).where(Remittance.id == 1))
    _refused(engine, delete(ClaimPayment).where(ClaimPayment.id == 1),
             constraint="fk_ledger_entry_claim_payment_id_claim_payment")
    # the claim's patient changes: its line follows (ON UPDATE CASCADE) and the ledger row still names the old one
    _refused(engine, update(ClaimRecord).where(ClaimRecord.id == 1).values(patient_id=2),
             constraint="fk_ledger_entry_claim_line_id_claim_line")
    _refused(engine, update(Remittance).where(Remittance.id == 1).values(id=50))
    with engine.begin() as conn:  # what nothing refers to goes, and a non-key change is not a key change
        conn.execute(update(ClaimRecord).where(ClaimRecord.id == 1).values(status="paid"))
        conn.execute(update(ClaimRecord).where(ClaimRecord.id == 2).values(patient_id=1))
        conn.execute(delete(PayerRecord).where(PayerRecord.id == 2))
        conn.execute(delete(Remittance).where(Remittance.id == 2))
    with engine.begin() as conn:  # the children first, then their parents: all of it goes
        conn.execute(delete(LedgerEntry))
        conn.execute(delete(ClaimTransition))
        conn.execute(delete(ClaimPayment))
        conn.execute(delete(ClaimLine))
    assert _count(engine, "claim_line") == 0


def _postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("statement-level keys are PostgreSQL's (SQLite declares them)")


def test_the_triggers_report_as_postgresql_does(engine: Engine) -> None:
    _postgresql(engine)
    _practice(engine)
    with pytest.raises(IntegrityError) as exc, engine.begin() as conn:
        conn.execute(insert(LedgerEntry), [_entry(1), _entry(2, patient_id=2)])
    diag = exc.value.orig.diag  # type: ignore[union-attr]
    assert diag.sqlstate == "23503"
    assert diag.constraint_name == "fk_ledger_entry_claim_line_id_claim_line"
    assert diag.message_primary == ('insert or update on table "ledger_entry" violates foreign key constraint '
                                    '"fk_ledger_entry_claim_line_id_claim_line"')
    assert diag.message_detail == ('Key (claim_line_id, claim_id, patient_id)=(1, 1, 2) is not present in table '
                                   '"claim_line".')
    with engine.begin() as conn:
        conn.execute(insert(LedgerEntry), [_entry(1)])
    with pytest.raises(IntegrityError) as exc, engine.begin() as conn:
        conn.execute(delete(ClaimLine).where(ClaimLine.id == 1))
    diag = exc.value.orig.diag  # type: ignore[union-attr]
    assert (diag.sqlstate, diag.constraint_name) == ("23503", "fk_ledger_entry_claim_line_id_claim_line")
    assert diag.message_detail == ('Key (id, claim_id, patient_id)=(1, 1, 1) is still referenced from table '
                                   '"ledger_entry".')


def test_every_statement_checked_key_has_its_triggers_and_no_constraint(engine: Engine) -> None:
    _postgresql(engine)
    with engine.connect() as conn:
        constraints = set(conn.execute(text(
            "select conname from pg_constraint where connamespace = current_schema()::regnamespace")).scalars())
        sources = list(conn.execute(text(
            "select prosrc from pg_proc where pronamespace = current_schema()::regnamespace")).scalars())
    assert not STATEMENT_CHECKED_KEYS & constraints
    for name in STATEMENT_CHECKED_KEYS:
        # the child's check, the parent's delete check and the parent's key-update check
        assert sum(f"CONSTRAINT = '{name}'" in s for s in sources) == 3, name


def test_a_parent_delete_waits_for_the_inserting_transaction_then_fails(engine: Engine) -> None:
    """The insert locked the line (FOR KEY SHARE): the delete waits; once the insert commits, the delete sees the
    new row and is refused. The other way round, the insert waits for the delete and then finds no line."""
    _postgresql(engine)
    _practice(engine)
    with engine.connect() as inserter, engine.connect() as deleter:
        inserter.execute(insert(LedgerEntry), [_entry(1)])  # not committed yet
        deleter.execute(text("set lock_timeout = '300ms'"))
        with pytest.raises(OperationalError, match="lock timeout"):
            deleter.execute(delete(ClaimLine).where(ClaimLine.id == 1))
        deleter.rollback()
        inserter.commit()
        with pytest.raises(IntegrityError):
            deleter.execute(delete(ClaimLine).where(ClaimLine.id == 1))
        deleter.rollback()

    with engine.connect() as deleter, engine.connect() as inserter:
        deleter.execute(delete(LedgerEntry).where(LedgerEntry.claim_line_id == 2))
        deleter.execute(delete(ClaimLine).where(ClaimLine.id == 2))  # not committed yet
        errors: list[BaseException] = []

        def insert_for_line_2() -> None:
            try:
                with inserter.begin():
                    inserter.execute(insert(LedgerEntry), [_entry(5, claim_line_id=2, claim_id=2, patient_id=2,
                                                                  claim_payment_id=None, remittance_id=None)])
            except DBAPIError as exc:
                errors.append(exc)

        t = threading.Thread(target=insert_for_line_2)
        t.start()
        t.join(0.5)
        assert t.is_alive()  # waiting for the delete's lock on the line
        deleter.commit()
        t.join(10)
        assert not t.is_alive() and len(errors) == 1 and isinstance(errors[0], IntegrityError)
    assert _count(engine, "claim_line") == 1


def test_parents_are_deleted_at_read_committed_only(engine: Engine) -> None:
    _postgresql(engine)
    _practice(engine)
    with pytest.raises(NotSupportedError, match="READ COMMITTED"), \
            engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        conn.execute(delete(PayerRecord).where(PayerRecord.id == 2))
    with engine.connect().execution_options(isolation_level="SERIALIZABLE") as conn:
        conn.execute(delete(PayerRecord).where(PayerRecord.id == 99))  # deletes nothing: nothing to check
        conn.commit()
    assert _count(engine, "payer") == 2


def test_0700_down_and_up_keeps_rows_and_the_keys(db_url: str) -> None:
    """Down to 0600 the declared keys come back (checking the rows already there), up again the triggers do."""
    from chartclaim.store.db import downgrade, make_engine, upgrade

    eng = make_engine(db_url)
    upgrade(eng)
    _practice(eng)
    with eng.begin() as conn:
        conn.execute(insert(LedgerEntry), [_entry(1), _entry(2, reverses_id=1)])
    for revision in ("0600_claim_line_patient_key", "head"):
        (downgrade if revision != "head" else upgrade)(eng, revision)
        assert _count(eng, "ledger_entry") == 2 and _count(eng, "claim_payment") == 1
        _refused(eng, insert(LedgerEntry), [_entry(3, payer_id=99)], "fk_ledger_entry_payer_id_payer")
        _refused(eng, delete(ClaimLine).where(ClaimLine.id == 1), constraint="fk_ledger_entry_claim_line_id_claim_line")
    eng.dispose()
