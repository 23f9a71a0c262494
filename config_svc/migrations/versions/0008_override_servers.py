"""Match overrides per server: ``config_match_overrides.target`` holds the name of the
server an override steers, up to 63 characters (a DNS label). A target's overrides keep
their rows and identities: a built-in server's name is its target's value.

On PostgreSQL, widening a varchar changes the catalog alone; SQLite does not enforce a
VARCHAR's length, so nothing is done there.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column(
        "config_match_overrides", "target", type_=sa.String(63), existing_type=sa.String(16)
    )


def downgrade() -> None:
    """Back to 16 characters: the overrides of servers with longer names go first."""
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute(sa.text("DELETE FROM config_match_overrides WHERE length(target) > 16"))
    op.alter_column(
        "config_match_overrides", "target", type_=sa.String(16), existing_type=sa.String(63)
    )
