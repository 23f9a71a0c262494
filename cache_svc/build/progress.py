"""A running build's progress: updated in place by the build, read by the status, published
to the other replicas in the lease row and carried back from the build worker."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field


class Phase(enum.Enum):
    LISTING_LIBRARIES = "listing_libraries"
    FETCHING_TRACKS = "fetching_tracks"
    INDEXING = "indexing"
    ACTIVATING = "activating"


@dataclass
class BuildProgress:
    """A running build's progress, updated in place and read by status watchers."""

    full: bool
    started_at: float  # by the service's clock: the ETA and the next refresh's start use it
    phase: Phase = Phase.LISTING_LIBRARIES
    pages_done: int = 0
    pages_total: int = 0
    tracks_done: int = 0
    tracks_total: int = 0
    _per_library: dict[str, tuple[int, int]] = field(default_factory=dict)
    _pages_per_library: dict[str, int] = field(default_factory=dict)

    def library_progress(self, library: str, done: int, total: int) -> None:
        self._per_library[library] = (done, total)
        self.tracks_done = sum(d for d, _ in self._per_library.values())
        self.tracks_total = sum(t for _, t in self._per_library.values())

    def library_pages(self, library: str, pages: int) -> None:
        """The pages one library's listing takes, once its total is known."""
        self._pages_per_library[library] = pages
        self.pages_total = sum(self._pages_per_library.values())

    def to_json(self) -> str:
        """What other replicas show of this build (the lease row carries it)."""
        return json.dumps(
            {
                "full": self.full,
                "started_at": self.started_at,
                "phase": self.phase.value,
                "pages_done": self.pages_done,
                "pages_total": self.pages_total,
                "tracks_done": self.tracks_done,
                "tracks_total": self.tracks_total,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> BuildProgress | None:
        """A progress published by another replica; None when there is none (yet)."""
        if not text:
            return None
        data = json.loads(text)
        return cls(
            full=bool(data["full"]),
            started_at=float(data["started_at"]),
            phase=Phase(data["phase"]),
            pages_done=int(data["pages_done"]),
            pages_total=int(data["pages_total"]),
            tracks_done=int(data["tracks_done"]),
            tracks_total=int(data["tracks_total"]),
        )

    def eta_seconds(self, now: float) -> float:
        """Seconds left at the rate so far; 0 when unknown."""
        elapsed = now - self.started_at
        if self.tracks_done <= 0 or self.tracks_total <= self.tracks_done or elapsed <= 0:
            return 0.0
        return (self.tracks_total - self.tracks_done) * elapsed / self.tracks_done
