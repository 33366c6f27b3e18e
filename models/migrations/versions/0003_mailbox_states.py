"""IMAP poller: how far each mailbox folder has been read

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 16:50:00
"""

from alembic import op
import sqlalchemy as sa

import models.base

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'mailbox_states',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account', sa.String(length=320), nullable=False),
        sa.Column('folder', sa.String(length=200), nullable=False),
        sa.Column('uidvalidity', sa.BigInteger(), nullable=False),
        sa.Column('last_uid', sa.BigInteger(), nullable=False),
        sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mailbox_states')),
        sa.UniqueConstraint('account', 'folder', name=op.f('uq_mailbox_states_account_folder')),
    )


def downgrade() -> None:
    op.drop_table('mailbox_states')
