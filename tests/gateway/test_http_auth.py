"""The gateway's HTTP side with a key required: every route but the probes and the sign-in
form refuses a request without it; the sign-in form gives a session cookie (HttpOnly,
SameSite=Strict), actions with the cookie need the CSRF token, sign-out and rotation end
the session, and wrong keys are rate-limited and logged without the key."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from common.auth import sessions
from common.auth.keys import KeyRing, new_key
from tests.support.auth_checks import OPEN_ROUTES, PROTECTED_ROUTES, refused_routes
from tests.support.inprocess_stack import stack, with_gateway
from tests.support.rpc import TIMEOUT

ACTION = {"action": "enable_library_cache", "target": "plex"}


def cookie_header(reply: httpx.Response, name: str) -> str:
    (found,) = [h for h in reply.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    return found.lower()


async def test_routes_refuse_without_the_key_and_sessions_follow_it(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key = new_key()
    ring = KeyRing(key)
    caplog.set_level(logging.INFO)
    async with stack(database_url, tmp_path) as s, with_gateway(s, tmp_path, keys=ring) as gw:
        app = gw.http.config.app
        assert isinstance(app, Starlette)
        paths = {getattr(route, "path", "") for route in app.routes}
        assert paths == {p for _, p in PROTECTED_ROUTES} | set(OPEN_ROUTES), "every route listed"
        base = f"http://127.0.0.1:{gw.http_port}"
        assert await refused_routes(base) == (len(PROTECTED_ROUTES),) * 2

        async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT) as http:
            assert (await http.get("/healthz")).status_code == 200
            page = await http.get("/")
            assert page.status_code == 401
            assert 'action="/login"' in page.text, "a browser gets the sign-in form"
            bearer = {"authorization": f"Bearer {key}"}
            assert (await http.get("/api/status", headers=bearer)).status_code == 200
            scraped = await http.get("/metrics", headers=bearer)
            assert scraped.status_code == 200
            assert key not in scraped.text

            refused = await http.post("/login", data={"key": "wrong-key-0002"})
            assert refused.status_code == 401
            assert "That key is not right." in refused.text
            assert "wrong-key-0002" not in refused.text
            assert not http.cookies

            signed = await http.post("/login", data={"key": key})
            assert signed.status_code == 303
            session = cookie_header(signed, sessions.SESSION_COOKIE)
            assert "httponly" in session
            assert "samesite=strict" in session
            assert "secure" not in session, "plain HTTP here: Secure only over TLS"
            assert "httponly" not in cookie_header(signed, sessions.CSRF_COOKIE)
            assert key not in str(signed.headers)
            assert (await http.get("/api/status")).status_code == 200
            assert "Sign out" in (await http.get("/")).text

            no_token = await http.post("/api/actions", json=ACTION)
            assert no_token.status_code == 403, "an action with the cookie alone"
            token = {sessions.CSRF_HEADER: http.cookies[sessions.CSRF_COOKIE]}
            cross_site = {**token, "origin": "http://evil.example"}
            assert (
                await http.post("/api/actions", json=ACTION, headers=cross_site)
            ).status_code == 403
            done = await http.post("/api/actions", json=ACTION, headers=token)
            assert done.status_code == 200, done.text

            async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT) as other:
                behind_tls = await other.post(
                    "/login", data={"key": key}, headers={"x-forwarded-proto": "https"}
                )
            assert "; secure" in cookie_header(behind_tls, sessions.SESSION_COOKIE), (
                "served over TLS (here a proxy on loopback says so): Secure"
            )
            old_cookie = http.cookies[sessions.SESSION_COOKIE]
            out = await http.post("/logout")
            assert out.status_code == 303
            assert not http.cookies.get(sessions.SESSION_COOKIE)
            assert (await http.get("/api/status")).status_code == 401

            ring.replace(new_key())
            stale = {"cookie": f"{sessions.SESSION_COOKIE}={old_cookie}"}
            assert (await http.get("/api/status", headers=stale)).status_code == 401
            assert (await http.get("/api/status", headers=bearer)).status_code == 401, (
                "the old key stops working over HTTP at once"
            )
        # Last: past ten wrong keys this address is refused for a minute, even with the key.
        wrong = {"authorization": "Bearer wrong-key-0001"}
        assert await refused_routes(base, wrong) == (len(PROTECTED_ROUTES),) * 2
    refusals = [
        getattr(r, "fields", {}) for r in caplog.records if "refused a request" in r.getMessage()
    ]
    assert {f["reason"] for f in refusals} >= {"missing", "wrong", "expired session"}
    logged = caplog.text + repr(refusals)
    for secret in (key, "wrong-key-0001", "wrong-key-0002"):
        assert secret not in logged


async def test_wrong_keys_are_rate_limited_per_address(database_url: str, tmp_path: Path) -> None:
    key = new_key()
    async with (
        stack(database_url, tmp_path) as s,
        with_gateway(s, tmp_path, keys=KeyRing(key)) as gw,
    ):
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{gw.http_port}", timeout=TIMEOUT
        ) as http:
            codes = [
                (await http.post("/login", data={"key": f"guess-{n}"})).status_code
                for n in range(12)
            ]
            assert codes[:10] == [401] * 10
            assert codes[10:] == [429, 429]
            right = await http.get("/api/status", headers={"authorization": f"Bearer {key}"})
            assert right.status_code == 429, "blocked, even with the right key"
            assert int(right.headers["retry-after"]) >= 1
            assert (await http.get("/healthz")).status_code == 200
