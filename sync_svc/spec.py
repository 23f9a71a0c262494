"""What a sync spec must satisfy before a run is accepted."""

from __future__ import annotations

from collections.abc import Sequence

from common.domain import Destination
from common.errors import FieldViolation, check
from common.server_names import check_server_name
from sync_svc.runs import Spec
from sync_svc.sources.shape import BARE_MBID

MAX_TRACKS = 20_000
MAX_TEXT = 1024
MAX_PATH = 4096  # PATH_MAX on Linux
MAX_TITLE = 200
# Enough violations to fix a request by; a 20,000-track mistake need not list them all.
MAX_VIOLATIONS = 50
MAX_USER = 128


def check_spec(spec: Spec, field: str) -> None:
    """Raise InvalidArgument naming every offending part of ``spec`` (under ``field``)."""
    problems: list[FieldViolation] = []
    if not spec.playlist_title.strip() or len(spec.playlist_title) > MAX_TITLE:
        problems.append(
            FieldViolation(
                f"{field}.playlist_title", f"is required, at most {MAX_TITLE} characters"
            )
        )
    problems += _destinations(spec.destinations, field)
    if not spec.tracks and spec.source_kind is None:
        problems.append(FieldViolation(f"{field}.tracks", "give tracks or a source"))
    if len(spec.tracks) > MAX_TRACKS:
        problems.append(FieldViolation(f"{field}.tracks", f"at most {MAX_TRACKS:,} tracks"))
    for i, track in enumerate(spec.tracks[:MAX_TRACKS]):
        if not track.title.strip():
            problems.append(FieldViolation(f"{field}.tracks[{i}].title", "is required"))
        if len(track.title) > MAX_TEXT or any(len(a) > MAX_TEXT for a in track.artists):
            problems.append(
                FieldViolation(f"{field}.tracks[{i}]", f"texts are at most {MAX_TEXT} characters")
            )
        if len(track.path) > MAX_PATH:
            problems.append(
                FieldViolation(f"{field}.tracks[{i}].path", f"is at most {MAX_PATH} characters")
            )
        if track.release_group_mbid and not BARE_MBID.fullmatch(track.release_group_mbid):
            problems.append(
                FieldViolation(
                    f"{field}.tracks[{i}].release_group_mbid",
                    "must be a MusicBrainz release-group id (a UUID) or empty",
                )
            )
        if len(problems) > MAX_VIOLATIONS:
            break
    check(problems)


def _destinations(destinations: Sequence[Destination], field: str) -> list[FieldViolation]:
    """At least one, each once (users compared without case, as they are matched)."""
    if not destinations:
        return [
            FieldViolation(f"{field}.targets", "at least one target or destination is required")
        ]
    problems = []
    for i, where in enumerate(destinations):
        problems += check_server_name(where.server, f"{field}.destinations[{i}].server")
        if len(where.user) > MAX_USER or any(ord(ch) < 32 for ch in where.user):
            problems.append(
                FieldViolation(
                    f"{field}.destinations[{i}].user",
                    f"at most {MAX_USER} characters, no control characters",
                )
            )
    folded = [(d.server, d.user.casefold()) for d in destinations]
    if len(set(folded)) != len(folded):
        problems.append(
            FieldViolation(f"{field}.destinations", "a destination is listed more than once")
        )
    return problems
