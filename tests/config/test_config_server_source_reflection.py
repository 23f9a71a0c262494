"""The server playlist source kind through server reflection and a generic gRPC CLI (buf
curl, as grpcurl would): stored by the enum's name, and a server that is not configured
refused naming the field."""

from __future__ import annotations

import asyncio
import json

from config_svc.app import ConfigApp
from tests.config.test_config_deezer_reflection import METHOD, buf_curl


def create(name: str, ref: str) -> str:
    command = {
        "name": name,
        "kind": "COMMAND_KIND_PLAYLIST_SYNC",
        "source": {"kind": "SOURCE_KIND_SERVER_PLAYLIST", "ref": ref},
        "targets": ["TARGET_JELLYFIN"],
    }
    return json.dumps({"command": command})


async def test_a_server_playlist_command_through_reflection(config_app: ConfigApp) -> None:
    url = f"http://127.0.0.1:{config_app.server.port}"
    ref = "plex:alice@plex/Road Trip"
    made = await asyncio.to_thread(buf_curl, "-d", create("copy", ref), f"{url}/{METHOD}")
    assert made.returncode == 0, made.stderr
    source = json.loads(made.stdout)["command"]["source"]
    assert source == {"kind": "SOURCE_KIND_SERVER_PLAYLIST", "ref": ref}
    refused = await asyncio.to_thread(
        buf_curl, "-d", create("attic", "plex:attic/Road Trip"), f"{url}/{METHOD}"
    )
    assert refused.returncode != 0
    assert "invalid_argument" in refused.stderr.lower()
    assert "command.source.ref" in refused.stderr
    assert "no server named 'attic'" in refused.stderr
