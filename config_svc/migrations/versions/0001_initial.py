"""Settings, commands, the change log and the revision counter.

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
    meta = op.create_table(
        "config_meta",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("compact_revision", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "config_settings",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("mod_revision", sa.BigInteger, nullable=False),
    )
    commands = op.create_table(
        "config_commands",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("source_kind", sa.String(32), nullable=True),
        sa.Column("source_ref", sa.Text, nullable=False),
        sa.Column("targets", sa.String(64), nullable=False),
        sa.Column("schedule", sa.String(128), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("enabled_origin", sa.String(16), nullable=False),
        sa.Column("playlist_title", sa.Text, nullable=False),
        sa.Column("create_revision", sa.BigInteger, nullable=False),
        sa.Column("mod_revision", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "config_change_log",
        sa.Column("revision", sa.BigInteger, primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("event", sa.Text, nullable=False),
    )
    op.bulk_insert(meta, [{"id": 1, "revision": 0, "compact_revision": 0}])
    # The built-in builder exists from the start, disabled until a cache is enabled.
    op.bulk_insert(
        commands,
        [
            {
                "name": "library_cache_builder",
                "kind": "library_cache_builder",
                "source_kind": None,
                "source_ref": "",
                "targets": "",
                "schedule": "",
                "enabled": False,
                "enabled_origin": "default",
                "playlist_title": "",
                "create_revision": 0,
                "mod_revision": 0,
            }
        ],
    )
