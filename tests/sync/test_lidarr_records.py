"""The record of the hand-offs to Lidarr on its own (SQLite and PostgreSQL, which holds a
key to its column's length): names of any length are stored under bounded keys and found
again, a later send replaces an album's record, and a track handed over is said to have
arrived by the first other run that finds it, once. A run is handed over only once it has
ended. The sends of one run take turns, on PostgreSQL across replicas too."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from common.config.values import SettingValues
from common.database.engine import Database
from common.domain import Destination
from common.errors import RunNotFinished, RunNotFound
from common.matching import MatchMethod
from sync_svc.app import MIGRATIONS, VERSION_TABLE
from sync_svc.lidarr.records import KEYS_PER_QUERY, Handoff, HandoffRecords
from sync_svc.lidarr.requests import RunHandoffs
from sync_svc.lidarr.send import LidarrHandoff
from sync_svc.lidarr.wanted import (
    ALBUM_KEY_CHARS,
    TRACK_KEY_CHARS,
    track_key,
    wanted_albums,
)
from sync_svc.live_runs import LiveRuns
from sync_svc.runs import Outcome, Report, RunProgress, RunState, Spec, Track, Via
from sync_svc.store import SyncStore


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate(MIGRATIONS, VERSION_TABLE)
    try:
        yield database
    finally:
        await database.close()


PLEX = Destination("plex")


def missing(*tracks: Track) -> list[Outcome]:
    return [
        Outcome(p, PLEX, Via.UNMATCHED, MatchMethod.NONE, 0.0, "", authoritative=True)
        for p in range(len(tracks))
    ]


TRACKS = (
    Track("Brine " * 160, ("Marrow Lanterns",), "Salt Hymns"),
    Track("Gone", ("Nobody Known",), "No " * 300),
)


async def test_long_names_are_recorded_under_bounded_keys_and_found_again(db: Database) -> None:
    records = HandoffRecords(db)
    salt, gone = wanted_albums(TRACKS, missing(*TRACKS)).albums
    assert len(gone.key) == ALBUM_KEY_CHARS
    keys = {0: track_key(TRACKS[0]), 1: track_key(TRACKS[1])}
    assert len(keys[0]) == TRACK_KEY_CHARS
    await records.record(
        [
            Handoff("run-1", salt, "added", "added, monitored", "rg-1", 7, sent_at=100.0),
            Handoff("run-1", gone, "not_found", "Lidarr knows no such album"),
        ],
        keys,
        now=100.0,
    )
    stored = await records.for_run("run-1")
    assert {k: (h.state, h.lidarr_album_id) for k, h in stored.items()} == {
        salt.key: ("added", 7),
        gone.key: ("not_found", 0),
    }
    assert stored[gone.key].album.title == "No " * 300

    await records.record(
        [Handoff("run-1", gone, "failed", "not sent: Lidarr is away")], keys, now=200.0
    )
    assert (await records.for_run("run-1"))[gone.key].state == "failed", "replaced"
    assert len(await records.for_run("run-1")) == 2

    # Only the album handed over left its tracks behind.
    assert await records.arrivals([keys[1]], "run-2", mark=True) == {}
    arrived = await records.arrivals([keys[0]], "run-2", mark=True)
    assert {k: (s.run_id, s.album, s.sent_at) for k, s in arrived.items()} == {
        keys[0]: ("run-1", "Marrow Lanterns - Salt Hymns", 100.0)
    }
    assert await records.arrivals([keys[0]], "run-3", mark=True) == {}, "said once"
    assert (await records.arrivals([keys[0]], "run-2", mark=True)).keys() == {keys[0]}, (
        "the run that found it may read it again"
    )


async def test_arrivals_are_read_past_one_query_of_keys(db: Database) -> None:
    records = HandoffRecords(db)
    tracks = tuple(Track(f"Song {n}", ("Marrow Lanterns",), "Salt Hymns") for n in range(600))
    (album,) = wanted_albums(tracks, missing(*tracks)).albums
    keys = {n: track_key(t) for n, t in enumerate(tracks)}
    await records.record([Handoff("a", album, "added", "", "rg", 1, 5.0)], keys, now=5.0)
    asked = [*keys.values(), "text:nobody|nothing"]
    assert len(asked) > KEYS_PER_QUERY
    found = await records.arrivals(asked, "b", mark=False)
    assert found.keys() == set(keys.values())
    assert len(await records.arrivals(asked, "c", mark=True)) == 600, "a dry run marks none"


async def test_a_run_is_handed_to_lidarr_only_once_it_has_ended(db: Database) -> None:
    runs = LiveRuns(SyncStore(db))
    spec = Spec("Mix", (PLEX,), TRACKS)
    runs.add(Report("running", spec, False, RunProgress(RunState.RUNNING, "running"), 1.0))
    handoffs = RunHandoffs(runs, LidarrHandoff(HandoffRecords(db), _no_settings))
    with pytest.raises(RunNotFinished):
        await handoffs.preview("running")
    with pytest.raises(RunNotFinished):
        await handoffs.send("running", ())
    with pytest.raises(RunNotFound):
        await handoffs.send("no-such-run", ())


async def _no_settings() -> SettingValues:
    raise AssertionError("a run that has not ended asks nothing of the settings or Lidarr")


async def _send_held(
    records: HandoffRecords, run_id: str, entered: asyncio.Event, release: asyncio.Event
) -> None:
    """A send of ``run_id`` that says when it has its turn and ends when released."""
    async with records.one_send_at_a_time(run_id):
        entered.set()
        await release.wait()


async def test_the_sends_of_a_run_take_turns_and_other_runs_do_not_wait(
    db: Database, database_url: str
) -> None:
    """A second send of a run waits until the first is done; a send of another run does
    not. On PostgreSQL a second replica's records (its own Database) wait too; SQLite
    serves a single replica."""
    first = HandoffRecords(db)
    other_db = Database(database_url) if db.is_postgres else None
    seconds = [first] if other_db is None else [first, HandoffRecords(other_db)]
    try:
        for second in seconds:
            entered = [asyncio.Event(), asyncio.Event()]
            release = [asyncio.Event(), asyncio.Event()]
            holding = asyncio.create_task(_send_held(first, "run-1", entered[0], release[0]))
            await asyncio.wait_for(entered[0].wait(), timeout=5)
            async with asyncio.timeout(5):  # another run's send has its turn at once
                async with second.one_send_at_a_time("run-2"):
                    pass
            waiting = asyncio.create_task(_send_held(second, "run-1", entered[1], release[1]))
            await asyncio.sleep(0.3)
            assert not entered[1].is_set(), "the run's second send waits for the first"
            release[0].set()
            await asyncio.wait_for(entered[1].wait(), timeout=5)
            release[1].set()
            await asyncio.gather(holding, waiting)
        assert not first._turns, "nothing is kept for a run once its sends are done"
    finally:
        if other_db is not None:
            await other_db.close()
