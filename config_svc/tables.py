"""config_svc's schema (the migrations create it; these describe it for queries)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    true,
)

metadata = MetaData()

meta = Table(
    "config_meta",
    metadata,
    Column("id", Integer, primary_key=True),
    # The revision of the newest committed write.
    Column("revision", BigInteger, nullable=False),
    # The newest revision deleted from the change log; watches must resume after it.
    Column("compact_revision", BigInteger, nullable=False),
)

settings = Table(
    "config_settings",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("value", Text, nullable=False),
    Column("origin", String(16), nullable=False),
    Column("mod_revision", BigInteger, nullable=False),
)

commands = Table(
    "config_commands",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("source_kind", String(32), nullable=True),
    Column("source_ref", Text, nullable=False),
    # JSON pairs [server, user] (config_svc/events.py command_to_dict): where it writes.
    Column("destinations", Text, nullable=False),
    Column("schedule", String(128), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("enabled_origin", String(16), nullable=False),
    Column("playlist_title", Text, nullable=False),
    Column("mode", String(16), nullable=False, server_default="mirror"),  # SyncMode
    Column("sync_note", Boolean, nullable=False, server_default=true()),
    Column("create_revision", BigInteger, nullable=False),
    Column("mod_revision", BigInteger, nullable=False),
)

change_log = Table(
    "config_change_log",
    metadata,
    Column("revision", BigInteger, primary_key=True),
    Column("seq", Integer, primary_key=True),
    # JSON of one domain event (see config_svc.events).
    Column("event", Text, nullable=False),
)

match_overrides = Table(
    "config_match_overrides",
    metadata,
    # sha256 of the server's name and the key's JSON: identifies the override.
    Column("ident", String(64), primary_key=True),
    # The server's name (a target's overrides: "plex", "jellyfin"); 63 characters from
    # migration 0008.
    Column("target", String(63), nullable=False),
    # JSON of the normalized common.matching.overrides.SourceKey.
    Column("source_key", Text, nullable=False),
    Column("action", String(16), nullable=False),
    Column("item_id", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("update_time", Float, nullable=False),  # epoch seconds
    Column("create_revision", BigInteger, nullable=False),
    Column("mod_revision", BigInteger, nullable=False),
)

servers = Table(
    "config_servers",
    metadata,
    # A lower-case DNS label; "plex" and "jellyfin" are never stored (they are settings).
    Column("name", String(63), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("url", Text, nullable=False),
    Column("token", Text, nullable=False),  # a secret: revealed only by RevealSecrets
    # JSON list of library names; empty means every music library.
    Column("library_names", Text, nullable=False),
    Column("client_enabled", Boolean, nullable=False),
    Column("cache_enabled", Boolean, nullable=False),
    Column("cache_origin", String(16), nullable=False),
    Column("jellyfin_user_id", String(64), nullable=False),
    Column("create_revision", BigInteger, nullable=False),
    Column("mod_revision", BigInteger, nullable=False),
    # The revision that last changed the token (migration 0005).
    Column("token_revision", BigInteger, nullable=False, server_default="0"),
)
