"""drop indicator_values: per-version figures were stored by a DAG and never read

Releases compute every figure from the counted versions' payloads in one pass, so the
stored copy was a second, unread path. Downgrade recreates the (empty) table.

Revision ID: 0011_drop_indicator_values
Revises: 0010_token_expiry
Create Date: 2026-12-05 08:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0011_drop_indicator_values'
down_revision = '0010_token_expiry'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_values_return_version_id'))
    op.drop_table('indicator_values')


def downgrade() -> None:
    op.create_table('indicator_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_version_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=64), nullable=False),
    sa.Column('numerator', sa.Float(), nullable=True),
    sa.Column('denominator', sa.Float(), nullable=True),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('missing_reason', sa.String(length=40), nullable=True),
    sa.Column('method_version', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['return_version_id'], ['return_versions.id'], name=op.f('fk_indicator_values_return_version_id_return_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_values')),
    sa.UniqueConstraint('return_version_id', 'indicator', name=op.f('uq_indicator_values_return_version_id_indicator'))
    )
    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_values_return_version_id'), ['return_version_id'], unique=False)
