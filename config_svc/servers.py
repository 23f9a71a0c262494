"""Servers' use cases: list, create, update (a field mask, compare-and-swap on the
server's mod_revision) and delete, each write one revision through the revision engine,
with the auto-enable policy applied in the same transaction (config_svc/core.py
``ConfigCore.commit``).

The built-in "plex" and "jellyfin" are the PLEX_* and JELLYFIN_* settings: listed here,
changed only through UpdateSettings. The checks and the mask are pure
(config_svc/server_spec.py); input is checked before the transaction, what depends on the
stored server (the kind, the revision) inside it, so bad input changes nothing."""

from __future__ import annotations

from collections.abc import Sequence

from common.domain import Notification
from common.errors import (
    BuiltinServer,
    FieldViolation,
    InvalidArgument,
    RevisionMismatch,
    ServerAlreadyExists,
    ServerInUse,
    ServerNotFound,
    check,
)
from config_svc import server_spec as spec
from config_svc import store, validation
from config_svc.core import ConfigCore
from config_svc.revisions import Draft, RevisionEngine
from config_svc.server_spec import BUILTIN, Server, ServerInput
from config_svc.views import ConfigViews

CREATE_FIELDS = ("kind", "url", "token", "library_names", "jellyfin_user_id")


def _builtin_refusal(name: str, verb: str) -> BuiltinServer:
    target = BUILTIN[name]
    prefix = target.name
    return BuiltinServer(
        f"the built-in server {name!r} is the {prefix}_* settings and cannot be {verb} here; "
        f"use UpdateSettings with {prefix}_URL, {prefix}_TOKEN, {prefix}_CLIENT_ENABLED, ..."
    )


def _expected(expected_mod_revision: int) -> list[FieldViolation]:
    if expected_mod_revision < 0:
        return [FieldViolation("expected_mod_revision", "must not be negative")]
    return []


def _compare(current: Server, expected_mod_revision: int) -> None:
    if expected_mod_revision and current.mod_revision != expected_mod_revision:
        raise RevisionMismatch(
            expected_mod_revision,
            current.mod_revision,
            subject=f"server {current.name!r}",
        )


class ServerUseCases:
    def __init__(self, core: ConfigCore, revisions: RevisionEngine, views: ConfigViews) -> None:
        self._core = core
        self._revisions = revisions
        self._views = views

    async def list(self) -> tuple[list[Server], int]:
        """Every server, built-in ones included, by name, tokens withheld."""
        loaded = await self._revisions.read()
        every = {**loaded.servers, **self._views.builtin_servers(loaded.stored, loaded.commands)}
        return [every[name].withheld() for name in sorted(every)], loaded.revision

    async def create(self, given: ServerInput) -> tuple[Server, tuple[Notification, ...], int]:
        problems = spec.check_name(given.name, "server.name")
        problems += spec.check_fields(given, CREATE_FIELDS, "server")
        check(problems)
        assert given.kind is not None  # checked above
        wanted = spec.created(given, given.kind)
        check(spec.check_consistent(wanted, "server"))
        if given.name in BUILTIN:
            raise ServerAlreadyExists(given.name, built_in=True)

        def mutate(_loaded: store.Loaded, draft: Draft) -> None:
            if wanted.name in draft.servers:
                raise ServerAlreadyExists(wanted.name)
            draft.servers[wanted.name] = wanted

        commit = await self._core.commit(mutate)
        stored = commit.result_servers[wanted.name]
        return stored.withheld(), commit.notifications, commit.revision

    async def update(
        self, given: ServerInput, mask: Sequence[str], *, expected_mod_revision: int = 0
    ) -> tuple[Server, tuple[Notification, ...], int]:
        problems = spec.check_name(given.name, "server.name")
        problems += spec.check_mask(mask)
        problems += spec.check_fields(given, set(mask) & spec.UPDATABLE_FIELDS, "server")
        problems += _expected(expected_mod_revision)
        check(problems)
        if given.name in BUILTIN:
            raise _builtin_refusal(given.name, "changed")

        def mutate(_loaded: store.Loaded, draft: Draft) -> None:
            current = draft.servers.get(given.name)
            if current is None:
                raise ServerNotFound(given.name)
            _compare(current, expected_mod_revision)
            changed = spec.updated(current, given, mask)
            problems = spec.check_consistent(changed, "server")
            if problems:
                raise InvalidArgument(problems)
            draft.servers[given.name] = changed

        commit = await self._core.commit(mutate)
        stored = commit.result_servers[given.name]
        return stored.withheld(), commit.notifications, commit.revision

    async def delete(self, name: str, *, expected_mod_revision: int = 0) -> int:
        check(spec.check_name(name, "name") + _expected(expected_mod_revision))
        if name in BUILTIN:
            raise _builtin_refusal(name, "deleted")

        def mutate(_loaded: store.Loaded, draft: Draft) -> None:
            current = draft.servers.get(name)
            if current is None:
                raise ServerNotFound(name)
            _compare(current, expected_mod_revision)
            users = sorted(
                c.name
                for c in draft.commands.values()
                if name in c.servers or validation.source_server(c) == name
            )
            if users:
                raise ServerInUse(name, users)
            del draft.servers[name]
            # Its overrides steer a cache that goes with it: they go too, in this revision.
            for ident in [i for i in draft.overrides if i[0] == name]:
                del draft.overrides[ident]

        return (await self._core.commit(mutate)).revision
