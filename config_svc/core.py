"""config_svc's use cases: settings, commands, the auto-enable policy and warnings, each
write applied through the revision engine (config_svc/revisions.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from common.domain import (
    BUILDER_NAME,
    BUILTIN_SERVERS,
    Command,
    CommandKind,
    Destination,
    FixAction,
    Notification,
    Origin,
    ServerKind,
    SetupWarning,
    SourceKind,
    SyncMode,
    Target,
)
from common.errors import (
    BuiltinCommand,
    CommandAlreadyExists,
    CommandNotFound,
    FieldViolation,
    InvalidArgument,
    RevisionMismatch,
    ServerNotFound,
    SettingPinnedByEnv,
    check,
)
from common.warning_rules import compute_warnings
from config_svc import store, validation
from config_svc.events import SettingState
from config_svc.lidarr_names import NAME_KEYS, LidarrNameCheck
from config_svc.policy import AUTO_ENABLE_KEY, Stored, auto_changes, server_auto_cache
from config_svc.revisions import Commit, Draft, Mutation, RevisionEngine
from config_svc.server_spec import check_name as check_server_name
from config_svc.views import ConfigViews


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
    destinations: tuple[Destination, ...] = ()
    schedule: str = ""
    enabled: bool = True
    playlist_title: str = ""
    mode: SyncMode | None = SyncMode.MIRROR  # None: a value this service does not know
    sync_note: bool = True


@dataclass(frozen=True)
class WriteResult:
    revision: int
    changed_settings: tuple[SettingState, ...]
    changed_commands: tuple[Command, ...]
    notifications: tuple[Notification, ...]
    warnings: tuple[SetupWarning, ...]
    commands: Mapping[str, Command]


UPDATABLE_FIELDS = {
    "source",
    "targets",
    "destinations",
    "schedule",
    "enabled",
    "playlist_title",
    "mode",
    "sync_note",
}
WHERE_FIELDS = {"targets", "destinations"}  # two names of one list: where a command writes
BUILDER_FIELDS = {"schedule", "enabled"}


def _check_servers(destinations: Sequence[Destination], draft: Draft) -> None:
    """Every destination's server exists in the transaction's state."""
    known = {*BUILTIN_SERVERS, *draft.servers}
    check(validation.unknown_servers(destinations, known, "command"))


def _check_source_server(command: Command, draft: Draft) -> None:
    """A server playlist source names a server that exists, of the kind it says."""
    kinds = {name: ServerKind(target.value) for name, target in BUILTIN_SERVERS.items()}
    kinds.update({name: server.kind for name, server in draft.servers.items()})
    check(
        validation.unknown_source_server(command.source_kind, command.source_ref, kinds, "command")
    )


class ConfigCore:
    def __init__(
        self,
        revisions: RevisionEngine,
        views: ConfigViews,
        *,
        lidarr_names: LidarrNameCheck | None = None,
    ) -> None:
        self._revisions = revisions
        self._views = views
        self._lidarr_names = lidarr_names or LidarrNameCheck(views.registry)
        self._registry = views.registry
        self._env = views.env

    # ----- the write path --------------------------------------------------------------

    def _with_policy(self, mutate: Mutation) -> Mutation:
        """The caller's mutation, then the automatic changes the policy decides."""

        def apply(loaded: store.Loaded, draft: Draft) -> None:
            mutate(loaded, draft)
            # The created servers' caches first: the builder follows every cache.
            auto = self._views.state(draft.stored, draft.commands).flag(
                self._registry, AUTO_ENABLE_KEY
            )
            notes = []
            for name in sorted(draft.servers):
                server, note = server_auto_cache(draft.servers[name], auto)
                if note is not None:
                    draft.servers[name] = server
                    notes.append(note)
            outcome = auto_changes(
                self._registry,
                self._views.state(loaded.stored, loaded.commands),
                self._views.state(draft.stored, draft.commands),
                servers_before=any(s.cache_enabled for s in loaded.servers.values()),
                servers_after=any(s.cache_enabled for s in draft.servers.values()),
            )
            draft.stored.update(outcome.settings)
            if outcome.builder is not None:
                draft.commands[BUILDER_NAME] = outcome.builder
            draft.notifications.extend(notes)  # the cause before what it brings about
            draft.notifications.extend(outcome.notifications)

        return apply

    async def commit(self, mutate: Mutation) -> Commit:
        """One write of the caller's mutation and the automatic changes it calls for."""
        return await self._revisions.commit(self._with_policy(mutate))

    async def _write(
        self, mutate: Mutation, *, expected_revision: int = 0, validate_only: bool = False
    ) -> WriteResult:
        commit = await self._revisions.commit(
            self._with_policy(mutate),
            expected_revision=expected_revision,
            validate_only=validate_only,
        )
        view = self._views.config_view(
            commit.result_stored, commit.result_commands, commit.result_servers
        )
        return WriteResult(
            commit.revision,
            commit.changed_settings,
            commit.changed_commands,
            commit.notifications,
            tuple(compute_warnings(view)),
            commit.commands,
        )

    # ----- start-up ------------------------------------------------------------------

    async def start(self) -> WriteResult:
        """Apply the policy to the state as loaded (the environment may have enabled a
        client since the last run) and prime the feed."""
        result = await self._write(lambda _loaded, _draft: None)
        await self._revisions.start_at(result.revision)
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
        loaded = await self._revisions.read()
        state = self._views.state(loaded.stored, loaded.commands)
        wanted = sorted(set(keys)) if keys else self._registry.keys
        return [self._views.setting(state, key) for key in wanted], loaded.revision

    async def reveal_secrets(
        self, keys: Sequence[str], server_names: Sequence[str] = ()
    ) -> tuple[list[tuple[str, str, Origin]], list[tuple[str, str]], int]:
        """The secret settings in ``keys`` (every one when neither ``keys`` nor
        ``server_names`` names anything) and the tokens of the servers named, by name."""
        problems = []
        for i, name in enumerate(server_names):
            problems += check_server_name(name, f"server_names[{i}]")
        for i, key in enumerate(keys):
            if key not in self._registry:
                problems.append(FieldViolation(f"keys[{i}]", f"unknown setting {_short(key)!r}"))
            elif not self._registry[key].secret:
                problems.append(
                    FieldViolation(f"keys[{i}]", f"{key} is not a secret; use GetSettings")
                )
        check(problems)
        loaded = await self._revisions.read()
        state = self._views.state(loaded.stored, loaded.commands)
        if keys or server_names:
            wanted = sorted(set(keys))
        else:
            wanted = [s.key for s in self._registry if s.secret]
        servers = {**loaded.servers, **self._views.builtin_servers(loaded.stored, loaded.commands)}
        tokens = []
        for name in sorted(set(server_names)):
            if name not in servers:
                raise ServerNotFound(name)
            tokens.append((name, servers[name].token))
        secrets = [(key, *state.effective(self._registry, key)) for key in wanted]
        return secrets, tokens, loaded.revision

    async def update_settings(
        self,
        changes: Sequence[SettingChange],
        *,
        expected_revision: int = 0,
        validate_only: bool = False,
    ) -> WriteResult:
        validation.check_setting_changes(changes, self._registry, self._env)
        await self._check_lidarr_names(changes)

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

    async def _check_lidarr_names(self, changes: Sequence[SettingChange]) -> None:
        """The Lidarr names set exist in the Lidarr the change leaves in force."""
        if any(c.key in NAME_KEYS for c in changes):
            loaded = await self._revisions.read()
            state = self._views.state(loaded.stored, loaded.commands)
            await self._lidarr_names.check_changes(
                changes, lambda key: state.effective(self._registry, key)[0]
            )

    # ----- commands ------------------------------------------------------------------

    async def list_commands(self) -> tuple[list[Command], int]:
        loaded = await self._revisions.read()
        return [loaded.commands[n] for n in sorted(loaded.commands)], loaded.revision

    async def get_command(self, name: str) -> Command:
        check(validation.check_name(name, "name"))
        loaded = await self._revisions.read()
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
            *validation.check_destinations(command.targets, command.destinations, "command"),
            *validation.check_schedule(command.schedule, "command.schedule"),
            *validation.check_title(command.playlist_title, "command.playlist_title"),
            *validation.check_mode(command.mode, "command.mode"),
        ]
        check(problems)
        created = Command(
            name=command.name,
            kind=CommandKind.PLAYLIST_SYNC,
            source_kind=command.source_kind,
            source_ref=command.source_ref.strip(),
            destinations=validation.normalized(command.targets, command.destinations),
            schedule=command.schedule,
            enabled=command.enabled,
            enabled_origin=Origin.USER,
            playlist_title=command.playlist_title or command.name,
            mode=command.mode or SyncMode.MIRROR,
            sync_note=command.sync_note,
        )

        def mutate(_loaded: store.Loaded, draft: Draft) -> None:
            if created.name in draft.commands:
                raise CommandAlreadyExists(created.name)
            _check_servers(command.destinations, draft)
            _check_source_server(created, draft)
            draft.commands[created.name] = created
            if accept_fixes:
                self._accept_fixes(draft)

        result = await self._write(mutate, validate_only=validate_only)
        return result.commands.get(created.name, created), result

    def _accept_fixes(self, draft: Draft) -> None:
        view = self._views.config_view(draft.stored, draft.commands, draft.servers)
        for warning in compute_warnings(view):
            fix = warning.fix
            if fix is None:
                continue
            if fix.action is FixAction.ENABLE_LIBRARY_CACHE and fix.server in draft.servers:
                # A created server's cache: its own switch, as UpdateServer sets it.
                name = fix.server
                draft.servers[name] = replace(
                    draft.servers[name], cache_enabled=True, cache_origin=Origin.USER
                )
                draft.notifications.append(
                    Notification(
                        "LIBRARY_CACHE_ENABLED", f"Library cache enabled for server {name!r}", name
                    )
                )
            elif fix.action is FixAction.ENABLE_LIBRARY_CACHE and fix.target is not None:
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
        if fields & WHERE_FIELDS:
            problems += validation.check_destinations(
                command.targets, command.destinations, "command"
            )
        if "schedule" in fields:
            problems += validation.check_schedule(command.schedule, "command.schedule")
        if "playlist_title" in fields:
            problems += validation.check_title(command.playlist_title, "command.playlist_title")
        if "mode" in fields:
            problems += validation.check_mode(command.mode, "command.mode")
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
                _check_source_server(updated, draft)
            if fields & WHERE_FIELDS:
                _check_servers(command.destinations, draft)
                updated = replace(
                    updated,
                    destinations=validation.normalized(command.targets, command.destinations),
                )
            if "schedule" in fields:
                updated = replace(updated, schedule=command.schedule)
            if "playlist_title" in fields:
                updated = replace(updated, playlist_title=command.playlist_title or command.name)
            if "mode" in fields:
                updated = replace(updated, mode=command.mode or SyncMode.MIRROR)
            if "sync_note" in fields:
                updated = replace(updated, sync_note=command.sync_note)
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

    async def warnings(self) -> tuple[list[SetupWarning], int]:
        loaded = await self._revisions.read()
        return compute_warnings(
            self._views.config_view(loaded.stored, loaded.commands, loaded.servers)
        ), loaded.revision


def _short(text: str) -> str:
    return text if len(text) <= 64 else text[:64] + "..."
