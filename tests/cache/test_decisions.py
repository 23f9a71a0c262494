"""What configuration changes mean for the caches (pure)."""

from __future__ import annotations

import json
from dataclasses import replace

from cache_svc.config_view import Action, FollowedConfig, FollowedServer, decide
from cache_svc.status import derive_state
from common.config.registry import Registry
from common.domain import CacheState, ServerKind, Target

registry = Registry()


def config(
    builder: bool = False, revisions: dict[str, int] | None = None, /, **values: str
) -> FollowedConfig:
    return FollowedConfig(values, revisions or {}, builder)


PLEX_ON = {
    "PLEX_CLIENT_ENABLED": "true",
    "LIBRARY_CACHE_PLEX_ENABLED": "true",
    "PLEX_URL": "http://p",
}


def test_first_sight_of_an_enabled_cache_builds_at_once() -> None:
    (decision,) = decide(registry, None, config(**PLEX_ON))
    assert (decision.server, decision.action) == (Target.PLEX.server_name, Action.BUILD)
    assert decision.reason == "Plex library cache enabled"


def test_turning_on_builds_and_without_immediate_build_only_enables() -> None:
    assert [d.action for d in decide(registry, config(), config(**PLEX_ON))] == [Action.BUILD]
    lazy = config(**PLEX_ON, IMMEDIATE_CACHE_BUILD="false")
    assert [d.action for d in decide(registry, config(IMMEDIATE_CACHE_BUILD="false"), lazy)] == [
        Action.ENABLE
    ]


def test_turning_off_disables() -> None:
    off = {**PLEX_ON, "LIBRARY_CACHE_PLEX_ENABLED": "false"}
    assert [d.action for d in decide(registry, config(**PLEX_ON), config(**off))] == [
        Action.DISABLE
    ]
    client_off = {**PLEX_ON, "PLEX_CLIENT_ENABLED": "false"}
    assert [d.action for d in decide(registry, config(**PLEX_ON), config(**client_off))] == [
        Action.DISABLE
    ]


def test_connection_changes_rebuild_fully() -> None:
    for change in ({"PLEX_URL": "http://other"}, {"PLEX_LIBRARY_NAMES": "Music"}):
        (decision,) = decide(registry, config(**PLEX_ON), config(**{**PLEX_ON, **change}))
        assert decision.action is Action.BUILD
        assert decision.full
    token_changed = decide(registry, config(**PLEX_ON), config(False, {"PLEX_TOKEN": 9}, **PLEX_ON))
    assert [d.full for d in token_changed] == [True]


def test_unrelated_changes_do_nothing() -> None:
    assert (
        decide(registry, config(**PLEX_ON), config(**{**PLEX_ON, "MAX_PARALLEL_SYNCS": "3"})) == []
    )
    assert decide(registry, config(), config(JELLYFIN_URL="http://j")) == []


def test_followed_config_round_trips() -> None:
    original = config(True, {"PLEX_TOKEN": 4}, **PLEX_ON).with_server(CABIN)
    assert FollowedConfig.from_json(original.to_json()) == original


CABIN = FollowedServer(
    "cabin",
    ServerKind.PLEX,
    url="http://cabin:32400",
    library_names=("Music",),
    client_enabled=True,
    cache_enabled=True,
    token_revision=7,
)


def test_a_created_server_builds_when_enabled_and_names_itself() -> None:
    (decision,) = decide(registry, config(), config().with_server(CABIN))
    assert (decision.server, decision.action, decision.full) == ("cabin", Action.BUILD, False)
    assert decision.reason == "Plex server 'cabin' library cache enabled"
    lazy = config(IMMEDIATE_CACHE_BUILD="false")
    assert [d.action for d in decide(registry, lazy, lazy.with_server(CABIN))] == [Action.ENABLE]
    off = replace(CABIN, cache_enabled=False)
    assert decide(registry, config(), config().with_server(off)) == []


def test_a_created_server_disables_and_rebuilds_on_any_connection_change() -> None:
    before = config().with_server(CABIN)
    for off in (replace(CABIN, client_enabled=False), replace(CABIN, cache_enabled=False)):
        (decision,) = decide(registry, before, config().with_server(off))
        assert (decision.server, decision.action) == ("cabin", Action.DISABLE)
    for moved in (
        replace(CABIN, url="http://elsewhere:32400"),
        replace(CABIN, library_names=("Jazz",)),
        replace(CABIN, token_revision=8),
        replace(CABIN, jellyfin_user_id="0123456789abcdef0123456789abcdef"),
    ):
        (decision,) = decide(registry, before, config().with_server(moved))
        assert (decision.server, decision.action, decision.full) == ("cabin", Action.BUILD, True)
        assert decision.reason == "Plex server 'cabin' server or libraries changed"
    assert decide(registry, before, before) == []


def test_a_deleted_server_is_forgotten_whether_active_or_not() -> None:
    for server in (CABIN, replace(CABIN, cache_enabled=False)):
        before = config(**PLEX_ON).with_server(server)
        (decision,) = decide(registry, before, before.without_server("cabin"))
        assert (decision.server, decision.action) == ("cabin", Action.DELETE)


def test_the_builtin_names_are_settings_not_servers() -> None:
    shadow = FollowedServer("plex", ServerKind.JELLYFIN, url="http://x", client_enabled=True)
    followed = config(**PLEX_ON).with_server(shadow)
    assert followed.servers == {}
    plex = followed.server(registry, "plex")
    assert plex is not None
    assert (plex.kind, plex.url, plex.cache_enabled) == (ServerKind.PLEX, "http://p", True)
    assert followed.server_names() == ("plex", "jellyfin")
    assert followed.with_server(CABIN).server_names() == ("plex", "jellyfin", "cabin")
    assert followed.server(registry, "nowhere") is None
    assert not followed.active(registry, "nowhere")


def test_a_state_stored_before_servers_reads_and_asks_for_a_snapshot() -> None:
    stored = json.dumps(
        {"values": PLEX_ON, "revisions": {"PLEX_TOKEN": 3}, "builder": True, "overrides": []}
    )
    old = FollowedConfig.from_json(stored)
    assert not old.follows_servers
    assert old.active(registry, "plex")
    assert old.connection(registry, "plex") == (ServerKind.PLEX, "http://p", (), "", 3)
    assert FollowedConfig.from_json(old.to_json()).follows_servers


def test_state_precedence() -> None:
    def state(**kw: object) -> CacheState:
        base: dict[str, object] = dict(
            active=True,
            building=False,
            has_index=True,
            failed=False,
            built_at=1000,
            refresh_hours=1,
            now=1000.0,
        )
        base.update(kw)
        return derive_state(**base)  # type: ignore[arg-type]

    assert state() is CacheState.READY
    assert state(active=False, building=True) is CacheState.DISABLED
    assert state(building=True, failed=True) is CacheState.BUILDING
    assert state(failed=True) is CacheState.FAILED
    assert state(has_index=False) is CacheState.EMPTY
    assert state(now=1000.0 + 3601) is CacheState.STALE
