"""config_svc's domain: settings, commands, the auto-enable policy and warnings, on one
revisioned store whose every write is one transaction and one change-log revision."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from common.config.registry import Registry
from common.db import Database
from common.errors import (
    BuiltinCommand,
    CommandAlreadyExists,
    CommandNotFound,
    FieldViolation,
    InvalidArgument,
    RevisionCompacted,
    RevisionMismatch,
    SettingPinnedByEnv,
    check,
)
from common.model import (
    BUILDER_NAME,
    Command,
    CommandKind,
    ConfigView,
    FixAction,
    Notification,
    Origin,
    SourceKind,
    Target,
    Warning,
)
from common.warning_rules import compute_warnings
from config_svc import store, validation
from config_svc.events import Event, SettingState
from config_svc.feed import Batch, ChangeFeed
from config_svc.policy import ConfigState, Stored, auto_changes

LOG_READ_LIMIT = 256


@dataclass(frozen=True)
class SettingChange:
    key: str
    value: str = ""
    reset: bool = False


@dataclass(frozen=True)
class CommandInput:
    """A command as a caller sent it: enum fields are None when the value was unknown."""

    name: str
    kind: CommandKind | None = CommandKind.PLAYLIST_SYNC
    source_kind: SourceKind | None = None
    source_ref: str = ""
    targets: tuple[Target | None, ...] = ()
    schedule: str = ""
    enabled: bool = True
    playlist_title: str = ""


@dataclass
class Draft:
    """The state a write is building, started from the stored state."""

    stored: dict[str, Stored]
    commands: dict[str, Command]
    notifications: list[Notification] = field(default_factory=list)


@dataclass(frozen=True)
class WriteResult:
    revision: int
    changed_settings: tuple[SettingState, ...]
    changed_commands: tuple[Command, ...]
    notifications: tuple[Notification, ...]
    warnings: tuple[Warning, ...]
    commands: Mapping[str, Command]


@dataclass(frozen=True)
class WatchItem:
    """One message of a watch: a snapshot, one revision's events, or progress."""

    kind: str  # "snapshot" | "events" | "progress"
    revision: int
    compact_revision: int
    settings: tuple[SettingState, ...] = ()
    commands: tuple[Command, ...] = ()
    events: tuple[Event, ...] = ()


Mutation = Callable[[store.Loaded, Draft], None]

UPDATABLE_FIELDS = {"source", "targets", "schedule", "enabled", "playlist_title"}
BUILDER_FIELDS = {"schedule", "enabled"}


def _comparable(command: Command | None) -> Command | None:
    return None if command is None else replace(command, create_revision=0, mod_revision=0)


class ConfigCore:
    def __init__(
        self,
        db: Database,
        registry: Registry,
        env: Mapping[str, str],
        feed: ChangeFeed,
        *,
        retention: int = 10_000,
        remember_secret: Callable[[str], None] = lambda _value: None,
    ) -> None:
        self._db = db
        self._registry = registry
        self._env = dict(env)
        self._feed = feed
        self._retention = max(1, retention)
        self._remember_secret = remember_secret
        self._lock = asyncio.Lock()
        for key, value in self._env.items():
            if registry[key].secret:
                remember_secret(value)

    # ----- state views ---------------------------------------------------------------

    def _state(self, stored: Mapping[str, Stored], commands: Mapping[str, Command]) -> ConfigState:
        return ConfigState(self._env, stored, commands[BUILDER_NAME])

    def _setting(self, state: ConfigState, key: str) -> SettingState:
        value, origin = state.effective(self._registry, key)
        stored = state.stored.get(key)
        secret = self._registry[key].secret
        return SettingState(
            key=key,
            value="" if secret else value,
            origin=origin,
            mod_revision=stored.mod_revision if stored else 0,
            is_set=bool(value),
        )

    def _view(self, stored: Mapping[str, Stored], commands: Mapping[str, Command]) -> ConfigView:
        state = self._state(stored, commands)
        typed = {
            spec.key: spec.parse(state.effective(self._registry, spec.key)[0])
            for spec in self._registry
        }
        return ConfigView(typed, tuple(commands[name] for name in sorted(commands)))

    async def _read(self) -> store.Loaded:
        async with self._lock, self._db.sessions() as session:
            return await store.load(session)

    # ----- the write path --------------------------------------------------------------

    async def _write(
        self, mutate: Mutation, *, expected_revision: int = 0, validate_only: bool = False
    ) -> WriteResult:
        async with self._lock:
            async with self._db.sessions() as session, session.begin():
                loaded = await store.load(session, lock=True)
                if expected_revision and expected_revision != loaded.revision:
                    raise RevisionMismatch(expected_revision, loaded.revision)
                draft = Draft(dict(loaded.stored), dict(loaded.commands))
                mutate(loaded, draft)
                before = self._state(loaded.stored, loaded.commands)
                outcome = auto_changes(
                    self._registry, before, self._state(draft.stored, draft.commands)
                )
                draft.stored.update(outcome.settings)
                if outcome.builder is not None:
                    draft.commands[BUILDER_NAME] = outcome.builder
                draft.notifications.extend(outcome.notifications)

                revision = loaded.revision + 1
                after = self._state(draft.stored, draft.commands)
                changed_keys = [
                    key
                    for key in self._registry.keys
                    if before.effective(self._registry, key) != after.effective(self._registry, key)
                ]
                settings = {
                    key: replace(draft.stored[key], mod_revision=revision) for key in changed_keys
                }
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
                final_stored = {**draft.stored, **settings}
                final_commands = {
                    name: cmd
                    for name, cmd in {**draft.commands, **commands}.items()
                    if cmd is not None
                }
                final_state = self._state(final_stored, final_commands)
                changed_settings = tuple(self._setting(final_state, key) for key in changed_keys)
                events = [Event(setting=s) for s in changed_settings] + [
                    Event(command=cmd) if cmd is not None else Event(deleted=name)
                    for name, cmd in commands.items()
                ]
                warnings = tuple(compute_warnings(self._view(final_stored, final_commands)))
                if validate_only or not events:
                    return WriteResult(
                        loaded.revision,
                        (),
                        (),
                        tuple(draft.notifications),
                        warnings,
                        loaded.commands,
                    )
                await store.persist(
                    session, revision=revision, settings=settings, commands=commands, events=events
                )
                floor = revision - self._retention
                if floor - loaded.compact_revision > max(1, self._retention // 10):
                    await store.compact(session, floor=floor)
            await self._feed.publish(revision, events)
        for key, value in settings.items():
            if self._registry[key].secret:
                self._remember_secret(value.value)
        return WriteResult(
            revision,
            changed_settings,
            tuple(cmd for cmd in commands.values() if cmd is not None),
            tuple(draft.notifications),
            warnings,
            final_commands,
        )

    # ----- start-up ------------------------------------------------------------------

    async def start(self) -> WriteResult:
        """Apply the policy to the state as loaded (the environment may have enabled a
        client since the last run) and prime the feed."""
        result = await self._write(lambda _loaded, _draft: None)
        self._feed.start_at(result.revision)
        loaded = await self._read()
        for key, value in loaded.stored.items():
            if self._registry[key].secret and value.value:
                self._remember_secret(value.value)
        return result

    # ----- settings ------------------------------------------------------------------

    async def get_settings(self, keys: Sequence[str]) -> tuple[list[SettingState], int]:
        check(
            [
                FieldViolation(f"keys[{i}]", f"unknown setting {_short(key)!r}")
                for i, key in enumerate(keys)
                if key not in self._registry
            ]
        )
        loaded = await self._read()
        state = self._state(loaded.stored, loaded.commands)
        wanted = sorted(set(keys)) if keys else self._registry.keys
        return [self._setting(state, key) for key in wanted], loaded.revision

    async def reveal_secrets(
        self, keys: Sequence[str]
    ) -> tuple[list[tuple[str, str, Origin]], int]:
        problems = []
        for i, key in enumerate(keys):
            if key not in self._registry:
                problems.append(FieldViolation(f"keys[{i}]", f"unknown setting {_short(key)!r}"))
            elif not self._registry[key].secret:
                problems.append(
                    FieldViolation(f"keys[{i}]", f"{key} is not a secret; use GetSettings")
                )
        check(problems)
        loaded = await self._read()
        state = self._state(loaded.stored, loaded.commands)
        wanted = sorted(set(keys)) if keys else [s.key for s in self._registry if s.secret]
        return [(key, *state.effective(self._registry, key)) for key in wanted], loaded.revision

    def _check_changes(self, changes: Sequence[SettingChange]) -> None:
        problems: list[FieldViolation] = []
        if not changes:
            problems.append(FieldViolation("changes", "at least one change is required"))
        seen: set[str] = set()
        for i, change in enumerate(changes):
            if change.key not in self._registry:
                problems.append(
                    FieldViolation(f"changes[{i}].key", f"unknown setting {_short(change.key)!r}")
                )
                continue
            if change.key in seen:
                problems.append(
                    FieldViolation(f"changes[{i}].key", f"{change.key} is changed more than once")
                )
            seen.add(change.key)
            if not change.reset:
                try:
                    self._registry[change.key].canonical(change.value)
                except ValueError as exc:
                    problems.append(FieldViolation(f"changes[{i}].value", f"{change.key} {exc}"))
        check(problems)
        pinned = sorted({c.key for c in changes if c.key in self._env})
        if pinned:
            raise SettingPinnedByEnv(pinned)

    async def update_settings(
        self,
        changes: Sequence[SettingChange],
        *,
        expected_revision: int = 0,
        validate_only: bool = False,
    ) -> WriteResult:
        self._check_changes(changes)

        def mutate(_loaded: store.Loaded, draft: Draft) -> None:
            for change in changes:
                spec = self._registry[change.key]
                if change.reset:
                    draft.stored[change.key] = Stored(spec.default, Origin.DEFAULT)
                else:
                    draft.stored[change.key] = Stored(spec.canonical(change.value), Origin.USER)

        return await self._write(
            mutate, expected_revision=expected_revision, validate_only=validate_only
        )

    # ----- commands ------------------------------------------------------------------

    async def list_commands(self) -> tuple[list[Command], int]:
        loaded = await self._read()
        return [loaded.commands[n] for n in sorted(loaded.commands)], loaded.revision

    async def get_command(self, name: str) -> Command:
        check(validation.check_name(name, "name"))
        loaded = await self._read()
        if name not in loaded.commands:
            raise CommandNotFound(name)
        return loaded.commands[name]

    async def create_command(
        self, command: CommandInput, *, accept_fixes: bool = False, validate_only: bool = False
    ) -> tuple[Command, WriteResult]:
        problems = [
            *validation.check_name(command.name, "command.name"),
            *validation.check_kind(command.kind, "command.kind"),
            *validation.check_source(command.source_kind, command.source_ref, "command.source"),
            *validation.check_targets(command.targets, "command.targets"),
            *validation.check_schedule(command.schedule, "command.schedule"),
            *validation.check_title(command.playlist_title, "command.playlist_title"),
        ]
        check(problems)
        created = Command(
            name=command.name,
            kind=CommandKind.PLAYLIST_SYNC,
            source_kind=command.source_kind,
            source_ref=command.source_ref.strip(),
            targets=tuple(t for t in command.targets if t is not None),
            schedule=command.schedule,
            enabled=command.enabled,
            enabled_origin=Origin.USER,
            playlist_title=command.playlist_title or command.name,
        )

        def mutate(_loaded: store.Loaded, draft: Draft) -> None:
            if created.name in draft.commands:
                raise CommandAlreadyExists(created.name)
            draft.commands[created.name] = created
            if accept_fixes:
                self._accept_fixes(draft)

        result = await self._write(mutate, validate_only=validate_only)
        return result.commands.get(created.name, created), result

    def _accept_fixes(self, draft: Draft) -> None:
        for warning in compute_warnings(self._view(draft.stored, draft.commands)):
            fix = warning.fix
            if fix is None:
                continue
            if fix.action is FixAction.ENABLE_LIBRARY_CACHE and fix.target is not None:
                key = fix.target.cache_enabled_key
                if key in self._env:
                    raise SettingPinnedByEnv(
                        [key],
                        f"cannot enable the {fix.target.label} library cache: {key} is set by "
                        "the environment",
                    )
                draft.stored[key] = Stored("true", Origin.USER)
                draft.notifications.append(
                    Notification(
                        "LIBRARY_CACHE_ENABLED",
                        f"Library cache enabled for {fix.target.label}",
                        key,
                    )
                )
            elif fix.action is FixAction.ENABLE_CACHE_BUILDER:
                builder = draft.commands[BUILDER_NAME]
                draft.commands[BUILDER_NAME] = replace(
                    builder, enabled=True, enabled_origin=Origin.USER
                )
                draft.notifications.append(
                    Notification(
                        "CACHE_BUILDER_ENABLED",
                        f"The {BUILDER_NAME} command was enabled",
                        BUILDER_NAME,
                    )
                )

    async def update_command(
        self, command: CommandInput, mask: Sequence[str], *, expected_mod_revision: int = 0
    ) -> tuple[Command, WriteResult]:
        problems = validation.check_name(command.name, "command.name")
        if not mask:
            problems.append(FieldViolation("update_mask", "name at least one field to change"))
        for i, path in enumerate(mask):
            if path not in UPDATABLE_FIELDS:
                problems.append(
                    FieldViolation(
                        f"update_mask.paths[{i}]",
                        f"{_short(path)!r} cannot be changed; use any of "
                        + ", ".join(sorted(UPDATABLE_FIELDS)),
                    )
                )
        fields = set(mask)
        if "source" in fields:
            problems += validation.check_source(
                command.source_kind, command.source_ref, "command.source"
            )
        if "targets" in fields:
            problems += validation.check_targets(command.targets, "command.targets")
        if "schedule" in fields:
            problems += validation.check_schedule(command.schedule, "command.schedule")
        if "playlist_title" in fields:
            problems += validation.check_title(command.playlist_title, "command.playlist_title")
        check(problems)

        def mutate(_loaded: store.Loaded, draft: Draft) -> None:
            current = draft.commands.get(command.name)
            if current is None:
                raise CommandNotFound(command.name)
            if expected_mod_revision and current.mod_revision != expected_mod_revision:
                raise RevisionMismatch(
                    expected_mod_revision, current.mod_revision, command=command.name
                )
            if current.kind is CommandKind.LIBRARY_CACHE_BUILDER and not fields <= BUILDER_FIELDS:
                raise InvalidArgument(
                    [
                        FieldViolation(
                            "update_mask", f"the {BUILDER_NAME} accepts only schedule and enabled"
                        )
                    ]
                )
            updated = current
            if "source" in fields:
                updated = replace(
                    updated, source_kind=command.source_kind, source_ref=command.source_ref.strip()
                )
            if "targets" in fields:
                updated = replace(
                    updated, targets=tuple(t for t in command.targets if t is not None)
                )
            if "schedule" in fields:
                updated = replace(updated, schedule=command.schedule)
            if "playlist_title" in fields:
                updated = replace(updated, playlist_title=command.playlist_title or command.name)
            if "enabled" in fields:
                updated = replace(updated, enabled=command.enabled, enabled_origin=Origin.USER)
            draft.commands[command.name] = updated

        result = await self._write(mutate)
        return result.commands[command.name], result

    async def delete_command(self, name: str) -> WriteResult:
        check(validation.check_name(name, "name"))

        def mutate(_loaded: store.Loaded, draft: Draft) -> None:
            if name == BUILDER_NAME:
                raise BuiltinCommand(
                    f"the built-in {BUILDER_NAME} cannot be deleted; disable it instead"
                )
            if draft.commands.pop(name, None) is None:
                raise CommandNotFound(name)

        return await self._write(mutate)

    async def warnings(self) -> tuple[list[Warning], int]:
        loaded = await self._read()
        return compute_warnings(self._view(loaded.stored, loaded.commands)), loaded.revision

    # ----- watch ---------------------------------------------------------------------

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
            loaded = await self._read()
            state = self._state(loaded.stored, loaded.commands)
            yield WatchItem(
                "snapshot",
                loaded.revision,
                loaded.compact_revision,
                settings=tuple(self._setting(state, key) for key in self._registry.keys),
                commands=tuple(loaded.commands[n] for n in sorted(loaded.commands)),
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
                    yield WatchItem("events", revision, 0, events=tuple(events))
                    position = revision
                continue
            if await self._feed.wait_beyond(position, progress_interval):
                continue
            current, floor = await self._positions()  # also notices writes by other replicas
            if current > position:
                continue
            yield WatchItem("progress", current, floor)


def _short(text: str) -> str:
    return text if len(text) <= 64 else text[:64] + "..."
