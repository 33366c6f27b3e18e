"""Retention: when a case's personal data was removed, and an index to find those due

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:00:00
"""

from alembic import op
import sqlalchemy as sa

import models.base

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', models.base.UTCDateTime(timezone=True), nullable=True))
        # Not-yet-anonymised cases (anonymised_at IS NULL) first, by closing date: the
        # retention query is one range scan however many cases were anonymised before.
        batch_op.create_index(op.f('ix_cases_anonymised_at_closed_at'), ['anonymised_at', 'closed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(op.f('ix_cases_anonymised_at_closed_at'))
        batch_op.drop_column('anonymised_at')
