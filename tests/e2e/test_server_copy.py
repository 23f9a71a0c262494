"""The server-copy benchmark's scenario at a small size (bench/server_copy.py): a Plex
playlist copied to Jellyfin, both holding one library under different roots with some
files retagged on Jellyfin, loses no track and picks no wrong one, where tags alone do
both; the Plex poster becomes the Jellyfin playlist's picture."""

from __future__ import annotations

from pathlib import Path

from bench.server_copy import copy_playlist


async def test_a_copy_by_path_loses_nothing_and_picks_nothing_wrong(tmp_path: Path) -> None:
    copied = await copy_playlist(tmp_path, library=3_000, size=300)
    assert copied.tracks == 300
    assert (copied.copied, copied.lost, copied.wrong) == (300, 0, 0)
    assert copied.cover_set
    # The library is one where the tags alone fail: the path is what saves the copy.
    assert copied.tags_only_lost > 0
    assert copied.tags_only_wrong > 0
    # Reading a 300-track playlist: the list, one page of 500 items, the poster.
    assert copied.plex_requests == 3
