"""An emulated plex.tv: the accounts of one Plex Home and its friends, the owner's servers,
and who was given which server and sections, with each user's token for it.

Exactly what python-plexapi reads to list Home users and friends, to switch to a Home user,
and to get a user's token for a server (docs/TARGETS.md, Users and households; python-plexapi
4.16.1 and 4.18.3, plexapi/myplex.py): ``GET /api/v2/user``, ``GET /api/users/``,
``GET /api/servers/{machineIdentifier}/shared_servers`` (and ``/{id}``),
``POST /api/home/users/{id}/switch``, ``GET /api/v2/resources``; plus the
``POST /api/v2/home/users/{uuid}/switch`` other clients send. XML only: plexapi asks for
nothing else, and the JSON shapes are not needed here.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Scope

from emulators.admin import admin_json, admin_routes
from emulators.http import query_terms
from emulators.knobs import Knobs
from emulators.middleware import EmulatorMiddleware
from emulators.plex_render import Node, container, fragment

# What plex.tv answers a switch to a PIN-protected Home user without the right PIN
# (arabcoders/watchstate issue 542, quoted; anthonycaccese/240-MP pull request 244:
# "returns 403 (error 1041)"). Seen on the v2 path; the v1 path is assumed to answer alike.
PIN_REQUIRED = {
    "errors": [
        {"code": 1041, "message": "A valid PIN is required to perform this action", "status": 403}
    ]
}


def _digest(text: str, size: int = 20) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:size]


@dataclass(frozen=True)
class Account:
    """A plex.tv account. The owner's ``token`` is also their servers' admin token."""

    account_id: int
    title: str
    username: str = ""  # "" for a managed Home user (no plex.tv login of their own)
    email: str = ""
    home: bool = False  # a member of the owner's Plex Home
    pin: str = ""  # a Home user's PIN: ``protected``
    restricted: bool = False  # a managed user
    token: str = ""

    @property
    def uuid(self) -> str:
        return _digest(f"uuid-{self.account_id}", 16)

    @property
    def protected(self) -> bool:
        return bool(self.pin)


@dataclass(frozen=True)
class Server:
    """One of the owner's servers as plex.tv knows it: its sections are (key, title, type)."""

    name: str
    machine_id: str
    url: str
    sections: tuple[tuple[int, str, str], ...]


@dataclass(frozen=True)
class Share:
    """A server given to a user: the sections shared (None: all libraries) and the user's
    own token for that server (``SharedServer.accessToken``)."""

    share_id: int
    account_id: int
    machine_id: str
    sections: frozenset[int] | None
    access_token: str


@dataclass
class PlexTvState:
    owner: Account
    accounts: dict[int, Account] = field(default_factory=dict)  # everyone but the owner
    servers: dict[str, Server] = field(default_factory=dict)  # by machine id
    shares: list[Share] = field(default_factory=list)

    def account_for(self, token: str) -> Account | None:
        if token and token == self.owner.token:
            return self.owner
        return next((a for a in self.accounts.values() if a.token == token), None)

    def add_account(self, account: Account) -> Account:
        """Add ``account``, minting its plex.tv token when it has none."""
        if not account.token:
            account = replace(account, token=_digest(f"account-{account.account_id}"))
        self.accounts[account.account_id] = account
        return account

    def is_owner(self, account: Account) -> bool:
        return account.account_id == self.owner.account_id

    def share(self, account_id: int, machine_id: str, sections: frozenset[int] | None) -> Share:
        """Give ``machine_id`` to ``account_id``; the user's token for it is minted here."""
        token = _digest(f"access-{account_id}-{machine_id}")
        share = Share(len(self.shares) + 1, account_id, machine_id, sections, token)
        self.shares.append(share)
        return share

    def shares_of(self, account_id: int) -> list[Share]:
        return [s for s in self.shares if s.account_id == account_id]


def _bool(value: bool) -> int:
    return 1 if value else 0


def _document(node: Node) -> Response:
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + fragment(node, as_json=False)
    return Response(body, media_type="application/xml")


class PlexTvApp:
    def __init__(self, state: PlexTvState, knobs: Knobs) -> None:
        self.state = state
        self.knobs = knobs

    def account(self, request: Request) -> Account:
        found = self.state.account_for(_token(request.scope))
        assert found is not None  # the middleware let only known tokens in
        return found

    # -- accounts ------------------------------------------------------------------------

    def _user_node(self, account: Account) -> Node:
        """``<user>`` as ``GET /api/v2/user`` sends it: plexapi's MyPlexAccount._loadData
        reads the attributes below and the ``subscription`` and ``profile`` children."""
        owner = self.state.is_owner(account)
        return Node(
            "user",
            {
                "id": account.account_id,
                "uuid": account.uuid,
                "username": account.username,
                "title": account.title,
                "email": account.email,
                "authToken": account.token,
                "home": _bool(owner or account.home),
                "homeAdmin": _bool(owner),
                "homeSize": 1 + sum(a.home for a in self.state.accounts.values()),
                "protected": _bool(account.protected),
                "restricted": _bool(account.restricted),
                "guest": 0,
                "scrobbleTypes": "",
            },
            children=[
                Node("subscription", {"active": 0, "status": "Inactive", "plan": ""}),
                Node("profile", {"autoSelectAudio": 1, "autoSelectSubtitle": 0}),
            ],
        )

    async def user(self, request: Request) -> Response:
        return _document(self._user_node(self.account(request)))

    async def users(self, request: Request) -> Response:
        """``GET /api/users/``: the owner's friends and Home users, each with one ``Server``
        per server of the owner's they have (plexapi ``MyPlexUser``, ``MyPlexServerShare``).
        Another account has none of the owner's."""
        if not self.state.is_owner(self.account(request)):
            return container({"friendlyName": "myPlex"}, [], as_json=False)
        nodes = []
        for account in self.state.accounts.values():
            servers = [self._server_share_node(s) for s in self.state.shares_of(account.account_id)]
            nodes.append(
                Node(
                    "User",
                    {
                        "id": account.account_id,
                        "title": account.title,
                        "username": account.username,
                        "email": account.email,
                        "thumb": "",
                        "home": _bool(account.home),
                        "protected": _bool(account.protected),
                        "restricted": _bool(account.restricted),
                        "allowSync": 0,
                        "allowChannels": 0,
                        "allowCameraUpload": 0,
                        "filterAll": "",
                        "filterMusic": "",
                    },
                    children=servers,
                )
            )
        attrs = {
            "friendlyName": "myPlex",
            "identifier": "com.plexapp.plugins.myplex",
            "machineIdentifier": _digest(f"owner-{self.state.owner.account_id}", 40),
            "totalSize": len(nodes),
        }
        return container(attrs, nodes, as_json=False)

    def _server_share_node(self, share: Share) -> Node:
        server = self.state.servers[share.machine_id]
        shared = len(server.sections) if share.sections is None else len(share.sections)
        return Node(
            "Server",
            {
                "id": share.share_id,
                "serverId": share.share_id,
                "machineIdentifier": server.machine_id,
                "name": server.name,
                "lastSeenAt": 0,
                "numLibraries": shared,
                "allLibraries": _bool(share.sections is None),
                "owned": 0,
                "pending": 0,
            },
        )

    # -- shared servers ------------------------------------------------------------------

    def _owned(self, request: Request) -> Server | Response:
        """The server in the path when the token is its owner's. Whom else plex.tv answers,
        and how, is unverified: 401 here, as for a bad token."""
        server = self.state.servers.get(request.path_params["machine"])
        if server is None:
            return PlainTextResponse("Not Found", 404)
        if not self.state.is_owner(self.account(request)):
            return PlainTextResponse("Unauthorized", 401)
        return server

    def _shared_server_node(self, server: Server, share: Share) -> Node:
        """``SharedServer`` with ``userID`` and ``accessToken`` (plexapi
        ``MyPlexUser.get_token``) and a ``Section`` per library, ``shared`` 1 when the user
        may see it (plexapi ``Section``; Tautulli ``get_full_users_list``)."""
        account = self.state.accounts[share.account_id]
        sections = [
            Node(
                "Section",
                {
                    "id": share.share_id * 1000 + key,
                    "key": key,
                    "title": title,
                    "type": kind,
                    "shared": _bool(share.sections is None or key in share.sections),
                },
            )
            for key, title, kind in server.sections
        ]
        return Node(
            "SharedServer",
            {
                "id": share.share_id,
                "username": account.username or account.title,
                "email": account.email,
                "userID": account.account_id,
                "accessToken": share.access_token,
                "name": server.name,
                "acceptedAt": 0,
                "invitedAt": 0,
                "allowSync": 0,
                "allowCameraUpload": 0,
                "allowChannels": 0,
                "owned": 0,
            },
            children=sections,
        )

    async def shared_servers(self, request: Request) -> Response:
        server = self._owned(request)
        if isinstance(server, Response):
            return server
        nodes = [
            self._shared_server_node(server, s)
            for s in self.state.shares
            if s.machine_id == server.machine_id
        ]
        return container({"friendlyName": "myPlex"}, nodes, as_json=False)

    async def shared_server(self, request: Request) -> Response:
        """``GET .../shared_servers/{id}``: one share (plexapi ``MyPlexServerShare.sections``
        reads its ``Section`` children under ``SharedServer``)."""
        server = self._owned(request)
        if isinstance(server, Response):
            return server
        wanted = request.path_params["share"]
        found = [
            s
            for s in self.state.shares
            if s.machine_id == server.machine_id and str(s.share_id) == wanted
        ]
        if not found:
            return PlainTextResponse("Not Found", 404)
        node = self._shared_server_node(server, found[0])
        return container({"friendlyName": "myPlex"}, [node], as_json=False)

    # -- Home switch ---------------------------------------------------------------------

    def _switch(self, request: Request, target: Account | None) -> Account | Response:
        """Switching to a Home user: the caller must be of the Home (the owner or a Home
        user), the target a Home user, and a protected target's PIN given (``pin=``)."""
        caller = self.account(request)
        if target is None or not target.home:
            return PlainTextResponse("Not Found", 404)
        if not self.state.is_owner(caller) and not caller.home:
            return PlainTextResponse("Unauthorized", 401)
        pin = next((v for k, _, v in query_terms(request.url.query) if k == "pin"), "")
        if target.protected and pin != target.pin:
            return JSONResponse(PIN_REQUIRED, status_code=403)
        return target

    async def switch(self, request: Request) -> Response:
        """``POST /api/home/users/{id}/switch`` (plexapi ``MyPlexAccount.switchHomeUser``,
        which reads ``authenticationToken`` from the answer's root)."""
        key = request.path_params["user"]
        target = self.state.accounts.get(int(key)) if key.isdigit() else None
        found = self._switch(request, target)
        if isinstance(found, Response):
            return found
        node = self._user_node(found)
        node.attrs["authenticationToken"] = found.token
        return _document(node)

    async def switch_v2(self, request: Request) -> Response:
        """``POST /api/v2/home/users/{uuid}/switch``, as other clients send it."""
        uuid = request.path_params["uuid"]
        target = next((a for a in self.state.accounts.values() if a.uuid == uuid), None)
        found = self._switch(request, target)
        return found if isinstance(found, Response) else _document(self._user_node(found))

    # -- resources -----------------------------------------------------------------------

    async def resources(self, request: Request) -> Response:
        """``GET /api/v2/resources``: the servers the account reaches, each with the
        account's token for it (plexapi ``MyPlexResource``); the connection is marked not
        local, so plexapi tries it for a server the account does not own."""
        account = self.account(request)
        if self.state.is_owner(account):
            reached = [(server, account.token, True) for server in self.state.servers.values()]
        else:
            reached = [
                (self.state.servers[s.machine_id], s.access_token, False)
                for s in self.state.shares_of(account.account_id)
            ]
        nodes = [self._resource_node(server, token, owned) for server, token, owned in reached]
        return container({}, nodes, as_json=False)

    @staticmethod
    def _resource_node(server: Server, token: str, owned: bool) -> Node:
        host, _, port = server.url.removeprefix("http://").partition(":")
        connection = Node(
            "connection",
            {
                "protocol": "http",
                "address": host,
                "port": int(port or 80),
                "uri": server.url,
                "local": 0,
                "relay": 0,
                "IPv6": 0,
            },
        )
        return Node(
            "resource",
            {
                "name": server.name,
                "product": "Plex Media Server",
                "clientIdentifier": server.machine_id,
                "provides": "server",
                "owned": _bool(owned),
                "accessToken": token,
                "presence": 1,
                "home": 0,
                "httpsRequired": 0,
            },
            children=[Node("connections", {}, children=[connection])],
        )

    # -- admin ---------------------------------------------------------------------------

    def directory(self) -> dict[str, Any]:
        """Accounts, servers and shares (``GET /__admin/directory``), tokens left out."""
        return {
            "owner": {"id": self.state.owner.account_id, "title": self.state.owner.title},
            "accounts": [
                {"id": a.account_id, "title": a.title, "home": a.home, "protected": a.protected}
                for a in self.state.accounts.values()
            ],
            "shares": [
                {
                    "account": s.account_id,
                    "server": self.state.servers[s.machine_id].name,
                    "sections": None if s.sections is None else sorted(s.sections),
                }
                for s in self.state.shares
            ],
        }


def classify(method: str, path: str, query: str) -> str:
    del query
    if path.startswith("/api/v2/user"):
        return "account"
    if path.rstrip("/") == "/api/users":
        return "users"
    if "/shared_servers" in path:
        return "shared_servers"
    if path.endswith("/switch") and method == "POST":
        return "switch"
    if path.startswith("/api/v2/resources"):
        return "resources"
    return "other"


def _token(scope: Scope) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == b"x-plex-token":
            return str(value.decode("latin-1"))
    for name, _, value in query_terms(scope.get("query_string", b"").decode("latin-1")):
        if name == "X-Plex-Token":
            return value
    return ""


def build_plex_tv(
    state: PlexTvState, knobs: Knobs, closing: asyncio.Event
) -> tuple[ASGIApp, PlexTvApp]:
    app = PlexTvApp(state, knobs)

    def no_edits(_data: dict[str, Any]) -> dict[str, Any]:
        return {}

    routes = [
        Route("/api/v2/user", app.user, methods=["GET"]),
        Route("/api/users", app.users, methods=["GET"]),
        Route("/api/users/", app.users, methods=["GET"]),
        Route("/api/servers/{machine}/shared_servers", app.shared_servers, methods=["GET"]),
        Route("/api/servers/{machine}/shared_servers/{share}", app.shared_server, methods=["GET"]),
        Route("/api/home/users/{user}/switch", app.switch, methods=["POST"]),
        Route("/api/v2/home/users/{uuid}/switch", app.switch_v2, methods=["POST"]),
        Route("/api/v2/resources", app.resources, methods=["GET"]),
        Route("/__admin/directory", admin_json(app.directory), methods=["GET"]),
        *admin_routes(knobs, no_edits, app.directory),
    ]
    wrapped = EmulatorMiddleware(
        Starlette(routes=routes),
        knobs=knobs,
        classify=classify,
        authorize=lambda scope, _knobs: state.account_for(_token(scope)) is not None,
        public=lambda _path: False,
        closing=closing,
    )
    return wrapped, app
