"""Build sources on the real target servers: the configured URL and limits, the token read
from config_svc at build time (it is never stored here)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from cmdarr.config.v1 import config_pb2 as pb

from cache_svc.build import BuildFailed
from cache_svc.followed import FollowedConfig
from cache_svc.manager import SourceFactory
from cache_svc.source import Progress
from common.client import DEFAULT_TIMEOUT
from common.config.registry import Registry
from common.model import Target
from common.targets import ChangeSet, LibraryChoice, TargetLibrary, TargetTrack
from common.targets.connect import Connection, client_settings, connect
from common.targets.listing import Items


class TargetSource:
    """A target client as a build's LibrarySource."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._client = connection.client

    async def music_libraries(self, names: Sequence[str] = ()) -> LibraryChoice:
        return await self._client.music_libraries(names)

    async def list_tracks(
        self,
        library: TargetLibrary,
        on_progress: Progress | None = None,
        on_items: Items | None = None,
    ) -> list[TargetTrack]:
        return await self._client.list_tracks(library, on_progress=on_progress, on_items=on_items)

    async def changes_since(
        self, library: TargetLibrary, since: int, known_ids: Collection[str] | None = None
    ) -> ChangeSet:
        return await self._client.changes_since(library, since, known_ids)

    def request_total(self) -> int:
        return self._client.counter.total

    async def close(self) -> None:
        await self._connection.close()


def target_source_factory(
    config_stub: Any, registry: Registry, *, remember_secret: Callable[[str], None]
) -> SourceFactory:
    """A factory that connects to the target as configured, with the token revealed by
    config_svc for this build; ``remember_secret`` hears the token first, so that the
    service's logs can mask it."""

    async def factory(target: Target, config: FollowedConfig) -> TargetSource:
        key = f"{target.name}_TOKEN"
        reply = await config_stub.RevealSecrets(
            pb.RevealSecretsRequest(keys=[key]), timeout=DEFAULT_TIMEOUT
        )
        token = next((s.value for s in reply.secrets if s.key == key), "")
        remember_secret(token)
        settings = client_settings(
            config.number(registry, "TARGET_MAX_REQUESTS_PER_SECOND"),
            int(config.number(registry, "TARGET_MAX_CONCURRENCY")),
            config.number(registry, "TARGET_TIMEOUT_SECONDS"),
        )
        try:
            connection = connect(
                target,
                url=config.values.get(f"{target.name}_URL", ""),
                token=token,
                user_id=config.values.get("JELLYFIN_USER_ID", "")
                if target is Target.JELLYFIN
                else "",
                settings=settings,
            )
        except ValueError as exc:
            raise BuildFailed(str(exc)) from None
        return TargetSource(connection)

    return factory
