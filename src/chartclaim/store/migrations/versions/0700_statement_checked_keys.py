"""PostgreSQL: the 835 posting's foreign keys are checked once per statement instead of once per row

PostgreSQL checks a foreign key with a trigger query per inserted row. Posting 100,000 claim payments writes
400,000 ledger rows with 5 keys, 100,000 claim payments with 4 and 100,000 claim transitions with 2: 2.6 million
trigger queries, about half of the server's time (perf: AfterTriggerEndQuery → SPI_execute_snapshot; dropping the
ledger's keys alone took the server from ~13.5 s to ~8.7 s of CPU). Here the same keys of those three tables are
checked by one statement-level trigger per table that sees the statement's rows as a transition table: each
referenced parent row is locked FOR KEY SHARE (what the per-row check does, so a concurrent delete of the parent
waits or fails), then any key without its parent is reported with PostgreSQL's own message (SQLSTATE 23503,
the constraint's name, "Key (...)=(...) is not present in table ..."). The parent tables get the other half of a
key: deleting a referenced row, or changing its key, is refused the same way (a statement trigger on DELETE,
a row trigger on UPDATE that runs only when the key changed).

What differs from a declared key, on purpose and tested:
- A parent row is deleted or re-keyed at READ COMMITTED only. The check of a deleting transaction sees the
  children committed concurrently only with a fresh snapshot; at REPEATABLE READ or SERIALIZABLE it would not
  (PostgreSQL's own check uses a cross-check snapshot no trigger can), so the trigger refuses instead of
  risking an orphan. chartclaim runs at READ COMMITTED; the parents here (claim, claim line, claim payment,
  payer, patient payment, remittance, ledger rows) are not deleted by the application once referenced.
- TRUNCATE of a parent is not checked (as with any trigger); it is an administrator's operation.
- The keys are no longer listed as constraints in the catalog; the models still declare them (SQLite keeps
  them as real keys, where a check costs an index probe), `store.models.STATEMENT_CHECKED_KEYS` names them,
  and the schema comparison test checks that each has its triggers here.

The trigger code is written out below (this revision's own copy, as migrations are frozen); a later change to
the keys is a new revision.

Revision ID: 0700_statement_checked_keys
Revises: 0600_claim_line_patient_key
Create Date: 2026-11-27 15:40:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from alembic import op

revision: str = '0700_statement_checked_keys'
down_revision: str | None = '0600_claim_line_patient_key'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class _Key(NamedTuple):  # not a dataclass: alembic loads a revision outside sys.modules
    name: str
    table: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]


# Each parent is found by its primary key, `id`, the first of its columns in every key.
KEYS = (
    _Key('fk_ledger_entry_claim_line_id_claim_line', 'ledger_entry', ('claim_line_id', 'claim_id', 'patient_id'),
         'claim_line', ('id', 'claim_id', 'patient_id')),
    _Key('fk_ledger_entry_claim_payment_id_claim_payment', 'ledger_entry', ('claim_payment_id', 'remittance_id'),
         'claim_payment', ('id', 'remittance_id')),
    _Key('fk_ledger_entry_payer_id_payer', 'ledger_entry', ('payer_id',), 'payer', ('id',)),
    _Key('fk_ledger_entry_reverses_id_ledger_entry', 'ledger_entry', ('reverses_id',), 'ledger_entry', ('id',)),
    _Key('fk_ledger_entry_patient_payment_id_patient_payment', 'ledger_entry', ('patient_payment_id',),
         'patient_payment', ('id',)),
    _Key('fk_claim_payment_claim_id_claim', 'claim_payment', ('claim_id',), 'claim', ('id',)),
    _Key('fk_claim_payment_payer_id_payer', 'claim_payment', ('payer_id',), 'payer', ('id',)),
    _Key('fk_claim_payment_remittance_id_remittance', 'claim_payment', ('remittance_id',), 'remittance', ('id',)),
    _Key('fk_claim_payment_reversed_by_id_claim_payment', 'claim_payment', ('reversed_by_id',), 'claim_payment',
         ('id',)),
    _Key('fk_claim_transition_claim_id_claim', 'claim_transition', ('claim_id',), 'claim', ('id',)),
    _Key('fk_claim_transition_remittance_id_remittance', 'claim_transition', ('remittance_id',), 'remittance',
         ('id',)),
)


def _list(cols: Sequence[str], prefix: str = '') -> str:
    return ', '.join(f'{prefix}{c}' for c in cols)


def _quoted_list(cols: Sequence[str]) -> str:
    """The columns as one SQL string literal, for messages."""
    return "'" + ', '.join(cols) + "'"


def _child_check(k: _Key) -> str:
    """One key of the statement's new rows: lock the parents they name, then report the first key without one.

    Every parent here is found by its primary key (the key's first column) with an array of the distinct values;
    no query joins the parent to the transition table, whose size the planner knows but not how few keys it
    holds (a join was planned as a nested loop over both: quadratic). A one-column key is complete when as many
    parents were locked as there are values; a longer one when no key tuple is left over after taking away the
    parents' (EXCEPT: one hashed pass over each). A key with a NULL column is not checked (MATCH SIMPLE)."""
    first = k.columns[0]
    present = ' AND '.join(f'{c} IS NOT NULL' for c in k.columns)
    missing_key = (f'SELECT {_list(k.columns)} FROM new_rows WHERE {present} '
                   f'EXCEPT SELECT {_list(k.parent_columns)} FROM {k.parent} WHERE id = ANY (ids)')
    values = ", ".join(f'm.{c}::text' for c in k.columns)
    complete = ('locked = cardinality(ids)' if len(k.columns) == 1 else
                f'NOT EXISTS ({missing_key})')
    return f'''
  ids := ARRAY(SELECT DISTINCT {first} FROM new_rows WHERE {present});
  IF cardinality(ids) > 0 THEN
    SELECT count(*) INTO locked FROM (SELECT 1 FROM {k.parent} WHERE id = ANY (ids) FOR KEY SHARE) l;
    IF NOT ({complete}) THEN
      SELECT concat_ws(', ', {values}) INTO missing FROM ({missing_key}) m LIMIT 1;
      RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{k.name}', TABLE = '{k.table}',
        MESSAGE = 'insert or update on table "{k.table}" violates foreign key constraint "{k.name}"',
        DETAIL = format('Key (%s)=(%s) is not present in table "%s".', {_quoted_list(k.columns)}, missing,
                        '{k.parent}');
    END IF;
  END IF;'''


def _child_function(table: str) -> str:
    # enable_seqscan off: each parent lookup is by primary key, but right after a bulk load the planner can
    # believe the parent small and scan it whole for every statement (a per-row key check never scans either)
    checks = ''.join(_child_check(k) for k in KEYS if k.table == table)
    return f'''
CREATE FUNCTION {table}_check_keys() RETURNS trigger LANGUAGE plpgsql SET enable_seqscan = off AS $fn$
DECLARE
  ids bigint[];
  locked bigint;
  missing text;
BEGIN{checks}
  RETURN NULL;
END
$fn$'''


def _referenced_error(k: _Key, values: str) -> str:
    return f'''RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{k.name}', TABLE = '{k.parent}',
        MESSAGE = 'update or delete on table "{k.parent}" violates foreign key constraint "{k.name}" on table '
                  '"{k.table}"',
        DETAIL = format('Key (%s)=(%s) is still referenced from table "%s".', {_quoted_list(k.parent_columns)},
                        {values}, '{k.table}');'''


_READ_COMMITTED_ONLY = '''IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION USING ERRCODE = 'feature_not_supported',
      MESSAGE = format('rows of "%s" are deleted or re-keyed at READ COMMITTED only', TG_TABLE_NAME),
      HINT = 'Its keys are checked per statement (migration 0700): a transaction with an older snapshot could miss '
             'rows inserted concurrently that refer to them.';
  END IF;'''


def _parent_delete_function(k: _Key) -> str:
    join = ' AND '.join(f'c.{c} = o.{pc}' for c, pc in zip(k.columns, k.parent_columns, strict=True))
    values = "concat_ws(', ', " + ", ".join(f'o.{pc}::text' for pc in k.parent_columns) + ')'
    return f'''
CREATE FUNCTION {_parent_fn(k, 'del')}() RETURNS trigger LANGUAGE plpgsql SET enable_seqscan = off AS $fn$
DECLARE
  referenced text;
BEGIN
  PERFORM 1 FROM old_rows LIMIT 1;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  {_READ_COMMITTED_ONLY}
  SELECT {values} INTO referenced FROM old_rows o WHERE EXISTS (SELECT 1 FROM {k.table} c WHERE {join}) LIMIT 1;
  IF FOUND THEN
    {_referenced_error(k, 'referenced')}
  END IF;
  RETURN NULL;
END
$fn$'''


def _parent_update_function(k: _Key) -> str:
    join = ' AND '.join(f'{c} = OLD.{pc}' for c, pc in zip(k.columns, k.parent_columns, strict=True))
    values = "concat_ws(', ', " + ", ".join(f'OLD.{pc}::text' for pc in k.parent_columns) + ')'
    return f'''
CREATE FUNCTION {_parent_fn(k, 'upd')}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  {_READ_COMMITTED_ONLY}
  IF EXISTS (SELECT 1 FROM {k.table} WHERE {join}) THEN
    {_referenced_error(k, values)}
  END IF;
  RETURN NULL;
END
$fn$'''


def _parent_fn(k: _Key, what: str) -> str:
    # a constraint name is at most 63 characters; so is a function's, with the suffix
    return f'{k.name[:55]}_{what}'


def _trigger_names(k: _Key) -> tuple[str, str]:
    return f'{k.name[:59]}_del', f'{k.name[:59]}_upd'


def create_statements() -> list[str]:
    out: list[str] = []
    for k in KEYS:
        out.append(f'ALTER TABLE {k.table} DROP CONSTRAINT {k.name}')
    for table in dict.fromkeys(k.table for k in KEYS):
        out.append(_child_function(table))
        out.append(f'CREATE TRIGGER {table}_check_keys_ins AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows '
                   f'FOR EACH STATEMENT EXECUTE FUNCTION {table}_check_keys()')
        out.append(f'CREATE TRIGGER {table}_check_keys_upd AFTER UPDATE ON {table} REFERENCING NEW TABLE AS new_rows '
                   f'FOR EACH STATEMENT EXECUTE FUNCTION {table}_check_keys()')
    for k in KEYS:
        on_delete, on_update = _trigger_names(k)
        changed = ' OR '.join(f'OLD.{pc} IS DISTINCT FROM NEW.{pc}' for pc in k.parent_columns)
        out.append(_parent_delete_function(k))
        out.append(f'CREATE TRIGGER {on_delete} AFTER DELETE ON {k.parent} REFERENCING OLD TABLE AS old_rows '
                   f'FOR EACH STATEMENT EXECUTE FUNCTION {_parent_fn(k, "del")}()')
        out.append(_parent_update_function(k))
        out.append(f'CREATE TRIGGER {on_update} AFTER UPDATE OF {_list(k.parent_columns)} ON {k.parent} '
                   f'FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {_parent_fn(k, "upd")}()')
    return out


def drop_statements() -> list[str]:
    out: list[str] = []
    for k in KEYS:
        on_delete, on_update = _trigger_names(k)
        out.append(f'DROP TRIGGER {on_delete} ON {k.parent}')
        out.append(f'DROP TRIGGER {on_update} ON {k.parent}')
        out.append(f'DROP FUNCTION {_parent_fn(k, "del")}()')
        out.append(f'DROP FUNCTION {_parent_fn(k, "upd")}()')
    for table in dict.fromkeys(k.table for k in KEYS):
        out.append(f'DROP TRIGGER {table}_check_keys_ins ON {table}')
        out.append(f'DROP TRIGGER {table}_check_keys_upd ON {table}')
        out.append(f'DROP FUNCTION {table}_check_keys()')
    for k in KEYS:
        out.append(f'ALTER TABLE {k.table} ADD CONSTRAINT {k.name} FOREIGN KEY ({_list(k.columns)}) '
                   f'REFERENCES {k.parent} ({_list(k.parent_columns)})')
    return out


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite keeps the declared keys
    for sql in create_statements():
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for sql in drop_statements():
        op.execute(sql)
