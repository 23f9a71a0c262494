"""Incremental refresh on both clients against the emulators: the delta listings and the
id sweep, with what each costs counted on the server's side."""

from __future__ import annotations

import pytest

from common.targets import EndpointClass, TargetLibrary
from emulators.knobs import Knobs
from emulators.library import Catalog
from tests.support.target_clients import KINDS, Target, fast_settings, target

pytestmark = pytest.mark.timeout(60)


async def _second_library(tgt: Target) -> TargetLibrary:
    return (await tgt.client.music_libraries()).chosen[1]


def _after_last_save(tgt: Target) -> int:
    """Just after the library's last save as the server knows it: Jellyfin's items carry
    no save date, so the listed tracks cannot tell it."""
    catalog: Catalog = tgt.emulator.app.state.catalog
    return max(t.updated_at for t in catalog.all_tracks()) + 1


def _delta_requests(tgt: Target) -> int:
    """Plex: one listing filtered on updatedAt, one on addedAt; Jellyfin: minDateLastSaved."""
    return 1 if tgt.kind == "jellyfin" else 2


async def test_removals_are_found_beside_additions_elsewhere(tgt: Target) -> None:
    library = await _second_library(tgt)
    tracks = await tgt.client.list_tracks(library)
    since = _after_last_save(tgt)
    known = {t.item_id for t in tracks}
    gone = [tracks[5].item_id, tracks[-1].item_id]
    tgt.emulator.app.mutate({"delete": gone, "add": 2})  # the additions go to the first library
    tgt.reset_counts()
    changes = await tgt.client.changes_since(library, since, known)
    assert changes.deleted_ids == frozenset(gone)
    assert changes.changed == ()  # the additions went to the other library
    counts = tgt.server_counts()
    # The deltas, then one id sweep page: the library fits a sweep page.
    assert counts["track_page"] == _delta_requests(tgt) + 1
    assert tgt.client.counter.bytes_received > 0


async def test_additions_and_removals_in_one_library_balance_yet_are_found(tgt: Target) -> None:
    first = (await tgt.client.music_libraries()).chosen[0]
    tracks = await tgt.client.list_tracks(first)
    since = _after_last_save(tgt)
    known = {t.item_id for t in tracks}
    gone = [t.item_id for t in tracks[:3]]
    result = tgt.emulator.app.mutate({"delete": gone, "add": 3})
    assert await tgt.client.track_total(first) == len(tracks)  # the count is unchanged
    tgt.reset_counts()
    changes = await tgt.client.changes_since(first, since, known)
    assert changes.deleted_ids == frozenset(gone)
    assert {t.item_id for t in changes.changed} == set(result["added"])
    assert tgt.server_counts()["track_page"] == _delta_requests(tgt) + 1
    assert tgt.client.counter.get(EndpointClass.TRACK_PAGE) == _delta_requests(tgt) + 1


async def test_the_id_sweep_asks_for_large_light_pages(tgt: Target) -> None:
    library = await _second_library(tgt)
    tgt.reset_counts()
    full = await tgt.client.list_tracks(library)
    listing_bytes = tgt.client.counter.bytes_received
    tgt.reset_counts()
    ids = await tgt.client.track_ids(library)
    assert ids == {t.item_id for t in full}
    assert tgt.server_counts()["track_page"] == 1
    # Plex leaves out every excluded attribute; Jellyfin always sends its base fields and
    # leaves out only the optional ones (ProviderIds, dates).
    lighter = 0.5 if tgt.kind.startswith("plex") else 0.9
    assert tgt.client.counter.bytes_received < listing_bytes * lighter


async def test_a_capped_server_is_swept_at_its_own_page_size(tgt: Target) -> None:
    library = await _second_library(tgt)
    tgt.emulator.knobs.max_page_size = 100
    tgt.reset_counts()
    ids = await tgt.client.track_ids(library)
    assert len(ids) == 300
    assert tgt.server_counts()["track_page"] == 3


@pytest.mark.parametrize("kind", KINDS)
async def test_a_sweep_page_that_times_out_is_not_retried_but_swept_smaller(kind: str) -> None:
    """A server that builds each item it sends (Jellyfin on a small machine) cannot answer
    a large sweep page in time: that page is sent once, and the sweep starts over in the
    listing's pages."""
    settings = fast_settings(timeout_seconds=1.0, page_size=100, sweep_page_size=300)
    async with target(kind, settings=settings, knobs=Knobs(item_ms=5)) as tgt:
        library = await _second_library(tgt)  # 300 tracks: 1.5 s as one page, 0.5 s a 100
        tgt.reset_counts()
        ids = await tgt.client.track_ids(library)
        assert len(ids) == 300
        assert tgt.server_counts()["track_page"] == 1 + 3
        assert tgt.sleep.waits == [], "the large page was not retried"
