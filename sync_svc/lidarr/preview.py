"""A run's wanted albums as Lidarr sees them now: one lookup per album not yet handed
over, nothing changed (the preview; a send starts from it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from common.lidarr.client import LidarrClient
from common.targets.errors import TargetError, TargetRejected
from sync_svc.lidarr.plan import (
    OVER_THE_CAP,
    AlbumState,
    Resolution,
    capped,
    lookup_term,
    resolve,
)
from sync_svc.lidarr.records import Handoff
from sync_svc.lidarr.wanted import Wanted, WantedTrack


@dataclass(frozen=True)
class HandoffPlan:
    """What a preview found, or a send did, for one run. ``error`` says why Lidarr could
    not be asked (or stopped answering): the albums it left are FAILED saying so."""

    run_id: str
    enabled: bool
    max_albums: int
    albums: tuple[Resolution, ...] = ()
    without_album: tuple[WantedTrack, ...] = ()
    error: str = ""
    search_command_id: int = 0
    sent: int = 0  # albums this send handed over

    @property
    def deferred(self) -> int:
        return sum(1 for r in self.albums if r.state is AlbumState.DEFERRED)


def stops_the_handoff(exc: TargetError) -> bool:
    """A failure that is Lidarr's, not the album's: no further request would fare better
    (a refused key, Lidarr away or failing after its retries, a wrong URL)."""
    return not isinstance(exc, TargetRejected)


def not_sent(resolution: Resolution, why: str) -> Resolution:
    return replace(resolution, state=AlbumState.FAILED, message=f"not sent: {why}")


def recorded_resolution(resolution: Resolution, handoff: Handoff) -> Resolution:
    """An album an earlier send of this run handed over: shown as it was left."""
    return replace(
        resolution,
        state=AlbumState.SENT,
        message=handoff.message,
        sent_at=handoff.sent_at,
        lidarr_album_id=handoff.lidarr_album_id,
        known_id=handoff.release_group_mbid,
    )


def room_left(wanted: Wanted, recorded: Mapping[str, Handoff], max_albums: int) -> int:
    """How many albums a send of the run may still hand over: the cap, less those its
    earlier sends handed over (pure)."""
    handed = [a for a in wanted.albums if a.key in recorded and _handed(recorded[a.key])]
    return max(0, max_albums - len(handed))


def _handed(handoff: Handoff) -> bool:
    return AlbumState(handoff.state).handed_over


async def look_up(
    client: LidarrClient,
    wanted: Wanted,
    recorded: Mapping[str, Handoff],
    *,
    room: int | None = None,
) -> tuple[list[Resolution], str]:
    """Each album resolved (those already handed over as SENT, without a request), and
    the error that stopped the lookups, if one did. With ``room``, once that many albums
    would be sent the rest are DEFERRED without a request: a send asks Lidarr about the
    albums it may send, not about the whole list."""
    out: list[Resolution] = []
    error = ""
    acting = 0
    for album in wanted.albums:
        blank = Resolution(album, AlbumState.NOT_FOUND)
        handoff = recorded.get(album.key)
        if handoff is not None and _handed(handoff):
            out.append(recorded_resolution(blank, handoff))
            continue
        if error:
            out.append(not_sent(blank, error))
            continue
        if room is not None and acting >= room:
            out.append(replace(blank, state=AlbumState.DEFERRED, message=OVER_THE_CAP))
            continue
        try:
            results = await client.lookup_album(lookup_term(album))
        except TargetError as exc:
            if stops_the_handoff(exc):
                error = exc.message
            out.append(not_sent(blank, exc.message))
            continue
        resolution = resolve(album, results)
        acting += resolution.state.acts
        out.append(resolution)
    return out, error


def with_cap(
    resolutions: list[Resolution], max_albums: int, *, used: int | None = None
) -> list[Resolution]:
    """The cap counts the albums this run already handed over (``used``; by default the
    SENT ones among ``resolutions``)."""
    if used is None:
        used = sum(1 for r in resolutions if r.state is AlbumState.SENT)
    return capped(resolutions, max_albums - used)
