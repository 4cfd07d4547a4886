"""outbox priority classes: what a person waits for goes before bulk sends

Revision ID: 0003_prio
Revises: 0003_erase
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_prio"
down_revision = '0003_erase'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        # Rows written before this migration are of the middle class (1, NORMAL).
        batch_op.add_column(sa.Column("priority", sa.SmallInteger(), nullable=False, server_default="1"))
        batch_op.create_index("ix_outbox_pending_priority", ["status", "priority", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_pending_priority")
        batch_op.drop_column("priority")
