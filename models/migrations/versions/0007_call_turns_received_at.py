"""Twilio voice: index call turns by time, for the sweep that finishes abandoned calls

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 19:00:00
"""

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f('ix_call_turns_received_at'), 'call_turns', ['received_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_call_turns_received_at'), table_name='call_turns')
