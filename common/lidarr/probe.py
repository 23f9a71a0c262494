"""Is Lidarr usable for a hand-off: reachable, the API key accepted, answering as Lidarr,
and the root folder and profiles the settings name there. Four requests (status, root
folders, both kinds of profile), no retries; every failure named by what a user can fix,
read from the transport's exception chain as a server check reads it
(common/targets/probe.py ``classify``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from common.lidarr.choice import Choice, NameProblem, choose
from common.lidarr.client import LidarrClient
from common.lidarr.model import Catalogue
from common.targets.probe import Problem, classify


class LidarrProblem(enum.Enum):
    NONE = "none"
    NO_URL = "no_url"  # LIDARR_URL is not set
    NAME_RESOLUTION = "name_resolution"
    CONNECTION_REFUSED = "connection_refused"
    TLS = "tls"
    TIMEOUT = "timeout"
    KEY_REFUSED = "key_refused"  # 401/403: LIDARR_API_KEY is wrong or was regenerated
    NOT_LIDARR = "not_lidarr"  # something answers, but not as Lidarr's API v1
    SERVER_ERROR = "server_error"  # 5xx
    UNKNOWN_NAME = "unknown_name"  # a root folder or profile Lidarr does not have


_FROM_SERVER = {
    Problem.NAME_RESOLUTION: LidarrProblem.NAME_RESOLUTION,
    Problem.CONNECTION_REFUSED: LidarrProblem.CONNECTION_REFUSED,
    Problem.TLS: LidarrProblem.TLS,
    Problem.TIMEOUT: LidarrProblem.TIMEOUT,
    Problem.TOKEN_REFUSED: LidarrProblem.KEY_REFUSED,
    Problem.SERVER_ERROR: LidarrProblem.SERVER_ERROR,
}


@dataclass(frozen=True)
class LidarrNames:
    """The names the settings give (empty: Lidarr's default)."""

    root_folder: str = ""
    quality_profile: str = ""
    metadata_profile: str = ""


@dataclass(frozen=True)
class LidarrCheck:
    problem: LidarrProblem
    message: str
    version: str = ""
    catalogue: Catalogue | None = None
    choice: Choice | None = None

    @property
    def ok(self) -> bool:
        return self.problem is LidarrProblem.NONE


def judge_failure(exc: Exception, *, host: str) -> LidarrCheck:
    """The verdict on a request that failed (pure)."""
    problem, message = classify(exc, host=host)
    mapped = _FROM_SERVER.get(problem, LidarrProblem.NOT_LIDARR)
    if mapped is LidarrProblem.KEY_REFUSED:
        message = f"{host} refused the API key (LIDARR_API_KEY): it is wrong or was regenerated"
    elif mapped is LidarrProblem.NOT_LIDARR:
        message = f"{host} does not answer as Lidarr's API v1: {exc}"
    return LidarrCheck(mapped, message)


def judge_catalogue(
    version: str, catalogue: Catalogue, names: LidarrNames, *, host: str
) -> LidarrCheck:
    """The verdict on a Lidarr that answered: do the names fit what it has (pure)."""
    chosen = choose(
        catalogue,
        root_folder_name=names.root_folder,
        quality_name=names.quality_profile,
        metadata_name=names.metadata_profile,
    )
    if isinstance(chosen, list):
        text = "; ".join(p.message for p in chosen)
        return LidarrCheck(LidarrProblem.UNKNOWN_NAME, text, version, catalogue)
    message = (
        f"Lidarr {version} at {host}: albums go to {chosen.root_folder.path} with the "
        f"quality profile {chosen.quality.name!r} and the metadata profile "
        f"{chosen.metadata.name!r}"
    )
    return LidarrCheck(LidarrProblem.NONE, message, version, catalogue, chosen)


async def check_lidarr(client: LidarrClient, names: LidarrNames, *, host: str) -> LidarrCheck:
    """Status first (is it Lidarr, is the key accepted), then what it has."""
    try:
        status = await client.status()
        if status.app_name and status.app_name.casefold() != "lidarr":
            return LidarrCheck(
                LidarrProblem.NOT_LIDARR, f"{host} answers as {status.app_name}, not Lidarr"
            )
        catalogue = await client.catalogue()
    except Exception as exc:
        return judge_failure(exc, host=host)
    return judge_catalogue(status.version, catalogue, names, host=host)


__all__ = ["LidarrCheck", "LidarrNames", "LidarrProblem", "NameProblem", "check_lidarr"]
