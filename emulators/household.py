"""A household to emulate: several Plex and Jellyfin servers with distinct libraries, the
Plex owner's Home users and friends (through an emulated plex.tv), and Jellyfin users,
each seeing some libraries. Plain data: ``emulators/server.py`` ``running_household``
serves it, ``python -m emulators --household`` too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from emulators.library import Catalog, Section, generate
from emulators.tracklist import TrackList

# Where the copied part of another server's library is numbered from: far from the
# generated catalogue's album and artist numbers, so no two albums or artists share a key.
COPY_ALBUM_BASE = 6_000_000
COPY_ARTIST_BASE = 6_500_000

# Library titles a person is given on a server; None: every library.
Libraries = tuple[str, ...] | None


@dataclass(frozen=True)
class PlexServerSpec:
    """A Plex server. ``copy_of`` names another Plex server whose first ``copied_tracks``
    music tracks this one holds too (renumbered: each server keys items its own way), as
    a cabin copy of part of the home library would."""

    name: str
    seed: int
    tracks: int = 500
    music_libraries: int = 2
    copy_of: str = ""
    copied_tracks: int = 0

    @property
    def machine_id(self) -> str:
        return hashlib.sha1(f"plex-{self.name}-{self.seed}".encode()).hexdigest()


@dataclass(frozen=True)
class JellyfinServerSpec:
    name: str
    seed: int
    tracks: int = 500
    music_libraries: int = 2


@dataclass(frozen=True)
class PlexPerson:
    """A plex.tv account of the owner's Home (``home``) or a friend, and the Plex servers
    they were given with the libraries shared on each."""

    account_id: int
    title: str
    username: str = ""  # "" for a managed Home user
    home: bool = False
    pin: str = ""
    restricted: bool = False
    servers: tuple[tuple[str, Libraries], ...] = ()


@dataclass(frozen=True)
class JellyfinPerson:
    """A Jellyfin user on the servers named, seeing the libraries given on each."""

    name: str
    password: str
    admin: bool = False
    servers: tuple[tuple[str, Libraries], ...] = ()


@dataclass(frozen=True)
class HouseholdSpec:
    plex: tuple[PlexServerSpec, ...] = ()
    jellyfin: tuple[JellyfinServerSpec, ...] = ()
    plex_people: tuple[PlexPerson, ...] = ()
    jellyfin_people: tuple[JellyfinPerson, ...] = ()
    owner_title: str = "owner"

    def __post_init__(self) -> None:
        names = [s.name for s in self.plex] + [s.name for s in self.jellyfin]
        if len(names) != len(set(names)):
            raise ValueError("server names must be unique")
        plex = {s.name for s in self.plex}
        for spec in self.plex:
            if spec.copy_of and spec.copy_of not in plex - {spec.name}:
                raise ValueError(f"{spec.name}: copy_of names no other Plex server")
        for person in self.plex_people:
            _check_servers(person.title, person.servers, plex)
        for jperson in self.jellyfin_people:
            _check_servers(jperson.name, jperson.servers, {s.name for s in self.jellyfin})


def _check_servers(who: str, servers: tuple[tuple[str, Libraries], ...], known: set[str]) -> None:
    unknown = sorted({name for name, _ in servers} - known)
    if unknown:
        raise ValueError(f"{who}: no server named {', '.join(unknown)}")


def default_household(
    *, tracks: int = 500, seed: int = 1, plex_servers: int = 2, jellyfin_servers: int = 1
) -> HouseholdSpec:
    """``plex``, ``cabin`` (a copy of a third of ``plex``'s first library beside its own
    tracks), further Plex servers ``plex3``...; ``jellyfin``, ``jellyfin2``...; each from
    its own seed. People: alice (Home, every library on every Plex server), bob (a friend,
    "Music" on ``plex``), kid (a managed Home user with PIN 1234, "Music" on ``plex``);
    carol ("Music" on every Jellyfin server) and dave (every library) on Jellyfin."""
    plex_names = ["plex", "cabin", *(f"plex{n}" for n in range(3, plex_servers + 1))]
    plex = tuple(
        PlexServerSpec(
            name=name,
            seed=seed + number,
            tracks=tracks if number == 0 else max(1, tracks // 2),
            music_libraries=2 if number == 0 else 1,
            copy_of="plex" if number else "",
            copied_tracks=tracks // 3 if number else 0,
        )
        for number, name in enumerate(plex_names[:plex_servers])
    )
    jellyfin = tuple(
        JellyfinServerSpec(
            name="jellyfin" if n == 0 else f"jellyfin{n + 1}", seed=seed + 100 + n, tracks=tracks
        )
        for n in range(jellyfin_servers)
    )
    every_plex = tuple((s.name, None) for s in plex)
    first_plex = ((plex[0].name, ("Music",)),) if plex else ()
    return HouseholdSpec(
        plex=plex,
        jellyfin=jellyfin,
        plex_people=(
            PlexPerson(101, "alice", username="alice", home=True, servers=every_plex),
            PlexPerson(102, "bob", username="bob", servers=first_plex),
            PlexPerson(103, "kid", home=True, pin="1234", restricted=True, servers=first_plex),
        ),
        jellyfin_people=(
            JellyfinPerson("carol", "carol", servers=tuple((s.name, ("Music",)) for s in jellyfin)),
            JellyfinPerson("dave", "dave", servers=tuple((s.name, None) for s in jellyfin)),
        ),
    )


def plex_catalogs(spec: HouseholdSpec) -> dict[str, Catalog]:
    """Each Plex server's catalogue: generated from its own seed, with the copied part of
    another's first library first in its own first library."""
    made = {
        s.name: generate(seed=s.seed, tracks=s.tracks, music_libraries=s.music_libraries)
        for s in spec.plex
    }
    for s in spec.plex:
        if s.copy_of and s.copied_tracks:
            made[s.name] = with_copy(made[s.name], made[s.copy_of], s.copied_tracks)
    return made


def jellyfin_catalogs(spec: HouseholdSpec) -> dict[str, Catalog]:
    return {
        s.name: generate(seed=s.seed, tracks=s.tracks, music_libraries=s.music_libraries)
        for s in spec.jellyfin
    }


def with_copy(catalog: Catalog, source: Catalog, count: int) -> Catalog:
    """``catalog`` with the first ``count`` tracks of ``source``'s first library added to
    its own first library, numbered after its own tracks: the same recordings (titles,
    artists, MBIDs), other ids."""
    top = max((s.tracks.top_seq() for s in catalog.sections), default=0)
    copied = [
        replace(
            track,
            seq=top + number,
            album_seq=COPY_ALBUM_BASE + track.album_seq,
            artist_seq=COPY_ARTIST_BASE + track.artist_seq,
        )
        for number, track in enumerate(source.sections[0].tracks[:count], start=1)
    ]
    first, *rest = catalog.sections
    merged = Section(first.number, first.title, first.kind, TrackList([*copied, *first.tracks]))
    return Catalog(seed=catalog.seed, sections=[merged, *rest])


def section_numbers(catalog: Catalog, titles: Libraries) -> frozenset[int] | None:
    """The section numbers of ``titles`` in ``catalog`` (None stays None: every one)."""
    if titles is None:
        return None
    by_title = {s.title: s.number for s in catalog.sections}
    unknown = sorted(set(titles) - set(by_title))
    if unknown:
        raise ValueError(f"no library named {', '.join(unknown)}")
    return frozenset(by_title[t] for t in titles)
