"""sync_svc's schema (the migrations create it; these describe it for queries)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

runs = Table(
    "sync_runs",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("command_name", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("finished_at", Float, nullable=False),
    Column("report", Text, nullable=False),  # JSON of sync_svc.runs.Report
    # The playlist the run writes (Spec.managed_key): its runs are claimed one at a time.
    # Empty only for runs queued before the column existed.
    Column("playlist_key", String(300), nullable=False, server_default=""),
    # The replica executing the run (empty until claimed), its last heartbeat on the
    # database's clock (epoch seconds) and how long the run stays its without one.
    Column("owner", String(64), nullable=False, server_default=""),
    Column("heartbeat_at", Float, nullable=True),
    Column("lease_seconds", Float, nullable=False, server_default="30"),
    Index("sync_runs_started", "started_at"),
    Index("sync_runs_state", "state", "started_at"),
)

# One row per (command, cron fire time): the replica whose insert succeeds starts the run.
fired_slots = Table(
    "sync_fired_slots",
    metadata,
    Column("command_name", String(64), primary_key=True),
    Column("fire_time", Float, primary_key=True),
    Column("run_id", String(36), nullable=False),
)

# The playlist each (managed key, destination) was written to. ``target`` holds the
# destination's server name (a target's is its own: "plex", "jellyfin"), and
# ``destination_user`` its user, folded to lower case ("" for the server token's account).
managed = Table(
    "sync_managed_playlists",
    metadata,
    Column("managed_key", String(300), primary_key=True),
    Column("target", String(63), primary_key=True),
    Column("destination_user", String(128), primary_key=True, server_default=""),
    Column("playlist_id", String(128), nullable=False),
    # The title last written there: a title changed by hand is set back only when the
    # spec's title changes. Empty when not known (rows written before it was kept).
    Column("title", Text, nullable=False, server_default=""),
    # What the description and the cover last sent were made of (sync_svc/looks.py
    # ``description_key``; the cover image's SHA-256), "" for none: each is sent again
    # only when it changes.
    Column("description_key", String(64), nullable=False, server_default=""),
    Column("cover_key", String(64), nullable=False, server_default=""),
)

# What each send to Lidarr did with each wanted album of a run (sync_svc/lidarr/): the
# album (its key: the release-group id, else "artist|album" folded), the state
# (sync_svc/lidarr/plan.py AlbumState), Lidarr's answer, the album's id in Lidarr, the
# tracks that asked for it (JSON [{position, title, artists}]) and when it was handed
# over (0 until it is).
lidarr_handoffs = Table(
    "sync_lidarr_handoffs",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("album_key", String(300), primary_key=True),
    Column("release_group_mbid", String(36), nullable=False, server_default=""),
    Column("artist", Text, nullable=False, server_default=""),
    Column("title", Text, nullable=False, server_default=""),
    Column("state", String(20), nullable=False),
    Column("message", Text, nullable=False, server_default=""),
    Column("lidarr_album_id", Integer, nullable=False, server_default="0"),
    Column("tracks", Text, nullable=False, server_default="[]"),
    Column("sent_at", Float, nullable=False, server_default="0"),
    Column("updated_at", Float, nullable=False, server_default="0"),
)

# Each track handed to Lidarr (sync_svc/lidarr/wanted.py ``track_key``), by the run that
# sent it: the first later run that finds the track (``found_by``, "" until one does) says
# it came through Lidarr.
lidarr_tracks = Table(
    "sync_lidarr_tracks",
    metadata,
    Column("track_key", String(600), primary_key=True),
    Column("run_id", String(36), primary_key=True),
    Column("album", Text, nullable=False, server_default=""),
    Column("sent_at", Float, nullable=False),
    Column("found_by", String(36), nullable=False, server_default=""),
)

# The covers runs read from their sources, by the image's SHA-256 (a key names the same
# bytes for ever): what GetCover serves to the status page.
covers = Table(
    "sync_covers",
    metadata,
    Column("cover_key", String(64), primary_key=True),
    Column("content_type", String(32), nullable=False),
    Column("image", LargeBinary, nullable=False),
    Column("stored_at", Float, nullable=False),
)
