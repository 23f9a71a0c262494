"""What a build worker reaches the configured target server with: the followed settings
(URL, user, limits) and the token read from config_svc at build time (never stored here)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.config.v1 import config_pb2_grpc

from cache_svc.builders import ConnectionInfo
from cache_svc.followed import FollowedConfig
from common.client import DEFAULT_TIMEOUT
from common.model import Target


def target_connection_info(
    config_stub: config_pb2_grpc.ConfigServiceAsyncStub,
    *,
    remember_secret: Callable[[str], None],
) -> ConnectionInfo:
    """What a build worker connects with: the followed settings and the revealed token;
    ``remember_secret`` hears the token first, so that the service's logs can mask it."""

    async def info(target: Target, config: FollowedConfig) -> tuple[Mapping[str, str], str]:
        key = target.token_key
        reply = await config_stub.RevealSecrets(
            pb.RevealSecretsRequest(keys=[key]), timeout=DEFAULT_TIMEOUT
        )
        token = next((s.value for s in reply.secrets if s.key == key), "")
        remember_secret(token)
        return config.values, token

    return info
