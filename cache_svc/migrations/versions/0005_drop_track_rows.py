"""Generations live in their index images alone: the per-track rows nothing read are gone.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("cache_tracks_mbid", table_name="cache_tracks")
    op.drop_table("cache_tracks")


def downgrade() -> None:
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
