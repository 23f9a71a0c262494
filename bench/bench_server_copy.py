"""A 2,000-track Plex playlist copied to Jellyfin when both hold the same 20,000-track
library under different roots, some files retagged on Jellyfin so that tags alone lose
tracks or name wrong ones (bench/server_copy.py): tracks copied, lost and picked wrong
(aims: none lost, none wrong), the requests each server answered during the run, and what
the same matcher does by tags alone. ``python -m bench server-copy`` runs it alone."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.report import Result
from bench.server_copy import copy_playlist

LIBRARY = 20_000
SIZE = 2_000


async def run() -> Result:
    result = Result("server playlist copy (Plex to Jellyfin, matched by path)")
    with tempfile.TemporaryDirectory() as tmp:
        copied = await copy_playlist(Path(tmp), library=LIBRARY, size=SIZE)
    f = result.figures
    f["library tracks (each server)"] = LIBRARY
    f["playlist tracks"] = copied.tracks
    f["tracks copied"] = copied.copied
    f["tracks lost"] = copied.lost
    f["wrong picks"] = copied.wrong
    f["requests: Plex (source read)"] = copied.plex_requests
    f["requests: Jellyfin (match and write)"] = copied.jellyfin_requests
    f["seconds"] = round(copied.seconds, 2)
    f["cover copied"] = "yes" if copied.cover_set else "no"
    f["by tags alone: lost"] = copied.tags_only_lost
    f["by tags alone: wrong picks"] = copied.tags_only_wrong
    result.aims = {"no track lost": "0 lost", "no wrong pick": "0 wrong picks"}
    result.met = {"no track lost": copied.lost == 0, "no wrong pick": copied.wrong == 0}
    result.chart_unit = "tracks"
    result.chart = {
        "lost (by path)": float(copied.lost),
        "wrong (by path)": float(copied.wrong),
        "lost (tags alone)": float(copied.tags_only_lost),
        "wrong (tags alone)": float(copied.tags_only_wrong),
    }
    return result
