"""Writing one managed playlist to one target: find it (stored id, else exact title, never
a duplicate), diff, and apply the plan. A failed write is rolled back to what the
playlist held before, so a run leaves it either as it was or fully updated."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from common.targets import EndpointClass, TargetClient, TargetPlaylist
from sync_svc.diff import Entry, Plan, plan_playlist

_log = logging.getLogger("sync_svc.writer")
SUMMARY = "Managed by cmdarr"


@dataclass(frozen=True)
class Written:
    playlist_id: str
    added: int
    removed: int
    writes: int
    created: bool


def find_managed(
    playlists: Sequence[TargetPlaylist], stored_id: str, title: str
) -> TargetPlaylist | None:
    """The managed playlist: by the id stored from an earlier run, else by exact title."""
    if stored_id:
        for playlist in playlists:
            if playlist.playlist_id == stored_id:
                return playlist
    return next((p for p in playlists if p.title == title), None)


async def write_playlist(
    client: TargetClient,
    *,
    title: str,
    stored_id: str,
    desired: Sequence[str],
    replace_is_one_write: bool,
    dry_run: bool,
) -> Written:
    existing = find_managed(await client.playlists(), stored_id, title)
    current = (
        [Entry(e.entry_id, e.item_id) for e in await client.playlist_items(existing.playlist_id)]
        if existing is not None
        else None
    )
    plan = plan_playlist(current, desired, replace_is_one_write=replace_is_one_write)
    before = client.counter.get(EndpointClass.PLAYLIST_WRITE)
    playlist_id = existing.playlist_id if existing else ""
    if not dry_run and not plan.unchanged:
        playlist_id = await _apply(client, plan, title, playlist_id, current or [])
    writes = client.counter.get(EndpointClass.PLAYLIST_WRITE) - before
    return Written(playlist_id, plan.added, plan.removed(current or []), writes, plan.create)


async def _apply(
    client: TargetClient, plan: Plan, title: str, playlist_id: str, current: list[Entry]
) -> str:
    if plan.create:
        try:
            created = await client.create_playlist(title, plan.desired, SUMMARY)
        except Exception:
            # No playlist had this title before: delete whatever a failed create left.
            with contextlib.suppress(Exception):
                for leftover in await client.playlists():
                    if leftover.title == title:
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
