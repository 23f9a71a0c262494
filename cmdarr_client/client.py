"""Client: the blocking client of the cmdarr services, on grpc's synchronous channels."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from typing import Any, Protocol, TypeVar

import grpc
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.gateway.v1 import gateway_pb2 as gateway_pb
from cmdarr.gateway.v1 import gateway_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as sync_pb
from cmdarr.sync.v1 import sync_pb2_grpc

from cmdarr_client import requests
from cmdarr_client.channels import open_blocking_channel
from cmdarr_client.errors import (
    CmdarrError,
    DeadlineExceeded,
    FailedCall,
    Unavailable,
    error_from,
)
from cmdarr_client.events import ConfigWatchEvent
from cmdarr_client.options import Address, ClientOptions
from cmdarr_client.requests import CacheRef, ServerField, SettingValue, Target
from cmdarr_client.retry import Retry
from cmdarr_client.service_config import FULL_NAMES
from cmdarr_client.watching import (
    SYNC_ENDED,
    CacheWatch,
    ConfigWatch,
    resumable,
    settled_usable,
)

Request = TypeVar("Request")
Response = TypeVar("Response")
Message = TypeVar("Message", covariant=True)


class _StreamCall(Protocol[Message]):
    def __iter__(self) -> Iterator[Message]: ...

    def cancel(self) -> bool: ...


class Client:
    """The cmdarr services, called from blocking code.

    Addresses take the forms the services accept (one ``host:port``, a list of replicas, a
    ``dns:///`` target); reads retry on another replica; errors are typed
    (cmdarr_client.errors). Use it as a context manager, or call close().
    ``channels`` replaces the channel of a service (tests, custom channels)."""

    def __init__(
        self,
        *,
        config: Address | None = None,
        cache: Address | None = None,
        sync: Address | None = None,
        gateway: Address | None = None,
        api_key: str | None = None,
        ca: bytes | None = None,
        timeout: float = 10.0,
        retry: Retry | None = None,
        options: ClientOptions | None = None,
        channels: Mapping[str, grpc.Channel] | None = None,
    ) -> None:
        self.options = options or ClientOptions.build(
            config=config, cache=cache, sync=sync, gateway=gateway,
            api_key=api_key, ca=ca, timeout=timeout, retry=retry,
        )  # fmt: skip
        self._channels: dict[str, grpc.Channel] = dict(channels or {})
        self._owned: list[grpc.Channel] = []

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Client:
        """Addresses, API key and CA from CMDARR_* variables, as the CLI reads them."""
        return cls(options=ClientOptions.from_env(environ))

    def __repr__(self) -> str:
        return f"Client({dict(self.options.addresses)!r})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        for channel in self._owned:
            channel.close()
        self._owned.clear()
        self._channels.clear()

    # ----- plumbing ---------------------------------------------------------------------

    def _channel(self, service: str) -> grpc.Channel:
        if service not in self._channels:
            channel = open_blocking_channel(
                self.options.addresses[service], self.options.ca, service=FULL_NAMES[service]
            )
            self._owned.append(channel)
            self._channels[service] = channel
        return self._channels[service]

    def _config(self) -> config_pb2_grpc.ConfigServiceStub:
        return config_pb2_grpc.ConfigServiceStub(self._channel("config"))

    def _cache(self) -> cache_pb2_grpc.CacheServiceStub:
        return cache_pb2_grpc.CacheServiceStub(self._channel("cache"))

    def _sync(self) -> sync_pb2_grpc.SyncServiceStub:
        return sync_pb2_grpc.SyncServiceStub(self._channel("sync"))

    def _gateway(self) -> gateway_pb2_grpc.GatewayServiceStub:
        return gateway_pb2_grpc.GatewayServiceStub(self._channel("gateway"))

    def _unary(
        self,
        service: str,
        method: grpc.UnaryUnaryMultiCallable[Request, Response],
        request: Request,
        *,
        safe: bool,
    ) -> Response:
        """One call under the default deadline; a safe call that answers UNAVAILABLE is
        tried again (the channel picks the next replica), with backoff."""
        retry = self.options.retry
        failures = 0
        while True:
            try:
                return method(
                    request, timeout=self.options.timeout, metadata=self.options.metadata()
                )
            except grpc.RpcError as raw:
                error = error_from(_failed(raw), service)
            failures += 1
            if not (safe and isinstance(error, Unavailable) and failures < retry.attempts):
                raise error
            time.sleep(retry.delay(failures))

    def _follow(
        self,
        service: str,
        start: Callable[[float], _StreamCall[Message]],
        go_on: Callable[[CmdarrError], bool],
        deadline: float | None = None,
    ) -> Generator[Message, None, None]:
        """The messages of a watch across its streams: a stream that fails in a way
        ``go_on`` accepts, or ends early, is opened again (``start`` builds the request
        from where the watch is), with backoff, up to the retry policy's attempts in a row
        without a message. ``deadline`` (time.monotonic) bounds the whole watch."""
        retry = self.options.retry
        failures = 0
        while True:
            timeout = self.options.watch_timeout
            if deadline is not None:
                timeout = min(timeout, deadline - time.monotonic())
                if timeout <= 0:
                    raise DeadlineExceeded(
                        "the watch ran out of time", code=grpc.StatusCode.DEADLINE_EXCEEDED,
                        service=service,
                    )  # fmt: skip
            call = start(timeout)
            error: CmdarrError | None = None
            try:
                for message in call:
                    failures = 0
                    yield message
            except grpc.RpcError as raw:
                error = error_from(_failed(raw), service)
            finally:
                call.cancel()
            if error is not None and not go_on(error):
                raise error
            if error is not None and not resumable(error):
                continue  # re-snapshot at once
            failures += 1
            if failures >= retry.attempts:
                raise error or Unavailable(
                    "the watch stream kept ending", code=grpc.StatusCode.UNAVAILABLE,
                    service=service,
                )  # fmt: skip
            time.sleep(retry.delay(failures))

    # ----- settings ---------------------------------------------------------------------

    def get_settings(self, *keys: str) -> pb.GetSettingsResponse:
        """Every setting (or those named) and the revision they reflect."""
        request = pb.GetSettingsRequest(keys=keys)
        return self._unary("config", self._config().GetSettings, request, safe=True)

    def update_settings(
        self,
        changes: Mapping[str, SettingValue | None],
        *,
        expected_revision: int = 0,
        validate_only: bool = False,
    ) -> pb.UpdateSettingsResponse:
        """One atomic batch; None resets a key. ``expected_revision`` makes it conditional
        (Conflict when the configuration moved on)."""
        request = requests.update_settings(changes, expected_revision, validate_only)
        return self._unary("config", self._config().UpdateSettings, request, safe=False)

    # ----- commands and warnings --------------------------------------------------------

    def list_commands(self) -> pb.ListCommandsResponse:
        return self._unary(
            "config", self._config().ListCommands, pb.ListCommandsRequest(), safe=True
        )

    def get_command(self, name: str) -> pb.Command:
        request = pb.GetCommandRequest(name=name)
        return self._unary("config", self._config().GetCommand, request, safe=True).command

    def create_command(
        self, command: pb.Command, *, accept_fixes: bool = False, validate_only: bool = False
    ) -> pb.CreateCommandResponse:
        """Creates a command; the reply's ``warnings`` offer fixes, which ``accept_fixes``
        applies in the same write."""
        request = pb.CreateCommandRequest(
            command=command, accept_fixes=accept_fixes, validate_only=validate_only
        )
        return self._unary("config", self._config().CreateCommand, request, safe=False)

    def update_command(
        self,
        command: pb.Command,
        *,
        update_mask: Iterable[str] = (),
        expected_mod_revision: int = 0,
    ) -> pb.UpdateCommandResponse:
        request = requests.update_command(command, update_mask, expected_mod_revision)
        return self._unary("config", self._config().UpdateCommand, request, safe=False)

    def delete_command(self, name: str) -> pb.DeleteCommandResponse:
        request = pb.DeleteCommandRequest(name=name)
        return self._unary("config", self._config().DeleteCommand, request, safe=False)

    def list_warnings(self) -> gateway_pb.ListWarningsResponse:
        """Every warning with its fix, as the gateway computes them (config and caches)."""
        request = gateway_pb.ListWarningsRequest()
        return self._unary("gateway", self._gateway().ListWarnings, request, safe=True)

    def apply_fix(self, fix: pb.Fix) -> gateway_pb.ApplyActionResponse:
        """Applies a warning's offered fix (``warning.fix``)."""
        request = gateway_pb.ApplyActionRequest(fix=fix)
        return self._unary("gateway", self._gateway().ApplyAction, request, safe=False)

    # ----- match overrides --------------------------------------------------------------

    def list_match_overrides(self, target: Target | None = None) -> pb.ListMatchOverridesResponse:
        request = pb.ListMatchOverridesRequest(target=requests.target_of(target))
        return self._unary("config", self._config().ListMatchOverrides, request, safe=True)

    def put_match_override(
        self, override: pb.MatchOverride, *, expected_mod_revision: int = 0
    ) -> pb.PutMatchOverrideResponse:
        """Pins a source track to a target item, or forbids a match (``override.action``)."""
        request = pb.PutMatchOverrideRequest(
            override=override, expected_mod_revision=expected_mod_revision
        )
        return self._unary("config", self._config().PutMatchOverride, request, safe=False)

    def delete_match_override(
        self, target: Target, key: pb.SourceKey
    ) -> pb.DeleteMatchOverrideResponse:
        request = pb.DeleteMatchOverrideRequest(target=requests.target_of(target), key=key)
        return self._unary("config", self._config().DeleteMatchOverride, request, safe=False)

    # ----- servers ----------------------------------------------------------------------

    def list_servers(self) -> pb.ListServersResponse:
        """Every server by name: the built-in "plex" and "jellyfin" (the PLEX_* and
        JELLYFIN_* settings, ``built_in`` set) and those created here. Tokens are never
        returned: ``token_set`` says whether a server has one."""
        request = pb.ListServersRequest()
        return self._unary("config", self._config().ListServers, request, safe=True)

    def create_server(
        self,
        name: str,
        *,
        kind: pb.ServerKind.ValueType,
        url: str,
        token: str = "",
        library_names: Iterable[str] = (),
        client_enabled: bool = False,
        library_cache_enabled: bool | None = None,
        jellyfin_user_id: str = "",
    ) -> pb.CreateServerResponse:
        """Creates a server (AlreadyExists when the name is taken, "plex" and "jellyfin"
        always). ``library_cache_enabled`` None leaves the library cache to
        AUTO_ENABLE_LIBRARY_CACHE; the reply's ``notifications`` say what it did."""
        request = requests.create_server(
            name, kind, url, token, library_names, client_enabled, library_cache_enabled,
            jellyfin_user_id,
        )  # fmt: skip
        return self._unary("config", self._config().CreateServer, request, safe=False)

    def update_server(
        self, name: str, *, expected_mod_revision: int, **fields: ServerField
    ) -> pb.UpdateServerResponse:
        """Changes the fields given (``url=...``, ``client_enabled=True``, ...) and no
        other: the update mask names exactly them. ``expected_mod_revision`` is the
        server's ``mod_revision`` as last read (Conflict when it moved on), or 0 to write
        unconditionally. The built-in servers are changed with update_settings."""
        request = requests.update_server(name, fields, expected_mod_revision)
        return self._unary("config", self._config().UpdateServer, request, safe=False)

    def delete_server(
        self, name: str, *, expected_mod_revision: int = 0
    ) -> pb.DeleteServerResponse:
        """Deletes a server created with create_server; ``expected_mod_revision`` makes it
        conditional (Conflict when the server changed)."""
        request = pb.DeleteServerRequest(name=name, expected_mod_revision=expected_mod_revision)
        return self._unary("config", self._config().DeleteServer, request, safe=False)

    def test_server(self, name: str) -> sync_pb.TestServerResponse:
        """Checks that server ``name`` can be used: reachable, its token accepted, a
        supported version, a music library. How the check ended is in the response
        (``ok``, ``problem``, ``message``); NotFound when no server has that name."""
        request = sync_pb.TestServerRequest(name=name)
        return self._unary("sync", self._sync().TestServer, request, safe=True)

    def test_lidarr(self) -> sync_pb.TestLidarrResponse:
        """Checks that Lidarr can take wanted albums: LIDARR_URL answers as Lidarr, accepts
        LIDARR_API_KEY, and has the root folder and profiles the settings name. How the
        check ended is in the response (``ok``, ``problem``, ``message``)."""
        request = sync_pb.TestLidarrRequest()
        return self._unary("sync", self._sync().TestLidarr, request, safe=True)

    def preview_lidarr(self, run_id: str) -> sync_pb.PreviewLidarrResponse:
        """The albums a finished run's unmatched tracks ask for, as Lidarr sees them now,
        and what ``send_to_lidarr`` would do with each; changes nothing."""
        request = sync_pb.PreviewLidarrRequest(run_id=run_id)
        return self._unary("sync", self._sync().PreviewLidarr, request, safe=True)

    def send_to_lidarr(
        self, run_id: str, albums: Sequence[str] = ()
    ) -> sync_pb.SendToLidarrResponse:
        """Hands a finished run's wanted albums (all, or those ``albums`` names: an id,
        a title or "Artist - Title"; of an ambiguous album, a candidate's id) to Lidarr,
        at most LIDARR_MAX_ALBUMS_PER_RUN per run; what happened to each is in the
        response. Never retried."""
        request = sync_pb.SendToLidarrRequest(run_id=run_id, albums=list(albums))
        return self._unary("sync", self._sync().SendToLidarr, request, safe=False)

    def list_server_users(self, server: str) -> sync_pb.ListServerUsersResponse:
        """Who can receive playlists on ``server``: on Plex its owner, Home users and the
        friends it is shared with; on Jellyfin its users; each with the libraries they see."""
        request = sync_pb.ListServerUsersRequest(server=server)
        return self._unary("sync", self._sync().ListServerUsers, request, safe=True)

    # ----- the config feed --------------------------------------------------------------

    def watch_config(
        self, after_revision: int = 0, *, progress: bool = False, progress_interval_ms: int = 0
    ) -> Generator[ConfigWatchEvent, None, None]:
        """Every change after ``after_revision`` (0: a snapshot first), each revision once,
        resumed after a dropped stream or a replica's death, and started again from a
        ConfigSnapshot(compacted=True) when the log no longer reaches back that far. Runs
        until the caller stops iterating."""
        position = ConfigWatch(
            after_revision, progress=progress, progress_interval_ms=progress_interval_ms
        )

        def start(timeout: float) -> _StreamCall[pb.WatchConfigResponse]:
            return self._config().WatchConfig(
                position.request(), timeout=timeout, metadata=self.options.metadata()
            )

        with closing(self._follow("config", start, position.failed)) as messages:
            for message in messages:
                event = position.accept(message)
                if event is not None:
                    yield event

    # ----- caches -----------------------------------------------------------------------

    def cache_status(self, server: CacheRef | None = None) -> cache_pb.GetCacheStatusResponse:
        """One server's cache status (by name, or a Target for its built-in server), or
        every server's."""
        request = cache_pb.GetCacheStatusRequest(**requests.cache_fields(server))
        return self._unary("cache", self._cache().GetCacheStatus, request, safe=True)

    def build_cache(
        self,
        server: CacheRef,
        *,
        mode: cache_pb.BuildMode.ValueType = cache_pb.BUILD_MODE_UNSPECIFIED,
    ) -> cache_pb.BuildCacheResponse:
        """Starts a build of a server's cache (by name, or a Target for its built-in
        server), or joins the running one: ``started`` is then false."""
        request = requests.build_cache(server, mode)
        return self._unary("cache", self._cache().BuildCache, request, safe=False)

    def _cache_statuses(
        self, only: CacheRef | None, deadline: float | None
    ) -> Generator[cache_pb.CacheStatus, None, None]:
        def start(timeout: float) -> _StreamCall[cache_pb.WatchCacheStatusResponse]:
            request = cache_pb.WatchCacheStatusRequest(**requests.cache_fields(only))
            return self._cache().WatchCacheStatus(
                request, timeout=timeout, metadata=self.options.metadata()
            )

        with closing(self._follow("cache", start, resumable, deadline)) as messages:
            for message in messages:
                yield message.status

    def watch_cache(self, *servers: CacheRef) -> Generator[cache_pb.CacheStatus, None, None]:
        """Status updates of the named servers' caches (by name, or a Target for its
        built-in server), ending once each has settled (ready, stale, failed or disabled);
        with none named, every server's updates until the caller stops."""
        watch = CacheWatch({requests.server_name(s) for s in servers})
        only = servers[0] if len(servers) == 1 else None
        with closing(self._cache_statuses(only, None)) as statuses:
            for status in statuses:
                if not watch.wanted(status):
                    continue
                watch.accept(status)
                yield status
                if watch.over:
                    return

    def wait_for_cache(
        self,
        server: CacheRef,
        *,
        progress: Callable[[cache_pb.CacheStatus], object] | None = None,
        within: float = 3600.0,
    ) -> cache_pb.CacheStatus:
        """Waits until ``server``'s cache (by name, or a Target for its built-in server) is
        usable (ready or stale) and returns its status;
        ``progress`` sees every update on the way. Raises CacheBuildFailed when the build
        fails, DeadlineExceeded after ``within`` seconds. A disabled cache is waited for:
        enabling a client enables its cache a moment later."""
        statuses = self._cache_statuses(server, time.monotonic() + within)
        with closing(statuses):
            for status in statuses:
                if requests.status_server(status) != requests.server_name(server):
                    continue
                if progress is not None:
                    progress(status)
                if settled_usable(status):
                    return status
        raise AssertionError("an unbounded cache watch ended")  # pragma: no cover

    def match_tracks(
        self,
        server: CacheRef,
        tracks: Sequence[cache_pb.TrackQuery],
        *,
        min_confidence: float = 0,
    ) -> cache_pb.MatchTracksResponse:
        """Matches against a server's cache (by name, or a Target for its built-in
        server)."""
        request = cache_pb.MatchTracksRequest(
            tracks=tracks, min_confidence=min_confidence, **requests.cache_fields(server)
        )
        return self._unary("cache", self._cache().MatchTracks, request, safe=True)

    def explain_match(
        self,
        server: CacheRef,
        track: cache_pb.TrackQuery,
        *,
        min_confidence: float = 0,
        limit: int = 0,
    ) -> cache_pb.ExplainMatchResponse:
        """Why ``track`` matches what it does in a server's cache: the candidates
        considered, each one's score by part, and the verdict (``limit``: the most
        candidates, 0 for the service's default of 10)."""
        request = cache_pb.ExplainMatchRequest(
            track=track, min_confidence=min_confidence, limit=limit, **requests.cache_fields(server)
        )
        return self._unary("cache", self._cache().ExplainMatch, request, safe=True)

    # ----- syncs ------------------------------------------------------------------------

    def run_sync(
        self,
        command_name: str | None = None,
        *,
        spec: sync_pb.SyncSpec | None = None,
        dry_run: bool = False,
    ) -> str:
        """Starts a run of a stored command or an inline spec; returns the run id."""
        request = requests.run_sync(command_name, spec, dry_run)
        return self._unary("sync", self._sync().RunSync, request, safe=False).run_id

    def watch_sync(self, run_id: str) -> Generator[sync_pb.SyncProgress, None, None]:
        """A run's progress until it ends (succeeded, failed or interrupted)."""

        def start(timeout: float) -> _StreamCall[sync_pb.WatchSyncResponse]:
            request = sync_pb.WatchSyncRequest(run_id=run_id)
            return self._sync().WatchSync(
                request, timeout=timeout, metadata=self.options.metadata()
            )

        with closing(self._follow("sync", start, resumable)) as messages:
            for message in messages:
                yield message.progress
                if message.progress.state in SYNC_ENDED:
                    return

    def wait_for_sync(
        self, run_id: str, *, progress: Callable[[sync_pb.SyncProgress], object] | None = None
    ) -> sync_pb.SyncReport:
        """Follows a run to its end and returns its report."""
        with closing(self.watch_sync(run_id)) as updates:
            for update in updates:
                if progress is not None:
                    progress(update)
        return self.sync_report(run_id)

    def sync_report(self, run_id: str) -> sync_pb.SyncReport:
        request = sync_pb.GetSyncReportRequest(run_id=run_id)
        return self._unary("sync", self._sync().GetSyncReport, request, safe=True).report

    def list_syncs(self, limit: int = 20) -> sync_pb.ListSyncsResponse:
        request = sync_pb.ListSyncsRequest(limit=limit)
        return self._unary("sync", self._sync().ListSyncs, request, safe=True)

    def get_cover(self, key: str) -> sync_pb.GetCoverResponse:
        """The cover a run read (``SyncSummary.cover_key``): ``content_type`` and ``image``."""
        request = sync_pb.GetCoverRequest(key=key)
        return self._unary("sync", self._sync().GetCover, request, safe=True)

    # ----- the gateway ------------------------------------------------------------------

    def status(self) -> gateway_pb.Status:
        """Targets, caches, warnings, recent syncs and every service's health."""
        request = gateway_pb.GetStatusRequest()
        return self._unary("gateway", self._gateway().GetStatus, request, safe=True).status


def _failed(error: grpc.RpcError) -> FailedCall:
    """A failed call on a blocking channel is also a grpc.Call (its code and metadata)."""
    call: Any = error
    return call  # type: ignore[no-any-return]
