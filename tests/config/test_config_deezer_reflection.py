"""The Deezer source kind through server reflection and a generic gRPC CLI (buf curl, as
grpcurl would): the enum value is served by name, and a short link is refused naming the
field."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from config_svc.app import ConfigApp

ROOT = Path(__file__).resolve().parents[2]
BUF = str(Path(sys.executable).parent / "buf")
METHOD = "cmdarr.config.v1.ConfigService/CreateCommand"


def buf_curl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BUF, "curl", "--protocol", "grpc", "--http2-prior-knowledge", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def create(name: str, ref: str) -> str:
    command = {
        "name": name,
        "kind": "COMMAND_KIND_PLAYLIST_SYNC",
        "source": {"kind": "SOURCE_KIND_DEEZER_PLAYLIST", "ref": ref},
        "targets": ["TARGET_PLEX"],
        "enabled": True,
    }
    return json.dumps({"command": command})


async def test_a_deezer_command_through_reflection(config_app: ConfigApp) -> None:
    url = f"http://127.0.0.1:{config_app.server.port}"
    made = await asyncio.to_thread(buf_curl, "-d", create("bath", "908622995"), f"{url}/{METHOD}")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["command"]["source"] == {
        "kind": "SOURCE_KIND_DEEZER_PLAYLIST",
        "ref": "908622995",
    }
    refused = await asyncio.to_thread(
        buf_curl, "-d", create("short", "https://link.deezer.com/s/33nn9wdwNbqcSVFDkHPIl"),
        f"{url}/{METHOD}",
    )  # fmt: skip
    assert refused.returncode != 0
    assert "invalid_argument" in refused.stderr.lower()
    assert "command.source.ref" in refused.stderr
