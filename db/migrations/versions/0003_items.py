"""configured vulnerability flags: codes beyond the four original columns

Revision ID: 0003_items
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003_items'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The four original flags keep their columns (their codes and data stay as they are); other
    # configured codes (low_income, children, veteran, pregnancy, a deployment's own) go here.
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('other_flags', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_column('other_flags')
