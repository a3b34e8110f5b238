"""claim_submission: the X12 control numbers (ISA13, GS06, ST02) and position of each claim sent in an 837

Additive: one new table, so a 999's AK2/IK3/IK4 can be tied back to our claims.

Revision ID: 0200_submissions
Revises: 0100_web
Create Date: 2026-11-27 03:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0200_submissions'
down_revision: str | None = '0100_web'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('claim_submission',
    sa.Column('id', _ID, nullable=False),
    sa.Column('claim_id', _ID, nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=True),
    sa.Column('sender_id', sa.String(length=15), nullable=False),
    sa.Column('receiver_id', sa.String(length=15), nullable=False),
    sa.Column('isa13', sa.String(length=9), nullable=False),
    sa.Column('gs06', sa.String(length=9), nullable=False),
    sa.Column('st02', sa.String(length=9), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('clm_segment', sa.Integer(), nullable=False),
    sa.Column('last_segment', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_claim_submission_claim_id_claim')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_submission'))
    )
    with op.batch_alter_table('claim_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_submission_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index('ix_claim_submission_envelope', ['gs06', 'st02'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('claim_submission', schema=None) as batch_op:
        batch_op.drop_index('ix_claim_submission_envelope')
        batch_op.drop_index(batch_op.f('ix_claim_submission_claim_id'))
    op.drop_table('claim_submission')
