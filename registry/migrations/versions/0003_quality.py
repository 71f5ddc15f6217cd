"""quality issues and accepted explanations

quality_issues: one row per return version × rule × field (the unique key the quality
pipeline upserts on); quality_explanations: the explanation a reviewer last accepted per
programme × rule × field, offered again when the rule fires in a later period.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 23:26:14.478333
"""

from alembic import op
import sqlalchemy as sa

import registry.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quality_explanations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.String(length=8), nullable=False),
    sa.Column('field', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('period_code', sa.String(length=16), nullable=False),
    sa.Column('source_version_id', sa.Integer(), nullable=False),
    sa.Column('explained_by', sa.String(length=300), nullable=False),
    sa.Column('accepted_by', sa.String(length=300), nullable=False),
    sa.Column('accepted_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_quality_explanations_programme_id_programmes')),
    sa.ForeignKeyConstraint(['source_version_id'], ['return_versions.id'], name=op.f('fk_quality_explanations_source_version_id_return_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_explanations')),
    sa.UniqueConstraint('programme_id', 'rule_id', 'field', name=op.f('uq_quality_explanations_programme_id_rule_id_field'))
    )
    op.create_table('quality_issues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_version_id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('field', sa.String(length=200), nullable=False),
    sa.Column('value', sa.String(length=300), nullable=True),
    sa.Column('expected', sa.String(length=300), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('raised_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=True),
    sa.Column('explained_by', sa.String(length=300), nullable=True),
    sa.Column('explained_by_user_id', sa.Integer(), nullable=True),
    sa.Column('explained_at', registry.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reused_explanation_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=300), nullable=True),
    sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', registry.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['users.id'], name=op.f('fk_quality_issues_decided_by_user_id_users')),
    sa.ForeignKeyConstraint(['explained_by_user_id'], ['users.id'], name=op.f('fk_quality_issues_explained_by_user_id_users')),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], name=op.f('fk_quality_issues_return_id_returns')),
    sa.ForeignKeyConstraint(['return_version_id'], ['return_versions.id'], name=op.f('fk_quality_issues_return_version_id_return_versions')),
    sa.ForeignKeyConstraint(['reused_explanation_id'], ['quality_explanations.id'], name=op.f('fk_quality_issues_reused_explanation_id_quality_explanations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_issues')),
    sa.UniqueConstraint('return_version_id', 'rule_id', 'field', name=op.f('uq_quality_issues_return_version_id_rule_id_field'))
    )
    with op.batch_alter_table('quality_issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quality_issues_return_id'), ['return_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quality_issues_rule_id'), ['rule_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quality_issues_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('quality_issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quality_issues_status'))
        batch_op.drop_index(batch_op.f('ix_quality_issues_rule_id'))
        batch_op.drop_index(batch_op.f('ix_quality_issues_return_id'))

    op.drop_table('quality_issues')
    op.drop_table('quality_explanations')
