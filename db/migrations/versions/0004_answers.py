"""a request's answers to the wizard steps that need no column of their own (step key -> value)

Revision ID: 0004_answers
Revises: 0003_cbfail
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004_answers'
down_revision = '0003_cbfail'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answers', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_column('answers')
