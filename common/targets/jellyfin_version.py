"""Which Jellyfin versions the client's requests work on, decided from the ``Version`` of
``/System/Info/Public`` (pure; see docs/TARGETS.md).

- 10.9.0 is the minimum: ``GET /UserViews`` (jellyfin/jellyfin v10.9.0,
  Jellyfin.Api/Controllers/UserViewsController.cs, GetUserViews) and ``POST
  /Playlists/{id}`` (v10.9.0, Jellyfin.Api/Controllers/PlaylistsController.cs,
  UpdatePlaylist) are absent from 10.8.13.
- ``minDateLastSaved`` filters from 10.11.0 on (v10.11.0,
  Jellyfin.Server.Implementations/Item/BaseItemRepository.cs, TranslateQuery). Before,
  SqliteItemRepository.GetWhereClauses (v10.8.13 to v10.10.7) writes
  ``DateLastSaved>=@MinDateLastSavedForUser`` but binds ``@MinDateLastSaved``: 10.9 and
  10.10 (Microsoft.Data.Sqlite) fail the request, 10.8 matches nothing.
- Repeats in a playlist are kept from 12.0 on (jellyfin commit dc300fae53, "Allow
  duplicate LinkedChildren for Playlists"): 10.9 drops them unless
  ``playlists:allowDuplicates`` is set, 10.10 and 10.11 always drop them
  (PlaylistManager.AddToPlaylistInternal).
"""

from __future__ import annotations

from common.targets.errors import TargetUnsupportedVersion

Version = tuple[int, ...]

MINIMUM_VERSION: Version = (10, 9, 0)
SAVED_FILTER_VERSION: Version = (10, 11, 0)
REPEATS_KEPT_VERSION: Version = (12, 0)


def parse_version(text: str) -> Version | None:
    """``"10.11.11"`` -> (10, 11, 11); the numeric parts before any other (``"10.9.0-rc1"``
    -> (10, 9)). None when it does not start with a major and a minor number."""
    parts: list[int] = []
    for part in text.strip().split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts) if len(parts) >= 2 else None


def dotted(version: Version) -> str:
    return ".".join(str(part) for part in version)


def check_supported(text: str) -> Version | None:
    """The parsed version, or TargetUnsupportedVersion for one older than the minimum. A
    version that cannot be read is let through (None): the requests themselves will say."""
    version = parse_version(text)
    if version is not None and version < MINIMUM_VERSION:
        minimum = dotted(MINIMUM_VERSION)
        raise TargetUnsupportedVersion(
            f"Jellyfin {text.strip()} is too old: cmdarr needs {minimum} or later"
            f" (/UserViews, which lists the libraries, came with {minimum})."
            " Upgrade the Jellyfin server.",
            version=text.strip(),
            minimum=minimum,
        )
    return version


def saved_filter_works(version: Version | None) -> bool:
    """Whether ``minDateLastSaved`` lists what was saved since (10.11.0 on). An unreadable
    version is taken for a current one."""
    return version is None or version >= SAVED_FILTER_VERSION


def keeps_repeats(version: Version | None) -> bool:
    """Whether a server of ``version`` keeps an item more than once in a playlist. An
    unreadable version counts as dropping: leaving repeats out settles on either kind."""
    return version is not None and version >= REPEATS_KEPT_VERSION
