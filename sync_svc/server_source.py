"""A playlist on a configured server as a run's source: found by id or title (optionally a
user's), read with every identifier the server keeps for its tracks (MusicBrainz ids, the
file's path, album, duration), and its picture fetched with the server's token as the
run's cover. What cannot be read is a clear error naming ``source.ref``, before anything
is written."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from common.domain import ServerKind
from common.errors import ServerNotFound, SourceFailed, SourceUnavailable
from common.source_refs import ServerPlaylistRef, server_playlist_ref
from common.targets import TargetAuthError, TargetClient, TargetError, TargetNotFound
from common.targets.connect import Instrument
from common.targets.items import TargetPlaylist, TargetTrack
from common.targets.settings import ClientSettings
from sync_svc.cover import MAX_COVER_BYTES, Cover, CoverProblem, image_type
from sync_svc.recipients import Recipients, UserNotFound
from sync_svc.runs import SourceRead, Track
from sync_svc.server_access import ServerAccess
from sync_svc.sources.problems import SOURCE_REF, invalid


class NoSuchPlaylist(SourceFailed):
    def __init__(self, ref: ServerPlaylistRef, why: str) -> None:
        super().__init__(f"{ref}: {why}: check {SOURCE_REF}")


def find_playlist(ref: ServerPlaylistRef, playlists: Sequence[TargetPlaylist]) -> TargetPlaylist:
    """The playlist ``ref`` names: by id; else by title, as written, then ignoring case
    when that names one playlist only. Pure."""
    if ref.playlist_id:
        found = [p for p in playlists if p.playlist_id == ref.playlist_id]
        if not found:
            raise NoSuchPlaylist(ref, "no playlist has this id")
        return found[0]
    exact = [p for p in playlists if p.title == ref.title]
    if len(exact) == 1:
        return exact[0]
    folded = [p for p in playlists if p.title.casefold() == ref.title.casefold()]
    if len(exact) > 1 or len(folded) > 1:
        ids = ", ".join(f"id:{p.playlist_id}" for p in (exact or folded))
        raise NoSuchPlaylist(ref, f"several playlists have this title ({ids}): name one by id")
    if not folded:
        raise NoSuchPlaylist(ref, "no playlist has this title")
    return folded[0]


def track_of(track: TargetTrack) -> Track:
    """A server's track as a source track: every identifier it has."""
    return Track(
        title=track.title,
        artists=track.artists,
        album=track.album,
        duration_ms=int(track.duration_ms or 0),
        recording_mbid=track.mbid,
        artist_mbids=track.artist_mbids,
        path=track.path,
    )


async def read_cover(client: TargetClient, playlist: TargetPlaylist) -> Cover | CoverProblem | None:
    """The playlist's picture as the server serves it (None when it has none)."""
    if not playlist.image:
        return None
    where = f"cover: the picture of playlist {playlist.title!r}"
    try:
        data, _ = await client.read_image(playlist.image, MAX_COVER_BYTES)
    except TargetError as exc:
        return CoverProblem(f"{where} could not be read ({exc}): not set")
    content_type = image_type(data)
    if content_type is None:
        return CoverProblem(f"{where} is not a JPEG, PNG, WebP or GIF image: not set")
    return Cover(data, content_type)


class ServerPlaylists:
    """Reads server playlists for runs; ``server_access`` is config_svc's description of a
    server with its token revealed."""

    def __init__(
        self,
        server_access: Callable[[str], Awaitable[ServerAccess]],
        *,
        remember_secret: Callable[[str], None],
        instrument: Instrument | None = None,
    ) -> None:
        self._server_access = server_access
        self._remember_secret = remember_secret
        self._instrument = instrument

    async def read(self, reference: str, *, limits: ClientSettings, plex_tv_url: str) -> SourceRead:
        """The playlist ``reference`` names. SourceFailed naming ``source.ref`` when the
        server is not configured, is of another kind, is disabled, refuses the token, or
        has no such user or playlist; SourceUnavailable when it cannot be read now."""
        try:
            ref = server_playlist_ref(reference)
        except ValueError as exc:
            raise invalid(str(exc), SOURCE_REF) from None
        try:
            access = await self._server_access(ref.server)
        except ServerNotFound:
            raise SourceFailed(
                f"{ref}: no server named {ref.server!r} is configured: check {SOURCE_REF}"
            ) from None
        if access.kind is not ServerKind(ref.kind):
            raise SourceFailed(
                f"{ref}: server {ref.server!r} is a {access.kind.value} server, not "
                f"{ref.kind}: check {SOURCE_REF}"
            )
        if not access.client_enabled:
            raise SourceFailed(
                f"{ref}: server {ref.server!r} has its client disabled: enable it to read "
                "its playlists"
            )
        try:
            async with self._client(access, ref, limits, plex_tv_url) as client:
                playlist = find_playlist(ref, await client.playlists())
                tracks = await client.playlist_tracks(playlist.playlist_id)
                cover = await read_cover(client, playlist)
        except TargetAuthError as exc:
            raise SourceFailed(f"{ref}: the server refused the token ({exc})") from None
        except TargetNotFound as exc:
            raise NoSuchPlaylist(ref, f"the server has no such playlist ({exc})") from None
        except TargetError as exc:
            raise SourceUnavailable(f"{ref}: the server could not be read ({exc})") from None
        return SourceRead(
            playlist.title,
            [track_of(t) for t in tracks],
            playlist.summary,
            cover=cover,
        )

    @contextlib.asynccontextmanager
    async def _client(
        self, access: ServerAccess, ref: ServerPlaylistRef, limits: ClientSettings, plex_tv: str
    ) -> AsyncIterator[TargetClient]:
        """A client as the server's own account, or as the user ``ref`` names."""
        connection = access.connect(limits, instrument=self._instrument)
        try:
            if not ref.user:
                yield connection.client
                return
            recipients = Recipients(
                access,
                connection,
                plex_tv_url=plex_tv,
                settings=limits,
                remember_secret=self._remember_secret,
            )
            try:
                person = await recipients.find(ref.user)
            except UserNotFound as exc:
                raise SourceFailed(f"{ref}: {exc.message}: check {SOURCE_REF}") from None
            try:
                yield person.client
            finally:
                await person.close()
        finally:
            await connection.close()
