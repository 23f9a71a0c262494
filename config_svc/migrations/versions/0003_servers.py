"""Servers: the Plex and Jellyfin servers created with CreateServer (the built-in "plex"
and "jellyfin" stay settings).

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
    op.create_table(
        "config_servers",
        sa.Column("name", sa.String(63), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("token", sa.Text, nullable=False),
        sa.Column("library_names", sa.Text, nullable=False),
        sa.Column("client_enabled", sa.Boolean, nullable=False),
        sa.Column("cache_enabled", sa.Boolean, nullable=False),
        sa.Column("cache_origin", sa.String(16), nullable=False),
        sa.Column("jellyfin_user_id", sa.String(64), nullable=False),
        sa.Column("create_revision", sa.BigInteger, nullable=False),
        sa.Column("mod_revision", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("config_servers")
