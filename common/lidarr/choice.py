"""Which root folder and profiles a hand-off uses: the names the settings give, checked
against what Lidarr has (pure). An unknown name is a problem naming the setting and
listing the names Lidarr has; an empty setting takes Lidarr's own default: its only root
folder, and that root folder's default profiles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from common.lidarr.model import Catalogue, Profile, RootFolder

ROOT_FOLDER_KEY = "LIDARR_ROOT_FOLDER"
QUALITY_KEY = "LIDARR_QUALITY_PROFILE"
METADATA_KEY = "LIDARR_METADATA_PROFILE"
NAME_KEYS = (ROOT_FOLDER_KEY, QUALITY_KEY, METADATA_KEY)


@dataclass(frozen=True)
class NameProblem:
    """A setting whose value Lidarr does not have (or cannot default)."""

    key: str
    message: str


@dataclass(frozen=True)
class Choice:
    root_folder: RootFolder
    quality: Profile
    metadata: Profile


def _listed(names: Sequence[str]) -> str:
    return ", ".join(repr(n) for n in names) if names else "none"


def root_folder(name: str, folders: Sequence[RootFolder]) -> RootFolder | NameProblem:
    """By name or path (a trailing slash and case ignored); empty: the only one."""
    if not name:
        if len(folders) == 1:
            return folders[0]
        return NameProblem(
            ROOT_FOLDER_KEY,
            f"{ROOT_FOLDER_KEY} is not set and Lidarr has {len(folders)} root folders: "
            f"set it to one of {_listed([f.name or f.path for f in folders])}",
        )
    wanted = name.rstrip("/").casefold()
    for folder in folders:
        if wanted in (folder.name.casefold(), folder.path.rstrip("/").casefold()):
            return folder
    shown = [f"{f.name} ({f.path})" if f.name else f.path for f in folders]
    return NameProblem(
        ROOT_FOLDER_KEY,
        f"{ROOT_FOLDER_KEY}: Lidarr has no root folder {name!r}; it has {_listed(shown)}",
    )


def profile(
    key: str, name: str, default_id: int, profiles: Sequence[Profile]
) -> Profile | NameProblem:
    """By name (case ignored); empty: the root folder's default."""
    kind = "quality" if key == QUALITY_KEY else "metadata"
    if not name:
        found = next((p for p in profiles if p.id == default_id), None)
        if found is not None:
            return found
        return NameProblem(
            key,
            f"{key} is not set and Lidarr names no default {kind} profile: set it to one "
            f"of {_listed([p.name for p in profiles])}",
        )
    for candidate in profiles:
        if candidate.name.casefold() == name.casefold():
            return candidate
    return NameProblem(
        key,
        f"{key}: Lidarr has no {kind} profile {name!r}; it has "
        f"{_listed([p.name for p in profiles])}",
    )


def choose(
    catalogue: Catalogue, *, root_folder_name: str, quality_name: str, metadata_name: str
) -> Choice | list[NameProblem]:
    """The root folder and profiles the settings name, or every problem with them."""
    folder = root_folder(root_folder_name, catalogue.root_folders)
    if isinstance(folder, NameProblem):
        # An empty profile's default is the folder's: only named profiles can be judged.
        named = [
            profile(key, name, 0, profiles)
            for key, name, profiles in (
                (QUALITY_KEY, quality_name, catalogue.quality_profiles),
                (METADATA_KEY, metadata_name, catalogue.metadata_profiles),
            )
            if name
        ]
        return [folder, *(p for p in named if isinstance(p, NameProblem))]
    quality = profile(
        QUALITY_KEY, quality_name, folder.default_quality_profile_id, catalogue.quality_profiles
    )
    metadata = profile(
        METADATA_KEY, metadata_name, folder.default_metadata_profile_id, catalogue.metadata_profiles
    )
    problems = [p for p in (quality, metadata) if isinstance(p, NameProblem)]
    if problems:
        return problems
    assert isinstance(quality, Profile)
    assert isinstance(metadata, Profile)
    return Choice(folder, quality, metadata)
