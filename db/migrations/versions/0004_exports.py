"""every export of the figures and rows is recorded (who, when, which period, with or without personal data)

Revision ID: 0004_exports
Revises: 0003_cbfail
Create Date: 2026-11-30 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0004_exports'
down_revision = '0003_cbfail'
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


def downgrade() -> None:
    op.drop_table('exportrecord')
