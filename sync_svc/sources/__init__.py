"""Where playlists come from: files, URLs, ListenBrainz, Spotify and Deezer, read into one
shape."""

from __future__ import annotations

from sync_svc.sources.csvfile import parse_csv
from sync_svc.sources.detect import PlaylistFormat, detect_format, parse_playlist
from sync_svc.sources.jspf import parse_jspf
from sync_svc.sources.load import load_playlist
from sync_svc.sources.m3u import parse_m3u
from sync_svc.sources.playlist import SourcePlaylist, SourceSettings, SourceTrack
from sync_svc.sources.xspf import parse_xspf

__all__ = [
    "PlaylistFormat",
    "SourcePlaylist",
    "SourceSettings",
    "SourceTrack",
    "detect_format",
    "load_playlist",
    "parse_csv",
    "parse_jspf",
    "parse_m3u",
    "parse_playlist",
    "parse_xspf",
]
