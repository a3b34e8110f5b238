"""store.bulk.insert_rows: what the ORM would store, in however many statements it takes."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session

from chartclaim.billing import ledger
from chartclaim.store import bulk
from chartclaim.store.models import ClaimLine, ClaimRecord, LedgerEntry, PatientRecord, PayerRecord

DAY = dt.date(2025, 3, 3)


def _line(s: Session) -> tuple[int, int, int, int]:
    s.execute(insert(PatientRecord), {"id": 1, "account_number": "A1", "first_name": "P", "last_name": "Q"})
    s.execute(insert(PayerRecord), {"id": 1, "payer_code": "P1", "name": "PAYER"})
    s.execute(insert(ClaimRecord), {"id": 1, "claim_number": "C1", "patient_id": 1, "payer_id": 1, "status": "submitted",
                                    "responsibility": "P", "frequency": "1", "claim_type": "professional"})
    s.execute(insert(ClaimLine), {"id": 1, "claim_id": 1, "patient_id": 1, "line_number": 1, "procedure": "99213", "modifiers": "",
                                  "units": Decimal(1), "charge": Decimal(100), "dx_pointers": "1",
                                  "date_of_service": DAY})
    return 1, 1, 1, 1


@pytest.mark.parametrize("per", [1, 3, 500])
def test_insert_rows_in_chunks_stores_every_row_as_the_orm_would(engine: Engine, per: int,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """7 rows in statements of `per` rows (a last, shorter one too): every row, value and Python-side default
    arrives; equal amounts written as different Decimals give the same cents; a float amount is still refused."""
    monkeypatch.setattr(bulk, "_SQLITE_ROWS_PER_INSERT", per)
    amounts = [Decimal("1.5"), Decimal("1.50"), Decimal("-0.07"), Decimal("12345.67"), Decimal(3), Decimal("0.10"),
               Decimal("1.5")]
    with Session(engine) as s:
        line_id, claim_id, patient_id, payer_id = _line(s)
        rows = [ledger.entry_row("charge" if i % 2 else "payment", a, (line_id, claim_id, patient_id), payer_id,
                                 DAY, memo=f"row {i}") for i, a in enumerate(amounts)]
        assert ledger.add_entries(s, rows) == 7
        got = s.execute(select(LedgerEntry.memo, LedgerEntry.kind, LedgerEntry.amount, LedgerEntry.posted_on,
                               LedgerEntry.actor, LedgerEntry.created_at).order_by(LedgerEntry.id)).all()
        assert [(m, k, a, d, who) for m, k, a, d, who, _at in got] == [
            (f"row {i}", "charge" if i % 2 else "payment", a.quantize(Decimal("0.01")), DAY, "system")
            for i, a in enumerate(amounts)]
        assert all(at is not None for *_, at in got)
        with pytest.raises(TypeError):
            bulk.insert_rows(s, LedgerEntry.__table__, [{**rows[0], "amount": 1.5}])  # type: ignore[arg-type]


def test_binary_and_text_copy_store_the_same_values(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL a batch whose values all have the exact Python types of their columns goes as a binary COPY,
    any other as text: both store the same values (money, dates, aware timestamps, JSON text, NULLs), read back
    equal; a naive timestamp or an int in a numeric column sends the batch as text. On SQLite: plain inserts."""
    from chartclaim.store.models import ClaimPayment, ClaimTransition, RemitAdjustment, Remittance

    formats: list[bool] = []
    real = bulk._binary_copy_types

    def spy(*args: object) -> list[str] | None:
        out = real(*args)  # type: ignore[arg-type]
        formats.append(out is not None)
        return out

    monkeypatch.setattr(bulk, "_binary_copy_types", spy)
    at = dt.datetime(2025, 3, 3, 12, 30, 15, 123456, tzinfo=dt.UTC)
    with Session(engine) as s:
        line_id, claim_id, patient_id, payer_id = _line(s)
        rows = [ledger.entry_row("payment", a, (line_id, claim_id, patient_id), p, DAY, memo=m, group_code=g)
                for a, p, m, g in ((Decimal("-12345.67"), payer_id, "é ü \\ \t tab", "CO"),
                                   (Decimal("0.10"), None, None, None), (Decimal(0), payer_id, "", "PR"))]
        bulk.insert_rows(s, LedgerEntry.__table__, rows)  # type: ignore[arg-type]
        got = s.execute(select(LedgerEntry.amount, LedgerEntry.payer_id, LedgerEntry.memo, LedgerEntry.group_code,
                               LedgerEntry.posted_on).order_by(LedgerEntry.id)).all()
        assert got == [(r["amount"], r["payer_id"], r["memo"], r["group_code"], DAY) for r in rows]
        moves = [{"claim_id": claim_id, "from_status": f, "to_status": t, "at": when, "actor": "t", "reason": None,
                  "remittance_id": None}
                 for f, t, when in ((None, "draft", at), ("draft", "ready", at.astimezone(dt.timezone(dt.timedelta(
                     hours=-5)))))]
        bulk.insert_rows(s, ClaimTransition.__table__, moves)  # type: ignore[arg-type]
        assert list(s.scalars(select(ClaimTransition.at).order_by(ClaimTransition.id))) in ([at, at], [
            at.replace(tzinfo=None)] * 2)  # SQLite keeps UTC without the zone
        naive = [{**moves[0], "at": dt.datetime(2025, 3, 3, 12, 30)}]
        bulk.insert_rows(s, ClaimTransition.__table__, naive)  # type: ignore[arg-type]
        remittance = Remittance(fingerprint="F", payment_amount=Decimal(0))
        s.add(remittance)
        s.flush()
        rid = remittance.id
        pay = {"remittance_id": rid, "claim_id": claim_id, "payer_id": payer_id, "patient_control_number": "C1",
               "status_code": "1", "charge": Decimal(100), "paid": Decimal(60), "patient_responsibility": None,
               "payer_claim_number": "ICN", "received_on": DAY, "outcome": "posted", "reversed_by_id": None,
               "crossover_to": None, "detail": {"clp": ["C1", "1", "100", "60"], "n": 1.5, "s": "a\"b\\c\nd"}}
        bulk.insert_rows(s, ClaimPayment.__table__, [pay])  # type: ignore[arg-type]
        pid = s.scalar(select(ClaimPayment.id))
        assert s.scalar(select(ClaimPayment.detail)) == pay["detail"]
        adj = {"claim_payment_id": pid, "claim_line_id": line_id, "group_code": "CO", "reason_code": "45",
               "amount": Decimal(40), "treatment": "contractual", "denial_category": None, "remark_codes": None}
        bulk.insert_rows(s, RemitAdjustment.__table__, [{**adj, "quantity": Decimal("1.5")},
                                                        {**adj, "quantity": 2}])  # type: ignore[arg-type]
        assert list(s.scalars(select(RemitAdjustment.quantity).order_by(RemitAdjustment.id))) == [Decimal("1.5"), 2]
        s.commit()
    if engine.dialect.name == "postgresql":
        # ledger rows, aware transitions: binary; the naive one: text; the payment: binary; int quantity: text
        assert formats == [True, True, False, True, False]
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM claim_transition WHERE at = "
                                     "'2025-03-03 12:30:15.123456+00'")).scalar() == 2
    else:
        assert formats == []


@pytest.mark.parametrize("per", [1, 3, 500])
def test_insert_tuples_stores_what_insert_rows_stores(engine: Engine, per: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The same rows as tuples: the same values and defaults (each distinct amount/date converted once), a float
    amount among Decimals still refused, JSON already encoded (JSONText) stored as it is."""
    from chartclaim.store.models import ClaimPayment, Remittance

    monkeypatch.setattr(bulk, "_SQLITE_ROWS_PER_INSERT", per)
    amounts = [Decimal("1.5"), Decimal("1.50"), Decimal("-0.07"), Decimal("12345.67"), Decimal(3), Decimal("0.10"),
               Decimal("1.5")]
    days = [DAY, DAY, dt.date(2025, 1, 2), DAY, dt.date(2024, 12, 31), DAY, DAY]
    names = ("kind", "amount", "claim_line_id", "claim_id", "patient_id", "payer_id", "posted_on", "memo")
    with Session(engine) as s:
        line_id, claim_id, patient_id, payer_id = _line(s)
        rows = [("payment", a, line_id, claim_id, patient_id, None if i == 3 else payer_id, d, f"row {i}")
                for i, (a, d) in enumerate(zip(amounts, days, strict=True))]
        assert bulk.insert_tuples(s, LedgerEntry.__table__, names, rows) == 7  # type: ignore[arg-type]
        got = s.execute(select(LedgerEntry.memo, LedgerEntry.amount, LedgerEntry.posted_on, LedgerEntry.payer_id,
                               LedgerEntry.actor, LedgerEntry.created_at).order_by(LedgerEntry.id)).all()
        assert [tuple(g[:5]) for g in got] == [
            (f"row {i}", a.quantize(Decimal("0.01")), d, None if i == 3 else payer_id, "system")
            for i, (a, d) in enumerate(zip(amounts, days, strict=True))]
        assert all(g[5] is not None for g in got)
        with pytest.raises(TypeError):
            bulk.insert_tuples(s, LedgerEntry.__table__, names, [rows[0], (*rows[1][:1], 1.5, *rows[1][2:])])  # type: ignore[arg-type]
        s.rollback()
        s.add(Remittance(id=1, fingerprint="f", payment_amount=Decimal(0), actor="t", claim_count=1))
        s.flush()
        encoded = bulk._json_encode({"x12": 'CLP*"é"\\', "n": [1, 2]})
        cp_names = ("id", "remittance_id", "patient_control_number", "status_code", "charge", "paid", "received_on",
                    "outcome", "detail")
        bulk.insert_tuples(s, ClaimPayment.__table__, cp_names, [  # type: ignore[arg-type]
            (1, 1, "C1", "1", Decimal(1), Decimal(1), DAY, "posted", bulk.JSONText(encoded)),
            (2, 1, "C2", "1", Decimal(1), Decimal(1), DAY, "posted", {"x12": 'CLP*"é"\\', "n": [1, 2]})])
        sql = "SELECT detail FROM claim_payment ORDER BY id"
        if engine.dialect.name == "postgresql":
            sql = "SELECT detail::text FROM claim_payment ORDER BY id"
        raw = s.connection().exec_driver_sql(sql).scalars().all()
        if engine.dialect.name == "sqlite":
            assert raw == [encoded, encoded]
        else:  # the json type keeps the text as given
            assert [json.loads(r) for r in raw] == [json.loads(encoded)] * 2


def test_in_values_finds_exactly_the_values_given(engine: Engine) -> None:
    """`in_values` (an array literal on PostgreSQL, a JSON list on SQLite) with text values an array literal
    must quote (quotes, backslashes, commas, braces, spaces, NULL, the empty string) and with ids."""
    numbers = ['C"1', "C\\2", "C,3", "{C4}", " C5 ", "NULL", "", "C 8", 'C\\"9', "Ä10"]
    with Session(engine) as s:
        s.execute(insert(PatientRecord), {"id": 1, "account_number": "A1", "first_name": "P", "last_name": "Q"})
        s.execute(insert(PayerRecord), {"id": 1, "payer_code": "P1", "name": "PAYER"})
        s.execute(insert(ClaimRecord), [
            {"id": i, "claim_number": n, "patient_id": 1, "payer_id": 1, "status": "submitted", "responsibility": "P",
             "frequency": "1", "claim_type": "professional"} for i, n in enumerate([*numbers, "C11", "NULLX"], 1)])
        for wanted in (numbers, numbers[:1], ["C11", "nope"], []):
            got = s.scalars(select(ClaimRecord.claim_number).where(bulk.in_values(s, ClaimRecord.claim_number, wanted)))
            assert sorted(got) == sorted(n for n in wanted if n != "nope")
        for ids in ([1, 3, 12], [2], [], list(range(1, 13))):
            got_ids = s.scalars(select(ClaimRecord.id).where(bulk.in_values(s, ClaimRecord.id, ids)))
            assert sorted(got_ids) == ids
