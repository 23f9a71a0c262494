"""What a source yields: a playlist of tracks as the source describes them, and the
credentials and endpoints the remote sources need."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceTrack:
    """One entry of a source playlist; empty strings and 0 mean "not known"."""

    title: str
    artists: tuple[str, ...]
    album: str = ""
    duration_ms: int = 0
    recording_mbid: str = ""
    isrc: str = ""
    artist_mbids: tuple[str, ...] = ()  # MusicBrainz ids of the credited artists, lower case
    # The MusicBrainz release group (Lidarr's album) the track is from, lower case.
    release_group_mbid: str = ""


@dataclass(frozen=True)
class SourcePlaylist:
    """A playlist in source order; ``origin`` says where it came from, for people.
    ``description`` is the source's, as it gave it (it may hold HTML: Spotify's and
    ListenBrainz's do); ``image_url`` is the source's picture of the playlist ("" when it
    has none), the largest it offers."""

    title: str
    tracks: tuple[SourceTrack, ...]
    origin: str
    description: str = ""
    image_url: str = ""


@dataclass(frozen=True)
class SourceSettings:
    """Credentials, endpoints and limits; the endpoints are settable so tests can use fakes."""

    spotify_client_id: str = ""
    spotify_client_secret: str = ""
    listenbrainz_token: str = ""
    listenbrainz_api: str = "https://api.listenbrainz.org"
    spotify_api: str = "https://api.spotify.com"
    spotify_accounts: str = "https://accounts.spotify.com"
    deezer_api: str = "https://api.deezer.com"
    # Waits before each retry of a Deezer request refused for its quota (error 4) or as busy
    # (700): three retries, 7 s in all, longer than the 5-second window the quota is
    # reported to count.
    deezer_retry_delays: tuple[float, ...] = (1.0, 2.0, 4.0)
    max_bytes: int = 20 * 2**20
    max_tracks: int = 20_000

    def __repr__(self) -> str:
        # Never print the secrets, even in a traceback or a debug log.
        return (
            "SourceSettings("
            f"spotify_client_id={'<set>' if self.spotify_client_id else '<unset>'}, "
            f"spotify_client_secret={'<set>' if self.spotify_client_secret else '<unset>'}, "
            f"listenbrainz_token={'<set>' if self.listenbrainz_token else '<unset>'}, "
            f"listenbrainz_api={self.listenbrainz_api!r}, spotify_api={self.spotify_api!r}, "
            f"spotify_accounts={self.spotify_accounts!r}, deezer_api={self.deezer_api!r}, "
            f"deezer_retry_delays={self.deezer_retry_delays!r}, max_bytes={self.max_bytes}, "
            f"max_tracks={self.max_tracks})"
        )
