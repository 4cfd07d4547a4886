"""erasure and retention: the sent message of an outbox row, when a request was anonymised

Revision ID: 0003_erase
Revises: 0003_staffppl
Create Date: 2026-11-30 05:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0003_erase'
down_revision = '0003_staffppl'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.BigInteger(), nullable=True))

    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymized_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_request_retention', ['anonymized_at', 'updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_index('ix_request_retention')
        batch_op.drop_column('anonymized_at')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('message_id')
