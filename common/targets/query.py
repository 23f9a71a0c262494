"""Query strings built by hand: Plex filter operators (``title==``, ``updatedAt>>=``) are
part of the parameter name, and ids lists must be encoded predictably to measure URLs."""

from __future__ import annotations

from urllib.parse import quote


def encode(value: str, safe: str = "") -> str:
    return quote(value, safe=safe)


def query(*pairs: tuple[str, str] | tuple[str, str, str]) -> str:
    """``("type", "10")`` -> ``type=10``; ``("title", "==", "x y")`` -> ``title%3D=x%20y``."""
    parts = []
    for pair in pairs:
        if len(pair) == 2:
            name, value = pair
            op = "="
        else:
            name, op, value = pair
        # The operator goes into the key, as a standard query parser sees it: ``title==x``
        # travels as ``title%3D=x`` (key ``title=``), ``updatedAt>>=5`` as key ``updatedAt>>``.
        parts.append(f"{encode(name + op[:-1])}={encode(value)}")
    return "&".join(parts)


def url(path: str, *pairs: tuple[str, str] | tuple[str, str, str]) -> str:
    return f"{path}?{query(*pairs)}" if pairs else path
