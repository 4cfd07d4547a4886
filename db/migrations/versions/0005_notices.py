"""official notices (/notice): the notice with its texts, attachment, cursor and counts; a resident may turn
notices off (/notices)

Revision ID: 0005_notices
Revises: 0004_exports
Create Date: 2026-11-30 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0005_notices'
down_revision = '0005_followups'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('chat_id', sa.BigInteger(), nullable=False),
        sa.Column('thread_id', sa.BigInteger(), nullable=True),
        sa.Column('progress_message_id', sa.BigInteger(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('audience', sa.Enum('DISTRICTS', 'CHECKINS', 'STAFF', name='noticeaudience'), nullable=False),
        sa.Column('district_ids', sa.JSON(), nullable=False),
        sa.Column('texts', sa.JSON(), nullable=False),
        sa.Column('attachment', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column('file_id', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column('status', sa.Enum('SENDING', 'DONE', 'CANCELLED', name='noticestatus'), nullable=False),
        sa.Column('cursor', sa.Integer(), nullable=False),
        sa.Column('last_id', sa.Integer(), nullable=False),
        sa.Column('written_all', sa.Boolean(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('queued', sa.Integer(), nullable=False),
        sa.Column('sent', sa.Integer(), nullable=False),
        sa.Column('unreachable', sa.Integer(), nullable=False),
        sa.Column('skipped', sa.Integer(), nullable=False),
        sa.Column('progress_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('progress_shown', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('cancelled_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['cancelled_by'], ['staff.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index('ix_notice_status', ['status', 'id'], unique=False)
        batch_op.create_index('ix_notice_created', ['created_at'], unique=False)
    # a plain ADD COLUMN: SQLite's batch mode would copy the table, which its foreign keys refuse
    op.add_column('resident', sa.Column('notices_off', sa.Boolean(), nullable=False, server_default=sa.text('false')))


def downgrade() -> None:
    op.drop_column('resident', 'notices_off')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_created')
        batch_op.drop_index('ix_notice_status')
    op.drop_table('notice')
    if op.get_bind().dialect.name == 'postgresql':
        sa.Enum(name='noticestatus').drop(op.get_bind(), checkfirst=True)
        sa.Enum(name='noticeaudience').drop(op.get_bind(), checkfirst=True)
