"""config_svc as its own process: health, reflection through a real gRPC CLI, SIGTERM,
an API key, a port already in use, and no secret in any log line."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from common.wire.channels import open_channel
from tests.support.processes import config_process
from tests.support.rpc import TIMEOUT, next_message

ROOT = Path(__file__).resolve().parents[2]
BUF = str(Path(sys.executable).parent / "buf")


async def read_until_it_fails(
    stream: grpc.aio.UnaryStreamCall[pb.WatchConfigRequest, pb.WatchConfigResponse],
) -> None:
    """Read on until the stream fails; its ending cleanly fails as well (an assertion)."""
    while True:
        await next_message(stream)


def buf_curl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BUF, "curl", "--protocol", "grpc", "--http2-prior-knowledge", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


async def test_reflection_lists_and_calls_through_a_grpc_cli(tmp_path: Path) -> None:
    async with config_process(tmp_path) as proc:
        url = f"http://{proc.address}"
        listed = await asyncio.to_thread(buf_curl, "--list-services", url)
        assert listed.returncode == 0, listed.stderr
        services = set(listed.stdout.split())
        assert {"cmdarr.config.v1.ConfigService", "grpc.health.v1.Health"} <= services
        assert any("reflection" in s for s in services)
        methods = await asyncio.to_thread(buf_curl, "--list-methods", url)
        assert "cmdarr.config.v1.ConfigService/WatchConfig" in methods.stdout
        body = json.dumps({"changes": [{"key": "JELLYFIN_CLIENT_ENABLED", "value": "true"}]})
        called = await asyncio.to_thread(
            buf_curl,
            "-d",
            body,
            f"{url}/cmdarr.config.v1.ConfigService/UpdateSettings",
        )
        assert called.returncode == 0, called.stderr
        reply = json.loads(called.stdout)
        assert any(
            "Library cache will be enabled automatically" in n["message"]
            for n in reply["notifications"]
        )
        bad = await asyncio.to_thread(
            buf_curl,
            "-d",
            '{"changes":[{"key":"NOPE","value":"1"}]}',
            f"{url}/cmdarr.config.v1.ConfigService/UpdateSettings",
        )
        assert bad.returncode != 0
        assert "invalid_argument" in bad.stderr.lower()


async def test_sigterm_stops_gracefully(tmp_path: Path) -> None:
    async with config_process(tmp_path) as proc:
        channel = open_channel(proc.address)
        config = config_pb2_grpc.ConfigServiceStub(channel)
        stream = config.WatchConfig(pb.WatchConfigRequest(after_revision=0), timeout=30)
        assert (await next_message(stream)).kind == pb.WATCH_RESPONSE_KIND_SNAPSHOT
        proc.process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.process.wait(), 20) == 0
        with pytest.raises(grpc.aio.AioRpcError):
            await read_until_it_fails(stream)
        await channel.close(None)
        messages = [
            json.loads(line).get("msg") for line in proc.log_lines() if line.startswith("{")
        ]
        assert messages.index("shutting down") < messages.index("stopped")


async def test_a_port_in_use_is_refused(tmp_path: Path) -> None:
    async with config_process(tmp_path) as proc:
        environ = {
            **os.environ,
            "CMDARR_DATA_DIR": str(tmp_path / "other"),
            "CMDARR_CONFIG_ADDR": proc.address,
        }
        second = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "config_svc",
            cwd=ROOT,
            env=environ,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(second.communicate(), 30)
        assert second.returncode == 2
        assert b"cannot bind" in err


async def test_api_key_is_required_when_configured_and_secrets_stay_out_of_logs(
    tmp_path: Path,
) -> None:
    api_key = "key-7f3a9c2e55"
    token = "plex-secret-token-4411"
    async with config_process(
        tmp_path, CMDARR_API_KEY=api_key, LISTENBRAINZ_TOKEN="lb-secret-9090"
    ) as proc:
        anonymous = open_channel(proc.address)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await config_pb2_grpc.ConfigServiceStub(anonymous).ListWarnings(
                pb.ListWarningsRequest(), timeout=TIMEOUT
            )
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        wrong = open_channel(proc.address, api_key="wrong")
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await config_pb2_grpc.ConfigServiceStub(wrong).GetSettings(
                pb.GetSettingsRequest(), timeout=TIMEOUT
            )
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        # Health stays open for orchestrators.
        health = await health_pb2_grpc.HealthStub(anonymous).Check(
            health_pb2.HealthCheckRequest(), timeout=TIMEOUT
        )
        assert health.status == health_pb2.HealthCheckResponse.SERVING

        keyed = open_channel(proc.address, api_key=api_key)
        config = config_pb2_grpc.ConfigServiceStub(keyed)
        await config.UpdateSettings(
            pb.UpdateSettingsRequest(changes=[pb.SettingChange(key="PLEX_TOKEN", value=token)]),
            timeout=TIMEOUT,
        )
        with pytest.raises(grpc.aio.AioRpcError):
            await config.UpdateSettings(
                pb.UpdateSettingsRequest(
                    changes=[pb.SettingChange(key="PLEX_TOKEN", value=token + "\x01")]
                ),
                timeout=TIMEOUT,
            )
        revealed = await config.RevealSecrets(pb.RevealSecretsRequest(), timeout=TIMEOUT)
        assert {s.key: s.value for s in revealed.secrets}["PLEX_TOKEN"] == token
        for channel in (anonymous, wrong, keyed):
            await channel.close(None)
        proc.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.process.wait(), 20)
        text = proc.log_path.read_text()
        assert '"msg": "rpc"' in text  # calls were logged
        for secret in (token, api_key, "lb-secret-9090"):
            assert secret not in text
