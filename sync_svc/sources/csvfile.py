"""CSV (or semicolon / tab separated) with a header row naming the columns.

Column names are matched ignoring case, spaces and punctuation, so exports such as
Exportify's ("Track Name", "Artist Name(s)", "Duration (ms)") read as they are.
"""

from __future__ import annotations

import csv
import re

from sync_svc.sources.playlist import SourcePlaylist, SourceTrack
from sync_svc.sources.problems import at_line, check_count

DELIMITERS = (",", ";", "\t")
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "track", "name", "trackname", "tracktitle", "song"),
    "artist": ("artist", "artists", "creator", "artistname", "artistnames"),
    "album": ("album", "albumname", "albumtitle"),
    "duration_ms": ("duration", "durationms"),
    "length": ("length", "lengthseconds", "durationseconds", "durations"),
    "mbid": ("mbid", "recordingmbid", "musicbrainzrecordingid"),
    "isrc": ("isrc",),
}
ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")
MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def parse_csv(
    text: str, *, origin: str, max_tracks: int, default_title: str = ""
) -> SourcePlaylist:
    """Parse delimited text with a header; bad input raises InvalidArgument naming the line."""
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), "")
    if not header_line:
        return SourcePlaylist(title=default_title, tracks=(), origin=origin)
    delimiter = max(DELIMITERS, key=header_line.count)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        first = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if first is None:  # only delimiters: no header, no tracks
            return SourcePlaylist(title=default_title, tracks=(), origin=origin)
        columns = header(first, reader.line_num)
        tracks: list[SourceTrack] = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            tracks.append(track(row, columns, reader.line_num))
            check_count(len(tracks), max_tracks)
    except csv.Error as exc:
        raise at_line(reader.line_num, f"not valid CSV: {exc}") from None
    return SourcePlaylist(title=default_title, tracks=tuple(tracks), origin=origin)


def header(row: list[str], number: int) -> dict[str, int]:
    """Which cell holds what: the first column matching each known name wins."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(row):
        key = re.sub(r"[^a-z0-9]", "", cell.casefold())
        for meaning, names in COLUMNS.items():
            if key in names and meaning not in columns:
                columns[meaning] = index
    if "title" not in columns:
        raise at_line(number, "the header has no title column (title, track or name)")
    return columns


def track(row: list[str], columns: dict[str, int], number: int) -> SourceTrack:
    def cell(meaning: str) -> str:
        index = columns.get(meaning)
        return row[index].strip() if index is not None and index < len(row) else ""

    title = cell("title")
    if not title:
        raise at_line(number, "the title is empty")
    artist = cell("artist")
    mbid = cell("mbid").lower()
    if mbid and not MBID.match(mbid):
        raise at_line(number, f"mbid '{mbid}' is not a MusicBrainz id")
    isrc = cell("isrc").upper().replace("-", "")
    if isrc and not ISRC.match(isrc):
        raise at_line(number, f"isrc '{cell('isrc')}' is not an ISRC")
    return SourceTrack(
        title=title,
        artists=(artist,) if artist else (),
        album=cell("album"),
        duration_ms=duration(cell("duration_ms"), cell("length"), number),
        recording_mbid=mbid,
        isrc=isrc,
    )


def duration(milliseconds: str, length: str, number: int) -> int:
    if milliseconds:
        try:
            value = float(milliseconds)
        except ValueError:
            raise at_line(number, f"duration '{milliseconds}' is not milliseconds") from None
        if not 0 <= value < 10**10:
            raise at_line(number, f"duration '{milliseconds}' is out of range")
        return round(value)
    if not length:
        return 0
    if not re.fullmatch(r"\d+(\.\d+)?|\d+(:[0-5]\d){1,2}", length):
        raise at_line(number, f"length '{length}' is neither seconds nor m:ss")
    seconds = 0.0
    for part in length.split(":"):
        seconds = seconds * 60 + float(part)
    return round(seconds * 1000)
