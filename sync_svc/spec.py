"""What a sync spec must satisfy before a run is accepted."""

from __future__ import annotations

from common.errors import FieldViolation, check
from sync_svc.runs import Spec

MAX_TRACKS = 20_000
MAX_TEXT = 1024
MAX_TITLE = 200
# Enough violations to fix a request by; a 20,000-track mistake need not list them all.
MAX_VIOLATIONS = 50
# What this sync_svc can write to: the built-in servers, as their tokens' own accounts.
NOT_YET = (
    "this sync_svc writes only to the built-in servers plex and jellyfin as their tokens' "
    "own accounts; other servers and users are not synced yet"
)


def check_spec(spec: Spec, field: str) -> None:
    """Raise InvalidArgument naming every offending part of ``spec`` (under ``field``)."""
    problems: list[FieldViolation] = []
    if not spec.playlist_title.strip() or len(spec.playlist_title) > MAX_TITLE:
        problems.append(
            FieldViolation(
                f"{field}.playlist_title", f"is required, at most {MAX_TITLE} characters"
            )
        )
    if not spec.targets:
        problems.append(FieldViolation(f"{field}.targets", "at least one target is required"))
    elif len(set(spec.targets)) != len(spec.targets):
        problems.append(FieldViolation(f"{field}.targets", "a target is listed more than once"))
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
        if len(problems) > MAX_VIOLATIONS:
            break
    check(problems)
