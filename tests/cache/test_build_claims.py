"""Who takes a build and what every replica shows: the pure decisions over the shared rows."""

from __future__ import annotations

from cache_svc.build.progress import BuildProgress, Phase
from cache_svc.claims import Shared, building, full_build, should_claim

FREE = Shared(wanted="build", holder="", live=False)


def test_a_wanted_build_is_claimed_when_the_lease_is_free_lapsed_or_ours() -> None:
    assert should_claim(FREE, active=True, building_here=False, me="a")
    lapsed = Shared("build", holder="b", live=False)
    assert should_claim(lapsed, active=True, building_here=False, me="a")
    ours = Shared("full", holder="a", live=True)
    assert should_claim(ours, active=True, building_here=False, me="a")


def test_no_claim_while_another_holds_it_or_nothing_is_wanted() -> None:
    held = Shared("build", holder="b", live=True)
    assert not should_claim(held, active=True, building_here=False, me="a")
    assert not should_claim(Shared("", "", False), active=True, building_here=False, me="a")
    assert not should_claim(FREE, active=False, building_here=False, me="a")
    assert not should_claim(FREE, active=True, building_here=True, me="a")


def test_every_replica_shows_a_build_wanted_or_running_anywhere() -> None:
    assert building(Shared("", "b", True), building_here=False, me="a")
    assert building(FREE, building_here=False, me="a")
    assert building(Shared("", "", False), building_here=True, me="a")
    assert not building(Shared("", "a", True), building_here=False, me="a")
    assert not building(Shared("", "b", False), building_here=False, me="a")


def test_full_when_asked_or_nothing_to_refresh() -> None:
    assert full_build("full", has_index=True)
    assert full_build("build", has_index=False)
    assert not full_build("build", has_index=True)


def test_progress_travels_between_replicas_as_json() -> None:
    progress = BuildProgress(full=True, started_at=1000.5)
    progress.phase = Phase.FETCHING_TRACKS
    progress.library_progress("Music", 200, 1000)
    progress.library_pages("Music", 10)
    progress.pages_done = 2
    back = BuildProgress.from_json(progress.to_json())
    assert back is not None
    assert (back.full, back.started_at, back.phase) == (True, 1000.5, Phase.FETCHING_TRACKS)
    assert (back.pages_done, back.pages_total, back.tracks_done, back.tracks_total) == (
        2,
        10,
        200,
        1000,
    )
    assert back.eta_seconds(1010.5) == progress.eta_seconds(1010.5)
    assert BuildProgress.from_json("") is None
