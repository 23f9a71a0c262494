"""Which failures mean "the database is away", and how health follows the database."""

from __future__ import annotations

import asyncpg
import pytest
import sqlalchemy.exc

from common import errors
from common.database.engine import Database
from common.database.errors import database_unavailable, is_database_unavailable
from common.database.health import DatabaseHealth, ping


def _raised_by_asyncpg() -> OSError:
    try:
        exec(
            compile("raise ConnectionRefusedError(111, 'refused')", "<driver>", "exec"),
            {"__name__": "asyncpg.connect_utils"},
        )
    except OSError as exc:
        return exc
    raise AssertionError("not raised")


@pytest.mark.parametrize(
    "exc",
    [
        sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("server closed")),
        sqlalchemy.exc.InterfaceError("SELECT 1", {}, Exception("connection is closed")),
        sqlalchemy.exc.TimeoutError("QueuePool limit reached"),
        asyncpg.exceptions.ConnectionDoesNotExistError("gone"),
        asyncpg.exceptions.CannotConnectNowError("starting up"),
        asyncpg.exceptions.TooManyConnectionsError("too many"),
        _raised_by_asyncpg(),
    ],
)
def test_connection_failures_mean_the_database_is_unavailable(exc: BaseException) -> None:
    assert is_database_unavailable(exc)
    error = database_unavailable(exc)
    assert isinstance(error, errors.DatabaseUnavailable)
    assert error.reason is errors.ErrorReason.DATABASE_UNAVAILABLE


def test_a_wrapped_connection_failure_is_found_through_its_cause() -> None:
    outer = RuntimeError("while saving")
    outer.__cause__ = asyncpg.exceptions.ConnectionDoesNotExistError("gone")
    assert is_database_unavailable(outer)


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("a bug"),
        ConnectionRefusedError(111, "not from a database driver"),
        sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("duplicate key")),
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
    ],
)
def test_other_failures_are_not_database_outages(exc: BaseException) -> None:
    assert not is_database_unavailable(exc)
    assert database_unavailable(exc) is None


async def test_health_reports_each_change_of_verdict_once() -> None:
    answers = iter([True, False, False, True, True, False])
    reported: list[bool] = []

    async def check() -> bool:
        return next(answers)

    async def report(healthy: bool) -> None:
        reported.append(healthy)

    health = DatabaseHealth(check, report, interval=0.0)
    verdicts = [await health.check_once() for _ in range(6)]
    assert verdicts == [True, False, False, True, True, False]
    assert reported == [False, True, False]
    assert health.healthy is False


async def test_ping_answers_for_a_reachable_and_an_unreachable_database(tmp_path: object) -> None:
    reachable = Database(f"sqlite+aiosqlite:///{tmp_path}/ping.db")
    unreachable = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        assert await ping(reachable, 5.0)
        assert not await ping(unreachable, 5.0)
    finally:
        await reachable.close()
        await unreachable.close()
