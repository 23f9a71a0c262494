"""The database's clock as epoch seconds, in SQL: leases are judged on one clock, the
database's, never on the replicas' own clocks."""

from __future__ import annotations

from sqlalchemy import Float, cast, func, literal_column
from sqlalchemy.sql.elements import ColumnElement

from common.database.engine import Database


def database_now(db: Database) -> ColumnElement[float]:
    """``now()`` of the database as epoch seconds (a float)."""
    if db.is_sqlite:
        return literal_column("((julianday('now') - 2440587.5) * 86400.0)", Float)
    return cast(func.extract("epoch", func.now()), Float)
