"""Match overrides per server: a pin on a created server steers that server's cache alone,
a put naming a server that does not exist (or disagreeing with its target) is refused
naming override.server, and deleting the server deletes its overrides."""

from __future__ import annotations

from pathlib import Path

import grpc
from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.type.v1 import type_pb2 as tpb

from tests.cache.test_cache_servers import CABIN, CABIN_TOKEN, HOME, configure, stack
from tests.support.cache_service import settle
from tests.support.rpc import TIMEOUT, assert_invalid, expect_error
from tests.support.waiting import eventually


def query_of(title: str, artist: str) -> pb.TrackQuery:
    return pb.TrackQuery(ref="1", title=title, artists=[artist])


async def test_a_pin_steers_its_own_servers_cache_and_goes_with_it(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s:
        await configure(
            s, PLEX_URL=s.home.url, PLEX_TOKEN=s.home.token, PLEX_CLIENT_ENABLED="true",
            TARGET_MAX_REQUESTS_PER_SECOND="1000",
        )  # fmt: skip
        await s.config.CreateServer(
            cpb.CreateServerRequest(
                server=cpb.Server(
                    name="cabin", kind=cpb.SERVER_KIND_PLEX, url=s.cabin.url,
                    token=CABIN_TOKEN, client_enabled=True,
                )
            ),
            timeout=TIMEOUT,
        )  # fmt: skip
        await settle(s.cache, pb.CACHE_STATE_READY, limit=60)
        await settle(s.cache, pb.CACHE_STATE_READY, server="cabin", limit=60)

        # A track of the home library only, pinned on the cabin to one of the cabin's items.
        home_only = next(
            t for t in HOME.all_tracks() if t.title not in {c.title for c in CABIN.all_tracks()}
        )
        artist = (home_only.credit or home_only.album_artist).split(" feat. ")[0]
        lookup = await s.cache.MatchTracks(
            pb.MatchTracksRequest(server="cabin", tracks=[query_of(CABIN.all_tracks()[5].title,
                                  CABIN.all_tracks()[5].album_artist)]),
            timeout=TIMEOUT,
        )  # fmt: skip
        cabin_item = lookup.results[0].match.item_id
        assert cabin_item
        pin = cpb.MatchOverride(
            server="cabin",
            key=cpb.SourceKey(text=cpb.TrackText(artist=artist, title=home_only.title)),
            action=cpb.OVERRIDE_ACTION_PIN,
            item_id=cabin_item,
        )
        put = await s.config.PutMatchOverride(
            cpb.PutMatchOverrideRequest(override=pin), timeout=TIMEOUT
        )
        assert (put.override.server, put.override.target) == ("cabin", tpb.TARGET_UNSPECIFIED)

        async def steered() -> bool:
            reply = await s.cache.MatchTracks(
                pb.MatchTracksRequest(server="cabin", tracks=[query_of(home_only.title, artist)]),
                timeout=TIMEOUT,
            )
            found = reply.results[0]
            return found.method == pb.MATCH_METHOD_OVERRIDE and found.match.item_id == cabin_item

        await eventually(steered, within=30, what="the cabin's cache to follow the pin")
        at_home = await s.cache.MatchTracks(
            pb.MatchTracksRequest(server="plex", tracks=[query_of(home_only.title, artist)]),
            timeout=TIMEOUT,
        )
        assert at_home.results[0].method != pb.MATCH_METHOD_OVERRIDE, "plex's matching is its own"
        listed = await s.config.ListMatchOverrides(
            cpb.ListMatchOverridesRequest(server="cabin"), timeout=TIMEOUT
        )
        assert [o.item_id for o in listed.overrides] == [cabin_item]

        for bad in (
            cpb.MatchOverride(server="attic", key=pin.key, action=pin.action, item_id="1"),
            cpb.MatchOverride(
                server="cabin", target=tpb.TARGET_PLEX, key=pin.key, action=pin.action,
                item_id="1",
            ),
        ):  # fmt: skip
            refused = await expect_error(
                s.config.PutMatchOverride(
                    cpb.PutMatchOverrideRequest(override=bad), timeout=TIMEOUT
                ),
                grpc.StatusCode.INVALID_ARGUMENT,
            )
            assert_invalid(refused, "override.server")

        await s.config.DeleteServer(cpb.DeleteServerRequest(name="cabin"), timeout=TIMEOUT)
        after = await s.config.ListMatchOverrides(cpb.ListMatchOverridesRequest(), timeout=TIMEOUT)
        assert [o.server for o in after.overrides] == [], "the cabin's pin went with it"
