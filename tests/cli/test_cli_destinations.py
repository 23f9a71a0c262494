"""cmdarr sync create --to SERVER[:USER] against a real config_svc: destinations beside
--target, a server that does not exist named as the field it is, and a server in use kept."""

from __future__ import annotations

from config_svc.app import ConfigApp
from tests.support.command_line import cmdarr

SOURCE = ["--source-kind", "file", "--source", "/music/family.jspf"]


def at(app: ConfigApp) -> dict[str, str]:
    return {"config": f"127.0.0.1:{app.server.port}"}


async def test_sync_create_writes_to_servers_and_users(config_app: ConfigApp) -> None:
    added = await cmdarr(
        "server", "add", "den", "--kind", "jellyfin", "--url", "http://den.lan:8096",
        addresses=at(config_app),
    )  # fmt: skip
    assert added.code == 0, added.err
    made = await cmdarr(
        "sync", "create", "family", *SOURCE, "--target", "jellyfin", "--to", "plex:alice",
        "--to", "den", "--no", addresses=at(config_app),
    )  # fmt: skip
    assert made.code == 0, made.err
    assert "Created sync command family -> Jellyfin, plex:alice, den" in made.out

    shown = await cmdarr("--json", "sync", "create", "twin", *SOURCE, "--to", "den:Bob Smith",
                         "--no", addresses=at(config_app))  # fmt: skip
    assert shown.code == 0, shown.err
    assert shown.json()["command"]["destinations"] == [{"server": "den", "user": "Bob Smith"}]

    unknown = await cmdarr(
        "sync", "create", "cabin-mix", *SOURCE, "--to", "cabin:carol", addresses=at(config_app)
    )
    assert unknown.code == 2
    assert "command.destinations[0].server" in unknown.err
    assert "no server named 'cabin'" in unknown.err

    nowhere = await cmdarr("sync", "create", "lost", *SOURCE, addresses=at(config_app))
    assert nowhere.code == 2
    assert "--to SERVER[:USER]" in nowhere.err

    kept = await cmdarr("server", "remove", "den", addresses=at(config_app))
    assert kept.code != 0
    assert "'family', 'twin'" in kept.err
