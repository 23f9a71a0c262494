"""Scripted servers for the blocking client: a grpc_testing channel per service, whose
calls the test answers one by one (code, message, rich details), while the client runs in
a worker thread."""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import grpc
import grpc_testing
from cmdarr.cache.v1 import cache_pb2
from cmdarr.config.v1 import config_pb2
from cmdarr.gateway.v1 import gateway_pb2
from cmdarr.sync.v1 import sync_pb2
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

from cmdarr_client import Client, Retry
from common.errors import FieldViolation
from common.wire.rich_errors import rich_status

T = TypeVar("T")
API_KEY = "k-scripted-0123"
# How long a test waits for the client to make the call it expects.
TAKE_SECONDS = 10.0

SERVICES: dict[str, ServiceDescriptor] = {
    "config": config_pb2.DESCRIPTOR.services_by_name["ConfigService"],
    "cache": cache_pb2.DESCRIPTOR.services_by_name["CacheService"],
    "sync": sync_pb2.DESCRIPTOR.services_by_name["SyncService"],
    "gateway": gateway_pb2.DESCRIPTOR.services_by_name["GatewayService"],
}


def method(service: str, name: str) -> MethodDescriptor:
    found: MethodDescriptor = SERVICES[service].methods_by_name[name]
    return found


@dataclass(frozen=True)
class Invocation:
    """One call the client made: its metadata, its request, and the handle to answer it."""

    metadata: dict[str, str]
    request: Any
    rpc: Any

    def fail(
        self,
        code: grpc.StatusCode,
        message: str,
        reason: str = "",
        violations: Sequence[FieldViolation] = (),
    ) -> None:
        """Ends the call with ``code``; a ``reason`` adds the rich status the services send."""
        trailing: Any = ()
        if reason:
            trailing = rich_status(code, message, reason, tuple(violations)).trailing_metadata
        if hasattr(self.rpc, "send_response"):
            self.rpc.terminate(trailing, code, message)
        else:
            self.rpc.terminate(None, trailing, code, message)

    def answer(self, response: Any) -> None:
        self.rpc.terminate(response, (), grpc.StatusCode.OK, "")

    def send(self, *responses: Any) -> None:
        for response in responses:
            self.rpc.send_response(response)

    def end(self) -> None:
        self.rpc.terminate((), grpc.StatusCode.OK, "")


class Scripted:
    """The test's side: take the client's next call of a method and answer it."""

    def __init__(self, channel: Any, pool: ThreadPoolExecutor) -> None:
        self.channel = channel
        self._pool = pool

    def run(self, work: Callable[[], T]) -> Future[T]:
        """Runs ``work`` (client calls) in the worker thread."""
        return self._pool.submit(work)

    def follow(self, items: Callable[[], Iterable[T]], limit: int) -> Followed[T]:
        """Iterates ``items()`` in the worker thread, up to ``limit`` items, handing each to
        the test as it comes (a stream's pending messages are lost when the test fails it,
        so the test waits for them to be taken first)."""
        taken: queue.Queue[T] = queue.Queue()

        def streaming() -> list[T]:
            got: list[T] = []
            for item in itertools.islice(items(), limit):
                got.append(item)
                taken.put(item)
            return got

        return Followed(self._pool.submit(streaming), taken)

    def _take(self, taker: Callable[[MethodDescriptor], Any], found: MethodDescriptor) -> Any:
        box: queue.Queue[Any] = queue.Queue()
        threading.Thread(target=lambda: box.put(taker(found)), daemon=True).start()
        try:
            return box.get(timeout=TAKE_SECONDS)
        except queue.Empty:
            raise AssertionError(f"the client never called {found.full_name}") from None

    def unary(self, service: str, name: str) -> Invocation:
        metadata, request, rpc = self._take(self.channel.take_unary_unary, method(service, name))
        return Invocation(dict(metadata), request, rpc)

    def stream(self, service: str, name: str) -> Invocation:
        metadata, request, rpc = self._take(self.channel.take_unary_stream, method(service, name))
        return Invocation(dict(metadata), request, rpc)


@dataclass(frozen=True)
class Followed(Generic[T]):
    """Items a client iterator yields, taken one by one, and all of them at the end."""

    done: Future[list[T]]
    taken: queue.Queue[T]

    def next(self) -> T:
        try:
            return self.taken.get(timeout=TAKE_SECONDS)
        except queue.Empty:
            raise AssertionError("the client yielded nothing more") from None


FAST_RETRY = Retry(attempts=3, initial_backoff=0.001, max_backoff=0.001)


@contextmanager
def scripted_client(
    *, api_key: str | None = API_KEY, retry: Retry = FAST_RETRY
) -> Iterator[tuple[Client, Scripted]]:
    """A Client whose four services are one grpc_testing channel the test answers."""
    channel = grpc_testing.channel(SERVICES.values(), grpc_testing.strict_real_time())
    client = Client(api_key=api_key, retry=retry, channels=dict.fromkeys(SERVICES, channel))
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            yield client, Scripted(channel, pool)
        finally:
            client.close()
