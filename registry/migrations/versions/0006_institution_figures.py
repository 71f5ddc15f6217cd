"""institution figures: one JSON document per institution and release

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 05:30:00

A release's institution results move from one row per institution × indicator
(`institution_results`) to one document per institution (`institution_figures`, layout in
registry/indicators/figures.py). Stored releases are carried over figure for figure, both
ways.
"""

from alembic import op
import sqlalchemy as sa

from registry.indicators.figures import ROW_FIELDS, decode_rows, encode_rows


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

def result_columns() -> tuple[sa.Column, ...]:
    return (
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
    )


def results_table() -> sa.Table:
    return sa.table('institution_results', *(sa.column(c.name, c.type) for c in result_columns()))


def figures_table() -> sa.Table:
    return sa.table('institution_figures', sa.column('release_id', sa.Integer()),
                    sa.column('institution_id', sa.Integer()), sa.column('figures', sa.Text()))


def create_results_table() -> None:
    op.create_table('institution_results',
    *result_columns(),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_institution_results_institution_id_institutions')),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_institution_results_release_id_releases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institution_results')),
    sa.UniqueConstraint('release_id', 'institution_id', 'indicator', name=op.f('uq_institution_results_release_id_institution_id_indicator'))
    )
    with op.batch_alter_table('institution_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_results_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_institution_results_release_id'), ['release_id'], unique=False)


def lz4_available(bind) -> bool:
    return bool(bind.scalar(sa.text(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")))


def upgrade() -> None:
    op.create_table('institution_figures',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_institution_figures_institution_id_institutions')),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_institution_figures_release_id_releases')),
    sa.PrimaryKeyConstraint('release_id', 'institution_id', name=op.f('pk_institution_figures'))
    )
    with op.batch_alter_table('institution_figures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_figures_institution_id'), ['institution_id'], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql' and lz4_available(bind):
        # a release writes ~200 MB of documents at 18,500 institutions: lz4 compresses them
        # four times faster than PostgreSQL's default (pglz), to much the same size
        op.execute('ALTER TABLE institution_figures ALTER COLUMN figures SET COMPRESSION lz4')

    results = results_table()
    for (release_id,) in bind.execute(sa.select(results.c.release_id).distinct()).all():
        rows = bind.execute(sa.select(results).where(results.c.release_id == release_id)
                            .order_by(results.c.institution_id, results.c.id)).mappings()
        documents = encode_rows(rows)
        op.bulk_insert(figures_table(), [
            {'release_id': release_id, 'institution_id': institution_id,
             'figures': document.decode()} for institution_id, document in documents.items()])

    with op.batch_alter_table('institution_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_results_release_id'))
        batch_op.drop_index(batch_op.f('ix_institution_results_institution_id'))
    op.drop_table('institution_results')


def downgrade() -> None:
    create_results_table()
    bind = op.get_bind()
    figures = figures_table()
    for release_id, institution_id, document in bind.execute(
            sa.select(figures.c.release_id, figures.c.institution_id, figures.c.figures)
            .order_by(figures.c.release_id, figures.c.institution_id)).all():
        rows = [{name: row[name] for name in (*ROW_FIELDS, 'institution_id', 'by_level')}
                for row in decode_rows(institution_id, document)]
        op.bulk_insert(results_table(), [{'release_id': release_id, **row} for row in rows])

    with op.batch_alter_table('institution_figures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_figures_institution_id'))
    op.drop_table('institution_figures')
