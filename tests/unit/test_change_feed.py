"""The change feed on a replica: its own revisions from memory, the others' from the log."""

from __future__ import annotations

from config_svc.events import Event
from config_svc.feed import ChangeFeed
from config_svc.notifications import Notice, needs_read, notice_payload, parse_notice

EVENT = (Event(deleted="x"),)


async def test_own_revisions_are_served_from_memory() -> None:
    feed = ChangeFeed()
    feed.start_at(3)
    await feed.publish(4, EVENT)
    await feed.publish(5, EVENT)
    assert [r for r, _ in feed.recent_after(3, 10) or []] == [4, 5]
    assert feed.recent_after(5, 10) == []


async def test_a_noted_revision_wakes_watchers_and_sends_them_to_the_log() -> None:
    feed = ChangeFeed()
    feed.start_at(3)
    await feed.publish(4, EVENT)
    feed.note(6)  # 5 and 6 were written by another replica
    assert feed.latest == 6
    assert await feed.wait_beyond(4, patience=0.0)
    assert feed.recent_after(4, 10) is None  # read 5 and 6 from the log
    assert [r for r, _ in feed.recent_after(3, 10) or []] == [4]


async def test_a_revision_read_from_the_log_first_is_not_published_twice() -> None:
    feed = ChangeFeed()
    feed.start_at(3)
    await feed.publish(4, EVENT)  # read from the log (another replica's) ...
    await feed.publish(5, EVENT)
    await feed.publish(4, EVENT)  # ... before its writer here published it: ignored
    assert [r for r, _ in feed.recent_after(3, 10) or []] == [4, 5]
    await feed.publish(7, EVENT)  # a gap: memory restarts at 7
    assert feed.recent_after(4, 10) is None
    assert feed.recent_after(7, 10) == []


async def test_a_publish_below_a_noted_revision_is_left_to_the_log() -> None:
    feed = ChangeFeed()
    feed.start_at(3)
    feed.note(5)
    await feed.publish(4, EVENT)
    assert feed.latest == 5
    assert feed.recent_after(3, 10) is None


def test_a_notification_names_a_revision_and_its_writer() -> None:
    assert parse_notice("42:abc") == Notice(42, "abc")
    assert parse_notice("42") == Notice(42, "")
    assert parse_notice(None) is None
    assert parse_notice("") is None
    assert parse_notice("-1:abc") is None
    assert parse_notice("soon") is None
    assert notice_payload(42, "abc") == "42:abc"


def test_only_news_from_other_replicas_or_a_reconnection_needs_a_read() -> None:
    assert needs_read(None, replica_id="me", latest=9)
    assert needs_read(Notice(10, "other"), replica_id="me", latest=9)
    assert not needs_read(Notice(10, "me"), replica_id="me", latest=9)
    assert not needs_read(Notice(9, "other"), replica_id="me", latest=9)
