"""What to do with each wanted album, decided from Lidarr's answers (pure).

One lookup per album: ``lidarr:<release-group id>`` when the source gave the id (one
result or none), else ``<artist> <album>``, whose results count only when title and
artist name equal the wanted ones once folded: none is "not found", several are
"several candidates" (listed, nothing sent unless a send names one by its id:
``candidates_chosen``). The album found says the rest: Lidarr has it and monitors it
(nothing to do), has it unmonitored (monitor it), lacks it but has the artist (add it,
monitored), or lacks the artist too (add the artist unmonitored, with only the wanted
albums monitored and no new albums ever: ``album_body``). At most
LIDARR_MAX_ALBUMS_PER_RUN albums a run are added or monitored; the rest wait for the next
run (``capped``)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from common.lidarr.choice import Choice
from common.lidarr.model import FoundAlbum
from common.matching.normalize import key as fold_key
from sync_svc.lidarr.wanted import WantedAlbum


class AlbumState(enum.Enum):
    # What a preview finds, and a send would do
    ADD = "add"  # Lidarr has the artist, not the album: added, monitored
    ADD_WITH_ARTIST = "add_with_artist"  # Lidarr lacks the artist: added, only wanted monitored
    MONITOR = "monitor"  # Lidarr has the album, unmonitored: monitored
    ALREADY_WANTED = "already_wanted"  # Lidarr has it, monitored: nothing to do
    DEFERRED = "deferred"  # over LIDARR_MAX_ALBUMS_PER_RUN: for the next run
    NOT_FOUND = "not_found"  # Lidarr's lookup knows no such album
    AMBIGUOUS = "ambiguous"  # several release groups fit: nothing sent
    # What a send did
    ADDED = "added"
    MONITORED = "monitored"
    FAILED = "failed"  # Lidarr refused, or could not be asked: still wanted
    SENT = "sent"  # an earlier send of this run handed it over

    @property
    def acts(self) -> bool:
        """Whether sending it changes Lidarr (and so counts against the cap)."""
        return self in (AlbumState.ADD, AlbumState.ADD_WITH_ARTIST, AlbumState.MONITOR)

    @property
    def handed_over(self) -> bool:
        return self in (AlbumState.ADDED, AlbumState.MONITORED, AlbumState.SENT)


@dataclass(frozen=True)
class Resolution:
    """One wanted album and what Lidarr's answers make of it. ``message`` is for people
    (Lidarr's answer, or why nothing is sent); ``sent_at`` is when it was handed over."""

    wanted: WantedAlbum
    state: AlbumState
    found: FoundAlbum | None = None
    candidates: tuple[FoundAlbum, ...] = ()
    message: str = ""
    sent_at: float = 0.0
    lidarr_album_id: int = 0
    known_id: str = ""  # the release-group id an earlier send recorded

    @property
    def album_id(self) -> str:
        """How a user names it for a send: Lidarr's release-group id when known, else the
        wanted album's key."""
        if self.found is not None:
            return self.found.foreign_album_id
        return self.known_id or self.wanted.release_group_mbid or self.wanted.key


def lookup_term(wanted: WantedAlbum) -> str:
    if wanted.release_group_mbid:
        return f"lidarr:{wanted.release_group_mbid}"
    return f"{wanted.artist} {wanted.title}"


def _describe(album: FoundAlbum) -> str:
    return f"{album.label} [{album.foreign_album_id}]"


def resolve(wanted: WantedAlbum, results: Sequence[FoundAlbum]) -> Resolution:
    """What the lookup's ``results`` say about ``wanted``."""
    if wanted.release_group_mbid:
        fits = [r for r in results if r.foreign_album_id.lower() == wanted.release_group_mbid]
    else:
        title, artist = fold_key(wanted.title), fold_key(wanted.artist)
        fits = [
            r for r in results if fold_key(r.title) == title and fold_key(r.artist.name) == artist
        ]
    if not fits:
        others = f" (it found {len(results)} other albums)" if results else ""
        where = (
            f"release group {wanted.release_group_mbid}"
            if wanted.release_group_mbid
            else repr(wanted.label)
        )
        return Resolution(wanted, AlbumState.NOT_FOUND, message=f"Lidarr knows no {where}{others}")
    if len(fits) > 1:
        listed = "; ".join(_describe(f) for f in fits)
        message = f"{len(fits)} release groups fit, none sent (send one by its id): {listed}"
        return Resolution(wanted, AlbumState.AMBIGUOUS, candidates=tuple(fits), message=message)
    return settled(wanted, fits[0])


def settled(wanted: WantedAlbum, found: FoundAlbum) -> Resolution:
    """What a send does with ``wanted`` once it is known to be Lidarr's ``found``."""
    if found.in_lidarr:
        if found.monitored:
            message = "in Lidarr and monitored: nothing to do"
            return Resolution(wanted, AlbumState.ALREADY_WANTED, found, message=message)
        return Resolution(wanted, AlbumState.MONITOR, found, message="in Lidarr, not monitored")
    if found.artist.id:
        return Resolution(wanted, AlbumState.ADD, found, message="artist in Lidarr, album not")
    return Resolution(wanted, AlbumState.ADD_WITH_ARTIST, found, message="artist not in Lidarr")


def candidates_chosen(resolutions: Iterable[Resolution], names: Iterable[str]) -> list[Resolution]:
    """An AMBIGUOUS album one of whose candidates ``names`` names by its release-group id
    (without case) is that candidate's; the others are as they were."""
    wanted = {name.strip().casefold() for name in names}
    out = []
    for resolution in resolutions:
        if resolution.state is AlbumState.AMBIGUOUS:
            chosen = [c for c in resolution.candidates if c.foreign_album_id.casefold() in wanted]
            if len(chosen) == 1:
                resolution = settled(resolution.wanted, chosen[0])
        out.append(resolution)
    return out


OVER_THE_CAP = "over LIDARR_MAX_ALBUMS_PER_RUN: left for the next run"


def capped(resolutions: Iterable[Resolution], room: int) -> list[Resolution]:
    """The first ``room`` albums that act keep their state; later ones are DEFERRED."""
    out = []
    for resolution in resolutions:
        if resolution.state.acts:
            if room <= 0:
                resolution = replace(resolution, state=AlbumState.DEFERRED, message=OVER_THE_CAP)
            else:
                room -= 1
        out.append(resolution)
    return out


def album_body(
    found: FoundAlbum, choice: Choice | None, albums_to_monitor: Sequence[str]
) -> dict[str, Any]:
    """``POST /api/v1/album``'s body: the lookup's album, monitored, as Lidarr's own page
    posts it. An artist Lidarr lacks comes with it: the chosen root folder and profiles,
    unmonitored (``monitor: none``), ``albumsToMonitor`` the wanted albums of that artist
    (without them Lidarr's first scan would unmonitor this album too), no new albums ever
    (``monitorNewItems: none``), and no search of its own (cmdarr starts one for exactly
    the albums it sent)."""
    body = dict(found.raw)
    body["monitored"] = True
    body["addOptions"] = {"addType": "manual", "searchForNewAlbum": False}
    artist = dict(found.raw.get("artist") or {})
    if not found.artist.id:
        if choice is None:
            raise ValueError("an album whose artist Lidarr lacks needs a root folder and profiles")
        artist.update(
            qualityProfileId=choice.quality.id,
            metadataProfileId=choice.metadata.id,
            rootFolderPath=choice.root_folder.path,
            monitored=False,
            monitorNewItems="none",
            addOptions={
                "monitor": "none",
                "albumsToMonitor": list(albums_to_monitor),
                "monitored": False,
                "searchForMissingAlbums": False,
            },
        )
    body["artist"] = artist
    return body
