"""Dressing a written playlist: its description and its cover, each sent only when it
changed (``sync_svc/looks.py``; the cover by its image's hash). A description or cover the
server refuses, or a cover that cannot be had, is a warning on the destination, never a
failed sync: the tracks are what the sync is for."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from common.domain import Target
from common.targets import EndpointClass, TargetAuthError, TargetClient, TargetError
from sync_svc.cover import Cover, CoverProblem, RunCover
from sync_svc.looks import compose, description_key, fit_description, should_describe
from sync_svc.store import Managed

_log = logging.getLogger("sync_svc.dress")


@dataclass(frozen=True)
class Looks:
    """What a run's playlist looks like beside its tracks: the source's description, how
    the note names the source, and whether the note is on."""

    description: str = ""
    source: str = ""
    note: bool = True
    cover: RunCover | None = None  # the source's picture, when it has one


@dataclass
class Dressed:
    """What a destination's playlist now carries (the keys to keep with it), what it cost
    and what went wrong."""

    description_key: str
    cover_key: str
    writes: int = 0
    warnings: list[str] = field(default_factory=list)


async def dress(
    client: TargetClient,
    playlist_id: str,
    *,
    looks: Looks,
    last: Managed,
    created: bool,
    tracks_changed: bool,
    date: str,
    dry_run: bool,
) -> Dressed:
    """Send what changed since ``last`` (the managed playlist as the last run left it;
    a ``created`` playlist carries nothing yet)."""
    before = client.counter.get(EndpointClass.PLAYLIST_WRITE)
    stored = Managed() if created else last
    dressed = Dressed(stored.description_key, stored.cover_key)
    key = description_key(looks.description, looks.source, looks.note)
    wanted = should_describe(
        stored_key=stored.description_key,
        key=key,
        note=looks.note,
        tracks_changed=tracks_changed,
    )
    if wanted and not dry_run:
        text = compose(looks.description, looks.source, note=looks.note, date=date)
        if created and not text:
            dressed.description_key = key  # a new playlist has no description: nothing to send
        else:
            await _describe(client, playlist_id, text, key, dressed)
    if looks.cover is not None and not dry_run:
        await _cover(client, playlist_id, await looks.cover.get(), dressed)
    dressed.writes = client.counter.get(EndpointClass.PLAYLIST_WRITE) - before
    return dressed


async def _describe(
    client: TargetClient, playlist_id: str, text: str, key: str, dressed: Dressed
) -> None:
    fitted = fit_description(text, client.kind)
    if fitted.warning:
        dressed.warnings.append(fitted.warning)
    try:
        await client.update_playlist(playlist_id, summary=fitted.text)
    except TargetAuthError:
        dressed.warnings.append(_refused("description", client.kind))
    except TargetError as exc:
        _log.warning("playlist description not set: %s", exc)
        dressed.warnings.append(f"description: not set ({exc})")
    else:
        dressed.description_key = key


async def _cover(
    client: TargetClient, playlist_id: str, got: Cover | CoverProblem, dressed: Dressed
) -> None:
    if isinstance(got, CoverProblem):
        dressed.warnings.append(got.message)
        return
    if got.key == dressed.cover_key:
        return  # this image was sent before
    try:
        await client.upload_cover(playlist_id, got.image, got.content_type)
    except TargetAuthError:
        dressed.warnings.append(_refused("cover", client.kind))
    except TargetError as exc:
        _log.warning("playlist cover not set: %s", exc)
        dressed.warnings.append(f"cover: not set ({exc})")
    else:
        dressed.cover_key = got.key


def _refused(what: str, kind: Target) -> str:
    """The warning for a server that keeps ``what`` to administrators (Jellyfin)."""
    if kind is Target.JELLYFIN:
        return (
            f"{what}: not set: Jellyfin takes a playlist's {what} from an administrator's "
            "token or an API key only; give the server such a token to have it set"
        )
    return f"{what}: not set: the server refused the token"
