"""What each managed playlist's description and cover were made of when last sent (a hash
of each, "" for none), so that a run sends either only when it changed. Rows of the
previous schema get "": their next run sends both once.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLE = "sync_managed_playlists"


def upgrade() -> None:
    op.add_column(
        TABLE, sa.Column("description_key", sa.String(64), nullable=False, server_default="")
    )
    op.add_column(TABLE, sa.Column("cover_key", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("cover_key")
        batch.drop_column("description_key")
