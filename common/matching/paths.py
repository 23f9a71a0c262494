"""A file's path as evidence: two servers that index the same files under different roots
(``/data/music/...`` on one, ``/media/music/...`` on the other) agree on its last three
components, the artist folder, the album folder and the file name. Pure."""

from __future__ import annotations

import unicodedata

PATH_COMPONENTS = 3  # artist folder, album folder, file name


def path_key(path: str) -> str:
    """The last three components of ``path``, separators made ``/`` (Windows and POSIX
    paths alike), Unicode composed (macOS file systems decompose accents) and case folded;
    "" when the path has fewer components, which would not name one file."""
    if not path:
        return ""
    text = unicodedata.normalize("NFC", path.replace("\\", "/")).casefold()
    parts = [part for part in text.split("/") if part.strip() and part not in (".", "..")]
    if len(parts) < PATH_COMPONENTS:
        return ""
    return "/".join(part.strip() for part in parts[-PATH_COMPONENTS:])
