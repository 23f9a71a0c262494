"""Files on disk and on the web through load_playlist: found by kind and reference,
checked for existence, type and size, and parsed by the format they turn out to be."""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import httpx
import pytest

from common.domain import SourceKind
from common.errors import FailedPrecondition, InvalidArgument, Unavailable
from sync_svc.sources import SourcePlaylist, SourceSettings, load_playlist
from tests.support.log_capture import capture_debug
from tests.support.ports import free_port
from tests.support.source_fakes import State

pytestmark = pytest.mark.timeout(60)

Fakes = tuple[State, httpx.AsyncClient]
DATA = Path(__file__).parent.parent / "data" / "playlists"


async def load_file(path: Path | str, max_bytes: int = SourceSettings.max_bytes) -> SourcePlaylist:
    async with httpx.AsyncClient() as http:
        return await load_playlist(
            SourceKind.FILE, str(path), http=http, settings=SourceSettings(max_bytes=max_bytes)
        )


@pytest.mark.parametrize(
    ("name", "origin", "title", "count"),
    [
        ("good.jspf", "JSPF file", "Weekly Jams", 3),
        ("good.xspf", "XSPF file", "Road Trip", 3),
        ("good.m3u8", "M3U8 file", "Late Night", 5),
        ("good.csv", "CSV file", "good", 3),
        ("tabs.tsv", "CSV file", "tabs", 1),
    ],
)
async def test_every_format_from_a_file(name: str, origin: str, title: str, count: int) -> None:
    async with httpx.AsyncClient() as http:
        playlist = await load_playlist(
            SourceKind.FILE, str(DATA / name), http=http, settings=SourceSettings()
        )
    assert playlist.origin == f"{origin} {DATA / name}"
    assert playlist.title == title
    assert len(playlist.tracks) == count


async def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FailedPrecondition) as caught:
        await load_file(tmp_path / "nope.m3u")
    assert caught.value.message == f"playlist file {tmp_path / 'nope.m3u'} does not exist"


async def test_a_directory_or_fifo_is_not_a_regular_file(tmp_path: Path) -> None:
    with pytest.raises(FailedPrecondition) as caught:
        await load_file(tmp_path)
    assert "is not a regular file" in caught.value.message
    fifo = tmp_path / "pipe.m3u"
    os.mkfifo(fifo)
    with pytest.raises(FailedPrecondition) as caught:
        await load_file(fifo)  # refused at once, without waiting for a writer
    assert "is not a regular file" in caught.value.message


async def test_a_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.m3u"
    path.write_bytes(b"#EXTM3U\n" + b"/music/a.mp3\n" * 100)
    with pytest.raises(InvalidArgument) as caught:
        await load_file(path, max_bytes=1000)
    assert caught.value.violations[0].field == "source"
    assert "over the limit of 1000 bytes" in caught.value.violations[0].description
    assert len((await load_file(path, max_bytes=2000)).tracks) == 100


async def test_a_file_of_the_wrong_type(tmp_path: Path) -> None:
    path = tmp_path / "cover"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(InvalidArgument) as caught:
        await load_file(path)
    assert caught.value.violations[0].description.startswith("the content is none of")
    renamed = tmp_path / "cover.xspf"
    shutil.copy(path, renamed)
    with pytest.raises(InvalidArgument) as caught:
        await load_file(renamed)
    assert "not well-formed XML" in caught.value.violations[0].description


async def test_a_blank_reference_is_invalid() -> None:
    with pytest.raises(InvalidArgument) as caught:
        await load_file("  ")
    assert caught.value.violations[0].field == "source.ref"


async def test_a_url_by_content_type_and_by_sniffing(fakes: Fakes) -> None:
    state, http = fakes
    state.files["list"] = ((DATA / "good.xspf").read_bytes(), "application/xspf+xml")
    state.files["list.txt"] = ((DATA / "good.m3u8").read_bytes(), "text/plain")
    settings = state.settings()
    xspf = await load_playlist(
        SourceKind.URL, f"{state.base_url}/files/list?token=abc", http=http, settings=settings
    )
    assert xspf.title == "Road Trip"
    assert xspf.origin == f"XSPF URL {state.base_url}/files/list"  # no query string shown
    m3u = await load_playlist(
        SourceKind.URL, f"{state.base_url}/files/list.txt", http=http, settings=settings
    )
    assert (m3u.origin, len(m3u.tracks)) == (f"M3U8 URL {state.base_url}/files/list.txt", 5)


async def test_a_url_follows_redirects_and_names_the_file(fakes: Fakes) -> None:
    state, http = fakes
    state.files["mix.csv"] = (b"title,artist\nHurt,Johnny Cash\n", "application/octet-stream")
    playlist = await load_playlist(
        SourceKind.URL, f"{state.base_url}/moved/mix.csv", http=http, settings=state.settings()
    )
    assert playlist.title == "mix"
    assert playlist.tracks[0].title == "Hurt"
    assert state.counts["/moved/mix.csv"] == 1
    assert state.counts["/files/mix.csv"] == 1


async def test_credentials_in_a_url_go_in_a_header_not_in_logs(
    fakes: Fakes, caplog: pytest.LogCaptureFixture
) -> None:
    capture_debug(caplog)
    state, http = fakes
    state.files["private.m3u"] = (b"#EXTM3U\n/music/A - B.mp3\n", "audio/x-mpegurl")
    ref = state.base_url.replace("://", "://me:pw-secret@") + "/files/private.m3u"
    playlist = await load_playlist(SourceKind.URL, ref, http=http, settings=state.settings())
    assert playlist.origin == f"M3U URL {state.base_url}/files/private.m3u"
    assert state.authorizations == ["Basic " + base64.b64encode(b"me:pw-secret").decode()]
    assert "pw-secret" not in caplog.text


async def test_url_failures(fakes: Fakes) -> None:
    state, http = fakes
    settings = state.settings()
    with pytest.raises(FailedPrecondition) as caught:
        await load_playlist(
            SourceKind.URL, f"{state.base_url}/files/gone.m3u", http=http, settings=settings
        )
    assert caught.value.message == f"URL {state.base_url}/files/gone.m3u not found (HTTP 404)"
    state.faults["/files/broken.m3u"] = 500
    with pytest.raises(Unavailable):
        await load_playlist(
            SourceKind.URL, f"{state.base_url}/files/broken.m3u", http=http, settings=settings
        )
    state.files["big.m3u"] = (b"#EXTM3U\n" + b"/music/a.mp3\n" * 100, "audio/x-mpegurl")
    with pytest.raises(InvalidArgument) as too_big:
        await load_playlist(
            SourceKind.URL,
            f"{state.base_url}/files/big.m3u",
            http=http,
            settings=state.settings(max_bytes=1000),
        )
    assert "over the limit of 1000 bytes" in too_big.value.violations[0].description
    state.files["cover.png"] = (b"\x89PNG\r\n\x1a\n", "image/png")
    with pytest.raises(InvalidArgument):
        await load_playlist(
            SourceKind.URL, f"{state.base_url}/files/cover.png", http=http, settings=settings
        )


@pytest.mark.parametrize("ref", ["ftp://example.org/a.m3u", "file:///etc/passwd", "/a.m3u"])
async def test_only_http_urls(fakes: Fakes, ref: str) -> None:
    state, http = fakes
    with pytest.raises(InvalidArgument) as caught:
        await load_playlist(SourceKind.URL, ref, http=http, settings=state.settings())
    assert caught.value.violations[0].field == "source.ref"


async def test_an_unreachable_server_is_unavailable(fakes: Fakes) -> None:
    state, http = fakes
    # A port that was just free: nothing listens there.
    port = free_port()
    with pytest.raises(Unavailable) as caught:
        await load_playlist(
            SourceKind.URL,
            f"http://user:pw-secret@127.0.0.1:{port}/a.m3u",
            http=http,
            settings=state.settings(),
        )
    assert "pw-secret" not in caught.value.message
    assert f"URL http://127.0.0.1:{port}/a.m3u" in caught.value.message
