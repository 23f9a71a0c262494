"""What the emulated Lidarr's metadata server knows: artists and their release groups
(Lidarr's albums) with their tracks, as MusicBrainz would give them. Plain data, and the
two ways Lidarr reads it: by release-group id (``lidarr:<mbid>``) and by free text.

The default world (``demo_world``) is a handful of made-up artists whose names no
generated library uses (emulators/library.py), so a playlist of their tracks misses on
every emulated Plex and Jellyfin until the tracks are "delivered" there. It holds the
cases the hand-off meets: an artist Lidarr lacks, one it has with an album it does not
monitor, and two release groups of one title by one artist (several candidates)."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Ids are UUIDs derived from names, stable across runs (not real MusicBrainz ids).
_NAMESPACE = uuid.UUID("5d3b4c2e-7a51-4f0e-9d6c-2b1a0e9f8c7d")


def mbid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


@dataclass(frozen=True)
class MetaTrack:
    title: str
    duration_ms: int
    recording_mbid: str


@dataclass(frozen=True)
class MetaArtist:
    mbid: str
    name: str


@dataclass(frozen=True)
class MetaAlbum:
    """A release group: Lidarr's album. ``mbid`` is what Lidarr calls ``foreignAlbumId``."""

    mbid: str
    title: str
    artist: MetaArtist
    release_date: str  # ISO date
    tracks: tuple[MetaTrack, ...]
    album_type: str = "Album"
    disambiguation: str = ""

    @property
    def release_mbid(self) -> str:
        """The one release the emulator gives each release group."""
        return mbid("release", self.mbid)


def fold(text: str) -> str:
    """Case, accents and punctuation folded: how a free-text search compares words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = (ch for ch in decomposed if not unicodedata.combining(ch))
    kept = "".join(ch if ch.isalnum() else " " for ch in bare)
    return " ".join(kept.split())


@dataclass(frozen=True)
class World:
    """Every artist and release group the metadata server knows."""

    albums: tuple[MetaAlbum, ...]

    @property
    def artists(self) -> tuple[MetaArtist, ...]:
        return tuple(dict.fromkeys(a.artist for a in self.albums))

    def album(self, album_mbid: str) -> MetaAlbum | None:
        return next((a for a in self.albums if a.mbid == album_mbid.lower()), None)

    def artist(self, artist_mbid: str) -> MetaArtist | None:
        return next((a for a in self.artists if a.mbid == artist_mbid.lower()), None)

    def albums_of(self, artist_mbid: str) -> list[MetaAlbum]:
        return [a for a in self.albums if a.artist.mbid == artist_mbid]

    def search_albums(self, term: str, limit: int = 20) -> list[MetaAlbum]:
        """Free text: the release groups whose title and artist name hold every word of
        ``term`` (folded), in the world's order; at most ``limit``."""
        words = fold(term).split()
        if not words:
            return []
        found = [a for a in self.albums if _holds(f"{a.title} {a.artist.name}", words)]
        return found[:limit]

    def search_artists(self, term: str, limit: int = 20) -> list[MetaArtist]:
        words = fold(term).split()
        return [a for a in self.artists if words and _holds(a.name, words)][:limit]


def _holds(text: str, words: Sequence[str]) -> bool:
    have = set(fold(text).split())
    return all(word in have for word in words)


def make_album(
    artist: MetaArtist,
    title: str,
    year: int,
    titles: Iterable[str],
    *,
    disambiguation: str = "",
    album_type: str = "Album",
) -> MetaAlbum:
    album_mbid = mbid("release-group", artist.name, title, disambiguation)
    tracks = tuple(
        MetaTrack(name, 180_000 + 7_000 * n, mbid("recording", artist.name, title, name))
        for n, name in enumerate(titles)
    )
    return MetaAlbum(
        album_mbid,
        title,
        artist,
        f"{year}-05-14",
        tracks,
        album_type=album_type,
        disambiguation=disambiguation,
    )


def artist_named(name: str) -> MetaArtist:
    return MetaArtist(mbid("artist", name), name)


MARROW = artist_named("Marrow Lanterns")
TINFOIL = artist_named("The Tinfoil Saints")
QUILL = artist_named("Odalys Quillfeather")
HARBOUR = artist_named("Harbour Vesper")


def demo_world() -> World:
    """Marrow Lanterns (three albums), The Tinfoil Saints (two "Greatest Hits" release
    groups and "Paper Comets"), Odalys Quillfeather (two albums) and Harbour Vesper (one)."""
    return World(
        (
            make_album(
                MARROW,
                "Salt Hymns",
                2004,
                ("Brine Choir", "Lantern Oath", "Wreckers' Waltz", "Low Tide Psalm"),
            ),
            make_album(MARROW, "Lowland Static", 2008, ("Fen Radio", "Peat Signal", "Dyke Road")),
            make_album(MARROW, "Ferrous", 2013, ("Rust Bloom", "Iron Lung Summer")),
            make_album(TINFOIL, "Paper Comets", 1996, ("Comet Tail", "Origami Sky", "Foldline")),
            make_album(
                TINFOIL,
                "Greatest Hits",
                1999,
                ("Comet Tail", "Tin Halo"),
                disambiguation="1999 compilation",
                album_type="Compilation",
            ),
            make_album(
                TINFOIL,
                "Greatest Hits",
                2011,
                ("Comet Tail", "Tin Halo", "Saint Solder"),
                disambiguation="2011 compilation",
                album_type="Compilation",
            ),
            make_album(QUILL, "Night Orchard", 2017, ("Pear Moon", "Quince", "Cold Frame Song")),
            make_album(QUILL, "Glasshouse Weather", 2020, ("Condensation", "Vent Lines")),
            make_album(
                HARBOUR, "Breakwater Hours", 2019, ("Harbour Lights Out", "Gull Cipher", "Ballast")
            ),
        )
    )
