"""ConfigService settings over a real server: precedence, policy, bad input, secrets."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TypeAlias

import grpc
import pytest
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc

from common.wire.channels import open_channel
from tests.support.config_service import running_config
from tests.support.rpc import TIMEOUT, assert_invalid, error_reason, expect_error, next_message

Stub: TypeAlias = "config_pb2_grpc.ConfigServiceAsyncStub"


async def revision_of(config: Stub) -> int:
    return (await config.GetSettings(pb.GetSettingsRequest(), timeout=TIMEOUT)).revision


async def settings_of(config: Stub) -> dict[str, pb.Setting]:
    response = await config.GetSettings(pb.GetSettingsRequest(), timeout=TIMEOUT)
    return {s.key: s for s in response.settings}


def change(key: str, value: str = "", reset: bool = False) -> pb.SettingChange:
    return pb.SettingChange(key=key, value=value, reset=reset)


async def update(
    config: Stub,
    *changes: pb.SettingChange,
    expected_revision: int = 0,
    validate_only: bool = False,
) -> pb.UpdateSettingsResponse:
    request = pb.UpdateSettingsRequest(
        changes=changes, expected_revision=expected_revision, validate_only=validate_only
    )
    return await config.UpdateSettings(request, timeout=TIMEOUT)


async def test_fresh_settings_are_defaults_with_their_metadata(config: Stub) -> None:
    settings = await settings_of(config)
    cache = settings["LIBRARY_CACHE_PLEX_ENABLED"]
    assert (cache.value, cache.source, cache.type) == (
        "false",
        pb.SETTING_SOURCE_DEFAULT,
        pb.SETTING_TYPE_BOOL,
    )
    assert cache.description
    assert settings["CACHE_BUILD_TIMEOUT_MINUTES"].value == "180"
    assert settings["PLEX_TOKEN"].secret
    assert not settings["PLEX_TOKEN"].is_set


async def test_enabling_plex_enables_its_cache_and_the_builder_in_one_revision(
    config: Stub,
) -> None:
    before = await revision_of(config)
    response = await update(config, change("PLEX_CLIENT_ENABLED", "true"))
    assert response.revision == before + 1
    messages = [n.message for n in response.notifications]
    assert any("Library cache will be enabled automatically" in m for m in messages)
    changed = {s.key: s for s in response.changed}
    assert changed["LIBRARY_CACHE_PLEX_ENABLED"].source == pb.SETTING_SOURCE_AUTO
    assert changed["LIBRARY_CACHE_PLEX_ENABLED"].mod_revision == before + 1
    assert [c.name for c in response.changed_commands] == ["library_cache_builder"]
    builder = (
        await config.GetCommand(pb.GetCommandRequest(name="library_cache_builder"), timeout=TIMEOUT)
    ).command
    assert builder.enabled
    assert builder.enabled_source == pb.ENABLED_SOURCE_AUTO


async def test_explicit_off_is_never_flipped_back(config: Stub) -> None:
    await update(config, change("LIBRARY_CACHE_PLEX_ENABLED", "false"))
    response = await update(config, change("PLEX_CLIENT_ENABLED", "true"))
    assert not response.notifications
    settings = await settings_of(config)
    assert settings["LIBRARY_CACHE_PLEX_ENABLED"].value == "false"
    assert settings["LIBRARY_CACHE_PLEX_ENABLED"].source == pb.SETTING_SOURCE_USER
    # Resetting hands the key back to the policy.
    reset = await update(config, change("LIBRARY_CACHE_PLEX_ENABLED", reset=True))
    assert {s.key: s.source for s in reset.changed}[
        "LIBRARY_CACHE_PLEX_ENABLED"
    ] == pb.SETTING_SOURCE_AUTO


async def test_master_switch_off_means_nothing_automatic(config: Stub) -> None:
    response = await update(
        config,
        change("AUTO_ENABLE_LIBRARY_CACHE", "false"),
        change("JELLYFIN_CLIENT_ENABLED", "on"),
    )
    assert not response.notifications
    assert (await settings_of(config))["LIBRARY_CACHE_JELLYFIN_ENABLED"].value == "false"


async def test_an_unchanged_value_makes_no_revision(config: Stub) -> None:
    first = await update(config, change("MAX_PARALLEL_SYNCS", "3"))
    again = await update(config, change("MAX_PARALLEL_SYNCS", "3"))
    assert again.revision == first.revision
    assert not again.changed


async def test_environment_wins_and_cannot_be_changed(database_url: str, tmp_path: Path) -> None:
    environ = {"PLEX_CLIENT_ENABLED": "true", "TARGET_MAX_CONCURRENCY": "8"}
    async with running_config(database_url, tmp_path, environ=environ) as app:
        channel = open_channel(f"127.0.0.1:{app.server.port}")
        config = config_pb2_grpc.ConfigServiceStub(channel)
        settings = await settings_of(config)
        assert settings["TARGET_MAX_CONCURRENCY"].source == pb.SETTING_SOURCE_ENV
        # The environment enabled Plex at start-up: the policy ran then.
        assert settings["LIBRARY_CACHE_PLEX_ENABLED"].source == pb.SETTING_SOURCE_AUTO
        before = await revision_of(config)
        error = await expect_error(
            update(config, change("TARGET_MAX_CONCURRENCY", "2")),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        assert "environment" in (error.details() or "")
        assert error_reason(error) == "SETTING_PINNED_BY_ENV"
        assert await revision_of(config) == before
        await channel.close(None)


async def test_stale_expected_revision_is_aborted(config: Stub) -> None:
    current = (await update(config, change("MAX_PARALLEL_SYNCS", "3"))).revision
    await update(config, change("MAX_PARALLEL_SYNCS", "4"), expected_revision=current)
    await expect_error(
        update(config, change("MAX_PARALLEL_SYNCS", "5"), expected_revision=current),
        grpc.StatusCode.ABORTED,
    )
    assert (await settings_of(config))["MAX_PARALLEL_SYNCS"].value == "4"


async def test_validate_only_reports_without_writing(config: Stub) -> None:
    before = await revision_of(config)
    response = await update(config, change("PLEX_CLIENT_ENABLED", "true"), validate_only=True)
    assert [n.code for n in response.notifications] == [
        "LIBRARY_CACHE_AUTO_ENABLED",
        "CACHE_BUILDER_ENABLED",
    ]
    assert response.revision == before
    assert await revision_of(config) == before
    assert (await settings_of(config))["PLEX_CLIENT_ENABLED"].value == "false"


BAD_CHANGES = [
    ("unknown key", [change("NO_SUCH_SETTING", "1")], "changes[0].key"),
    ("wrong type", [change("PLEX_CLIENT_ENABLED", "sometimes")], "changes[0].value"),
    ("negative timeout", [change("TARGET_TIMEOUT_SECONDS", "-3")], "changes[0].value"),
    ("malformed URL", [change("PLEX_URL", "htp:/plex")], "changes[0].value"),
    ("10 MB value", [change("PLEX_LIBRARY_NAMES", "x" * 10_000_000)], "changes[0].value"),
    ("out of range", [change("MATCH_MIN_CONFIDENCE", "2")], "changes[0].value"),
    ("empty batch", [], "changes"),
    (
        "duplicate key",
        [change("MAX_PARALLEL_SYNCS", "2"), change("MAX_PARALLEL_SYNCS", "3")],
        "changes[1].key",
    ),
    (
        "one bad among good",
        [change("PLEX_CLIENT_ENABLED", "true"), change("PLEX_URL", "nope")],
        "changes[1].value",
    ),
]


@pytest.mark.parametrize(
    ("changes", "field"),
    [pytest.param(changes, field, id=name) for name, changes, field in BAD_CHANGES],
)
async def test_bad_input_is_refused_and_changes_nothing(
    config: Stub, changes: list[pb.SettingChange], field: str
) -> None:
    before = await revision_of(config)
    snapshot = await settings_of(config)
    error = await expect_error(update(config, *changes), grpc.StatusCode.INVALID_ARGUMENT)
    assert_invalid(error, field)
    assert len(error.details() or "") < 2000
    assert await revision_of(config) == before
    assert await settings_of(config) == snapshot


async def test_unknown_keys_in_reads_are_refused(config: Stub) -> None:
    error = await expect_error(
        config.GetSettings(pb.GetSettingsRequest(keys=["NOPE"]), timeout=TIMEOUT),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert_invalid(error, "keys[0]")


async def test_secrets_never_leave_except_through_reveal(config: Stub) -> None:
    token = "plex-token-0123456789"
    response = await update(
        config, change("PLEX_TOKEN", token), change("PLEX_CLIENT_ENABLED", "true")
    )
    outputs = [
        response,
        await config.GetSettings(pb.GetSettingsRequest(), timeout=TIMEOUT),
        await config.ListWarnings(pb.ListWarningsRequest(), timeout=TIMEOUT),
        await config.ListCommands(pb.ListCommandsRequest(), timeout=TIMEOUT),
    ]
    stream = config.WatchConfig(pb.WatchConfigRequest(after_revision=0), timeout=TIMEOUT)
    watched = await next_message(stream)
    outputs.append(watched)
    stream.cancel()
    for message in outputs:
        assert token.encode() not in message.SerializeToString()
    setting = (await settings_of(config))["PLEX_TOKEN"]
    assert setting.is_set
    assert setting.value == ""
    assert setting.source == pb.SETTING_SOURCE_USER
    bad = await expect_error(
        update(config, change("PLEX_TOKEN", token + "\x00")), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert token not in (bad.details() or "")
    assert token.encode() not in bad.trailing_metadata().__repr__().encode()
    revealed = await config.RevealSecrets(
        pb.RevealSecretsRequest(keys=["PLEX_TOKEN"]), timeout=TIMEOUT
    )
    assert [(s.key, s.value) for s in revealed.secrets] == [("PLEX_TOKEN", token)]
    error = await expect_error(
        config.RevealSecrets(pb.RevealSecretsRequest(keys=["PLEX_URL"]), timeout=TIMEOUT),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert_invalid(error, "keys[0]")


async def test_concurrent_updaters_each_get_their_own_revision(config: Stub) -> None:
    before = await revision_of(config)
    values = [str(n) for n in range(1, 21)]
    responses = await asyncio.gather(
        *(update(config, change("LIVE_SEARCH_MAX_REQUESTS_PER_SYNC", v)) for v in values)
    )
    revisions = sorted(r.revision for r in responses)
    assert revisions == list(range(before + 1, before + 21))
    final = (await settings_of(config))["LIVE_SEARCH_MAX_REQUESTS_PER_SYNC"]
    winner = max(responses, key=lambda r: r.revision)
    assert (
        final.value == {s.key: s for s in winner.changed}["LIVE_SEARCH_MAX_REQUESTS_PER_SYNC"].value
    )


async def test_concurrent_compare_and_set_lets_exactly_one_win(config: Stub) -> None:
    current = (await update(config, change("MAX_PARALLEL_SYNCS", "9"))).revision
    calls = [
        update(config, change("MAX_PARALLEL_SYNCS", str(n)), expected_revision=current)
        for n in range(1, 9)
    ]
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    wins = [o for o in outcomes if isinstance(o, pb.UpdateSettingsResponse)]
    losses = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    assert len(wins) == 1
    assert len(losses) == 7
    assert all(e.code() == grpc.StatusCode.ABORTED for e in losses)


async def test_unparseable_requests_are_invalid_not_unknown(
    config_app: object, config: Stub
) -> None:
    port = config_app.server.port  # type: ignore[attr-defined]
    channel = open_channel(f"127.0.0.1:{port}")
    raw = channel.unary_unary(
        "/cmdarr.config.v1.ConfigService/UpdateSettings",
        request_serializer=lambda b: b,
        response_deserializer=lambda b: b,
    )
    before = await revision_of(config)
    change = b"\x0a\x03\xed\xa0\x80"  # SettingChange{key: <a lone surrogate's bytes>}
    for body in (b"\x0a" + bytes([len(change)]) + change, b"\x0a\xff\xff"):
        error = await expect_error(raw(body, timeout=TIMEOUT), grpc.StatusCode.INVALID_ARGUMENT)
        assert_invalid(error, "request")
    assert await revision_of(config) == before
    await channel.close(None)
