"""HTTP authentication: a bearer key (scripts, Prometheus) or a session cookie derived from
the key (the page's sign-in form), a CSRF guard for actions taken with the cookie, and a
limit on wrong keys per client address. The key never appears in a URL, a log line or a
response."""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from common.auth import sessions
from common.auth.keys import KeyRing
from common.auth.limiter import FailureLimiter

SIGNIN_PAGE = Path(__file__).with_name("static") / "signin.html"
MAX_FORM_BYTES = 4096
_log = logging.getLogger("cmdarr.auth")

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Caller:
    """Who is calling: ``open`` (no key required), ``bearer`` or ``session`` (with its id)."""

    via: str
    sid: str = ""


class HttpGuard:
    def __init__(
        self,
        keys: KeyRing,
        limiter: FailureLimiter | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._keys = keys
        self._limiter = limiter if limiter is not None else FailureLimiter()
        self._clock = clock
        self._page = SIGNIN_PAGE.read_text()

    # --- deciding -------------------------------------------------------------------

    def _refused(self, request: Request, client: str, reason: str) -> None:
        _log.warning(
            "refused a request without a valid API key",
            extra={"fields": {"path": request.url.path, "client": client, "reason": reason}},
        )

    def caller(self, request: Request) -> Caller | Response:
        """The caller, or the response refusing the request (401, or 429 when the client
        address offered too many wrong keys)."""
        key = self._keys.current()
        if key is None:
            return Caller("open")
        client = request.client.host if request.client else "unknown"
        header = request.headers.get("authorization")
        if header is not None:
            if self._limiter.blocked(client):
                self._refused(request, client, "rate-limited")
                return self._too_many(client)
            scheme, _, token = header.partition(" ")
            if scheme.lower() == "bearer" and self._keys.accepts(token):
                return Caller("bearer")
            self._limiter.failed(client)
            self._refused(request, client, "wrong")
            return _unauthorized()
        cookie = request.cookies.get(sessions.SESSION_COOKIE, "")
        sid = sessions.session_id(key, cookie, self._clock()) if cookie else None
        if sid is not None:
            return Caller("session", sid)
        self._refused(request, client, "expired session" if cookie else "missing")
        return _unauthorized()

    def _too_many(self, client: str) -> Response:
        wait = max(1, int(self._limiter.retry_after(client)) + 1)
        return JSONResponse(
            {"error": "too many wrong API keys from this address"},
            429,
            headers={"retry-after": str(wait)},
        )

    def _csrf_refusal(self, request: Request, caller: Caller) -> Response | None:
        """Actions taken with the cookie need the page's CSRF token and our own origin."""
        if caller.via != "session":
            return None  # a bearer key is never sent by a browser on its own
        key = self._keys.current() or ""
        given = request.headers.get(sessions.CSRF_HEADER, "")
        if not same_origin(request) or not sessions.csrf_ok(key, caller.sid, given):
            _log.warning(
                "refused an action without the CSRF token",
                extra={"fields": {"path": request.url.path}},
            )
            return JSONResponse({"error": "missing or wrong CSRF token"}, 403)
        return None

    # --- wrapping routes ------------------------------------------------------------

    def protect(self, endpoint: Endpoint, *, page: bool = False, action: bool = False) -> Endpoint:
        """``endpoint`` behind the key: a refused page shows the sign-in form instead."""

        async def guarded(request: Request) -> Response:
            caller = self.caller(request)
            if isinstance(caller, Response):
                if page and caller.status_code == 401:
                    return self.signin_page("", 401)
                return caller
            if action:
                refusal = self._csrf_refusal(request, caller)
                if refusal is not None:
                    return refusal
            return await endpoint(request)

        return guarded

    # --- the sign-in form -----------------------------------------------------------

    def signin_page(self, message: str, status: int = 200) -> Response:
        text = self._page.replace("{{message}}", html.escape(message))
        return HTMLResponse(text, status, headers={"cache-control": "no-store"})

    async def signin_form(self, request: Request) -> Response:
        if isinstance(self.caller(request), Caller):
            return RedirectResponse("/", 303)
        return self.signin_page("")

    async def signin(self, request: Request) -> Response:
        key = self._keys.current()
        if key is None:
            return RedirectResponse("/", 303)
        client = request.client.host if request.client else "unknown"
        if not same_origin(request):
            return self.signin_page("Sign in from this page.", 403)
        if self._limiter.blocked(client):
            self._refused(request, client, "rate-limited")
            return self.signin_page("Too many wrong keys. Wait a minute, then try again.", 429)
        body = await request.body()
        form = parse_qs(body[:MAX_FORM_BYTES].decode(errors="replace"))
        offered = (form.get("key") or [""])[0].strip()
        if not offered or not self._keys.accepts(offered):
            self._limiter.failed(client)
            self._refused(request, client, "wrong" if offered else "missing")
            return self.signin_page("That key is not right.", 401)
        session = sessions.new_session(key, self._clock())
        reply = RedirectResponse("/", 303)
        secure = request.url.scheme == "https"  # TLS: the cookies never travel in clear
        for name, value, httponly in (
            (sessions.SESSION_COOKIE, session.cookie, True),
            (sessions.CSRF_COOKIE, session.csrf, False),  # the page's script reads it
        ):
            reply.set_cookie(
                name,
                value,
                max_age=sessions.SESSION_SECONDS,
                path="/",
                secure=secure,
                httponly=httponly,
                samesite="strict",
            )
        return reply

    async def signout(self, _request: Request) -> Response:
        reply = RedirectResponse("/", 303)
        for name in (sessions.SESSION_COOKIE, sessions.CSRF_COOKIE):
            reply.delete_cookie(name, path="/", samesite="strict")
        return reply


def _unauthorized() -> Response:
    return JSONResponse(
        {"error": "missing or wrong API key (Authorization: Bearer ..., or sign in at /)"},
        401,
        headers={"www-authenticate": "Bearer"},
    )


def same_origin(request: Request) -> bool:
    """A browser's Origin header, when it sends one, names this host (no cross-site form)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")
