"""Open the configured target server for a build: the configured URL and limits, the
token read from config_svc at build time (it is never stored here)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc

from cache_svc.build import BuildFailed
from cache_svc.followed import FollowedConfig
from cache_svc.manager import SourceFactory
from common.client import DEFAULT_TIMEOUT
from common.config.registry import Registry
from common.model import Target
from common.targets import LibraryReader
from common.targets.connect import connect_configured
from common.targets.traced import TracedReader
from common.tracing import Tracing


def target_source_factory(
    config_stub: config_pb2_grpc.ConfigServiceAsyncStub,
    registry: Registry,
    *,
    remember_secret: Callable[[str], None],
    tracing: Tracing | None = None,
) -> SourceFactory:
    """A factory that connects to the target as configured, with the token revealed by
    config_svc for this build, and closes the connection when the build is done;
    ``remember_secret`` hears the token first, so that the service's logs can mask it.
    With ``tracing`` on, the listing's pages and the HTTP requests are spans."""
    tracing = tracing or Tracing.off()

    @asynccontextmanager
    async def factory(target: Target, config: FollowedConfig) -> AsyncIterator[LibraryReader]:
        key = target.token_key
        reply = await config_stub.RevealSecrets(
            pb.RevealSecretsRequest(keys=[key]), timeout=DEFAULT_TIMEOUT
        )
        token = next((s.value for s in reply.secrets if s.key == key), "")
        remember_secret(token)
        try:
            connection = connect_configured(
                target,
                config.settings(registry),
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
