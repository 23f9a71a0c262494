"""The hand-offs to Lidarr: for each run, every wanted album with what was done and what
Lidarr answered (``sync_lidarr_handoffs``), and each track handed over with it, by the
key a later run finds it under (``sync_lidarr_tracks``). New tables: the previous
release's rows are untouched.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_lidarr_handoffs",
        sa.Column("run_id", sa.String(36), primary_key=True),
        sa.Column("album_key", sa.String(300), primary_key=True),
        sa.Column("release_group_mbid", sa.String(36), nullable=False, server_default=""),
        sa.Column("artist", sa.Text, nullable=False, server_default=""),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("lidarr_album_id", sa.Integer, nullable=False, server_default="0"),
        sa.Column("tracks", sa.Text, nullable=False, server_default="[]"),
        sa.Column("sent_at", sa.Float, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.Float, nullable=False, server_default="0"),
    )
    op.create_table(
        "sync_lidarr_tracks",
        sa.Column("track_key", sa.String(600), primary_key=True),
        sa.Column("run_id", sa.String(36), primary_key=True),
        sa.Column("album", sa.Text, nullable=False, server_default=""),
        sa.Column("sent_at", sa.Float, nullable=False),
        sa.Column("found_by", sa.String(36), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("sync_lidarr_tracks")
    op.drop_table("sync_lidarr_handoffs")
