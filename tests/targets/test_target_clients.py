"""Every method of both clients against the emulators over loopback HTTP, with the
requests each one cost counted on both sides."""

from __future__ import annotations

import sys

import pytest

from common.matching import LibraryTrack
from common.targets import EndpointClass, TargetLibrary, TargetTrack
from emulators.library import Track
from tests.support.target_clients import KINDS, Target, target

pytestmark = pytest.mark.timeout(60)


def catalogue_by_id(tgt: Target) -> dict[str, Track]:
    return {item_id: track for item_id, (_, track) in tgt.emulator.app.state.index.items()}


async def music(tgt: Target) -> list[TargetLibrary]:
    return list((await tgt.client.music_libraries()).chosen)


def by_title(tracks: list[TargetTrack], title: str) -> list[TargetTrack]:
    return [t for t in tracks if t.title == title]


async def test_identify_names_the_server(tgt: Target) -> None:
    identity = await tgt.client.identify()
    state = tgt.emulator.app.state
    expected = state.machine_id if tgt.kind.startswith("plex") else state.server_id
    assert identity.server_id == expected
    assert identity.version
    assert tgt.client.counter.get(EndpointClass.OTHER) == 1


async def test_music_libraries_leave_out_the_audiobook_trap(tgt: Target) -> None:
    choice = await tgt.client.music_libraries()
    assert [lib.title for lib in choice.chosen] == ["Music", "Lossless"]
    assert [(s.library.title, "audiobook" in s.reason) for s in choice.skipped] == [
        ("Audiobooks", True)
    ]
    assert "Audiobooks" in choice.describe()
    named = await tgt.client.music_libraries(["audiobooks"])
    assert [lib.title for lib in named.chosen] == ["Audiobooks"]
    assert tgt.client.counter.get(EndpointClass.LIBRARY_LISTING) == 2
    assert tgt.server_counts()["library_listing"] == 2


async def test_list_tracks_is_complete_ordered_and_faithful(tgt: Target) -> None:
    library = (await music(tgt))[0]
    tgt.reset_counts()
    progress: list[tuple[int, int]] = []
    tracks = await tgt.client.list_tracks(library, on_progress=lambda n, t: progress.append((n, t)))
    catalogue = catalogue_by_id(tgt)
    section = next(s for s in tgt.emulator.app.state.catalog.sections if s.title == "Music")
    assert len(tracks) == len(section.tracks) == 300
    in_section = set(section.tracks)  # a TrackList's ``in`` would build every track each time
    assert {t.item_id for t in tracks} == {i for i, tr in catalogue.items() if tr in in_section}
    assert progress[-1] == (300, 300)
    # 300 tracks in pages of 100: three requests, counted alike by client and server.
    assert tgt.client.counter.get(EndpointClass.TRACK_PAGE) == 3
    assert tgt.server_counts()["track_page"] == 3
    for track in tracks:
        source = catalogue[track.item_id]
        assert track.title == source.title
        assert track.album == source.album
        assert track.album_artist == source.album_artist
        assert track.duration_ms == source.duration_ms
        assert (track.track_index, track.disc_index, track.year) == (
            source.track_no,
            source.disc_no,
            source.year,
        )
        assert track.mbid == source.mbid
        assert track.added_at == source.added_at
        # Jellyfin's item DTO has no save date: the creation date stands in for it.
        saved = source.added_at if tgt.kind == "jellyfin" else source.updated_at
        assert track.updated_at == saved
        assert track.library == library.library_id
    again = await tgt.client.list_tracks(library)
    assert [t.item_id for t in again] == [t.item_id for t in tracks]  # a stable order
    # What a build reads: the same tracks as the index takes them, page by page, in server
    # order whichever page comes back first (list_all holds a page until its turn).
    pages: list[list[LibraryTrack]] = []
    tgt.reset_counts()
    await tgt.client.list_indexed(library, "Music", on_items=lambda page: pages.append(list(page)))
    assert [t for page in pages for t in page] == [t.indexed("Music") for t in tracks]
    assert tgt.server_counts()["track_page"] == len(pages) == 3


class _ImportsAsked:
    """A meta-path finder that notes every module an import looks for and finds none:
    an import of a module already loaded never gets this far."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, name: str, *_: object) -> None:
        self.names.append(name)


async def test_a_listing_imports_nothing_once_warm(tgt: Target) -> None:
    """A module that fails to import is searched for again on every try: httpcore tries
    sniffio for each lock it sets up, so a missing one costs a sys.path scan per request."""
    library = (await music(tgt))[0]
    await tgt.client.list_tracks(library)
    asked = _ImportsAsked()
    sys.meta_path.insert(0, asked)
    try:
        await tgt.client.list_tracks(library)
    finally:
        sys.meta_path.remove(asked)
    assert asked.names == []


async def test_track_artists_come_from_the_track_not_the_album(tgt: Target) -> None:
    tracks = await tgt.client.list_tracks((await music(tgt))[0])
    believe = by_title(tracks, "Believe")[0]
    assert believe.album_artist == "Various Artists"
    assert believe.artists == ("Cher",)
    slide = by_title(tracks, "Slide")[0]
    if tgt.kind == "jellyfin":
        assert slide.artists == ("Calvin Harris", "Frank Ocean", "Migos")
    else:
        assert slide.artists == ("Calvin Harris feat. Frank Ocean & Migos",)
    assert by_title(tracks, "Ace of Spades")[0].album_artist == "Motörhead"
    assert by_title(tracks, "Don’t Stop Me Now")  # noqa: RUF001 - a curly apostrophe on purpose
    assert by_title(tracks, "夜に駆ける")
    assert by_title(tracks, "Группа крови")
    assert len(by_title(tracks, "Hallelujah")) == 4  # three covers and a compilation copy
    assert any(t.mbid for t in tracks)


async def test_track_ids_sweep(tgt: Target) -> None:
    library = (await music(tgt))[1]
    ids = await tgt.client.track_ids(library)
    assert len(ids) == 300


async def test_changes_since_reports_edits_and_deletions(tgt: Target) -> None:
    library = (await music(tgt))[0]
    tracks = await tgt.client.list_tracks(library)
    # After the library's last save, as the server knows it (Jellyfin's items carry none).
    since = max(t.updated_at for t in catalogue_by_id(tgt).values()) + 1
    known = {t.item_id for t in tracks}
    quiet = await tgt.client.changes_since(library, since, known)
    assert quiet.changed == ()
    assert quiet.deleted_ids == frozenset()
    edited = [tracks[3].item_id, tracks[200].item_id]
    gone = tracks[10].item_id
    tgt.emulator.app.mutate({"touch": edited, "delete": [gone]})
    changes = await tgt.client.changes_since(library, since, known)
    assert {t.item_id for t in changes.changed} == set(edited)
    assert changes.deleted_ids == frozenset({gone})
    without_sweep = await tgt.client.changes_since(library, since)
    assert without_sweep.deleted_ids == frozenset()


async def test_search_folds_case_but_not_accents_and_is_counted(tgt: Target) -> None:
    library = (await music(tgt))[0]
    tgt.reset_counts()
    found = await tgt.client.search(library, "halo")
    assert {(t.title, t.album_artist) for t in found} == {
        ("Halo", "Beyoncé"),
        ("Halo", "Various Artists"),
    }
    joga = await tgt.client.search(library, "JÓGA")
    assert [t.title for t in joga] == ["Jóga"]
    assert await tgt.client.search(library, "joga") == [], "accents are not folded"
    assert [t.title for t in await tgt.client.search(library, "ga")] == ["Jóga"]
    assert tgt.client.counter.get(EndpointClass.SEARCH) == 4
    assert tgt.server_counts()["search"] == 4
    assert await tgt.client.search(library, "no such title anywhere") == []


async def test_artist_listing_finds_an_artists_tracks_in_one_request(tgt: Target) -> None:
    library = (await music(tgt))[0]
    tgt.reset_counts()
    queen = await tgt.client.artist_tracks(library, "Queen")
    assert "Don\u2019t Stop Me Now" in {t.title for t in queen}
    assert all("Queen" in (t.album_artist, *t.artists) for t in queen)
    # A curly or straight apostrophe in the playlist finds the library's spelling.
    guns = await tgt.client.artist_tracks(library, "Guns N' Roses")
    assert [t.title for t in guns] == ["Sweet Child o\u2019 Mine"]
    # Jellyfin finds the artist's id first (read-only), then lists by ArtistIds.
    per_listing = 2 if tgt.kind == "jellyfin" else 1
    assert tgt.client.counter.get(EndpointClass.SEARCH) == 2 * per_listing
    assert tgt.server_counts()["search"] == 2 * per_listing


async def test_artist_names_come_in_pages_with_their_total(tgt: Target) -> None:
    library = (await music(tgt))[0]
    section = next(s for s in tgt.emulator.app.state.catalog.sections if s.title == "Music")
    # Plex's artists are album artists; Jellyfin's /Artists lists track artists too.
    expected = {t.album_artist for t in section.tracks}
    if tgt.kind == "jellyfin":
        expected |= {a for t in section.tracks for a in t.artists}
    tgt.reset_counts()
    names: list[str] = []
    pages = 0
    while True:
        page, total = await tgt.client.artist_names(library, len(names), 40)
        pages += 1
        names.extend(page)
        if len(names) >= total or not page:
            break
    assert total == len(expected) > 40, "more than one page"
    assert sorted(names) == sorted(expected), "every artist once"
    assert "Кино" in names
    assert tgt.client.counter.get(EndpointClass.SEARCH) == pages
    assert tgt.server_counts()["search"] == pages


async def test_playlist_lifecycle(tgt: Target) -> None:
    tracks = await tgt.client.list_tracks((await music(tgt))[0])
    ids = [t.item_id for t in tracks[:8]]
    tgt.reset_counts()
    created = await tgt.client.create_playlist("Road trip", ids[:5])
    assert created.title == "Road trip"
    listed = await tgt.client.playlists()
    assert [(p.playlist_id, p.title, p.item_count) for p in listed] == [
        (created.playlist_id, "Road trip", 5)
    ]
    entries = await tgt.client.playlist_items(created.playlist_id)
    assert [e.item_id for e in entries] == ids[:5]
    if tgt.kind.startswith("plex"):
        assert all(e.entry_id != e.item_id for e in entries)
    else:  # Jellyfin 10.10 on reports the item's own id as its PlaylistItemId
        assert all(e.entry_id == e.item_id for e in entries)
    await tgt.client.add_to_playlist(created.playlist_id, ids[5:])
    entries = await tgt.client.playlist_items(created.playlist_id)
    assert [e.item_id for e in entries] == ids
    await tgt.client.remove_from_playlist(
        created.playlist_id, [entries[0].entry_id, entries[6].entry_id]
    )
    entries = await tgt.client.playlist_items(created.playlist_id)
    assert [e.item_id for e in entries] == [ids[i] for i in (1, 2, 3, 4, 5, 7)]
    await tgt.client.replace_playlist(created.playlist_id, [ids[7], ids[0]])
    entries = await tgt.client.playlist_items(created.playlist_id)
    assert [e.item_id for e in entries] == [ids[7], ids[0]]
    await tgt.client.delete_playlist(created.playlist_id)
    assert await tgt.client.playlists() == []
    writes = tgt.client.counter.get(EndpointClass.PLAYLIST_WRITE)
    # Plex: POST, PUT, 2 DELETEs (one per entry), DELETE + PUT, DELETE.
    # Jellyfin: POST, POST, DELETE (one per chunk of entries), DELETE + POST (replace: remove
    # every entry, add), DELETE.
    assert writes == (7 if tgt.kind.startswith("plex") else 6)
    assert tgt.server_counts()["playlist_write"] == writes
    assert tgt.server_counts()["playlist_read"] == tgt.client.counter.get(
        EndpointClass.PLAYLIST_READ
    )


@pytest.mark.parametrize("kind", KINDS)
async def test_long_playlists_are_chunked_under_the_url_limit(kind: str) -> None:
    async with target(kind, tracks=4200) as tgt:
        tracks = await tgt.client.list_tracks((await music(tgt))[0])
        ids = [t.item_id for t in tracks[:2000]]
        tgt.reset_counts()
        created = await tgt.client.create_playlist("Everything", ids)
        await tgt.client.add_to_playlist(created.playlist_id, ids[:1000])
        writes = tgt.client.counter.get(EndpointClass.PLAYLIST_WRITE)
        assert writes > 2  # more than one request per call: the lists were chunked
        assert tgt.server_counts()["playlist_write"] == writes
        assert tgt.server_counts()["other"] <= 1  # no 414 (a 414 is counted as other)
        entries = await tgt.client.playlist_items(created.playlist_id)
        # Jellyfin 10.11 drops items already in the playlist; the Plex emulator keeps them.
        held = ids if kind == "jellyfin" else ids + ids[:1000]
        assert [e.item_id for e in entries] == held
        assert tgt.client.counter.get(EndpointClass.PLAYLIST_READ) == len(held) // 100


async def test_plex_refuses_an_empty_playlist() -> None:
    async with target("plex-xml") as tgt:
        with pytest.raises(ValueError, match="Plex cannot create an empty playlist"):
            await tgt.client.create_playlist("Empty", [])


async def test_jellyfin_creates_an_empty_playlist() -> None:
    async with target("jellyfin") as tgt:
        created = await tgt.client.create_playlist("Empty", [])
        assert await tgt.client.playlist_items(created.playlist_id) == []


async def test_move_entry_reorders(tgt: Target) -> None:
    tracks = await tgt.client.list_tracks((await music(tgt))[0])
    ids = [t.item_id for t in tracks[:4]]
    created = await tgt.client.create_playlist("Order", ids)
    entries = await tgt.client.playlist_items(created.playlist_id)
    await tgt.client.move_entry(created.playlist_id, entries[3].entry_id, 0, entries)
    entries = await tgt.client.playlist_items(created.playlist_id)
    assert [e.item_id for e in entries] == [ids[3], ids[0], ids[1], ids[2]]
    await tgt.client.move_entry(created.playlist_id, entries[0].entry_id, 2, entries)
    entries = await tgt.client.playlist_items(created.playlist_id)
    assert [e.item_id for e in entries] == [ids[0], ids[1], ids[3], ids[2]]
