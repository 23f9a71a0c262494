"""Pure pieces of the targets layer: paging plans, chunking, retry decisions, the token
bucket, library choice, the query encoding, and when an id sweep falls back to small
pages."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from common.targets import ClientSettings
from common.targets.choice import choose_libraries, looks_like_audiobooks
from common.targets.counters import EndpointClass, RequestCounter
from common.targets.errors import TargetServerError, TargetTimeout
from common.targets.items import TargetLibrary
from common.targets.listing import Fetch, PageResult, served_page_size
from common.targets.paging import Page, chunk_by_length, entry_before, missing_ids, page_plan
from common.targets.query import query
from common.targets.ratelimit import BucketState
from common.targets.retry import RetryPolicy, backoff_delay, parse_retry_after, retry_delay
from common.targets.sweep import swept_ids


def test_page_plan_covers_the_total_once() -> None:
    assert page_plan(250, 100) == [Page(0, 0, 100), Page(1, 100, 100), Page(2, 200, 50)]
    assert page_plan(250, 100, first_done=100) == [Page(1, 100, 100), Page(2, 200, 50)]
    assert page_plan(0, 100) == []
    with pytest.raises(ValueError, match="page_size must be positive"):
        page_plan(10, 0)


def test_chunks_stay_under_the_limit_and_keep_order() -> None:
    ids = [str(100_000 + i) for i in range(3000)]
    chunks = chunk_by_length(ids, fixed_length=200, limit=8000, separator_length=3)
    assert [i for chunk in chunks for i in chunk] == ids
    for chunk in chunks:
        assert 200 + len(",".join(chunk).replace(",", "%2C")) <= 8000
    assert len(chunks) > 1


def test_chunking_refuses_an_item_that_cannot_fit() -> None:
    with pytest.raises(ValueError, match="an id of 50 characters cannot fit in a 60-character URL"):
        chunk_by_length(["x" * 50], fixed_length=20, limit=60)
    assert chunk_by_length([], fixed_length=0, limit=10) == []


def test_missing_ids_are_the_deletions() -> None:
    assert missing_ids({"a", "b", "c"}, ["a", "c", "d"]) == frozenset({"b"})


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("3") == 3.0
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:10 GMT", now) == 10.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_retry_decisions() -> None:
    policy = RetryPolicy(max_tries=3, base_delay=1.0, max_delay=4.0, max_retry_after=30.0)
    rand = random.Random(1)
    assert retry_delay(attempt=1, policy=policy, rand=rand, status=429, retry_after="7") == 7.0
    assert retry_delay(attempt=1, policy=policy, rand=rand, status=503, retry_after="99") == 30.0
    assert retry_delay(attempt=3, policy=policy, rand=rand, status=500) is None  # tries used up
    assert retry_delay(attempt=1, policy=policy, rand=rand, status=404) is None
    assert retry_delay(attempt=1, policy=policy, rand=rand, status=400) is None
    assert retry_delay(attempt=1, policy=policy, rand=rand, timed_out=True) is not None
    # A POST that may have been applied is not resent; one the server refused is.
    assert retry_delay(attempt=1, policy=policy, rand=rand, status=500, idempotent=False) is None
    assert (
        retry_delay(attempt=1, policy=policy, rand=rand, timed_out=True, idempotent=False) is None
    )
    assert (
        retry_delay(attempt=1, policy=policy, rand=rand, status=429, idempotent=False) is not None
    )
    assert retry_delay(attempt=1, policy=policy, rand=rand, connect_failed=True, idempotent=False)


def test_backoff_grows_and_is_capped_with_jitter() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=4.0)
    rand = random.Random(7)
    for attempt, ceiling in ((1, 1.0), (2, 2.0), (3, 4.0), (6, 4.0)):
        draws = [backoff_delay(attempt, policy, rand) for _ in range(50)]
        assert all(0.0 <= d <= ceiling for d in draws)
        assert len(set(draws)) > 1  # jittered


def test_token_bucket_spaces_requests_at_the_rate() -> None:
    bucket = BucketState(rate=10.0, burst=2.0, tokens=2.0, stamp=0.0)
    waits = [bucket.take(0.0) for _ in range(5)]
    assert waits[:2] == [0.0, 0.0]  # the burst
    assert waits[2:] == pytest.approx([0.1, 0.2, 0.3])  # then one every 1/rate, queued in order
    later = BucketState(rate=10.0, burst=2.0, tokens=0.0, stamp=0.0)
    assert later.take(1.0) == 0.0  # refilled (capped at the burst)


def test_counter_counts_by_class_and_resets() -> None:
    counter = RequestCounter()
    counter.count(EndpointClass.TRACK_PAGE)
    counter.count(EndpointClass.TRACK_PAGE, retry=True)
    counter.count(EndpointClass.SEARCH)
    assert counter.snapshot()["track_page"] == 2
    assert counter.total == 3
    assert counter.retries == 1
    counter.reset()
    assert counter.total == 0
    assert counter.retries == 0


def _lib(title: str, kind: str = "artist", agent: str = "", music: bool = True) -> TargetLibrary:
    return TargetLibrary(
        library_id=title,
        title=title,
        kind=kind,
        agent=agent,
        is_music=music,
        is_audiobook=looks_like_audiobooks(title, agent),
    )


def test_library_choice_leaves_out_audiobooks_and_non_music() -> None:
    libraries = [
        _lib("Music"),
        _lib("Lossless"),
        _lib("Books", agent="com.plexapp.agents.audnexus"),
        _lib("Hörbücher"),
        _lib("Movies", kind="movie", music=False),
    ]
    choice = choose_libraries(libraries)
    assert [lib.title for lib in choice.chosen] == ["Music", "Lossless"]
    reasons = {s.library.title: s.reason for s in choice.skipped}
    assert "audiobook" in reasons["Books"]
    assert "audiobook" in reasons["Hörbücher"]
    assert "not a music library" in reasons["Movies"]
    assert "chosen: 'Music', 'Lossless'" in choice.describe()


def test_library_choice_by_name_includes_a_named_audiobook_library_only() -> None:
    libraries = [_lib("Music"), _lib("Audiobooks"), _lib("Movies", kind="movie", music=False)]
    choice = choose_libraries(libraries, ["audiobooks", "Movies", "Nope"])
    assert [lib.title for lib in choice.chosen] == ["Audiobooks"]
    assert choice.missing == ("Nope",)
    assert any(s.library.title == "Movies" for s in choice.skipped)


def test_query_puts_operators_in_the_key_and_encodes_values() -> None:
    assert (
        query(("type", "10"), ("title", "==", "AC/DC & co"))
        == "type=10&title%3D=AC%2FDC%20%26%20co"
    )
    assert query(("updatedAt", ">>=", "5")) == "updatedAt%3E%3E=5"


def test_a_capped_first_page_sets_the_page_size() -> None:
    assert served_page_size(500, 500, 10_000) == 500
    assert served_page_size(500, 200, 10_000) == 200  # the server's cap
    assert served_page_size(500, 120, 120) == 500  # the whole listing fit
    assert served_page_size(500, 0, 10_000) == 500  # nothing served: the check will fail


def test_entry_before_translates_an_index_to_plex_after() -> None:
    order = ["a", "b", "c", "d"]
    assert entry_before(order, "d", 0) is None
    assert entry_before(order, "a", 2) == "c"  # rest is b, c, d: index 2 comes after c
    assert entry_before(order, "b", 99) == "d"


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"concurrency": 0}, "concurrency must be at least 1"),
        ({"page_size": 0}, "page_size must be at least 1"),
        ({"timeout_seconds": 0}, "timeout_seconds must be positive"),
        ({"url_limit": 10}, "url_limit is too small"),
        ({"retry": RetryPolicy(max_tries=0)}, r"retry\.max_tries must be at least 1"),
    ],
)
def test_settings_refuse_nonsense(bad: dict[str, object], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        ClientSettings(**bad)  # type: ignore[arg-type]


class _Pages:
    """Sweep pages over ``ids`` that fail as told for pages larger than ``fail_above``."""

    def __init__(self, ids: list[str], fail_above: int, error: Exception) -> None:
        self.ids, self.fail_above, self.error = ids, fail_above, error
        self.asked: list[tuple[int, bool]] = []  # (page size, timeouts retried)

    async def __call__(self, retry_timeouts: bool) -> Fetch[str]:
        async def fetch(page: Page) -> PageResult[str]:
            self.asked.append((page.size, retry_timeouts))
            if page.size > self.fail_above:
                raise self.error
            return PageResult(self.ids[page.start : page.start + page.size], len(self.ids))

        return fetch


async def test_a_sweep_falls_back_to_small_pages_on_a_timeout_only() -> None:
    ids = [f"id{n}" for n in range(250)]
    timing_out = _Pages(ids, 100, TargetTimeout("slow", tries=1))
    assert await swept_ids(timing_out, large=1000, small=100, what="lib") == set(ids)
    assert timing_out.asked[0] == (1000, False), "the large page, its timeout final"
    assert {asked for asked in timing_out.asked[1:]} == {(100, True), (50, True)}
    failing = _Pages(ids, 100, TargetServerError("down", tries=4, status=503))
    with pytest.raises(TargetServerError, match="down"):
        await swept_ids(failing, large=1000, small=100, what="lib")
    assert failing.asked == [(1000, False)], "a server error is no reason to sweep smaller"
    small_only = _Pages(ids, 1000, TargetTimeout("slow", tries=1))
    assert await swept_ids(small_only, large=100, small=100, what="lib") == set(ids)
    assert {retried for _, retried in small_only.asked} == {True}
