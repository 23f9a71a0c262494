"""sync_svc's schema (the migrations create it; these describe it for queries)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Index, MetaData, String, Table, Text

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
    Column("report", Text, nullable=False),  # JSON of sync_svc.model.Report
    Index("sync_runs_started", "started_at"),
)

managed = Table(
    "sync_managed_playlists",
    metadata,
    Column("managed_key", String(300), primary_key=True),
    Column("target", String(16), primary_key=True),
    Column("playlist_id", String(128), nullable=False),
)
