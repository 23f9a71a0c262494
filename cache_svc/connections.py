"""How a build reaches the configured target server: the followed settings (URL, user,
limits) and the token read from config_svc at build time (never stored here). A build
worker gets them to connect with; a build in this process connects through the factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc

from cache_svc.build.builders import ConnectionInfo, SourceFactory
from cache_svc.build.generation import BuildFailed
from cache_svc.config_view import FollowedConfig
from common.config.registry import Registry
from common.config.values import SettingValues
from common.domain import Target
from common.runtime.tracing import Tracing
from common.targets import LibraryReader
from common.targets.connect import connect_configured
from common.targets.traced import TracedReader
from common.wire.channels import DEFAULT_TIMEOUT


def target_connection_info(
    config_stub: config_pb2_grpc.ConfigServiceAsyncStub,
    *,
    remember_secret: Callable[[str], None],
) -> ConnectionInfo:
    """What a build connects with: the followed settings and the revealed token;
    ``remember_secret`` hears the token first, so that the service's logs can mask it."""

    async def info(target: Target, config: FollowedConfig) -> tuple[Mapping[str, str], str]:
        key = target.token_key
        reply = await config_stub.RevealSecrets(
            pb.RevealSecretsRequest(keys=[key]), timeout=DEFAULT_TIMEOUT
        )
        token = next((s.value for s in reply.secrets if s.key == key), "")
        remember_secret(token)
        return config.values, token

    return info


def target_source_factory(
    info: ConnectionInfo, registry: Registry, *, tracing: Tracing | None = None
) -> SourceFactory:
    """Connections for builds in this process, closed when the build is done; with
    ``tracing`` on, the listing's pages and the HTTP requests are spans."""
    tracing = tracing or Tracing.off()

    @asynccontextmanager
    async def factory(target: Target, config: FollowedConfig) -> AsyncIterator[LibraryReader]:
        settings, token = await info(target, config)
        try:
            connection = connect_configured(
                target,
                SettingValues(registry, settings),
                token=token,
                instrument=tracing.instrument_http,
            )
        except ValueError as exc:
            raise BuildFailed(str(exc)) from None
        try:
            if tracing.enabled:
                yield TracedReader(connection.client, tracing.tracer("cache_svc"))
            else:
                yield connection.client
        finally:
            await connection.close()

    return factory
