"""The hand-off's decisions, each a pure function: which tracks are wanted and how they
group into albums, what a lookup's results make of an album, the cap, the body an album is
added with, the names chosen in Lidarr, and how a refusal reads."""

from __future__ import annotations

import json
from typing import Any

import pytest

from common.domain import Destination
from common.lidarr.choice import choose
from common.lidarr.errors import refusal_text
from common.lidarr.model import Catalogue, FoundAlbum, FoundArtist, Profile, RootFolder
from common.matching import MatchMethod
from common.targets.errors import TargetRejected
from sync_svc.lidarr.after_run import summary
from sync_svc.lidarr.plan import (
    AlbumState,
    album_body,
    candidates_chosen,
    capped,
    lookup_term,
    resolve,
)
from sync_svc.lidarr.preview import HandoffPlan
from sync_svc.lidarr.wanted import WantedAlbum, track_key, wanted_albums
from sync_svc.runs import Outcome, Track, Via

PLEX, BOB = Destination("plex"), Destination("plex", "bob")
RG = "0f4a5c9e-7d1b-4a8e-9b1c-3e2d1f0a9b8c"


def miss(position: int, where: Destination = PLEX, **kw: Any) -> Outcome:
    fields: dict[str, Any] = {
        "method": MatchMethod.NONE,
        "confidence": 0.0,
        "reason": "not found",
        "authoritative": True,
    }
    fields.update(kw)
    return Outcome(position, where, Via.UNMATCHED, **fields)


def hit(position: int, where: Destination = PLEX) -> Outcome:
    return Outcome(position, where, Via.CACHE, MatchMethod.EXACT, 1.0, "exact")


TRACKS = (
    Track("Brine Choir", ("Marrow Lanterns",), "Salt Hymns"),
    Track("Lantern Oath", ("Marrow Lanterns",), "SALT HYMNS"),
    Track("Rust Bloom", ("Marrow Lanterns",), "Ferrous", release_group_mbid=RG),
    Track("Loose", ("Somebody",)),
    Track("Rejected", ("Somebody",), "Some Album"),
    Track("Only Bob's", ("Somebody",), "Bob Album"),
    Track("Found", ("Somebody",), "Found Album"),
)


def test_wanted_tracks_are_authoritative_misses_grouped_by_album() -> None:
    outcomes = [
        miss(0),
        miss(1),
        miss(2),
        miss(3),
        miss(4),
        miss(4, BOB, method=MatchMethod.OVERRIDE, reason="rejected by user"),
        hit(5),
        miss(5, BOB, authoritative=False, reason="not in bob's libraries"),
        hit(6),
    ]
    wanted = wanted_albums(TRACKS, outcomes)
    assert [(a.label, [t.position for t in a.tracks]) for a in wanted.albums] == [
        ("Marrow Lanterns - Salt Hymns", [0, 1]),
        ("Marrow Lanterns - Ferrous", [2]),
    ], "folded album names group; a user's rejection anywhere and a user's miss are not wanted"
    assert wanted.albums[1].key == RG
    assert [t.position for t in wanted.without_album] == [3]


def test_track_keys_prefer_the_recording_id() -> None:
    assert track_key(Track("Halo", ("Beyoncé",), recording_mbid="ABC")) == "mbid:abc"
    assert track_key(Track("Halo!", ("BEYONCE",))) == track_key(Track("halo", ("Beyoncé",)))


def album(
    title: str,
    artist: str,
    *,
    rg: str = RG,
    album_id: int = 0,
    artist_id: int = 0,
    on: bool = False,
) -> FoundAlbum:
    raw = {"foreignAlbumId": rg, "title": title, "artist": {"artistName": artist, "id": artist_id}}
    return FoundAlbum(album_id, title, rg, on, FoundArtist(artist_id, artist, "artist-id"), raw=raw)


WANTED = WantedAlbum("marrow lanterns|salt hymns", "Marrow Lanterns", "Salt Hymns", "", ())


@pytest.mark.parametrize(
    ("found", "state"),
    [
        (album("Salt Hymns", "Marrow Lanterns"), AlbumState.ADD_WITH_ARTIST),
        (album("salt hymns", "MARROW LANTERNS", artist_id=4), AlbumState.ADD),
        (album("Salt Hymns", "Marrow Lanterns", album_id=9, artist_id=4), AlbumState.MONITOR),
        (
            album("Salt Hymns", "Marrow Lanterns", album_id=9, artist_id=4, on=True),
            AlbumState.ALREADY_WANTED,
        ),
        (album("Salt Hymns (Live)", "Marrow Lanterns"), AlbumState.NOT_FOUND),
        (album("Salt Hymns", "Other Band"), AlbumState.NOT_FOUND),
    ],
)
def test_a_lookup_result_decides_what_a_send_does(found: FoundAlbum, state: AlbumState) -> None:
    assert lookup_term(WANTED) == "Marrow Lanterns Salt Hymns"
    assert resolve(WANTED, [found]).state is state


def test_several_fitting_release_groups_are_ambiguous_and_an_id_picks_one() -> None:
    twins = [
        album("Salt Hymns", "Marrow Lanterns", rg="a" * 8),
        album("Salt Hymns", "Marrow Lanterns", rg="b" * 8),
    ]
    ambiguous = resolve(WANTED, twins)
    assert ambiguous.state is AlbumState.AMBIGUOUS
    assert "aaaaaaaa" in ambiguous.message
    assert "bbbbbbbb" in ambiguous.message
    by_id = WantedAlbum("b" * 8, "Marrow Lanterns", "Salt Hymns", "b" * 8, ())
    assert lookup_term(by_id) == f"lidarr:{'b' * 8}"
    assert resolve(by_id, twins).found == twins[1]
    chosen = candidates_chosen([ambiguous], ["Salt Hymns", "BBBBBBBB"])
    assert (chosen[0].state, chosen[0].found, chosen[0].album_id) == (
        AlbumState.ADD_WITH_ARTIST,
        twins[1],
        "b" * 8,
    ), "a send naming a candidate's id sends that one"
    assert candidates_chosen([ambiguous], ["Salt Hymns", "c" * 8]) == [ambiguous]


def test_the_cap_defers_the_albums_that_would_act_past_it() -> None:
    new = resolve(WANTED, [album("Salt Hymns", "Marrow Lanterns")])
    held = resolve(WANTED, [album("Salt Hymns", "Marrow Lanterns", album_id=1, on=True)])
    states = [r.state for r in capped([new, held, new, new], 2)]
    assert states == [
        AlbumState.ADD_WITH_ARTIST,
        AlbumState.ALREADY_WANTED,
        AlbumState.ADD_WITH_ARTIST,
        AlbumState.DEFERRED,
    ]


CATALOGUE = Catalogue(
    (RootFolder(1, "Music", "/music", 3, 1),),
    (Profile(2, "Lossless"), Profile(3, "Standard")),
    (Profile(1, "Standard"),),
)


def test_a_new_artist_comes_unmonitored_with_only_the_wanted_albums_monitored() -> None:
    choice = choose(CATALOGUE, root_folder_name="", quality_name="lossless", metadata_name="")
    assert not isinstance(choice, list)
    body = album_body(album("Salt Hymns", "Marrow Lanterns"), choice, [RG, "other"])
    assert body["monitored"] is True
    assert body["addOptions"]["searchForNewAlbum"] is False
    artist = body["artist"]
    assert (artist["qualityProfileId"], artist["metadataProfileId"]) == (2, 1)
    assert (artist["rootFolderPath"], artist["monitored"], artist["monitorNewItems"]) == (
        "/music",
        False,
        "none",
    )
    assert artist["addOptions"]["monitor"] == "none"
    assert artist["addOptions"]["albumsToMonitor"] == [RG, "other"]
    existing = album_body(album("Salt Hymns", "Marrow Lanterns", artist_id=4), None, [])
    assert "addOptions" not in existing["artist"], "an artist Lidarr has is left as it is"


def test_names_lidarr_lacks_are_listed_and_empty_ones_take_its_defaults() -> None:
    chosen = choose(CATALOGUE, root_folder_name="/music/", quality_name="", metadata_name="")
    assert not isinstance(chosen, list)
    assert (chosen.root_folder.id, chosen.quality.name, chosen.metadata.name) == (
        1,
        "Standard",
        "Standard",
    )
    problems = choose(CATALOGUE, root_folder_name="Vinyl", quality_name="Ultra", metadata_name="")
    assert isinstance(problems, list)
    assert [p.key for p in problems] == ["LIDARR_ROOT_FOLDER", "LIDARR_QUALITY_PROFILE"]
    assert "it has 'Lossless', 'Standard'" in problems[1].message


def test_a_refusal_reads_as_lidarr_said_it() -> None:
    body = (
        '[{"propertyName": "ForeignAlbumId", "errorMessage": "This album has already been added."}]'
    )
    assert refusal_text(TargetRejected("x", status=400, body=body)) == (
        "ForeignAlbumId: This album has already been added."
    )
    model = TargetRejected("x", status=409, body='{"message": "conflict", "description": "d"}')
    assert refusal_text(model) == "conflict"
    assert refusal_text(TargetRejected("Lidarr: POST /album was rejected", status=400)) == (
        "Lidarr: POST /album was rejected"
    )


def test_the_automatic_send_in_one_line() -> None:
    new = resolve(WANTED, [album("Salt Hymns", "Marrow Lanterns")])
    plan = HandoffPlan("r", True, 5, (new, capped([new], 0)[0]), sent=1, error="")
    assert summary(plan) == "Lidarr: 1 album sent, 1 left for the next run"
    failing = HandoffPlan("r", True, 5, (), error="Lidarr: GET /api/v1/album/lookup failed")
    assert summary(failing) == "Lidarr: 0 albums sent (Lidarr: GET /api/v1/album/lookup failed)"


def test_a_jspf_track_gives_its_release_group_when_the_extension_names_it() -> None:
    from sync_svc.sources.jspf import parse_jspf

    extension = "https://musicbrainz.org/doc/jspf#track"
    document = {
        "playlist": {
            "track": [
                {
                    "title": "A",
                    "extension": {
                        extension: {"additional_metadata": {"release_group_mbid": RG.upper()}}
                    },
                },
                {
                    "title": "B",
                    "extension": {
                        extension: {
                            "release_group_identifier": f"https://musicbrainz.org/release-group/{RG}"
                        }
                    },
                },
                {
                    "title": "C",
                    "extension": {
                        extension: {"release_identifier": f"https://musicbrainz.org/release/{RG}"}
                    },
                },
            ]
        }
    }
    parsed = parse_jspf(json.dumps(document), origin="test", max_tracks=10)
    assert [t.release_group_mbid for t in parsed.tracks] == [RG, RG, ""], (
        "a release is no release group"
    )


def test_the_access_read_from_the_settings_never_shows_its_key() -> None:
    from common.config.registry import Registry
    from common.config.values import SettingValues
    from sync_svc.lidarr.access import LidarrAccess

    values = {"LIDARR_URL": "http://lidarr:8686", "LIDARR_API_KEY": "k3y-never-shown"}
    access = LidarrAccess.of(SettingValues(Registry(), values))
    assert access.api_key == "k3y-never-shown"
    assert "k3y-never-shown" not in repr(access), "a repr may end up in a log line"
    assert "http://lidarr:8686" in repr(access)


def test_the_room_a_send_has_left_counts_the_albums_handed_over() -> None:
    from sync_svc.lidarr.preview import room_left
    from sync_svc.lidarr.records import Handoff
    from sync_svc.lidarr.wanted import Wanted

    other = WantedAlbum("other", "X", "Other", "", ())
    wanted = Wanted((WANTED, other), ())
    recorded = {
        WANTED.key: Handoff("r", WANTED, AlbumState.ADDED.value, "", sent_at=1.0),
        other.key: Handoff("r", other, AlbumState.FAILED.value, "not sent: Lidarr is away"),
    }
    assert room_left(wanted, recorded, 5) == 4, "a failed album took no room"
    assert room_left(wanted, recorded, 1) == 0
    assert room_left(wanted, {}, 3) == 3
