"""M3U and M3U8: path lines, optionally described by ``#EXTINF:<secs>,Artist - Title``.

Extended tags read: ``#PLAYLIST:`` (title), ``#EXTALB:`` and ``#EXTART:`` (album and
artist of the next entry). Every other ``#`` line is a comment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sync_svc.sources.locations import split_artist_title, title_from_location
from sync_svc.sources.playlist import SourcePlaylist, SourceTrack
from sync_svc.sources.problems import at_line, check_count


@dataclass
class Pending:
    """What the tags before a path line said about that entry."""

    line: int = 0
    info: str | None = None
    duration_ms: int = 0
    album: str = ""
    artist: str = ""


def parse_m3u(
    text: str, *, origin: str, max_tracks: int, default_title: str = ""
) -> SourcePlaylist:
    """Parse M3U text; bad input raises InvalidArgument naming the line."""
    title = default_title
    tracks: list[SourceTrack] = []
    pending = Pending()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        upper = line.upper()
        if upper.startswith("#EXTINF:"):
            if pending.info is not None:
                raise at_line(number, f"#EXTINF follows the #EXTINF of line {pending.line}")
            pending.line = number
            pending.duration_ms, pending.info = extinf(line[len("#EXTINF:") :], number)
        elif upper.startswith("#PLAYLIST:"):
            title = line[len("#PLAYLIST:") :].strip() or title
        elif upper.startswith("#EXTALB:"):
            pending.album = line[len("#EXTALB:") :].strip()
        elif upper.startswith("#EXTART:"):
            pending.artist = line[len("#EXTART:") :].strip()
        elif line.startswith("#"):
            continue
        else:
            tracks.append(entry(pending, line, number))
            check_count(len(tracks), max_tracks)
            pending = Pending()
    if pending.info is not None:
        raise at_line(pending.line, "#EXTINF is not followed by a path")
    return SourcePlaylist(title=title, tracks=tuple(tracks), origin=origin)


def extinf(rest: str, number: int) -> tuple[int, str]:
    """``<secs>[ attributes],<info>`` to (duration in ms, info); -1 seconds means unknown."""
    head, comma, info = rest.partition(",")
    if not comma:
        raise at_line(number, "#EXTINF has no comma before the title")
    words = head.split()
    if not words:
        raise at_line(number, "#EXTINF has no duration")
    try:
        seconds = float(words[0])
    except ValueError:
        raise at_line(number, f"#EXTINF duration '{words[0]}' is not a number") from None
    if not math.isfinite(seconds) or seconds > 10**7:
        raise at_line(number, f"#EXTINF duration '{words[0]}' is out of range")
    return (round(seconds * 1000) if seconds > 0 else 0), info.strip()


def entry(pending: Pending, location: str, number: int) -> SourceTrack:
    if pending.info:
        title, artist = split_artist_title(pending.info)
    else:
        title, artist = title_from_location(location)
    if not title:
        raise at_line(number, "the entry has no title and its path no file name")
    artist = artist or pending.artist
    return SourceTrack(
        title=title,
        artists=(artist,) if artist else (),
        album=pending.album,
        duration_ms=pending.duration_ms,
    )
