"""periods: the return standard versions each period accepts (existing periods: 1.0)

Revision ID: 0014_period_standard_versions
Revises: 0013_feedback_reports
Create Date: 2026-12-05 09:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0014_period_standard_versions'
down_revision = '0013_feedback_reports'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A server default fills the existing periods without rebuilding the table on SQLite
    # (a rebuild would break the returns' foreign keys to it).
    op.add_column('periods', sa.Column('standard_versions', sa.JSON(), nullable=False,
                                       server_default=sa.text("'[\"1.0\"]'")))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): no rebuild of the referenced table.
    op.drop_column('periods', 'standard_versions')
