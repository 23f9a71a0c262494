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


def _xml_attr(value: Value) -> str:
    """A quoted XML attribute value; plain str.replace is several times faster than
    saxutils.quoteattr, which matters when a page holds hundreds of tracks."""
    if isinstance(value, bool):
        return '"1"' if value else '"0"'
    if isinstance(value, int):
        return f'"{value}"'
    text = (
        str(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
    )
    return f'"{text}"'


def _xml(node: Node, out: list[str]) -> None:
    attrs = " ".join([f"{k}={_xml_attr(v)}" for k, v in node.attrs.items()])
    out.append(f"<{node.tag} {attrs}" if attrs else f"<{node.tag}")
    if not node.guids and not node.children:
        out.append(" />")
        return
    out.append(">")
    for guid in node.guids:
        out.append(f"<Guid id={_xml_attr(guid)} />")
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


def container(
    attrs: Mapping[str, Any], items: Sequence[Node], *, as_json: bool, list_key: str = "Metadata"
) -> Response:
    root = Node("MediaContainer", {"size": len(items), **attrs}, children=list(items))
    headers = {}
    if "totalSize" in attrs:
        headers["X-Plex-Container-Total-Size"] = str(attrs["totalSize"])
        headers["X-Plex-Container-Start"] = str(attrs.get("offset", 0))
    if as_json:
        body = json_body({"MediaContainer": _json(root, list_key)})
        return Response(body, media_type="application/json", headers=headers)
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _xml(root, out)
    return Response("".join(out).encode(), media_type="text/xml;charset=utf-8", headers=headers)
