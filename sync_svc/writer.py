"""Writing one managed playlist to one target: find it (stored id, else exact title among
the playlists this client may write, never a duplicate), diff, and apply the plan. A failed
write is rolled back to what the playlist held before, so a run leaves it either as it was
or fully updated. A playlist found by its id keeps a title a user gave it by hand until the
spec's title changes (``retitle``)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from common.domain import SyncMode
from common.targets import EndpointClass, TargetClient, TargetPlaylist
from sync_svc.diff import Entry, Plan, Repeat, plan_playlist, repeats_of

_log = logging.getLogger("sync_svc.writer")


@dataclass(frozen=True)
class Written:
    playlist_id: str
    added: int
    removed: int
    writes: int
    created: bool
    repeats: tuple[Repeat, ...] = ()  # left out: the target keeps one entry per item


def retitle(existing: TargetPlaylist | None, title: str, last_title: str) -> bool:
    """Whether to set the found playlist's title to ``title``: only when the spec's title
    changed since the last run (``last_title``; "" when not known), so a title a user set
    by hand stays until then."""
    return (
        existing is not None
        and existing.title != title
        and bool(last_title)
        and last_title != title
    )


def stored(playlists: Sequence[TargetPlaylist], stored_id: str) -> TargetPlaylist | None:
    """The playlist an earlier run created and remembered."""
    if not stored_id:
        return None
    return next((p for p in playlists if p.playlist_id == stored_id), None)


def titled(playlists: Sequence[TargetPlaylist], title: str) -> list[TargetPlaylist]:
    """The playlists with exactly ``title`` that are not Plex smart playlists, in order."""
    return [p for p in playlists if p.title == title and not p.smart]


async def find_managed(client: TargetClient, stored_id: str, title: str) -> TargetPlaylist | None:
    """The managed playlist: by the id stored from an earlier run, else the first playlist
    of that exact title that the client may write. Another user's public playlist or a
    smart playlist of the same title is left alone (and a new playlist is created)."""
    playlists = await client.playlists()
    found = stored(playlists, stored_id)
    if found is not None:
        return found
    for candidate in titled(playlists, title):
        if await client.writable(candidate):
            return candidate
    return None


async def write_playlist(
    client: TargetClient,
    *,
    title: str,
    stored_id: str,
    desired: Sequence[str],
    bulk_removal: bool,
    dry_run: bool,
    mode: SyncMode = SyncMode.MIRROR,
    last_title: str = "",
) -> Written:
    """``last_title``: the title the last run wrote ("" when not known)."""
    existing = await find_managed(client, stored_id, title)
    current = (
        [Entry(e.entry_id, e.item_id) for e in await client.playlist_items(existing.playlist_id)]
        if existing is not None
        else None
    )
    # Only a list with repeats needs to know whether the server keeps them.
    keeps = not repeats_of(desired) or await client.keeps_repeats()
    plan = plan_playlist(
        current, desired, bulk_removal=bulk_removal, keeps_repeats=keeps, mode=mode
    )
    before = client.counter.get(EndpointClass.PLAYLIST_WRITE)
    playlist_id = existing.playlist_id if existing else ""
    if not dry_run and retitle(existing, title, last_title):
        await client.update_playlist(playlist_id, title=title)
    if not dry_run and not plan.unchanged:
        playlist_id = await _apply(client, plan, title, playlist_id, current or [])
    writes = client.counter.get(EndpointClass.PLAYLIST_WRITE) - before
    return Written(
        playlist_id,
        plan.added,
        plan.removed(current or []),
        writes,
        plan.create,
        plan.repeats,
    )


async def _apply(
    client: TargetClient, plan: Plan, title: str, playlist_id: str, current: list[Entry]
) -> str:
    if plan.create:
        try:
            # The description follows (sync_svc/dress.py), only when there is one.
            created = await client.create_playlist(title, plan.desired)
        except Exception:
            # No playlist of ours had this title before: delete whatever a failed create
            # left (never a smart playlist or another user's of the same title).
            with contextlib.suppress(Exception):
                for leftover in titled(await client.playlists(), title):
                    if await client.writable(leftover):
                        await client.delete_playlist(leftover.playlist_id)
            raise
        return created.playlist_id
    try:
        if plan.replace:
            await client.replace_playlist(playlist_id, plan.desired)
        else:
            await client.remove_from_playlist(playlist_id, plan.remove)
            await client.add_to_playlist(playlist_id, plan.append)
    except Exception:
        _log.warning(
            "playlist write failed; restoring its previous content",
            extra={"fields": {"playlist": playlist_id}},
        )
        with contextlib.suppress(Exception):
            await client.replace_playlist(playlist_id, [e.item_id for e in current])
        raise
    return playlist_id
