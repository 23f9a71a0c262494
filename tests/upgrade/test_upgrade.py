"""Upgrading loses nothing: a database the previous release wrote (tests/upgrade/
previous_release.py) upgrades in place, with the migrations every service runs at start,
and every row comes through: unchanged where the schema did not change it, and where the
households change maps Plex and Jellyfin to the servers ``plex`` and ``jellyfin``, mapped.
Then each service's own stores read it: cache_svc serves the stored caches without a
rebuild, config_svc lists the built-in servers and the overrides, sync_svc finds its runs
and managed playlists.

When a migration changes what the previous release's rows become (say cache_svc keys its
tables by server), say so below, in ``at_head`` and what it uses: ``SERVER_OF_TARGET``,
``TARGET_COLUMNS``, ``ADDED_TABLES``, ``upgraded_row``; and in the service's store check.
Runs on SQLite, and on PostgreSQL when CMDARR_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb
from sqlalchemy import Connection, MetaData, select, text

from cache_svc import app as cache_app
from cache_svc.build.builders import BuildJob, Finished, RequestTally
from cache_svc.build.progress import BuildProgress, Phase
from cache_svc.leases import LeaseStore
from cache_svc.manager import CacheManager
from cache_svc.servicer import CacheServicer
from cache_svc.store import CacheStore
from common.config.registry import Registry
from common.database.engine import Database
from common.domain import CommandKind, Destination, Origin, SourceKind, SyncMode, Target
from common.matching import MatchMethod
from common.matching.overrides import KeyKind, MatchOverride, OverrideAction, SourceKey
from common.runtime.server import GrpcServer
from common.wire.channels import open_channel
from config_svc import app as config_app
from config_svc import store as config_store
from config_svc.core import ConfigCore
from config_svc.events import Event, override_ident
from config_svc.feed import ChangeFeed
from config_svc.overrides import KeyInput, OverrideUseCases
from config_svc.revisions import RevisionEngine
from config_svc.server_spec import Server, ServerKind
from config_svc.servers import ServerUseCases
from config_svc.views import ConfigViews
from sync_svc import app as sync_app
from sync_svc.lidarr.records import HandoffRecords
from sync_svc.lidarr.wanted import wanted_positions
from sync_svc.run_queue import RunQueue
from sync_svc.runs import RunState, Via
from sync_svc.store import SyncStore
from tests.support.databases import POSTGRES_URL, fresh_database
from tests.support.rpc import TIMEOUT
from tests.upgrade import previous_release as previous
from tests.upgrade.previous_release import Row, Tables


@dataclass(frozen=True)
class Service:
    name: str
    migrations: Path
    version_table: str

    @property
    def prefix(self) -> str:
        """Every table of the service starts with it (one database may hold all three)."""
        return f"{self.name}_"


SERVICES = {
    "config": Service("config", config_app.MIGRATIONS, config_app.VERSION_TABLE),
    "cache": Service("cache", cache_app.MIGRATIONS, cache_app.VERSION_TABLE),
    "sync": Service("sync", sync_app.MIGRATIONS, sync_app.VERSION_TABLE),
}

# ----- what the upgrade makes of the previous release's rows ---------------------------

# The households change: each target of the previous release is the built-in server of
# the same name. Target "plex" becomes server "plex"; target "jellyfin", server "jellyfin".
SERVER_OF_TARGET = {"plex": "plex", "jellyfin": "jellyfin"}

# The columns that held a target, by table: (its name then, its name at head). Today
# every one still holds the name under its old column; a migration that keys a table by
# server renames it here, e.g. "cache_targets": ("target", "server").
TARGET_COLUMNS = {
    "config_match_overrides": ("target", "target"),
    "cache_targets": ("target", "target"),
    "cache_index_images": ("target", "target"),
    "cache_leases": ("target", "target"),
    "cache_builds": ("target", "target"),
    "sync_managed_playlists": ("target", "target"),
}

# Tables the migrations since the previous release added, as they hold its data.
ADDED_TABLES: dict[str, Tables] = {
    # config 0003: created servers only; the built-in plex and jellyfin stay settings.
    "config": {"config_servers": []},
    # sync 0007: nothing was handed to Lidarr before; sync 0008: the covers runs read, the
    # previous release kept none.
    "sync": {"sync_lidarr_handoffs": [], "sync_lidarr_tracks": [], "sync_covers": []},
}


def upgraded_row(table: str, row: Row) -> Row:
    """One previous-release row at head: the same values, each target as its server.
    JSON columns (reports, the followed config, the change log) keep their text: a
    migration that rewrites the targets in them maps them here too."""
    out = dict(row)
    if table in TARGET_COLUMNS:
        before, after = TARGET_COLUMNS[table]
        out[after] = SERVER_OF_TARGET[out.pop(before)]
    if table == "sync_managed_playlists":
        # sync 0004: a managed playlist is a destination's; a target's has no user.
        out["destination_user"] = ""
        # sync 0005: the title last written is not known, so it is not set back until the
        # spec's title changes.
        out["title"] = ""
        # sync 0006: no description or cover was sent by cmdarr before: each is sent once.
        out["description_key"] = ""
        out["cover_key"] = ""
    if table == "config_commands":
        # config 0004: the comma-separated targets become destinations, JSON [server, user]
        # pairs in the same order, each target its server with no user.
        targets = out.pop("targets").split(",")
        out["destinations"] = json.dumps([[SERVER_OF_TARGET[t], ""] for t in targets if t])
        # config 0005: every command of the previous release mirrored its source.
        out["mode"] = "mirror"
        # config 0006: the description's "Synced by cmdarr" line is on by default.
        out["sync_note"] = True
    return out


def at_head(service: str) -> Tables:
    """Every table of ``service`` at head, as the upgrade must leave the previous
    release's rows."""
    old = previous.TABLES[service]
    tables = {name: [upgraded_row(name, row) for row in rows] for name, rows in old.items()}
    return {**tables, **ADDED_TABLES.get(service, {})}


# ----- the previous release's database --------------------------------------------------


def _alembic_upgrade(connection: Connection, service: Service, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(service.migrations))
    config.attributes["connection"] = connection
    config.attributes["version_table"] = service.version_table
    command.upgrade(config, revision)


async def write_previous_release(service: Service, url: str) -> None:
    """Migrate an empty database to the previous release's head and fill every table
    with its rows, in raw SQL against that schema."""
    tables = previous.TABLES[service.name]
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            await connection.run_sync(_alembic_upgrade, service, previous.HEADS[service.name])
            await connection.commit()
    finally:
        await db.close()
    # The frozen rows cover every table and every column the previous release had.
    schema = await read_tables(url, service)
    assert schema.columns == {name: list(rows[0]) for name, rows in tables.items()}
    db = Database(url)
    try:
        async with db.engine.begin() as connection:
            for name, rows in tables.items():
                await connection.execute(text(f"DELETE FROM {name}"))  # what a migration seeded
                for row in rows:
                    assigned = previous.ASSIGNED.get(name, ())
                    values = {k: v for k, v in row.items() if k not in assigned}
                    names = ", ".join(f'"{column}"' for column in values)
                    marks = ", ".join(f":{column}" for column in values)
                    await connection.execute(
                        text(f"INSERT INTO {name} ({names}) VALUES ({marks})"), values
                    )
    finally:
        await db.close()
    written = await read_tables(url, service)
    found, wanted = written.keyed(written.rows), written.keyed(tables)
    for name in sorted(wanted):
        assert found[name] == wanted[name], f"{name} as the previous release wrote it"


async def upgrade(service: Service, url: str) -> None:
    """What the service runs at start: its migrations to head (common/database/engine.py)."""
    db = Database(url)
    try:
        await db.migrate(service.migrations, service.version_table)
    finally:
        await db.close()


@dataclass(frozen=True)
class Contents:
    """Every table of one service: its columns, its primary key and its rows."""

    columns: dict[str, list[str]]
    keys: dict[str, list[str]]
    rows: Tables

    def keyed(self, tables: Tables) -> dict[str, dict[tuple[Any, ...], Row]]:
        """``tables`` (these or the expected ones) by name, each row by its primary key."""
        return {
            name: {tuple(row[k] for k in self.keys[name]): row for row in rows}
            for name, rows in tables.items()
        }


def _read(connection: Connection, prefix: str) -> Contents:
    meta = MetaData()
    meta.reflect(connection)
    tables = {
        name: table
        for name, table in meta.tables.items()
        if name.startswith(prefix) and not name.endswith("_alembic_version")
    }
    return Contents(
        columns={name: [c.name for c in table.columns] for name, table in tables.items()},
        keys={name: [c.name for c in table.primary_key.columns] for name, table in tables.items()},
        rows={
            name: [
                dict(row)
                for row in connection.execute(
                    select(table).order_by(*table.primary_key.columns)
                ).mappings()
            ]
            for name, table in tables.items()
        },
    )


async def read_tables(url: str, service: Service) -> Contents:
    """Every table of ``service`` (one database may hold every service's)."""
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            return await connection.run_sync(_read, service.prefix)
    finally:
        await db.close()


async def version_of(url: str, service: Service) -> str:
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            found = await connection.execute(
                text(f"SELECT version_num FROM {service.version_table}")
            )
            return str(found.scalar_one())
    finally:
        await db.close()


def head_of(service: Service) -> str:
    config = Config()
    config.set_main_option("script_location", str(service.migrations))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


async def check_rows(service: Service, url: str) -> None:
    """The database is at the newest migration, and every row at head is the previous
    release's row as ``at_head`` maps it."""
    assert await version_of(url, service) == head_of(service)
    upgraded = await read_tables(url, service)
    expected = at_head(service.name)
    assert sorted(upgraded.rows) == sorted(expected)  # a new table needs its expected rows
    found, wanted = upgraded.keyed(upgraded.rows), upgraded.keyed(expected)
    for name in sorted(wanted):
        assert found[name] == wanted[name], f"{name} after the upgrade"


# ----- the services' own stores on the upgraded database ------------------------------


async def check_config(url: str) -> None:
    """config_svc: the start-up pass finds nothing to change; the built-in servers are
    the previous release's settings; the overrides and the change log read as stored."""
    db = Database(url)
    try:
        views = ConfigViews(Registry(), {})
        revisions = RevisionEngine(db, views, ChangeFeed())
        core = ConfigCore(revisions, views)
        started = await core.start()
        assert (started.revision, started.changed_settings, started.changed_commands) == (
            14,
            (),
            (),
        )

        servers, revision = await ServerUseCases(core, revisions, views).list()
        assert revision == 14
        assert servers == [
            Server(
                name="jellyfin",
                kind=ServerKind.JELLYFIN,
                url="http://jellyfin.lan:8096",
                token_set=True,
                library_names=(),
                client_enabled=True,
                cache_enabled=True,
                cache_origin=Origin.AUTO,
                jellyfin_user_id=previous.JELLYFIN_USER,
                built_in=True,
                mod_revision=3,
                token_revision=3,  # a built-in server's: its token setting's revision
            ),
            Server(
                name="plex",
                kind=ServerKind.PLEX,
                url="http://plex.lan:32400",
                token_set=True,
                library_names=("Music", "Live"),
                client_enabled=True,
                cache_enabled=True,
                cache_origin=Origin.AUTO,
                built_in=True,
                mod_revision=2,
                token_revision=1,
            ),
        ]
        _, tokens, _ = await core.reveal_secrets([], ["plex", "jellyfin"])
        assert tokens == [
            ("jellyfin", previous.JELLYFIN_TOKEN),
            ("plex", previous.PLEX_TOKEN),
        ]

        commands = {c.name: c for c in (await core.list_commands())[0]}
        assert sorted(commands) == ["daily-mix", "library_cache_builder", "weekly-jams"]
        weekly = commands["weekly-jams"]
        assert (weekly.kind, weekly.source_kind, weekly.targets, weekly.enabled) == (
            CommandKind.PLAYLIST_SYNC,
            SourceKind.LISTENBRAINZ_PLAYLIST,
            (Target.PLEX, Target.JELLYFIN),
            True,
        )
        assert commands["daily-mix"].targets == (Target.JELLYFIN,)
        assert weekly.destinations == (Destination("plex"), Destination("jellyfin"))
        assert {c.mode for c in commands.values()} == {SyncMode.MIRROR}
        assert {c.sync_note for c in commands.values()} == {True}
        builder = commands["library_cache_builder"]
        assert (builder.enabled, builder.enabled_origin) == (True, Origin.AUTO)

        overrides = OverrideUseCases(revisions)
        assert (await overrides.list(""))[0] == [
            MatchOverride(
                "jellyfin",
                SourceKey(KeyKind.ISRC, "GBAYE9900001"),
                OverrideAction.REJECT,
                "c0ffee00c0ffee00c0ffee00c0ffee02",
                "",
                "bob",
                1767319200.0,
                11,
                11,
            ),
            MatchOverride(
                "jellyfin",
                SourceKey(KeyKind.TEXT, artist="massiveattack", title="teardrop+live"),
                OverrideAction.REJECT,
                "",
                "no live versions",
                "bob",
                1767315600.0,
                10,
                10,
            ),
            MatchOverride(
                "plex",
                SourceKey(KeyKind.MBID, "1a2b3c4d-0000-4000-8000-00000000000a"),
                OverrideAction.PIN,
                "102",
                "the album version",
                "alice",
                1767312000.0,
                9,
                9,
            ),
        ]
        # The stored identity is the one today's code derives (a put or delete finds the
        # row), and deleting one of the previous release's overrides removes its row.
        pin = SourceKey(KeyKind.MBID, "1a2b3c4d-0000-4000-8000-00000000000a")
        assert override_ident("plex", pin) == previous.CONFIG["config_match_overrides"][2]["ident"]
        assert await overrides.delete(Target.PLEX, KeyInput(KeyKind.MBID, pin.value)) == 15
        assert [o.target for o in (await overrides.list(""))[0]] == [Target.JELLYFIN] * 2

        async with db.sessions() as session:
            log = await config_store.read_log(session, after=4, limit=100)
        events = dict(log)
        assert list(events) == list(range(5, 16))  # the previous release's, then the delete
        assert events[5] == [Event(command=commands["weekly-jams"])]
        assert events[8] == [Event(deleted="old-mix")]
        deleted = events[13][0].override_deleted
        assert deleted is not None
        assert (deleted.target, deleted.key) == (
            Target.PLEX,
            SourceKey(KeyKind.ISRC, "USABC2400001"),
        )
        setting = events[14][0].setting
        assert setting is not None
        assert (setting.key, setting.origin, setting.value) == (
            "LIVE_SEARCH_MAX_REQUESTS_PER_SYNC",
            Origin.DEFAULT,
            "1000",
        )
        removed = events[15][0].override_deleted
        assert removed is not None
        assert (removed.target, removed.key) == (Target.PLEX, pin)
    finally:
        await db.close()


# An hour after the newest build: both caches read as fresh (READY), not STALE.
NOW = 1767411000.0


class NoBuilds:
    """A builder that counts what it is asked to build, and builds nothing."""

    def __init__(self) -> None:
        self.jobs: list[BuildJob] = []

    async def build(
        self,
        job: BuildJob,
        progress: BuildProgress,  # noqa: ARG002
        changed: Callable[[], None],  # noqa: ARG002
        tally: RequestTally,  # noqa: ARG002
    ) -> Finished:
        self.jobs.append(job)
        raise AssertionError(f"an upgrade rebuilt the {job.label} cache")


def _query(
    ref: str, title: str, artist: str, album: str = "", ms: int = 0, **ids: str
) -> cache_pb.TrackQuery:
    return cache_pb.TrackQuery(
        ref=ref, title=title, artists=[artist], album=album, duration_ms=ms, **ids
    )


def _results(reply: cache_pb.MatchTracksResponse) -> list[tuple[str, int, str]]:
    return [(r.ref, r.method, r.match.item_id) for r in reply.results]


async def check_cache(url: str) -> None:
    """cache_svc: loads each stored generation as it starts, and MatchTracks answers from
    it, with the followed overrides and minimum confidence; no build is asked for or run."""
    db = Database(url)
    builds = NoBuilds()
    store = CacheStore(db, clock=lambda: NOW)
    manager = CacheManager(
        store,
        LeaseStore(db, clock=lambda: NOW),
        Registry(),
        builds,
        replica_id="upgraded",
        exclusive=db.is_sqlite,
        clock=lambda: NOW,
    )
    server = GrpcServer(address="127.0.0.1:0", service_names=[cache_app.SERVICE_NAME])
    cache_pb2_grpc.add_CacheServiceServicer_to_server(CacheServicer(manager), server.server)
    channel = open_channel(f"127.0.0.1:{await server.start()}")
    try:
        await manager.load()
        manager.resume_pending()
        cache = cache_pb2_grpc.CacheServiceStub(channel)
        statuses = (
            await cache.GetCacheStatus(cache_pb.GetCacheStatusRequest(), timeout=TIMEOUT)
        ).statuses
        assert [
            (s.target, s.state, s.generation, s.track_count, list(s.library_names), s.last_error)
            for s in statuses
        ] == [
            (tpb.TARGET_PLEX, cache_pb.CACHE_STATE_READY, 2, 3, ["Music", "Live"], ""),
            (tpb.TARGET_JELLYFIN, cache_pb.CACHE_STATE_READY, 1, 3, ["Music"], ""),
        ]
        assert [s.applied_config_revision for s in statuses] == [14, 14]

        plex = await cache.MatchTracks(
            cache_pb.MatchTracksRequest(
                target=tpb.TARGET_PLEX,
                tracks=[
                    _query(
                        "a",
                        "Paranoid Android",
                        "Radiohead",
                        "OK Computer",
                        386000,
                        recording_mbid=previous.PLEX_TRACK_MBID,
                    ),
                    _query(
                        "b",
                        "Karma Police",
                        "Radiohead",
                        recording_mbid="1a2b3c4d-0000-4000-8000-00000000000a",
                    ),
                    _query("c", "Teardrop", "Massive Attack", "Mezzanine", 330000),
                ],
            ),
            timeout=TIMEOUT,
        )
        assert (plex.state, plex.generation) == (cache_pb.CACHE_STATE_READY, 2)
        assert _results(plex) == [
            ("a", cache_pb.MATCH_METHOD_MBID, "101"),
            ("b", cache_pb.MATCH_METHOD_OVERRIDE, "102"),  # the pin cache_svc followed
            ("c", cache_pb.MATCH_METHOD_EXACT, "103"),
        ]
        assert plex.results[2].match.library == "Live"

        angel = "c0ffee00c0ffee00c0ffee00c0ffee02"
        jellyfin = await cache.MatchTracks(
            cache_pb.MatchTracksRequest(
                target=tpb.TARGET_JELLYFIN,
                tracks=[
                    _query("a", "Teardrop (Live)", "Massive Attack"),
                    _query("b", "Angel", "Massive Attack", "Mezzanine", 379000),
                    _query(
                        "c", "Angel", "Massive Attack", "Mezzanine", 379000, isrc="GBAYE9900001"
                    ),
                    _query("d", "Svefn-g-englar", "Sigur Rós", "Ágætis byrjun", 604000),
                ],
            ),
            timeout=TIMEOUT,
        )
        assert (jellyfin.state, jellyfin.generation) == (cache_pb.CACHE_STATE_READY, 1)
        assert _results(jellyfin) == [
            ("a", cache_pb.MATCH_METHOD_OVERRIDE, ""),  # the track the user rejected
            ("b", cache_pb.MATCH_METHOD_EXACT, angel),
            ("c", cache_pb.MATCH_METHOD_NONE, ""),  # the item the user rejected for it
            ("d", cache_pb.MATCH_METHOD_EXACT, "c0ffee00c0ffee00c0ffee00c0ffee03"),
        ]
        assert jellyfin.results[0].reason == "rejected by user"

        # The lease the previous release's dead replica left holds no build: none is taken.
        assert await manager.claim() == []
        assert builds.jobs == []
        progress = BuildProgress.from_json(previous.CACHE["cache_leases"][0]["progress"])
        assert progress is not None
        assert (progress.phase, progress.tracks_done) == (Phase.ACTIVATING, 3)
        # The build history goes on counting after the previous release's five builds.
        assert await store.start_build("plex", "build") == 6
    finally:
        await channel.close(None)
        await server.server.stop(None)
        await manager.stop()
        await db.close()


async def check_sync(url: str) -> None:
    """sync_svc: every run's report reads back, the managed playlists are found by
    (command or title, target), and the queued run is claimed."""
    db = Database(url)
    try:
        store = SyncStore(db)
        reports = await store.recent(10)
        assert [(r.run_id, r.progress.state) for r in reports] == [
            (previous.QUEUED_RUN, RunState.QUEUED),
            (previous.DAILY_RUN, RunState.INTERRUPTED),
            (previous.ROAD_TRIP_RUN, RunState.FAILED),
            (previous.WEEKLY_RUN, RunState.SUCCEEDED),
        ]
        weekly = await store.load(previous.WEEKLY_RUN)
        assert weekly is not None
        assert weekly.spec.targets == (Target.PLEX, Target.JELLYFIN)
        assert weekly.spec.managed_key == "command:weekly-jams"
        # A report saved before destinations reads each target as its built-in server.
        plex, jellyfin = Destination("plex"), Destination("jellyfin")
        assert [(t.destination, t.playlist_id, t.matched) for t in weekly.destinations] == [
            (plex, "54321", 2),
            (jellyfin, previous.JELLYFIN_PLAYLIST, 1),
        ]
        assert [(o.destination, o.position, o.via, o.method) for o in weekly.outcomes] == [
            (plex, 0, Via.CACHE, MatchMethod.MBID),
            (plex, 1, Via.CACHE, MatchMethod.OVERRIDE),
            (plex, 2, Via.UNMATCHED, MatchMethod.NONE),
            (jellyfin, 0, Via.LIVE, MatchMethod.FUZZY),
            (jellyfin, 1, Via.UNMATCHED, MatchMethod.NONE),
            (jellyfin, 2, Via.UNMATCHED, MatchMethod.OVERRIDE),
        ]
        # sync 0007: an upgraded run has no Lidarr hand-offs, and its report none of the
        # Lidarr fields; what it lacks can be previewed and sent like any run's.
        assert (weekly.lidarr_arrivals, weekly.lidarr_note) == ([], "")
        records = HandoffRecords(db)
        assert await records.for_run(previous.WEEKLY_RUN) == {}
        assert await records.arrivals(["text:x|y"], previous.WEEKLY_RUN, mark=False) == {}
        # Track 2 missed on plex for sure, but a user rejected it on jellyfin; track 1's
        # miss was no authoritative one: neither asks Lidarr for its album.
        assert wanted_positions(weekly.outcomes) == []
        road_trip = await store.load(previous.ROAD_TRIP_RUN)
        assert road_trip is not None
        assert (road_trip.spec.managed_key, road_trip.error) == (
            "title:Road Trip",
            previous.PLEX_401,
        )

        assert {
            (key, target): await store.managed_id(key, Destination.of(target))
            for key in ("command:weekly-jams", "command:daily-mix", "title:Road Trip")
            for target in Target
        } == {
            ("command:weekly-jams", Target.PLEX): "54321",
            ("command:weekly-jams", Target.JELLYFIN): previous.JELLYFIN_PLAYLIST,
            ("command:daily-mix", Target.PLEX): "",
            ("command:daily-mix", Target.JELLYFIN): previous.DAILY_PLAYLIST,
            ("title:Road Trip", Target.PLEX): "54400",
            ("title:Road Trip", Target.JELLYFIN): "",
        }
        # No title was kept before: the playlist's title is not set back at the next run.
        upgraded = await store.managed("command:weekly-jams", Destination("plex"))
        assert (upgraded.title, upgraded.description_key, upgraded.cover_key) == ("", "", "")

        claimed = await RunQueue(db).claim("upgraded", limit=2, lease_seconds=30.0)
        assert claimed is not None
        assert (claimed.run_id, claimed.spec, claimed.dry_run) == (
            previous.QUEUED_RUN,
            weekly.spec,
            True,
        )
    finally:
        await db.close()


CHECK_STORES: dict[str, Callable[[str], Awaitable[None]]] = {
    "config": check_config,
    "cache": check_cache,
    "sync": check_sync,
}


@pytest.mark.parametrize("service", list(SERVICES))
async def test_a_previous_release_database_upgrades_in_place(
    service: str, database_url: str
) -> None:
    """Each service on its own database (SQLite files, or PostgreSQL databases)."""
    await write_previous_release(SERVICES[service], database_url)
    await upgrade(SERVICES[service], database_url)
    await check_rows(SERVICES[service], database_url)
    await CHECK_STORES[service](database_url)


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL: set CMDARR_TEST_POSTGRES_URL")
async def test_services_sharing_one_postgres_database_upgrade_in_place(tmp_path: Path) -> None:
    """Every service in one PostgreSQL database, as k8s/ deploys them: each upgrade
    leaves the other services' tables alone."""
    async with fresh_database("postgres", tmp_path) as url:
        for service in SERVICES.values():
            await write_previous_release(service, url)
        for service in SERVICES.values():
            await upgrade(service, url)
        for service in SERVICES.values():
            await check_rows(service, url)
            await CHECK_STORES[service.name](url)
