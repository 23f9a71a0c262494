"""Which parser reads a document: by content type, then file extension, then content."""

from __future__ import annotations

import enum
import re
from pathlib import PurePosixPath

from sync_svc.sources.csvfile import parse_csv
from sync_svc.sources.jspf import parse_jspf
from sync_svc.sources.m3u import parse_m3u
from sync_svc.sources.playlist import SourcePlaylist
from sync_svc.sources.problems import invalid
from sync_svc.sources.text import decode
from sync_svc.sources.xspf import parse_xspf


class PlaylistFormat(enum.Enum):
    JSPF = "jspf"
    XSPF = "xspf"
    M3U = "m3u"
    M3U8 = "m3u8"
    CSV = "csv"


EXTENSIONS = {
    ".jspf": PlaylistFormat.JSPF,
    ".json": PlaylistFormat.JSPF,
    ".xspf": PlaylistFormat.XSPF,
    ".xml": PlaylistFormat.XSPF,
    ".m3u": PlaylistFormat.M3U,
    ".m3u8": PlaylistFormat.M3U8,
    ".csv": PlaylistFormat.CSV,
    ".tsv": PlaylistFormat.CSV,
}
CONTENT_TYPES = {
    "application/jspf+json": PlaylistFormat.JSPF,
    "application/json": PlaylistFormat.JSPF,
    "application/xspf+xml": PlaylistFormat.XSPF,
    "application/xml": PlaylistFormat.XSPF,
    "text/xml": PlaylistFormat.XSPF,
    "audio/x-mpegurl": PlaylistFormat.M3U,
    "audio/mpegurl": PlaylistFormat.M3U,
    "application/x-mpegurl": PlaylistFormat.M3U8,
    "application/vnd.apple.mpegurl": PlaylistFormat.M3U8,
    "text/csv": PlaylistFormat.CSV,
    "text/tab-separated-values": PlaylistFormat.CSV,
}
NAMES = ", ".join(sorted({f.value.upper() for f in PlaylistFormat} - {"M3U8"}))


def detect_format(data: bytes, *, name: str = "", content_type: str = "") -> PlaylistFormat:
    """The format of ``data``; ``name`` is a file name or URL path, both optional."""
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type in CONTENT_TYPES:
        return CONTENT_TYPES[media_type]
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    found = sniff(data)
    if found is None:
        raise invalid(f"the content is none of {NAMES}")
    return found


def sniff(data: bytes) -> PlaylistFormat | None:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return PlaylistFormat.JSPF
    if head.startswith(b"<"):
        return PlaylistFormat.XSPF
    if head[:7].upper() == b"#EXTM3U":
        return PlaylistFormat.M3U8
    first = head.split(b"\n", 1)[0].lower()
    if re.search(rb"(^|[,;\t\"])\s*(title|track|name|track name)\s*(\"|[,;\t]|$)", first):
        return PlaylistFormat.CSV
    return None


def parse_playlist(
    data: bytes,
    *,
    where: str,
    max_tracks: int,
    name: str = "",
    content_type: str = "",
    default_title: str = "",
) -> SourcePlaylist:
    """Detect the format of ``data`` and parse it; bad input raises InvalidArgument.

    ``where`` says where the bytes came from ("file /x/y.jspf"); the playlist's origin is
    that, preceded by the format ("JSPF file /x/y.jspf").
    """
    found = detect_format(data, name=name, content_type=content_type)
    origin = f"{found.value.upper()} {where}"
    if found is PlaylistFormat.JSPF:
        return parse_jspf(data, origin=origin, max_tracks=max_tracks, default_title=default_title)
    if found is PlaylistFormat.XSPF:
        return parse_xspf(data, origin=origin, max_tracks=max_tracks, default_title=default_title)
    text = decode(data, legacy_fallback=found is PlaylistFormat.M3U)
    if found is PlaylistFormat.CSV:
        return parse_csv(text, origin=origin, max_tracks=max_tracks, default_title=default_title)
    return parse_m3u(text, origin=origin, max_tracks=max_tracks, default_title=default_title)
