"""The covers runs read, kept once per distinct image so that the status page can show a
run's cover (GetCover) without the source's URL or a server's token."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from common.database.engine import Database
from common.errors import CoverNotFound, FieldViolation, check
from sync_svc import tables
from sync_svc.cover import Cover

KEY = re.compile(r"[0-9a-f]{64}")


class CoverStore:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def keep(self, cover: Cover) -> str:
        """Keep ``cover`` (once: a key names the same bytes for ever); its key."""
        key = cover.key
        try:
            async with self._db.sessions() as session, session.begin():
                found = await session.execute(
                    select(tables.covers.c.cover_key).where(tables.covers.c.cover_key == key)
                )
                if found.first() is None:
                    await session.execute(
                        insert(tables.covers).values(
                            cover_key=key,
                            content_type=cover.content_type,
                            image=cover.image,
                            stored_at=self._clock(),
                        )
                    )
        except IntegrityError:
            pass  # another replica kept the same image meanwhile
        return key

    async def get(self, key: str) -> Cover:
        """The cover ``key`` names; InvalidArgument for a malformed key, CoverNotFound."""
        check([] if KEY.fullmatch(key) else [FieldViolation("key", "must be 64 hex digits")])
        async with self._db.sessions() as session:
            row = (
                await session.execute(
                    select(tables.covers.c.image, tables.covers.c.content_type).where(
                        tables.covers.c.cover_key == key
                    )
                )
            ).first()
        if row is None:
            raise CoverNotFound(key)
        return Cover(bytes(row.image), row.content_type)
