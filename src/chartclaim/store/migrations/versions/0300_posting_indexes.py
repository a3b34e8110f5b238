"""Fewer indexes for 835 posting to maintain: drop the ones no query uses, make a mostly-NULL one partial

Every 835 claim payment writes four ledger rows, a claim payment and a status change; each index on those
tables is one more B-tree write per row. Dropped: ledger_entry.remittance_id (ledger rows are reached through
claim_payment_id), claim_payment.payer_claim_number (checked per claim after the claim_id lookup), claim.status
(a prefix of ix_claim_workbench, which serves the same lookups). ledger_entry.patient_payment_id becomes a
partial index over the rows that have one. The foreign keys stay.

Revision ID: 0300_posting_indexes
Revises: 0200_submissions
Create Date: 2026-11-27 05:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0300_posting_indexes'
down_revision: str | None = '0200_submissions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HAS_PATIENT_PAYMENT = sa.text('patient_payment_id IS NOT NULL')


def upgrade() -> None:
    op.drop_index('ix_ledger_entry_remittance_id', table_name='ledger_entry')
    op.drop_index('ix_ledger_entry_patient_payment_id', table_name='ledger_entry')
    op.create_index('ix_ledger_entry_patient_payment_id', 'ledger_entry', ['patient_payment_id'], unique=False,
                    sqlite_where=_HAS_PATIENT_PAYMENT, postgresql_where=_HAS_PATIENT_PAYMENT)
    op.drop_index('ix_claim_payment_payer_claim_number', table_name='claim_payment')
    op.drop_index('ix_claim_status', table_name='claim')


def downgrade() -> None:
    op.create_index('ix_claim_status', 'claim', ['status'], unique=False)
    op.create_index('ix_claim_payment_payer_claim_number', 'claim_payment', ['payer_claim_number'], unique=False)
    op.drop_index('ix_ledger_entry_patient_payment_id', table_name='ledger_entry')
    op.create_index('ix_ledger_entry_patient_payment_id', 'ledger_entry', ['patient_payment_id'], unique=False)
    op.create_index('ix_ledger_entry_remittance_id', 'ledger_entry', ['remittance_id'], unique=False)
