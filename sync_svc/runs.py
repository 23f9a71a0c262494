"""A sync run's vocabulary: what to sync, and what happened to every track and target."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import NamedTuple

from common.domain import (
    Destination,
    SourceKind,
    SyncMode,
    Target,
    servers_among,
    targets_among,
)
from common.matching import MatchMethod
from sync_svc.cover import Cover, CoverProblem


class RunState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"

    @property
    def finished(self) -> bool:
        return self in (RunState.SUCCEEDED, RunState.FAILED, RunState.INTERRUPTED)


class Via(enum.Enum):
    CACHE = "cache"
    LIVE = "live"
    UNMATCHED = "unmatched"


@dataclass(frozen=True)
class Track:
    """A playlist track as the source gave it."""

    title: str
    artists: tuple[str, ...] = ()
    album: str = ""
    duration_ms: int = 0
    recording_mbid: str = ""
    isrc: str = ""
    artist_mbids: tuple[str, ...] = ()  # MusicBrainz ids of the credited artists
    release_group_mbid: str = ""  # the MusicBrainz release group (Lidarr's album), when given
    path: str = ""  # the file's path, when the source is a server's playlist


class SourceRead(NamedTuple):
    """What a run reads of its source: the title and tracks, and what the playlist is to
    look like (the source's description, its picture's URL; "" when it has none). A source
    whose picture is read with credentials (a server's playlist) hands over the ``cover``
    it read instead of a URL."""

    title: str
    tracks: list[Track]
    description: str = ""
    image_url: str = ""
    cover: Cover | CoverProblem | None = None


@dataclass(frozen=True)
class Spec:
    """What one run syncs: a title, where the tracks come from, and where it writes."""

    playlist_title: str
    destinations: tuple[Destination, ...]
    tracks: tuple[Track, ...] = ()
    source_kind: SourceKind | None = None
    source_ref: str = ""
    command_name: str = ""
    mode: SyncMode = SyncMode.MIRROR
    sync_note: bool = True  # the description's "Synced by cmdarr ..." line

    @property
    def targets(self) -> tuple[Target, ...]:
        return targets_among(self.destinations)

    @property
    def servers(self) -> tuple[str, ...]:
        return servers_among(self.destinations)

    @property
    def managed_key(self) -> str:
        """Which managed playlist this is: the command, or the title for inline specs."""
        return (
            f"command:{self.command_name}" if self.command_name else f"title:{self.playlist_title}"
        )


@dataclass(frozen=True)
class Candidate:
    item_id: str
    library: str
    title: str
    artist: str
    album: str
    duration_ms: int
    confidence: float


@dataclass(frozen=True)
class Outcome:
    """One track for one destination."""

    position: int
    destination: Destination
    via: Via
    method: MatchMethod
    confidence: float
    reason: str
    match: Candidate | None = None
    best: Candidate | None = None
    authoritative: bool = False  # a miss the complete, fresh cache vouches for


@dataclass
class DestinationResult:
    """What a run did at one destination: its playlist, the writes, what it cost."""

    destination: Destination
    playlist_id: str = ""
    added: int = 0
    removed: int = 0
    writes: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    matched: int = 0
    unmatched: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    # Item id -> the source positions that matched it, when the playlist holds it once.
    repeats: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class RunProgress:
    state: RunState
    message: str = ""
    tracks_done: int = 0
    tracks_total: int = 0


@dataclass(frozen=True)
class Arrival:
    """A track this run found that an earlier run had handed to Lidarr (``sent_by``, at
    ``sent_at``, with the album ``album``)."""

    position: int
    album: str
    sent_at: float
    sent_by: str


@dataclass
class Report:
    run_id: str
    spec: Spec
    dry_run: bool
    progress: RunProgress
    started_at: float
    finished_at: float = 0.0
    destinations: list[DestinationResult] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    error: str = ""
    trace_parent: str = ""  # the W3C traceparent of the call that queued the run
    lidarr_arrivals: list[Arrival] = field(default_factory=list)
    lidarr_note: str = ""  # what the automatic hand-off to Lidarr after the run did
    cover_key: str = ""  # the cover the run read from its source, kept for GetCover
