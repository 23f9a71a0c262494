"""TestServer's use case: reach a configured server as a build or a sync would, and say
what stops it from being used (common/targets/probe.py decides)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from common.domain import builtin_target
from common.targets.connect import Connection
from common.targets.probe import Problem, ServerCheck, check_server, probe_settings
from sync_svc.server_access import ServerAccess

# Two requests in sequence answer within the clients' default 10-second deadline.
CHECK_TIMEOUT_SECONDS = 4.0


def connect_for_check(access: ServerAccess) -> Connection:
    return access.connect(probe_settings(CHECK_TIMEOUT_SECONDS))


class ServerChecks:
    def __init__(
        self,
        access: Callable[[str], Awaitable[ServerAccess]],
        *,
        connector: Callable[[ServerAccess], Connection] = connect_for_check,
    ) -> None:
        self._access = access
        self._connect = connector

    async def check(self, name: str) -> ServerCheck:
        """The verdict on server ``name`` (ServerNotFound when there is none)."""
        access = await self._access(name)
        if not access.url:
            target = builtin_target(name)
            where = f"set {target.url_key}" if target else f"cmdarr server update {name} --url"
            return ServerCheck(Problem.NO_URL, f"{name} has no URL to reach: {where}")
        connection = self._connect(access)
        try:
            return await check_server(
                connection.client, host=access.url, library_names=access.library_names
            )
        finally:
            await connection.close()
