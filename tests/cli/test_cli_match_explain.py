"""cmdarr match explain against the whole stack in-process: the candidates with their
scores by part and the verdict, as a table and as JSON; bad input exits 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from cmdarr.cache.v1 import cache_pb2 as cache_pb

from cli.commands.match_explain import duration_ms
from cli.errors import UsageError
from tests.support.cache_service import settle
from tests.support.command_line import cmdarr
from tests.support.inprocess_stack import MUSIC, PLEX, configure, stack

TRACK = next(t for t in MUSIC[30:] if "(" not in t.title and " - " not in t.title)
ARTIST = (TRACK.credit or TRACK.album_artist).split(" feat. ")[0]


def test_durations_read_as_minutes_and_seconds() -> None:
    assert [duration_ms(t) for t in ("3:25", "205", "205.5", "")] == [205_000, 205_000, 205_500, 0]
    for bad in ("1:02:03", "soon", "-3"):
        with pytest.raises(UsageError, match="--duration"):
            duration_ms(bad)


async def test_explain_prints_candidates_and_why(database_url: str, tmp_path: Path) -> None:
    async with stack(database_url, tmp_path) as s:
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, TARGET_MAX_REQUESTS_PER_SECOND="1000",
            PLEX_CLIENT_ENABLED="true",
        )  # fmt: skip
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
        seconds = f"{TRACK.duration_ms // 60_000}:{TRACK.duration_ms // 1000 % 60:02d}"
        shown = await cmdarr(
            "match", "explain", "--server", "plex", "--title", TRACK.title, "--artist", ARTIST,
            "--duration", seconds, addresses=s.addresses,
        )  # fmt: skip
        assert shown.code == 0, shown.err
        assert "chosen" in shown.out
        assert f"{ARTIST} - {TRACK.title}" in shown.out
        assert "EXACT: exact:" in shown.out

        as_json = await cmdarr(
            "--json", "match", "explain", "--target", "plex", "--title", "Nowhere Song 0",
            "--artist", "Zed Quillfeather", "--limit", "3", addresses=s.addresses,
        )  # fmt: skip
        assert as_json.code == 0, as_json.err
        reply = as_json.json()
        assert reply["result"]["method"] == "MATCH_METHOD_NONE"
        assert reply["verdict"].startswith("no match")
        assert len(reply.get("candidates", [])) <= 3

        for argv, says in (
            (("--title", "x"), "--artist is required"),
            (("--title", "x", "--artist", "y", "--duration", "soon"), "--duration"),
            (("--title", "x", "--artist", "y", "--limit", "99"), "limit"),
        ):
            bad = await cmdarr("match", "explain", "--server", "plex", *argv, addresses=s.addresses)
            assert bad.code == 2, (argv, bad.out, bad.err)
            assert says in bad.err, bad.err
