"""every export of the figures and rows is recorded (who, when, which period, with or without personal data);
the weekly report and the morning summary are due per staff chat; /report finds «not received» answers by time

Revision ID: 0004_exports
Revises: 0004_answers
Create Date: 2026-11-30 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0004_exports'
down_revision = '0004_answers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'exportrecord',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('tg_user_id', sa.BigInteger(), nullable=True),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column('personal', sa.Boolean(), nullable=False),
        sa.Column('requests', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'scheduledpost',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('chat_id', sa.BigInteger(), nullable=False),
        sa.Column('next_due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('last_sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'chat_id'),
    )
    with op.batch_alter_table('scheduledpost', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduledpost_next_due_at'), ['next_due_at'], unique=False)


    with op.batch_alter_table('requestevent', schema=None) as batch_op:
        batch_op.create_index('ix_requestevent_action_at', ['action', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('requestevent', schema=None) as batch_op:
        batch_op.drop_index('ix_requestevent_action_at')
    op.drop_table('scheduledpost')
    op.drop_table('exportrecord')
