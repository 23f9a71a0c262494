"""Playlist tracks as real playlists write them, generated from the emulated catalogue with a
seed and labelled from how each was made (the catalogue is the ground truth, never the
matcher).

Every case starts from one catalogue track and changes one thing the way playlists and
streaming services do: case and spacing; the joiner between credits ("&", "and", "+",
"x", "with", "feat."); "&" written "and" in a title or the reverse (the generated titles
write "&"; the extra part's "Gin and Juice" is asked with "&"); one character inserted,
deleted, substituted or transposed in the artist or the title; accents stripped or added;
a leading "The"; remaster, live, mono, radio edit and year suffixes in brackets or after
a dash; a featured artist moved from the credit into the title; an album edition suffix;
no album; a duration a few seconds off. The null kinds have no right answer in the
library while a look-alike is there: the same title by another artist of the library, the
same artist with a title they do not have, a cover by an artist the library does not have.

A right answer is any catalogue track of the same recording: the same primary artist and
base title (case and accents folded), the same version marker (live, remix, acoustic,
instrumental, demo). A typo is one edit in a word of at least four letters that makes no
word or name the catalogue already has (that would be another song or artist, which no
reader could tell from a typo).
"""

from __future__ import annotations

import os
import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from common.matching import LibraryTrack, Query
from emulators.library import VARIOUS, Catalog, Track, generate

FIXED_SEED = 2027
# A run's fresh seed: chosen once per run (tests/conftest.py sets it for every xdist
# worker when it is not set), printed with its table; set it to replay a run.
SEED_ENV = "CMDARR_MATCH_SEED"
TRACKS = 20_000
PER_KIND = 210
_VERSION = re.compile(r"\b(live|remix|acoustic|instrumental|demo)\b")
_MARKER = re.compile(r"\b(remaster(ed)?|radio edit|mono|live|remix|acoustic|instrumental|demo)\b")
_SUFFIX = re.compile(r"\s*(?:\(([^()]*)\)|\[([^\[\]]*)\]|\s-\s([^()\[\]-]+))$")
JOINERS = (" & ", " and ", " + ", " x ", " with ", " feat. ", ", ")
NEUTRAL_SUFFIXES = (
    " - Remastered 2011",
    " (Remastered)",
    " - 2009 Remaster",
    " [Remastered 2015]",
    " (Mono)",
    " - Mono",
    " (Radio Edit)",
    " - Radio Edit",
    " (1997)",
    " - 2004",
)
VERSION_FORMS = ("{t} ({v})", "{t} - {v}", "{t} [{v}]")
FEATURE_FORMS = ("{t} (feat. {g})", "{t} [feat. {g}]", "{t} (ft. {g})", "{t} feat. {g}")
EDITION_FORMS = (
    "{a} (Deluxe Edition)",
    "{a} (Deluxe)",
    "{a} [Expanded Edition]",
    "{a} (Remastered)",
    "{a} - Deluxe Edition",
    "{a} (25th Anniversary Edition)",
    "{a} (Bonus Track Version)",
)
ACCENTED = {"a": "á", "e": "é", "i": "í", "o": "ö", "u": "ü", "n": "ñ", "c": "ç"}
# Names no catalogue draws (emulators/library.py): covers by artists the library lacks.
COVER_FIRST = ("Quinn", "Bram", "Talia", "Ines", "Milo", "Greta", "Cosmo", "Wren", "Otis")
COVER_LAST = ("Marlowe", "Achterberg", "Szabo", "Lindgren", "Pemberton", "Quayle", "Ibarra")
COVER_ALBUMS = ("Covers", "Songs We Love", "Under the Covers, Vol. 2", "Unplugged Sessions")

POSITIVE_KINDS = (
    "case and spacing",
    "credit joiner",
    "& and 'and' in the title",
    "typo in the artist",
    "typo in the title",
    "accents",
    "leading The",
    "version suffix",
    "featured artist moved",
    "album edition",
    "missing album",
    "duration jitter",
)
NULL_KINDS = (
    "null: same title, other artist",
    "null: same artist, other title",
    "null: cover version",
)
KINDS = POSITIVE_KINDS + NULL_KINDS


@dataclass(frozen=True)
class Case:
    kind: str
    query: Query
    expect: frozenset[str]  # item ids of the right answers; empty: none is in the library
    source: str  # the catalogue track it was made from, for a failure's message


@dataclass(frozen=True)
class Suite:
    seed: int
    catalog: Catalog
    cases: list[Case]

    def library(self) -> list[LibraryTrack]:
        return library_tracks(self.catalog)


def fold(text: str) -> str:
    """Case, accents, punctuation and spacing folded, "&" read "and": the labels' notion
    of the same name or title ("Ocean, Gold" is "Ocean Gold", "Zoë" is "Zoe")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("&", " and "))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ø", "o")
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def primary(track: Track) -> str:
    return track.credit.split(" feat. ")[0] if track.credit else track.album_artist


def loose(title: str) -> str:
    """A folded title without "and": what a null case keeps clear of ("City & Heart" and
    "City Heart" could be one song written two ways)."""
    return " ".join(w for w in fold(title).split() if w != "and")


def base_title(title: str) -> str:
    """The title without its version and remaster suffixes; other brackets are part of
    it ("Bang Bang (My Baby Shot Me Down)")."""
    for _ in range(3):
        found = _SUFFIX.search(title)
        if not found or found.start() == 0:
            break
        inner = next(g for g in found.groups() if g is not None)
        if not _MARKER.search(inner.lower()):
            break
        title = title[: found.start()].rstrip()
    return title


def version_of(title: str) -> str:
    found = _VERSION.search(title.lower())
    return found.group(1) if found else ""


def _without_the(name: str) -> str:
    return name[4:] if name.startswith("the ") else name


def names_of(track: Track) -> set[str]:
    """Every name a track is credited under, folded, with and without a leading 'the'."""
    raw = {primary(track), track.album_artist, track.credit, *track.artists}
    for name in list(raw):
        raw.update(name.replace(" feat. ", " & ").split(" & "))
    out = {fold(n) for n in raw if n and n != VARIOUS}
    return out | {_without_the(n) for n in out}


def library_tracks(catalog: Catalog) -> list[LibraryTrack]:
    return [
        LibraryTrack(
            item_id=str(t.seq),
            library=section.title,
            title=t.title,
            artists=t.artists,
            album_artist=t.album_artist,
            album=t.album,
            duration_ms=t.duration_ms,
            mbid=t.mbid,
            artist_mbids=t.artist_mbids,
        )
        for section in catalog.sections
        if section.kind == "music"
        for t in section.tracks
    ]


def typo(word: str, rand: random.Random) -> str:
    """``word`` with one character inserted, deleted, substituted or transposed."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    at = rand.randrange(1, len(word))  # a first letter is seldom mistyped
    op = rand.choice(("insert", "delete", "substitute", "transpose"))
    if op == "insert":
        return word[:at] + rand.choice(letters) + word[at:]
    if op == "delete":
        return word[:at] + word[at + 1 :]
    if op == "substitute":
        other = rand.choice([c for c in letters if c != word[at].lower()])
        return word[:at] + other + word[at + 1 :]
    at = min(at, len(word) - 2)
    if word[at] == word[at + 1]:
        return word[:at] + word[at + 1 :]  # nothing to swap: drop one of the pair
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


class _Maker:
    """What the kinds draw on: the catalogue's recordings, names and title words."""

    def __init__(self, catalog: Catalog, rand: random.Random) -> None:
        self.rand = rand
        self.music = [t for s in catalog.sections if s.kind == "music" for t in s.tracks]
        self.recordings: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        self.names_by_title: dict[str, set[str]] = defaultdict(set)
        self.titles_by_name: dict[str, set[str]] = defaultdict(set)
        self.albums_by_name: dict[str, set[str]] = defaultdict(set)
        self.title_words: set[str] = set()
        self.known_names: set[str] = set()
        for t in self.music:
            base = loose(base_title(t.title))
            self.recordings[self._recording(t)].append(t.seq)
            names = names_of(t)
            self.names_by_title[base] |= names
            for name in names:
                self.titles_by_name[name].add(base)
                self.albums_by_name[name].add(t.album)
            self.title_words.update(fold(t.title).split())
            self.known_names |= names
        self.name_words = {w for n in self.known_names for w in n.split()}
        self.primaries = sorted({primary(t) for t in self.music if primary(t) != VARIOUS})
        self.primaries_by_word: dict[str, list[str]] = defaultdict(list)
        for name in self.primaries:
            for word in set(fold(name).split()):
                self.primaries_by_word[word].append(name)
        self.base_titles = sorted({base_title(t.title) for t in self.music})

    @staticmethod
    def _recording(t: Track) -> tuple[str, str, str]:
        return (fold(primary(t)), fold(base_title(t.title)), version_of(t.title))

    def expect(self, t: Track) -> frozenset[str]:
        return frozenset(str(s) for s in self.recordings[self._recording(t)])

    def query(self, t: Track, **changes: object) -> Query:
        q = Query(title=t.title, artists=(primary(t),), album=t.album, duration_ms=t.duration_ms)
        return replace(q, **changes)  # type: ignore[arg-type]

    def cases(
        self,
        kind: str,
        pool: Iterable[Track],
        make: Callable[[Track], Query | None],
        expect: Callable[[Track], frozenset[str]] | None = None,
    ) -> list[Case]:
        """Up to PER_KIND cases of ``kind`` from ``pool`` (those ``make`` can change)."""
        candidates = list(pool)
        self.rand.shuffle(candidates)
        out: list[Case] = []
        for t in candidates:
            if len(out) >= PER_KIND:
                break
            q = make(t)
            if q is not None:
                right = frozenset() if expect is None else expect(t)
                out.append(Case(kind, q, right, f"{primary(t)} - {t.title} [{t.seq}]"))
        return out

    # ----- the kinds -----------------------------------------------------------------

    def case_and_spacing(self, t: Track) -> Query:
        r = self.rand

        def change(text: str) -> str:
            text = r.choice((str.upper, str.lower, str.title, str.swapcase))(text)
            if r.random() < 0.5:
                text = text.replace(" ", "  ", 1)
            return text + (" " if r.random() < 0.3 else "")

        return self.query(t, title=change(t.title), artists=(change(primary(t)),))

    def credit_names(self, t: Track) -> list[str]:
        if t.credit and " feat. " in t.credit:
            return list(t.artists)
        return [n.strip() for n in primary(t).split(" & ")]

    def credit_joiner(self, t: Track) -> Query | None:
        names = self.credit_names(t)
        if len(names) < 2:
            return None
        written = primary(t) if " feat. " not in t.credit else t.credit
        choices = [j for j in JOINERS if j.join(names) != written]
        if self.rand.random() < 0.15:
            return self.query(t, artists=tuple(names))  # one credit per name
        return self.query(t, artists=(self.rand.choice(choices).join(names),))

    def ampersand(self, t: Track) -> Query | None:
        if " & " in t.title:
            return self.query(t, title=t.title.replace(" & ", " and ", 1))
        words = t.title.split(" ")
        if "and" in (w.lower() for w in words[1:-1]):
            return self.query(t, title=" ".join("&" if w.lower() == "and" else w for w in words))
        return None

    def _typo_in(self, text: str, known: set[str]) -> str | None:
        words = text.split(" ")
        spots = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha() and w.isascii()]
        if not spots:
            return None
        for _ in range(8):
            at = self.rand.choice(spots)
            changed = typo(words[at], self.rand)
            if fold(changed) not in known:
                return " ".join([*words[:at], changed, *words[at + 1 :]])
        return None

    def artist_typo(self, t: Track) -> Query | None:
        name = primary(t)
        changed = self._typo_in(name, self.name_words)
        if changed is None or fold(changed) in self.known_names:
            return None
        return self.query(t, artists=(changed,))

    def title_typo(self, t: Track) -> Query | None:
        base = base_title(t.title)
        changed = self._typo_in(base, self.title_words)
        return None if changed is None else self.query(t, title=changed + t.title[len(base) :])

    def _accented(self, text: str) -> str:
        spots = [i for i, c in enumerate(text) if c in ACCENTED]
        if not spots:
            return text
        chosen = set(self.rand.sample(spots, min(len(spots), self.rand.choice((1, 2)))))
        return "".join(ACCENTED[c] if i in chosen else c for i, c in enumerate(text))

    @staticmethod
    def _stripped(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text)
        return unicodedata.normalize(
            "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
        )

    def accents(self, t: Track) -> Query | None:
        name, title = primary(t), t.title
        if not self._stripped(name + title).isascii():
            return None  # another script: its marks are not accents (kana voicing)
        if not (name + title).isascii():
            q = self.query(t, title=self._stripped(title), artists=(self._stripped(name),))
            return None if (q.title, q.artists[0]) == (title, name) else q
        if self.rand.random() < 0.5:
            return self.query(t, artists=(self._accented(name),))
        return self.query(t, title=self._accented(title))

    def leading_the(self, t: Track) -> Query | None:
        name = primary(t)
        if " & " in name or not name.isascii():
            return None
        if name.startswith("The "):
            return self.query(t, artists=(name[4:],))
        return self.query(t, artists=(f"The {name}",))

    def version_suffix(self, t: Track) -> Query | None:
        base, version = base_title(t.title), version_of(t.title)
        if version:
            form = self.rand.choice(VERSION_FORMS)
            title = form.format(t=base, v=version.title())
            return None if title == t.title else self.query(t, title=title)
        suffix = self.rand.choice(NEUTRAL_SUFFIXES)
        if t.title != base and self.rand.random() < 0.5:
            return self.query(t, title=base)  # the library's remaster asked for plainly
        return self.query(t, title=base + suffix)

    def featured_moved(self, t: Track) -> Query | None:
        if " feat. " not in t.credit:
            return None
        lead, guests = t.artists[0], list(t.artists[1:])
        guest = " & ".join(guests)
        form = self.rand.choice(FEATURE_FORMS)
        base = base_title(t.title)  # the credit goes before a version suffix, as services write
        title = form.format(t=base, g=guest) + t.title[len(base) :]
        return self.query(t, title=title, artists=(lead,))

    def album_edition(self, t: Track) -> Query:
        return self.query(t, album=self.rand.choice(EDITION_FORMS).format(a=t.album))

    def missing_album(self, t: Track) -> Query:
        return self.query(t, album="")

    def duration_jitter(self, t: Track) -> Query:
        shift = self.rand.randrange(500, 4001) * self.rand.choice((-1, 1))
        album = t.album if self.rand.random() < 0.5 else ""
        return self.query(t, duration_ms=t.duration_ms + shift, album=album)

    # ----- null kinds ----------------------------------------------------------------

    def other_artist(self, t: Track) -> Query | None:
        taken = self.names_by_title[loose(base_title(t.title))]
        # Half of them by an artist whose name shares a word with the track's (another
        # "Rivers", another "... Foxes"): the look-alikes a lenient matcher falls for.
        words = {w for w in fold(primary(t)).split() if len(w) >= 4 and w != "the"}
        near = [p for w in sorted(words) for p in self.primaries_by_word[w]]
        pool = near if near and self.rand.random() < 0.5 else self.primaries
        for _ in range(20):
            other = self.rand.choice(pool)
            folded = fold(other)
            parts = {folded, *(fold(n) for n in other.split(" & "))}
            if not (parts | {_without_the(n) for n in parts}) & taken:
                albums = sorted(self.albums_by_name[folded])
                album = self.rand.choice(albums) if albums and self.rand.random() < 0.5 else ""
                duration = self.rand.randrange(90_000, 420_000)
                return self.query(t, artists=(other,), album=album, duration_ms=duration)
        return None

    def other_title(self, t: Track) -> Query | None:
        name = primary(t)
        have = set().union(*(self.titles_by_name[n] for n in names_of(t)))
        for _ in range(20):
            title = self.rand.choice(self.base_titles)
            if loose(title) not in have:
                album = t.album if self.rand.random() < 0.5 else ""
                duration = self.rand.randrange(90_000, 420_000)
                return self.query(
                    t, title=title, artists=(name,), album=album, duration_ms=duration
                )
        return None

    def cover(self, t: Track) -> Query | None:
        for _ in range(20):
            name = f"{self.rand.choice(COVER_FIRST)} {self.rand.choice(COVER_LAST)}"
            if fold(name) not in self.known_names:
                album = self.rand.choice(COVER_ALBUMS) if self.rand.random() < 0.5 else ""
                duration = t.duration_ms + self.rand.randrange(-30_000, 30_001)
                return self.query(t, artists=(name,), album=album, duration_ms=duration)
        return None


def fresh_seed() -> int:
    """This run's fresh seed: CMDARR_MATCH_SEED when set, else a new one."""
    given = os.environ.get(SEED_ENV, "").strip()
    return int(given) if given else random.SystemRandom().randrange(1, 1_000_000)


def suite(seed: int, tracks: int = TRACKS) -> Suite:
    """The cases for ``seed``: the catalogue of that seed (with its fixed extra part) and
    up to PER_KIND cases of every kind drawn from it."""
    catalog = generate(seed=seed, tracks=tracks, extra=True)
    m = _Maker(catalog, random.Random(seed))
    music = [t for t in m.music if primary(t) != VARIOUS]
    makers: list[tuple[str, Callable[[Track], Query | None], bool]] = [
        ("case and spacing", m.case_and_spacing, True),
        ("credit joiner", m.credit_joiner, True),
        ("& and 'and' in the title", m.ampersand, True),
        ("typo in the artist", m.artist_typo, True),
        ("typo in the title", m.title_typo, True),
        ("accents", m.accents, True),
        ("leading The", m.leading_the, True),
        ("version suffix", m.version_suffix, True),
        ("featured artist moved", m.featured_moved, True),
        ("album edition", m.album_edition, True),
        ("missing album", m.missing_album, True),
        ("duration jitter", m.duration_jitter, True),
        ("null: same title, other artist", m.other_artist, False),
        ("null: same artist, other title", m.other_title, False),
        ("null: cover version", m.cover, False),
    ]
    cases: list[Case] = []
    for kind, make, positive in makers:
        cases += m.cases(kind, music, make, m.expect if positive else None)
    return Suite(seed, catalog, cases)
