"""Which albums a run's unmatched tracks ask for (pure).

A track is wanted when the library really lacks it: an authoritative miss (a complete,
fresh cache vouches for it) on at least one server of the run, and not one a user
rejected ("Never match": a track rejected anywhere is wanted nowhere). A miss that is
only a user's ("not in alice's libraries": the server has it) is not authoritative, so
it never asks for an album. Tracks of one album are grouped: by the release-group id the
source gives, else by artist and album name as folded for comparison. A track whose
source names no album cannot be looked up as an album and is listed apart. A key longer
than its column (sync_svc/tables.py) keeps its start and a digest of the whole."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from common.matching import MatchMethod
from common.matching.normalize import key as fold_key
from sync_svc.runs import Outcome, Track, Via

# The longest keys the records hold (sync_svc/tables.py album_key, track_key).
ALBUM_KEY_CHARS = 300
TRACK_KEY_CHARS = 600


@dataclass(frozen=True)
class WantedTrack:
    position: int
    title: str
    artists: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{', '.join(self.artists)} - {self.title}" if self.artists else self.title


@dataclass(frozen=True)
class WantedAlbum:
    """An album the run's misses ask for. ``key`` names it across runs and sends: the
    release-group id, else ``artist|album`` folded."""

    key: str
    artist: str
    title: str
    release_group_mbid: str
    tracks: tuple[WantedTrack, ...]

    @property
    def label(self) -> str:
        return f"{self.artist} - {self.title}" if self.title else self.artist


@dataclass(frozen=True)
class Wanted:
    albums: tuple[WantedAlbum, ...]  # most tracks first, then by first position
    without_album: tuple[WantedTrack, ...]  # wanted, but the source names no album


def bounded(key: str, limit: int) -> str:
    """``key`` when it has at most ``limit`` characters, else its start and a digest of the
    whole (the same text always gives the same key)."""
    if len(key) <= limit:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{key[: limit - len(digest) - 1]}#{digest}"


def track_key(track: Track) -> str:
    """How a track is known across runs: its recording id, else artist and title folded."""
    if track.recording_mbid:
        return bounded(f"mbid:{track.recording_mbid.lower()}", TRACK_KEY_CHARS)
    artist = fold_key(track.artists[0]) if track.artists else ""
    return bounded(f"text:{artist}|{fold_key(track.title)}", TRACK_KEY_CHARS)


def wanted_positions(outcomes: Sequence[Outcome]) -> list[int]:
    """The positions of the tracks the library lacks, in order."""
    rejected = {
        o.position for o in outcomes if o.via is Via.UNMATCHED and o.method is MatchMethod.OVERRIDE
    }
    missing = {
        o.position
        for o in outcomes
        if o.via is Via.UNMATCHED and o.authoritative and o.method is not MatchMethod.OVERRIDE
    }
    return sorted(missing - rejected)


def wanted_albums(tracks: Sequence[Track], outcomes: Sequence[Outcome]) -> Wanted:
    groups: dict[str, list[tuple[Track, WantedTrack]]] = {}
    loose: list[WantedTrack] = []
    for position in wanted_positions(outcomes):
        if position >= len(tracks):
            continue
        track = tracks[position]
        entry = WantedTrack(position, track.title, track.artists)
        if track.release_group_mbid:
            album_key = bounded(track.release_group_mbid.lower(), ALBUM_KEY_CHARS)
            groups.setdefault(album_key, []).append((track, entry))
        elif track.album and track.artists:
            album_key = f"{fold_key(track.artists[0])}|{fold_key(track.album)}"
            groups.setdefault(bounded(album_key, ALBUM_KEY_CHARS), []).append((track, entry))
        else:
            loose.append(entry)
    albums = [
        WantedAlbum(
            key=album_key,
            artist=members[0][0].artists[0] if members[0][0].artists else "",
            title=next((t.album for t, _ in members if t.album), ""),
            release_group_mbid=members[0][0].release_group_mbid.lower(),
            tracks=tuple(entry for _, entry in members),
        )
        for album_key, members in groups.items()
    ]
    albums.sort(key=lambda a: (-len(a.tracks), a.tracks[0].position))
    return Wanted(tuple(albums), tuple(loose))
