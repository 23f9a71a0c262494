"""cmdarr server list / add / update / remove against a real config_svc: the token read
from stdin or the environment and never printed, compare-and-swap updates, and bad input
exiting 2 with the field violations."""

from __future__ import annotations

from config_svc.app import ConfigApp
from tests.support.command_line import Outcome, cmdarr

TOKEN = "den-t0ken-5b9f17"
OTHER_TOKEN = "den-t0ken-rotated-88"


def at(app: ConfigApp) -> dict[str, str]:
    return {"config": f"127.0.0.1:{app.server.port}"}


def no_token(*outcomes: Outcome) -> None:
    for outcome in outcomes:
        assert TOKEN not in outcome.out + outcome.err
        assert OTHER_TOKEN not in outcome.out + outcome.err


async def test_add_list_update_remove(config_app: ConfigApp) -> None:
    added = await cmdarr(
        "server", "add", "den", "--kind", "plex", "--url", "http://den.lan:32400/",
        "--token-stdin", "--library", "Music", "--library", "Live", "--enable",
        addresses=at(config_app), stdin=TOKEN + "\n",
    )  # fmt: skip
    assert added.code == 0, added.err
    assert "Added Plex server den at http://den.lan:32400" in added.out
    assert "Library cache will be enabled automatically" in added.out

    listed = await cmdarr("server", "list", addresses=at(config_app))
    assert listed.code == 0, listed.err
    den = next(line for line in listed.out.splitlines() if "den" in line)
    for shown in ("Plex", "http://den.lan:32400", "set", "Music, Live", "enabled (auto)"):
        assert shown in den, shown
    assert "plex (built-in)" in listed.out
    as_json = await cmdarr("--json", "server", "list", addresses=at(config_app))
    servers = {s["name"]: s for s in as_json.json()["servers"]}
    assert servers["den"]["token_set"] is True
    assert servers["den"]["token"] == ""
    revision = int(servers["den"]["mod_revision"])

    updated = await cmdarr(
        "server", "update", "den", "--url", "https://den.lan:32443", "--disable",
        "--all-libraries", "--token-env", "DEN_TOKEN",
        addresses=at(config_app), environ={"DEN_TOKEN": OTHER_TOKEN},
    )  # fmt: skip
    assert updated.code == 0, updated.err
    assert "Updated server den: url, token, library_names, client_enabled" in updated.out
    after = await cmdarr("--json", "server", "list", addresses=at(config_app))
    den_after = {s["name"]: s for s in after.json()["servers"]}["den"]
    assert den_after["url"] == "https://den.lan:32443"
    assert den_after["client_enabled"] is False
    assert den_after["library_names"] == []
    assert den_after["library_cache_enabled"] is True, "the cache stays the policy's choice"
    assert int(den_after["mod_revision"]) > revision

    removed = await cmdarr("server", "remove", "den", addresses=at(config_app))
    assert removed.code == 0, removed.err
    assert "Removed server den" in removed.out
    gone = await cmdarr("server", "remove", "den", addresses=at(config_app))
    assert gone.code == 2
    assert gone.err.startswith("cmdarr: NOT_FOUND from config_svc:")
    missing = await cmdarr("server", "update", "den", "--enable", addresses=at(config_app))
    assert missing.code == 2
    assert "no server is named 'den'" in missing.err
    no_token(added, listed, as_json, updated, after, removed, gone, missing)


async def test_bad_input_exits_2_naming_the_fields_and_never_the_token(
    config_app: ConfigApp,
) -> None:
    bad_url = await cmdarr(
        "server", "add", "den", "--kind", "jellyfin", "--url", "ftp://den.lan",
        "--token-env", "DEN_TOKEN", addresses=at(config_app), environ={"DEN_TOKEN": TOKEN},
    )  # fmt: skip
    assert bad_url.code == 2
    assert bad_url.out == ""
    assert bad_url.err.startswith("cmdarr: INVALID_ARGUMENT from config_svc:")
    assert "server.url" in bad_url.err
    assert len(bad_url.err.strip().splitlines()) == 1

    spaced = await cmdarr(
        "server", "add", "den", "--kind", "plex", "--url", "http://den.lan",
        "--token-stdin", addresses=at(config_app), stdin=f"{TOKEN} {TOKEN}\n",
    )  # fmt: skip
    assert spaced.code == 2
    assert "server.token" in spaced.err

    plex_user = await cmdarr(
        "server", "add", "den", "--kind", "plex", "--url", "http://den.lan",
        "--jellyfin-user-id", "0123456789abcdef0123456789abcdef", addresses=at(config_app),
    )  # fmt: skip
    assert plex_user.code == 2
    assert "server.jellyfin_user_id" in plex_user.err

    unset = await cmdarr(
        "server", "add", "den", "--kind", "plex", "--url", "http://den.lan",
        "--token-env", "DEN_TOKEN", addresses=at(config_app),
    )  # fmt: skip
    assert unset.code == 2
    assert "DEN_TOKEN is not set" in unset.err

    as_argument = await cmdarr(
        "server", "add", "den", "--kind", "plex", "--url", "http://den.lan", "--token", TOKEN,
        addresses=at(config_app),
    )  # fmt: skip
    assert as_argument.code == 2, "a token is never taken as an argument"

    built_in = await cmdarr("server", "update", "plex", "--enable", addresses=at(config_app))
    assert built_in.code == 2
    assert "FAILED_PRECONDITION" in built_in.err
    nothing = await cmdarr("server", "update", "plex", addresses=at(config_app))
    assert nothing.code == 2
    assert "needs something to change" in nothing.err

    listed = await cmdarr("--json", "server", "list", addresses=at(config_app))
    assert [s["name"] for s in listed.json()["servers"]] == ["jellyfin", "plex"]
    no_token(bad_url, spaced, plex_user, unset, as_argument, built_in, nothing, listed)
