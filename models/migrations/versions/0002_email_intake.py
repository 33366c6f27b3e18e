"""email intake: triage text, attachments, noise, correspondence

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 16:41:07
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('triage_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('attachments', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('noise', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_contacts_case_id'), ['case_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_contacts_case_id_cases'), 'cases', ['case_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contacts_case_id_cases'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_contacts_case_id'))
        batch_op.drop_column('case_id')
        batch_op.drop_column('noise')
        batch_op.drop_column('attachments')
        batch_op.drop_column('triage_text')
