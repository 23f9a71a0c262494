"""Followed config, per-target state, track rows by generation, build history.

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
        "cache_follow_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("applied_revision", sa.BigInteger, nullable=False),
        sa.Column("config", sa.Text, nullable=False),
    )
    targets = op.create_table(
        "cache_targets",
        sa.Column("target", sa.String(16), primary_key=True),
        sa.Column("generation", sa.BigInteger, nullable=False),
        sa.Column("built_at", sa.BigInteger, nullable=False),
        sa.Column("track_count", sa.BigInteger, nullable=False),
        sa.Column("library_names", sa.Text, nullable=False),
        sa.Column("changes_since", sa.BigInteger, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("pending", sa.String(8), nullable=False),
        sa.Column("pending_reason", sa.Text, nullable=False),
    )
    op.create_table(
        "cache_tracks",
        sa.Column("target", sa.String(16), primary_key=True),
        sa.Column("generation", sa.BigInteger, primary_key=True),
        sa.Column("item_id", sa.String(128), primary_key=True),
        sa.Column("library", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("artists", sa.Text, nullable=False),
        sa.Column("album_artist", sa.Text, nullable=False),
        sa.Column("album", sa.Text, nullable=False),
        sa.Column("duration_ms", sa.BigInteger, nullable=False),
        sa.Column("mbid", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_index("cache_tracks_mbid", "cache_tracks", ["target", "generation", "mbid"])
    op.create_table(
        "cache_builds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("started_at", sa.BigInteger, nullable=False),
        sa.Column("finished_at", sa.BigInteger, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("generation", sa.BigInteger, nullable=False),
        sa.Column("tracks", sa.BigInteger, nullable=False),
        sa.Column("requests", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(
        targets,
        [
            {
                "target": name,
                "generation": 0,
                "built_at": 0,
                "track_count": 0,
                "library_names": "[]",
                "changes_since": 0,
                "last_error": "",
                "pending": "",
                "pending_reason": "",
            }
            for name in ("plex", "jellyfin")
        ],
    )
