"""publication: release calendar, previews, queries, revision notes, scheduled publication

Revision ID: 0012_publication
Revises: 0011_drop_indicator_values
Create Date: 2026-12-05 08:35:36
"""

from alembic import op
import sqlalchemy as sa

import registry.db


revision = '0012_publication'
down_revision = '0011_drop_indicator_values'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('release_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('release_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('set_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('set_by', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_release_schedule_period_id_periods')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_schedule'))
    )
    with op.batch_alter_table('release_schedule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_release_schedule_period_id'), ['period_id'], unique=False)

    op.create_table('release_previews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_by', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_release_previews_release_id_releases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_previews')),
    sa.UniqueConstraint('release_id', name=op.f('uq_release_previews_release_id'))
    )
    op.create_table('release_revision_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('written_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('written_by', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_release_revision_notes_release_id_releases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_revision_notes')),
    sa.UniqueConstraint('release_id', name=op.f('uq_release_revision_notes_release_id'))
    )
    op.create_table('release_queries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('raised_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_release_queries_institution_id_institutions')),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_release_queries_message_id_messages')),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_release_queries_release_id_releases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_queries')),
    sa.UniqueConstraint('message_id', name=op.f('uq_release_queries_message_id'))
    )
    with op.batch_alter_table('release_queries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_release_queries_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_release_queries_release_id'), ['release_id'], unique=False)
    op.create_table('release_scheduled_publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('publish_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('confirmed_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_by', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_release_scheduled_publications_release_id_releases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_scheduled_publications')),
    sa.UniqueConstraint('release_id', name=op.f('uq_release_scheduled_publications_release_id'))
    )



def downgrade() -> None:
    op.drop_table('release_scheduled_publications')
    with op.batch_alter_table('release_queries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_release_queries_release_id'))
        batch_op.drop_index(batch_op.f('ix_release_queries_institution_id'))

    op.drop_table('release_queries')
    op.drop_table('release_revision_notes')
    op.drop_table('release_previews')
    with op.batch_alter_table('release_schedule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_release_schedule_period_id'))

    op.drop_table('release_schedule')
