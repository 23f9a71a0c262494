"""ConfigService commands and warnings over a real server."""

from __future__ import annotations

from typing import TypeAlias

import grpc
import pytest
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb
from google.protobuf.field_mask_pb2 import FieldMask

from tests.support.rpc import TIMEOUT, assert_invalid, error_reason, expect_error

Stub: TypeAlias = "config_pb2_grpc.ConfigServiceAsyncStub"
SEED = (
    "Performance Warning: Playlist sync targeting Plex is enabled but library cache is "
    "disabled. This may cause slow performance and timeouts. Consider enabling library "
    "cache for better performance."
)


def sync_command(name: str = "daily-mix", *targets: int, **fields: object) -> pb.Command:
    values: dict[str, object] = {
        "name": name,
        "kind": pb.COMMAND_KIND_PLAYLIST_SYNC,
        "source": pb.PlaylistSource(kind=pb.SOURCE_KIND_FILE, ref="/music/daily.jspf"),
        "targets": list(targets) or [tpb.TARGET_PLEX],
        "schedule": "0 3 * * *",
        "enabled": True,
    }
    values.update(fields)
    return pb.Command(**values)  # type: ignore[arg-type]


async def create(config: Stub, command: pb.Command, **kwargs: object) -> pb.CreateCommandResponse:
    request = pb.CreateCommandRequest(command=command, **kwargs)  # type: ignore[arg-type]
    return await config.CreateCommand(request, timeout=TIMEOUT)


async def revision_of(config: Stub) -> int:
    return (await config.ListCommands(pb.ListCommandsRequest(), timeout=TIMEOUT)).revision


async def enable_plex(config: Stub, cache: str | None = None) -> None:
    changes = [pb.SettingChange(key="PLEX_CLIENT_ENABLED", value="true")]
    if cache is not None:
        changes.append(pb.SettingChange(key="LIBRARY_CACHE_PLEX_ENABLED", value=cache))
    await config.UpdateSettings(pb.UpdateSettingsRequest(changes=changes), timeout=TIMEOUT)


async def test_the_builder_exists_from_the_start_disabled(config: Stub) -> None:
    commands = (await config.ListCommands(pb.ListCommandsRequest(), timeout=TIMEOUT)).commands
    assert [(c.name, c.kind, c.enabled) for c in commands] == [
        ("library_cache_builder", pb.COMMAND_KIND_LIBRARY_CACHE_BUILDER, False)
    ]


async def test_crud(config: Stub) -> None:
    created = await create(config, sync_command("daily-mix", tpb.TARGET_PLEX, tpb.TARGET_JELLYFIN))
    assert created.command.playlist_title == "daily-mix"
    assert created.command.create_revision == created.revision == created.command.mod_revision
    got = await config.GetCommand(pb.GetCommandRequest(name="daily-mix"), timeout=TIMEOUT)
    assert got.command == created.command

    changed = await config.UpdateCommand(
        pb.UpdateCommandRequest(
            command=pb.Command(
                name="daily-mix",
                schedule="*/30 * * * *",
                enabled=False,
                targets=[tpb.TARGET_JELLYFIN],
            ),
            update_mask=FieldMask(paths=["schedule", "enabled"]),
            expected_mod_revision=created.command.mod_revision,
        ),
        timeout=TIMEOUT,
    )
    assert changed.command.schedule == "*/30 * * * *"
    assert not changed.command.enabled
    # targets were not in the mask: unchanged
    assert list(changed.command.targets) == [tpb.TARGET_PLEX, tpb.TARGET_JELLYFIN]
    await expect_error(
        config.UpdateCommand(
            pb.UpdateCommandRequest(
                command=pb.Command(name="daily-mix", schedule="0 1 * * *"),
                update_mask=FieldMask(paths=["schedule"]),
                expected_mod_revision=created.command.mod_revision,
            ),
            timeout=TIMEOUT,
        ),
        grpc.StatusCode.ABORTED,
    )
    names = [
        c.name
        for c in (await config.ListCommands(pb.ListCommandsRequest(), timeout=TIMEOUT)).commands
    ]
    assert names == ["daily-mix", "library_cache_builder"]

    deleted = await config.DeleteCommand(pb.DeleteCommandRequest(name="daily-mix"), timeout=TIMEOUT)
    assert deleted.revision == changed.revision + 1
    await expect_error(
        config.GetCommand(pb.GetCommandRequest(name="daily-mix"), timeout=TIMEOUT),
        grpc.StatusCode.NOT_FOUND,
    )
    await expect_error(
        config.DeleteCommand(pb.DeleteCommandRequest(name="daily-mix"), timeout=TIMEOUT),
        grpc.StatusCode.NOT_FOUND,
    )


async def test_the_builder_cannot_be_deleted_and_takes_only_schedule_and_enabled(
    config: Stub,
) -> None:
    error = await expect_error(
        config.DeleteCommand(
            pb.DeleteCommandRequest(name="library_cache_builder"), timeout=TIMEOUT
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert error_reason(error) == "BUILTIN_COMMAND"
    await expect_error(
        config.UpdateCommand(
            pb.UpdateCommandRequest(
                command=pb.Command(name="library_cache_builder", targets=[tpb.TARGET_PLEX]),
                update_mask=FieldMask(paths=["targets"]),
            ),
            timeout=TIMEOUT,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    updated = await config.UpdateCommand(
        pb.UpdateCommandRequest(
            command=pb.Command(name="library_cache_builder", schedule="0 4 * * *", enabled=True),
            update_mask=FieldMask(paths=["schedule", "enabled"]),
        ),
        timeout=TIMEOUT,
    )
    assert updated.command.enabled
    assert updated.command.enabled_source == pb.ENABLED_SOURCE_USER


async def test_create_returns_the_seed_warning(config: Stub) -> None:
    await enable_plex(config, cache="false")
    response = await create(config, sync_command())
    (warning,) = response.warnings
    assert warning.message == SEED
    assert warning.fix.action == pb.FIX_ACTION_ENABLE_LIBRARY_CACHE
    assert warning.fix.target == tpb.TARGET_PLEX
    assert list(warning.command_names) == ["daily-mix"]
    listed = await config.ListWarnings(pb.ListWarningsRequest(), timeout=TIMEOUT)
    assert [w.code for w in listed.warnings] == ["SYNC_WITHOUT_LIBRARY_CACHE"]


async def test_accepting_the_fix_enables_the_cache_and_builder_in_the_same_revision(
    config: Stub,
) -> None:
    await enable_plex(config, cache="false")
    before = await revision_of(config)
    response = await create(config, sync_command(), accept_fixes=True)
    assert response.revision == before + 1
    assert list(response.warnings) == []
    codes = [n.code for n in response.notifications]
    assert codes == ["LIBRARY_CACHE_ENABLED", "CACHE_BUILDER_ENABLED"]
    settings = await config.GetSettings(
        pb.GetSettingsRequest(keys=["LIBRARY_CACHE_PLEX_ENABLED"]), timeout=TIMEOUT
    )
    assert settings.settings[0].value == "true"
    assert settings.settings[0].source == pb.SETTING_SOURCE_USER
    assert settings.settings[0].mod_revision == response.revision
    builder = await config.GetCommand(
        pb.GetCommandRequest(name="library_cache_builder"), timeout=TIMEOUT
    )
    assert builder.command.enabled
    assert builder.command.mod_revision == response.revision


async def test_sync_to_a_disabled_client_is_warned(config: Stub) -> None:
    response = await create(config, sync_command("jf", tpb.TARGET_JELLYFIN))
    assert [w.code for w in response.warnings] == [
        "SYNC_TARGET_CLIENT_DISABLED",
        "SYNC_WITHOUT_LIBRARY_CACHE",
    ]


async def test_validate_only_creates_nothing(config: Stub) -> None:
    before = await revision_of(config)
    response = await create(config, sync_command(), validate_only=True)
    assert response.warnings
    assert response.revision == before
    await expect_error(
        config.GetCommand(pb.GetCommandRequest(name="daily-mix"), timeout=TIMEOUT),
        grpc.StatusCode.NOT_FOUND,
    )


BAD_COMMANDS = [
    ("empty name", sync_command(""), "command.name"),
    ("bad name", sync_command("Daily Mix!"), "command.name"),
    ("invalid cron", sync_command(schedule="61 * * * *"), "command.schedule"),
    ("not cron at all", sync_command(schedule="every day"), "command.schedule"),
    ("unknown target", sync_command("x", 7), "command.targets[0]"),
    ("unspecified target", sync_command("x", tpb.TARGET_UNSPECIFIED), "command.targets[0]"),
    ("repeated target", sync_command("x", tpb.TARGET_PLEX, tpb.TARGET_PLEX), "command.targets"),
    (
        "no source",
        pb.Command(name="x", kind=pb.COMMAND_KIND_PLAYLIST_SYNC, targets=[tpb.TARGET_PLEX]),
        "command.source.kind",
    ),
    (
        "bad source URL",
        sync_command(source=pb.PlaylistSource(kind=pb.SOURCE_KIND_URL, ref="ftp://x")),
        "command.source.ref",
    ),
    (
        "bad Spotify reference",
        sync_command(
            source=pb.PlaylistSource(kind=pb.SOURCE_KIND_SPOTIFY_PLAYLIST, ref="not a playlist!")
        ),
        "command.source.ref",
    ),
    (
        "bad MBID",
        sync_command(
            source=pb.PlaylistSource(kind=pb.SOURCE_KIND_LISTENBRAINZ_PLAYLIST, ref="nope")
        ),
        "command.source.ref",
    ),
    (
        "Deezer album, not a playlist",
        sync_command(
            source=pb.PlaylistSource(
                kind=pb.SOURCE_KIND_DEEZER_PLAYLIST, ref="https://www.deezer.com/album/302127"
            )
        ),
        "command.source.ref",
    ),
    (
        "Deezer short link",
        sync_command(
            source=pb.PlaylistSource(
                kind=pb.SOURCE_KIND_DEEZER_PLAYLIST,
                ref="https://deezer.page.link/WSqyMRBenWbw6GJ19",
            )
        ),
        "command.source.ref",
    ),
    ("10 MB title", sync_command(playlist_title="t" * 10_000_000), "command.playlist_title"),
    ("builder kind", sync_command(kind=pb.COMMAND_KIND_LIBRARY_CACHE_BUILDER), "command.kind"),
]


@pytest.mark.parametrize(
    ("command", "field"),
    [pytest.param(command, field, id=name) for name, command, field in BAD_COMMANDS],
)
async def test_bad_commands_are_refused_and_change_nothing(
    config: Stub, command: pb.Command, field: str
) -> None:
    before = await revision_of(config)
    error = await expect_error(create(config, command), grpc.StatusCode.INVALID_ARGUMENT)
    assert_invalid(error, field)
    assert await revision_of(config) == before


async def test_duplicate_name_already_exists(config: Stub) -> None:
    await create(config, sync_command("dup"))
    before = await revision_of(config)
    error = await expect_error(create(config, sync_command("dup")), grpc.StatusCode.ALREADY_EXISTS)
    assert error_reason(error) == "COMMAND_ALREADY_EXISTS"
    assert "'dup' already exists" in (error.details() or "")
    assert await revision_of(config) == before


@pytest.mark.parametrize(
    ("mask", "field"),
    [([], "update_mask"), (["kind"], "update_mask.paths[0]"), (["schedule"], "command.schedule")],
)
async def test_bad_updates_are_refused(config: Stub, mask: list[str], field: str) -> None:
    await create(config, sync_command("u"))
    before = await revision_of(config)
    request = pb.UpdateCommandRequest(
        command=pb.Command(name="u", schedule="nope"), update_mask=FieldMask(paths=mask)
    )
    error = await expect_error(
        config.UpdateCommand(request, timeout=TIMEOUT), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert_invalid(error, field)
    assert await revision_of(config) == before


@pytest.mark.parametrize(
    ("kind", "ref"),
    [
        (
            pb.SOURCE_KIND_LISTENBRAINZ_PLAYLIST,
            "https://listenbrainz.org/playlist/4f2b9c1e-6d1a-4e6b-9a53-2c1a9e8b7d10",
        ),
        (
            pb.SOURCE_KIND_SPOTIFY_PLAYLIST,
            "https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M?si=abc",
        ),
        (pb.SOURCE_KIND_SPOTIFY_PLAYLIST, "spotify:playlist:37i9dQZF1DXcBWIGoYBM5M"),
        (pb.SOURCE_KIND_SPOTIFY_PLAYLIST, "37i9dQZF1DXcBWIGoYBM5M"),
        (pb.SOURCE_KIND_DEEZER_PLAYLIST, "https://www.deezer.com/fr/playlist/908622995?utm=x"),
        (pb.SOURCE_KIND_DEEZER_PLAYLIST, "908622995"),
    ],
)
async def test_source_links_are_accepted(
    config: Stub, kind: pb.SourceKind.ValueType, ref: str
) -> None:
    created = await create(
        config, sync_command("linked", source=pb.PlaylistSource(kind=kind, ref=ref))
    )
    assert created.command.source.ref == ref
