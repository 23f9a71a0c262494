"""The auto-enable policy as a table of enablement scenarios."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from common.config.registry import Registry
from common.domain import BUILDER_NAME, Command, CommandKind, Origin
from config_svc.policy import ConfigState, Stored, auto_changes

registry = Registry()
USER, AUTO, DEFAULT = Origin.USER, Origin.AUTO, Origin.DEFAULT


def builder(enabled: bool = False, origin: Origin = DEFAULT) -> Command:
    return Command(
        BUILDER_NAME, CommandKind.LIBRARY_CACHE_BUILDER, enabled=enabled, enabled_origin=origin
    )


def state(
    env: dict[str, str] | None = None, b: Command | None = None, **stored: tuple[str, Origin]
) -> ConfigState:
    return ConfigState(env or {}, {k: Stored(*vo) for k, vo in stored.items()}, b or builder())


@dataclass
class Case:
    name: str
    before: ConfigState
    after: ConfigState
    enables: set[str] = field(default_factory=set)
    builder: bool | None = None  # the builder's new enabled flag, None = unchanged
    codes: tuple[str, ...] = ()


CASES = [
    Case(
        "user enables Plex: cache and builder follow",
        state(),
        state(PLEX_CLIENT_ENABLED=("true", USER)),
        {"LIBRARY_CACHE_PLEX_ENABLED"},
        True,
        ("LIBRARY_CACHE_AUTO_ENABLED", "CACHE_BUILDER_ENABLED"),
    ),
    Case(
        "environment enables Jellyfin at start-up",
        state({"JELLYFIN_CLIENT_ENABLED": "true"}),
        state({"JELLYFIN_CLIENT_ENABLED": "true"}),
        {"LIBRARY_CACHE_JELLYFIN_ENABLED"},
        True,
        ("LIBRARY_CACHE_AUTO_ENABLED", "CACHE_BUILDER_ENABLED"),
    ),
    Case(
        "both clients enabled at once",
        state(),
        state(PLEX_CLIENT_ENABLED=("true", USER), JELLYFIN_CLIENT_ENABLED=("true", USER)),
        {"LIBRARY_CACHE_PLEX_ENABLED", "LIBRARY_CACHE_JELLYFIN_ENABLED"},
        True,
        ("LIBRARY_CACHE_AUTO_ENABLED", "LIBRARY_CACHE_AUTO_ENABLED", "CACHE_BUILDER_ENABLED"),
    ),
    Case(
        "master switch off: nothing automatic",
        state(AUTO_ENABLE_LIBRARY_CACHE=("false", USER)),
        state(AUTO_ENABLE_LIBRARY_CACHE=("false", USER), PLEX_CLIENT_ENABLED=("true", USER)),
    ),
    Case(
        "master switch off by environment",
        state({"AUTO_ENABLE_LIBRARY_CACHE": "false"}),
        state({"AUTO_ENABLE_LIBRARY_CACHE": "false"}, PLEX_CLIENT_ENABLED=("true", USER)),
    ),
    Case(
        "explicit user off is respected",
        state(LIBRARY_CACHE_PLEX_ENABLED=("false", USER)),
        state(LIBRARY_CACHE_PLEX_ENABLED=("false", USER), PLEX_CLIENT_ENABLED=("true", USER)),
    ),
    Case(
        "explicit environment off is respected",
        state({"LIBRARY_CACHE_PLEX_ENABLED": "false", "PLEX_CLIENT_ENABLED": "true"}),
        state({"LIBRARY_CACHE_PLEX_ENABLED": "false", "PLEX_CLIENT_ENABLED": "true"}),
    ),
    Case(
        "user turns the auto-enabled cache off: not flipped back; builder follows to off",
        state(
            PLEX_CLIENT_ENABLED=("true", USER),
            LIBRARY_CACHE_PLEX_ENABLED=("true", AUTO),
            b=builder(True, AUTO),
        ),
        state(
            PLEX_CLIENT_ENABLED=("true", USER),
            LIBRARY_CACHE_PLEX_ENABLED=("false", USER),
            b=builder(True, AUTO),
        ),
        builder=False,
        codes=("CACHE_BUILDER_DISABLED",),
    ),
    Case(
        "a reset cache setting goes back to the policy",
        state(PLEX_CLIENT_ENABLED=("true", USER), LIBRARY_CACHE_PLEX_ENABLED=("false", USER)),
        state(PLEX_CLIENT_ENABLED=("true", USER), LIBRARY_CACHE_PLEX_ENABLED=("false", DEFAULT)),
        {"LIBRARY_CACHE_PLEX_ENABLED"},
        True,
        ("LIBRARY_CACHE_AUTO_ENABLED", "CACHE_BUILDER_ENABLED"),
    ),
    Case(
        "cache already on: nothing to do",
        state(
            PLEX_CLIENT_ENABLED=("true", USER),
            LIBRARY_CACHE_PLEX_ENABLED=("true", AUTO),
            b=builder(True, AUTO),
        ),
        state(
            PLEX_CLIENT_ENABLED=("true", USER),
            LIBRARY_CACHE_PLEX_ENABLED=("true", AUTO),
            b=builder(True, AUTO),
        ),
    ),
    Case(
        "client disabled: cache left alone",
        state(
            PLEX_CLIENT_ENABLED=("true", USER),
            LIBRARY_CACHE_PLEX_ENABLED=("true", AUTO),
            b=builder(True, AUTO),
        ),
        state(
            PLEX_CLIENT_ENABLED=("false", USER),
            LIBRARY_CACHE_PLEX_ENABLED=("true", AUTO),
            b=builder(True, AUTO),
        ),
    ),
    Case(
        "user enables a cache directly: builder follows",
        state(),
        state(LIBRARY_CACHE_JELLYFIN_ENABLED=("true", USER)),
        builder=True,
        codes=("CACHE_BUILDER_ENABLED",),
    ),
    Case(
        "user disabled the builder: their choice holds while caches stay on",
        state(LIBRARY_CACHE_PLEX_ENABLED=("true", USER), b=builder(True, AUTO)),
        state(LIBRARY_CACHE_PLEX_ENABLED=("true", USER), b=builder(False, USER)),
    ),
    Case(
        "user disabled the builder, then the first cache turns on: builder re-derived",
        state(b=builder(False, USER)),
        state(LIBRARY_CACHE_PLEX_ENABLED=("true", USER), b=builder(False, USER)),
        builder=True,
        codes=("CACHE_BUILDER_ENABLED",),
    ),
    Case(
        "one of two caches turned off: builder stays on",
        state(
            LIBRARY_CACHE_PLEX_ENABLED=("true", USER),
            LIBRARY_CACHE_JELLYFIN_ENABLED=("true", USER),
            b=builder(True, AUTO),
        ),
        state(
            LIBRARY_CACHE_PLEX_ENABLED=("false", USER),
            LIBRARY_CACHE_JELLYFIN_ENABLED=("true", USER),
            b=builder(True, AUTO),
        ),
    ),
    Case(
        "master switch turned on later with a client already on",
        state(AUTO_ENABLE_LIBRARY_CACHE=("false", USER), PLEX_CLIENT_ENABLED=("true", USER)),
        state(AUTO_ENABLE_LIBRARY_CACHE=("true", USER), PLEX_CLIENT_ENABLED=("true", USER)),
        {"LIBRARY_CACHE_PLEX_ENABLED"},
        True,
        ("LIBRARY_CACHE_AUTO_ENABLED", "CACHE_BUILDER_ENABLED"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_policy(case: Case) -> None:
    outcome = auto_changes(registry, case.before, case.after)
    assert set(outcome.settings) == case.enables
    assert all(s == Stored("true", AUTO) for s in outcome.settings.values())
    if case.builder is None:
        assert outcome.builder is None
    else:
        assert outcome.builder is not None
        assert outcome.builder.enabled is case.builder
        assert outcome.builder.enabled_origin is AUTO
    assert tuple(n.code for n in outcome.notifications) == case.codes


def test_notification_uses_the_seed_wording() -> None:
    outcome = auto_changes(registry, state(), state(PLEX_CLIENT_ENABLED=("true", USER)))
    assert "Library cache will be enabled automatically" in outcome.notifications[0].message


def test_policy_is_idempotent() -> None:
    first = auto_changes(registry, state(), state(PLEX_CLIENT_ENABLED=("true", USER)))
    assert first.builder is not None
    settled = state(
        PLEX_CLIENT_ENABLED=("true", USER),
        LIBRARY_CACHE_PLEX_ENABLED=("true", AUTO),
        b=first.builder,
    )
    again = auto_changes(registry, settled, settled)
    assert again.settings == {}
    assert again.builder is None
    assert again.notifications == ()
