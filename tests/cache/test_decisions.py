"""What configuration changes mean for the caches (pure)."""

from __future__ import annotations

from cache_svc.config_view import Action, FollowedConfig, decide
from cache_svc.status import derive_state
from common.config.registry import Registry
from common.domain import CacheState, Target

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
    assert (decision.target, decision.action) == (Target.PLEX, Action.BUILD)


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
    original = config(True, {"PLEX_TOKEN": 4}, **PLEX_ON)
    assert FollowedConfig.from_json(original.to_json()) == original


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
