"""Match overrides' use cases: list, put (create-only, or compare-and-swap on the stored
mod_revision) and delete, each write one revision through the revision engine.

config_svc checks all it can alone (target, key, action, lengths) and calls no other
service: whether a pin's item exists is checked by the callers that reach cache_svc
(the gateway, the CLI) and reported afterwards by cache_svc's ``stale_overrides``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from common.domain import Target
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
    """An override as a caller sent it; enum fields are None when unset or unknown."""

    target: Target | None
    key: KeyInput
    action: OverrideAction | None
    item_id: str = ""
    note: str = ""
    author: str = ""


def _key(key: KeyInput, field: str) -> tuple[SourceKey | None, list[FieldViolation]]:
    return check_key(key.kind, key.value, key.artist, key.title, key.album, field)


def _target(target: Target | None, field: str) -> list[FieldViolation]:
    if target is None:
        return [FieldViolation(field, "must be TARGET_PLEX or TARGET_JELLYFIN")]
    return []


class OverrideUseCases:
    def __init__(
        self,
        revisions: RevisionEngine,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._revisions = revisions
        self._clock = clock

    async def list(self, target: Target | None) -> tuple[list[MatchOverride], int]:
        loaded = await self._revisions.read()
        chosen = [o for o in loaded.overrides.values() if target is None or o.target is target]
        return sorted_overrides(chosen), loaded.revision

    async def put(
        self, given: OverrideInput, *, expected_mod_revision: int = 0
    ) -> tuple[MatchOverride, int]:
        problems = _target(given.target, "override.target")
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
        if problems or given.target is None or key is None or given.action is None:
            raise InvalidArgument(problems)
        wanted = MatchOverride(
            given.target,
            key,
            given.action,
            item_id,
            given.note,
            given.author,
            update_time=self._clock(),
        )

        def mutate(_loaded: store.Loaded, draft: Draft) -> None:
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

    async def delete(self, target: Target | None, given: KeyInput) -> int:
        problems = _target(target, "target")
        key, key_problems = _key(given, "key")
        problems += key_problems
        if problems or target is None or key is None:
            raise InvalidArgument(problems)

        def mutate(_loaded: store.Loaded, draft: Draft) -> None:
            if draft.overrides.pop((target, key), None) is None:
                raise MatchOverrideNotFound(f"{target.label} {key.label()}")

        return (await self._revisions.commit(mutate)).revision
