"""The title last written to each managed playlist, so that a title changed by hand on the
server is set back only when the spec's title changes. Rows of the previous schema get ""
(not known): their playlists keep whatever title they have until the spec's changes.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "sync_managed_playlists",
        sa.Column("title", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    with op.batch_alter_table("sync_managed_playlists") as batch:
        batch.drop_column("title")
