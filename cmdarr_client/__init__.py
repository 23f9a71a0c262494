"""cmdarr_client: call the cmdarr services from Python.

``Client`` (blocking) and ``AsyncClient`` (asyncio) share one vocabulary: settings,
commands, warnings and their fixes, match overrides, servers, caches, syncs and the
gateway's status. Errors are the typed exceptions of ``cmdarr_client.errors``;
``watch_config()`` yields the events of ``cmdarr_client.events``. The generated protobuf
code ships with this package as the ``cmdarr`` namespace (``cmdarr.config.v1.config_pb2``
...).
"""

from cmdarr_client._version import VERSION
from cmdarr_client.aio import AsyncClient
from cmdarr_client.client import Client
from cmdarr_client.errors import (
    AlreadyExists,
    AuthenticationError,
    CacheBuildFailed,
    CmdarrError,
    Conflict,
    DeadlineExceeded,
    ErrorReason,
    FailedPrecondition,
    FieldViolation,
    InternalError,
    InvalidArgument,
    NotFound,
    RevisionCompacted,
    Unavailable,
    Unimplemented,
)
from cmdarr_client.events import ConfigChange, ConfigProgress, ConfigSnapshot, ConfigWatchEvent
from cmdarr_client.options import ClientOptions
from cmdarr_client.requests import CacheRef, Target, server_playlist
from cmdarr_client.retry import Retry
from cmdarr_client.text import describe_cache

__version__ = VERSION

__all__ = [
    "AlreadyExists",
    "AsyncClient",
    "AuthenticationError",
    "CacheBuildFailed",
    "CacheRef",
    "Client",
    "ClientOptions",
    "CmdarrError",
    "ConfigChange",
    "ConfigProgress",
    "ConfigSnapshot",
    "ConfigWatchEvent",
    "Conflict",
    "DeadlineExceeded",
    "ErrorReason",
    "FailedPrecondition",
    "FieldViolation",
    "InternalError",
    "InvalidArgument",
    "NotFound",
    "Retry",
    "RevisionCompacted",
    "Target",
    "Unavailable",
    "Unimplemented",
    "__version__",
    "describe_cache",
    "server_playlist",
]
