"""every photo of a request (albums); the resident's edits after sending and the messages they edit

Revision ID: 0003_media
Revises: 0003_items
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003_media'
down_revision = '0003_items'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_file_ids', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('edits', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('source_message_ids', sa.JSON(), nullable=False, server_default='[]'))
    # a request's single photo becomes the first of its list
    op.execute(
        "UPDATE request SET photo_file_ids = json_build_array(photo_file_id) WHERE photo_file_id IS NOT NULL"
        if op.get_bind().dialect.name == 'postgresql' else
        "UPDATE request SET photo_file_ids = json_array(photo_file_id) WHERE photo_file_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_column('source_message_ids')
        batch_op.drop_column('edits')
        batch_op.drop_column('photo_file_ids')
