"""stored charts: the SVG of each chart the pipeline draws when releases are published

Revision ID: 0015_stored_charts
Revises: 0014_period_standard_versions
Create Date: 2026-12-05 15:00:00
"""

from alembic import op
import sqlalchemy as sa

import registry.db


revision = '0015_stored_charts'
down_revision = '0014_period_standard_versions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stored_charts',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('svg', sa.Text(), nullable=False),
    sa.Column('rendered_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rendered_by', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_stored_charts'))
    )


def downgrade() -> None:
    op.drop_table('stored_charts')
