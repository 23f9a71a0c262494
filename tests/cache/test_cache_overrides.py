"""cache_svc and match overrides: MatchTracks answers OVERRIDE, LookupItems tells the
callers that check a pin which items the cache holds, and a pin whose item is gone (or was
put unchecked: config_svc calls no other service) is matched by the rules, listed in the
status and shown by the gateway as a warning whose fix deletes it."""

from __future__ import annotations

from pathlib import Path

from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.gateway.v1 import gateway_pb2 as gpb
from cmdarr.gateway.v1 import gateway_pb2_grpc

from common.wire.channels import open_channel
from tests.support.cache_service import settle
from tests.support.inprocess_stack import (
    MUSIC,
    PLEX,
    configure,
    stack,
    with_gateway,
)
from tests.support.rpc import TIMEOUT
from tests.support.waiting import eventually

TRACK = MUSIC[10]
ARTIST = (TRACK.credit or TRACK.album_artist).split(" feat. ")[0]
KEY = cpb.SourceKey(text=cpb.TrackText(artist=ARTIST, title=TRACK.title))


def pin(item_id: str) -> cpb.PutMatchOverrideRequest:
    return cpb.PutMatchOverrideRequest(
        override=cpb.MatchOverride(
            target=PLEX, key=KEY, action=cpb.OVERRIDE_ACTION_PIN, item_id=item_id
        )
    )


def query() -> pb.MatchTracksRequest:
    return pb.MatchTracksRequest(
        target=PLEX,
        tracks=[pb.TrackQuery(ref="0", title=TRACK.title, artists=[ARTIST])],
    )


async def test_stale_pins_fall_back_warn_and_are_fixed(database_url: str, tmp_path: Path) -> None:
    async with stack(database_url, tmp_path) as s, with_gateway(s, tmp_path) as gw:
        # No cache serves Plex yet: the id cannot be checked and is accepted.
        stale = await s.config.PutMatchOverride(pin("gone-404"), timeout=TIMEOUT)
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, TARGET_MAX_REQUESTS_PER_SECOND="1000",
            PLEX_CLIENT_ENABLED="true",
        )  # fmt: skip
        status = await settle(s.cache, pb.CACHE_STATE_READY, target=PLEX, limit=60)
        assert list(status.stale_overrides) == [stale.override]
        fallback = (await s.cache.MatchTracks(query(), timeout=TIMEOUT)).results[0]
        assert fallback.method in (pb.MATCH_METHOD_EXACT, pb.MATCH_METHOD_FUZZY)
        assert "gone-404" in fallback.reason
        real = fallback.match.item_id

        # Now a generation serves Plex: a pin put without the callers' check (straight to
        # config_svc, which stores it) is listed as stale too.
        other = cpb.PutMatchOverrideRequest(
            override=cpb.MatchOverride(
                target=PLEX,
                key=cpb.SourceKey(isrc="USRC17607839"),
                action=cpb.OVERRIDE_ACTION_PIN,
                item_id="nope",
            )
        )
        unchecked = await s.config.PutMatchOverride(other, timeout=TIMEOUT)

        async def both_stale() -> bool:
            request = pb.GetCacheStatusRequest(target=PLEX)
            status = (await s.cache.GetCacheStatus(request, timeout=TIMEOUT)).statuses[0]
            return len(status.stale_overrides) == 2

        await eventually(both_stale, within=20, what=f"revision {unchecked.revision} applied")
        looked = await s.cache.LookupItems(
            pb.LookupItemsRequest(target=PLEX, item_ids=[real, "nope"]), timeout=TIMEOUT
        )
        assert (
            looked.serving,
            [i.item_id for i in looked.items],
            list(looked.missing_item_ids),
        ) == (
            True,
            [real],
            ["nope"],
        )

        # The gateway warns with a fix, and the fix deletes the stale pin.
        channel = open_channel(f"127.0.0.1:{gw.server.port}")
        gateway = gateway_pb2_grpc.GatewayServiceStub(channel)
        warnings = (
            await gateway.GetStatus(gpb.GetStatusRequest(), timeout=TIMEOUT)
        ).status.warnings
        (warning,) = [w for w in warnings if w.code == "MATCH_OVERRIDE_ITEM_GONE"]
        assert "gone-404" in warning.message
        assert "nope" in warning.message
        assert warning.fix.action == cpb.FIX_ACTION_DELETE_STALE_MATCH_OVERRIDES
        await gateway.ApplyAction(gpb.ApplyActionRequest(fix=warning.fix), timeout=TIMEOUT)
        await channel.close(None)
        assert not (
            await s.config.ListMatchOverrides(cpb.ListMatchOverridesRequest(), timeout=TIMEOUT)
        ).overrides

        # A pin to an item the cache holds is applied.
        target_item = looked.items[0].item_id
        put = await s.config.PutMatchOverride(pin(target_item), timeout=TIMEOUT)

        async def applied() -> pb.MatchResult | None:
            result = (await s.cache.MatchTracks(query(), timeout=TIMEOUT)).results[0]
            return result if result.method == pb.MATCH_METHOD_OVERRIDE else None

        result = await eventually(applied, within=20, what=f"revision {put.revision} applied")
        assert (result.match.item_id, result.reason, result.confidence) == (
            target_item,
            "pinned by user",
            1.0,
        )
        status = await settle(s.cache, pb.CACHE_STATE_READY, target=PLEX)
        assert not status.stale_overrides
