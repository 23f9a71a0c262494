"""cache_svc's schema (the migrations create it; these describe it for queries)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# Every ``target`` column holds the name of the server a cache belongs to (a lower-case DNS
# label, up to 63 characters: migration 0006). The name is kept from the time there were
# only two targets: the built-in servers' names are those targets' values ("plex",
# "jellyfin"), and renaming a column would copy its table.
SERVER_NAME = String(63)

# The configuration last applied from config_svc's watch, with its revision: both are
# written in one transaction with the effects the change caused (pending builds).
follow_state = Table(
    "cache_follow_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("applied_revision", BigInteger, nullable=False),
    Column("config", Text, nullable=False),
)

# One row per server's cache.
targets = Table(
    "cache_targets",
    metadata,
    Column("target", SERVER_NAME, primary_key=True),
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
    # Grows with every config decision about the target: a build serving an older value
    # was superseded (a rebuild or a disable came meanwhile) and stops.
    Column("pending_id", BigInteger, nullable=False, server_default="0"),
    # A build asked for by BuildCache or the refresh schedule ("", "build", "full"); it is
    # not resumed after a restart on SQLite, but a surviving replica takes it over.
    Column("requested", String(8), nullable=False, server_default=""),
    # The serving generation's index image: its format version (0: none stored, as
    # before images) and the checksum of its bytes, both written at activation.
    Column("format_version", Integer, nullable=False, server_default="0"),
    Column("checksum", String(64), nullable=False, server_default=""),
    # What each step of the serving generation's build cost the server (JSON list of
    # {step, requests, bytes, seconds}; cache_svc/costs.py).
    Column("build_costs", Text, nullable=False, server_default=""),
)

# A generation's index image (common/matching/image.py) in parts, loaded in bulk at start-up
# and by every replica when another one activates a generation.
index_images = Table(
    "cache_index_images",
    metadata,
    Column("target", SERVER_NAME, primary_key=True),
    Column("generation", BigInteger, primary_key=True),
    Column("part", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

# One row per server's cache: who may build it, until when (the database's clock, epoch seconds),
# and the running build's progress (JSON) for every replica's status.
leases = Table(
    "cache_leases",
    metadata,
    Column("target", SERVER_NAME, primary_key=True),
    Column("holder", String(64), nullable=False),  # a replica id; "" when free
    Column("expires_at", Float, nullable=False),
    Column("heartbeat_at", Float, nullable=False),
    Column("progress", Text, nullable=False),
)

builds = Table(
    "cache_builds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target", SERVER_NAME, nullable=False),
    Column("mode", String(16), nullable=False),
    Column("started_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger, nullable=False),
    Column("outcome", String(16), nullable=False),  # running, ready, failed, interrupted
    Column("error", Text, nullable=False),
    Column("generation", BigInteger, nullable=False),
    Column("tracks", BigInteger, nullable=False),
    Column("requests", BigInteger, nullable=False),
    Column("costs", Text, nullable=False, server_default=""),  # as build_costs above
)
