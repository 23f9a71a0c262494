"""Plex playlist writes carry their items in one ``uri=`` query parameter (a
``server://`` URI ending in comma-separated rating keys): how many ids one request carries,
and what a 414 answer changes. Pure, unit-tested alone.

How long a URL Plex Media Server takes is documented nowhere. The one public figure is
cmathews393/spotify-to-plex pull request 23 (2024-04): through plexapi, whose playlist
calls put every id in one request, "Plex's API will return a 414 URL TOO LONG
inconsistently past" 300 ids, so that tool sends 300 at a time. plexapi percent-encodes the
whole ``uri`` value (plexapi 4.16.1, plexapi/utils.py ``joinArgs``), so an id costs its
digits plus 3 (``%2C``), and the fixed part (path, title, the encoded ``server://`` prefix
and its 40-character machine id) about 150: 300 ids of five or six digits make 2,550 to
2,850 characters, seven-digit ones 3,150. The limit thus probably lies near 3,000, far
under the 8,000 that RFC 9110 section 4.1 recommends servers take. ``PLEX_URI_URL_LIMIT``
sits under even the shortest reading (300 four-digit ids: 2,250) with room for a long
title; it holds about 200 six-digit ids, so a 1,000-track playlist takes five requests.
A server or proxy that takes less answers 414, and the request is sent again with half
as many ids (``after_too_long``).
"""

from __future__ import annotations

from collections.abc import Sequence

from common.targets.paging import chunk_by_length
from common.targets.query import encode

PLEX_URI_URL_LIMIT = 2048
_ENCODED_COMMA = 3


def uri_prefix(machine_id: str) -> str:
    """The ``uri`` value before the ids (python-plexapi 4.16.1, plexapi/playlist.py
    ``Playlist._create``)."""
    return f"server://{machine_id}/com.plexapp.plugins.library/library/metadata/"


def ids_in_one_request(ids: Sequence[str], *, fixed_length: int, limit: int, cap: int) -> int:
    """How many of the leading ``ids`` one request carries: as many as fit in ``limit``
    characters beside ``fixed_length``, at most ``cap``. An id that fits no URL raises
    ValueError (``chunk_by_length``)."""
    if not ids:
        return 0
    head = list(ids[: max(1, cap)])
    chunks = chunk_by_length(
        head,
        fixed_length=fixed_length,
        limit=limit,
        item_length=lambda item: len(encode(item)),
        separator_length=_ENCODED_COMMA,
    )
    return len(chunks[0])


def after_too_long(sent: int) -> int | None:
    """The most ids a request may carry after a 414 to one that carried ``sent``: half as
    many. None when a single id was refused: no smaller request exists."""
    return sent // 2 if sent > 1 else None
