"""benchmarks: indicator values, releases, cells, institution results, peer groups

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 23:28:55.417913
"""

from alembic import op
import sqlalchemy as sa

import registry.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('revises_id', sa.Integer(), nullable=True),
    sa.Column('acceptance_level', sa.String(length=16), nullable=False),
    sa.Column('min_institutions', sa.Integer(), nullable=False),
    sa.Column('min_people', sa.Integer(), nullable=False),
    sa.Column('method_version', sa.String(length=16), nullable=False),
    sa.Column('catalogue_version', sa.String(length=16), nullable=False),
    sa.Column('suite_version', sa.String(length=64), nullable=False),
    sa.Column('pipeline_run_id', sa.String(length=250), nullable=False),
    sa.Column('built_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('built_by', sa.String(length=300), nullable=False),
    sa.Column('checksum_sha256', sa.String(length=64), nullable=False),
    sa.Column('json_sha256', sa.String(length=64), nullable=False),
    sa.Column('sdmx_sha256', sa.String(length=64), nullable=False),
    sa.Column('export_csv', sa.Text(), nullable=False),
    sa.Column('export_json', sa.Text(), nullable=False),
    sa.Column('export_sdmx_csv', sa.Text(), nullable=False),
    sa.Column('method_notes', sa.Text(), nullable=False),
    sa.Column('provenance', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_releases_period_id_periods')),
    sa.ForeignKeyConstraint(['revises_id'], ['releases.id'], name=op.f('fk_releases_revises_id_releases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_releases')),
    sa.UniqueConstraint('number', name=op.f('uq_releases_number')),
    sa.UniqueConstraint('pipeline_run_id', name=op.f('uq_releases_pipeline_run_id'))
    )
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_releases_period_id'), ['period_id'], unique=False)

    op.create_table('benchmark_cells',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=64), nullable=False),
    sa.Column('stratum', sa.String(length=80), nullable=False),
    sa.Column('institutions', sa.Integer(), nullable=True),
    sa.Column('returns', sa.Integer(), nullable=True),
    sa.Column('numerator', sa.Float(), nullable=True),
    sa.Column('denominator', sa.Float(), nullable=True),
    sa.Column('pooled_rate', sa.Float(), nullable=True),
    sa.Column('ci_low', sa.Float(), nullable=True),
    sa.Column('ci_high', sa.Float(), nullable=True),
    sa.Column('mean', sa.Float(), nullable=True),
    sa.Column('p10', sa.Float(), nullable=True),
    sa.Column('p25', sa.Float(), nullable=True),
    sa.Column('median', sa.Float(), nullable=True),
    sa.Column('p75', sa.Float(), nullable=True),
    sa.Column('p90', sa.Float(), nullable=True),
    sa.Column('suppression', sa.String(length=12), nullable=False),
    sa.Column('rate_withheld', sa.String(length=40), nullable=True),
    sa.Column('revised', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_benchmark_cells_release_id_releases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benchmark_cells')),
    sa.UniqueConstraint('release_id', 'indicator', 'stratum', name=op.f('uq_benchmark_cells_release_id_indicator_stratum'))
    )
    with op.batch_alter_table('benchmark_cells', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benchmark_cells_release_id'), ['release_id'], unique=False)

    op.create_table('peer_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('owner_university_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=300), nullable=False),
    sa.Column('created_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_university_id'], ['universities.id'], name=op.f('fk_peer_groups_owner_university_id_universities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_groups'))
    )
    with op.batch_alter_table('peer_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_groups_owner_university_id'), ['owner_university_id'], unique=False)

    op.create_table('release_publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('published_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_release_publications_release_id_releases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_publications')),
    sa.UniqueConstraint('release_id', name=op.f('uq_release_publications_release_id'))
    )
    op.create_table('institution_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('numerator', sa.Float(), nullable=True),
    sa.Column('denominator', sa.Float(), nullable=True),
    sa.Column('returns', sa.Integer(), nullable=False),
    sa.Column('ci_low', sa.Float(), nullable=True),
    sa.Column('ci_high', sa.Float(), nullable=True),
    sa.Column('percentile', sa.Float(), nullable=True),
    sa.Column('peer_institutions', sa.Integer(), nullable=False),
    sa.Column('peer_median', sa.Float(), nullable=True),
    sa.Column('peer_pooled', sa.Float(), nullable=True),
    sa.Column('contribution_median', sa.Float(), nullable=True),
    sa.Column('contribution_pooled', sa.Float(), nullable=True),
    sa.Column('expected', sa.Float(), nullable=True),
    sa.Column('expected_p', sa.Float(), nullable=True),
    sa.Column('flag', sa.String(length=16), nullable=True),
    sa.Column('missing_reason', sa.String(length=40), nullable=True),
    sa.Column('by_level', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_institution_results_institution_id_institutions')),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_institution_results_release_id_releases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institution_results')),
    sa.UniqueConstraint('release_id', 'institution_id', 'indicator', name=op.f('uq_institution_results_release_id_institution_id_indicator'))
    )
    with op.batch_alter_table('institution_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_results_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_institution_results_release_id'), ['release_id'], unique=False)

    op.create_table('peer_group_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('peer_group_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_peer_group_members_institution_id_institutions')),
    sa.ForeignKeyConstraint(['peer_group_id'], ['peer_groups.id'], name=op.f('fk_peer_group_members_peer_group_id_peer_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_group_members')),
    sa.UniqueConstraint('peer_group_id', 'institution_id', name=op.f('uq_peer_group_members_peer_group_id_institution_id'))
    )
    with op.batch_alter_table('peer_group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_group_members_peer_group_id'), ['peer_group_id'], unique=False)

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




def downgrade() -> None:

    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_values_return_version_id'))

    op.drop_table('indicator_values')
    with op.batch_alter_table('peer_group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_group_members_peer_group_id'))

    op.drop_table('peer_group_members')
    with op.batch_alter_table('institution_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_results_release_id'))
        batch_op.drop_index(batch_op.f('ix_institution_results_institution_id'))

    op.drop_table('institution_results')
    op.drop_table('release_publications')
    with op.batch_alter_table('peer_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_groups_owner_university_id'))

    op.drop_table('peer_groups')
    with op.batch_alter_table('benchmark_cells', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benchmark_cells_release_id'))

    op.drop_table('benchmark_cells')
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_releases_period_id'))

    op.drop_table('releases')

