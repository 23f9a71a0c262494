"""Reading a run's source: a server's playlist through that server's own client, any other
source through the loader; and what the playlist is to look like (the description, the
cover, how the note names the source)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from common.config.values import SettingValues
from common.domain import SourceKind
from common.source_refs import server_playlist_ref
from common.targets.connect import client_settings
from sync_svc.cover import Cover, CoverProblem, RunCover
from sync_svc.dress import Looks
from sync_svc.looks import source_name
from sync_svc.runs import SourceRead, Spec, Track
from sync_svc.server_source import ServerPlaylists

# A loader returns a SourceRead; a bare (title, tracks) is a source without description or
# picture.
Loader = Callable[
    [SourceKind, str, dict[str, str]], Awaitable[SourceRead | tuple[str, list[Track]]]
]


def note_source(kind: SourceKind | None, ref: str) -> str:
    """How the note names the source: "Plex server cabin" for a server's playlist."""
    if kind is SourceKind.SERVER_PLAYLIST:
        try:
            found = server_playlist_ref(ref)
        except ValueError:
            return ""
        return f"{found.kind.capitalize()} server {found.server}"
    return source_name(kind)


class SourceReader:
    def __init__(
        self,
        load: Loader,
        server_playlists: ServerPlaylists,
        fetch_cover: Callable[[str], Awaitable[Cover | CoverProblem]],
    ) -> None:
        self._load = load
        self._server_playlists = server_playlists
        self._fetch_cover = fetch_cover

    async def read(
        self, spec: Spec, settings: SettingValues
    ) -> tuple[SourceRead | tuple[str, list[Track]], Looks]:
        """The source's playlist and its looks (the spec must name a source)."""
        assert spec.source_kind is not None
        looks = Looks(source=note_source(spec.source_kind, spec.source_ref), note=spec.sync_note)
        if spec.source_kind is SourceKind.SERVER_PLAYLIST:
            read: SourceRead | tuple[str, list[Track]] = await self._server_playlists.read(
                spec.source_ref,
                limits=client_settings(settings),
                plex_tv_url=settings.text("PLEX_TV_URL"),
            )
        else:
            read = await self._load(spec.source_kind, spec.source_ref, dict(settings.raw))
        if isinstance(read, SourceRead):
            cover = None
            if read.image_url:
                cover = RunCover(read.image_url, self._fetch_cover)
            elif read.cover is not None:
                cover = RunCover("", got=read.cover)
            looks = replace(looks, description=read.description, cover=cover)
        return read, looks
