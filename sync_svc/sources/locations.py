"""A track's description from nothing but its file location, as M3U and XSPF allow."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
TRACK_NUMBER = re.compile(r"^\d{1,3}$")


def title_from_location(location: str) -> tuple[str, str]:
    """``(title, artist)`` from ``.../Artist - Title.mp3``; the artist is "" without " - "."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", location):
        # Split before decoding: "AC%2FDC - Back in Black.flac" is one file name.
        name = unquote(urlsplit(location.strip()).path.rsplit("/", 1)[-1])
    else:
        name = re.split(r"[\\/]", location.strip())[-1]
    stem = EXTENSION.sub("", name).strip()
    parts = [part.strip() for part in stem.split(" - ")]
    if len(parts) > 1 and TRACK_NUMBER.match(parts[0]):
        parts = parts[1:]  # "01 - Artist - Title": the number is no artist
    if len(parts) == 1:
        return parts[0], ""
    return " - ".join(parts[1:]), parts[0]


def split_artist_title(info: str) -> tuple[str, str]:
    """``(title, artist)`` from ``Artist - Title``; title only when there is no " - "."""
    artist, sep, title = info.partition(" - ")
    if not sep or not title.strip():
        return info.strip(), ""
    return title.strip(), artist.strip()
