"""Urgent flags on decisions made before the review queue: 0010 set awaiting_review from
needs_review alone, so a confident but urgent contact of that time never joined the queue
and an unsure one sat in it unflagged. The flag is read from the decision's own flags.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 02:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only model decisions whose `urgent` column disagrees with their flags: decisions made
    # since 0010 have it set by the triage job. Each joins the queue unless a later decision
    # (an officer's) already exists for its contact.
    op.execute(sa.text(
        "UPDATE triage_decisions SET urgent = TRUE, score = COALESCE(score, 0), "
        "awaiting_review = NOT EXISTS (SELECT 1 FROM triage_decisions later "
        "  WHERE later.contact_id = triage_decisions.contact_id AND later.id > triage_decisions.id) "
        "WHERE decided_by LIKE 'model:%' AND NOT urgent AND CAST(flags AS TEXT) LIKE '%\"name\": \"urgent\"%'"))


def downgrade() -> None:
    """Nothing to undo: 0010's downgrade drops these columns."""
