"""A ledger row checks its line, claim and patient with one foreign key instead of two

Measured on PostgreSQL 15 (20,000 835 claim payments = 80,000 ledger rows, EXPLAIN ANALYZE of the same insert):
the foreign-key triggers were ~70 % of the ledger insert's server time, about 0.45 s per 80,000 rows for each
key checked. Since 0400 a ledger row checked (claim_line_id, claim_id) → claim_line and (claim_id, patient_id) →
claim. The claim line now carries its claim's patient — (claim_id, patient_id) → claim (id, patient_id), ON UPDATE
CASCADE so a claim whose patient is corrected still takes its lines along — and the ledger row refers to (id,
claim_id, patient_id) of the line: one check that the line exists, belongs to the row's claim, and that the row's
patient is that claim's patient; the same guarantees as before, with one trigger query fewer per ledger row. (A
claim that has ledger rows still cannot change patient: its lines' keys are referenced.) The unique (id,
claim_id) index of claim_line is replaced by (id, claim_id, patient_id).

Two of claim's eight indexes go: a status change (one per posted claim) is not a HOT update (status is indexed
for the work queues), so it writes an entry in every index of the claim row. payer_id's own index is a prefix of
ix_claim_payer_workbench (payer_id, status, created_at, id); patient_id's own index and the unique (id,
patient_id) one become one unique (patient_id, id) index, which serves lookups by patient and, the same columns
in another order, the foreign key (both databases accept a key's unique index in any column order).

SQLite cannot add a column with a composite key or change a table's keys: both tables are rebuilt. claim_line is
referenced by ledger_entry and remit_adjustment, so its rows are copied aside, the table dropped and created again
under the same name, and the rows put back, inside one transaction with foreign keys deferred (the children point
at no row between the drop and the re-insert; every violation is gone again before the commit, which SQLite
checks). remit_adjustment gets a temporary index on claim_line_id so that the drop and the re-insert find each
line's children without scanning. ledger_entry is rebuilt as in 0500 (renamed away, its self-reference with it).

Revision ID: 0600_claim_line_patient_key
Revises: 0500_ledger_insert_cost
Create Date: 2026-11-27 13:30:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

revision: str = '0600_claim_line_patient_key'
down_revision: str | None = '0500_ledger_insert_cost'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LINE_FK = 'fk_claim_line_claim_id_claim'
_LEDGER_LINE_FK = 'fk_ledger_entry_claim_line_id_claim_line'
_LEDGER_CLAIM_FK = 'fk_ledger_entry_claim_id_claim'
_OLD_INDEX = ('ix_claim_line_id_claim_id', ['id', 'claim_id'])
_NEW_INDEX = ('ix_claim_line_id_claim_id_patient_id', ['id', 'claim_id', 'patient_id'])
_CLAIM_NEW_INDEX = ('ix_claim_patient_id_id', ['patient_id', 'id'])
_CLAIM_OLD_INDEXES = {'ix_claim_id_patient_id': ('ix_claim_id_patient_id', ['id', 'patient_id'], True),
                      'ix_claim_patient_id': ('ix_claim_patient_id', ['patient_id'], False),
                      'ix_claim_payer_id': ('ix_claim_payer_id', ['payer_id'], False)}

# the SQLite table texts: (before, after) pieces of the CREATE TABLE statements
_SQLITE_LINE_FK = (f'CONSTRAINT {_LINE_FK} FOREIGN KEY(claim_id) REFERENCES claim (id)',
                   f'CONSTRAINT {_LINE_FK} FOREIGN KEY(claim_id, patient_id) REFERENCES claim (id, patient_id) '
                   'ON UPDATE CASCADE')
_SQLITE_LEDGER_LINE_FK = (f'CONSTRAINT {_LEDGER_LINE_FK} FOREIGN KEY(claim_line_id, claim_id) '
                          'REFERENCES claim_line (id, claim_id)',
                          f'CONSTRAINT {_LEDGER_LINE_FK} FOREIGN KEY(claim_line_id, claim_id, patient_id) '
                          'REFERENCES claim_line (id, claim_id, patient_id)')
_SQLITE_LEDGER_CLAIM_FK = (f'CONSTRAINT {_LEDGER_CLAIM_FK} FOREIGN KEY(claim_id, patient_id) '
                           'REFERENCES claim (id, patient_id)')


def _flexible(sql_piece: str) -> str:
    """A regex for a piece of stored DDL that tolerates other spacing and quoted names."""
    out = []
    for token in re.split(r'(\s+|\(|\)|,)', sql_piece):
        if not token:
            continue
        if token.isspace():
            out.append(r'\s*')
        elif token in '(),':
            out.append(r'\s*' + re.escape(token) + r'\s*')
        else:
            out.append('"?' + re.escape(token) + '"?')
    return ''.join(out)


def _replace_once(sql: str, old: str, new: str, table: str) -> str:
    out, n = re.subn(_flexible(old), lambda _m: new, sql, flags=re.IGNORECASE)
    if n != 1:
        raise RuntimeError(f"{table}: expected {old!r} once in its CREATE TABLE, found {n}: {sql}")
    return out


def _table_sql(conn: Connection, table: str) -> tuple[str, list[tuple[str, str]]]:
    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (table,)).scalar_one()
    indexes = [(name, idx) for name, idx in conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,))]
    sql = re.sub(rf'^CREATE TABLE (IF NOT EXISTS )?"?{table}"?', f'CREATE TABLE {table}', sql)
    return sql, indexes


def _sqlite_begin(conn: Connection) -> None:
    """One transaction with deferred foreign keys for the whole rebuild (pysqlite runs DDL outside a transaction
    until some DML has opened one; the drop-and-recreate below needs the commit-time check)."""
    if not conn.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
        conn.exec_driver_sql('BEGIN')
    conn.exec_driver_sql('PRAGMA defer_foreign_keys = ON')
    conn.exec_driver_sql('CREATE INDEX _ix_remit_adjustment_claim_line_0600 ON remit_adjustment (claim_line_id)')


def _sqlite_end(conn: Connection) -> None:
    conn.exec_driver_sql('DROP INDEX _ix_remit_adjustment_claim_line_0600')
    for table in ('claim_line', 'ledger_entry', 'remit_adjustment'):
        bad = conn.exec_driver_sql(f'PRAGMA foreign_key_check({table})').all()
        if bad:
            raise RuntimeError(f"0600: {len(bad)} {table} rows break a foreign key, e.g. {bad[:3]}")


def _sqlite_rebuild_claim_line(conn: Connection, to_head: bool) -> None:
    sql, indexes = _table_sql(conn, 'claim_line')
    old_fk, new_fk = _SQLITE_LINE_FK if to_head else _SQLITE_LINE_FK[::-1]
    sql = _replace_once(sql, old_fk, new_fk, 'claim_line')
    cols = [r[1] for r in conn.exec_driver_sql('PRAGMA table_info(claim_line)')]
    if to_head:
        sql = _replace_once(sql, 'CONSTRAINT pk_claim_line PRIMARY KEY (id)',
                            'patient_id INTEGER NOT NULL, \n\tCONSTRAINT pk_claim_line PRIMARY KEY (id)', 'claim_line')
        kept = [*cols, 'patient_id']
        select = ', '.join(f'l."{c}"' for c in cols) + ', c.patient_id AS patient_id'
        source = 'claim_line AS l JOIN claim AS c ON c.id = l.claim_id'
    else:
        sql, n = re.subn(r'\s*"?patient_id"?\s+INTEGER\s+NOT\s+NULL\s*,', '', sql, flags=re.IGNORECASE)
        if n != 1:
            raise RuntimeError(f"claim_line has no patient_id column to drop: {sql}")
        kept = [c for c in cols if c != 'patient_id']
        select = ', '.join(f'l."{c}"' for c in kept)
        source = 'claim_line AS l'
    names = ', '.join(f'"{c}"' for c in kept)
    conn.exec_driver_sql(f'CREATE TABLE _claim_line_0600 AS SELECT {select} FROM {source}')
    if conn.exec_driver_sql('SELECT count(*) FROM _claim_line_0600').scalar_one() != conn.exec_driver_sql(
            'SELECT count(*) FROM claim_line').scalar_one():
        raise RuntimeError("0600: some claim lines have no claim")
    conn.exec_driver_sql('DROP TABLE claim_line')  # the children's violations are counted, to be undone below
    conn.exec_driver_sql(sql)
    for name, idx in indexes:
        if name not in (_OLD_INDEX[0], _NEW_INDEX[0]):
            conn.exec_driver_sql(idx)
    # the unique keys the children refer to exist before the rows go back: ledger_entry still refers to (id,
    # claim_id) on the way up (0600's key replaces it after ledger_entry's rebuild) and again on the way down
    for name, index_cols in (_NEW_INDEX, _OLD_INDEX) if to_head else (_OLD_INDEX,):
        conn.exec_driver_sql(f'CREATE UNIQUE INDEX {name} ON claim_line ({", ".join(index_cols)})')
    conn.exec_driver_sql(f'INSERT INTO claim_line ({names}) SELECT {names} FROM _claim_line_0600 ORDER BY id')
    conn.exec_driver_sql('DROP TABLE _claim_line_0600')


def _sqlite_rebuild_ledger(conn: Connection, to_head: bool) -> None:
    """As 0500: the old table is renamed away (with an index on reverses_id, so dropping it is not quadratic), the
    new one created from the edited text, with its reverses_id index before the rows are copied."""
    sql, indexes = _table_sql(conn, 'ledger_entry')
    line_old, line_new = _SQLITE_LEDGER_LINE_FK if to_head else _SQLITE_LEDGER_LINE_FK[::-1]
    if to_head:
        sql = _replace_once(sql, line_old, line_new, 'ledger_entry')
        sql = _replace_once(sql, ', ' + _SQLITE_LEDGER_CLAIM_FK, '', 'ledger_entry')
    else:
        sql = _replace_once(sql, line_old, f'{line_new}, \n\t{_SQLITE_LEDGER_CLAIM_FK}', 'ledger_entry')
    # SQLite cannot rename an index and the new table's reverses_id index takes the old one's name: the old table
    # gets a plain one under another name for the drop at the end, which looks every deleted id up there
    for name, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    conn.exec_driver_sql('CREATE INDEX _ix_ledger_entry_0600_reverses ON ledger_entry (reverses_id)')
    conn.exec_driver_sql('ALTER TABLE ledger_entry RENAME TO _ledger_entry_0600')
    conn.exec_driver_sql(sql)
    reverses = [idx for name, idx in indexes if name == 'ix_ledger_entry_reverses_id']
    if len(reverses) != 1:
        raise RuntimeError(f"ledger_entry has no ix_ledger_entry_reverses_id: {indexes}")
    conn.exec_driver_sql(reverses[0])
    conn.exec_driver_sql('INSERT INTO ledger_entry SELECT * FROM _ledger_entry_0600 ORDER BY id')
    conn.exec_driver_sql('DROP TABLE _ledger_entry_0600')
    for name, idx in indexes:
        if name != 'ix_ledger_entry_reverses_id':
            conn.exec_driver_sql(idx)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == 'sqlite':
        _sqlite_begin(conn)
        _sqlite_rebuild_claim_line(conn, to_head=True)
        _sqlite_rebuild_ledger(conn, to_head=True)
        conn.exec_driver_sql(f'DROP INDEX {_OLD_INDEX[0]}')
        _sqlite_end(conn)
        _claim_indexes_to_head()
        return
    op.add_column('claim_line', sa.Column('patient_id', sa.BigInteger()))
    op.execute('UPDATE claim_line SET patient_id = claim.patient_id FROM claim WHERE claim.id = claim_line.claim_id')
    op.alter_column('claim_line', 'patient_id', nullable=False)
    op.create_index(_NEW_INDEX[0], 'claim_line', _NEW_INDEX[1], unique=True)
    op.drop_constraint(_LINE_FK, 'claim_line', type_='foreignkey')
    op.drop_constraint(_LEDGER_LINE_FK, 'ledger_entry', type_='foreignkey')
    op.drop_constraint(_LEDGER_CLAIM_FK, 'ledger_entry', type_='foreignkey')
    # before the claim line's key is created: PostgreSQL ties a foreign key to the unique index it found then
    _claim_indexes_to_head()
    op.create_foreign_key(_LINE_FK, 'claim_line', 'claim', ['claim_id', 'patient_id'], ['id', 'patient_id'],
                          onupdate='CASCADE')
    op.create_foreign_key(_LEDGER_LINE_FK, 'ledger_entry', 'claim_line', ['claim_line_id', 'claim_id', 'patient_id'],
                          ['id', 'claim_id', 'patient_id'])
    op.drop_index(_OLD_INDEX[0], table_name='claim_line')


def _claim_indexes_to_head() -> None:
    op.create_index(_CLAIM_NEW_INDEX[0], 'claim', _CLAIM_NEW_INDEX[1], unique=True)
    for name in _CLAIM_OLD_INDEXES:
        op.drop_index(name, table_name='claim')


def _claim_indexes_to_0500() -> None:
    for name, cols, unique in _CLAIM_OLD_INDEXES.values():
        op.create_index(name, 'claim', cols, unique=unique)
    op.drop_index(_CLAIM_NEW_INDEX[0], table_name='claim')


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == 'sqlite':
        _claim_indexes_to_0500()
        _sqlite_begin(conn)
        conn.exec_driver_sql(f'CREATE UNIQUE INDEX {_OLD_INDEX[0]} ON claim_line ({", ".join(_OLD_INDEX[1])})')
        _sqlite_rebuild_ledger(conn, to_head=False)
        _sqlite_rebuild_claim_line(conn, to_head=False)
        _sqlite_end(conn)
        return
    op.create_index(_OLD_INDEX[0], 'claim_line', _OLD_INDEX[1], unique=True)
    op.drop_constraint(_LEDGER_LINE_FK, 'ledger_entry', type_='foreignkey')
    op.drop_constraint(_LINE_FK, 'claim_line', type_='foreignkey')
    _claim_indexes_to_0500()
    op.create_foreign_key(_LEDGER_LINE_FK, 'ledger_entry', 'claim_line', ['claim_line_id', 'claim_id'],
                          ['id', 'claim_id'])
    op.create_foreign_key(_LEDGER_CLAIM_FK, 'ledger_entry', 'claim', ['claim_id', 'patient_id'], ['id', 'patient_id'])
    op.create_foreign_key(_LINE_FK, 'claim_line', 'claim', ['claim_id'], ['id'])
    op.drop_index(_NEW_INDEX[0], table_name='claim_line')
    op.drop_column('claim_line', 'patient_id')
