"""The catalog the emulator processes serve in whole-stack tests (bench.processes.emulators
with these TRACKS and SEED), and playlists drawn from it."""

from __future__ import annotations

import json
from pathlib import Path

from emulators.library import generate

TRACKS = 4000
SEED = 5
TOKEN = "emulated-plex-token"


def write_jspf(path: Path, count: int) -> None:
    """A JSPF playlist of ``count`` tracks of the catalog, every seventh one."""
    catalog = generate(seed=SEED, tracks=TRACKS)
    music = [t for s in catalog.sections if s.kind == "music" for t in s.tracks][::7][:count]
    tracks = [
        {
            "title": t.title,
            "creator": (t.credit or t.album_artist).split(" feat. ")[0],
            "duration": t.duration_ms,
        }
        for t in music
    ]
    path.write_text(json.dumps({"playlist": {"title": "Daily", "track": tracks}}))
