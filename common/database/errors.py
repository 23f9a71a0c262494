"""Which failures mean "the database is away" rather than a bug.

A call that hits one answers UNAVAILABLE with reason DATABASE_UNAVAILABLE (mapped in
common/runtime/interceptors.py), so callers retry instead of reading INTERNAL; the service itself
keeps running and recovers when the database returns (the engine pings pooled
connections before use, see common/database/engine.py).
"""

from __future__ import annotations

import asyncpg
import sqlalchemy.exc

from common import errors

# Errors that always mean the connection or the server is unusable.
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,  # no pooled connection in time
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up
    asyncpg.exceptions.InsufficientResourcesError,  # too many connections, disk full
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
)
# Errors that mean it when the database driver raised them (a refused or timed-out connect).
_NETWORK_ERRORS: tuple[type[BaseException], ...] = (OSError, TimeoutError)
_DRIVERS = ("sqlalchemy", "asyncpg", "aiosqlite")


def _raised_by_driver(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        if module.split(".")[0] in _DRIVERS:
            return True
        tb = tb.tb_next
    return False


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def is_database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) says the database cannot be reached or used."""
    for link in _chain(exc):
        if isinstance(link, sqlalchemy.exc.DBAPIError) and link.connection_invalidated:
            return True
        if isinstance(link, _CONNECTION_ERRORS):
            return True
        if isinstance(link, _NETWORK_ERRORS) and _raised_by_driver(link):
            return True
    return False


def database_unavailable(exc: BaseException) -> errors.DatabaseUnavailable | None:
    """The domain error for a failure that means the database is away, else None."""
    if not is_database_unavailable(exc):
        return None
    return errors.DatabaseUnavailable(
        f"the database is unavailable ({type(exc).__name__}); retry shortly"
    )
