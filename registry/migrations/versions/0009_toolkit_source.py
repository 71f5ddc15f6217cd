"""return versions: the sending program's version (the toolkit's, via Registry-Client)

Revision ID: 0009_toolkit_source
Revises: 0008_drafts
Create Date: 2026-12-05 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009_toolkit_source'
down_revision = '0008_drafts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('return_versions') as batch_op:
        batch_op.add_column(sa.Column('client_version', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('return_versions') as batch_op:
        batch_op.drop_column('client_version')
