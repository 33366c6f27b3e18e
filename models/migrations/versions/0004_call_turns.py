"""Twilio voice: the answers of calls in progress

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:00:00
"""

from alembic import op
import sqlalchemy as sa

import models.base

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'call_turns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('call_sid', sa.String(length=64), nullable=False),
        sa.Column('step', sa.String(length=16), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('speech', sa.Text(), nullable=False),
        sa.Column('confidence', sa.Double(), nullable=True),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.Column('received_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_call_turns')),
        sa.UniqueConstraint('call_sid', 'step', 'attempt', name=op.f('uq_call_turns_call_sid_step_attempt')),
    )


def downgrade() -> None:
    op.drop_table('call_turns')
