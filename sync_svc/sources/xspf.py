"""XSPF, the XML Shareable Playlist Format (namespace ``http://xspf.org/ns/0/``).

Parsed with defusedxml: a playlist file from a user or the web may carry a DTD, entity
expansions (a "billion laughs") or external references, and none of them is ever needed.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from sync_svc.sources import shape
from sync_svc.sources.locations import title_from_location
from sync_svc.sources.playlist import SourcePlaylist, SourceTrack
from sync_svc.sources.problems import check_count, invalid

NS = "http://xspf.org/ns/0/"


def parse_xspf(
    data: bytes | str, *, origin: str, max_tracks: int, default_title: str = ""
) -> SourcePlaylist:
    """Parse an XSPF document; bad input raises InvalidArgument naming the element."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except ParseError as exc:
        line, column = exc.position
        raise invalid(f"line {line} column {column}: not well-formed XML") from None
    except DefusedXmlException:
        raise invalid("the XML declares a DTD or entities, which are refused") from None
    if local(root) != "playlist" or namespace(root) not in ("", NS):
        raise invalid(f"the root element is <{local(root)}>, not an XSPF <playlist>")
    title = child_text(root, "title") or default_title
    track_list = child(root, "trackList")
    entries = [] if track_list is None else children(track_list, "track")
    check_count(len(entries), max_tracks)
    tracks = tuple(
        xspf_track(entry, f"playlist.trackList.track[{i}]") for i, entry in enumerate(entries)
    )
    # XSPF's playlist-level <annotation> and <image>, as JSPF's (xspf.org/xspf-v1).
    return SourcePlaylist(
        title=title,
        tracks=tracks,
        origin=origin,
        description=child_text(root, "annotation"),
        image_url=child_text(root, "image"),
    )


def xspf_track(element: Element, path: str) -> SourceTrack:
    title = child_text(element, "title")
    creator = child_text(element, "creator")
    if not title:
        # A location-only entry, as XSPF allows: its file name stands in.
        title, artist = title_from_location(child_text(element, "location"))
        if not title:
            raise invalid("is required", f"{path}.title")
        creator = creator or artist
    duration = child_text(element, "duration")
    if duration and not duration.isdigit():
        raise invalid(f"'{duration}' is not a whole number of milliseconds", f"{path}.duration")
    identifiers = [(item.text or "").strip() for item in children(element, "identifier")]
    return SourceTrack(
        title=title,
        artists=(creator,) if creator else (),
        album=child_text(element, "album"),
        duration_ms=int(duration) if duration else 0,
        recording_mbid=shape.recording_mbid(identifiers),
    )


def local(element: Element) -> str:
    return element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""


def namespace(element: Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def children(element: Element, name: str) -> list[Element]:
    return [item for item in element if local(item) == name]


def child(element: Element, name: str) -> Element | None:
    found = children(element, name)
    return found[0] if found else None


def child_text(element: Element, name: str) -> str:
    found = child(element, name)
    return "" if found is None else (found.text or "").strip()
