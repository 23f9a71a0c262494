"""Typed reads from parsed JSON that name the path of whatever is missing or wrong."""

from __future__ import annotations

import re
from typing import Any

from sync_svc.sources.problems import ShapeError

ARTIST_MBID = re.compile(
    r"musicbrainz\.org/artist/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
    re.IGNORECASE,
)
RECORDING_MBID = re.compile(
    r"musicbrainz\.org/recording/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
    re.IGNORECASE,
)
RELEASE_GROUP_MBID = re.compile(
    r"musicbrainz\.org/release-group/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
    re.IGNORECASE,
)
BARE_MBID = re.compile(
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", re.IGNORECASE
)


def obj(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ShapeError(path, f"must be an object, not {kind_of(value)}")
    return value


def items(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise ShapeError(path, f"must be an array, not {kind_of(value)}")
    return value


def text(parent: dict[str, Any], key: str, path: str, *, required: bool = False) -> str:
    """A string member; absent or null reads as "" unless required."""
    value = parent.get(key)
    if value is None:
        if required:
            raise ShapeError(f"{path}.{key}", "is required")
        return ""
    if not isinstance(value, str):
        raise ShapeError(f"{path}.{key}", f"must be a string, not {kind_of(value)}")
    if required and not value.strip():
        raise ShapeError(f"{path}.{key}", "must not be empty")
    return value.strip()


def count(parent: dict[str, Any], key: str, path: str) -> int:
    """A non-negative number (fractions are rounded); absent or null reads as 0."""
    value = parent.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ShapeError(f"{path}.{key}", f"must be a number, not {kind_of(value)}")
    if value != value or value < 0 or value > 2**53:
        raise ShapeError(f"{path}.{key}", f"must be a non-negative number, not {value}")
    return round(value)


def artist_mbids(identifiers: list[str]) -> tuple[str, ...]:
    """The MusicBrainz artist MBIDs among identifier URLs, lower-cased, in order."""
    found = (ARTIST_MBID.search(identifier) for identifier in identifiers)
    return tuple(dict.fromkeys(m.group(1).lower() for m in found if m))


def release_group_mbid(identifiers: list[str]) -> str:
    """The first MusicBrainz release-group MBID among identifier URLs or bare ids, lower-cased."""
    for identifier in identifiers:
        found = RELEASE_GROUP_MBID.search(identifier) or BARE_MBID.fullmatch(identifier.strip())
        if found:
            return found.group(1).lower()
    return ""


def recording_mbid(identifiers: list[str]) -> str:
    """The first MusicBrainz recording MBID among identifier URLs, lower-cased."""
    for identifier in identifiers:
        found = RECORDING_MBID.search(identifier)
        if found:
            return found.group(1).lower()
    return ""


def kind_of(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
