# ruff: noqa: RUF001  (curly apostrophes are deliberate: matchers must handle them)
"""A seeded music catalogue with the cases that trip matchers, shared by both emulators.

The same seed gives the same catalogue on every run and machine, so a test can name the
tracks it expects.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from emulators.catalog_extra import EXTRA_ALBUMS, artist_mbid
from emulators.tracklist import TrackList

BASE_EPOCH = 1_577_836_800  # 2020-01-01: generated dates lie in [BASE_EPOCH, BASE_EPOCH+4y)
VARIOUS = "Various Artists"


@dataclass(frozen=True, slots=True)
class Track:
    """One track as both servers know it. ``credit`` is the track artist string as Plex
    shows it in ``originalTitle``; ``artists`` the split list Jellyfin shows in ``Artists``."""

    seq: int  # unique across the catalogue; the emulators derive their ids from it
    title: str
    credit: str
    artists: tuple[str, ...]
    album_artist: str
    album: str
    album_seq: int
    artist_seq: int
    track_no: int
    disc_no: int
    year: int
    duration_ms: int
    mbid: str
    added_at: int
    updated_at: int
    artist_mbids: tuple[str, ...] = ()  # MusicBrainz ids of ``artists``, in order, when known
    album_artist_mbid: str = ""  # MusicBrainz id of ``album_artist``, when known
    # The file under its library's folder ("" for the layout ``relative_file`` derives): set
    # when a test edits a track's tags, so the file stays where it was.
    file: str = ""


@dataclass
class Section:
    """A library: ``kind`` is "music" or "audiobooks" (music-typed on the server: a trap).
    ``location`` is its folder on the server's disk ("" for ``/media/<title>``): two
    emulators serving one library from different mounts differ only there."""

    number: int
    title: str
    kind: str
    tracks: TrackList = field(default_factory=TrackList)
    location: str = ""

    def __setattr__(self, name: str, value: Any) -> None:
        # Tracks are held as columns (emulators/tracklist.py) whatever they are given as.
        if name == "tracks" and not isinstance(value, TrackList):
            value = TrackList(value)
        object.__setattr__(self, name, value)


def _folder_name(name: str) -> str:
    """A tag as a folder or file name: the separators a file system refuses become "_"."""
    return "".join("_" if c in "/\\:" else c for c in name).strip() or "_"


def relative_file(track: Track) -> str:
    """Where a tagger files ``track`` under its library's folder: the album artist's folder,
    the album's, then "<disc>-<number> <title>.flac"."""
    if track.file:
        return track.file
    name = f"{track.disc_no}-{track.track_no:02d} {_folder_name(track.title)}.flac"
    return f"{_folder_name(track.album_artist)}/{_folder_name(track.album)}/{name}"


def section_location(section: Section) -> str:
    return section.location or f"/media/{section.title}"


def file_path(section: Section, track: Track) -> str:
    """The track's file as its server reports it (Plex ``Part file``, Jellyfin ``Path``)."""
    return f"{section_location(section)}/{relative_file(track)}"


@dataclass
class Catalog:
    seed: int
    sections: list[Section]

    def all_tracks(self) -> list[Track]:
        return [t for s in self.sections for t in s.tracks]


# Hard cases: (album artist, album, year, [(title, track credit, track artists, mbid?)]).
_HARD: list[tuple[str, str, int, list[tuple[str, str, tuple[str, ...]]]]] = [
    (
        "Motörhead",
        "Ace of Spades",
        1980,
        [("Ace of Spades", "", ()), ("Love Me Like a Reptile", "", ())],
    ),
    ("Beyoncé", "I Am... Sasha Fierce", 2008, [("Halo", "", ()), ("If I Were a Boy", "", ())]),
    (
        "AC/DC",
        "Back in Black",
        1980,
        [("Back in Black", "", ()), ("You Shook Me All Night Long", "", ())],
    ),
    ("P!nk", "Funhouse", 2008, [("So What", "", ()), ("Sober", "", ())]),
    ("Queen", "Jazz", 1978, [("Don’t Stop Me Now", "", ())]),
    ("The Beatles", "Let It Be", 1970, [("Let It Be", "", ()), ("Across the Universe", "", ())]),
    ("The The", "Soul Mining", 1983, [("This Is the Day", "", ())]),
    (
        "Simon & Garfunkel",
        "Bridge over Troubled Water",
        1970,
        [("The Boxer", "", ()), ("Cecilia", "", ())],
    ),
    (
        "Calvin Harris",
        "Funk Wav Bounces Vol. 1",
        2017,
        [
            (
                "Slide",
                "Calvin Harris feat. Frank Ocean & Migos",
                ("Calvin Harris", "Frank Ocean", "Migos"),
            ),
            (
                "Feels",
                "Calvin Harris feat. Pharrell Williams, Katy Perry & Big Sean",
                ("Calvin Harris", "Pharrell Williams", "Katy Perry", "Big Sean"),
            ),
        ],
    ),
    (
        "Daft Punk",
        "Random Access Memories",
        2013,
        [
            (
                "Get Lucky",
                "Daft Punk feat. Pharrell Williams & Nile Rodgers",
                ("Daft Punk", "Pharrell Williams", "Nile Rodgers"),
            ),
        ],
    ),
    ("Queen", "A Night at the Opera", 1975, [("Bohemian Rhapsody", "", ())]),
    (
        "Queen",
        "A Night at the Opera (2011 Remaster)",
        2011,
        [("Bohemian Rhapsody - Remastered 2011", "", ())],
    ),
    ("Queen", "Live at Wembley ’86", 1992, [("Bohemian Rhapsody (Live at Wembley)", "", ())]),
    ("Queen", "Bohemian Rhapsody Remixes", 2019, [("Bohemian Rhapsody (Remix)", "", ())]),
    ("Queen", "Greatest Hits", 1981, [("Bohemian Rhapsody", "", ())]),
    ("Leonard Cohen", "Various Positions", 1984, [("Hallelujah", "", ())]),
    ("Jeff Buckley", "Grace", 1994, [("Hallelujah", "", ())]),
    ("Rufus Wainwright", "Shrek (Soundtrack)", 2001, [("Hallelujah", "", ())]),
    (
        VARIOUS,
        "Now That’s What I Call Music! 42",
        1999,
        [
            ("Believe", "Cher", ("Cher",)),
            ("Hallelujah", "Jeff Buckley", ("Jeff Buckley",)),
            ("So What", "P!nk", ("P!nk",)),
            ("Halo", "Beyoncé", ("Beyoncé",)),
        ],
    ),
    (
        VARIOUS,
        "Kill Bill Vol. 1 (Original Soundtrack)",
        2003,
        [
            ("Bang Bang (My Baby Shot Me Down)", "Nancy Sinatra", ("Nancy Sinatra",)),
            ("Battle Without Honor or Humanity", "布袋寅泰", ("布袋寅泰",)),
        ],
    ),
    ("YOASOBI", "THE BOOK", 2021, [("夜に駆ける", "", ()), ("群青", "", ())]),
    ("PSY", "Psy 6 (Six Rules), Part 1", 2012, [("강남스타일", "", ())]),
    ("Кино", "Группа крови", 1988, [("Группа крови", "", ()), ("Звезда по имени Солнце", "", ())]),
    ("Sigur Rós", "( )", 2002, [("Untitled #1", "", ())]),
    ("Ed Sheeran", "÷", 2017, [("Shape of You", "", ()), ("Perfect", "", ())]),
    ("!!!", "Myth Takes", 2007, [("!!!", "", ()), ("★", "", ()), ("...", "", ())]),
    ("Björk", "Homogenic", 1997, [("Jóga", "", ()), ("Bachelorette", "", ())]),
    (
        "Sinéad O’Connor",
        "I Do Not Want What I Haven’t Got",
        1990,
        [("Nothing Compares 2 U", "", ())],
    ),
    ("Guns N’ Roses", "Appetite for Destruction", 1987, [("Sweet Child o’ Mine", "", ())]),
    ("Hall & Oates", "Private Eyes", 1981, [("I Can’t Go for That (No Can Do)", "", ())]),
    ("Mumford & Sons", "Sigh No More", 2009, [("The Cave", "", ())]),
]

_FIRST = [
    "Ava",
    "Leo",
    "Mia",
    "Noah",
    "Ivy",
    "Kai",
    "Zoe",
    "Eli",
    "Nora",
    "Omar",
    "Lena",
    "Hugo",
    "Rosa",
    "Theo",
    "Yara",
    "Jonas",
    "Elif",
    "Mateo",
    "Saoirse",
    "Chloé",
    "Søren",
    "Zoë",
]
_LAST = [
    "Rivers",
    "Stone",
    "Hart",
    "Vale",
    "Moreno",
    "Lindqvist",
    "Okafor",
    "Novak",
    "Brandt",
    "Castillo",
    "Nakamura",
    "Haddad",
    "O’Brien",
    "Müller",
    "Dubois",
    "Kowalski",
    "Ferreira",
]
_BAND_A = [
    "Velvet",
    "Electric",
    "Silver",
    "Midnight",
    "Paper",
    "Neon",
    "Crystal",
    "Broken",
    "Golden",
    "Hollow",
    "Wild",
    "Quiet",
    "Northern",
    "Lunar",
    "Rusty",
    "Scarlet",
]
_BAND_B = [
    "Horses",
    "Echoes",
    "Lights",
    "Machines",
    "Tides",
    "Foxes",
    "Ghosts",
    "Engines",
    "Gardens",
    "Satellites",
    "Wolves",
    "Parade",
    "Orchestra",
    "Rivals",
    "Sparrows",
]
_WORDS = [
    "Love",
    "Night",
    "Fire",
    "Heart",
    "Dream",
    "Rain",
    "Summer",
    "Shadow",
    "River",
    "Light",
    "Gold",
    "Ocean",
    "Road",
    "Home",
    "Sky",
    "Storm",
    "City",
    "Glass",
    "Dance",
    "Blue",
    "Time",
    "Stars",
    "Wire",
    "Fever",
    "Echo",
    "Winter",
    "Smoke",
    "Honey",
    "Thunder",
    "Moon",
]
_PATTERNS = [
    "{a} {b}",
    "The {a} {b}",
    "{a} of {b}",
    "{a}",
    "{a} in the {b}",
    "Don’t {v} My {a}",
    "{v} Me {a}",
    "{a} & {b}",
    "{a}, {b}",
]
_VERBS = ["Leave", "Hold", "Call", "Save", "Take", "Break", "Tell", "Show", "Find", "Wake"]
_SUFFIXES = [
    "",
    "",
    "",
    "",
    "",
    " - Remastered 2011",
    " (Live)",
    " (Radio Edit)",
    " (Acoustic)",
    " (Remix)",
    " (Instrumental)",
    " - 2009 Remaster",
    " (Demo)",
]


def _artist_name(rand: random.Random) -> str:
    roll = rand.random()
    if roll < 0.4:
        return f"{rand.choice(_FIRST)} {rand.choice(_LAST)}"
    if roll < 0.7:
        return f"The {rand.choice(_BAND_A)} {rand.choice(_BAND_B)}"
    if roll < 0.85:
        return f"{rand.choice(_BAND_A)} {rand.choice(_BAND_B)}"
    return (
        f"{rand.choice(_FIRST)} {rand.choice(_LAST)} & {rand.choice(_FIRST)} {rand.choice(_LAST)}"
    )


def _title(rand: random.Random) -> str:
    text = rand.choice(_PATTERNS).format(
        a=rand.choice(_WORDS), b=rand.choice(_WORDS), v=rand.choice(_VERBS)
    )
    return text + rand.choice(_SUFFIXES)


_VERSION_MASK = ~((0xC000 << 48) | (0xF000 << 64))
_VERSION_BITS = (0x8000 << 48) | (4 << 76)


class _Builder:
    """Hands out sequence numbers, dates and MBIDs from one seeded generator, writing each
    track straight into the columns of ``out`` (no ``Track`` is built)."""

    def __init__(self, seed: int) -> None:
        self.rand = random.Random(seed)
        self.seq = 0
        self.album_seq = 0
        self.artist_seqs: dict[str, int] = {}
        self.out = TrackList()
        self.append = self.out.appender()

    def use(self, out: TrackList) -> None:
        """Write the next tracks into ``out``."""
        self.out = out
        self.append = out.appender()

    def artist(self, name: str) -> int:
        return self.artist_seqs.setdefault(name, len(self.artist_seqs) + 1)

    def track(
        self,
        *,
        title: str,
        credit: str,
        artists: tuple[str, ...],
        album_artist: str,
        album: str,
        album_seq: int,
        track_no: int,
        year: int,
    ) -> None:
        self.seq += 1
        rand = self.rand
        added = BASE_EPOCH + rand.randrange(0, 4 * 365 * 86_400)
        # uuid.UUID(int=..., version=4)'s bytes, without the object.
        mbid = (
            ((rand.getrandbits(128) & _VERSION_MASK) | _VERSION_BITS).to_bytes(16, "big")
            if rand.random() < 0.3
            else ""
        )
        artist_seq = self.artist(album_artist)
        disc_no = 1 if rand.random() < 0.9 else 2
        duration_ms = rand.randrange(90_000, 420_000)
        updated = added + rand.randrange(0, 86_400)
        self.append(
            (self.seq, album_seq, artist_seq, track_no, disc_no, year, duration_ms, added, updated),
            (title, credit, album_artist, album, "", ""),
            (artists or (credit or album_artist,), ()),
            mbid,
        )


def _hard_tracks(builder: _Builder) -> None:
    for album_artist, album, year, songs in _HARD:
        builder.album_seq += 1
        for number, (title, credit, artists) in enumerate(songs, start=1):
            builder.track(
                title=title,
                credit=credit,
                artists=artists,
                album_artist=album_artist,
                album=album,
                album_seq=builder.album_seq,
                track_no=number,
                year=year,
            )


def _bulk_tracks(builder: _Builder, count: int) -> None:
    rand = builder.rand
    made = 0
    while made < count:
        builder.album_seq += 1
        artist = _artist_name(rand)
        album = _title(rand).split(" (")[0].split(" - ")[0]
        year = rand.randrange(1960, 2025)
        size = min(rand.randrange(6, 16), count - made)
        compilation = rand.random() < 0.05
        for number in range(1, size + 1):
            credit = ""
            artists: tuple[str, ...] = ()
            if compilation:
                credit = _artist_name(rand)
                artists = (credit,)
            elif rand.random() < 0.08:
                guest = _artist_name(rand)
                credit = f"{artist} feat. {guest}"
                artists = (artist, guest)
            builder.track(
                title=_title(rand),
                credit=credit,
                artists=artists,
                album_artist=VARIOUS if compilation else artist,
                album=album,
                album_seq=builder.album_seq,
                track_no=number,
                year=year,
            )
        made += size


def _audiobooks(builder: _Builder, count: int) -> None:
    for book in range(max(1, count // 10)):
        builder.album_seq += 1
        author = f"{builder.rand.choice(_FIRST)} {builder.rand.choice(_LAST)}"
        title = f"The {builder.rand.choice(_WORDS)} of {builder.rand.choice(_WORDS)}"
        for chapter in range(1, 11):
            builder.track(
                title=f"Chapter {chapter}",
                credit="",
                artists=(),
                album_artist=author,
                album=f"{title} (Unabridged)",
                album_seq=builder.album_seq,
                track_no=chapter,
                year=2000 + book % 24,
            )
    if len(builder.out) > count:
        builder.out.keep(range(count))  # the columns are new: no more appends


def _extra_tracks(first_seq: int, first_album_seq: int) -> list[Track]:
    """The fixed extra part (emulators/catalog_extra.py), numbered from ``first_seq``;
    it draws nothing from the seeded generator, so the generated part is unchanged."""
    tracks: list[Track] = []
    for album_number, (album_artist, album, year, songs) in enumerate(EXTRA_ALBUMS):
        for number, (title, credit, seconds) in enumerate(songs, start=1):
            seq = first_seq + len(tracks)
            artists = tuple(
                name.strip()
                for name in (credit.replace(" feat. ", " & ").split(" & ") if credit else ())
            ) or (album_artist,)
            tracks.append(
                Track(
                    seq=seq,
                    title=title,
                    credit=credit,
                    artists=artists,
                    album_artist=album_artist,
                    album=album,
                    album_seq=first_album_seq + album_number,
                    artist_seq=8_000_000 + album_number,
                    track_no=number,
                    disc_no=1,
                    year=year,
                    duration_ms=seconds * 1000,
                    mbid="",
                    added_at=BASE_EPOCH + seq,
                    updated_at=BASE_EPOCH + seq,
                    artist_mbids=tuple(artist_mbid(a) for a in artists),
                    album_artist_mbid=artist_mbid(album_artist),
                )
            )
    return tracks


def generate(
    seed: int = 1,
    tracks: int = 5000,
    music_libraries: int = 2,
    audiobooks: int = 40,
    extra: bool = False,
) -> Catalog:
    """``tracks`` music tracks (hard cases first) spread over ``music_libraries`` libraries,
    plus a music-typed audiobook library of ``audiobooks`` chapters (0 for none); with
    ``extra``, the fixed extra part (emulators/catalog_extra.py) joins the first library."""
    if music_libraries < 1:
        raise ValueError("at least one music library")
    builder = _Builder(seed)
    _hard_tracks(builder)
    music = builder.out
    if len(music) > tracks:
        music.keep(range(tracks))
        builder.use(music)
    _bulk_tracks(builder, tracks - len(music))
    names = ["Music", "Lossless", "Vinyl Rips", "Live Archive"]
    sections = []
    per = -(-len(music) // music_libraries)
    for index in range(music_libraries):
        title = names[index] if index < len(names) else f"Music {index + 1}"
        part = music.sub(index * per, min(len(music), (index + 1) * per))
        sections.append(Section(index + 1, title, "music", part))
    books = TrackList()
    if audiobooks:
        builder.use(books)
        _audiobooks(builder, audiobooks)
    if extra:
        sections[0].tracks.extend(_extra_tracks(builder.seq + 1, builder.album_seq + 1))
    if books:
        sections.append(Section(music_libraries + 1, "Audiobooks", "audiobooks", books))
    return Catalog(seed=seed, sections=sections)


def remounted(
    catalog: Catalog, root: str, retitled: Callable[[Track], str | None] = lambda _t: None
) -> Catalog:
    """The same files as ``catalog``'s, as another server sees them: each library a folder
    under ``root``, and the titles ``retitled`` gives (None keeps a track's) as if that
    server read other tags. The files keep their names: only the tags differ."""
    sections = []
    for section in catalog.sections:
        tracks = []
        for track in section.tracks:
            title = retitled(track)
            tracks.append(
                track if title is None else replace(track, title=title, file=relative_file(track))
            )
        sections.append(
            Section(
                section.number,
                section.title,
                section.kind,
                TrackList(tracks),
                f"{root}/{section.title}",
            )
        )
    return Catalog(catalog.seed, sections)


def touched(track: Track, now: int, title: str | None = None) -> Track:
    """The track after an edit at ``now`` (for change-detection tests)."""
    return replace(track, updated_at=now, title=title if title is not None else track.title)


def added_tracks(catalog: Catalog, count: int, now: int) -> list[Track]:
    """``count`` new tracks as a library scan would add them at ``now`` (added and saved
    then), with ``seq`` values no track of ``catalog`` has, for change-detection tests."""
    top = max((s.tracks.top_seq() for s in catalog.sections), default=0)
    return [
        Track(
            seq=top + n,
            title=f"Fresh Arrival {top + n}",
            credit="Newly Scanned",
            artists=("Newly Scanned",),
            album_artist="Newly Scanned",
            album=f"New Arrivals {now}",
            album_seq=9_000_000 + top + n,
            artist_seq=9_000_000,
            track_no=n,
            disc_no=1,
            year=2024,
            duration_ms=180_000 + n * 1000,
            mbid=str(uuid.UUID(int=random.Random(top + n).getrandbits(128), version=4)),
            added_at=now,
            updated_at=now,
        )
        for n in range(1, count + 1)
    ]


def imported_tracks(catalog: Catalog, entries: list[dict[str, Any]], now: int) -> list[Track]:
    """Tracks as a library scan would add an imported download at ``now``: each entry's
    ``title``, ``artist``, ``album`` and optional ``durationMs`` and ``recordingMbid``
    (the shape the emulated Lidarr's deliveries give), one album per distinct album."""
    top = max((s.tracks.top_seq() for s in catalog.sections), default=0)
    albums: dict[tuple[str, str], int] = {}
    made = []
    for n, entry in enumerate(entries, start=1):
        artist, album = str(entry["artist"]), str(entry["album"])
        album_seq = albums.setdefault((artist, album), 8_000_000 + top + n)
        made.append(
            Track(
                seq=top + n,
                title=str(entry["title"]),
                credit=artist,
                artists=(artist,),
                album_artist=artist,
                album=album,
                album_seq=album_seq,
                artist_seq=8_500_000 + top + n,
                track_no=n,
                disc_no=1,
                year=2024,
                duration_ms=int(entry.get("durationMs") or 200_000),
                mbid=str(entry.get("recordingMbid") or ""),
                added_at=now,
                updated_at=now,
            )
        )
    return made
