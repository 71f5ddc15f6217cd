"""API tokens expire: every token gets an expiry date, existing ones a year after creation

Revision ID: 0010_token_expiry
Revises: 0009_toolkit_source
Create Date: 2026-12-05 08:45:00
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import registry.db

revision = '0010_token_expiry'
down_revision = '0009_toolkit_source'
branch_labels = None
depends_on = None

EXISTING_TOKENS_LIFETIME = timedelta(days=365)


def upgrade() -> None:
    with op.batch_alter_table('api_tokens') as batch:
        batch.add_column(sa.Column('expires_at', registry.db.UTCDateTime(timezone=True),
                                   nullable=True))
    tokens = sa.table('api_tokens', sa.column('id', sa.Integer),
                      sa.column('created_at', registry.db.UTCDateTime(timezone=True)),
                      sa.column('expires_at', registry.db.UTCDateTime(timezone=True)))
    connection = op.get_bind()
    for token_id, created_at in connection.execute(sa.select(tokens.c.id,
                                                             tokens.c.created_at)).all():
        connection.execute(tokens.update().where(tokens.c.id == token_id)
                           .values(expires_at=created_at + EXISTING_TOKENS_LIFETIME))
    with op.batch_alter_table('api_tokens') as batch:
        batch.alter_column('expires_at', existing_type=registry.db.UTCDateTime(timezone=True),
                           nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_column('expires_at')
