"""Runs claimed by a replica and kept alive by its heartbeat; cron slots fired once.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sync_runs", sa.Column("owner", sa.String(64), nullable=False, server_default=""))
    op.add_column("sync_runs", sa.Column("heartbeat_at", sa.Float, nullable=True))
    op.add_column(
        "sync_runs", sa.Column("lease_seconds", sa.Float, nullable=False, server_default="30")
    )
    op.create_index("sync_runs_state", "sync_runs", ["state", "started_at"])
    op.create_table(
        "sync_fired_slots",
        sa.Column("command_name", sa.String(64), primary_key=True),
        sa.Column("fire_time", sa.Float, primary_key=True),
        sa.Column("run_id", sa.String(36), nullable=False),
    )
