"""What a source reference may be, for the kinds whose grammar config_svc (when a command is
stored) and sync_svc (when it is read) must agree on exactly. Pure."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

DEEZER_ID = re.compile(r"[1-9][0-9]{0,19}")
DEEZER_WEB_HOSTS = ("www.deezer.com", "deezer.com")
# Short links as Deezer's share button makes them (deezer.page.link/..., seen in
# LMS-Community/slimserver issue 596; link.deezer.com/s/..., kmille/deezer-downloader
# issue 224). Only following the redirect tells what one names, a network call config_svc
# never makes; and it may name an album or a track rather than a playlist.
DEEZER_SHORT_HOSTS = ("deezer.page.link", "link.deezer.com")
# The language segment of www.deezer.com links: /en/, /fr/, /pt-br/ ...
LANGUAGE = re.compile(r"[a-z]{2}(?:-[a-z]{2})?")
DEEZER_FORMS = "a Deezer playlist id or a https://www.deezer.com/[lang/]playlist/<id> link"


def deezer_playlist_id(ref: str) -> str:
    """The playlist id of ``ref``: the id itself, or ``https://www.deezer.com/playlist/<id>``
    with an optional language segment, query and fragment. Raises ValueError saying what
    to give instead."""
    ref = ref.strip()
    if DEEZER_ID.fullmatch(ref):
        return ref
    if "://" not in ref:
        raise ValueError(f"must be {DEEZER_FORMS}")
    try:
        url = urlsplit(ref)
        host = url.hostname or ""
    except ValueError:
        raise ValueError(f"must be {DEEZER_FORMS}") from None
    if host in DEEZER_SHORT_HOSTS:
        raise ValueError(
            "is a Deezer short link, which cannot be followed here: open it in a browser "
            "and paste the full https://www.deezer.com/playlist/<id> link it leads to, or "
            "the playlist's id"
        )
    segments = [segment for segment in url.path.split("/") if segment]
    if segments[:1] and LANGUAGE.fullmatch(segments[0]):
        segments = segments[1:]
    if (
        url.scheme in ("http", "https")
        and host in DEEZER_WEB_HOSTS
        and len(segments) == 2
        and segments[0] == "playlist"
        and DEEZER_ID.fullmatch(segments[1])
    ):
        return segments[1]
    raise ValueError(f"must be {DEEZER_FORMS}")
