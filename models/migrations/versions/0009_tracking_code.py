"""Tracking: the hash of the secret code a resident tracks their case with

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 20:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Cases opened before this have no code, so cannot be tracked; their residents ask us.
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tracking_code_hash', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('tracking_code_hash')
