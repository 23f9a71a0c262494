"""Server interceptors: API-key check, error mapping and a log line per call."""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeAlias

import grpc

from common import errors
from common.auth.keys import KeyRing
from common.auth.limiter import FailureLimiter, peer_host
from common.database.errors import database_unavailable
from common.wire.rich_errors import (
    abort_with,
    error_reason,
    field_violations,
    internal_status,
    rich_status,
    status_for,
)

HEALTH_PREFIX = "/grpc.health.v1.Health/"
TOO_MANY = "too many wrong API keys from this address; retry in a minute"
if TYPE_CHECKING:
    Handler: TypeAlias = grpc.RpcMethodHandler[Any, Any]
else:
    Handler = grpc.RpcMethodHandler
_log = logging.getLogger("cmdarr.rpc")


class Undecodable:
    """What a request that could not be parsed (bad UTF-8, a broken message) becomes, so
    that it is answered INVALID_ARGUMENT instead of the transport's UNKNOWN."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None

    def parse(data: bytes) -> Any:
        try:
            return deserializer(data)
        except Exception as exc:
            return Undecodable(str(exc)[:300])

    return parse


def _undecodable(request: Any) -> errors.InvalidArgument | None:
    if isinstance(request, Undecodable):
        return errors.InvalidArgument(
            [errors.FieldViolation("request", f"cannot be parsed: {request.reason}")]
        )
    return None


def _code_of(exc: BaseException, context: grpc.aio.ServicerContext[Any, Any]) -> grpc.StatusCode:
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code
    if isinstance(exc, grpc.aio.AbortError):
        return grpc.StatusCode.UNKNOWN
    return grpc.StatusCode.CANCELLED


def _status_for(exc: Exception, method: str) -> grpc.Status:
    if isinstance(exc, errors.ServiceError):
        return status_for(exc)
    if isinstance(exc, grpc.aio.AioRpcError):
        return downstream_status(exc)
    unavailable = database_unavailable(exc)
    if unavailable is not None:
        _log.warning("%s: database unavailable: %s", method, exc)
        return status_for(unavailable)
    _log.exception("unhandled error in %s", method)
    return internal_status()


# A call to another service failed: its verdict on the request passes through as is; its
# being away is UNAVAILABLE; anything else is ours to call INTERNAL.
_PASSED_THROUGH = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.ABORTED,
}
_AWAY = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}


def downstream_status(exc: grpc.aio.AioRpcError) -> grpc.Status:
    code = exc.code()
    details = exc.details() or code.name
    if code in _PASSED_THROUGH:
        return rich_status(code, details, error_reason(exc) or code.name, _violations(exc))
    if code in _AWAY:
        return status_for(
            errors.UpstreamUnavailable(f"a service this call needs is unavailable: {details}")
        )
    _log.warning("downstream call failed: %s %s", code.name, details)
    return internal_status()


def _violations(exc: grpc.aio.AioRpcError) -> tuple[errors.FieldViolation, ...]:
    return tuple(errors.FieldViolation(f, d) for f, d in field_violations(exc))


class ServiceInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """Applies to every call: refuses calls without the API key (when one is set), turns
    domain errors into rich statuses (never a bare UNKNOWN), and logs each finished call.

    Health checks are exempt from the key, so orchestrators can probe without it.
    """

    def __init__(
        self, api_key: str | KeyRing | None, limiter: FailureLimiter | None = None
    ) -> None:
        self._keys = api_key if isinstance(api_key, KeyRing) else KeyRing(api_key)
        self._limiter = limiter if limiter is not None else FailureLimiter()

    def _refusal(self, details: grpc.HandlerCallDetails) -> str | None:
        """Why the call is refused ("missing" or "wrong" key), or None to let it through.
        The previous key is still accepted during the rotation grace (in-flight calls
        between services)."""
        if not self._keys.required or details.method.startswith(HEALTH_PREFIX):
            return None
        for key, value in details.invocation_metadata or ():
            if key == "authorization":
                given = value.decode(errors="replace") if isinstance(value, bytes) else value
                scheme, _, token = given.partition(" ")
                if scheme.lower() == "bearer" and self._keys.accepts(token, allow_previous=True):
                    return None
                return "wrong"
        return "missing"

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Handler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Handler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        method = handler_call_details.method
        reason = self._refusal(handler_call_details)
        if reason is not None:
            return _refusing(handler, method, reason, self._limiter)
        if handler.request_streaming or method.startswith(HEALTH_PREFIX):
            return handler  # only health and reflection stream requests; they need no mapping
        if handler.response_streaming:
            return grpc.unary_stream_rpc_method_handler(
                self._wrap_stream(method, handler.unary_stream),  # type: ignore[arg-type]
                request_deserializer=_tolerant(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        return grpc.unary_unary_rpc_method_handler(
            self._wrap_unary(method, handler.unary_unary),  # type: ignore[arg-type]
            request_deserializer=_tolerant(handler.request_deserializer),
            response_serializer=handler.response_serializer,
        )

    def _check_client(self, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        """A client address over the limit of wrong keys is refused even with the right
        one until it slows down: otherwise the limit would not slow a guesser."""
        if self._keys.required and self._limiter.blocked(peer_host(context.peer() or "")):
            raise errors.Unauthenticated(TOO_MANY)

    def _finish(self, method: str, code: grpc.StatusCode, started: float) -> None:
        """One line per finished call (method, status code, milliseconds): the record an
        operator counts calls, errors and latency from. The duration is for the log only."""
        elapsed = time.monotonic() - started
        level = logging.WARNING if code == grpc.StatusCode.INTERNAL else logging.INFO
        _log.log(
            level,
            "rpc",
            extra={"fields": {"method": method, "code": code.name, "ms": round(elapsed * 1000, 2)}},
        )

    def _wrap_unary(self, method: str, behavior: Callable[..., Any]) -> Callable[..., Any]:
        async def unary(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            started = time.monotonic()
            code = grpc.StatusCode.OK
            try:
                self._check_client(context)
                bad = _undecodable(request)
                if bad is not None:
                    raise bad
                return await behavior(request, context)
            except grpc.aio.AbortError as exc:
                code = _code_of(exc, context)
                raise
            except Exception as exc:
                status = _status_for(exc, method)
                code = status.code
                await abort_with(context, status)
            finally:
                self._finish(method, code, started)

        return unary

    def _wrap_stream(self, method: str, behavior: Callable[..., Any]) -> Callable[..., Any]:
        async def stream(
            request: Any, context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Any]:
            started = time.monotonic()
            code = grpc.StatusCode.OK
            try:
                self._check_client(context)
                bad = _undecodable(request)
                if bad is not None:
                    raise bad
                if inspect.isasyncgenfunction(behavior):
                    async for item in behavior(request, context):
                        yield item
                else:
                    await behavior(request, context)
            except grpc.aio.AbortError as exc:
                code = _code_of(exc, context)
                raise
            except Exception as exc:
                status = _status_for(exc, method)
                code = status.code
                await abort_with(context, status)
            except BaseException:
                code = grpc.StatusCode.CANCELLED
                raise
            finally:
                self._finish(method, code, started)

        return stream


def _refusing(handler: Handler, method: str, reason: str, limiter: FailureLimiter) -> Handler:
    """A handler that refuses the call UNAUTHENTICATED (saying so when the client address is
    over the limit of wrong keys: then even the right key is refused until it slows down).
    Logged with the client address and the reason, never with what was offered."""
    unauthenticated = status_for(
        errors.Unauthenticated("missing or wrong API key (authorization: Bearer ...)")
    )
    limited = status_for(errors.Unauthenticated(TOO_MANY))

    async def refuse(_request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        client = peer_host(context.peer() or "")
        blocked = limiter.failed(client) if reason == "wrong" else limiter.blocked(client)
        _log.warning(
            "refused a call without a valid API key",
            extra={"fields": {"method": method, "client": client, "reason": reason}},
        )
        await abort_with(context, limited if blocked else unauthenticated)

    async def refuse_stream(
        request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[Any]:
        await refuse(request, context)
        yield None  # pragma: no cover - abort raises

    kwargs = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(
            lambda _it, ctx: refuse_stream(None, ctx), **kwargs
        )
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(lambda _it, ctx: refuse(None, ctx), **kwargs)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(refuse_stream, **kwargs)
    return grpc.unary_unary_rpc_method_handler(refuse, **kwargs)
