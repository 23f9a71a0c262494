"""The Lidarr names a user sets (LIDARR_ROOT_FOLDER, LIDARR_QUALITY_PROFILE,
LIDARR_METADATA_PROFILE) are checked against the Lidarr they are for before they are
stored: a name Lidarr does not have is INVALID_ARGUMENT naming the setting and listing
the names it has.

The check lives here, in config_svc, because this is where every writer of a setting
passes (the CLI, the page, the client library, grpcurl), and only here is the value it
must fit known: the LIDARR_URL and LIDARR_API_KEY in force after the same change. It
asks Lidarr over HTTP (three GETs, no retries), which is no call to another cmdarr
service: config_svc still calls none (the services' call graph stays a DAG)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from common.config.registry import Registry
from common.errors import FieldViolation, InvalidArgument
from common.lidarr.choice import METADATA_KEY, NAME_KEYS, QUALITY_KEY, ROOT_FOLDER_KEY
from common.lidarr.choice import profile as choose_profile
from common.lidarr.choice import root_folder as choose_root_folder
from common.lidarr.connect import open_lidarr
from common.lidarr.model import Catalogue, Profile
from common.targets.errors import TargetError
from common.targets.retry import RetryPolicy
from common.targets.settings import ClientSettings
from config_svc.validation import SettingChangeLike

# (url, api key) -> what that Lidarr has.
FetchCatalogue = Callable[[str, str], Awaitable[Catalogue]]
CHECK_TIMEOUT_SECONDS = 4.0


async def fetch_catalogue(url: str, api_key: str) -> Catalogue:
    connection = open_lidarr(
        url,
        api_key,
        settings=ClientSettings(
            timeout_seconds=CHECK_TIMEOUT_SECONDS, retry=RetryPolicy(max_tries=1)
        ),
    )
    try:
        return await connection.client.catalogue()
    finally:
        await connection.close()


def name_violations(
    named: Mapping[str, tuple[int, str]], catalogue: Catalogue
) -> list[FieldViolation]:
    """The violations of the names set (key -> (change index, value)): each naming the
    change and the setting, and listing what Lidarr has (pure)."""
    found: list[FieldViolation] = []
    for key, (index, value) in sorted(named.items(), key=lambda item: item[1][0]):
        if key == ROOT_FOLDER_KEY:
            chosen: object = choose_root_folder(value, catalogue.root_folders)
        else:
            profiles: Sequence[Profile] = (
                catalogue.quality_profiles if key == QUALITY_KEY else catalogue.metadata_profiles
            )
            chosen = choose_profile(key, value, 0, profiles)
        message = getattr(chosen, "message", None)
        if isinstance(message, str):
            found.append(FieldViolation(f"changes[{index}].value", message))
    return found


class LidarrNameCheck:
    def __init__(self, registry: Registry, fetch: FetchCatalogue = fetch_catalogue) -> None:
        self._registry = registry
        self._fetch = fetch

    async def check_changes(
        self, changes: Sequence[SettingChangeLike], effective: Callable[[str], str]
    ) -> None:
        """Check the Lidarr names ``changes`` set (not those reset or emptied) against the
        Lidarr at the URL and key in force after them (``effective``: a setting's value
        now)."""
        named = {
            c.key: (i, self._registry[c.key].canonical(c.value))
            for i, c in enumerate(changes)
            if c.key in NAME_KEYS and not c.reset and c.value.strip()
        }

        def after(key: str) -> str:
            change = next((c for c in changes if c.key == key), None)
            if change is None:
                return effective(key)
            spec = self._registry[key]
            return spec.default if change.reset else spec.canonical(change.value)

        await self.check(named, after("LIDARR_URL"), after("LIDARR_API_KEY"))

    async def check(self, named: Mapping[str, tuple[int, str]], url: str, api_key: str) -> None:
        """Raise InvalidArgument for the names Lidarr lacks. Without LIDARR_URL they cannot
        be checked (INVALID_ARGUMENT naming the first); a Lidarr that cannot answer passes
        its failure on (TARGET_* reasons), the setting named: nothing is stored unchecked."""
        if not named:
            return
        first_key, (first_index, _) = min(named.items(), key=lambda item: item[1][0])
        if not url:
            raise InvalidArgument(
                [
                    FieldViolation(
                        f"changes[{first_index}].value",
                        f"{first_key} can be checked only against a Lidarr: set LIDARR_URL "
                        "(and LIDARR_API_KEY) first, or in the same change",
                    )
                ]
            )
        try:
            catalogue = await self._fetch(url, api_key)
        except TargetError as exc:
            raise _saying(exc, f"{first_key} cannot be checked: {exc.message}") from None
        violations = name_violations(named, catalogue)
        if violations:
            raise InvalidArgument(violations)


def _saying(exc: TargetError, message: str) -> TargetError:
    """``exc`` (its kind and reason kept) with ``message`` instead of its own."""
    renamed = type(exc).__new__(type(exc))
    renamed.__dict__.update(exc.__dict__)
    renamed.message = message
    renamed.args = (message,)
    return renamed


__all__ = ["METADATA_KEY", "NAME_KEYS", "LidarrNameCheck", "fetch_catalogue", "name_violations"]
