"""Triage review: the officer queue's columns, correction reasons, and merged duplicates

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 21:10:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('triage_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('awaiting_review', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('urgent', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('score', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('corrects_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_triage_decisions_corrects_id_triage_decisions'),
                                    'triage_decisions', ['corrects_id'], ['id'])
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_cases_merged_into_id_cases'), 'cases', ['merged_into_id'], ['id'])
    # Decisions made before the queue existed: the model's unreviewed ones join it, as least sure.
    op.execute(sa.text("UPDATE triage_decisions SET awaiting_review = needs_review, score = 0 "
                       "WHERE decided_by LIKE 'model:%'"))
    op.create_index('ix_triage_decisions_review_queue', 'triage_decisions',
                    [sa.text('urgent DESC'), 'score', 'id'],
                    postgresql_where=sa.text('awaiting_review'), sqlite_where=sa.text('awaiting_review'))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cases_merged_into_id_cases'), type_='foreignkey')
        batch_op.drop_column('merged_into_id')
    op.drop_index('ix_triage_decisions_review_queue', table_name='triage_decisions')
    with op.batch_alter_table('triage_decisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_triage_decisions_corrects_id_triage_decisions'), type_='foreignkey')
        for column in ('corrects_id', 'reason', 'score', 'urgent', 'awaiting_review'):
            batch_op.drop_column(column)
