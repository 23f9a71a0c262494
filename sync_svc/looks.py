"""How a managed playlist looks beside its tracks: its description and its cover. Pure.

The description is the source's, as plain text, and (the spec's ``sync_note``, on by
default) a line saying where the playlist comes from and when a run last changed it. A
date that moved on every run would make every run write, so the line carries the date of
the run that last changed the playlist: a run writes the description when its
``description_key`` (the source's text and the note's source, never the date) differs from
the one kept with the managed playlist, or when it changed the playlist's tracks anyway. A
warm rerun changes neither, and sends nothing.

Limits (docs/TARGETS.md, Cover and description): neither server documents one, so a
description is cut to ``MAX_DESCRIPTION`` characters, and on Plex, whose summary travels in
the query string, to ``PLEX_MAX_ENCODED`` characters once percent-encoded, at a word,
with a warning naming ``description``. Cut rather than refused: the description is the
source's, which the user cannot shorten, and a cut one is still whole text."""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote

from common.domain import SourceKind, Target

MAX_DESCRIPTION = 1_000
PLEX_MAX_ENCODED = 1_800  # under the 2,048 characters of a Plex playlist write's URL
ELLIPSIS = "…"

SOURCE_NAMES = {
    SourceKind.FILE: "a file",
    SourceKind.URL: "a URL",
    SourceKind.LISTENBRAINZ_PLAYLIST: "ListenBrainz",
    SourceKind.LISTENBRAINZ_CREATED_FOR: "ListenBrainz",
    SourceKind.SPOTIFY_PLAYLIST: "Spotify",
    SourceKind.DEEZER_PLAYLIST: "Deezer",
}
BLOCKS = {"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "tr"}


class _Text(HTMLParser):
    """The text of an HTML fragment, a line break for each block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(description: str) -> str:
    """A source's description as plain text: Spotify's and ListenBrainz's hold HTML (links,
    paragraphs, entities), which neither server renders in a playlist's description."""
    if "<" in description:
        parser = _Text()
        parser.feed(description)
        parser.close()
        text = "".join(parser.parts)
    else:
        text = html.unescape(description)
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def source_name(kind: SourceKind | None) -> str:
    """How the note names the source ("" for a spec's inline tracks)."""
    return SOURCE_NAMES.get(kind, "") if kind is not None else ""


def note_line(source: str, date: str) -> str:
    """ "Synced by cmdarr from Spotify on 2026-12-06" (``date`` ISO, UTC)."""
    where = f" from {source}" if source else ""
    return f"Synced by cmdarr{where} on {date}"


def description_key(source_description: str, source: str, note: bool) -> str:
    """What decides whether the description changed: everything it is made of but the
    note's date."""
    parts = [plain_text(source_description), source if note else "", note]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Description:
    """A description to write, and the warning if it had to be cut."""

    text: str
    warning: str = ""


def compose(source_description: str, source: str, *, note: bool, date: str) -> str:
    body = plain_text(source_description)
    line = note_line(source, date) if note else ""
    return "\n\n".join(part for part in (body, line) if part)


def fit_description(text: str, target: Target) -> Description:
    """``text`` within the server's limit (see the module's docstring)."""
    fitted = _cut(text, MAX_DESCRIPTION, len)
    if target is Target.PLEX:
        fitted = _cut(fitted, PLEX_MAX_ENCODED, lambda s: len(quote(s, safe="")))
    if fitted == text:
        return Description(text)
    limit = f"{MAX_DESCRIPTION:,} characters"
    if target is Target.PLEX:
        limit += f", {PLEX_MAX_ENCODED:,} once URL-encoded"
    return Description(
        fitted,
        f"description: {len(text):,} characters, over the {target.label} limit ({limit}): "
        f"cut to {len(fitted):,}",
    )


def _cut(text: str, limit: int, measure: Callable[[str], int]) -> str:
    """``text`` if ``measure(text) <= limit``, else its longest prefix that fits with the
    ellipsis, cut at a word when one ends in its last fifth."""
    if measure(text) <= limit:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits, by bisection: bounded by log2(len)
        middle = (low + high + 1) // 2
        if measure(text[:middle].rstrip() + ELLIPSIS) <= limit:
            low = middle
        else:
            high = middle - 1
    prefix = text[:low]
    space = prefix.rfind(" ")
    if space > low * 4 // 5:
        prefix = prefix[:space]
    return prefix.rstrip() + ELLIPSIS


def should_describe(*, stored_key: str, key: str, note: bool, tracks_changed: bool) -> bool:
    """Whether this run writes the description: it changed, or the note's date moves
    because the run changed the playlist's tracks."""
    return key != stored_key or (note and tracks_changed)
