"""threads: one conversation per return, and how far each user has read it

Revision ID: 0007_threads
Revises: 0006
Create Date: 2026-12-05 05:58:33.236723

A thread message is a `messages` row naming its return and author (the e-mail delivery
of reminders sends it too); `thread_reads` keeps the last message each user has seen.
Downgrading deletes the thread messages, which the older schema cannot tell apart.
"""

from alembic import op
import sqlalchemy as sa

import registry.db


revision = '0007_threads'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('thread_reads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('last_read_message_id', sa.Integer(), nullable=False),
    sa.Column('read_at', registry.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], name=op.f('fk_thread_reads_return_id_returns')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_thread_reads_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thread_reads')),
    sa.UniqueConstraint('user_id', 'return_id', name=op.f('uq_thread_reads_user_id_return_id'))
    )
    with op.batch_alter_table('thread_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thread_reads_return_id'), ['return_id'], unique=False)

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('return_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('author', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('author_user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_messages_return_id'), ['return_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_messages_return_id_returns'), 'returns', ['return_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_messages_author_user_id_users'), 'users', ['author_user_id'], ['id'])



def downgrade() -> None:
    op.execute("DELETE FROM messages WHERE return_id IS NOT NULL")
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_messages_author_user_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_messages_return_id_returns'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_messages_return_id'))
        batch_op.drop_column('author_user_id')
        batch_op.drop_column('author')
        batch_op.drop_column('return_id')

    with op.batch_alter_table('thread_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thread_reads_return_id'))

    op.drop_table('thread_reads')
