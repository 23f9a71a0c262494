"""Each run records the playlist it writes (Spec.managed_key), so that the runs of one
playlist are claimed one at a time.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "sync_runs", sa.Column("playlist_key", sa.String(300), nullable=False, server_default="")
    )
    # Runs of a command are known by it; the key of an inline spec's run (its title) is in
    # the report's JSON, and an empty key claims as before.
    op.execute(
        "UPDATE sync_runs SET playlist_key = 'command:' || command_name WHERE command_name <> ''"
    )
