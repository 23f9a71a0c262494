"""The server routes of the gateway's HTTP API over the whole stack in-process and a
household of emulated servers: behind the key (a session and its CSRF token) a server is
added, tested, enabled (its cache builds) and disabled; bad input names its field and
changes nothing; a stale page's switch is a conflict; the built-in servers are refused;
a service away is 503; no response and no log line carries the token."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from google.protobuf.field_mask_pb2 import FieldMask

from common.auth import sessions
from common.auth.keys import KeyRing, new_key
from common.env import ServiceEnv
from common.runtime.logs import MASK, JsonFormatter, Redactor
from emulators.household import default_household
from emulators.server import running_household
from gateway.app import GatewayApp
from gateway.app import start as start_gateway
from tests.support.cache_service import settle
from tests.support.inprocess_stack import Stack, configure, stack, with_gateway
from tests.support.ports import free_port
from tests.support.rpc import TIMEOUT

# No credential keyword beside it anywhere: only a redactor told the value could mask it.
SECRET = "Cabin-t0ken-8c41e2"
WRONG = "Attic-wr0ng-5d93"


@asynccontextmanager
async def gateway_with(
    s: Stack, tmp_path: Path, keys: KeyRing, redactor: Redactor
) -> AsyncIterator[GatewayApp]:
    """A gateway in front of ``s`` whose logs are masked with ``redactor``."""
    app = await start_gateway(
        ServiceEnv("gateway", "127.0.0.1:0", tmp_path, "", None, 0.2, "INFO", keys=keys),
        http_address="127.0.0.1:0",
        config_address=s.addresses["config"],
        cache_address=s.addresses["cache"],
        sync_address=s.addresses["sync"],
        redactor=redactor,
    )
    try:
        yield app
    finally:
        await app.stop(0.2)


def fields(reply: httpx.Response) -> list[str]:
    return [v["field"] for v in reply.json()["violations"]]


def logged(records: list[logging.LogRecord]) -> str:
    """Every record whole: its message, structured fields and exception text, unmasked."""
    parts = []
    for record in records:
        parts.append(record.getMessage())
        parts.append(repr(getattr(record, "fields", {})))
        if record.exc_info and record.exc_info[1] is not None:
            parts.append(repr(record.exc_info[1]))
    return "\n".join(parts)


async def test_add_test_enable_and_disable_a_server(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The services' default level; below it (SQL statements) only their redactors mask.
    caplog.set_level(logging.INFO)
    key = new_key()
    redactor = Redactor()
    async with (
        running_household(default_household(tracks=200), plex_token=SECRET) as home,
        stack(database_url, tmp_path) as s,
        gateway_with(s, tmp_path, KeyRing(key), redactor) as gw,
    ):
        await configure(s, PLEX_TV_URL=home.tv.url, TARGET_MAX_REQUESTS_PER_SECOND="1000")
        cabin = home.plex["cabin"]
        music = [x.title for x in cabin.plex.state.catalog.sections if x.kind == "music"]
        body: dict[str, Any] = {
            "name": "cabin",
            "kind": "plex",
            "url": cabin.url,
            "token": SECRET,
            "library_names": [],
            "client_enabled": False,
        }
        answers: list[httpx.Response] = []
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{gw.http_port}",
            timeout=30,
            event_hooks={"response": [lambda r: _keep(answers, r)]},
        ) as http:
            assert (await http.get("/api/servers")).status_code == 401
            assert (await http.post("/api/servers", json=body)).status_code == 401
            signed = await http.post("/login", data={"key": key})
            assert signed.status_code == 303
            assert (await http.post("/api/servers", json=body)).status_code == 403, "no CSRF"
            csrf = {sessions.CSRF_HEADER: http.cookies[sessions.CSRF_COOKIE]}
            cross_site = {**csrf, "origin": "http://evil.example"}
            assert (
                await http.post("/api/servers", json=body, headers=cross_site)
            ).status_code == 403
            assert (await http.post("/api/servers/plex/test")).status_code == 403

            listed = await http.get("/api/servers")
            assert listed.status_code == 200, listed.text
            before = listed.json()
            assert [(x["name"], x["built_in"]) for x in before["servers"]] == [
                ("jellyfin", True),
                ("plex", True),
            ]

            for wrong, field in (
                ({**body, "name": "Cabin!"}, "server.name"),
                ({**body, "kind": "emby"}, "server.kind"),
                ({**body, "url": "ftp://cabin"}, "server.url"),
                ({**body, "token": f"{SECRET} {SECRET}"}, "server.token"),
                ({**body, "library_names": ["Music", "Music"]}, "server.library_names"),
                ({**body, "library_names": "Music"}, "server.library_names"),
                ({**body, "client_enabled": "yes"}, "server.client_enabled"),
                ({**body, "jellyfin_user_id": "a" * 32}, "server.jellyfin_user_id"),
                ({**body, "tokn": "x"}, "server.tokn"),
            ):
                refused = await http.post("/api/servers", json=wrong, headers=csrf)
                assert refused.status_code == 400, refused.text
                assert field in fields(refused), refused.text
            not_json = await http.post("/api/servers", content=b"{", headers=csrf)
            assert (not_json.status_code, fields(not_json)) == (400, ["body"])
            assert (await http.get("/api/servers")).json() == before, "nothing changed"

            created = await http.post("/api/servers", json=body, headers=csrf)
            assert created.status_code == 200, created.text
            server = created.json()["server"]
            assert (server["name"], server["kind"], server["url"]) == ("cabin", "plex", cabin.url)
            assert (server["token_set"], server["client_enabled"]) == (True, False)
            assert "token" not in server
            again = await http.post("/api/servers", json=body, headers=csrf)
            assert (again.status_code, again.json()["reason"]) == (409, "SERVER_ALREADY_EXISTS")
            builtin = await http.post("/api/servers", json={**body, "name": "plex"}, headers=csrf)
            assert (builtin.status_code, builtin.json()["reason"]) == (409, "SERVER_ALREADY_EXISTS")

            cabin.knobs.reset_counts()
            verdict = await http.post("/api/servers/cabin/test", headers=csrf)
            assert verdict.status_code == 200, verdict.text
            assert sum(cabin.knobs.counts.values()) == 2, "its identity and its libraries"
            checked = verdict.json()
            assert (checked["ok"], checked["problem"], checked["libraries"]) == (True, "", music)
            assert checked["message"].endswith("1 music library")
            await _add(http, csrf, {**body, "name": "attic", "token": WRONG})
            await _add(
                http, csrf, {**body, "name": "shed", "url": f"http://127.0.0.1:{free_port()}"}
            )
            for name, problem in (("attic", "token_refused"), ("shed", "connection_refused")):
                bad = (await http.post(f"/api/servers/{name}/test", headers=csrf)).json()
                assert (bad["ok"], bad["problem"]) == (False, problem), bad
                assert bad["message"]
            unknown = await http.post("/api/servers/nowhere/test", headers=csrf)
            assert (unknown.status_code, unknown.json()["reason"]) == (404, "SERVER_NOT_FOUND")

            # Someone else changes the server after the page read it: the page is stale.
            read = server["mod_revision"]
            moved = await s.config.UpdateServer(
                cpb.UpdateServerRequest(
                    server=cpb.Server(name="cabin", library_names=music),
                    update_mask=FieldMask(paths=["library_names"]),
                ),
                timeout=TIMEOUT,
            )
            stale = await http.post(
                "/api/servers/cabin/enable", json={"expected_mod_revision": read}, headers=csrf
            )
            assert stale.status_code == 409, stale.text
            assert stale.json()["reason"] == "REVISION_MISMATCH"
            assert (
                f"server 'cabin' changed at revision {moved.server.mod_revision}, not {read}"
                in stale.json()["error"]
            )
            missing = await http.post("/api/servers/cabin/enable", json={}, headers=csrf)
            assert (missing.status_code, fields(missing)) == (400, ["expected_mod_revision"])
            current = await _server(http, "cabin")
            assert current["client_enabled"] is False, "nothing changed"

            enabled = await http.post(
                "/api/servers/cabin/enable",
                json={"expected_mod_revision": current["mod_revision"]},
                headers=csrf,
            )
            assert enabled.status_code == 200, enabled.text
            after = enabled.json()
            assert after["server"]["client_enabled"] is True
            assert after["server"]["library_cache_enabled"] is True
            assert after["server"]["library_cache_source"] == "auto"
            assert after["notifications"], "the auto-enabled cache is announced"
            ready = await settle(s.cache, cache_pb.CACHE_STATE_READY, server="cabin", limit=60)
            assert ready.track_count == sum(
                len(x.tracks) for x in cabin.plex.state.catalog.sections if x.kind == "music"
            )
            status = (await http.get("/api/status")).json()
            card = next(x for x in status["servers"] if x["name"] == "cabin")
            assert card["cache"]["state"] == "CACHE_STATE_READY"

            disabled = await http.post(
                "/api/servers/cabin/disable",
                json={"expected_mod_revision": after["server"]["mod_revision"]},
                headers=csrf,
            )
            assert disabled.status_code == 200, disabled.text
            assert disabled.json()["server"]["client_enabled"] is False
            plex = await _server(http, "plex")
            refused_builtin = await http.post(
                "/api/servers/plex/enable",
                json={"expected_mod_revision": plex["mod_revision"]},
                headers=csrf,
            )
            assert refused_builtin.status_code == 409
            assert refused_builtin.json()["reason"] == "BUILTIN_SERVER"
            assert "PLEX_CLIENT_ENABLED" in refused_builtin.json()["error"]

            users = await http.get("/api/servers/cabin/users")
            assert users.status_code == 200, users.text
            assert [(u["name"], u["kind"]) for u in users.json()["users"]] == [
                ("owner", "owner"),
                ("alice", "home"),
            ]
            nobody = await http.get("/api/servers/nowhere/users")
            assert (nobody.status_code, nobody.json()["reason"]) == (404, "SERVER_NOT_FOUND")

            listed_after = (await http.get("/api/servers")).json()
            assert [x["name"] for x in listed_after["servers"]] == [
                "attic",
                "cabin",
                "jellyfin",
                "plex",
                "shed",
            ]

        assert answers, "every response was kept"
        for reply in answers:
            assert SECRET not in reply.text, reply.request.url
            assert WRONG not in reply.text, reply.request.url
    # A careless line, as an exception message might carry the token.
    careless = logging.LogRecord(
        "gateway", logging.WARNING, __file__, 1, "a careless line with %s", (SECRET,), None
    )
    line = JsonFormatter("gateway", redactor).format(careless)
    assert SECRET not in line
    assert MASK in line, "the gateway's log redactor learned the token"
    everything = logged(caplog.records)
    assert "cabin" in everything, "the services logged the calls"
    assert SECRET not in everything
    assert WRONG not in everything


async def _keep(answers: list[httpx.Response], reply: httpx.Response) -> None:
    await reply.aread()
    answers.append(reply)


async def _add(http: httpx.AsyncClient, csrf: dict[str, str], body: dict[str, Any]) -> None:
    created = await http.post("/api/servers", json=body, headers=csrf)
    assert created.status_code == 200, created.text


async def _server(http: httpx.AsyncClient, name: str) -> dict[str, Any]:
    listed = (await http.get("/api/servers")).json()
    found: dict[str, Any] = next(x for x in listed["servers"] if x["name"] == name)
    return found


async def test_a_service_away_is_503_and_changes_nothing(database_url: str, tmp_path: Path) -> None:
    """config_svc and sync_svc out of the gateway's reach: every route answers 503
    UPSTREAM_UNAVAILABLE naming the service, and nothing is written."""
    async with stack(database_url, tmp_path) as s:
        away = dataclasses.replace(
            s,
            addresses={
                **s.addresses,
                "config": f"127.0.0.1:{free_port()}",
                "sync": f"127.0.0.1:{free_port()}",
            },
        )
        async with (
            with_gateway(away, tmp_path) as gw,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{gw.http_port}", timeout=30) as http,
        ):
            body = {"name": "cabin", "kind": "plex", "url": s.plex.url, "token": SECRET}
            for method, path, sent, service in (
                ("GET", "/api/servers", None, "config_svc"),
                ("POST", "/api/servers", body, "config_svc"),
                ("POST", "/api/servers/cabin/enable", {"expected_mod_revision": 0}, "config_svc"),
                ("POST", "/api/servers/plex/test", None, "sync_svc"),
                ("GET", "/api/servers/plex/users", None, "sync_svc"),
            ):
                reply = await http.request(method, path, json=sent)
                assert reply.status_code == 503, (path, reply.text)
                assert reply.json()["reason"] == "UPSTREAM_UNAVAILABLE"
                assert reply.json()["error"].startswith(f"{service} did not answer")
                assert SECRET not in reply.text
        listed = await s.config.ListServers(cpb.ListServersRequest(), timeout=TIMEOUT)
        assert [x.name for x in listed.servers] == ["jellyfin", "plex"], "nothing was created"
