"""How sync_svc reaches Lidarr: the LIDARR_* settings, read with the secrets (the API key
is masked in the logs by the config client that revealed it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from common.config.values import SettingValues
from common.lidarr.connect import LidarrConnection, lidarr_settings, open_lidarr
from common.lidarr.probe import LidarrNames
from common.targets.connect import Instrument
from common.targets.settings import ClientSettings


@dataclass(frozen=True)
class LidarrAccess:
    enabled: bool
    url: str
    api_key: str = field(repr=False)  # a secret: never in a repr, so never in a log line
    names: LidarrNames
    max_albums: int
    auto_send: tuple[str, ...]  # the commands whose runs send on their own
    limits: ClientSettings

    @classmethod
    def of(cls, values: SettingValues) -> LidarrAccess:
        return cls(
            enabled=values.flag("LIDARR_ENABLED"),
            url=values.text("LIDARR_URL"),
            api_key=values.text("LIDARR_API_KEY"),
            names=LidarrNames(
                values.text("LIDARR_ROOT_FOLDER"),
                values.text("LIDARR_QUALITY_PROFILE"),
                values.text("LIDARR_METADATA_PROFILE"),
            ),
            max_albums=values.integer("LIDARR_MAX_ALBUMS_PER_RUN"),
            auto_send=values.names("LIDARR_AUTO_SEND_COMMANDS"),
            limits=lidarr_settings(values),
        )

    def connect(
        self, limits: ClientSettings | None = None, instrument: Instrument | None = None
    ) -> LidarrConnection:
        return open_lidarr(
            self.url, self.api_key, settings=limits or self.limits, instrument=instrument
        )
