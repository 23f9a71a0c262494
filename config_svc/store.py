"""SQL access for config_svc: load the state, persist one write, read the change log."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from common.domain import Command, Origin
from common.matching.override_json import key_to_dict, override_from_dict
from common.matching.overrides import MatchOverride, SourceKey
from config_svc import tables
from config_svc.events import (
    Event,
    command_from_dict,
    command_to_dict,
    override_ident,
    server_from_dict,
    server_to_dict,
)
from config_svc.policy import Stored
from config_svc.server_spec import Server

OverrideId = tuple[str, SourceKey]  # (server, key)


@dataclass(frozen=True)
class Loaded:
    revision: int
    compact_revision: int
    stored: dict[str, Stored]
    commands: dict[str, Command]
    overrides: dict[OverrideId, MatchOverride]
    servers: dict[str, Server]


async def load(session: AsyncSession, *, lock: bool = False) -> Loaded:
    """Everything config_svc keeps, read in the caller's transaction.

    With ``lock``, the revision row is locked (FOR UPDATE) so that writers on a shared
    database commit one after another and revisions commit in order.
    """
    query = select(tables.meta.c.revision, tables.meta.c.compact_revision).where(
        tables.meta.c.id == 1
    )
    if lock:
        query = query.with_for_update()
    revision, compact = (await session.execute(query)).one()
    stored = {
        row.key: Stored(row.value, Origin(row.origin), row.mod_revision)
        for row in await session.execute(select(tables.settings))
    }
    commands = {
        row.name: command_from_dict(
            dict(row._mapping) | {"destinations": json.loads(row.destinations)}
        )
        for row in await session.execute(select(tables.commands))
    }
    overrides = {}
    for row in await session.execute(select(tables.match_overrides)):
        data = dict(row._mapping)
        data["key"] = json.loads(data.pop("source_key"))
        data["server"] = data.pop("target")  # the column holds the server's name
        data.pop("ident")
        override = override_from_dict(data)
        overrides[override.ident] = override
    servers = {}
    for row in await session.execute(select(tables.servers)):
        data = dict(row._mapping)
        data["library_names"] = json.loads(data["library_names"])
        data["token_set"] = bool(data["token"])
        servers[row.name] = server_from_dict(data)
    return Loaded(revision, compact, stored, commands, overrides, servers)


async def persist(
    session: AsyncSession,
    *,
    revision: int,
    settings: Mapping[str, Stored],
    commands: Mapping[str, Command | None],
    events: list[Event],
    overrides: Mapping[OverrideId, MatchOverride | None] | None = None,
    servers: Mapping[str, Server | None] | None = None,
) -> None:
    """Write one revision: changed settings, commands, overrides and servers (None
    deletes), its log entries and the new revision number, in the caller's transaction."""
    for key, value in settings.items():
        await session.execute(delete(tables.settings).where(tables.settings.c.key == key))
        await session.execute(
            insert(tables.settings).values(
                key=key,
                value=value.value,
                origin=value.origin.value,
                mod_revision=value.mod_revision,
            )
        )
    for name, command in commands.items():
        await session.execute(delete(tables.commands).where(tables.commands.c.name == name))
        if command is not None:
            row = command_to_dict(command)
            row["destinations"] = json.dumps(row["destinations"])
            await session.execute(insert(tables.commands).values(**row))
    for (server_name, source), override in (overrides or {}).items():
        ident = override_ident(server_name, source)
        table = tables.match_overrides
        await session.execute(delete(table).where(table.c.ident == ident))
        if override is not None:
            await session.execute(
                insert(table).values(
                    ident=ident,
                    target=server_name,
                    source_key=json.dumps(key_to_dict(source), sort_keys=True),
                    action=override.action.value,
                    item_id=override.item_id,
                    note=override.note,
                    author=override.author,
                    update_time=override.update_time,
                    create_revision=override.create_revision,
                    mod_revision=override.mod_revision,
                )
            )
    for name, server in (servers or {}).items():
        await session.execute(delete(tables.servers).where(tables.servers.c.name == name))
        if server is not None:
            row = server_to_dict(server)
            row.pop("token_set")
            row["library_names"] = json.dumps(row["library_names"])
            await session.execute(insert(tables.servers).values(**row))
    await session.execute(
        insert(tables.change_log),
        [{"revision": revision, "seq": seq, "event": e.to_json()} for seq, e in enumerate(events)],
    )
    await session.execute(
        update(tables.meta).where(tables.meta.c.id == 1).values(revision=revision)
    )


async def compact(session: AsyncSession, *, floor: int) -> None:
    """Delete the log up to and including ``floor`` and record it as the compaction floor."""
    await session.execute(delete(tables.change_log).where(tables.change_log.c.revision <= floor))
    await session.execute(
        update(tables.meta).where(tables.meta.c.id == 1).values(compact_revision=floor)
    )


async def read_log(
    session: AsyncSession, *, after: int, limit: int
) -> list[tuple[int, list[Event]]]:
    """Up to ``limit`` revisions after ``after``, oldest first, each with its events."""
    revisions = (
        select(tables.change_log.c.revision)
        .where(tables.change_log.c.revision > after)
        .group_by(tables.change_log.c.revision)
        .order_by(tables.change_log.c.revision)
        .limit(limit)
        .subquery()
    )
    rows = await session.execute(
        select(tables.change_log.c.revision, tables.change_log.c.event)
        .where(tables.change_log.c.revision.in_(select(revisions.c.revision)))
        .order_by(tables.change_log.c.revision, tables.change_log.c.seq)
    )
    out: list[tuple[int, list[Event]]] = []
    for revision, text in rows:
        if not out or out[-1][0] != revision:
            out.append((revision, []))
        out[-1][1].append(Event.from_json(text))
    return out


async def positions(session: AsyncSession) -> tuple[int, int]:
    """(current revision, compaction floor)."""
    row = (
        await session.execute(
            select(tables.meta.c.revision, tables.meta.c.compact_revision).where(
                tables.meta.c.id == 1
            )
        )
    ).one()
    return int(row[0]), int(row[1])
