"""feedback reports: each college's Data Feedback Report PDF per release, pre-rendered

Revision ID: 0013_feedback_reports
Revises: 0012_publication
Create Date: 2026-12-05 09:00:00
"""

from alembic import op
import sqlalchemy as sa

import registry.db


revision = '0013_feedback_reports'
down_revision = '0012_publication'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feedback_reports',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('checksum_sha256', sa.String(length=64), nullable=False),
    sa.Column('rendered_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rendered_by', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_feedback_reports_institution_id_institutions')),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_feedback_reports_release_id_releases')),
    sa.PrimaryKeyConstraint('release_id', 'institution_id', name=op.f('pk_feedback_reports'))
    )
    with op.batch_alter_table('feedback_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_reports_institution_id'), ['institution_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('feedback_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_reports_institution_id'))
    op.drop_table('feedback_reports')
