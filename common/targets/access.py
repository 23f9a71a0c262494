"""What one user can see on one server, and the matched items that are theirs to receive.

Both servers let a user see some libraries only (Plex: the sections shared with them;
Jellyfin: ``EnableAllFolders`` or ``EnabledFolders``). A playlist for a user must hold no
item of another library: Plex's answer to one is unverified and Jellyfin stores it anyway
(docs/TARGETS.md, Users and households), so the writer filters first, by this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from common.targets.items import TargetLibrary

T = TypeVar("T")


@dataclass(frozen=True)
class LibraryAccess:
    """The libraries ``user`` (a display name) sees, as their own listing returned them."""

    user: str
    libraries: tuple[TargetLibrary, ...]

    @property
    def library_ids(self) -> frozenset[str]:
        return frozenset(lib.library_id for lib in self.libraries)

    @property
    def titles(self) -> frozenset[str]:
        return frozenset(lib.title for lib in self.libraries)

    def allows_id(self, library_id: str) -> bool:
        return library_id in self.library_ids

    def allows_title(self, title: str) -> bool:
        """By title: what the library cache's items carry (``LibraryTrack.library``)."""
        return title in self.titles

    @property
    def reason(self) -> str:
        """Why an item is left out for this user, as the report says it."""
        return f"not in {self.user}'s libraries"


@dataclass(frozen=True)
class Withheld(Generic[T]):
    """An item a user will not receive, and why."""

    item: T
    reason: str


def split_by_access(
    items: Iterable[T],
    access: LibraryAccess,
    *,
    library_title: Callable[[T], str] | None = None,
    library_id: Callable[[T], str] | None = None,
) -> tuple[list[T], list[Withheld[T]]]:
    """``items`` the user may receive, in order, and the others with the reason. Name each
    item's library by title (the cache's items) or by id (a server listing's): one of the
    two."""
    if (library_title is None) == (library_id is None):
        raise ValueError("give library_title or library_id, not both")

    def allowed(item: T) -> bool:
        if library_title is not None:
            return access.allows_title(library_title(item))
        assert library_id is not None
        return access.allows_id(library_id(item))

    kept: list[T] = []
    withheld: list[Withheld[T]] = []
    for item in items:
        if allowed(item):
            kept.append(item)
        else:
            withheld.append(Withheld(item, access.reason))
    return kept, withheld
