"""What every command runs with: the terminal, the services' addresses, the output mode."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
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
from common.client import open_channel
from common.service_config import FULL_NAMES
from common.tracing import Tracing

SERVICE_NAMES = {
    "config": "config_svc",
    "cache": "cache_svc",
    "sync": "sync_svc",
    "gateway": "gateway",
}
# Watch streams last as long as the build or run they follow; still, never forever.
WATCH_TIMEOUT = 6 * 3600.0


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
    """The parsed global options and the channels opened for them (closed by close())."""

    io: Io
    addresses: dict[str, str]
    api_key: str | None
    json_output: bool
    secrets: list[str] = field(default_factory=list)
    tracing: Tracing = field(default_factory=Tracing.off)
    _channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)

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
        except grpc.aio.AioRpcError as error:
            raise CallFailed(SERVICE_NAMES[service], self.addresses[service], error) from None

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close(None)
        self._channels.clear()
