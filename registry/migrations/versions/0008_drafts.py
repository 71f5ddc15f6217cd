"""drafts of returns: one per institution, period and programme code

Revision ID: 0008_drafts
Revises: 0007_threads
Create Date: 2026-12-05 06:15:00
"""

from alembic import op
import sqlalchemy as sa

import registry.db


revision = '0008_drafts'
down_revision = '0007_threads'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('return_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('programme_code', sa.String(length=32), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('saved_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('saved_by', sa.String(length=300), nullable=False),
    sa.Column('saved_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_return_drafts_institution_id_institutions')),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_return_drafts_period_id_periods')),
    sa.ForeignKeyConstraint(['saved_by_user_id'], ['users.id'], name=op.f('fk_return_drafts_saved_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_drafts')),
    sa.UniqueConstraint('institution_id', 'period_id', 'programme_code', name=op.f('uq_return_drafts_institution_id_period_id_programme_code'))
    )
    with op.batch_alter_table('return_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_drafts_institution_id'), ['institution_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('return_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_drafts_institution_id'))
    op.drop_table('return_drafts')
