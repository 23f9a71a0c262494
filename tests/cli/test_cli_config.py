"""cmdarr config get / set against a real config_svc; unreachable services; the parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.__main__ import main
from config_svc.app import ConfigApp
from tests.support.command_line import cmdarr
from tests.support.config_service import running_config
from tests.support.ports import free_port


def at(app: ConfigApp) -> dict[str, str]:
    return {"config": f"127.0.0.1:{app.server.port}"}


async def test_set_shows_changes_and_notifications_but_never_a_secret(
    config_app: ConfigApp,
) -> None:
    result = await cmdarr(
        "config", "set", "PLEX_URL=http://127.0.0.1:32400", "PLEX_TOKEN=tok-s3cret-value",
        "PLEX_CLIENT_ENABLED=true", addresses=at(config_app),
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "Library cache will be enabled automatically for Plex" in result.out
    assert "LIBRARY_CACHE_PLEX_ENABLED" in result.out
    assert "auto" in result.out
    assert "tok-s3cret-value" not in result.out + result.err

    shown = await cmdarr("config", "get", "PLEX_TOKEN", "JELLYFIN_TOKEN", addresses=at(config_app))
    assert shown.code == 0
    assert "(set)" in shown.out
    assert "(not set)" in shown.out
    assert "tok-s3cret-value" not in shown.out

    reset = await cmdarr("config", "set", "--reset", "PLEX_URL", addresses=at(config_app))
    assert reset.code == 0
    assert "PLEX_URL" in reset.out
    assert "default" in reset.out


async def test_get_as_json(config_app: ConfigApp) -> None:
    result = await cmdarr("--json", "config", "get", addresses=at(config_app))
    assert result.code == 0, result.err
    settings = {s["key"]: s for s in result.json()["settings"]}
    assert settings["AUTO_ENABLE_LIBRARY_CACHE"]["value"] == "true"
    assert settings["PLEX_TOKEN"]["secret"] is True
    assert settings["PLEX_TOKEN"]["value"] == ""
    # The option works after the sub-command too.
    again = await cmdarr("config", "get", "PLEX_URL", "--json", addresses=at(config_app))
    assert [s["key"] for s in again.json()["settings"]] == ["PLEX_URL"]


async def test_bad_input_exits_2_with_the_field_violations(config_app: ConfigApp) -> None:
    bad = await cmdarr("config", "set", "PLEX_CLIENT_ENABLED=maybe", addresses=at(config_app))
    assert bad.code == 2
    assert bad.out == ""
    assert bad.err.startswith("cmdarr: INVALID_ARGUMENT from config_svc:")
    assert "PLEX_CLIENT_ENABLED" in bad.err
    assert "true or false" in bad.err
    assert len(bad.err.strip().splitlines()) == 1

    unknown = await cmdarr("config", "get", "NO_SUCH_KEY", addresses=at(config_app))
    assert unknown.code == 2
    assert "NO_SUCH_KEY" in unknown.err

    shapeless = await cmdarr("config", "set", "PLEX_TOKEN", addresses=at(config_app))
    assert shapeless.code == 2
    assert "KEY=VALUE" in shapeless.err

    nothing = await cmdarr("config", "set", addresses=at(config_app))
    assert nothing.code == 2

    parser = await cmdarr("cache", "build", "Emby!")
    assert parser.code == 2
    assert "SERVER" in parser.err


async def test_an_unreachable_service_exits_3_naming_it() -> None:
    port = free_port()
    result = await cmdarr(
        "--api-key", "key-never-shown", "config", "get", addresses={"config": f"127.0.0.1:{port}"}
    )
    assert result.code == 3
    assert result.out == ""
    assert result.err == (
        f"cmdarr: cannot reach config_svc at 127.0.0.1:{port}: is it running? (UNAVAILABLE)\n"
    )
    gateway = await cmdarr("status", addresses={"gateway": f"127.0.0.1:{port}"})
    assert gateway.code == 3
    assert "cannot reach gateway" in gateway.err


def test_main_runs_a_command_to_its_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    assert main(["--config", f"127.0.0.1:{port}", "config", "get"]) == 3
    assert "cannot reach config_svc" in capsys.readouterr().err
    assert main(["--help"]) == 0
    assert "cmdarr" in capsys.readouterr().out


async def test_the_api_key_is_sent_and_never_shown(database_url: str, tmp_path: Path) -> None:
    async with running_config(database_url, tmp_path, api_key="k-0123456789") as app:
        refused = await cmdarr("config", "get", addresses=at(app))
        assert refused.code == 1
        assert "UNAUTHENTICATED" in refused.err
        assert "--api-key" in refused.err
        wrong = await cmdarr("--api-key", "wrong-key-42", "config", "get", addresses=at(app))
        assert wrong.code == 1
        assert "wrong-key-42" not in wrong.err
        allowed = await cmdarr("--api-key", "k-0123456789", "config", "get", addresses=at(app))
        assert allowed.code == 0, allowed.err
        assert "k-0123456789" not in allowed.out
