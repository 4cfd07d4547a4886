"""indexes for city-scale staff queries; district on check-ins

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 17:34:56.297818
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.add_column(sa.Column('district_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_checkin_district_due', ['district_id', 'due_at'], unique=False)
        batch_op.create_foreign_key('fk_checkin_district_id_district', 'district', ['district_id'], ['id'])
    # Existing check-ins take their resident's district, so today's roll stays complete.
    op.execute('UPDATE checkin SET district_id = (SELECT district_id FROM resident WHERE resident.id = checkin.resident_id)')

    with op.batch_alter_table('checkinplan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkinplan_paused_until'), ['paused_until'], unique=False)

    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.create_index('ix_request_district_claimed', ['district_id', 'claimed_at'], unique=False)
        batch_op.create_index('ix_request_district_created', ['district_id', 'created_at'], unique=False)
        batch_op.create_index('ix_request_open_queue', ['district_id', 'urgency', 'created_at'], unique=False, postgresql_where=sa.text("status IN ('NEW', 'CLAIMED', 'ON_THE_WAY')"), sqlite_where=sa.text("status IN ('NEW', 'CLAIMED', 'ON_THE_WAY')"))



def downgrade() -> None:
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_index('ix_request_open_queue', postgresql_where=sa.text("status IN ('NEW', 'CLAIMED', 'ON_THE_WAY')"), sqlite_where=sa.text("status IN ('NEW', 'CLAIMED', 'ON_THE_WAY')"))
        batch_op.drop_index('ix_request_district_created')
        batch_op.drop_index('ix_request_district_claimed')

    with op.batch_alter_table('checkinplan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkinplan_paused_until'))

    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.drop_constraint('fk_checkin_district_id_district', type_='foreignkey')
        batch_op.drop_index('ix_checkin_district_due')
        batch_op.drop_column('district_id')

