"""Match overrides over a real config_svc: put, list, delete, their revisions, the watch
events and snapshot, persistence across a restart, and bad input that changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TypeAlias

import grpc
import pytest
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from common.wire.channels import open_channel
from tests.support.config_service import running_config
from tests.support.rpc import TIMEOUT, assert_invalid, error_reason, expect_error, next_message

Stub: TypeAlias = "config_pb2_grpc.ConfigServiceAsyncStub"
MBID = "5B11F4CE-A62D-471E-81FC-A69A8278C7DA"


def pin(key: pb.SourceKey, item_id: str = "101", **fields: object) -> pb.MatchOverride:
    values: dict[str, object] = {
        "target": tpb.TARGET_PLEX,
        "key": key,
        "action": pb.OVERRIDE_ACTION_PIN,
        "item_id": item_id,
        "note": "the studio take",
        "author": "ana",
    }
    values.update(fields)
    return pb.MatchOverride(**values)  # type: ignore[arg-type]


def text(artist: str, title: str, album: str = "") -> pb.SourceKey:
    return pb.SourceKey(text=pb.TrackText(artist=artist, title=title, album=album))


async def put(
    config: Stub, override: pb.MatchOverride, expected: int = 0
) -> pb.PutMatchOverrideResponse:
    return await config.PutMatchOverride(
        pb.PutMatchOverrideRequest(override=override, expected_mod_revision=expected),
        timeout=TIMEOUT,
    )


async def listed(
    config: Stub, target: tpb.Target.ValueType = tpb.TARGET_UNSPECIFIED
) -> pb.ListMatchOverridesResponse:
    return await config.ListMatchOverrides(
        pb.ListMatchOverridesRequest(target=target), timeout=TIMEOUT
    )


async def test_put_list_replace_delete_each_one_revision(config: Stub) -> None:
    before = (await listed(config)).revision
    made = await put(config, pin(pb.SourceKey(recording_mbid=MBID)))
    assert made.revision == before + 1
    assert made.override.key.recording_mbid == MBID.lower()
    assert made.override.create_revision == made.override.mod_revision == made.revision
    assert made.override.update_time.seconds > 0
    assert list((await listed(config)).overrides) == [made.override]
    assert list((await listed(config, tpb.TARGET_JELLYFIN)).overrides) == []

    # The same put again, as a replacement: nothing changed, nothing written.
    again = await put(config, pin(pb.SourceKey(recording_mbid=MBID)), made.revision)
    assert again.revision == made.revision
    assert again.override.mod_revision == made.revision

    replaced = await put(
        config, pin(pb.SourceKey(recording_mbid=MBID), "202"), made.override.mod_revision
    )
    assert replaced.revision == made.revision + 1
    assert replaced.override.item_id == "202"
    assert replaced.override.create_revision == made.revision

    deleted = await config.DeleteMatchOverride(
        pb.DeleteMatchOverrideRequest(
            target=tpb.TARGET_PLEX, key=pb.SourceKey(recording_mbid=MBID.lower())
        ),
        timeout=TIMEOUT,
    )
    assert deleted.revision == replaced.revision + 1
    assert list((await listed(config)).overrides) == []


async def test_keys_are_stored_normalized_and_meet_any_spelling(config: Stub) -> None:
    isrc = await put(config, pin(pb.SourceKey(isrc="us-rc1-76-07839")))
    assert isrc.override.key.isrc == "USRC17607839"
    words = await put(
        config,
        pin(text("The Beatles feat. Billy Preston", "Get Back (Remastered 2009)", "Let It Be")),
    )
    assert words.override.key.text == pb.TrackText(
        artist="beatles", title="getback", album="letitbe"
    )
    duplicate = await expect_error(
        put(config, pin(text("BEATLES", "Get Back", "Let It Be!"))), grpc.StatusCode.ALREADY_EXISTS
    )
    assert error_reason(duplicate) == "MATCH_OVERRIDE_ALREADY_EXISTS"
    await config.DeleteMatchOverride(
        pb.DeleteMatchOverrideRequest(
            target=tpb.TARGET_PLEX, key=text("the beatles", "get back", "let it be")
        ),
        timeout=TIMEOUT,
    )
    assert [o.key.isrc for o in (await listed(config)).overrides] == ["USRC17607839"]


BAD: list[tuple[str, pb.MatchOverride, str]] = [
    ("unknown target", pin(text("a", "b"), target=tpb.TARGET_UNSPECIFIED), "override.target"),
    ("no key", pin(pb.SourceKey()), "override.key"),
    (
        "malformed MBID",
        pin(pb.SourceKey(recording_mbid="not-an-mbid")),
        "override.key.recording_mbid",
    ),
    ("empty MBID", pin(pb.SourceKey(recording_mbid="")), "override.key.recording_mbid"),
    ("malformed ISRC", pin(pb.SourceKey(isrc="US123")), "override.key.isrc"),
    ("text without title", pin(text("Artist", " ")), "override.key.text.title"),
    ("text without artist", pin(text("", "Title")), "override.key.text.artist"),
    ("no action", pin(text("a", "b"), action=pb.OVERRIDE_ACTION_UNSPECIFIED), "override.action"),
    ("pin without item", pin(text("a", "b"), item_id=""), "override.item_id"),
    ("long note", pin(text("a", "b"), note="x" * 1025), "override.note"),
]


@pytest.mark.parametrize(("case", "override", "field"), BAD, ids=[b[0] for b in BAD])
async def test_bad_input_names_the_field_and_changes_nothing(
    config: Stub, case: str, override: pb.MatchOverride, field: str
) -> None:
    await put(config, pin(pb.SourceKey(isrc="USRC17607839")))
    before = await listed(config)
    error = await expect_error(put(config, override), grpc.StatusCode.INVALID_ARGUMENT)
    assert_invalid(error, field)
    assert await listed(config) == before, case


async def test_duplicates_stale_revisions_and_unknown_deletes_change_nothing(config: Stub) -> None:
    made = await put(config, pin(pb.SourceKey(isrc="USRC17607839")))
    before = await listed(config)
    duplicate = await expect_error(
        put(config, pin(pb.SourceKey(isrc="USRC17607839"), "999")), grpc.StatusCode.ALREADY_EXISTS
    )
    assert str(made.revision) in (duplicate.details() or "")
    stale = await expect_error(
        put(config, pin(pb.SourceKey(isrc="USRC17607839"), "999"), made.revision + 5),
        grpc.StatusCode.ABORTED,
    )
    assert error_reason(stale) == "REVISION_MISMATCH"
    absent = await expect_error(
        config.DeleteMatchOverride(
            pb.DeleteMatchOverrideRequest(
                target=tpb.TARGET_JELLYFIN, key=pb.SourceKey(isrc="USRC17607839")
            ),
            timeout=TIMEOUT,
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    assert error_reason(absent) == "MATCH_OVERRIDE_NOT_FOUND"
    bad_delete = await expect_error(
        config.DeleteMatchOverride(
            pb.DeleteMatchOverrideRequest(key=pb.SourceKey(isrc="x")), timeout=TIMEOUT
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert_invalid(bad_delete, "target")
    bad_list = await expect_error(
        config.ListMatchOverrides(
            pb.ListMatchOverridesRequest(target=99),  # type: ignore[arg-type]
            timeout=TIMEOUT,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert_invalid(bad_list, "target")
    assert_invalid(bad_delete, "key.isrc")
    assert await listed(config) == before


async def test_any_item_id_is_stored_unchecked(config: Stub) -> None:
    """config_svc asks no other service about an item: its callers check it with cache_svc
    first, and cache_svc reports a pin whose item it lacks (stale_overrides)."""
    made = await put(config, pin(text("a", "b"), "no-cache-holds-this"))
    assert made.override.item_id == "no-cache-holds-this"
    assert list((await listed(config)).overrides) == [made.override]


async def test_watch_streams_overrides_and_the_snapshot_holds_them(config: Stub) -> None:
    made = await put(config, pin(pb.SourceKey(isrc="USRC17607839")))
    stream = config.WatchConfig(
        pb.WatchConfigRequest(after_revision=0, progress_interval_ms=200), timeout=30
    )
    first = await next_message(stream)
    assert first.kind == pb.WATCH_RESPONSE_KIND_SNAPSHOT
    assert list(first.snapshot.match_overrides) == [made.override]
    rejected = await put(
        config,
        pb.MatchOverride(
            target=tpb.TARGET_JELLYFIN,
            key=text("Muse", "Uprising"),
            action=pb.OVERRIDE_ACTION_REJECT,
        ),
    )
    await config.DeleteMatchOverride(
        pb.DeleteMatchOverrideRequest(
            target=tpb.TARGET_PLEX, key=pb.SourceKey(isrc="USRC17607839")
        ),
        timeout=TIMEOUT,
    )
    events: list[tuple[int, pb.ConfigEvent]] = []
    while len(events) < 2:
        message = await next_message(stream)
        events += [(message.revision, e) for e in message.events]
    stream.cancel()
    (put_revision, put_event), (delete_revision, delete_event) = events
    assert put_event.type == pb.EVENT_TYPE_MATCH_OVERRIDE_PUT
    assert put_event.match_override == rejected.override
    assert put_revision == rejected.revision
    assert delete_event.type == pb.EVENT_TYPE_MATCH_OVERRIDE_DELETED
    assert delete_event.match_override == pb.MatchOverride(
        target=tpb.TARGET_PLEX, key=pb.SourceKey(isrc="USRC17607839"), server="plex"
    )
    assert delete_revision == put_revision + 1


async def test_overrides_and_their_log_survive_a_restart(database_url: str, tmp_path: Path) -> None:
    async with running_config(database_url, tmp_path) as app:
        channel = open_channel(f"127.0.0.1:{app.server.port}")
        config = config_pb2_grpc.ConfigServiceStub(channel)
        first = await put(config, pin(pb.SourceKey(recording_mbid=MBID)))
        made = await put(config, pin(pb.SourceKey(isrc="USRC17607839")))
        await channel.close(None)
    async with running_config(database_url, tmp_path) as app:
        channel = open_channel(f"127.0.0.1:{app.server.port}")
        try:
            config = config_pb2_grpc.ConfigServiceStub(channel)
            assert list((await listed(config)).overrides) == [made.override, first.override]
            replay = config.WatchConfig(
                pb.WatchConfigRequest(after_revision=made.revision - 1), timeout=30
            )
            message = await next_message(replay)
            replay.cancel()
            assert message.revision == made.revision
            assert [e.match_override for e in message.events] == [made.override]
        finally:
            await channel.close(None)


async def test_an_override_of_a_created_server_with_a_long_name(config: Stub) -> None:
    name = "the-cabin-by-the-lake-with-the-old-plex-server"  # 46 characters
    server = pb.Server(name=name, kind=pb.SERVER_KIND_PLEX, url="http://cabin.lan:32400")
    await config.CreateServer(pb.CreateServerRequest(server=server), timeout=TIMEOUT)
    made = await put(config, pin(pb.SourceKey(isrc="USRC17607839"), server=name, target=0))
    assert (made.override.server, made.override.target) == (name, tpb.TARGET_UNSPECIFIED)
    mine = await config.ListMatchOverrides(
        pb.ListMatchOverridesRequest(server=name), timeout=TIMEOUT
    )
    assert [o.server for o in mine.overrides] == [name]
    await config.DeleteMatchOverride(
        pb.DeleteMatchOverrideRequest(server=name, key=pb.SourceKey(isrc="USRC17607839")),
        timeout=TIMEOUT,
    )
    assert not (await listed(config)).overrides
