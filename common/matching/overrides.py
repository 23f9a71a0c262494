"""Match overrides: a user's pin or rejection of one source track on one target.

Pure. ``source_key`` derives a track's key (recording MBID lower-case, else ISRC
upper-case, else the normalized primary artist, title and album) and is the one function
config_svc (to store normalized keys), cache_svc and sync_svc share, so a key put through
the API meets the same track however the source spells it. ``apply_overrides`` decides,
before any match rule runs, which queries an override answers and which items the
matching of the others must skip.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from common.domain import Target, builtin_target
from common.errors import FieldViolation
from common.matching.normalize import artist_key, key, parse_title, split_credit
from common.matching.query import LibraryTrack, Match, MatchMethod, Query

PINNED_REASON = "pinned by user"
REJECTED_REASON = "rejected by user"
MAX_NOTE = 1024
MAX_AUTHOR = 128
MAX_TEXT = 1024
MAX_ITEM_ID = 256

_MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$")


class KeyKind(enum.Enum):
    MBID = "mbid"
    ISRC = "isrc"
    TEXT = "text"


class OverrideAction(enum.Enum):
    PIN = "pin"  # use item_id, without searching
    REJECT = "reject"  # never item_id; with no item_id, never match the track at all


@dataclass(frozen=True)
class SourceKey:
    """A normalized source key: ``value`` is the MBID or ISRC; a text key has ``value``
    empty and the normalized ``artist``, ``title`` and ``album``."""

    kind: KeyKind
    value: str = ""
    artist: str = ""
    title: str = ""
    album: str = ""

    def order(self) -> tuple[str, ...]:
        """A sort key: by kind, then by value or words."""
        return (self.kind.value, self.value, self.artist, self.title, self.album)

    def label(self) -> str:
        """The key as people read it (CLI, page, warnings)."""
        if self.kind is KeyKind.TEXT:
            return " / ".join(p for p in (self.artist, self.title, self.album) if p)
        return f"{self.kind.value}:{self.value}"


@dataclass(frozen=True)
class MatchOverride:
    """One override; (server, key) identifies it. ``server`` names the server whose
    matching it steers ("plex" and "jellyfin" are the targets')."""

    server: str
    key: SourceKey
    action: OverrideAction
    item_id: str = ""
    note: str = ""
    author: str = ""
    update_time: float = 0.0  # epoch seconds, set by config_svc
    create_revision: int = 0
    mod_revision: int = 0

    @property
    def ident(self) -> tuple[str, SourceKey]:
        return (self.server, self.key)

    @property
    def target(self) -> Target | None:
        """The target it steers, when its server is a built-in one."""
        return builtin_target(self.server)


# ----- keys ----------------------------------------------------------------------------


def text_key(artist: str, title: str, album: str = "") -> SourceKey:
    """The normalized text key: the primary artist's key (first name of the first credit,
    a leading 'The' dropped), the core title's key with its version tags, the album's key."""
    names = split_credit(artist)
    parsed = parse_title(title)
    title_part = key(parsed.core)
    if parsed.tags:
        title_part += "+" + "+".join(sorted(parsed.tags))
    return SourceKey(
        KeyKind.TEXT,
        artist=artist_key(names[0]) if names else "",
        title=title_part,
        album=key(album) if album.strip() else "",
    )


def raw_key(query: Query) -> SourceKey | None:
    """A source track's key as the source spells it (what a client sends config_svc,
    which normalizes it): MBID, else ISRC, else the first artist credit, the title and
    the album; None without title or artist."""
    mbid = query.mbid.strip().lower()
    if _MBID.match(mbid):
        return SourceKey(KeyKind.MBID, mbid)
    isrc = _clean_isrc(query.isrc)
    if _ISRC.match(isrc):
        return SourceKey(KeyKind.ISRC, isrc)
    artist = next((a for a in query.artists if a.strip()), "")
    if not artist.strip() or not query.title.strip():
        return None
    return SourceKey(KeyKind.TEXT, "", artist, query.title, query.album)


def source_key(query: Query) -> SourceKey | None:
    """A source track's normalized key: MBID, else ISRC, else text; None without title
    or artist."""
    raw = raw_key(query)
    if raw is None or raw.kind is not KeyKind.TEXT:
        return raw
    return text_key(raw.artist, raw.title, raw.album)


def _clean_isrc(isrc: str) -> str:
    return re.sub(r"[\s-]", "", isrc).upper()


def check_key(
    kind: KeyKind | None,
    value: str,
    artist: str,
    title: str,
    album: str,
    field: str,
) -> tuple[SourceKey | None, list[FieldViolation]]:
    """A key as a caller sent it, normalized, or the violations naming ``field``."""
    if kind is None:
        return None, [FieldViolation(field, "is required: a recording_mbid, an isrc or a text key")]
    if kind is KeyKind.MBID:
        mbid = value.strip().lower()
        if not _MBID.match(mbid):
            return None, [
                FieldViolation(
                    f"{field}.recording_mbid", "must be a MusicBrainz id (36-character UUID)"
                )
            ]
        return SourceKey(KeyKind.MBID, mbid), []
    if kind is KeyKind.ISRC:
        isrc = _clean_isrc(value)
        if not _ISRC.match(isrc):
            return None, [
                FieldViolation(f"{field}.isrc", "must be an ISRC: 12 characters, CCXXXYYNNNNN")
            ]
        return SourceKey(KeyKind.ISRC, isrc), []
    problems = [
        FieldViolation(f"{field}.text.{name}", f"is {len(text):,} characters; at most {MAX_TEXT}")
        for name, text in (("artist", artist), ("title", title), ("album", album))
        if len(text) > MAX_TEXT
    ]
    if problems:
        return None, problems
    made = text_key(artist, title, album)
    if not made.artist:
        problems.append(FieldViolation(f"{field}.text.artist", "is required"))
    if not made.title:
        problems.append(FieldViolation(f"{field}.text.title", "is required"))
    return (None if problems else made), problems


# ----- applying ------------------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    """What the overrides decide for a batch, by position in it.

    ``pinned``: the PIN override of each pinned query (the caller checks the item is
    still there; when it is gone, the query is matched by the rules and the override is
    reported stale). ``rejected``: queries never to be matched. ``remaining``: the
    positions to match by the rules, pinned ones included so a stale pin falls back.
    ``excluded``: the items matching must skip, per remaining position.
    """

    pinned: Mapping[int, MatchOverride]
    rejected: Mapping[int, MatchOverride]
    remaining: tuple[int, ...]
    excluded: Mapping[int, frozenset[str]]


def by_key(overrides: Iterable[MatchOverride], server: str) -> dict[SourceKey, MatchOverride]:
    """The overrides of ``server`` by key (server and key identify an override)."""
    return {o.key: o for o in overrides if o.server == server}


def apply_overrides(
    queries: Sequence[Query], overrides: Mapping[SourceKey, MatchOverride]
) -> Applied:
    """Decide each query's override before matching."""
    pinned: dict[int, MatchOverride] = {}
    rejected: dict[int, MatchOverride] = {}
    excluded: dict[int, frozenset[str]] = {}
    remaining: list[int] = []
    for position, query in enumerate(queries):
        found = source_key(query)
        override = overrides.get(found) if found is not None else None
        if override is not None and override.action is OverrideAction.REJECT:
            if not override.item_id:
                rejected[position] = override
                continue
            excluded[position] = frozenset({override.item_id})
        elif override is not None:
            pinned[position] = override
        remaining.append(position)
    return Applied(pinned, rejected, tuple(remaining), excluded)


def pinned_match(track: LibraryTrack) -> Match:
    return Match(MatchMethod.OVERRIDE, track, 1.0, PINNED_REASON)


def rejected_match() -> Match:
    return Match(MatchMethod.OVERRIDE, None, 0.0, REJECTED_REASON)


def stale_reason(override: MatchOverride) -> str:
    """Why a pin was not applied: its item is gone from the server's library."""
    target = override.target
    where = target.label if target is not None else f"server {override.server!r}"
    return (
        f"the {where} item {override.item_id!r} pinned for "
        f"{override.key.label()} is no longer in the library; matched by the rules instead"
    )
