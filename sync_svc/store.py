"""SQL access for sync_svc: run reports and managed playlist ids."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, TypeVar

from sqlalchemy import Delete, Select, delete, insert, select, update

from common.database.engine import Database
from common.domain import Destination, SourceKind, SyncMode, Target, destinations_of
from common.matching import MatchMethod
from sync_svc import tables
from sync_svc.runs import (
    Arrival,
    Candidate,
    DestinationResult,
    Outcome,
    Report,
    RunProgress,
    RunState,
    Spec,
    Track,
    Via,
)


def _encode(value: Any) -> Any:
    """A dataclass as the dict of its fields (the encoder goes on into them), an enum as
    its value: what ``dataclasses.asdict`` then ``json.dumps`` wrote, without the deep
    copy of every value asdict makes (a 500-track report is saved at each progress step)."""
    if isinstance(value, Target | SourceKind | SyncMode | RunState | Via | MatchMethod):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    raise TypeError(f"cannot encode {type(value).__name__}")


def report_to_json(report: Report) -> str:
    return json.dumps(report, default=_encode, ensure_ascii=False)


def _candidate(data: dict[str, Any] | None) -> Candidate | None:
    return Candidate(**data) if data else None


def _destination(data: dict[str, Any]) -> Destination:
    """A result's or outcome's destination; a report saved before destinations has the
    target, which is the built-in server of its name."""
    if "destination" in data:
        return Destination(**data["destination"])
    return Destination.of(Target(data["target"]))


def _result(data: dict[str, Any]) -> DestinationResult:
    fields = {k: v for k, v in data.items() if k not in ("target", "destination")}
    return DestinationResult(destination=_destination(data), **fields)


def report_from_json(text: str) -> Report:
    data = json.loads(text)
    spec = data["spec"]
    if "destinations" in spec:
        destinations = tuple(Destination(**d) for d in spec["destinations"])
    else:
        destinations = destinations_of(Target(t) for t in spec["targets"])
    return Report(
        run_id=data["run_id"],
        spec=Spec(
            playlist_title=spec["playlist_title"],
            destinations=destinations,
            tracks=tuple(
                Track(
                    **{
                        **t,
                        "artists": tuple(t["artists"]),
                        "artist_mbids": tuple(t.get("artist_mbids", ())),
                    }
                )
                for t in spec["tracks"]
            ),
            source_kind=SourceKind(spec["source_kind"]) if spec["source_kind"] else None,
            source_ref=spec["source_ref"],
            command_name=spec["command_name"],
            mode=SyncMode(spec.get("mode") or SyncMode.MIRROR.value),  # saved before modes
            sync_note=spec.get("sync_note", True),
        ),
        dry_run=data["dry_run"],
        progress=RunProgress(**{**data["progress"], "state": RunState(data["progress"]["state"])}),
        started_at=data["started_at"],
        finished_at=data["finished_at"],
        destinations=[_result(r) for r in data.get("destinations", data.get("targets", []))],
        outcomes=[
            Outcome(
                **{
                    **{k: v for k, v in o.items() if k != "target"},
                    "destination": _destination(o),
                    "via": Via(o["via"]),
                    "method": MatchMethod(o["method"]),
                    "match": _candidate(o["match"]),
                    "best": _candidate(o["best"]),
                }
            )
            for o in data["outcomes"]
        ],
        error=data["error"],
        trace_parent=data.get("trace_parent", ""),
        lidarr_arrivals=[Arrival(**a) for a in data.get("lidarr_arrivals", [])],
        lidarr_note=data.get("lidarr_note", ""),
        cover_key=data.get("cover_key", ""),  # saved before covers were kept: none
    )


def report_row(report: Report) -> dict[str, Any]:
    """The ``sync_runs`` columns a report sets (the claim columns are the queue's)."""
    return {
        "command_name": report.spec.command_name,
        "playlist_key": report.spec.managed_key,
        "state": report.progress.state.value,
        "dry_run": report.dry_run,
        "started_at": report.started_at,
        "finished_at": report.finished_at,
        "report": report_to_json(report),
    }


@dataclass(frozen=True)
class Managed:
    """A managed playlist at one destination as the last run left it: its id, the title
    written ("" when not known), and what its description and cover were made of
    (``sync_svc/looks.py``; "" when none was sent)."""

    playlist_id: str = ""
    title: str = ""
    description_key: str = ""
    cover_key: str = ""


NOT_MANAGED = Managed()


class SyncStore:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock  # the service's clock, which orders and times the runs

    async def save(self, report: Report) -> None:
        row = report_row(report)
        async with self._db.sessions() as session, session.begin():
            updated = await session.execute(
                update(tables.runs).where(tables.runs.c.run_id == report.run_id).values(**row)
            )
            if not updated.rowcount:  # type: ignore[attr-defined]
                await session.execute(insert(tables.runs).values(run_id=report.run_id, **row))

    async def load(self, run_id: str) -> Report | None:
        async with self._db.sessions() as session:
            text = (
                await session.execute(
                    select(tables.runs.c.report).where(tables.runs.c.run_id == run_id)
                )
            ).scalar()
        return report_from_json(text) if text else None

    async def recent(self, limit: int) -> list[Report]:
        async with self._db.sessions() as session:
            rows = await session.execute(
                select(tables.runs.c.report).order_by(tables.runs.c.started_at.desc()).limit(limit)
            )
            return [report_from_json(text) for (text,) in rows]

    async def mark_interrupted(self) -> int:
        """Runs a stopped process left queued or running are interrupted. Only for a
        database no other replica can share (SQLite): with replicas, a run is interrupted
        when its lease lapses (``RunQueue.take_over_lapsed``)."""
        interrupted = 0
        async with self._db.sessions() as session:
            rows = (
                await session.execute(
                    select(tables.runs.c.report).where(
                        tables.runs.c.state.in_(["queued", "running"])
                    )
                )
            ).all()
        for (text,) in rows:
            report = report_from_json(text)
            report.progress.state = RunState.INTERRUPTED
            report.progress.message = "interrupted: the sync service stopped during the run"
            report.error = report.progress.message
            report.finished_at = self._clock()
            await self.save(report)
            interrupted += 1
        return interrupted

    async def managed(self, key: str, where: Destination) -> Managed:
        """What an earlier run wrote of the playlist ``key`` at ``where`` (``NOT_MANAGED``
        if none)."""
        table = tables.managed
        async with self._db.sessions() as session:
            row = (
                await session.execute(
                    _managed(
                        select(
                            table.c.playlist_id,
                            table.c.title,
                            table.c.description_key,
                            table.c.cover_key,
                        ),
                        key,
                        where,
                    )
                )
            ).first()
        if row is None:
            return NOT_MANAGED
        return Managed(row.playlist_id, row.title, row.description_key, row.cover_key)

    async def managed_id(self, key: str, where: Destination) -> str:
        """The id of the playlist ``key`` an earlier run wrote at ``where`` ("" if none)."""
        return (await self.managed(key, where)).playlist_id

    async def remember(self, key: str, where: Destination, managed: Managed) -> None:
        async with self._db.sessions() as session, session.begin():
            await session.execute(_managed(delete(tables.managed), key, where))
            await session.execute(
                insert(tables.managed).values(
                    managed_key=key,
                    target=where.server,
                    destination_user=_user_key(where),
                    playlist_id=managed.playlist_id,
                    title=managed.title,
                    description_key=managed.description_key,
                    cover_key=managed.cover_key,
                )
            )


def _user_key(where: Destination) -> str:
    """Users are matched without case: "Alice" and "alice" own one playlist."""
    return where.user.strip().casefold()


Statement = TypeVar("Statement", Select[Any], Delete)


def _managed(statement: Statement, key: str, where: Destination) -> Statement:
    return statement.where(
        tables.managed.c.managed_key == key,
        tables.managed.c.target == where.server,
        tables.managed.c.destination_user == _user_key(where),
    )
