"""The key file: created once, atomically and owner-only; replaced atomically on rotation.

Every function here blocks (file system calls on a few bytes): services call them through
``asyncio.to_thread``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from common.auth.keys import new_key

FILE_NAME = "api-key"


class KeyFileError(OSError):
    """The key file exists but cannot be used."""


def key_path(environ: Mapping[str, str]) -> tuple[Path, bool]:
    """Where the key is kept, and whether the operator named the file (CMDARR_API_KEY_FILE,
    e.g. a mounted Kubernetes Secret: never generated) or it is the generated one in the
    shared data directory."""
    given = environ.get("CMDARR_API_KEY_FILE", "").strip()
    if given:
        return Path(given), True
    return Path(environ.get("CMDARR_DATA_DIR", "./data")) / FILE_NAME, False


@dataclass(frozen=True)
class Signature:
    """What changes when the file is replaced (a new inode, a new mtime or size)."""

    inode: int
    mtime_ns: int
    size: int


def signature(path: Path) -> Signature | None:
    try:
        st = path.stat()  # follows symlinks: a Secret volume swaps its ..data link
    except FileNotFoundError:
        return None
    return Signature(st.st_ino, st.st_mtime_ns, st.st_size)


def read_key(path: Path) -> str | None:
    """The key in ``path``; None when there is no file; KeyFileError when it is empty."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(
            f"cannot read the API key file {path}: {exc.__class__.__name__}"
        ) from None
    if not text:
        raise KeyFileError(f"the API key file {path} is empty")
    return text


def _staged(path: Path, key: str) -> Path:
    """A temporary owner-only file next to ``path`` holding ``key``, flushed to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (key + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return Path(name)


def create_once(path: Path) -> tuple[str, bool]:
    """The key in ``path``, generating it first when there is none. A hard link publishes
    the complete file or fails when one exists, so replicas starting together agree on the
    first key written. Returns (key, whether this call created it)."""
    existing = read_key(path)
    if existing is not None:
        return existing, False
    staged = _staged(path, new_key())
    try:
        os.link(staged, path)
        created = True
    except FileExistsError:
        created = False
    finally:
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()
    key = read_key(path)
    if key is None:  # pragma: no cover - removed between link and read
        raise KeyFileError(f"the API key file {path} vanished while it was created")
    return key, created


def replace_key(path: Path) -> None:
    """Rotation: a new key replaces the file in one rename (readers see old or new)."""
    staged = _staged(path, new_key())
    try:
        os.replace(staged, path)
    except OSError:
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()
        raise
