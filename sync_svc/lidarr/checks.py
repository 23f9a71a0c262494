"""TestLidarr's use case: reach Lidarr as a hand-off would and say what stops it
(common/lidarr/probe.py decides)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from common.config.values import SettingValues
from common.lidarr.probe import LidarrCheck, LidarrProblem, check_lidarr
from common.targets.probe import probe_settings
from sync_svc.lidarr.access import LidarrAccess

# Four requests in sequence answer within the clients' default deadline.
CHECK_TIMEOUT_SECONDS = 4.0


class LidarrChecks:
    def __init__(self, settings: Callable[[], Awaitable[SettingValues]]) -> None:
        self._settings = settings

    async def check(self) -> tuple[LidarrCheck, bool]:
        """The verdict, and whether LIDARR_ENABLED is on."""
        access = LidarrAccess.of(await self._settings())
        if not access.url:
            message = "Lidarr has no URL to reach: set LIDARR_URL (and LIDARR_API_KEY)"
            return LidarrCheck(LidarrProblem.NO_URL, message), access.enabled
        connection = access.connect(probe_settings(CHECK_TIMEOUT_SECONDS))
        try:
            found = await check_lidarr(connection.client, access.names, host=access.url)
        finally:
            await connection.close()
        return found, access.enabled
