"""Servers over a real config_svc: the built-in "plex" and "jellyfin" read from the
settings, create, list, update (mask, compare-and-swap) and delete, one revision each, the
auto-enable policy in the same transaction, the watch's snapshot and events, every error
case changing nothing, the token in no reply and no log line, and the migration."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TypeAlias

import grpc
import pytest
from alembic import command
from alembic.config import Config
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from common.database.engine import Database
from common.runtime.logs import MASK, JsonFormatter, Redactor
from common.wire.channels import open_channel
from config_svc.app import MIGRATIONS, VERSION_TABLE
from tests.support.config_service import running_config
from tests.support.rpc import TIMEOUT, assert_invalid, error_reason, expect_error, next_message

Stub: TypeAlias = "config_pb2_grpc.ConfigServiceAsyncStub"
TOKEN = "den-t0ken-7c1e42"  # no credential keyword beside it: only the code can withhold it
USER_ID = "0123456789abcdef0123456789abcdef"


def den(**fields: object) -> pb.Server:
    values: dict[str, object] = {
        "name": "den",
        "kind": pb.SERVER_KIND_PLEX,
        "url": "http://den.lan:32400/",
        "token": TOKEN,
        "library_names": ["Music"],
    }
    values.update(fields)
    return pb.Server(**values)  # type: ignore[arg-type]


async def create(config: Stub, server: pb.Server) -> pb.CreateServerResponse:
    return await config.CreateServer(pb.CreateServerRequest(server=server), timeout=TIMEOUT)


async def update(
    config: Stub, server: pb.Server, *paths: str, expected: int = 0
) -> pb.UpdateServerResponse:
    return await config.UpdateServer(
        pb.UpdateServerRequest(
            server=server, update_mask=FieldMask(paths=list(paths)), expected_mod_revision=expected
        ),
        timeout=TIMEOUT,
    )


async def delete(config: Stub, name: str, expected: int = 0) -> pb.DeleteServerResponse:
    return await config.DeleteServer(
        pb.DeleteServerRequest(name=name, expected_mod_revision=expected), timeout=TIMEOUT
    )


async def listed(config: Stub) -> pb.ListServersResponse:
    return await config.ListServers(pb.ListServersRequest(), timeout=TIMEOUT)


async def named(config: Stub) -> dict[str, pb.Server]:
    return {s.name: s for s in (await listed(config)).servers}


async def test_the_built_in_servers_are_the_settings(config: Stub) -> None:
    first = await named(config)
    assert sorted(first) == ["jellyfin", "plex"]
    assert all(s.built_in and not s.token_set for s in first.values())
    assert first["plex"].kind == pb.SERVER_KIND_PLEX
    assert first["jellyfin"].kind == pb.SERVER_KIND_JELLYFIN
    changed = await config.UpdateSettings(
        pb.UpdateSettingsRequest(
            changes=[
                pb.SettingChange(key="PLEX_URL", value="http://plex.lan:32400"),
                pb.SettingChange(key="PLEX_TOKEN", value=TOKEN),
                pb.SettingChange(key="PLEX_CLIENT_ENABLED", value="true"),
            ]
        ),
        timeout=TIMEOUT,
    )
    plex = (await named(config))["plex"]
    assert (plex.url, plex.token, plex.token_set, plex.client_enabled) == (
        "http://plex.lan:32400",
        "",
        True,
        True,
    )
    # The seed policy enabled its cache, in the settings' own revision.
    assert plex.library_cache_enabled
    assert plex.library_cache_source == pb.SETTING_SOURCE_AUTO
    assert plex.mod_revision == changed.revision
    assert plex.token_revision == changed.revision
    revealed = await config.RevealSecrets(
        pb.RevealSecretsRequest(server_names=["plex"]), timeout=TIMEOUT
    )
    assert list(revealed.secrets) == []
    assert [(t.server_name, t.token) for t in revealed.server_tokens] == [("plex", TOKEN)]


async def test_create_list_update_delete_each_one_revision(config: Stub) -> None:
    before = (await listed(config)).revision
    made = await create(config, den())
    assert made.revision == before + 1
    server = made.server
    assert (server.name, server.url, server.token, server.token_set) == (
        "den",
        "http://den.lan:32400",
        "",
        True,
    )
    assert list(server.library_names) == ["Music"]
    assert not server.built_in
    assert not server.client_enabled
    assert server.create_revision == server.mod_revision == made.revision
    assert server.token_revision == made.revision
    assert (await named(config))["den"] == server

    moved = await update(
        config,
        pb.Server(name="den", url="https://den.example.org", client_enabled=True),
        "url",
        expected=server.mod_revision,
    )
    assert moved.revision == made.revision + 1
    assert moved.server.url == "https://den.example.org"
    assert not moved.server.client_enabled, "only the fields in the mask change"
    assert moved.server.token_set
    assert list(moved.server.library_names) == ["Music"]
    assert (moved.server.create_revision, moved.server.mod_revision) == (
        made.revision,
        moved.revision,
    )
    assert moved.server.token_revision == made.revision, "the token did not change"
    again = await update(config, pb.Server(name="den", token=TOKEN), "token")
    assert again.revision == moved.revision, "the same token again changes nothing"

    same = await update(config, pb.Server(name="den", url="https://den.example.org"), "url")
    assert same.revision == moved.revision, "no change, no revision"

    cleared = await update(config, pb.Server(name="den"), "token", "library_names")
    assert not cleared.server.token_set
    assert cleared.server.token_revision == cleared.revision
    assert list(cleared.server.library_names) == []

    gone = await delete(config, "den", expected=cleared.server.mod_revision)
    assert gone.revision == cleared.revision + 1
    assert sorted(await named(config)) == ["jellyfin", "plex"]


async def test_enabling_a_client_enables_its_cache_in_the_same_revision(config: Stub) -> None:
    auto = await create(
        config, den(name="loft", kind=pb.SERVER_KIND_JELLYFIN, jellyfin_user_id=USER_ID)
    )
    assert not auto.server.library_cache_enabled
    assert auto.server.library_cache_source == pb.SETTING_SOURCE_DEFAULT
    on = await update(config, pb.Server(name="loft", client_enabled=True), "client_enabled")
    assert on.revision == auto.revision + 1
    assert on.server.library_cache_enabled
    assert on.server.library_cache_source == pb.SETTING_SOURCE_AUTO
    assert [(n.code, n.subject) for n in on.notifications] == [
        ("LIBRARY_CACHE_AUTO_ENABLED", "loft"),
        ("CACHE_BUILDER_ENABLED", "library_cache_builder"),
    ], "the builder follows a created server's cache too, in the same revision"
    builder = await config.GetCommand(
        pb.GetCommandRequest(name="library_cache_builder"), timeout=TIMEOUT
    )
    assert (builder.command.enabled, builder.command.mod_revision) == (True, on.revision)

    at_once = await create(config, den(client_enabled=True))
    assert at_once.server.library_cache_enabled
    assert [n.subject for n in at_once.notifications] == ["den"]

    # A user's "off" stands, on create and on update.
    kept_off = await create(
        config, den(name="attic", client_enabled=True, library_cache_enabled=False)
    )
    assert not kept_off.server.library_cache_enabled
    assert kept_off.server.library_cache_source == pb.SETTING_SOURCE_USER
    assert list(kept_off.notifications) == []
    off = await update(
        config, pb.Server(name="den", library_cache_enabled=False), "library_cache_enabled"
    )
    assert not off.server.library_cache_enabled

    # With AUTO_ENABLE_LIBRARY_CACHE off, nothing happens by itself.
    await config.UpdateSettings(
        pb.UpdateSettingsRequest(
            changes=[pb.SettingChange(key="AUTO_ENABLE_LIBRARY_CACHE", value="false")]
        ),
        timeout=TIMEOUT,
    )
    manual = await create(config, den(name="shed", client_enabled=True))
    assert not manual.server.library_cache_enabled


BAD_CREATES: list[tuple[str, pb.Server, str]] = [
    ("no name", den(name=""), "server.name"),
    ("upper-case name", den(name="Den"), "server.name"),
    ("name ends with a dash", den(name="den-"), "server.name"),
    ("name too long", den(name="d" * 64), "server.name"),
    ("no kind", den(kind=pb.SERVER_KIND_UNSPECIFIED), "server.kind"),
    ("unknown kind", den(kind=7), "server.kind"),
    ("no url", den(url=""), "server.url"),
    ("url without a host", den(url="http://"), "server.url"),
    ("not http", den(url="ftp://den.lan"), "server.url"),
    ("url with credentials", den(url="http://a:b@den.lan"), "server.url"),
    ("token with a space", den(token="a b"), "server.token"),
    ("empty library name", den(library_names=["Music", ""]), "server.library_names[1]"),
    (
        "malformed user id",
        den(kind=pb.SERVER_KIND_JELLYFIN, jellyfin_user_id="x"),
        "server.jellyfin_user_id",
    ),
    ("user id on plex", den(jellyfin_user_id=USER_ID), "server.jellyfin_user_id"),
]


@pytest.mark.parametrize(("case", "server", "field"), BAD_CREATES, ids=[b[0] for b in BAD_CREATES])
async def test_bad_input_names_the_field_and_changes_nothing(
    config: Stub, case: str, server: pb.Server, field: str
) -> None:
    before = await listed(config)
    error = await expect_error(create(config, server), grpc.StatusCode.INVALID_ARGUMENT)
    assert_invalid(error, field)
    assert TOKEN not in (error.details() or ""), case
    assert await listed(config) == before, case


async def test_refusals_of_update_and_delete_change_nothing(config: Stub) -> None:
    made = await create(config, den())
    before = await listed(config)
    bad_updates: list[tuple[tuple[str, ...], pb.Server, str]] = [
        ((), pb.Server(name="den"), "update_mask"),
        (("nickname",), pb.Server(name="den"), "update_mask.paths[0]"),
        (("url", "kind"), pb.Server(name="den", url="http://x"), "update_mask.paths[1]"),
        (("name",), pb.Server(name="den"), "update_mask.paths[0]"),
        (("url",), pb.Server(name="den", url="den.lan"), "server.url"),
        (("url",), pb.Server(name="Den", url="http://x"), "server.name"),
        (
            ("jellyfin_user_id",),
            pb.Server(name="den", jellyfin_user_id=USER_ID),
            "server.jellyfin_user_id",
        ),
    ]
    for paths, server, field in bad_updates:
        error = await expect_error(update(config, server, *paths), grpc.StatusCode.INVALID_ARGUMENT)
        assert_invalid(error, field)
    negative = await expect_error(
        update(config, pb.Server(name="den", url="http://x"), "url", expected=-1),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert_invalid(negative, "expected_mod_revision")
    assert_invalid(
        await expect_error(delete(config, "no_such"), grpc.StatusCode.INVALID_ARGUMENT), "name"
    )

    stale = made.server.mod_revision + 7
    for call in (
        update(config, pb.Server(name="den", url="http://x"), "url", expected=stale),
        delete(config, "den", expected=stale),
    ):
        error = await expect_error(call, grpc.StatusCode.ABORTED)
        assert error_reason(error) == "REVISION_MISMATCH"

    for call in (
        update(config, pb.Server(name="nowhere", url="http://x"), "url"),
        delete(config, "nowhere"),
    ):
        error = await expect_error(call, grpc.StatusCode.NOT_FOUND)
        assert error_reason(error) == "SERVER_NOT_FOUND"

    for name in ("den", "plex", "jellyfin"):
        error = await expect_error(create(config, den(name=name)), grpc.StatusCode.ALREADY_EXISTS)
        assert error_reason(error) == "SERVER_ALREADY_EXISTS"

    for name, prefix in (("plex", "PLEX_"), ("jellyfin", "JELLYFIN_")):
        for call in (
            update(config, pb.Server(name=name, url="http://x"), "url"),
            delete(config, name),
        ):
            error = await expect_error(call, grpc.StatusCode.FAILED_PRECONDITION)
            assert error_reason(error) == "BUILTIN_SERVER"
            assert prefix in (error.details() or "")

    unknown = await expect_error(
        config.RevealSecrets(pb.RevealSecretsRequest(server_names=["nowhere"]), timeout=TIMEOUT),
        grpc.StatusCode.NOT_FOUND,
    )
    assert error_reason(unknown) == "SERVER_NOT_FOUND"
    assert await listed(config) == before


async def test_the_watch_has_servers_in_its_snapshot_and_events_in_order(config: Stub) -> None:
    made = await create(config, den())
    stream = config.WatchConfig(
        pb.WatchConfigRequest(after_revision=0, progress_interval_ms=200), timeout=30
    )
    first = await next_message(stream)
    assert first.kind == pb.WATCH_RESPONSE_KIND_SNAPSHOT
    assert list(first.snapshot.servers) == [made.server]
    loft = await create(config, den(name="loft", client_enabled=True))
    moved = await update(config, pb.Server(name="den", url="http://den2.lan"), "url")
    gone = await delete(config, "loft")
    servers = (pb.EVENT_TYPE_SERVER_PUT, pb.EVENT_TYPE_SERVER_DELETED)
    seen: list[tuple[int, int, str]] = []
    builder: list[tuple[int, bool]] = []
    while len(seen) < 3:
        message = await next_message(stream)
        if message.kind != pb.WATCH_RESPONSE_KIND_EVENTS:
            continue
        seen += [
            (message.revision, e.type, e.server.name) for e in message.events if e.type in servers
        ]
        builder += [
            (message.revision, e.command.enabled)
            for e in message.events
            if e.type == pb.EVENT_TYPE_COMMAND_PUT
        ]
        if message.revision == loft.revision:
            put = [e for e in message.events if e.type in servers]
            assert [e.server for e in put] == [loft.server], "the policy's change in one event"
    stream.cancel()
    assert seen == [
        (loft.revision, pb.EVENT_TYPE_SERVER_PUT, "loft"),
        (moved.revision, pb.EVENT_TYPE_SERVER_PUT, "den"),
        (gone.revision, pb.EVENT_TYPE_SERVER_DELETED, "loft"),
    ]
    # The builder follows the only cache on: loft's, enabled with it, and gone with it.
    assert builder == [(loft.revision, True), (gone.revision, False)]
    replay = config.WatchConfig(
        pb.WatchConfigRequest(after_revision=made.revision, progress_interval_ms=200),
        timeout=30,
    )
    again = await next_message(replay)
    assert again.revision == loft.revision
    assert pb.ConfigEvent(type=pb.EVENT_TYPE_SERVER_PUT, server=loft.server) in again.events
    replay.cancel()


async def test_the_token_is_in_no_reply_and_no_log_line(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Replies withhold it; the service's log lines (at its INFO level) never carry it,
    and its redactor knows it from the write on, so a careless line is masked too."""
    caplog.set_level(logging.INFO)
    redactor = Redactor()
    replies: list[Message] = []
    async with running_config(database_url, tmp_path, redactor=redactor) as app:
        channel = open_channel(f"127.0.0.1:{app.server.port}")
        config = config_pb2_grpc.ConfigServiceStub(channel)
        try:
            stream = config.WatchConfig(
                pb.WatchConfigRequest(after_revision=0, progress_interval_ms=200), timeout=30
            )
            snapshot: pb.WatchConfigResponse = await next_message(stream)
            replies.append(snapshot)
            replies.append(made := await create(config, den(client_enabled=True)))
            replies.append(await update(config, den(url="http://den.lan"), "url", "token"))
            replies.append(await listed(config))
            replies.append(await named_snapshot(config))
            for _ in range(2):
                event: pb.WatchConfigResponse = await next_message(stream)
                replies.append(event)
            stream.cancel()
            for call in (
                create(config, den()),
                create(config, den(name="x y")),
                update(config, den(), "token", expected=made.revision + 9),
            ):
                with pytest.raises(grpc.aio.AioRpcError) as caught:
                    await call
                assert TOKEN not in (caught.value.details() or "")
            revealed = await config.RevealSecrets(
                pb.RevealSecretsRequest(server_names=["den"]), timeout=TIMEOUT
            )
            assert [t.token for t in revealed.server_tokens] == [TOKEN]
        finally:
            await channel.close(None)
    for reply in replies:
        assert TOKEN.encode() not in reply.SerializeToString(), type(reply).__name__
    assert caplog.records, "the service logged its calls"
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in str(record.__dict__)
    careless = logging.LogRecord("cmdarr", logging.WARNING, "x", 1, "sent %s", (TOKEN,), None)
    line = JsonFormatter("config", redactor).format(careless)
    assert TOKEN not in line
    assert MASK in line

    # The server and its token survive a restart.
    async with running_config(database_url, tmp_path) as app:
        channel = open_channel(f"127.0.0.1:{app.server.port}")
        try:
            config = config_pb2_grpc.ConfigServiceStub(channel)
            assert (await named(config))["den"].token_set
            revealed = await config.RevealSecrets(
                pb.RevealSecretsRequest(server_names=["den"]), timeout=TIMEOUT
            )
            assert [t.token for t in revealed.server_tokens] == [TOKEN]
        finally:
            await channel.close(None)


async def named_snapshot(config: Stub) -> pb.WatchConfigResponse:
    stream = config.WatchConfig(pb.WatchConfigRequest(after_revision=0), timeout=30)
    try:
        return await next_message(stream)
    finally:
        stream.cancel()


def _to(connection: Connection, revision: str, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["version_table"] = VERSION_TABLE
    (command.downgrade if down else command.upgrade)(config, revision)


def _columns(connection: Connection) -> dict[str, list[str]]:
    found = inspect(connection)
    return {t: [c["name"] for c in found.get_columns(t)] for t in found.get_table_names()}


async def test_the_migration_adds_the_table_and_keeps_what_was_stored(
    database_url: str, tmp_path: Path
) -> None:
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(_to, "0002")
            await connection.execute(
                text(
                    "INSERT INTO config_settings (key, value, origin, mod_revision) "
                    "VALUES ('PLEX_URL', 'http://old.lan:32400', 'user', 1)"
                )
            )
            await connection.commit()
            assert "config_servers" not in await connection.run_sync(_columns)
    finally:
        await database.close()

    async with running_config(database_url, tmp_path) as app:
        channel = open_channel(f"127.0.0.1:{app.server.port}")
        try:
            config = config_pb2_grpc.ConfigServiceStub(channel)
            assert (await named(config))["plex"].url == "http://old.lan:32400"
            await create(config, den())
            assert "den" in await named(config)
        finally:
            await channel.close(None)

    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            columns = await connection.run_sync(_columns)
            assert columns["config_servers"] == [
                "name",
                "kind",
                "url",
                "token",
                "library_names",
                "client_enabled",
                "cache_enabled",
                "cache_origin",
                "jellyfin_user_id",
                "create_revision",
                "mod_revision",
                "token_revision",
            ]
            await connection.run_sync(_to, "0002", True)
            assert "config_servers" not in await connection.run_sync(_columns)
            await connection.run_sync(_to, "head")
            assert "config_servers" in await connection.run_sync(_columns)
            await connection.commit()
    finally:
        await database.close()


async def test_the_token_revision_migration_keeps_every_server(
    database_url: str, tmp_path: Path
) -> None:
    """0005 adds token_revision to the servers stored before it, as their last change."""
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(_to, "0003")
            await connection.execute(
                text(
                    "INSERT INTO config_servers (name, kind, url, token, library_names, "
                    "client_enabled, cache_enabled, cache_origin, jellyfin_user_id, "
                    "create_revision, mod_revision) VALUES ('den', 'plex', 'http://den.lan', "
                    "'t0k', '[]', true, false, 'default', '', 1, 1)"
                )
            )
            await connection.execute(text("UPDATE config_meta SET revision = 1"))
            await connection.commit()
    finally:
        await database.close()

    async with running_config(database_url, tmp_path) as app:
        channel = open_channel(f"127.0.0.1:{app.server.port}")
        try:
            config = config_pb2_grpc.ConfigServiceStub(channel)
            kept = (await named(config))["den"]
            assert (kept.url, kept.token_set, kept.token_revision) == ("http://den.lan", True, 1)
            changed = await update(config, pb.Server(name="den", token="n3w"), "token")
            assert changed.server.token_revision == changed.revision
        finally:
            await channel.close(None)
