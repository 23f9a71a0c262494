"""Runs with their reports, and the ids of the playlists sync_svc manages.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_runs",
        sa.Column("run_id", sa.String(36), primary_key=True),
        sa.Column("command_name", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("finished_at", sa.Float, nullable=False),
        sa.Column("report", sa.Text, nullable=False),
    )
    op.create_index("sync_runs_started", "sync_runs", ["started_at"])
    op.create_table(
        "sync_managed_playlists",
        sa.Column("managed_key", sa.String(300), primary_key=True),
        sa.Column("target", sa.String(16), primary_key=True),
        sa.Column("playlist_id", sa.String(128), nullable=False),
    )
