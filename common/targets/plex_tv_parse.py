"""plex.tv's XML answers read into plain values (docs/TARGETS.md, Users and households).

The answers carry tokens: ``authToken`` in the account, every user's ``accessToken`` in
``shared_servers``. Only ``share_token`` reads one, the one asked for; no other value
keeps a token, and no error message quotes the body. Parsed with defusedxml: plex.tv is a
remote service, its XML is not trusted with entities.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring


class PlexTvParseError(ValueError):
    """The body is not what plex.tv sends; the client adds which request it answered."""


@dataclass(frozen=True)
class PlexAccount:
    """The token's own plex.tv account (``GET /api/v2/user``)."""

    account_id: str
    uuid: str
    username: str
    title: str


@dataclass(frozen=True)
class PlexTvUser:
    """A Home user or friend of the owner's (``GET /api/users/``). ``home``: of the owner's
    Plex Home; ``restricted``: a managed user; ``protected``: a PIN is set. ``servers``:
    the machine identifiers of the owner's servers they have."""

    account_id: str
    title: str
    username: str
    home: bool
    restricted: bool
    protected: bool
    servers: frozenset[str]


@dataclass(frozen=True)
class SharedSection:
    key: str  # the server's section key
    title: str
    shared: bool


@dataclass(frozen=True)
class PlexShare:
    """One user's share of one server (a ``SharedServer``), its token left out."""

    account_id: str
    username: str
    sections: tuple[SharedSection, ...]

    @property
    def shared_keys(self) -> frozenset[str]:
        return frozenset(s.key for s in self.sections if s.shared)


def _root(body: bytes) -> Element:
    try:
        return fromstring(body)
    except (ParseError, DefusedXmlException) as exc:
        raise PlexTvParseError(f"not plex.tv XML ({type(exc).__name__})") from None


def _flag(element: Element, name: str) -> bool:
    return element.get(name, "0") in ("1", "true")


def _id(element: Element, name: str, what: str) -> str:
    value = element.get(name, "")
    if not value.isdigit():
        raise PlexTvParseError(f"{what} has no numeric {name}")
    return value


def parse_account(body: bytes) -> PlexAccount:
    root = _root(body)
    if root.tag != "user":
        raise PlexTvParseError(f"root element is {root.tag}, not user")
    return PlexAccount(
        account_id=_id(root, "id", "the account"),
        uuid=root.get("uuid", ""),
        username=root.get("username", ""),
        title=root.get("title", "") or root.get("username", ""),
    )


def parse_users(body: bytes) -> list[PlexTvUser]:
    root = _root(body)
    users = []
    for element in root.iter("User"):
        users.append(
            PlexTvUser(
                account_id=_id(element, "id", "a user"),
                title=element.get("title", "") or element.get("username", ""),
                username=element.get("username", ""),
                home=_flag(element, "home"),
                restricted=_flag(element, "restricted"),
                protected=_flag(element, "protected"),
                servers=frozenset(
                    s.get("machineIdentifier", "")
                    for s in element.iter("Server")
                    if s.get("machineIdentifier")
                ),
            )
        )
    return users


def parse_shares(body: bytes) -> list[PlexShare]:
    root = _root(body)
    return [
        PlexShare(
            account_id=_id(element, "userID", "a shared server"),
            username=element.get("username", ""),
            sections=tuple(
                SharedSection(s.get("key", ""), s.get("title", ""), _flag(s, "shared"))
                for s in element.iter("Section")
            ),
        )
        for element in root.iter("SharedServer")
    ]


def share_token(body: bytes, account_id: str) -> str | None:
    """The ``accessToken`` of ``account_id``'s share, if the server is shared with them."""
    for element in _root(body).iter("SharedServer"):
        if element.get("userID") == account_id:
            return element.get("accessToken") or None
    return None
