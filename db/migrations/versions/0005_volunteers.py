"""volunteers (signed up with /volunteer, approved by a coordinator) and the deliveries workers hand to
them; a district's volunteers' chat

Revision ID: 0005_volunteers
Revises: 0004_exports
Create Date: 2026-11-30 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0005_volunteers'
down_revision = '0005_reportidx'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('district', schema=None) as batch_op:
        batch_op.add_column(sa.Column('volunteer_chat_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('volunteer_topic_id', sa.BigInteger(), nullable=True))
    op.create_table(
        'volunteer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tg_user_id', sa.BigInteger(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('districts', sa.JSON(), nullable=False),
        sa.Column('skills', sa.JSON(), nullable=False),
        sa.Column('availability', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('consent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('applied_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['decided_by'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('tg_user_id'),
    )
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_status'), ['status'], unique=False)
    op.create_table(
        'delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('open_request_id', sa.Integer(), nullable=True),
        sa.Column('district_id', sa.Integer(), nullable=True),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('volunteer_id', sa.Integer(), nullable=True),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('offered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('taken_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('picked_up_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column('photo_file_id', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column('next_check_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['request_id'], ['request.id']),
        sa.ForeignKeyConstraint(['district_id'], ['district.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('open_request_id'),
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_volunteer_id'), ['volunteer_id'], unique=False)
        batch_op.create_index('ix_delivery_due', ['next_check_at'], unique=False)


def downgrade() -> None:
    op.drop_table('delivery')
    op.drop_table('volunteer')
    with op.batch_alter_table('district', schema=None) as batch_op:
        batch_op.drop_column('volunteer_topic_id')
        batch_op.drop_column('volunteer_chat_id')
