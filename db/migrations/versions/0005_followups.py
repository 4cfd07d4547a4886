"""follow-ups after support: a done «someone to talk to» request keeps the worker's follow-up choice and
when to ask; a follow-up's question, answer and silence; the request a follow-up answer opened;
a resident's regular medicines, when each runs out and when its reminder is due

Revision ID: 0005_followups
Revises: 0004_exports
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql


revision = '0005_followups'
down_revision = '0005_volunteers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_days', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('follow_up_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('follows_request_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_request_follow_up_at'), ['follow_up_at'], unique=False)
        batch_op.create_foreign_key('fk_request_follows_request_id', 'request', ['follows_request_id'], ['id'])
    op.create_table(
        'followup',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('asked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('answer', postgresql.ENUM('PENDING', 'FINE', 'NOT_WELL', 'HELP', 'MISSED', name='checkinanswer',
                                            create_type=False).with_variant(
            sa.Enum('PENDING', 'FINE', 'NOT_WELL', 'HELP', 'MISSED', name='checkinanswer'), 'sqlite'), nullable=False),
        sa.Column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('next_check_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('silence_told_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('new_request_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['new_request_id'], ['request.id']),
        sa.ForeignKeyConstraint(['request_id'], ['request.id']),
        sa.ForeignKeyConstraint(['resident_id'], ['resident.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.create_index('ix_followup_open', ['answer', 'next_check_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_followup_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followup_resident_id'), ['resident_id'], unique=False)

    op.create_table(
        'medicine',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('dose', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('days_supply', sa.SmallInteger(), nullable=False),
        sa.Column('runs_out_on', sa.Date(), nullable=False),
        sa.Column('do_not_interrupt', sa.Boolean(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('remind_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('reminded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('escalate_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('recorded_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['recorded_by'], ['staff.id']),
        sa.ForeignKeyConstraint(['request_id'], ['request.id']),
        sa.ForeignKeyConstraint(['resident_id'], ['resident.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('medicine', schema=None) as batch_op:
        batch_op.create_index('ix_medicine_remind', ['active', 'remind_at'], unique=False)
        batch_op.create_index('ix_medicine_escalate', ['escalate_at'], unique=False)
        batch_op.create_index('ix_medicine_runs_out', ['active', 'runs_out_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_medicine_resident_id'), ['resident_id'], unique=False)


def downgrade() -> None:
    op.drop_table('medicine')
    op.drop_table('followup')
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_constraint('fk_request_follows_request_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_request_follow_up_at'))
        batch_op.drop_column('follows_request_id')
        batch_op.drop_column('follow_up_at')
        batch_op.drop_column('follow_up_days')
