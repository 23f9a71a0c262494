"""What ``watch_config()`` yields: a snapshot, the changes of one revision, or progress."""

from __future__ import annotations

from dataclasses import dataclass

from cmdarr.config.v1 import config_pb2 as pb


@dataclass(frozen=True)
class ConfigSnapshot:
    """The whole configuration as of ``revision``. Comes first when a watch starts from
    nothing, and again when the revision it would resume from was compacted away
    (``compacted`` is then True): replace everything you derived from earlier events."""

    revision: int
    settings: tuple[pb.Setting, ...]
    commands: tuple[pb.Command, ...]
    match_overrides: tuple[pb.MatchOverride, ...]
    compacted: bool = False


@dataclass(frozen=True)
class ConfigChange:
    """Every change the transaction at ``revision`` made, in order. Each revision is yielded
    once, whatever the reconnects."""

    revision: int
    events: tuple[pb.ConfigEvent, ...]


@dataclass(frozen=True)
class ConfigProgress:
    """Nothing changed; ``revision`` is the service's current revision (yielded only when
    the watch was asked for progress)."""

    revision: int


ConfigWatchEvent = ConfigSnapshot | ConfigChange | ConfigProgress
