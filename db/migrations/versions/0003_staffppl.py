"""staff who left their chat; details the claimer has not received yet

Revision ID: 0003_staffppl
Revises: 0003_stall
Create Date: 2026-11-30 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0003_staffppl'
down_revision = '0003_stall'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('details_undelivered', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    # Requests held by workers who never opened the bot keep the hint on their cards.
    op.execute(
        "UPDATE request SET details_undelivered = 'no_chat' WHERE status IN ('CLAIMED', 'ON_THE_WAY')"
        " AND claimed_by IN (SELECT id FROM staff WHERE has_private_chat = false)"
    )


def downgrade() -> None:
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_column('details_undelivered')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('left_at')
