"""Case lifecycle: stages, assignment, extensions, outcomes, the next deadline, and chasing

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 18:45:00
"""

from alembic import op
import sqlalchemy as sa

import models.base

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('stage_key', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('stage_requested_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('assigned_to', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('extensions', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('outcome', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('deadline_kind', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('deadline_due', sa.Date(), nullable=True))
        batch.add_column(sa.Column('parent_case_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('other_service_areas', sa.JSON(), nullable=False, server_default='[]'))
        batch.add_column(sa.Column('representative', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('adjustments', sa.JSON(), nullable=False, server_default='[]'))
        batch.add_column(sa.Column('contact_restriction', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('needs_review', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_foreign_key(op.f('fk_cases_parent_case_id_cases'), 'cases', ['parent_case_id'], ['id'])
        batch.create_index(op.f('ix_cases_deadline_due'), ['deadline_due'], unique=False)
    op.execute("UPDATE cases SET stage_key = 'stage_1', stage_requested_at = received_at WHERE kind = 'complaint'")
    op.execute("UPDATE cases SET deadline_kind = 'acknowledge', deadline_due = acknowledgement_due "
               "WHERE acknowledged_at IS NULL AND acknowledgement_due IS NOT NULL AND state <> 'closed'")
    op.execute("UPDATE cases SET deadline_kind = 'respond', deadline_due = response_due "
               "WHERE acknowledged_at IS NOT NULL AND response_due IS NOT NULL AND responded_at IS NULL AND state <> 'closed'")

    with op.batch_alter_table('notifications') as batch:
        batch.alter_column('purpose', existing_type=sa.String(length=32), type_=sa.String(length=80))
        batch.add_column(sa.Column('context', sa.JSON(), nullable=False, server_default='{}'))

    op.create_table(
        'deadline_chases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('stage_key', sa.String(length=16), nullable=False),
        sa.Column('deadline_kind', sa.String(length=16), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_deadline_chases_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_chases')),
        sa.UniqueConstraint('case_id', 'stage_key', 'deadline_kind', 'due_on', 'action',
                            name=op.f('uq_deadline_chases_once')),
    )


def downgrade() -> None:
    op.drop_table('deadline_chases')
    with op.batch_alter_table('notifications') as batch:
        batch.drop_column('context')
        batch.alter_column('purpose', existing_type=sa.String(length=80), type_=sa.String(length=32))
    with op.batch_alter_table('cases') as batch:
        batch.drop_index(op.f('ix_cases_deadline_due'))
        batch.drop_constraint(op.f('fk_cases_parent_case_id_cases'), type_='foreignkey')
        for column in ('needs_review', 'contact_restriction', 'adjustments', 'representative', 'other_service_areas',
                       'parent_case_id', 'deadline_due', 'deadline_kind', 'outcome', 'extensions', 'assigned_to',
                       'stage_requested_at', 'stage_key'):
            batch.drop_column(column)
