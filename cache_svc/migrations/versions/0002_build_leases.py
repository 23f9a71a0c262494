"""Build leases for several replicas: one lease row per target, the requested build and
the id of the latest config decision on each target row.

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
    op.add_column(
        "cache_targets",
        sa.Column("pending_id", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.add_column(
        "cache_targets",
        sa.Column("requested", sa.String(8), nullable=False, server_default=""),
    )
    leases = op.create_table(
        "cache_leases",
        sa.Column("target", sa.String(16), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("heartbeat_at", sa.Float, nullable=False),
        sa.Column("progress", sa.Text, nullable=False),
    )
    op.bulk_insert(
        leases,
        [
            {"target": name, "holder": "", "expires_at": 0.0, "heartbeat_at": 0.0, "progress": ""}
            for name in ("plex", "jellyfin")
        ],
    )
