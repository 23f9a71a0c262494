"""The change feed on a replica: its own revisions from memory, the others' from the log."""

from __future__ import annotations

from config_svc.events import Event
from config_svc.feed import ChangeFeed
from config_svc.notifications import revision_of

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


async def test_a_late_publish_after_a_note_keeps_the_order() -> None:
    feed = ChangeFeed()
    feed.start_at(3)
    feed.note(5)  # another replica's 5 was notified before this replica published its 4
    await feed.publish(4, EVENT)
    assert feed.latest == 5
    assert [r for r, _ in feed.recent_after(3, 10) or []] == [4]
    assert feed.recent_after(4, 10) is None
    await feed.publish(7, EVENT)  # a gap: memory restarts at 7
    assert feed.recent_after(4, 10) is None
    assert feed.recent_after(7, 10) == []


def test_a_notification_names_a_revision_or_asks_for_a_re_read() -> None:
    assert revision_of("42") == 42
    assert revision_of(None) is None
    assert revision_of("") is None
    assert revision_of("-1") is None
    assert revision_of("soon") is None
