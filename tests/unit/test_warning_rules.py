from typing import Any

from common.domain import (
    BUILDER_NAME,
    CacheHealth,
    CacheState,
    Command,
    CommandKind,
    ConfiguredServer,
    ConfigView,
    Destination,
    Fix,
    FixAction,
    ServerKind,
    Severity,
    SourceKind,
    Target,
    destinations_of,
)
from common.warning_rules import compute_warnings, seed_message

SEED = (
    "Performance Warning: Playlist sync targeting Plex is enabled but library cache is "
    "disabled. This may cause slow performance and timeouts. Consider enabling library "
    "cache for better performance."
)


def sync(name: str, *targets: Target, enabled: bool = True) -> Command:
    return Command(
        name,
        CommandKind.PLAYLIST_SYNC,
        SourceKind.FILE,
        "/p.jspf",
        destinations_of(targets),
        enabled=enabled,
    )


def builder(enabled: bool) -> Command:
    return Command(BUILDER_NAME, CommandKind.LIBRARY_CACHE_BUILDER, enabled=enabled)


def view(commands: list[Command], **settings: bool) -> ConfigView:
    return ConfigView(dict(settings), tuple(commands))


def test_seed_wording_is_exact() -> None:
    assert seed_message(Target.PLEX) == SEED


def test_sync_to_plex_without_cache_warns_with_the_fix() -> None:
    warnings = compute_warnings(
        view([builder(False), sync("daily", Target.PLEX)], PLEX_CLIENT_ENABLED=True)
    )
    assert [w.code for w in warnings] == ["SYNC_WITHOUT_LIBRARY_CACHE"]
    (warning,) = warnings
    assert warning.message == SEED
    assert warning.target is Target.PLEX
    assert warning.command_names == ("daily",)
    assert warning.fix is not None
    assert warning.fix.action is FixAction.ENABLE_LIBRARY_CACHE
    assert warning.fix.target is Target.PLEX


def test_no_warning_when_the_cache_is_on_and_the_builder_runs() -> None:
    settings = {"PLEX_CLIENT_ENABLED": True, "LIBRARY_CACHE_PLEX_ENABLED": True}
    assert compute_warnings(view([builder(True), sync("daily", Target.PLEX)], **settings)) == []


def test_one_warning_per_target_listing_every_sync() -> None:
    warnings = compute_warnings(
        view(
            [builder(False), sync("b", Target.PLEX, Target.JELLYFIN), sync("a", Target.PLEX)],
            PLEX_CLIENT_ENABLED=True,
            JELLYFIN_CLIENT_ENABLED=True,
        )
    )
    by_target = {w.target: w for w in warnings}
    assert by_target[Target.PLEX].command_names == ("a", "b")
    assert by_target[Target.JELLYFIN].command_names == ("b",)
    assert "targeting Jellyfin" in by_target[Target.JELLYFIN].message


def test_disabled_syncs_do_not_warn() -> None:
    assert (
        compute_warnings(
            view([builder(False), sync("x", Target.PLEX, enabled=False)], PLEX_CLIENT_ENABLED=True)
        )
        == []
    )


def test_sync_targeting_a_disabled_client_is_an_error_listed_first() -> None:
    warnings = compute_warnings(
        view([builder(True), sync("x", Target.JELLYFIN)], LIBRARY_CACHE_JELLYFIN_ENABLED=True)
    )
    assert [w.code for w in warnings] == ["SYNC_TARGET_CLIENT_DISABLED"]
    assert warnings[0].severity is Severity.ERROR
    assert warnings[0].fix is None


def test_cache_on_while_builder_off() -> None:
    warnings = compute_warnings(view([builder(False)], LIBRARY_CACHE_PLEX_ENABLED=True))
    assert [w.code for w in warnings] == ["CACHE_BUILDER_DISABLED"]
    assert warnings[0].fix is not None
    assert warnings[0].fix.action is FixAction.ENABLE_CACHE_BUILDER


def test_cache_health_rules() -> None:
    settings = {"LIBRARY_CACHE_PLEX_ENABLED": True, "LIBRARY_CACHE_JELLYFIN_ENABLED": True}
    caches = [
        CacheHealth(Target.PLEX, CacheState.FAILED, last_error="401 bad token"),
        CacheHealth(Target.JELLYFIN, CacheState.BUILDING, tracks_done=45_000, tracks_total=100_000),
    ]
    warnings = compute_warnings(view([builder(True)], **settings), caches)
    assert [w.code for w in warnings] == ["LIBRARY_CACHE_FAILED", "LIBRARY_CACHE_BUILDING"]
    assert "401 bad token" in warnings[0].message
    assert warnings[0].fix is not None
    assert warnings[0].fix.action is FixAction.BUILD_CACHE_NOW
    assert "45,000/100,000 tracks" in warnings[1].message
    stale = compute_warnings(
        view([builder(True)], **settings), [CacheHealth(Target.PLEX, CacheState.STALE)]
    )
    assert [w.code for w in stale] == ["LIBRARY_CACHE_STALE"]


def test_cache_health_of_a_disabled_cache_is_ignored() -> None:
    caches = [CacheHealth(Target.PLEX, CacheState.FAILED, last_error="x")]
    assert compute_warnings(view([builder(False)]), caches) == []


def test_a_pin_whose_item_is_gone_warns_with_the_fix_that_deletes_it() -> None:
    settings = {"LIBRARY_CACHE_PLEX_ENABLED": True, "PLEX_CLIENT_ENABLED": True}
    stale = ("beatles / getback -> item 404", "queen / so -> item 9", "a / b -> item 1", "c / d")
    (warning,) = compute_warnings(
        view([builder(True)], **settings),
        [CacheHealth(Target.PLEX, CacheState.READY, stale_overrides=stale)],
    )
    assert warning.code == "MATCH_OVERRIDE_ITEM_GONE"
    assert warning.severity is Severity.WARNING
    assert warning.message.startswith("4 Plex match overrides pin an item no longer in the")
    assert "item 404" in warning.message
    assert "; ..." in warning.message
    assert warning.fix is not None
    assert (warning.fix.action, warning.fix.target) == (
        FixAction.DELETE_STALE_MATCH_OVERRIDES,
        Target.PLEX,
    )
    assert not compute_warnings(
        view([builder(True)], **settings), [CacheHealth(Target.PLEX, CacheState.READY)]
    )


CABIN = ConfiguredServer("cabin", ServerKind.PLEX, client_enabled=True, cache_enabled=True)


def with_servers(
    commands: list[Command], *servers: ConfiguredServer, **settings: bool
) -> ConfigView:
    return ConfigView(dict(settings), tuple(commands), servers)


def cabin_cache(state: CacheState, **fields: Any) -> CacheHealth:
    return CacheHealth(None, state, server="cabin", kind=ServerKind.PLEX, **fields)


def test_a_created_servers_cache_is_warned_about_by_name() -> None:
    caches = [
        cabin_cache(CacheState.FAILED, last_error="HTTP 401"),
        CacheHealth(Target.PLEX, CacheState.FAILED, last_error="HTTP 500"),
    ]
    settings = {"LIBRARY_CACHE_PLEX_ENABLED": True}
    warnings = compute_warnings(with_servers([builder(True)], CABIN, **settings), caches)
    assert [(w.code, w.server, w.target) for w in warnings] == [
        ("LIBRARY_CACHE_FAILED", "plex", Target.PLEX),
        ("LIBRARY_CACHE_FAILED", "cabin", None),
    ]
    plex, cabin = warnings
    assert plex.message == (
        "The Plex library cache failed to build: HTTP 500. Syncs will search Plex live until "
        "it is rebuilt."
    )
    assert cabin.message == (
        "The library cache of Plex server 'cabin' failed to build: HTTP 401. Syncs will "
        "search Plex server 'cabin' live until it is rebuilt."
    )
    assert cabin.fix == Fix(FixAction.BUILD_CACHE_NOW, None, "Build now", "cabin")
    assert plex.fix == Fix(FixAction.BUILD_CACHE_NOW, Target.PLEX, "Build now", "plex")
    stale, building = (
        compute_warnings(with_servers([builder(True)], CABIN), [cabin_cache(state, **fields)])
        for state, fields in (
            (CacheState.STALE, {}),
            (CacheState.BUILDING, {"tracks_done": 10, "tracks_total": 40}),
        )
    )
    assert [w.message for w in stale] == [
        "The library cache of Plex server 'cabin' is out of date: recently added tracks may "
        "not be matched."
    ]
    assert [w.message for w in building] == [
        "Building the library cache of Plex server 'cabin' (10/40 tracks): syncs to Plex "
        "server 'cabin' will wait for it."
    ]


def test_a_created_servers_disabled_cache_and_the_builder() -> None:
    off = ConfiguredServer("cabin", ServerKind.PLEX, client_enabled=True, cache_enabled=False)
    failed = [cabin_cache(CacheState.FAILED, last_error="x")]
    assert compute_warnings(with_servers([builder(True)], off), failed) == []
    (warning,) = compute_warnings(with_servers([builder(False)], CABIN))
    assert (warning.code, warning.server) == ("CACHE_BUILDER_DISABLED", "cabin")
    assert warning.message.startswith(
        "The library cache of Plex server 'cabin' is enabled but the library_cache_builder"
    )
    assert warning.fix is not None
    assert warning.fix.action is FixAction.ENABLE_CACHE_BUILDER


def test_the_seed_wording_names_a_created_server() -> None:
    assert seed_message("Plex server 'cabin'") == SEED.replace(
        "targeting Plex is", "targeting Plex server 'cabin' is"
    )
    # A sync's targets are the built-in servers: a created one gets no sync warning.
    warnings = compute_warnings(
        with_servers(
            [builder(True), sync("daily", Target.PLEX)],
            ConfiguredServer("cabin", ServerKind.PLEX),
            PLEX_CLIENT_ENABLED=True,
        )
    )
    assert [(w.code, w.server) for w in warnings] == [("SYNC_WITHOUT_LIBRARY_CACHE", "plex")]
    assert warnings[0].fix == Fix(
        FixAction.ENABLE_LIBRARY_CACHE, Target.PLEX, "Enable library cache", "plex"
    )


def test_a_sync_to_a_created_servers_users_warns_about_its_cache_by_name() -> None:
    off = ConfiguredServer("cabin", ServerKind.PLEX, client_enabled=True, cache_enabled=False)
    to_cabin = Command(
        "family",
        CommandKind.PLAYLIST_SYNC,
        SourceKind.FILE,
        "/p.jspf",
        (Destination("cabin", "alice"), Destination("cabin", "bob")),
    )
    (warning,) = compute_warnings(with_servers([builder(True), to_cabin], off))
    assert (warning.code, warning.server, warning.target) == (
        "SYNC_WITHOUT_LIBRARY_CACHE",
        "cabin",
        None,
    )
    assert warning.message == seed_message("Plex server 'cabin'")
    assert warning.command_names == ("family",)
    assert warning.fix == Fix(FixAction.ENABLE_LIBRARY_CACHE, None, "Enable library cache", "cabin")
    disabled = ConfiguredServer("cabin", ServerKind.PLEX, cache_enabled=True)
    (refused,) = compute_warnings(with_servers([builder(True), to_cabin], disabled))
    assert (refused.code, refused.server) == ("SYNC_TARGET_CLIENT_DISABLED", "cabin")
