"""Preview and send a run's wanted albums to Lidarr (the use cases behind PreviewLidarr,
SendToLidarr and the automatic send after a run).

A send looks the albums up again (Lidarr may have changed since the preview; sending
every album, only as many as the cap leaves room for), then adds what Lidarr lacks (a
missing artist with it, unmonitored, only the wanted albums monitored), monitors what it
has unmonitored, and starts one AlbumSearch for exactly the albums it handed over: at
most LIDARR_MAX_ALBUMS_PER_RUN per run, counting earlier sends of the run. Every album's
outcome is recorded with Lidarr's answer; an album handed over is never sent again for
that run. Lidarr refusing the key, away, or failing after the transport's bounded retries
ends the send: the albums left are recorded as not sent, saying why, and stay wanted."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from common.config.values import SettingValues
from common.errors import FieldViolation, InvalidArgument, LidarrOff
from common.lidarr.choice import Choice, choose
from common.lidarr.client import LidarrClient
from common.lidarr.errors import refusal_text
from common.lidarr.model import FoundAlbum
from common.targets.errors import TargetError, TargetRejected
from sync_svc.lidarr.access import LidarrAccess
from sync_svc.lidarr.plan import AlbumState, Resolution, album_body, candidates_chosen
from sync_svc.lidarr.preview import (
    HandoffPlan,
    look_up,
    not_sent,
    room_left,
    stops_the_handoff,
    with_cap,
)
from sync_svc.lidarr.records import Handoff, HandoffRecords
from sync_svc.lidarr.wanted import track_key, wanted_albums
from sync_svc.runs import Report

T = TypeVar("T")
HANDED = (AlbumState.ADDED, AlbumState.MONITORED)


class Stop(Exception):
    """Lidarr failed as a whole: the send ends here."""


@dataclass
class Sending:
    """One send under way: the choice for new artists, the artists it added, the error
    that stopped it."""

    client: LidarrClient
    choice: Choice | None
    every: Sequence[Resolution]
    artists_added: set[str] = field(default_factory=set)
    error: str = ""


class LidarrHandoff:
    def __init__(
        self,
        records: HandoffRecords,
        settings: Callable[[], Awaitable[SettingValues]],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._records = records
        self._settings = settings
        self._clock = clock

    async def _access(self) -> LidarrAccess:
        access = LidarrAccess.of(await self._settings())
        if not access.url:
            raise LidarrOff("Lidarr has no URL: set LIDARR_URL (and LIDARR_API_KEY)")
        return access

    async def preview(self, report: Report) -> HandoffPlan:
        """What a send of ``report``'s wanted albums would do; Lidarr is only read."""
        access = await self._access()
        wanted = wanted_albums(report.spec.tracks, report.outcomes)
        recorded = await self._records.for_run(report.run_id)
        connection = access.connect()
        try:
            found, error = await look_up(connection.client, wanted, recorded)
        finally:
            await connection.close()
        albums = with_cap(found, access.max_albums)
        return HandoffPlan(
            report.run_id, access.enabled, access.max_albums, tuple(albums),
            wanted.without_album, error,
        )  # fmt: skip

    async def send(self, report: Report, names: Sequence[str] = ()) -> HandoffPlan:
        """Hand ``report``'s wanted albums (those ``names`` picks, when it names any) to
        Lidarr, and record what happened to each."""
        access = await self._access()
        if not access.enabled:
            raise LidarrOff("LIDARR_ENABLED is off: nothing is sent to Lidarr")
        # Sends of a run take turns: each reads what the one before it handed over.
        async with self._records.one_send_at_a_time(report.run_id):
            return await self._send(report, names, access)

    async def _send(
        self, report: Report, names: Sequence[str], access: LidarrAccess
    ) -> HandoffPlan:
        wanted = wanted_albums(report.spec.tracks, report.outcomes)
        recorded = await self._records.for_run(report.run_id)
        # Sending every album, only those the cap leaves room for are looked up; names
        # may pick any album (or a candidate of one), so all are.
        room = None if names else room_left(wanted, recorded, access.max_albums)
        connection = access.connect()
        try:
            found, error = await look_up(connection.client, wanted, recorded, room=room)
            found = candidates_chosen(found, names)
            picked = picked_indexes(found, names)
            used = sum(1 for r in found if r.state is AlbumState.SENT)
            chosen = with_cap([found[n] for n in picked], access.max_albums, used=used)
            done, error, command = await self._act(connection.client, access, chosen, error)
        finally:
            await connection.close()
        now = self._clock()
        done = [replace(r, sent_at=now) if r.state in HANDED else r for r in done]
        by_index = dict(zip(picked, done, strict=True))
        # The albums not picked, as a later send would find them: past the cap, deferred.
        albums = with_cap(
            [by_index.get(n, r) for n, r in enumerate(found)],
            access.max_albums,
            used=used + sum(1 for r in done if r.state in HANDED),
        )
        keys = {
            t.position: track_key(report.spec.tracks[t.position])
            for a in wanted.albums
            for t in a.tracks
        }
        fresh = [r for r in done if r.state is not AlbumState.SENT]
        await self._records.record([_handoff(report.run_id, r) for r in fresh], keys, now=now)
        return HandoffPlan(
            report.run_id, access.enabled, access.max_albums, tuple(albums),
            wanted.without_album, error, command, sum(1 for r in fresh if r.state in HANDED),
        )  # fmt: skip

    async def _act(
        self, client: LidarrClient, access: LidarrAccess, found: list[Resolution], error: str
    ) -> tuple[list[Resolution], str, int]:
        """Add and monitor what ``found`` asks for, then start the search."""
        if error or not any(r.state.acts for r in found):
            return _failing(found, error) if error else found, error, 0
        choice: Choice | None = None
        if any(r.state is AlbumState.ADD_WITH_ARTIST for r in found):
            try:
                picked = choose(
                    await client.catalogue(),
                    root_folder_name=access.names.root_folder,
                    quality_name=access.names.quality_profile,
                    metadata_name=access.names.metadata_profile,
                )
            except TargetError as exc:
                return _failing(found, exc.message), exc.message, 0
            if isinstance(picked, list):
                why = "; ".join(p.message for p in picked)
                return _failing(found, why), why, 0
            choice = picked
        sending = Sending(client, choice, found)
        done = [await self._one(sending, r) for r in found]
        done = await _monitor(sending, done)
        ids = [r.lidarr_album_id for r in done if r.state in HANDED]
        command = 0
        if ids:
            try:
                command = await client.search_albums(ids)
            except TargetError as exc:
                note = f"handed over, but the search was not started: {exc.message}"
                done = [
                    replace(r, message=f"{r.message}; {note}") if r.state in HANDED else r
                    for r in done
                ]
                sending.error = sending.error or exc.message
        return done, sending.error, command

    async def _one(self, sending: Sending, resolution: Resolution) -> Resolution:
        if not resolution.state.acts:
            return resolution
        if sending.error:
            return not_sent(resolution, sending.error)
        try:
            return await _hand_over(sending, resolution)
        except Stop as stop:
            sending.error = str(stop)
            return not_sent(resolution, sending.error)


async def _hand_over(sending: Sending, resolution: Resolution) -> Resolution:
    found = resolution.found
    assert found is not None
    if resolution.state is AlbumState.MONITOR:
        return replace(resolution, lidarr_album_id=found.id)  # monitored together later
    artist = found.artist.foreign_artist_id
    if resolution.state is AlbumState.ADD_WITH_ARTIST and artist in sending.artists_added:
        # Its artist came in with an earlier album of this send, which named this one among
        # albumsToMonitor: Lidarr has it now, or will once the artist is scanned.
        existing = await _call(sending.client.album_by_foreign_id(found.foreign_album_id))
        if existing is not None:
            return _held(resolution, existing)
    siblings = [
        r.found.foreign_album_id
        for r in sending.every
        if r.state is AlbumState.ADD_WITH_ARTIST
        and r.found is not None
        and r.found.artist.foreign_artist_id == artist
    ]
    try:
        added = await sending.client.add_album(album_body(found, sending.choice, siblings))
    except TargetRejected as exc:
        answer = refusal_text(exc)
        if "already been added" in answer:
            existing = await _call(sending.client.album_by_foreign_id(found.foreign_album_id))
            if existing is not None:
                return _held(resolution, existing)
        message = f"Lidarr refused: {answer}"
        return replace(resolution, state=AlbumState.FAILED, message=message)
    except TargetError as exc:
        raise Stop(exc.message) from None
    if resolution.state is AlbumState.ADD_WITH_ARTIST:
        sending.artists_added.add(artist)
        how = "added with its artist (unmonitored; only the wanted albums monitored)"
    else:
        how = "added, monitored"
    return replace(resolution, state=AlbumState.ADDED, lidarr_album_id=added.id, message=how)


async def _call(awaitable: Awaitable[T]) -> T | None:
    """A read that may fail for this album alone (None) or for Lidarr as a whole (Stop)."""
    try:
        return await awaitable
    except TargetError as exc:
        if stops_the_handoff(exc):
            raise Stop(exc.message) from None
        return None


def _held(resolution: Resolution, existing: FoundAlbum) -> Resolution:
    """An album Lidarr already holds: handed over if monitored, else to monitor."""
    if existing.monitored:
        message = "in Lidarr with its artist, monitored"
        return replace(
            resolution, state=AlbumState.ADDED, lidarr_album_id=existing.id, message=message
        )
    return replace(resolution, state=AlbumState.MONITOR, lidarr_album_id=existing.id)


async def _monitor(sending: Sending, done: list[Resolution]) -> list[Resolution]:
    """One PUT album/monitor for every album left to monitor."""
    ids = [r.lidarr_album_id for r in done if r.state is AlbumState.MONITOR]
    if not ids:
        return done
    try:
        await sending.client.monitor_albums(ids)
    except TargetRejected as exc:
        why = f"Lidarr refused: {refusal_text(exc)}"
        return [
            replace(r, state=AlbumState.FAILED, message=why) if r.state is AlbumState.MONITOR else r
            for r in done
        ]
    except TargetError as exc:
        sending.error = sending.error or exc.message
        return [not_sent(r, exc.message) if r.state is AlbumState.MONITOR else r for r in done]
    return [
        replace(r, state=AlbumState.MONITORED, message="monitored")
        if r.state is AlbumState.MONITOR
        else r
        for r in done
    ]


def _failing(found: list[Resolution], why: str) -> list[Resolution]:
    return [not_sent(r, why) if r.state.acts else r for r in found]


def picked_indexes(found: Sequence[Resolution], names: Sequence[str]) -> list[int]:
    """The albums ``names`` picks (each by release-group id, album key, title or
    "Artist - Title", without case; an ambiguous album by the id of the candidate
    ``candidates_chosen`` took), in the run's order; every album when it names none.
    A name that picks none is INVALID_ARGUMENT naming it and listing the run's albums."""
    if not names:
        return list(range(len(found)))
    picked: set[int] = set()
    problems = []
    for i, name in enumerate(names):
        wanted = name.strip().casefold()
        hits = {
            n
            for n, r in enumerate(found)
            if wanted
            in {
                r.album_id.casefold(),
                r.wanted.key.casefold(),
                r.wanted.title.casefold(),
                r.wanted.label.casefold(),
            }
        }
        if not hits:
            listed = ", ".join(repr(r.wanted.label) for r in found) or "none"
            message = f"the run wants no album {name!r}; it wants {listed}"
            problems.append(FieldViolation(f"albums[{i}]", message))
        picked |= hits
    if problems:
        raise InvalidArgument(problems)
    return sorted(picked)


def _handoff(run_id: str, resolution: Resolution) -> Handoff:
    known = resolution.found is not None or bool(resolution.known_id)
    return Handoff(
        run_id,
        resolution.wanted,
        resolution.state.value,
        resolution.message,
        resolution.album_id if known else "",
        resolution.lidarr_album_id,
        resolution.sent_at,
    )
