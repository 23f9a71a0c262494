"""A configured server as sync_svc reaches it: config_svc's description of it, its token
revealed for this use, and the one way a client for it is opened (a run, a check, a
listing of its users differ only in the limits they connect with)."""

from __future__ import annotations

from dataclasses import dataclass, field

from common.domain import ServerKind
from common.targets.connect import Connection, Instrument, connect
from common.targets.settings import ClientSettings


@dataclass(frozen=True)
class ServerAccess:
    """A server as config_svc describes it, with its token revealed for this use."""

    name: str
    kind: ServerKind
    url: str
    token: str = field(repr=False)
    library_names: tuple[str, ...] = ()
    user_id: str = ""
    client_enabled: bool = True

    def connect(
        self, settings: ClientSettings, *, instrument: Instrument | None = None
    ) -> Connection:
        """A client for this server as its own token's account, limited by ``settings``."""
        return connect(
            self.kind,
            url=self.url,
            token=self.token,
            user_id=self.user_id,
            settings=settings,
            instrument=instrument,
        )
