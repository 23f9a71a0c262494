"""What every command runs with: the terminal, the services' addresses, the output mode."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

import grpc
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.gateway.v1 import gateway_pb2_grpc
from cmdarr.sync.v1 import sync_pb2_grpc
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from rich.console import Console

from cli.errors import CallFailed
from cmdarr_client import AsyncClient, Retry
from cmdarr_client.channels import open_channel
from cmdarr_client.errors import CmdarrError, error_from
from cmdarr_client.service_config import FULL_NAMES
from common.runtime.tracing import Tracing

SERVICE_NAMES = {
    "config": "config_svc",
    "cache": "cache_svc",
    "sync": "sync_svc",
    "gateway": "gateway",
}
# Watch streams last as long as the build or run they follow; still, never forever.
WATCH_TIMEOUT = 6 * 3600.0
# A read that answers UNAVAILABLE (after the channel has tried every replica) is tried
# again twice, and a watch reopened twice, before the command reports the failure.
CLI_RETRY = Retry(attempts=3, initial_backoff=0.2, max_backoff=1.0)


@dataclass
class Io:
    """Where output goes and answers come from."""

    out: Console
    err: TextIO
    stdin: TextIO
    interactive: bool

    @classmethod
    def standard(cls) -> Io:
        return cls(Console(), sys.stderr, sys.stdin, sys.stdin.isatty())

    def json(self, document: Any) -> None:
        """The one JSON document of --json output."""
        self.out.file.write(json.dumps(document, indent=2, sort_keys=True) + "\n")

    def error(self, line: str) -> None:
        self.err.write(f"cmdarr: {line}\n")
        self.err.flush()

    async def ask(self, question: str) -> bool:
        """A yes/no question on the terminal; anything but y/yes is no."""
        self.err.write(f"{question} [y/N] ")
        self.err.flush()
        answer = await asyncio.to_thread(self.stdin.readline)
        return answer.strip().lower() in {"y", "yes"}


def as_dict(message: Message) -> dict[str, Any]:
    return MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


@dataclass
class Context:
    """The parsed global options and the client built from them (closed by close()).

    Commands call the services through ``client`` (cmdarr_client.AsyncClient); the raw
    stubs (``config()`` ...) remain for commands that have not moved to it yet."""

    io: Io
    addresses: dict[str, str]
    api_key: str | None
    json_output: bool
    secrets: list[str] = field(default_factory=list)
    # The environment the command runs in (a secret named by a variable: --token-env).
    environ: Mapping[str, str] = field(default_factory=dict)
    tracing: Tracing = field(default_factory=Tracing.off)
    _channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)
    _client: AsyncClient | None = None

    @property
    def client(self) -> AsyncClient:
        if self._client is None:
            self._client = AsyncClient(
                config=self.addresses.get("config"),
                cache=self.addresses.get("cache"),
                sync=self.addresses.get("sync"),
                gateway=self.addresses.get("gateway"),
                api_key=self.api_key,
                retry=CLI_RETRY,
                interceptors=self.tracing.client_interceptors(),
            )
        return self._client

    def channel(self, service: str) -> grpc.aio.Channel:
        if service not in self._channels:
            self._channels[service] = open_channel(
                self.addresses[service],
                self.api_key,
                service=FULL_NAMES[service],
                interceptors=self.tracing.client_interceptors(),
            )
        return self._channels[service]

    def config(self) -> config_pb2_grpc.ConfigServiceAsyncStub:
        return config_pb2_grpc.ConfigServiceStub(self.channel("config"))

    def cache(self) -> cache_pb2_grpc.CacheServiceAsyncStub:
        return cache_pb2_grpc.CacheServiceStub(self.channel("cache"))

    def sync(self) -> sync_pb2_grpc.SyncServiceAsyncStub:
        return sync_pb2_grpc.SyncServiceStub(self.channel("sync"))

    def gateway(self) -> gateway_pb2_grpc.GatewayServiceAsyncStub:
        return gateway_pb2_grpc.GatewayServiceStub(self.channel("gateway"))

    @asynccontextmanager
    async def calling(self, service: str) -> AsyncIterator[None]:
        """Turns a failed call to ``service`` into CallFailed naming the service."""
        try:
            yield
        except CmdarrError as error:
            raise CallFailed(SERVICE_NAMES[service], self.addresses[service], error) from None
        except grpc.aio.AioRpcError as raw:
            typed = error_from(raw, service)
            raise CallFailed(SERVICE_NAMES[service], self.addresses[service], typed) from None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
        for channel in self._channels.values():
            await channel.close(None)
        self._channels.clear()
