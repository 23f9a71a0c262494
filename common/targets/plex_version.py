"""Which Plex Media Server versions the client's requests work on: pure decisions.

The oldest server the requests need is 1.24.3.5033, the release that added
``includeGuids`` to listings (python-plexapi pull request 831, 2021-09, citing the release
notes at forums.plex.tv/t/plex-media-server/30447/462; plexapi sends it from 4.7.2 on:
plexapi 4.16.1, plexapi/library.py ``LibrarySection._buildSearchKey``). Before it, ``/all``
had no way to include ``Guid`` elements (plexapi issue 808, a maintainer, 2021-08), so a
listing from an older server carries no MusicBrainz id and a library cache built on it
would match by text alone, with nothing to say so. The client's other parameters are
older: ``>>=``/``<<=`` are in the filter catalogues of 2019-2021 servers (plexapi issues 392
and 595), and ``excludeFields`` only trims bytes (plexapi 4.16.1 sends it too,
plexapi/base.py ``PlexPartialObject._EXCLUDES``).
"""

from __future__ import annotations

MINIMUM_PLEX_VERSION = "1.24.3.5033"


def parse_plex_version(text: str) -> tuple[int, ...] | None:
    """``"1.24.3.5033-757abe6b4"`` -> ``(1, 24, 3, 5033)``: the dotted numbers before the
    build hash. None when the text does not start with them (nothing to judge by)."""
    head = text.strip().split("-", 1)[0]
    parts = head.split(".")
    if not head or not all(part.isdigit() for part in parts):
        return None
    return tuple(int(part) for part in parts)


def plex_version_too_old(version: str, minimum: str = MINIMUM_PLEX_VERSION) -> bool:
    """Whether ``version`` is older than ``minimum``. A version that cannot be read is not
    refused: the server is then judged by its answers, as before any check."""
    found = parse_plex_version(version)
    needed = parse_plex_version(minimum)
    if found is None or needed is None:
        return False
    width = max(len(found), len(needed))
    return found + (0,) * (width - len(found)) < needed + (0,) * (width - len(needed))
