"""The Lidarr names a user sets are checked against that Lidarr before they are stored
(config_svc/lidarr_names.py): an unknown one is INVALID_ARGUMENT naming the setting and
listing what Lidarr has, and nothing changes; a Lidarr that cannot be asked refuses the
change with its reason; the API key is in no answer."""

from __future__ import annotations

from typing import TypeAlias

import grpc
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc

from common.wire.rich_errors import field_violations
from emulators.server import Emulator, running_lidarr
from tests.support.ports import free_port
from tests.support.rpc import TIMEOUT, error_reason, expect_error

Stub: TypeAlias = "config_pb2_grpc.ConfigServiceAsyncStub"
KEY = "lidarr-key-0b8e1f"


def change(key: str, value: str = "", reset: bool = False) -> pb.SettingChange:
    return pb.SettingChange(key=key, value=value, reset=reset)


async def update(config: Stub, *changes: pb.SettingChange) -> pb.UpdateSettingsResponse:
    return await config.UpdateSettings(pb.UpdateSettingsRequest(changes=changes), timeout=TIMEOUT)


async def values(config: Stub) -> dict[str, str]:
    response = await config.GetSettings(pb.GetSettingsRequest(), timeout=TIMEOUT)
    return {s.key: s.value for s in response.settings}


def connection(lidarr: Emulator) -> list[pb.SettingChange]:
    return [change("LIDARR_URL", lidarr.url), change("LIDARR_API_KEY", lidarr.token)]


async def test_names_lidarr_has_are_stored_and_others_refused_listing_what_it_has(
    config: Stub,
) -> None:
    async with running_lidarr(api_key=KEY) as lidarr:
        await update(
            config,
            *connection(lidarr),
            change("LIDARR_ROOT_FOLDER", "/music/"),
            change("LIDARR_QUALITY_PROFILE", "lossless"),
            change("LIDARR_METADATA_PROFILE", "Standard"),
        )
        stored = await values(config)
        assert stored["LIDARR_QUALITY_PROFILE"] == "lossless"
        assert stored["LIDARR_API_KEY"] != KEY, "a secret is never shown"
        before = lidarr.knobs.counts["listing"]

        refused = await expect_error(
            update(
                config,
                change("LIDARR_ENABLED", "true"),
                change("LIDARR_QUALITY_PROFILE", "Ultra"),
                change("LIDARR_ROOT_FOLDER", "Vinyl"),
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert lidarr.knobs.counts["listing"] == before + 3, "one look at what Lidarr has"
    violations = dict(field_violations(refused))
    assert violations == {
        "changes[1].value": "LIDARR_QUALITY_PROFILE: Lidarr has no quality profile 'Ultra'; "
        "it has 'Any', 'Lossless', 'Standard'",
        "changes[2].value": "LIDARR_ROOT_FOLDER: Lidarr has no root folder 'Vinyl'; it has "
        "'Music (/music)'",
    }
    after = await values(config)
    assert after["LIDARR_ENABLED"] == "false", "nothing of a refused change is stored"
    assert after["LIDARR_QUALITY_PROFILE"] == "lossless"
    assert KEY not in (refused.details() or "")


async def test_a_name_needs_a_lidarr_to_be_checked_against(config: Stub) -> None:
    refused = await expect_error(
        update(config, change("LIDARR_METADATA_PROFILE", "Standard")),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    ((field, text),) = field_violations(refused)
    assert field == "changes[0].value"
    assert "set LIDARR_URL" in text
    emptied = await update(config, change("LIDARR_METADATA_PROFILE", ""))
    assert emptied.revision > 0, "emptying a name needs no Lidarr: the default applies"


async def test_a_lidarr_that_refuses_the_key_or_is_away_refuses_the_change(config: Stub) -> None:
    async with running_lidarr(api_key=KEY) as lidarr:
        refused = await expect_error(
            update(
                config,
                change("LIDARR_URL", lidarr.url),
                change("LIDARR_API_KEY", "wrong-key-77"),
                change("LIDARR_QUALITY_PROFILE", "Any"),
            ),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
    assert error_reason(refused) == "TARGET_AUTH"
    assert "LIDARR_QUALITY_PROFILE cannot be checked" in (refused.details() or "")
    assert "wrong-key-77" not in (refused.details() or "")
    away = await expect_error(
        update(
            config,
            change("LIDARR_URL", f"http://127.0.0.1:{free_port()}"),
            change("LIDARR_QUALITY_PROFILE", "Any"),
        ),
        grpc.StatusCode.UNAVAILABLE,
    )
    assert error_reason(away) == "TARGET_UNAVAILABLE"
    assert (await values(config))["LIDARR_URL"] == ""
