"""Request parsing helpers shared by both emulators."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, unquote_plus

OPERATOR_CHARS = "=!<>"


def fold(text: str) -> str:
    """Case- and accent-insensitive form, with curly quotes straightened (as servers do)."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    text = text.replace("\u201d", '"')
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search_fold(text: str) -> str:
    """What a server's title search folds: case only. Neither accents nor punctuation, the
    strict reading of docs/TARGETS.md (a search for "joga" misses "Jóga", "don't" misses
    "Don\\u2019t"), so a client that finds tracks here finds them on any server."""
    return text.casefold()


def query_terms(query: str) -> list[tuple[str, str, str]]:
    """Raw query -> (name, operator, value). The operator may sit in the decoded name
    (``title%3D=x``, as plexapi sends) or start the raw value (``title==x``)."""
    terms: list[tuple[str, str, str]] = []
    for part in query.split("&"):
        if not part:
            continue
        raw_key, sep, raw_value = part.partition("=")
        key = unquote_plus(raw_key)
        op = "="
        stripped = key.rstrip(OPERATOR_CHARS)
        if stripped != key:
            op = key[len(stripped) :] + "="
            key = stripped
        elif raw_value.startswith("="):
            op, raw_value = "==", raw_value[1:]
        elif raw_value.startswith("%3D") or raw_value.startswith("%3d"):
            op, raw_value = "==", raw_value[3:]
        if op == "!=" and raw_value.startswith("="):
            op, raw_value = "!==", raw_value[1:]
        terms.append((key, op if sep else "=", unquote_plus(raw_value)))
    return terms


def first(terms: list[tuple[str, str, str]], name: str, default: str = "") -> str:
    lowered = name.lower()
    for key, _, value in terms:
        if key.lower() == lowered:
            return value
    return default


def path_ids(segment: str) -> list[str]:
    return [unquote(part) for part in segment.split(",") if part]
