"""``python -m emulators`` serves both emulators on loopback and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import sys

import httpx
import pytest

pytestmark = pytest.mark.timeout(60)


async def test_the_cli_serves_both_and_stops_on_sigterm() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulators",
        "--plex-port",
        "0",
        "--jellyfin-port",
        "0",
        "--tracks",
        "300",
        "--seed",
        "2",
        "--latency-ms",
        "1",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        lines = [
            (await asyncio.wait_for(process.stdout.readline(), timeout=30)).decode().split()
            for _ in range(2)
        ]
        urls = {kind: url for kind, url in lines}
        assert set(urls) == {"plex", "jellyfin"}
        assert all(url.startswith("http://127.0.0.1:") for url in urls.values())
        async with httpx.AsyncClient() as http:
            identity = await http.get(f"{urls['plex']}/identity")
            info = await http.get(f"{urls['jellyfin']}/System/Info/Public")
        assert identity.status_code == 200
        assert "machineIdentifier" in identity.text
        assert info.json()["ProductName"] == "Jellyfin Server"
    finally:
        process.terminate()
        code = await asyncio.wait_for(process.wait(), timeout=20)
    assert code == 0


async def test_the_cli_needs_a_port() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "emulators", stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2
    assert b"--plex-port" in err


async def test_cli_faults_apply_from_the_start() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulators",
        "--plex-port",
        "0",
        "--tracks",
        "300",
        "--fault",
        "status:status=503,count=2,endpoint=library_listing",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        url = line.decode().split()[1]
        headers = {"X-Plex-Token": "emulated-plex-token"}
        async with httpx.AsyncClient(base_url=url, headers=headers) as http:
            codes = [(await http.get("/library/sections")).status_code for _ in range(3)]
        assert codes == [503, 503, 200]
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=20)


async def test_the_cli_serves_a_household_one_line_per_server() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulators",
        "--household",
        "--plex-servers",
        "2",
        "--jellyfin-servers",
        "2",
        "--tracks",
        "300",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        lines = [
            (await asyncio.wait_for(process.stdout.readline(), timeout=30)).decode().split()
            for _ in range(6)
        ]
        servers = {(parts[0], parts[2]): parts[1] for parts in lines if len(parts) == 3}
        assert sorted(servers) == [
            ("jellyfin", "jellyfin"),
            ("jellyfin", "jellyfin2"),
            ("lidarr", "lidarr"),
            ("plex", "cabin"),
            ("plex", "plex"),
        ]
        assert lines[-1][0] == "plex.tv"
        urls = [*servers.values(), lines[-1][1]]
        assert len(set(urls)) == 6
        owner = {"X-Plex-Token": "emulated-plex-token", "Accept": "application/json"}
        async with httpx.AsyncClient(headers=owner) as http:
            users = await http.get(f"{lines[-1][1]}/api/users/")
            cabin = await http.get(f"{servers[('plex', 'cabin')]}/")
            ids = [
                (await http.get(f"{servers[('jellyfin', name)]}/System/Info/Public")).json()["Id"]
                for name in ("jellyfin", "jellyfin2")
            ]
            lidarr = f"{servers[('lidarr', 'lidarr')]}/api/v1/system/status"
            keyless = await http.get(lidarr)
            keyed = await http.get(lidarr, headers={"X-Api-Key": "emulated-lidarr-api-key"})
        assert (keyless.status_code, keyless.content) == (401, b"")
        assert keyed.json()["appName"] == "Lidarr"
        assert users.status_code == 200
        assert "alice" in users.text
        assert cabin.json()["MediaContainer"]["friendlyName"] == "cabin"
        assert len(set(ids)) == 2
    finally:
        process.terminate()
        code = await asyncio.wait_for(process.wait(), timeout=20)
    assert code == 0


async def test_the_household_picks_its_own_ports() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulators",
        "--household",
        "--plex-port",
        "0",
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2
    assert b"--household picks its own ports" in err
