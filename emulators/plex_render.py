"""Plex MediaContainer bodies in XML (the default) or JSON (``Accept: application/json``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from emulators.middleware import json_body

Value = str | int | float | bool


@dataclass
class Node:
    tag: str  # XML element name (Track, Directory, Playlist, Hub, ...)
    attrs: dict[str, Value]
    guids: Sequence[str] = ()
    children: list[Node] = field(default_factory=list)


def xml_attr(value: Value) -> str:
    """A quoted XML attribute value; plain str.replace is several times faster than
    saxutils.quoteattr, which matters when a page holds hundreds of tracks."""
    if isinstance(value, str):  # the common case first
        text = value
    elif isinstance(value, bool):
        return '"1"' if value else '"0"'
    elif isinstance(value, int):
        return f'"{value}"'
    else:
        text = str(value)
    text = (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
    )
    return f'"{text}"'


def _xml_start(tag: str, attrs: Mapping[str, Value]) -> str:
    text = " ".join([f"{k}={xml_attr(v)}" for k, v in attrs.items()])
    return f"<{tag} {text}" if text else f"<{tag}"


def _xml(node: Node, out: list[str]) -> None:
    out.append(_xml_start(node.tag, node.attrs))
    if not node.guids and not node.children:
        out.append(" />")
        return
    out.append(">")
    for guid in node.guids:
        out.append(f"<Guid id={xml_attr(guid)} />")
    for child in node.children:
        _xml(child, out)
    out.append(f"</{node.tag}>")


def _json(node: Node, list_key: str) -> dict[str, object]:
    data: dict[str, object] = dict(node.attrs)
    if node.guids:
        data["Guid"] = [{"id": g} for g in node.guids]
    groups: dict[str, list[object]] = {}
    for child in node.children:
        key = json_key(child.tag, list_key)
        groups.setdefault(key, []).append(_json(child, "Metadata"))
    data.update(groups)
    return data


def json_key(tag: str, default: str) -> str:
    """Plex JSON groups children by kind: Directory, Hub, Meta... stay; media go to Metadata."""
    return (
        tag
        if tag
        in (
            "Directory",
            "Hub",
            "Meta",
            "Type",
            "Filter",
            "Sort",
            "Field",
            "FieldType",
            "Operator",
            "Location",
            "Media",
            "Part",
        )
        else default
    )


def fragment(node: Node, *, as_json: bool) -> bytes:
    """One child of a container as it appears in the body, so it can be kept and reused."""
    if as_json:
        return json_body(_json(node, "Metadata"))
    out: list[str] = []
    _xml(node, out)
    return "".join(out).encode()


def container(
    attrs: Mapping[str, Any], items: Sequence[Node], *, as_json: bool, list_key: str = "Metadata"
) -> Response:
    children = [(node.tag, fragment(node, as_json=as_json)) for node in items]
    return rendered_container(attrs, children, as_json=as_json, list_key=list_key)


def rendered_container(
    attrs: Mapping[str, Any],
    children: Sequence[tuple[str, bytes]],
    *,
    as_json: bool,
    list_key: str = "Metadata",
) -> Response:
    """A MediaContainer around children already rendered by ``fragment`` as (tag, bytes):
    the body is their join, the same bytes as rendering the whole tree at once."""
    root: dict[str, Any] = {"size": len(children), **attrs}
    headers = {}
    if "totalSize" in attrs:
        headers["X-Plex-Container-Total-Size"] = str(attrs["totalSize"])
        headers["X-Plex-Container-Start"] = str(attrs.get("offset", 0))
    if as_json:
        body = _json_container(root, children, list_key)
        return Response(body, media_type="application/json", headers=headers)
    return Response(
        _xml_container(root, children), media_type="text/xml;charset=utf-8", headers=headers
    )


def _xml_container(root: Mapping[str, Value], children: Sequence[tuple[str, bytes]]) -> bytes:
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n{_xml_start("MediaContainer", root)}'
    if not children:
        return f"{head} />".encode()
    return b"".join([f"{head}>".encode(), *(body for _, body in children), b"</MediaContainer>"])


def _json_container(
    root: Mapping[str, Value], children: Sequence[tuple[str, bytes]], list_key: str
) -> bytes:
    """``{"MediaContainer": {...root, "<group>": [...]}}`` with children grouped by kind in
    order of first appearance, as ``_json`` groups them."""
    groups: dict[str, list[bytes]] = {}
    for tag, body in children:
        groups.setdefault(json_key(tag, list_key), []).append(body)
    head = json_body(dict(root))
    parts = [b'{"MediaContainer":', head[:-1]]
    for number, (key, bodies) in enumerate(groups.items()):
        if number or root:
            parts.append(b",")
        parts += [json_body(key), b":[", b",".join(bodies), b"]"]
    parts.append(b"}}")
    return b"".join(parts)
