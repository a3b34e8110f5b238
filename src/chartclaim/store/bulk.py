"""Fast bulk inserts for posting: one DBAPI executemany per table, values converted once, in plain tuples.

SQLAlchemy's executemany processes every bound value through the type system per row; for the hundreds of
thousands of ledger rows an ERA batch makes, that was most of the posting time. Here each column's conversion
is chosen once from its SQLAlchemy type, producing exactly what the ORM would have stored (Money as cents on
SQLite / NUMERIC on PostgreSQL, dates and datetimes in SQLAlchemy's SQLite text formats, JSON as text).
Ids can be reserved up front so rows that point at each other are inserted without RETURNING round trips.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    func,
    select,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from chartclaim.store.types import Money, to_money


class JSONText(str):
    """A JSON value already encoded (as `_json_encode` would have): stored as it is."""


# one encoder for every JSON value: json.dumps with options builds a new JSONEncoder per call (same output)
_json_encode = json.JSONEncoder(separators=(",", ":"), default=str).encode


def _json_value(v: Any) -> Any:
    return v if v is None or type(v) is JSONText else _json_encode(v)


def _converter(col_type: Any, dialect: str) -> Callable[[Any], Any] | None:
    """How a column's values are stored (None: as they are). Each is called once per distinct value of a batch
    (`_convert_column`), None included."""
    if isinstance(col_type, Money):
        return _cents if dialect == "sqlite" else lambda v: None if v is None else to_money(v)
    if isinstance(col_type, JSON):
        return _json_value
    if dialect != "sqlite":
        return None
    if isinstance(col_type, DateTime):
        return lambda v: None if v is None else v.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(col_type, Date):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(col_type, Numeric):
        return lambda v: None if v is None else float(v)
    return None


_SQLITE_ROWS_PER_INSERT = 500


def _sqlite_max_variables() -> int:
    """Bound parameters one SQLite statement may have: 32766 since SQLite 3.32, 999 before."""
    import sqlite3

    return 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


def _cents(v: Any) -> int | None:
    if v is None:
        return None
    q = v * 100
    i = int(q)
    return i if i == q and not isinstance(v, float) else int(to_money(v) * 100)


# PostgreSQL type of a column in a binary COPY, and the Python types its values may have for psycopg's binary
# dumper of that type to store exactly what the text COPY stores (else the batch is copied as text).
_NONE = type(None)
_BINARY_COPY: list[tuple[type, str, tuple[type, ...]]] = [
    (Money, "numeric", (Decimal, _NONE)),
    (JSON, "text", (str, JSONText, _NONE)),  # already encoded (the server's json input reads the same text)
    (BigInteger, "int8", (int, _NONE)),
    (Integer, "int4", (int, _NONE)),
    (Numeric, "numeric", (Decimal, _NONE)),
    (DateTime, "timestamptz", (dt.datetime, _NONE)),
    (Date, "date", (dt.date, _NONE)),
    (Boolean, "bool", (bool, _NONE)),
    (String, "text", (str, _NONE)),
]


def _binary_copy_types(table: Table, names: Sequence[str], columns: Sequence[list[Any]],
                       convs: Sequence[Callable[[Any], Any] | None]) -> list[str] | None:
    """The column types for a binary COPY of these values, or None when one column has values a binary COPY
    would not store as the text one does (then the batch goes as text). Binary COPY costs the client about half
    the CPU to format and the server half to read (no number, date and timestamp parsing): the posting's four
    ledger rows per claim payment. Checked per batch by the values' exact types (a set per column, in C); a
    column still to be converted (`convs`: money, JSON) is not: its converter makes only values of its types."""
    types: list[str] = []
    for name, values, conv in zip(names, columns, convs, strict=True):
        col_type = table.c[name].type
        found = next(((pg, ok) for sa_type, pg, ok in _BINARY_COPY if isinstance(col_type, sa_type)), None)
        if found is None:
            return None
        pg_type, allowed = found
        if pg_type == "timestamptz" and not getattr(col_type, "timezone", False):
            return None
        if conv is None and not set(map(type, values)).issubset(allowed):
            return None
        if pg_type == "timestamptz" and any(v is not None and v.tzinfo is None for v in set(values)):
            return None  # a naive datetime: the text COPY reads it in the session's time zone
        types.append(pg_type)
    return types


# Money amounts as binary numeric fields (see `_copy_columns`): batches repeat the same amounts (charges, fee
# schedule allowances), so they are kept across batches; emptied when big (an ERA batch has a few thousand).
_ENCODED_MONEY: dict[Decimal, bytes] = {}


def _encoded_money(v: Any, encode: Callable[[Decimal], Any]) -> bytes | None:
    if type(v) is not Decimal:  # None, or an int or a float, which to_money converts or refuses
        return None if v is None else bytes(encode(to_money(v)))
    got = _ENCODED_MONEY.get(v)  # (equal amounts are equal money: to_money rounds the value, not its digits)
    if got is None:
        if len(_ENCODED_MONEY) >= 65536:
            _ENCODED_MONEY.clear()
        got = _ENCODED_MONEY[v] = bytes(encode(to_money(v)))
    return got


def _copy_columns(conn: Connection, table: Table, names: list[str], columns: list[Any],
                  convs: list[Callable[[Any], Any] | None]) -> int:
    """`_insert_columns` on PostgreSQL with psycopg: a COPY (several times faster than executemany; same
    transaction, same connection), binary when every column's values allow it (`_binary_copy_types`), with the
    columns converted by `convs` (not yet applied) as that COPY needs them.

    In a binary COPY a money column is sent as psycopg's own binary numeric encoding of each distinct amount,
    made once and kept across batches (`_ENCODED_MONEY`): encoding a Decimal is most of a ledger row's formatting (0.7 µs a value, the bytes then
    0.07 µs) and a batch repeats a few hundred amounts. The field bytes are the same, so is what the server's
    numeric input (and the column's numeric(12,2)) makes of them; the COPY carries them as bytea, with psycopg's
    C dumper for bytes (the by-type one: the DB-API `Binary` wrapper's Python dumper has the bytea oid)."""
    from psycopg.adapt import PyFormat
    from psycopg.pq import Format

    raw: Any = conn.connection.driver_connection
    quote = conn.dialect.identifier_preparer.quote
    with raw.cursor() as cur:
        types = _binary_copy_types(table, names, columns, convs)
        if types is not None:
            adapters = cur.adapters
            numeric = adapters.get_dumper_by_oid(adapters.types["numeric"].oid, Format.BINARY)(Decimal, cur).dump
            adapters.register_dumper(bytes, adapters.get_dumper(bytes, PyFormat.BINARY))  # this cursor's map only
        for i, c in enumerate(convs):
            if c is None:
                continue
            if c is _json_value:  # (each value its own text: nothing to convert once for several rows)
                columns[i] = list(map(c, columns[i]))
            elif types is not None and isinstance(table.c[names[i]].type, Money):
                columns[i] = list(_convert_column(columns[i], lambda v: _encoded_money(v, numeric)))
                types[i] = "bytea"
            else:
                columns[i] = list(_convert_column(columns[i], c))
        cols = ", ".join(quote(name) for name in names)
        with cur.copy(f"COPY {quote(table.name)} ({cols}) FROM STDIN"
                      + (" (FORMAT BINARY)" if types is not None else "")) as copy:
            if types is not None:
                copy.set_types(types)
            for row in zip(*columns, strict=True):
                copy.write_row(row)
    return len(columns[0])


def in_values(session: Session, column: Any, values: Sequence[int] | Sequence[str]) -> ColumnElement[bool]:
    """`column IN values` as one bound parameter (an array on PostgreSQL, a JSON list on SQLite) instead of one
    placeholder per value: posting looks up thousands of claims per remittance, and expanding and re-parsing a
    statement with thousands of placeholders cost more than running it. The column's index is still used."""
    dialect = session.get_bind().dialect.name
    vals: list[Any] = list(values)
    if dialect == "postgresql":
        ints = isinstance(vals[0], int) if vals else isinstance(getattr(column, "type", None), Integer)
        kind = BigInteger() if ints else Text()
        # untyped, so psycopg sends it as "unknown" and the server reads it as the array parameter itself (a
        # text parameter cast to an array is an expression, which a sequential scan would parse for every row)
        literal = bindparam(None, _array_literal(vals), type_=NullType(), unique=True)
        return column == any_(cast(literal, ARRAY(kind)))
    if dialect == "sqlite":
        each = func.json_each(bindparam(None, json.dumps(vals), unique=True)).table_valued("value")
        return column.in_(select(each.c.value))
    return column.in_(vals)


def _array_literal(values: Sequence[int] | Sequence[str]) -> str:
    """PostgreSQL's text form of an int or text array (what psycopg's list dumper sends, made by two joins
    instead of a dumper call per element: 3 % of the posting process's time went to the id lists).
    Text elements are all quoted, so none reads as NULL and spaces are kept."""
    if not values:
        return "{}"
    if isinstance(values[0], int):
        return "{" + ",".join(map(str, values)) + "}"
    strs: Sequence[str] = values  # type: ignore[assignment]
    everything = "".join(strs)
    if "\\" in everything or '"' in everything:
        strs = [v.replace("\\", "\\\\").replace('"', '\\"') for v in strs]
    return '{"' + '","'.join(strs) + '"}'


def reserve_ids(session: Session, table: Table, n: int) -> list[int]:
    """n fresh primary keys for `table`. PostgreSQL: from its sequence. SQLite: above the current maximum — safe
    because the caller's transaction has already written (SQLite then holds the one write lock)."""
    if n <= 0:
        return []
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # the sequence looked up once: pg_get_serial_sequence per row was 7/8 of this statement's time
        sql = ("WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(:t, 'id')::regclass AS seq) "
               "SELECT nextval(s.seq) FROM s, generate_series(1, :n)")
        return list(conn.execute(text(sql), {"t": table.name, "n": n}).scalars())
    start = conn.execute(text(f'SELECT COALESCE(MAX(id), 0) FROM "{table.name}"')).scalar_one()
    return list(range(int(start) + 1, int(start) + 1 + n))


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """INSERT every row (all with the same keys) in one executemany."""
    if not rows:
        return 0
    keys = list(rows[0].keys())
    return _insert_columns(session, table, keys, [list(map(itemgetter(k), rows)) for k in keys], len(rows))


def insert_tuples(session: Session, table: Table, names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> int:
    """`insert_rows` for rows already made as tuples in `names` order (what the 835 poster makes its ledger rows
    as: building a dict per row and picking it apart again cost more than SQLite's insert itself)."""
    if not rows:
        return 0
    return _insert_columns(session, table, list(names), list(zip(*rows, strict=True)), len(rows))


def _insert_columns(session: Session, table: Table, keys: list[str], columns: list[Any], n: int) -> int:
    """Insert `n` rows given column by column (`columns[i]` holds `keys[i]`'s values): convert the few columns
    that need it (a map per column, no per-row Python loop), add the Python-side defaults, zip back into rows."""
    conn = session.connection()
    dialect = conn.dialect.name
    # Python-side column defaults (e.g. created_at) that an ORM insert would have filled in: one value per batch
    extra_names: list[str] = []
    extra_values: list[Any] = []
    for col in table.columns:
        d = col.default
        if col.name in keys or d is None or col.primary_key:
            continue
        if getattr(d, "is_scalar", False):
            extra_names.append(col.name)
            extra_values.append(d.arg)  # type: ignore[attr-defined]
        elif getattr(d, "is_callable", False):
            extra_names.append(col.name)
            extra_values.append(d.arg(None))  # type: ignore[attr-defined]
    names = keys + extra_names
    convs = [_converter(table.c[name].type, dialect) for name in names]
    extra_values = [v if c is None else c(v) for v, c in zip(extra_values, convs[len(keys):], strict=True)]
    if dialect == "postgresql" and conn.dialect.driver == "psycopg":
        columns.extend([v] * n for v in extra_values)
        return _copy_columns(conn, table, names, columns, convs[: len(keys)] + [None] * len(extra_names))
    for i, c in enumerate(convs[: len(keys)]):
        if c is not None:
            columns[i] = list(_convert_column(columns[i], c))
    columns.extend([v] * n for v in extra_values)
    quote = conn.dialect.identifier_preparer.quote
    params: list[tuple[Any, ...]] = list(zip(*columns, strict=False))
    if dialect == "postgresql":
        marks = ", ".join("%s::json" if isinstance(table.c[n].type, JSON) else "%s" for n in names)
    else:
        marks = ", ".join("?" for _ in names)
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) VALUES "
    if dialect != "sqlite":
        conn.exec_driver_sql(f"{head}({marks})", params)
        return len(params)
    # Several rows per INSERT (VALUES (...), (...), ...): a fifth less SQLite time than one statement execution
    # per row (executemany) on the 835 batch's ledger rows.
    per = max(1, min(_SQLITE_ROWS_PER_INSERT, _sqlite_max_variables() // len(names)))
    one = f"({marks})"
    full = head + ", ".join([one] * per)
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, len(params), per):
            chunk = params[start : start + per]
            cur.execute(full if len(chunk) == per else head + ", ".join([one] * len(chunk)),
                        list(chain.from_iterable(chunk)))
    finally:
        cur.close()
    return len(params)


def _convert_column(values: Sequence[Any], conv: Callable[[Any], Any]) -> Iterable[Any]:
    """`map(conv, values)` with each distinct value converted once and the column mapped by a dict lookup (a
    column repeats a handful of dates and amounts thousands of times). Only when its values are hashable and
    of one type besides None: equal values of one type convert alike (Decimal 1.0 and 1.00 make the same
    cents), while a float must still reach `conv` on its own (to be refused for money)."""
    if len(set(map(type, values)) - {type(None)}) > 1:  # the whole column: a set merges float 1.5 into Decimal 1.5
        return map(conv, values)
    try:
        distinct = set(values)
    except TypeError:  # unhashable (JSON values)
        return map(conv, values)
    converted = {v: conv(v) for v in distinct}
    return map(converted.__getitem__, values)
