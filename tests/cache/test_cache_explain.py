"""cache_svc's ExplainMatch over gRPC against a built cache: the decision is MatchTracks'
own (overrides included), the candidates come with their scores by part, a rejected item
is marked, and bad input names its field."""

from __future__ import annotations

from pathlib import Path

import grpc
from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.config.v1 import config_pb2 as cpb

from tests.support.cache_service import settle
from tests.support.inprocess_stack import MUSIC, PLEX, configure, stack
from tests.support.rpc import TIMEOUT, assert_invalid, error_reason, expect_error
from tests.support.waiting import eventually

# A studio track with a word of five letters or more to mistype, no other title starting
# like it (no live take of it), and its artist.
TRACK = next(
    t
    for t in MUSIC[100:]
    if "(" not in t.title
    and " - " not in t.title
    and any(len(w) >= 5 for w in t.title.split())
    and sum(o.title.startswith(t.title) for o in MUSIC) == 1
)
ARTIST = (TRACK.credit or TRACK.album_artist).split(" feat. ")[0]


def typo(title: str) -> str:
    """The title with the middle letters of its longest word transposed."""
    word = max(title.split(), key=len)
    at = len(word) // 2
    changed = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    return title.replace(word, changed, 1)


def query(title: str, artist: str = ARTIST, **fields: object) -> pb.TrackQuery:
    return pb.TrackQuery(ref="q", title=title, artists=[artist], **fields)  # type: ignore[arg-type]


async def test_explain_answers_what_match_tracks_answers_with_scores_by_part(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s:
        # No generation yet: nothing to explain, and no error.
        empty = await s.cache.ExplainMatch(
            pb.ExplainMatchRequest(server="plex", track=query(TRACK.title)), timeout=TIMEOUT
        )
        assert (len(empty.candidates), empty.result.method) == (0, pb.MATCH_METHOD_UNSPECIFIED)
        assert "nothing to explain" in empty.verdict
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, TARGET_MAX_REQUESTS_PER_SECOND="1000",
            PLEX_CLIENT_ENABLED="true",
        )  # fmt: skip
        await settle(s.cache, pb.CACHE_STATE_READY, target=PLEX, limit=60)
        asked = [
            query(TRACK.title, duration_ms=TRACK.duration_ms),
            query(typo(TRACK.title), duration_ms=TRACK.duration_ms),
            query(TRACK.title, "Zed Quillfeather"),
            query(f"{TRACK.title} (Live)"),
        ]
        matched = await s.cache.MatchTracks(
            pb.MatchTracksRequest(server="plex", tracks=asked), timeout=TIMEOUT
        )
        explained = [
            await s.cache.ExplainMatch(
                pb.ExplainMatchRequest(target=PLEX, track=q, limit=5), timeout=TIMEOUT
            )
            for q in asked
        ]
        for result, reply in zip(matched.results, explained, strict=True):
            assert reply.result == result
            assert reply.state == pb.CACHE_STATE_READY
            assert reply.min_confidence == 0.85  # MATCH_MIN_CONFIDENCE's default
            assert 0 < len(reply.candidates) <= 5
            scores = [c.score for c in reply.candidates]
            assert scores == sorted(scores, reverse=True)

        exact, mistyped, stranger, live = explained
        assert exact.result.method == pb.MATCH_METHOD_EXACT
        best = exact.candidates[0]
        assert (best.candidate.item_id, best.exact) == (exact.result.match.item_id, True)
        assert (best.parts.artist, best.parts.title, best.parts.duration_gap_ms) == (1.0, 1.0, 0)
        assert exact.verdict.startswith("exact:")

        assert mistyped.result.method == pb.MATCH_METHOD_FUZZY
        winner = mistyped.candidates[0]
        assert winner.candidate.item_id == mistyped.result.match.item_id
        assert winner.parts.artist == 1.0
        assert 0.85 <= winner.parts.title < 1.0
        assert "at or above the minimum confidence 0.85" in mistyped.verdict

        assert stranger.result.method == pb.MATCH_METHOD_NONE
        assert all(c.parts.artist <= 0.8 for c in stranger.candidates)
        assert "another artist" in stranger.verdict

        assert live.result.method == pb.MATCH_METHOD_NONE
        assert list(live.candidates[0].parts.other_version_tags) == ["live"]
        assert "another version (live)" in live.verdict


async def test_explain_shows_a_users_decisions(database_url: str, tmp_path: Path) -> None:
    async with stack(database_url, tmp_path) as s:
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, TARGET_MAX_REQUESTS_PER_SECOND="1000",
            PLEX_CLIENT_ENABLED="true",
        )  # fmt: skip
        await settle(s.cache, pb.CACHE_STATE_READY, target=PLEX, limit=60)
        request = pb.ExplainMatchRequest(server="plex", track=query(TRACK.title))
        before = await s.cache.ExplainMatch(request, timeout=TIMEOUT)
        item = before.result.match.item_id
        key = cpb.SourceKey(text=cpb.TrackText(artist=ARTIST, title=TRACK.title))
        await s.config.PutMatchOverride(
            cpb.PutMatchOverrideRequest(
                override=cpb.MatchOverride(
                    server="plex", key=key, action=cpb.OVERRIDE_ACTION_REJECT, item_id=item
                )
            ),
            timeout=TIMEOUT,
        )

        async def rejected() -> pb.ExplainMatchResponse | None:
            reply = await s.cache.ExplainMatch(request, timeout=TIMEOUT)
            return reply if reply.result.match.item_id != item else None

        after = await eventually(rejected, within=20, what="the rejection followed")
        marked = [c for c in after.candidates if c.candidate.item_id == item]
        assert [c.rejected for c in marked] == [True]
        assert all(not c.rejected for c in after.candidates if c.candidate.item_id != item)


async def test_bad_explain_requests_name_their_field(database_url: str, tmp_path: Path) -> None:
    async with stack(database_url, tmp_path) as s:
        for request, field in (
            (pb.ExplainMatchRequest(server="plex", track=query(" ")), "track.title"),
            (pb.ExplainMatchRequest(server="plex", track=query("x" * 1025)), "track.title"),
            (pb.ExplainMatchRequest(server="plex", track=query("x", "y" * 1025)), "track.artists"),
            (pb.ExplainMatchRequest(server="plex", track=query("x"), limit=51), "limit"),
            (pb.ExplainMatchRequest(server="plex", track=query("x"), min_confidence=2),
             "min_confidence"),
            (pb.ExplainMatchRequest(track=query("x")), "server"),
        ):  # fmt: skip
            call = s.cache.ExplainMatch(request, timeout=TIMEOUT)
            assert_invalid(await expect_error(call, grpc.StatusCode.INVALID_ARGUMENT), field)
        missing = s.cache.ExplainMatch(
            pb.ExplainMatchRequest(server="nowhere", track=query("x")), timeout=TIMEOUT
        )
        error = await expect_error(missing, grpc.StatusCode.NOT_FOUND)
        assert error_reason(error) == "SERVER_NOT_FOUND"
