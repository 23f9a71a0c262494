"""One replica per SQLite database: an exclusive lock on a file beside the database.

SQLite is the embedded store of one process. Two replicas on one file would each keep
state the other cannot see (caches, runs, watch feeds), so the second is refused at start.
The lock is ``flock`` (non-blocking) on ``<database>.lock``, held for the life of the
process's Database and released by ``close`` (or by the operating system when the
process dies, so a killed replica never leaves a stale lock behind). ``flock`` locks
belong to the open file, so a second start inside the same process is refused too.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class ReplicaRefused(RuntimeError):
    """Another replica already uses this SQLite database."""


def lock_path_of(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def refusal(service: str, database: Path) -> str:
    return (
        f"another {service} replica already uses {database}; SQLite serves one replica:"
        " use PostgreSQL (CMDARR_DATABASE_URL) for more"
    )


class SingleReplicaLock:
    """The held lock; ``release`` is idempotent."""

    def __init__(self, fd: int, path: Path) -> None:
        self._fd: int | None = fd
        self.path = path

    @classmethod
    def acquire(cls, service: str, database: Path) -> SingleReplicaLock:
        """Take the lock or raise ReplicaRefused (never waits)."""
        path = lock_path_of(database)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ReplicaRefused(refusal(service, database)) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return cls(fd, path)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
