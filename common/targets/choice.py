"""Which libraries to use: configured names, else every music library; never audiobooks
unless named, never a library that is not music."""

from __future__ import annotations

import re
from collections.abc import Sequence

from common.targets.items import LibraryChoice, SkippedLibrary, TargetLibrary

_AUDIOBOOK_AGENT = re.compile(r"(?i)audio\s*books?|audnex|audible|bookplayer")
_AUDIOBOOK_TITLE = re.compile(
    r"(?i)\baudio\s*-?\s*books?\b|\bh(ö|oe?)rb(u|ü|ue)ch(er)?\b|\blivres?\s+audio\b|\bspoken\s+word\b"
)


def looks_like_audiobooks(title: str, agent: str = "", kind: str = "") -> bool:
    """A music-typed library that holds audiobooks, judged by its agent, title or type."""
    return (
        kind.lower() in ("books", "audiobooks")
        or bool(_AUDIOBOOK_AGENT.search(agent))
        or bool(_AUDIOBOOK_TITLE.search(title))
    )


def choose_libraries(
    libraries: Sequence[TargetLibrary], names: Sequence[str] = ()
) -> LibraryChoice:
    """Pick by configured names (case-insensitive) when given, else every music library
    that is not an audiobook library. A named library that is not music is still skipped."""
    wanted = {name.strip().casefold(): name for name in names if name.strip()}
    chosen: list[TargetLibrary] = []
    skipped: list[SkippedLibrary] = []
    found: set[str] = set()
    for library in libraries:
        folded = library.title.strip().casefold()
        if wanted:
            if folded not in wanted:
                skipped.append(SkippedLibrary(library, "not among the configured libraries"))
                continue
            found.add(folded)
            if not library.is_music:
                skipped.append(SkippedLibrary(library, f"not a music library ({library.kind})"))
                continue
            chosen.append(library)
            continue
        if not library.is_music:
            skipped.append(SkippedLibrary(library, f"not a music library ({library.kind})"))
        elif library.is_audiobook:
            skipped.append(SkippedLibrary(library, "audiobook library (name it to include it)"))
        else:
            chosen.append(library)
    missing = tuple(name for folded, name in wanted.items() if folded not in found)
    return LibraryChoice(chosen=tuple(chosen), skipped=tuple(skipped), missing=missing)
