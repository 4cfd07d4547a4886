"""/report at city scale: the period indexes cover every column the figures read (index-only scans)

Requests by (district, created_at) and (district, claimed_at), check-ins by (district, due_at) were already
indexed; each index now carries the columns /report's aggregates read (INCLUDE, PostgreSQL only), so a
city's month of 150,000 requests and 150,000 check-ins is read from the indexes instead of the table
(bench/report_scale.py: the month report, city-wide, at 1,000,000 requests). Each replaces its narrower
predecessor, which queried the same prefix. On SQLite the indexes are the plain ones.

Revision ID: 0005_reportidx
Revises: 0004_exports
Create Date: 2026-11-30 12:30:00
"""

from __future__ import annotations

from alembic import op


revision = '0005_reportidx'
down_revision = '0004_exports'
branch_labels = None
depends_on = None

REQUEST_PERIOD = ['kind', 'status', 'urgency', 'claimed_at', 'finished_at', 'rating']
REQUEST_CLAIMS = ['claimed_by', 'status']
CHECKIN_PERIOD = ['answer', 'escalated_at', 'sent_at']


def upgrade() -> None:
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.create_index('ix_request_district_period', ['district_id', 'created_at'], unique=False,
                              postgresql_include=REQUEST_PERIOD)
        batch_op.create_index('ix_request_district_claims', ['district_id', 'claimed_at'], unique=False,
                              postgresql_include=REQUEST_CLAIMS)
        batch_op.drop_index('ix_request_district_created')
        batch_op.drop_index('ix_request_district_claimed')

    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.create_index('ix_checkin_district_period', ['district_id', 'due_at'], unique=False,
                              postgresql_include=CHECKIN_PERIOD)
        batch_op.drop_index('ix_checkin_district_due')


def downgrade() -> None:
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.create_index('ix_checkin_district_due', ['district_id', 'due_at'], unique=False)
        batch_op.drop_index('ix_checkin_district_period')

    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.create_index('ix_request_district_claimed', ['district_id', 'claimed_at'], unique=False)
        batch_op.create_index('ix_request_district_created', ['district_id', 'created_at'], unique=False)
        batch_op.drop_index('ix_request_district_claims')
        batch_op.drop_index('ix_request_district_period')
