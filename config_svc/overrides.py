"""Match overrides' use cases: list, put (create-only, or compare-and-swap on the stored
mod_revision) and delete, each write one revision through the revision engine.

config_svc checks all it can alone (server, key, action, lengths) and calls no other
service: whether a pin's item exists is checked by the callers that reach cache_svc
(the gateway, the CLI) and reported afterwards by cache_svc's ``stale_overrides``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from common.domain import BUILTIN_SERVERS, Target
from common.errors import (
    FieldViolation,
    InvalidArgument,
    MatchOverrideAlreadyExists,
    MatchOverrideNotFound,
    RevisionMismatch,
)
from common.matching.overrides import (
    MAX_AUTHOR,
    MAX_ITEM_ID,
    MAX_NOTE,
    KeyKind,
    MatchOverride,
    OverrideAction,
    SourceKey,
    check_key,
)
from config_svc import store
from config_svc.revisions import Draft, RevisionEngine, same_override, sorted_overrides
from config_svc.server_spec import check_name as check_server_name


@dataclass(frozen=True)
class KeyInput:
    """A source key as a caller sent it; ``kind`` is None when none was set."""

    kind: KeyKind | None
    value: str = ""
    artist: str = ""
    title: str = ""
    album: str = ""


@dataclass(frozen=True)
class OverrideInput:
    """An override as a caller sent it; enum fields are None when unset or unknown, and
    ``target`` is None when unset or unknown too (``target_given`` tells them apart)."""

    target: Target | None
    key: KeyInput
    action: OverrideAction | None
    item_id: str = ""
    note: str = ""
    author: str = ""
    server: str = ""
    target_given: bool = True


def _key(key: KeyInput, field: str) -> tuple[SourceKey | None, list[FieldViolation]]:
    return check_key(key.kind, key.value, key.artist, key.title, key.album, field)


def server_of(
    target: Target | None, target_given: bool, server: str, prefix: str
) -> tuple[str, list[FieldViolation]]:
    """The server an override names: ``server``, or ``target``'s built-in server; both
    given must agree. Whether it exists is checked in the transaction."""
    at = f"{prefix}." if prefix else ""
    if target_given and target is None:
        return "", [
            FieldViolation(f"{at}target", "must be TARGET_PLEX or TARGET_JELLYFIN, or give server")
        ]
    name = server.strip()
    if name:
        problems = check_server_name(name, f"{at}server")
        if not problems and target is not None and target.server_name != name:
            problems = [
                FieldViolation(
                    f"{at}server", f"names {name!r} but target names {target.server_name!r}"
                )
            ]
        return name, problems
    if target is None:
        return "", [FieldViolation(f"{at}server", "is required (or target)")]
    return target.server_name, []


def _exists(server: str, draft: Draft, field: str) -> None:
    if server not in BUILTIN_SERVERS and server not in draft.servers:
        raise InvalidArgument(
            [FieldViolation(field, f"no server named {server!r}; list them with ListServers")]
        )


class OverrideUseCases:
    def __init__(
        self,
        revisions: RevisionEngine,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._revisions = revisions
        self._clock = clock

    async def list(self, server: str) -> tuple[list[MatchOverride], int]:
        """Every override, or ``server``'s ("" for all)."""
        loaded = await self._revisions.read()
        chosen = [o for o in loaded.overrides.values() if not server or o.server == server]
        return sorted_overrides(chosen), loaded.revision

    async def put(
        self, given: OverrideInput, *, expected_mod_revision: int = 0
    ) -> tuple[MatchOverride, int]:
        server, problems = server_of(given.target, given.target_given, given.server, "override")
        key, key_problems = _key(given.key, "override.key")
        problems += key_problems
        item_id = given.item_id.strip()
        if given.action is None:
            problems.append(
                FieldViolation("override.action", "must be OVERRIDE_ACTION_PIN or _REJECT")
            )
        elif given.action is OverrideAction.PIN and not item_id:
            problems.append(FieldViolation("override.item_id", "is required to pin"))
        for field, text, limit in (
            ("override.item_id", item_id, MAX_ITEM_ID),
            ("override.note", given.note, MAX_NOTE),
            ("override.author", given.author, MAX_AUTHOR),
        ):
            if len(text) > limit:
                problems.append(
                    FieldViolation(field, f"is {len(text):,} characters; at most {limit:,}")
                )
        if expected_mod_revision < 0:
            problems.append(FieldViolation("expected_mod_revision", "must not be negative"))
        if problems or not server or key is None or given.action is None:
            raise InvalidArgument(problems)
        wanted = MatchOverride(
            server,
            key,
            given.action,
            item_id,
            given.note,
            given.author,
            update_time=self._clock(),
        )

        def mutate(_loaded: store.Loaded, draft: Draft) -> None:
            _exists(server, draft, "override.server")
            current = draft.overrides.get(wanted.ident)
            if expected_mod_revision == 0 and current is not None:
                raise MatchOverrideAlreadyExists(key.label(), current.mod_revision)
            if expected_mod_revision and (
                current is None or current.mod_revision != expected_mod_revision
            ):
                raise RevisionMismatch(
                    expected_mod_revision, current.mod_revision if current else 0
                )
            if current is None or not same_override(current, wanted):
                draft.overrides[wanted.ident] = wanted

        commit = await self._revisions.commit(mutate)
        return commit.result_overrides.get(wanted.ident, wanted), commit.revision

    async def delete(
        self, target: Target | None, given: KeyInput, *, server: str = "", target_given: bool = True
    ) -> int:
        name, problems = server_of(target, target_given, server, "")
        key, key_problems = _key(given, "key")
        problems += key_problems
        if problems or not name or key is None:
            raise InvalidArgument(problems)

        def mutate(_loaded: store.Loaded, draft: Draft) -> None:
            if draft.overrides.pop((name, key), None) is None:
                shown = target.label if target is not None else f"server {name!r}"
                raise MatchOverrideNotFound(f"{shown} {key.label()}")

        return (await self._revisions.commit(mutate)).revision
