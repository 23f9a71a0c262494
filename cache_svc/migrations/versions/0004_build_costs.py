"""What each build step cost the target server (requests, bytes, seconds), in the build
history and on the serving generation's row.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "cache_targets", sa.Column("build_costs", sa.Text, nullable=False, server_default="")
    )
    op.add_column("cache_builds", sa.Column("costs", sa.Text, nullable=False, server_default=""))
