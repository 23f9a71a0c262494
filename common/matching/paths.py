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


class PathKeys:
    """``path_key`` of many paths, each folder's part worked out once: an album's tracks
    share their folder and differ in their file names. Composing and case folding act on
    each component alone (``/`` composes with nothing), so a key is ``path_key``'s."""

    def __init__(self, limit: int) -> None:
        self._folders: dict[str, tuple[str, ...]] = {}
        self._limit = limit  # folders remembered at most

    def key(self, path: str) -> str:
        folder, _, name = path.replace("\\", "/").rpartition("/")
        name = unicodedata.normalize("NFC", name).casefold()
        if not name.strip() or name in (".", ".."):
            return path_key(path)  # the last component is in the folder
        tail = self._folders.get(folder)
        if tail is None:
            if len(self._folders) >= self._limit:
                self._folders.clear()
            text = unicodedata.normalize("NFC", folder).casefold()
            parts = [part for part in text.split("/") if part.strip() and part not in (".", "..")]
            tail = self._folders[folder] = tuple(p.strip() for p in parts[1 - PATH_COMPONENTS :])
        if len(tail) < PATH_COMPONENTS - 1:
            return ""
        return "/".join((*tail, name.strip()))
