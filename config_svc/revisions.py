"""The revision engine: every write is one transaction and one change-log revision.

A write loads the state under the revision lock, checks ``expected_revision``, lets the
caller's mutation change a draft, turns the difference into events, persists the rows and
the change-log entries under revision N+1, compacts the log past the retention and
publishes the revision to the feed. Watchers read a snapshot or replay the log, then
follow the live tail, with progress while idle.

Several replicas may share one PostgreSQL database: the lock on the revision row
serializes their writes, so revisions stay unique, gapless and ordered, and
``expected_revision`` and compaction are decided against the database. The writing
transaction also NOTIFYs the new revision, which wakes the watchers of every replica
(config_svc/notifications.py).
"""

from __future__ import annotations

import asyncio
import enum
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy.ext.asyncio import AsyncSession

from common.database.engine import Database
from common.database.pg_listen import notify
from common.domain import Command, Notification
from common.errors import FieldViolation, InvalidArgument, RevisionCompacted, RevisionMismatch
from common.matching.overrides import MatchOverride
from config_svc import store
from config_svc.events import Event, SettingState
from config_svc.feed import Batch, ChangeFeed
from config_svc.notifications import notice_payload
from config_svc.policy import Stored
from config_svc.server_spec import Server, same_server
from config_svc.views import ConfigViews

LOG_READ_LIMIT = 256


@dataclass
class Draft:
    """The state a write is building, started from the stored state."""

    stored: dict[str, Stored]
    commands: dict[str, Command]
    notifications: list[Notification] = field(default_factory=list)
    overrides: dict[store.OverrideId, MatchOverride] = field(default_factory=dict)
    servers: dict[str, Server] = field(default_factory=dict)


Mutation = Callable[[store.Loaded, Draft], None]


@dataclass(frozen=True)
class Commit:
    """What one write did. Nothing is written when no effective value changed or with
    ``validate_only``: then ``revision`` and ``commands`` are the stored ones and nothing
    is reported changed. ``result_stored`` and ``result_commands`` are the state the write
    leads to either way."""

    revision: int
    changed_settings: tuple[SettingState, ...]
    changed_commands: tuple[Command, ...]
    notifications: tuple[Notification, ...]
    commands: Mapping[str, Command]
    result_stored: Mapping[str, Stored]
    result_commands: Mapping[str, Command]
    result_overrides: Mapping[store.OverrideId, MatchOverride] = field(default_factory=dict)
    result_servers: Mapping[str, Server] = field(default_factory=dict)


@dataclass(frozen=True)
class Changes:
    """The difference between the stored state and a draft, stamped with its revision."""

    settings: dict[str, Stored]
    commands: dict[str, Command | None]  # None: deleted
    changed_settings: tuple[SettingState, ...]
    events: list[Event]
    result_stored: dict[str, Stored]
    result_commands: dict[str, Command]
    overrides: dict[store.OverrideId, MatchOverride | None] = field(default_factory=dict)
    result_overrides: dict[store.OverrideId, MatchOverride] = field(default_factory=dict)
    servers: dict[str, Server | None] = field(default_factory=dict)  # None: deleted
    result_servers: dict[str, Server] = field(default_factory=dict)


class WatchItemKind(enum.Enum):
    SNAPSHOT = enum.auto()  # every setting, command, match override and server at one revision
    EVENTS = enum.auto()  # one revision's events
    PROGRESS = enum.auto()  # the current revision and the compaction floor, while idle


@dataclass(frozen=True)
class WatchItem:
    """One message of a watch: a snapshot, one revision's events, or progress."""

    kind: WatchItemKind
    revision: int
    compact_revision: int
    settings: tuple[SettingState, ...] = ()
    commands: tuple[Command, ...] = ()
    events: tuple[Event, ...] = ()
    overrides: tuple[MatchOverride, ...] = ()
    servers: tuple[Server, ...] = ()  # tokens withheld


def _comparable(command: Command | None) -> Command | None:
    return None if command is None else replace(command, create_revision=0, mod_revision=0)


def same_override(old: MatchOverride | None, new: MatchOverride | None) -> bool:
    """Equal but for the stamps a write sets (time and revisions)."""
    if old is None or new is None:
        return old is new
    stamps = {"update_time": 0.0, "create_revision": 0, "mod_revision": 0}
    return replace(old, **stamps) == replace(new, **stamps)  # type: ignore[arg-type]


def _override_changes(
    before: Mapping[store.OverrideId, MatchOverride],
    after: Mapping[store.OverrideId, MatchOverride],
    revision: int,
) -> dict[store.OverrideId, MatchOverride | None]:
    """The overrides a draft created, changed (stamped with ``revision``) or deleted."""
    out: dict[store.OverrideId, MatchOverride | None] = {}
    for ident in sorted(set(before) | set(after), key=lambda i: (i[0], *i[1].order())):
        old, new = before.get(ident), after.get(ident)
        if same_override(old, new):
            continue
        out[ident] = (
            None
            if new is None
            else replace(
                new, create_revision=old.create_revision if old else revision, mod_revision=revision
            )
        )
    return out


def _server_changes(
    before: Mapping[str, Server], after: Mapping[str, Server], revision: int
) -> dict[str, Server | None]:
    """The servers a draft created, changed (stamped with ``revision``; the token's own
    revision too when the token changed) or deleted."""
    out: dict[str, Server | None] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if same_server(old, new):
            continue
        if new is None:
            out[name] = None
            continue
        token_revision = (
            old.token_revision if old is not None and old.token == new.token else revision
        )
        out[name] = replace(
            new,
            create_revision=old.create_revision if old else revision,
            mod_revision=revision,
            token_revision=token_revision,
        )
    return out


def sorted_overrides(overrides: Iterable[MatchOverride]) -> list[MatchOverride]:
    """By server, then by key."""
    return sorted(overrides, key=lambda o: (o.server, *o.key.order()))


class RevisionEngine:
    def __init__(
        self,
        db: Database,
        views: ConfigViews,
        feed: ChangeFeed,
        *,
        retention: int = 10_000,
        remember_secret: Callable[[str], None] = lambda _value: None,
        notify_channel: str | None = None,
        replica_id: str = "",
    ) -> None:
        self._db = db
        self._views = views
        self._registry = views.registry
        self._feed = feed
        self._retention = max(1, retention)
        self._remember_secret = remember_secret
        self._notify_channel = notify_channel  # PostgreSQL: wake every replica at commit
        self.replica_id = replica_id or uuid.uuid4().hex[:12]  # names this replica's writes
        self._catch_up_lock = asyncio.Lock()
        self._lock = asyncio.Lock()
        for key, value in views.env.items():
            if self._registry[key].secret:
                remember_secret(value)

    async def read(self) -> store.Loaded:
        async with self._lock, self._db.sessions() as session:
            return await store.load(session)

    async def start_at(self, revision: int) -> None:
        """Prime the feed with the revision committed at start-up and remember the stored
        secrets."""
        self._feed.start_at(revision)
        loaded = await self.read()
        for key, value in loaded.stored.items():
            if self._registry[key].secret and value.value:
                self._remember_secret(value.value)
        for server in loaded.servers.values():
            if server.token:
                self._remember_secret(server.token)

    # ----- the write path --------------------------------------------------------------

    async def commit(
        self, mutate: Mutation, *, expected_revision: int = 0, validate_only: bool = False
    ) -> Commit:
        async with self._lock:
            async with self._db.sessions() as session, session.begin():
                loaded = await store.load(session, lock=True)
                if expected_revision and expected_revision != loaded.revision:
                    raise RevisionMismatch(expected_revision, loaded.revision)
                draft = Draft(
                    dict(loaded.stored),
                    dict(loaded.commands),
                    overrides=dict(loaded.overrides),
                    servers=dict(loaded.servers),
                )
                mutate(loaded, draft)
                revision = loaded.revision + 1
                changes = self._changes(loaded, draft, revision)
                if validate_only or not changes.events:
                    return Commit(
                        loaded.revision,
                        (),
                        (),
                        tuple(draft.notifications),
                        loaded.commands,
                        changes.result_stored,
                        changes.result_commands,
                        changes.result_overrides,
                        changes.result_servers,
                    )
                # Known to the log redactor before any statement carries them.
                self._remember_secrets(changes)
                await store.persist(
                    session,
                    revision=revision,
                    settings=changes.settings,
                    commands=changes.commands,
                    events=changes.events,
                    overrides=changes.overrides,
                    servers=changes.servers,
                )
                await self._compact_if_due(session, revision, loaded.compact_revision)
                if self._notify_channel is not None:
                    await notify(
                        session, self._notify_channel, notice_payload(revision, self.replica_id)
                    )
            await self._feed.publish(revision, changes.events)
        return Commit(
            revision,
            changes.changed_settings,
            tuple(cmd for cmd in changes.commands.values() if cmd is not None),
            tuple(draft.notifications),
            changes.result_commands,
            changes.result_stored,
            changes.result_commands,
            changes.result_overrides,
            changes.result_servers,
        )

    def _remember_secrets(self, changes: Changes) -> None:
        for key, value in changes.settings.items():
            if self._registry[key].secret and value.value:
                self._remember_secret(value.value)
        for server in changes.servers.values():
            if server is not None and server.token:
                self._remember_secret(server.token)

    def _changes(self, loaded: store.Loaded, draft: Draft, revision: int) -> Changes:
        """The settings whose effective value changed and the commands that changed, as
        rows stamped with ``revision`` and as events."""
        before = self._views.state(loaded.stored, loaded.commands)
        after = self._views.state(draft.stored, draft.commands)
        changed_keys = [
            key
            for key in self._registry.keys
            if before.effective(self._registry, key) != after.effective(self._registry, key)
        ]
        settings = {key: replace(draft.stored[key], mod_revision=revision) for key in changed_keys}
        commands: dict[str, Command | None] = {}
        for name in sorted(set(loaded.commands) | set(draft.commands)):
            old, new = loaded.commands.get(name), draft.commands.get(name)
            if _comparable(old) != _comparable(new):
                commands[name] = (
                    None
                    if new is None
                    else replace(
                        new,
                        create_revision=old.create_revision if old else revision,
                        mod_revision=revision,
                    )
                )
        result_stored = {**draft.stored, **settings}
        result_commands = {
            name: cmd for name, cmd in {**draft.commands, **commands}.items() if cmd is not None
        }
        result_state = self._views.state(result_stored, result_commands)
        changed_settings = tuple(self._views.setting(result_state, key) for key in changed_keys)
        events = [Event(setting=s) for s in changed_settings] + [
            Event(command=cmd) if cmd is not None else Event(deleted=name)
            for name, cmd in commands.items()
        ]
        overrides = _override_changes(loaded.overrides, draft.overrides, revision)
        events += [
            Event(override=o) if o is not None else Event(override_deleted=loaded.overrides[i])
            for i, o in overrides.items()
        ]
        result_overrides = {
            i: o for i, o in {**draft.overrides, **overrides}.items() if o is not None
        }
        servers = _server_changes(loaded.servers, draft.servers, revision)
        events += [
            Event(server=server.withheld()) if server is not None else Event(server_deleted=name)
            for name, server in servers.items()
        ]
        result_servers = {
            name: server
            for name, server in {**draft.servers, **servers}.items()
            if server is not None
        }
        return Changes(
            settings,
            commands,
            changed_settings,
            events,
            result_stored,
            result_commands,
            overrides,
            result_overrides,
            servers,
            result_servers,
        )

    async def _compact_if_due(
        self, session: AsyncSession, revision: int, compact_revision: int
    ) -> None:
        """Drop the log below the retention, in batches of a tenth of it."""
        floor = revision - self._retention
        if floor - compact_revision > max(1, self._retention // 10):
            await store.compact(session, floor=floor)

    # ----- watch ---------------------------------------------------------------------

    async def catch_up(self) -> None:
        """Bring the feed up to the database: revisions other replicas committed are read
        from the log once and published here in order, so this replica's watchers read
        them from memory. Below the compaction floor only the newest revision is noted."""
        async with self._catch_up_lock:
            while True:
                try:
                    batch = await self._log_after(self._feed.latest)
                except RevisionCompacted:
                    self._feed.note(await self.current())
                    return
                for revision, events in batch:
                    await self._feed.publish(revision, events)
                if len(batch) < LOG_READ_LIMIT:
                    return

    async def current(self) -> int:
        """The newest committed revision, as the database has it (any replica's)."""
        return (await self._positions())[0]

    async def _positions(self) -> tuple[int, int]:
        async with self._db.sessions() as session:
            return await store.positions(session)

    async def _log_after(self, after: int) -> Batch:
        async with self._db.sessions() as session:
            batch: Batch = list(await store.read_log(session, after=after, limit=LOG_READ_LIMIT))
            # Read the floor after the rows: if it passed `after` meanwhile, rows may be gone.
            _current, floor = await store.positions(session)
        if after < floor:
            raise RevisionCompacted(after, floor)
        return batch

    async def watch(
        self, after_revision: int, progress_interval: float
    ) -> AsyncIterator[WatchItem]:
        """Snapshot (after_revision 0) or replay, then every later revision, in order."""
        if after_revision < 0:
            raise InvalidArgument([FieldViolation("after_revision", "must not be negative")])
        if after_revision == 0:
            loaded = await self.read()
            state = self._views.state(loaded.stored, loaded.commands)
            yield WatchItem(
                WatchItemKind.SNAPSHOT,
                loaded.revision,
                loaded.compact_revision,
                settings=tuple(self._views.setting(state, key) for key in self._registry.keys),
                commands=tuple(loaded.commands[n] for n in sorted(loaded.commands)),
                overrides=tuple(sorted_overrides(loaded.overrides.values())),
                servers=tuple(loaded.servers[n].withheld() for n in sorted(loaded.servers)),
            )
            position = loaded.revision
        else:
            _current, floor = await self._positions()
            if after_revision < floor:
                raise RevisionCompacted(after_revision, floor)
            position = after_revision
        while True:
            batch = self._feed.recent_after(position, LOG_READ_LIMIT)
            if batch is None:
                batch = await self._log_after(position)
            if batch:
                for revision, events in batch:
                    yield WatchItem(WatchItemKind.EVENTS, revision, 0, events=tuple(events))
                    position = revision
                continue
            if await self._feed.wait_beyond(position, progress_interval):
                continue
            current, floor = await self._positions()  # also notices writes by other replicas
            if current > position:
                continue
            yield WatchItem(WatchItemKind.PROGRESS, current, floor)
