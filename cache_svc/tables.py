"""cache_svc's schema (the migrations create it; these describe it for queries)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

# The configuration last applied from config_svc's watch, with its revision: both are
# written in one transaction with the effects the change caused (pending builds).
follow_state = Table(
    "cache_follow_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("applied_revision", BigInteger, nullable=False),
    Column("config", Text, nullable=False),
)

targets = Table(
    "cache_targets",
    metadata,
    Column("target", String(16), primary_key=True),
    # The serving generation (0: none). Rows of other generations are never served.
    Column("generation", BigInteger, nullable=False),
    Column("built_at", BigInteger, nullable=False),  # epoch seconds
    Column("track_count", BigInteger, nullable=False),
    Column("library_names", Text, nullable=False),  # JSON list
    Column("changes_since", BigInteger, nullable=False),  # epoch s: incremental refresh point
    Column("last_error", Text, nullable=False),
    # A build requested by a config change and not yet finished ("", "build", "full").
    Column("pending", String(8), nullable=False),
    Column("pending_reason", Text, nullable=False),
)

tracks = Table(
    "cache_tracks",
    metadata,
    Column("target", String(16), primary_key=True),
    Column("generation", BigInteger, primary_key=True),
    Column("item_id", String(128), primary_key=True),
    Column("library", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("artists", Text, nullable=False),  # JSON list
    Column("album_artist", Text, nullable=False),
    Column("album", Text, nullable=False),
    Column("duration_ms", BigInteger, nullable=False),
    Column("mbid", String(64), nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index("cache_tracks_mbid", "target", "generation", "mbid"),
)

builds = Table(
    "cache_builds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target", String(16), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("started_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger, nullable=False),
    Column("outcome", String(16), nullable=False),  # running, ready, failed, interrupted
    Column("error", Text, nullable=False),
    Column("generation", BigInteger, nullable=False),
    Column("tracks", BigInteger, nullable=False),
    Column("requests", BigInteger, nullable=False),
)
