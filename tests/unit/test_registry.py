import pytest

from common.config.registry import MAX_VALUE_CHARS, SETTINGS, Registry
from common.config.values import SettingValues

REQUIRED = {
    "PLEX_CLIENT_ENABLED",
    "PLEX_URL",
    "PLEX_TOKEN",
    "PLEX_LIBRARY_NAMES",
    "JELLYFIN_CLIENT_ENABLED",
    "JELLYFIN_URL",
    "JELLYFIN_TOKEN",
    "JELLYFIN_USER_ID",
    "JELLYFIN_LIBRARY_NAMES",
    "LIBRARY_CACHE_PLEX_ENABLED",
    "LIBRARY_CACHE_JELLYFIN_ENABLED",
    "AUTO_ENABLE_LIBRARY_CACHE",
    "IMMEDIATE_CACHE_BUILD",
    "CACHE_BUILD_TIMEOUT_MINUTES",
    "LIBRARY_CACHE_REFRESH_HOURS",
    "LIBRARY_CACHE_MEMORY_LIMIT_MB",
    "TARGET_MAX_REQUESTS_PER_SECOND",
    "TARGET_MAX_CONCURRENCY",
    "TARGET_TIMEOUT_SECONDS",
    "SYNC_CACHE_WAIT_MINUTES",
    "LIVE_SEARCH_MAX_REQUESTS_PER_SYNC",
    "MATCH_MIN_CONFIDENCE",
    "MAX_PARALLEL_SYNCS",
    "SPOTIFY_CLIENT_ID",
    "SPOTIFY_CLIENT_SECRET",
    "LISTENBRAINZ_TOKEN",
    "DEEZER_API_URL",
    "LIDARR_ENABLED",
    "LIDARR_URL",
    "LIDARR_API_KEY",
    "LIDARR_ROOT_FOLDER",
    "LIDARR_QUALITY_PROFILE",
    "LIDARR_METADATA_PROFILE",
    "LIDARR_MAX_ALBUMS_PER_RUN",
}

registry = Registry()


def test_every_required_setting_is_registered_with_a_description() -> None:
    assert set(registry.keys) >= REQUIRED
    assert all(spec.description for spec in SETTINGS)


@pytest.mark.parametrize(
    ("key", "default"),
    [
        ("LIBRARY_CACHE_PLEX_ENABLED", "false"),
        ("LIBRARY_CACHE_JELLYFIN_ENABLED", "false"),
        ("AUTO_ENABLE_LIBRARY_CACHE", "true"),
        ("IMMEDIATE_CACHE_BUILD", "true"),
        ("CACHE_BUILD_TIMEOUT_MINUTES", "180"),
        ("LIBRARY_CACHE_REFRESH_HOURS", "24"),
        ("DEEZER_API_URL", "https://api.deezer.com"),
        ("LIDARR_ENABLED", "false"),
        ("LIDARR_MAX_ALBUMS_PER_RUN", "5"),
    ],
)
def test_defaults_from_the_issue(key: str, default: str) -> None:
    assert registry[key].default == default


def test_secrets_are_flagged() -> None:
    secrets = {spec.key for spec in SETTINGS if spec.secret}
    assert secrets == {
        "PLEX_TOKEN",
        "JELLYFIN_TOKEN",
        "SPOTIFY_CLIENT_SECRET",
        "LISTENBRAINZ_TOKEN",
        "LIDARR_API_KEY",
    }


@pytest.mark.parametrize(
    ("key", "raw", "canonical"),
    [
        ("PLEX_CLIENT_ENABLED", " Yes ", "true"),
        ("PLEX_CLIENT_ENABLED", "0", "false"),
        ("CACHE_BUILD_TIMEOUT_MINUTES", "60", "60"),
        ("MATCH_MIN_CONFIDENCE", "0.9", "0.9"),
        ("PLEX_URL", "http://plex.local:32400/", "http://plex.local:32400"),
        ("PLEX_URL", "", ""),
        ("PLEX_LIBRARY_NAMES", "Music , Hi-Res", "Music,Hi-Res"),
        ("DEEZER_API_URL", "http://127.0.0.1:8765/", "http://127.0.0.1:8765"),
        (
            "JELLYFIN_USER_ID",
            "0123456789abcdef0123456789abcdef",
            "0123456789abcdef0123456789abcdef",
        ),
    ],
)
def test_values_are_canonicalised(key: str, raw: str, canonical: str) -> None:
    assert registry[key].canonical(raw) == canonical


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("PLEX_CLIENT_ENABLED", "maybe", "true or false"),
        ("CACHE_BUILD_TIMEOUT_MINUTES", "-5", "at least 1"),
        ("CACHE_BUILD_TIMEOUT_MINUTES", "ten", "integer"),
        ("TARGET_TIMEOUT_SECONDS", "-1", "at least 0.1"),
        ("TARGET_TIMEOUT_SECONDS", "nan", "finite"),
        ("MATCH_MIN_CONFIDENCE", "1.5", "at most 1"),
        ("PLEX_URL", "plex.local:32400", "http"),
        ("PLEX_URL", "http://", "host"),
        ("PLEX_URL", "http://user:pw@plex.local", "credentials"),
        ("PLEX_URL", "http://plex.local:99999", "valid URL"),
        ("DEEZER_API_URL", "api.deezer.com", "http"),
        ("PLEX_LIBRARY_NAMES", "Music,,Other", "non-empty"),
        ("JELLYFIN_USER_ID", "alice", "32 hex digits"),
        ("PLEX_TOKEN", "x" * (MAX_VALUE_CHARS + 1), "at most"),
        ("PLEX_TOKEN", "abc\ndef", "control"),
    ],
)
def test_bad_values_are_refused_with_a_reason(key: str, raw: str, expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        registry[key].canonical(raw)


def test_secret_values_never_appear_in_errors() -> None:
    with pytest.raises(ValueError, match="control characters") as caught:
        registry["PLEX_TOKEN"].canonical("supersecret\x01")
    assert "supersecret" not in str(caught.value)


def test_typed_values() -> None:
    assert registry["PLEX_CLIENT_ENABLED"].parse("true") is True
    assert registry["MAX_PARALLEL_SYNCS"].parse("3") == 3
    assert registry["PLEX_LIBRARY_NAMES"].parse("A,B") == ("A", "B")
    assert registry["PLEX_LIBRARY_NAMES"].parse("") == ()


def test_environment_pins_are_validated_without_echoing_values() -> None:
    assert registry.pinned_by_env({"PLEX_CLIENT_ENABLED": "1", "OTHER": "x"}) == {
        "PLEX_CLIENT_ENABLED": "true"
    }
    with pytest.raises(ValueError, match="PLEX_TOKEN contains control") as caught:
        registry.pinned_by_env({"PLEX_TOKEN": "tok\x00en"})
    assert "tok" not in str(caught.value).replace("PLEX_TOKEN", "")


def test_setting_values_never_show_a_secret_in_their_repr() -> None:
    values = SettingValues(
        Registry(),
        {"PLEX_TOKEN": "tok-5d1e9c", "PLEX_URL": "http://plex:32400", "JELLYFIN_TOKEN": ""},
    )
    shown = repr(values)
    assert "tok-5d1e9c" not in shown
    assert "'PLEX_TOKEN': '***'" in shown
    assert "http://plex:32400" in shown, "what is not secret stays readable"
    assert "'JELLYFIN_TOKEN': ''" in shown, "an unset secret shows that it is unset"
    assert values.text("PLEX_TOKEN") == "tok-5d1e9c", "the value itself is untouched"
