"""Ledger rows check their line, claim and claim payment with composite foreign keys: fewer checks, stronger

Every 835 claim payment writes four ledger rows, and each foreign key is checked per row (on PostgreSQL a trigger
query each; with them switched off the posting took ~40 % less time). Three of a ledger row's keys copy what
another already implies: claim_id is the line's claim, patient_id the claim's patient, remittance_id the claim
payment's remittance. They are now checked together with it — (claim_line_id, claim_id) → claim_line (id,
claim_id), (claim_id, patient_id) → claim (id, patient_id), (claim_payment_id, remittance_id) → claim_payment (id,
remittance_id) — so a row checks 3 keys instead of 5 and the copies must agree with their source, which no
constraint enforced before. The unique indexes those keys refer to are added first. (A composite key is not
checked while one of its columns is NULL; ledger rows always have claim_line_id, claim_id and patient_id, and
posting sets claim_payment_id and remittance_id together.)

Revision ID: 0400_ledger_composite_keys
Revises: 0300_posting_indexes
Create Date: 2026-11-27 08:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0400_ledger_composite_keys'
down_revision: str | None = '0300_posting_indexes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SINGLE = [
    ('fk_ledger_entry_claim_line_id_claim_line', 'claim_line', ['claim_line_id'], ['id']),
    ('fk_ledger_entry_claim_id_claim', 'claim', ['claim_id'], ['id']),
    ('fk_ledger_entry_patient_id_patient', 'patient', ['patient_id'], ['id']),
    ('fk_ledger_entry_remittance_id_remittance', 'remittance', ['remittance_id'], ['id']),
    ('fk_ledger_entry_claim_payment_id_claim_payment', 'claim_payment', ['claim_payment_id'], ['id']),
]
_COMPOSITE = [
    ('fk_ledger_entry_claim_line_id_claim_line', 'claim_line', ['claim_line_id', 'claim_id'], ['id', 'claim_id']),
    ('fk_ledger_entry_claim_id_claim', 'claim', ['claim_id', 'patient_id'], ['id', 'patient_id']),
    ('fk_ledger_entry_claim_payment_id_claim_payment', 'claim_payment', ['claim_payment_id', 'remittance_id'],
     ['id', 'remittance_id']),
]


def upgrade() -> None:
    op.create_index('ix_claim_id_patient_id', 'claim', ['id', 'patient_id'], unique=True)
    op.create_index('ix_claim_line_id_claim_id', 'claim_line', ['id', 'claim_id'], unique=True)
    op.create_index('ix_claim_payment_id_remittance_id', 'claim_payment', ['id', 'remittance_id'], unique=True)
    with op.batch_alter_table('ledger_entry') as batch:
        for name, *_ in _SINGLE:
            batch.drop_constraint(name, type_='foreignkey')
        for name, table, cols, refs in _COMPOSITE:
            batch.create_foreign_key(name, table, cols, refs)


def downgrade() -> None:
    with op.batch_alter_table('ledger_entry') as batch:
        for name, *_ in _COMPOSITE:
            batch.drop_constraint(name, type_='foreignkey')
        for name, table, cols, refs in _SINGLE:
            batch.create_foreign_key(name, table, cols, refs)
    op.drop_index('ix_claim_payment_id_remittance_id', table_name='claim_payment')
    op.drop_index('ix_claim_line_id_claim_id', table_name='claim_line')
    op.drop_index('ix_claim_id_patient_id', table_name='claim')
