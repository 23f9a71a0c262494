"""Servers as configuration, the pure parts: each check names its field, the mask applies
only what it names, the auto-enable policy for a server, and the built-in servers read
from the settings."""

from __future__ import annotations

import pytest

from common.config.registry import Registry
from common.domain import BUILDER_NAME, Command, CommandKind, Origin
from common.errors import FieldViolation
from config_svc import server_spec as spec
from config_svc.policy import Stored, server_auto_cache
from config_svc.server_spec import Server, ServerInput, ServerKind
from config_svc.views import ConfigViews

USER_ID = "0123456789abcdef0123456789abcdef"


def fields_of(problems: list[FieldViolation]) -> list[str]:
    return [p.field for p in problems]


def plex(**fields: object) -> Server:
    values: dict[str, object] = {"name": "den", "kind": ServerKind.PLEX, "url": "http://den:32400"}
    values.update(fields)
    return Server(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name", ["a", "den", "plex-2", "x" * 63, "9lives", "a-b-c"], ids=lambda n: n[:12]
)
def test_a_dns_label_is_a_name(name: str) -> None:
    assert spec.check_name(name, "server.name") == []


@pytest.mark.parametrize(
    "name", ["", "Den", "-den", "den-", "den_1", "d.en", "x" * 64, "dén", "den "]
)
def test_anything_else_is_refused_naming_the_field(name: str) -> None:
    assert fields_of(spec.check_name(name, "server.name")) == ["server.name"]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://den:32400", True),
        ("https://media.example.org/jellyfin/", True),
        ("", False),
        ("den:32400", False),
        ("ftp://den", False),
        ("http://", False),
        ("http://user:pw@den", False),
        ("http://den:99999", False),
        ("http://d en", False),
    ],
)
def test_a_url_is_http_or_https_with_a_host(url: str, ok: bool) -> None:
    assert fields_of(spec.check_url_field(url, "server.url")) == ([] if ok else ["server.url"])


def test_field_checks_name_each_bad_field_and_never_quote_the_token() -> None:
    given = ServerInput(
        name="den",
        kind=None,
        url="nope",
        token="s3cret token",
        library_names=("Music", " ", "Music"),
        jellyfin_user_id="not-an-id",
    )
    problems = spec.check_fields(given, spec.UPDATABLE_FIELDS | {"kind"}, "server")
    assert set(fields_of(problems)) == {
        "server.kind",
        "server.url",
        "server.token",
        "server.library_names[1]",
        "server.library_names",
        "server.jellyfin_user_id",
    }
    assert all("s3cret" not in p.description for p in problems)
    assert spec.check_fields(given, (), "server") == []


def test_a_jellyfin_user_on_a_plex_server_is_refused_naming_the_field() -> None:
    assert fields_of(spec.check_consistent(plex(jellyfin_user_id=USER_ID), "server")) == [
        "server.jellyfin_user_id"
    ]
    jellyfin = plex(kind=ServerKind.JELLYFIN, jellyfin_user_id=USER_ID)
    assert spec.check_consistent(jellyfin, "server") == []


def test_the_mask_names_known_fields_and_never_the_name_or_kind() -> None:
    assert fields_of(spec.check_mask([])) == ["update_mask"]
    assert fields_of(spec.check_mask(["url", "name", "kind", "bogus"])) == [
        "update_mask.paths[1]",
        "update_mask.paths[2]",
        "update_mask.paths[3]",
    ]
    assert spec.check_mask(sorted(spec.UPDATABLE_FIELDS)) == []


def test_create_and_update_apply_what_was_given_and_nothing_else() -> None:
    made = spec.created(
        ServerInput(
            "den",
            ServerKind.PLEX,
            " http://den:32400/ ",
            token=" tok ",
            library_names=(" Music ",),
        ),
        ServerKind.PLEX,
    )
    assert (made.url, made.token, made.token_set, made.library_names) == (
        "http://den:32400",
        "tok",
        True,
        ("Music",),
    )
    assert (made.cache_enabled, made.cache_origin) == (False, Origin.DEFAULT)
    chosen = spec.created(
        ServerInput("den", ServerKind.PLEX, "http://d", cache_enabled=False), ServerKind.PLEX
    )
    assert chosen.cache_origin is Origin.USER

    other = ServerInput("den", url="http://other", token="", client_enabled=True)
    changed = spec.updated(made, other, ["client_enabled", "token"])
    assert (changed.url, changed.client_enabled, changed.token, changed.token_set) == (
        "http://den:32400",
        True,
        "",
        False,
    )
    cache_off = spec.updated(
        made, ServerInput("den", cache_enabled=False), ["library_cache_enabled"]
    )
    assert (cache_off.cache_enabled, cache_off.cache_origin) == (False, Origin.USER)
    assert made.withheld().token == ""
    assert made.withheld().token_set
    assert spec.same_server(made, Server(**{**made.__dict__, "mod_revision": 9}))
    assert not spec.same_server(made, changed)


@pytest.mark.parametrize(
    ("server", "auto", "enabled"),
    [
        (plex(client_enabled=True), True, True),
        (plex(client_enabled=True), False, False),
        (plex(client_enabled=False), True, False),
        (plex(client_enabled=True, cache_origin=Origin.USER), True, False),
        (plex(client_enabled=True, built_in=True), True, False),
    ],
    ids=["client on", "policy off", "client off", "user chose off", "built-in"],
)
def test_the_policy_enables_a_servers_cache_with_its_client(
    server: Server, auto: bool, enabled: bool
) -> None:
    after, note = server_auto_cache(server, auto)
    assert after.cache_enabled is enabled
    assert (note is not None) is enabled
    if enabled:
        assert after.cache_origin is Origin.AUTO
        assert note is not None
        assert note.subject == "den"
        assert note.code == "LIBRARY_CACHE_AUTO_ENABLED"
    else:
        assert after == server


def test_a_server_the_policy_enabled_is_left_alone_afterwards() -> None:
    on, _ = server_auto_cache(plex(client_enabled=True), True)
    assert server_auto_cache(on, True) == (on, None)


def test_the_built_in_servers_are_their_settings() -> None:
    views = ConfigViews(Registry(), {"JELLYFIN_URL": "http://jf:8096"})
    builder = Command(BUILDER_NAME, CommandKind.LIBRARY_CACHE_BUILDER, enabled=False)
    stored = {
        "PLEX_URL": Stored("http://plex:32400", Origin.USER, 4),
        "PLEX_TOKEN": Stored("tok", Origin.USER, 5),
        "PLEX_LIBRARY_NAMES": Stored("Music,Jazz", Origin.USER, 3),
        "PLEX_CLIENT_ENABLED": Stored("true", Origin.USER, 6),
        "LIBRARY_CACHE_PLEX_ENABLED": Stored("true", Origin.AUTO, 6),
        "SPOTIFY_CLIENT_ID": Stored("x", Origin.USER, 9),
    }
    servers = views.builtin_servers(stored, {BUILDER_NAME: builder})
    assert sorted(servers) == ["jellyfin", "plex"]
    assert servers["plex"] == Server(
        name="plex",
        kind=ServerKind.PLEX,
        url="http://plex:32400",
        token="tok",
        token_set=True,
        library_names=("Music", "Jazz"),
        client_enabled=True,
        cache_enabled=True,
        cache_origin=Origin.AUTO,
        built_in=True,
        mod_revision=6,
        token_revision=5,  # PLEX_TOKEN's own revision
    )
    jellyfin = servers["jellyfin"]
    assert (jellyfin.url, jellyfin.token_set, jellyfin.client_enabled, jellyfin.mod_revision) == (
        "http://jf:8096",
        False,
        False,
        0,
    )
