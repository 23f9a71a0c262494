"""The databases of the previous release (before servers: config_svc 0002, cache_svc 0005,
sync_svc 0003), frozen: every table's rows, every column, as that release wrote them.

The rows were dumped from databases that release's own stores wrote (commit e95ff57^,
its clocks set to one timeline from 2026-01-01): settings, commands and overrides through
its ConfigCore and OverrideUseCases, the change log compacted below revision 5; two
caches built, one build failed and one interrupted, the Jellyfin lease left by a replica
that died after activating; four sync runs, one still queued. Nothing here imports the
project, so a later schema or format change cannot change what "the previous release
wrote". JSON columns are written as the values they hold, encoded as that release encoded
each one (the helpers below); the index images are the bytes its encoder wrote (format
2), in ``images/``. Never regenerate any of it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

Row = dict[str, Any]
Tables = dict[str, list[Row]]

# The alembic heads of the previous release (commit e95ff57^).
HEADS = {"config": "0002", "cache": "0005", "sync": "0003"}

# Columns the database assigned: the release inserted without them, and the database
# numbered the rows in the order listed.
ASSIGNED = {"cache_builds": ("id",)}

IMAGES = Path(__file__).parent / "images"


def log_json(value: Any) -> str:
    """config_svc's change log events: keys sorted, no spaces (events.py Event.to_json)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def sorted_json(value: Any) -> str:
    """Keys sorted: an override's source key (config_svc), the followed config (cache_svc)."""
    return json.dumps(value, sort_keys=True)


def plain_json(value: Any) -> str:
    """As built, non-ASCII kept: reports, library names, build costs, lease progress."""
    return json.dumps(value, ensure_ascii=False)


# ----- config_svc ----------------------------------------------------------------------

PLEX_TOKEN = "plex-token-of-the-previous-release"
JELLYFIN_TOKEN = "jellyfin-token-of-the-previous-release"
JELLYFIN_USER = "0123456789abcdef0123456789abcdef"


def _setting(key: str, value: str, origin: str, revision: int) -> Row:
    return {"key": key, "value": value, "origin": origin, "mod_revision": revision}


def _key(kind: str, value: str = "", artist: str = "", title: str = "") -> dict[str, str]:
    return {"kind": kind, "value": value, "artist": artist, "title": title, "album": ""}


def _override(
    target: str,
    key: dict[str, str],
    action: str,
    item_id: str,
    note: str,
    author: str,
    update_time: float,
    revision: int,
) -> dict[str, Any]:
    """An override as its events carry it (override_json.py override_to_dict)."""
    return {
        "target": target,
        "key": key,
        "action": action,
        "item_id": item_id,
        "note": note,
        "author": author,
        "update_time": update_time,
        "create_revision": revision,
        "mod_revision": revision,
    }


PLEX_PIN = _override(
    "plex",
    _key("mbid", "1a2b3c4d-0000-4000-8000-00000000000a"),
    "pin",
    "102",
    "the album version",
    "alice",
    1767312000.0,
    9,
)
JELLYFIN_REJECT_TRACK = _override(
    "jellyfin",
    _key("text", artist="massiveattack", title="teardrop+live"),
    "reject",
    "",
    "no live versions",
    "bob",
    1767315600.0,
    10,
)
JELLYFIN_REJECT_ITEM = _override(
    "jellyfin",
    _key("isrc", "GBAYE9900001"),
    "reject",
    "c0ffee00c0ffee00c0ffee00c0ffee02",
    "",
    "bob",
    1767319200.0,
    11,
)
PLEX_PIN_DELETED = _override(
    "plex", _key("isrc", "USABC2400001"), "pin", "101", "", "", 1767322800.0, 12
)


def _override_row(ident: str, override: dict[str, Any]) -> Row:
    """An override row: the key as JSON (store.py persist)."""
    return {
        "ident": ident,
        "target": override["target"],
        "source_key": sorted_json(override["key"]),
        **{k: v for k, v in override.items() if k not in ("target", "key")},
    }


def _command(
    name: str,
    source_kind: str,
    source_ref: str,
    targets: list[str],
    schedule: str,
    enabled: bool,
    title: str,
    revision: int,
) -> dict[str, Any]:
    """A playlist_sync command as its events carry it (targets as a list)."""
    return {
        "name": name,
        "kind": "playlist_sync",
        "source_kind": source_kind,
        "source_ref": source_ref,
        "targets": targets,
        "schedule": schedule,
        "enabled": enabled,
        "enabled_origin": "user",
        "playlist_title": title,
        "create_revision": revision,
        "mod_revision": revision,
    }


WEEKLY_JAMS = _command(
    "weekly-jams",
    "listenbrainz_playlist",
    "https://listenbrainz.org/playlist/5f3e1c2a-8b7d-4e6f-9a1b-2c3d4e5f6a7b",
    ["plex", "jellyfin"],
    "0 6 * * 1",
    True,
    "Weekly Jams",
    5,
)
DAILY_MIX = _command(
    "daily-mix",
    "url",
    "https://mixes.example.org/daily.jspf",
    ["jellyfin"],
    "30 7 * * *",
    False,
    "daily-mix",
    6,
)
OLD_MIX = _command("old-mix", "file", "/playlists/old.m3u", ["plex"], "", True, "old-mix", 7)


def _command_row(command: dict[str, Any]) -> Row:
    """A command row: the targets comma-separated (store.py persist)."""
    return {**command, "targets": ",".join(command["targets"])}


CONFIG: Tables = {
    "config_meta": [{"id": 1, "revision": 14, "compact_revision": 4}],
    "config_settings": [
        _setting("JELLYFIN_CLIENT_ENABLED", "true", "user", 3),
        _setting("JELLYFIN_TOKEN", JELLYFIN_TOKEN, "user", 3),
        _setting("JELLYFIN_URL", "http://jellyfin.lan:8096", "user", 3),
        _setting("JELLYFIN_USER_ID", JELLYFIN_USER, "user", 3),
        _setting("LIBRARY_CACHE_JELLYFIN_ENABLED", "true", "auto", 3),
        _setting("LIBRARY_CACHE_PLEX_ENABLED", "true", "auto", 1),
        _setting("LIVE_SEARCH_MAX_REQUESTS_PER_SYNC", "1000", "default", 14),  # a reset
        _setting("MATCH_MIN_CONFIDENCE", "0.8", "user", 4),
        _setting("PLEX_CLIENT_ENABLED", "true", "user", 1),
        _setting("PLEX_LIBRARY_NAMES", "Music,Live", "user", 2),
        _setting("PLEX_TOKEN", PLEX_TOKEN, "user", 1),
        _setting("PLEX_URL", "http://plex.lan:32400", "user", 1),
    ],
    "config_commands": [
        _command_row(DAILY_MIX),
        {
            "name": "library_cache_builder",
            "kind": "library_cache_builder",
            "source_kind": None,
            "source_ref": "",
            "targets": "",
            "schedule": "",
            "enabled": True,
            "enabled_origin": "auto",
            "playlist_title": "",
            "create_revision": 0,
            "mod_revision": 1,
        },
        _command_row(WEEKLY_JAMS),
    ],
    "config_change_log": [
        {
            "revision": 5,
            "seq": 0,
            "event": log_json({"type": "command_put", "command": WEEKLY_JAMS}),
        },
        {"revision": 6, "seq": 0, "event": log_json({"type": "command_put", "command": DAILY_MIX})},
        {"revision": 7, "seq": 0, "event": log_json({"type": "command_put", "command": OLD_MIX})},
        {
            "revision": 8,
            "seq": 0,
            "event": log_json({"type": "command_deleted", "name": "old-mix"}),
        },
        {
            "revision": 9,
            "seq": 0,
            "event": log_json({"type": "override_put", "override": PLEX_PIN}),
        },
        {
            "revision": 10,
            "seq": 0,
            "event": log_json({"type": "override_put", "override": JELLYFIN_REJECT_TRACK}),
        },
        {
            "revision": 11,
            "seq": 0,
            "event": log_json({"type": "override_put", "override": JELLYFIN_REJECT_ITEM}),
        },
        {
            "revision": 12,
            "seq": 0,
            "event": log_json({"type": "override_put", "override": PLEX_PIN_DELETED}),
        },
        {
            "revision": 13,
            "seq": 0,
            "event": log_json({"type": "override_deleted", "override": PLEX_PIN_DELETED}),
        },
        {
            "revision": 14,
            "seq": 0,
            "event": log_json(
                {
                    "type": "setting",
                    "key": "LIVE_SEARCH_MAX_REQUESTS_PER_SYNC",
                    "value": "1000",
                    "origin": "default",
                    "mod_revision": 14,
                    "is_set": True,
                }
            ),
        },
    ],
    "config_match_overrides": [
        # ident: sha256 of [target, key] as JSON, keys sorted, no spaces (override_ident).
        _override_row(
            "4471c13654b308bf2b3c3b7ed63203576ef8bb273d8ff13916c8e98e1dedab3b",
            JELLYFIN_REJECT_ITEM,
        ),
        _override_row(
            "8ed9d9f9d2f6f60026e567112b5ac93085164bf445362a72469d08ce87063f7f",
            JELLYFIN_REJECT_TRACK,
        ),
        _override_row("cd3c111040d0bffe47f85d2604ba7f98f73d653227932cb8744a84a0a52f19ac", PLEX_PIN),
    ],
}

# ----- cache_svc -----------------------------------------------------------------------

# Every setting as cache_svc followed it (config_svc's snapshot: secrets withheld), with
# the revision that last set it.
FOLLOWED_VALUES = {
    "AUTO_ENABLE_LIBRARY_CACHE": ("true", 0),
    "CACHE_BUILD_LEASE_SECONDS": ("30", 0),
    "CACHE_BUILD_TIMEOUT_MINUTES": ("180", 0),
    "IMMEDIATE_CACHE_BUILD": ("true", 0),
    "JELLYFIN_CLIENT_ENABLED": ("true", 3),
    "JELLYFIN_LIBRARY_NAMES": ("", 0),
    "JELLYFIN_TOKEN": ("", 3),
    "JELLYFIN_URL": ("http://jellyfin.lan:8096", 3),
    "JELLYFIN_USER_ID": (JELLYFIN_USER, 3),
    "LIBRARY_CACHE_JELLYFIN_ENABLED": ("true", 3),
    "LIBRARY_CACHE_MEMORY_LIMIT_MB": ("1024", 0),
    "LIBRARY_CACHE_PLEX_ENABLED": ("true", 1),
    "LIBRARY_CACHE_REFRESH_HOURS": ("24", 0),
    "LISTENBRAINZ_TOKEN": ("", 0),
    "LIVE_SEARCH_MAX_REQUESTS_PER_SYNC": ("1000", 14),
    "MATCH_MIN_CONFIDENCE": ("0.8", 4),
    "MAX_PARALLEL_SYNCS": ("2", 0),
    "PLEX_CLIENT_ENABLED": ("true", 1),
    "PLEX_LIBRARY_NAMES": ("Music,Live", 2),
    "PLEX_TOKEN": ("", 1),
    "PLEX_URL": ("http://plex.lan:32400", 1),
    "SPOTIFY_CLIENT_ID": ("", 0),
    "SPOTIFY_CLIENT_SECRET": ("", 0),
    "SYNC_CACHE_WAIT_MINUTES": ("30", 0),
    "SYNC_RUN_LEASE_SECONDS": ("30", 0),
    "SYNC_RUN_TIMEOUT_MINUTES": ("60", 0),
    "TARGET_MAX_CONCURRENCY": ("4", 0),
    "TARGET_MAX_REQUESTS_PER_SECOND": ("20.0", 0),
    "TARGET_TIMEOUT_SECONDS": ("30.0", 0),
}
FOLLOWED_CONFIG = sorted_json(
    {
        "values": {key: value for key, (value, _) in FOLLOWED_VALUES.items()},
        "revisions": {key: revision for key, (_, revision) in FOLLOWED_VALUES.items()},
        "builder": True,
        "overrides": [JELLYFIN_REJECT_ITEM, JELLYFIN_REJECT_TRACK, PLEX_PIN],
    }
)

# The serving generations' images: Plex generation 2, Jellyfin generation 1.
PLEX_IMAGE = (IMAGES / "plex-generation-2.cmdarrix").read_bytes()
JELLYFIN_IMAGE = (IMAGES / "jellyfin-generation-1.cmdarrix").read_bytes()

# The tracks those images index (for the checks; the images are what is stored).
PLEX_TRACKS = {
    "101": ("Paranoid Android", "Radiohead", "OK Computer", "Music"),
    "102": ("Karma Police", "Radiohead", "OK Computer", "Music"),
    "103": ("Teardrop", "Massive Attack", "Mezzanine", "Live"),
}
PLEX_TRACK_MBID = "6e1c4b2a-0000-4000-8000-000000000101"  # the recording MBID of "101"
JELLYFIN_TRACKS = {
    "c0ffee00c0ffee00c0ffee00c0ffee01": ("Teardrop", "Massive Attack", "Mezzanine", "Music"),
    "c0ffee00c0ffee00c0ffee00c0ffee02": ("Angel", "Massive Attack", "Mezzanine", "Music"),
    "c0ffee00c0ffee00c0ffee00c0ffee03": ("Svefn-g-englar", "Sigur Rós", "Ágætis byrjun", "Music"),
}


def _cost(step: str, requests: int, size: int, seconds: float) -> dict[str, Any]:
    return {"step": step, "requests": requests, "bytes": size, "seconds": seconds}


PLEX_FULL_COSTS = [_cost("libraries", 1, 2048, 0.05), _cost("listing", 3, 1048576, 1.25)]
PLEX_REFRESH_COSTS = [_cost("delta", 2, 8192, 0.2), _cost("sweep", 2, 4096, 0.1)]
JELLYFIN_COSTS = [_cost("libraries", 2, 4096, 0.1), _cost("listing", 1, 65536, 0.5)]


def _build(
    target: str,
    mode: str,
    times: tuple[int, int],
    outcome: str,
    error: str,
    generation: int,
    tracks: int,
    requests: int,
    costs: list[dict[str, Any]] | None,
    build_id: int,
) -> Row:
    return {
        "id": build_id,
        "target": target,
        "mode": mode,
        "started_at": times[0],
        "finished_at": times[1],
        "outcome": outcome,
        "error": error,
        "generation": generation,
        "tracks": tracks,
        "requests": requests,
        "costs": plain_json(costs) if costs is not None else "",
    }


JELLYFIN_401 = "HTTP 401 from Jellyfin: check JELLYFIN_TOKEN"

CACHE: Tables = {
    "cache_follow_state": [{"id": 1, "applied_revision": 14, "config": FOLLOWED_CONFIG}],
    "cache_targets": [
        {
            "target": "jellyfin",
            "generation": 1,
            "built_at": 1767403200,
            "track_count": 3,
            "library_names": plain_json(["Music"]),
            "changes_since": 1767232800,
            "last_error": "",
            "pending": "",
            "pending_reason": "",
            "pending_id": 1,
            "requested": "",
            "format_version": 2,
            "checksum": "e7abece8f80126df308f6c0978e67b11",
            "build_costs": plain_json(JELLYFIN_COSTS),
        },
        {
            "target": "plex",
            "generation": 2,
            "built_at": 1767407400,
            "track_count": 3,
            "library_names": plain_json(["Music", "Live"]),
            "changes_since": 1767312000,
            "last_error": "",
            "pending": "",
            "pending_reason": "",
            "pending_id": 1,
            "requested": "",
            "format_version": 2,
            "checksum": "0730f5cc44a96145e66004769ef9b865",
            "build_costs": plain_json(PLEX_REFRESH_COSTS),
        },
    ],
    "cache_index_images": [
        {"target": "jellyfin", "generation": 1, "part": 0, "data": JELLYFIN_IMAGE},
        {"target": "plex", "generation": 2, "part": 0, "data": PLEX_IMAGE},
    ],
    "cache_leases": [
        {
            # The replica that built it died after activating, before letting it go.
            "target": "jellyfin",
            "holder": "replica-a",
            "expires_at": 1767404430.0,
            "heartbeat_at": 1767404400.0,
            "progress": plain_json(
                {
                    "full": True,
                    "started_at": 1767400200.0,
                    "phase": "activating",
                    "pages_done": 1,
                    "pages_total": 1,
                    "tracks_done": 3,
                    "tracks_total": 3,
                }
            ),
        },
        {
            "target": "plex",
            "holder": "",
            "expires_at": 0.0,
            "heartbeat_at": 1767406200.0,
            "progress": "",
        },
    ],
    "cache_builds": [
        _build("plex", "full", (1767399000, 1767400200), "ready", "", 1, 2, 4, PLEX_FULL_COSTS, 1),
        _build(
            "jellyfin", "full", (1767401400, 1767402000), "failed", JELLYFIN_401, 0, 0, 1, None, 2
        ),
        _build(
            "jellyfin", "full", (1767402600, 1767403800), "ready", "", 1, 3, 3, JELLYFIN_COSTS, 3
        ),
        _build(
            "plex",
            "build",
            (1767405000, 1767405600),
            "interrupted",
            "the service stopped during the build",
            0,
            0,
            0,
            None,
            4,
        ),
        _build(
            "plex", "build", (1767406800, 1767408000), "ready", "", 2, 3, 4, PLEX_REFRESH_COSTS, 5
        ),
    ],
}

# ----- sync_svc ------------------------------------------------------------------------

WEEKLY_RUN = "7d0f6a52-2f44-4a39-9d53-6f0e1b2c3d01"
ROAD_TRIP_RUN = "7d0f6a52-2f44-4a39-9d53-6f0e1b2c3d02"
DAILY_RUN = "7d0f6a52-2f44-4a39-9d53-6f0e1b2c3d03"
QUEUED_RUN = "7d0f6a52-2f44-4a39-9d53-6f0e1b2c3d04"
JELLYFIN_PLAYLIST = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
DAILY_PLAYLIST = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def _track(
    title: str,
    artists: list[str],
    album: str,
    duration_ms: int,
    mbid: str = "",
    isrc: str = "",
    artist_mbids: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "title": title,
        "artists": artists,
        "album": album,
        "duration_ms": duration_ms,
        "recording_mbid": mbid,
        "isrc": isrc,
        "artist_mbids": artist_mbids or [],
    }


def _candidate(
    item_id: str, title: str, artist: str, album: str, ms: int, confidence: float, library: str
) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "library": library,
        "title": title,
        "artist": artist,
        "album": album,
        "duration_ms": ms,
        "confidence": confidence,
    }


def _outcome(
    position: int,
    target: str,
    via: str,
    method: str,
    confidence: float,
    reason: str,
    match: dict[str, Any] | None = None,
    best: dict[str, Any] | None = None,
    authoritative: bool = False,
) -> dict[str, Any]:
    return {
        "position": position,
        "target": target,
        "via": via,
        "method": method,
        "confidence": confidence,
        "reason": reason,
        "match": match,
        "best": best,
        "authoritative": authoritative,
    }


def _result(
    target: str,
    playlist_id: str = "",
    added: int = 0,
    removed: int = 0,
    writes: int = 0,
    requests: dict[str, int] | None = None,
    matched: int = 0,
    unmatched: int = 0,
    warnings: list[str] | None = None,
    error: str = "",
    repeats: dict[str, list[int]] | None = None,
) -> dict[str, Any]:
    return {
        "target": target,
        "playlist_id": playlist_id,
        "added": added,
        "removed": removed,
        "writes": writes,
        "requests": requests or {},
        "matched": matched,
        "unmatched": unmatched,
        "warnings": warnings or [],
        "error": error,
        "repeats": repeats or {},
    }


def _spec(
    title: str,
    targets: list[str],
    tracks: list[dict[str, Any]],
    source_kind: str | None,
    source_ref: str,
    command: str,
) -> dict[str, Any]:
    return {
        "playlist_title": title,
        "targets": targets,
        "tracks": tracks,
        "source_kind": source_kind,
        "source_ref": source_ref,
        "command_name": command,
    }


def _report(
    run_id: str,
    spec: dict[str, Any],
    dry_run: bool,
    progress: tuple[str, str, int, int],
    times: tuple[float, float],
    targets: list[dict[str, Any]],
    outcomes: list[dict[str, Any]],
    error: str = "",
    trace_parent: str = "",
) -> dict[str, Any]:
    state, message, done, total = progress
    return {
        "run_id": run_id,
        "spec": spec,
        "dry_run": dry_run,
        "progress": {
            "state": state,
            "message": message,
            "tracks_done": done,
            "tracks_total": total,
        },
        "started_at": times[0],
        "finished_at": times[1],
        "targets": targets,
        "outcomes": outcomes,
        "error": error,
        "trace_parent": trace_parent,
    }


WEEKLY_SPEC = _spec(
    "Weekly Jams",
    ["plex", "jellyfin"],
    [
        _track("Paranoid Android", ["Radiohead"], "OK Computer", 386000, mbid=PLEX_TRACK_MBID),
        _track(
            "Karma Police",
            ["Radiohead"],
            "OK Computer",
            264000,
            mbid="1a2b3c4d-0000-4000-8000-00000000000a",
            isrc="GBAYE9700002",
        ),
        _track(
            "Teardrop (Live)",
            ["Massive Attack", "Elizabeth Fraser"],
            "",
            331000,
            artist_mbids=["10adbe5e-a2c0-4bf3-8249-2b4cbf6e6ca8"],
        ),
    ],
    "listenbrainz_playlist",
    "https://listenbrainz.org/playlist/5f3e1c2a-8b7d-4e6f-9a1b-2c3d4e5f6a7b",
    "weekly-jams",
)
ROAD_TRIP_SPEC = _spec(
    "Road Trip", ["plex"], [_track("Roads", ["Portishead"], "Dummy", 305000)], None, "", ""
)
DAILY_SPEC = _spec(
    "daily-mix", ["jellyfin"], [], "url", "https://mixes.example.org/daily.jspf", "daily-mix"
)
PLEX_401 = "Plex answered 401: check PLEX_TOKEN"
LAPSED = "interrupted: the sync service replica running it stopped answering"

WEEKLY_REPORT = _report(
    WEEKLY_RUN,
    WEEKLY_SPEC,
    False,
    ("succeeded", "done", 3, 3),
    (1767484800.0, 1767484830.0),
    [
        _result(
            "plex",
            "54321",
            added=2,
            removed=1,
            writes=2,
            requests={"search": 2, "playlist_write": 2},
            matched=2,
            unmatched=1,
            warnings=["1 track left out: not in the Plex libraries"],
            repeats={"101": [0, 3]},
        ),
        _result(
            "jellyfin",
            JELLYFIN_PLAYLIST,
            added=1,
            writes=1,
            requests={"playlist_write": 1},
            matched=1,
            unmatched=2,
        ),
    ],
    [
        _outcome(
            0,
            "plex",
            "cache",
            "mbid",
            1.0,
            "recording MBID",
            _candidate("101", "Paranoid Android", "Radiohead", "OK Computer", 387000, 1.0, "Music"),
        ),
        _outcome(
            1,
            "plex",
            "cache",
            "override",
            1.0,
            "pinned by user",
            _candidate("102", "Karma Police", "Radiohead", "OK Computer", 264000, 1.0, "Music"),
        ),
        _outcome(
            2,
            "plex",
            "unmatched",
            "none",
            0.0,
            "below the minimum confidence",
            best=_candidate("103", "Teardrop", "Massive Attack", "Mezzanine", 330000, 0.62, "Live"),
            authoritative=True,
        ),
        _outcome(
            0,
            "jellyfin",
            "live",
            "fuzzy",
            0.91,
            "fuzzy: title and artist",
            _candidate(
                "c0ffee00c0ffee00c0ffee00c0ffee04",
                "Paranoid Android",
                "Radiohead",
                "OK Computer",
                387000,
                0.91,
                "Music",
            ),
        ),
        _outcome(1, "jellyfin", "unmatched", "none", 0.0, "not found"),
        _outcome(
            2, "jellyfin", "unmatched", "override", 0.0, "rejected by user", authoritative=True
        ),
    ],
    trace_parent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
)
ROAD_TRIP_REPORT = _report(
    ROAD_TRIP_RUN,
    ROAD_TRIP_SPEC,
    True,
    ("failed", "Plex answered 401", 0, 1),
    (1767484860.0, 1767484890.0),
    [_result("plex", requests={"search": 1}, error=PLEX_401)],
    [],
    error=PLEX_401,
)
DAILY_REPORT = _report(
    DAILY_RUN,
    DAILY_SPEC,
    False,
    ("interrupted", LAPSED, 0, 0),
    (1767484920.0, 1767484960.0),
    [],
    [],
    error=LAPSED,
)
QUEUED_REPORT = _report(
    QUEUED_RUN, WEEKLY_SPEC, True, ("queued", "queued", 0, 0), (1767484980.0, 0.0), [], []
)


def _run(report: dict[str, Any], owner: str, heartbeat_at: float | None, playlist_key: str) -> Row:
    return {
        "run_id": report["run_id"],
        "command_name": report["spec"]["command_name"],
        "state": report["progress"]["state"],
        "dry_run": report["dry_run"],
        "started_at": report["started_at"],
        "finished_at": report["finished_at"],
        "report": plain_json(report),
        "owner": owner,
        "heartbeat_at": heartbeat_at,
        "lease_seconds": 30.0,
        "playlist_key": playlist_key,
    }


SYNC: Tables = {
    "sync_runs": [
        _run(WEEKLY_REPORT, "replica-a", 1767484830.0, "command:weekly-jams"),
        _run(ROAD_TRIP_REPORT, "replica-b", 1767484890.0, "title:Road Trip"),
        _run(DAILY_REPORT, "replica-c", 1767484921.0, "command:daily-mix"),
        _run(QUEUED_REPORT, "", None, "command:weekly-jams"),
    ],
    "sync_fired_slots": [
        {"command_name": "weekly-jams", "fire_time": 1767484800.0, "run_id": WEEKLY_RUN}
    ],
    "sync_managed_playlists": [
        {"managed_key": "command:daily-mix", "target": "jellyfin", "playlist_id": DAILY_PLAYLIST},
        {
            "managed_key": "command:weekly-jams",
            "target": "jellyfin",
            "playlist_id": JELLYFIN_PLAYLIST,
        },
        {"managed_key": "command:weekly-jams", "target": "plex", "playlist_id": "54321"},
        {"managed_key": "title:Road Trip", "target": "plex", "playlist_id": "54400"},
    ],
}

TABLES = {"config": CONFIG, "cache": CACHE, "sync": SYNC}
