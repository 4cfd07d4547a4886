"""card views also record pickers, so a staff press is checked against the message it came from

Revision ID: 0003_cbfail
Revises: 0003_prio
Create Date: 2026-11-30 05:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003_cbfail'
down_revision = '0003_prio'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cardview', schema=None) as batch_op:
        batch_op.add_column(sa.Column('picker', sa.Boolean(), nullable=False, server_default=sa.text('false')))


def downgrade() -> None:
    with op.batch_alter_table('cardview', schema=None) as batch_op:
        batch_op.drop_column('picker')
