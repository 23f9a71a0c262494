"""Parsing Plex XML/JSON and Jellyfin JSON into domain objects, and refusing what is not."""

from __future__ import annotations

from typing import Any

import pytest

from common.targets.jellyfin import authorization_header
from common.targets.jellyfin_parse import (
    JellyfinParseError,
    epoch,
    indexed_from_item,
    items_page,
    mbid_of,
    track_from_item,
)
from common.targets.plex_parse import (
    PlexParseError,
    mbid_from_guids,
    parse_container,
    tracks_of,
)
from common.targets.settings import ClientSettings

UUID = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"

XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<MediaContainer size="1" totalSize="42" offset="0">
  <Track ratingKey="7" key="/library/metadata/7" type="track" title="Slide"
         grandparentTitle="Calvin Harris"
         originalTitle="Calvin Harris feat. Frank Ocean &amp; Migos"
         parentTitle="Funk Wav Bounces Vol. 1" index="1" parentIndex="1" duration="230000"
         addedAt="1600000000" updatedAt="1600000100" year="2017">
    <Guid id="mbid://recording/{UUID.upper()}" />
    <Media id="1"><Part id="1" /></Media>
  </Track>
</MediaContainer>"""

JSON = (
    '{"MediaContainer": {"size": 1, "totalSize": 42, "offset": 0, "Metadata": [{"ratingKey": "7",'
    ' "type": "track", "title": "Slide", "grandparentTitle": "Calvin Harris",'
    ' "originalTitle": "Calvin Harris feat. Frank Ocean & Migos",'
    ' "parentTitle": "Funk Wav Bounces Vol. 1", "index": 1, "parentIndex": 1,'
    ' "duration": 230000, "addedAt": 1600000000, "updatedAt": 1600000100, "year": 2017,'
    f' "Guid": [{{"id": "mbid://recording/{UUID.upper()}"}}]}}]}}}}'
)


@pytest.mark.parametrize(("body", "content_type"), [(XML, "text/xml"), (JSON, "application/json")])
def test_plex_xml_and_json_give_the_same_track(body: str, content_type: str) -> None:
    container = parse_container(body.encode(), content_type)
    assert container.int_attr("totalSize") == 42
    [track] = tracks_of(container, "1")
    assert track.item_id == "7"
    assert track.artists == ("Calvin Harris feat. Frank Ocean & Migos",)
    assert track.album_artist == "Calvin Harris"
    assert (track.duration_ms, track.track_index, track.disc_index, track.year) == (
        230000,
        1,
        1,
        2017,
    )
    assert track.mbid == UUID
    assert (track.added_at, track.updated_at) == (1600000000, 1600000100)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (XML[: len(XML) // 2], "text/xml"),
        (JSON[: len(JSON) // 2], "application/json"),
        ("<html>proxy error</html>", "text/html"),
        ('{"error": 1}', "application/json"),
    ],
)
def test_plex_refuses_what_is_not_a_media_container(body: str, content_type: str) -> None:
    with pytest.raises(PlexParseError):
        parse_container(body.encode(), content_type)


def test_mbid_forms() -> None:
    assert mbid_from_guids((f"mbid://{UUID}",)) == UUID
    assert mbid_from_guids(("plex://track/abc", f"mbid://recording/{UUID}")) == UUID
    assert mbid_from_guids(("mbid://release/abc", "mbid://not-a-uuid")) == ""


def test_jellyfin_dates_with_seven_fraction_digits() -> None:
    assert epoch("2020-09-13T12:26:40.0000000Z") == 1600000000
    assert epoch("2020-09-13T12:26:40Z") == 1600000000
    assert epoch(None) == 0
    with pytest.raises(JellyfinParseError):
        epoch("yesterday")


def test_jellyfin_track_and_recording_mbid_only() -> None:
    item = {
        "Id": "abc",
        "Name": "Believe",
        "Artists": ["Cher"],
        "AlbumArtist": "Various Artists",
        "Album": "Now",
        "RunTimeTicks": 2_390_000_000,
        "IndexNumber": 1,
        "ProviderIds": {"MusicBrainzTrack": "11111111-1111-4111-8111-111111111111"},
        "DateCreated": "2020-09-13T12:26:40.0000000Z",
    }
    track = track_from_item(item, "lib")
    assert (track.artists, track.album_artist, track.duration_ms) == (
        ("Cher",),
        "Various Artists",
        239_000,
    )
    assert track.mbid == ""  # MusicBrainzTrack is the release-track id, not the recording
    assert mbid_of({"ProviderIds": {"MusicBrainzRecording": UUID}}) == UUID
    assert track.updated_at == track.added_at == 1600000000


@pytest.mark.parametrize(
    "item",
    [
        {  # every field the index reads, artist MBIDs in both fields, one split
            "Id": "a1", "Name": "Slide", "Artists": ["Calvin Harris", "Frank Ocean"],
            "AlbumArtist": "Calvin Harris", "Album": "Funk Wav", "RunTimeTicks": 2_300_000_000,
            "ProviderIds": {"MusicBrainzRecording": f" {UUID.upper()} ",
                            "MusicBrainzArtist": f"{UUID}/{UUID}",
                            "MusicBrainzAlbumArtist": "5b11f4ce-a62d-471e-81fc-a69a8278c7da"},
            "DateCreated": "2020-09-13T12:26:40.0000000Z", "Path": "/m/a/b/c.flac",
        },
        {"Id": "a2", "Artists": [], "AlbumArtist": "Cher", "RunTimeTicks": 0},
        {"Id": "a3", "Artists": [7], "RunTimeTicks": True, "ProviderIds": ["x"], "Name": None},
    ],
)  # fmt: skip
def test_jellyfin_items_read_for_the_index_as_tracks_then_indexed(item: dict[str, Any]) -> None:
    assert indexed_from_item(item, "Music") == track_from_item(item, "lib").indexed("Music")


def test_jellyfin_items_for_the_index_are_refused_as_tracks_are() -> None:
    for bad in ({"Name": "no id"}, {"Id": "x", "Artists": "Cher"}, {"Id": "x", "DateCreated": "?"}):
        with pytest.raises(JellyfinParseError):
            indexed_from_item(bad, "Music")


def test_jellyfin_pages_need_items_and_a_total() -> None:
    assert items_page({"Items": [], "TotalRecordCount": 0}) == ([], 0)
    bad_pages: list[object] = [
        {"Items": []},
        {"TotalRecordCount": 3},
        [],
        {"Items": [1], "TotalRecordCount": 1},
    ]
    for bad in bad_pages:
        with pytest.raises(JellyfinParseError):
            items_page(bad)


def test_jellyfin_authorization_header_form() -> None:
    header = authorization_header("tok", ClientSettings(device_id="dev-1"))
    assert header.startswith('MediaBrowser Token="tok", Client="cmdarr"')
    assert 'DeviceId="dev-1"' in header
    assert 'Version="' in header
