"""Latency and fault injection, and request counts by class: the emulators' test levers.

All state lives in one ``Knobs`` object per emulator instance, settable at start and over
``/__admin``.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from typing import Any

CLASSES = ("library_listing", "track_page", "search", "playlist_read", "playlist_write", "other")
# The emulated plex.tv counts its requests by what they ask for (emulators/plex_tv.py).
PLEX_TV_CLASSES = ("account", "users", "shared_servers", "switch", "resources", "other")
# The emulated Lidarr counts its requests by what they do (emulators/lidarr.py).
LIDARR_CLASSES = ("status", "listing", "lookup", "read", "write", "command", "other")
FAULT_KINDS = ("status", "rate_limit", "slow", "malformed", "short_page", "revoke_token")


@dataclass
class Fault:
    """A one-shot fault rule: skip ``skip`` matching requests, then hit the next ``count``.

    kind: ``status`` (answer ``status``), ``rate_limit`` (429 with Retry-After
    ``retry_after``), ``slow`` (wait ``seconds`` first), ``malformed`` (cut the body),
    ``short_page`` (drop items from a listing page but report the full total),
    ``revoke_token`` (the token stops working from then on). ``endpoint`` limits the rule
    to one request class.
    """

    kind: str
    count: int = 1
    skip: int = 0
    endpoint: str = ""
    status: int = 500
    retry_after: float = 1.0
    seconds: float = 5.0

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """``kind[:name=value,...]``, e.g. ``rate_limit:count=3,retry_after=2``, or JSON."""
        if spec.lstrip().startswith("{"):
            return cls.from_json(json.loads(spec))
        kind, _, rest = spec.partition(":")
        data: dict[str, Any] = {"kind": kind.strip()}
        for pair in filter(None, (p.strip() for p in rest.split(","))):
            name, _, value = pair.partition("=")
            data[name.strip()] = value.strip()
        for name in ("count", "skip", "status"):
            if name in data:
                data[name] = int(data[name])
        for name in ("retry_after", "seconds"):
            if name in data:
                data[name] = float(data[name])
        return cls.from_json(data)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        fault = cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; known: {', '.join(FAULT_KINDS)}")
        if fault.endpoint and fault.endpoint not in (*CLASSES, *PLEX_TV_CLASSES, *LIDARR_CLASSES):
            raise ValueError(f"unknown endpoint class {fault.endpoint!r}")
        return fault


@dataclass
class Knobs:
    latency_ms: float = 0.0
    search_latency_ms: float = 0.0
    error_rate: float = 0.0  # fraction of requests answered 500, drawn from a seeded RNG
    legacy_auth: bool = False  # Jellyfin: accept X-Emby-Token / api_key forms
    revoked: bool = False
    # The longest request target (path and query) served; longer ones get 414. 0 takes
    # the server's own limit (emulators/plex.py PLEX_MAX_URL; 8,192 elsewhere).
    max_url: int = 0
    # Plex: the version ``/`` and ``/identity`` report (real ones read like
    # "1.41.0.8992-8463ad060"); clients refuse servers older than they need.
    plex_version: str = "1.41.0.8992-emulated"
    max_page_size: int = 0  # > 0: listings serve at most this many items per page
    # Listing pages take this long more per item asked: a server that builds every item it
    # sends, which makes a large page outlast a client's timeout.
    item_ms: float = 0.0
    # The version /System/Info/Public reports; what a version lacks behaves as there.
    jellyfin_version: str = "10.11.11"
    # Plex: whether adding an item already in a playlist, or named twice in one request,
    # adds it again. Unverified: neither the API spec nor python-plexapi says, so tests try
    # both; the default keeps repeats.
    plex_drops_repeats: bool = False
    faults: list[Fault] = field(default_factory=list)
    classes: tuple[str, ...] = CLASSES  # the request classes counted (from zero)
    # Writes a read request made on the server (e.g. "artists_created"), by kind.
    side_effects: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0  # requests being served now (latency included)
    peak_in_flight: int = 0  # the most at once since the last reset: checks concurrency caps
    rand: random.Random = field(default_factory=lambda: random.Random(0))

    def __post_init__(self) -> None:
        self.counts = {**dict.fromkeys(self.classes, 0), **self.counts}

    def count(self, endpoint: str) -> None:
        self.counts[endpoint] = self.counts.get(endpoint, 0) + 1

    def side_effect(self, kind: str) -> None:
        self.side_effects[kind] = self.side_effects.get(kind, 0) + 1

    def reset_counts(self) -> dict[str, int]:
        before = dict(self.counts)
        self.counts = dict.fromkeys(self.classes, 0)
        self.peak_in_flight = self.in_flight
        return before

    def next_fault(self, endpoint: str) -> Fault | None:
        """The rule this request triggers, consuming it; ``error_rate`` applies after rules."""
        for fault in self.faults:
            if fault.endpoint and fault.endpoint != endpoint:
                continue
            if fault.skip > 0:
                fault.skip -= 1
                continue
            if fault.count > 0:
                fault.count -= 1
                return fault
        self.faults = [f for f in self.faults if f.count > 0]
        if self.error_rate > 0 and self.rand.random() < self.error_rate:
            return Fault(kind="status", status=500)
        return None

    def cap(self, size: int | None) -> int | None:
        """The page size a listing serves when ``size`` was asked (None = everything)."""
        if self.max_page_size <= 0:
            return size
        return self.max_page_size if size is None else min(size, self.max_page_size)

    def update(self, data: dict[str, Any]) -> None:
        for name in ("latency_ms", "search_latency_ms", "error_rate", "item_ms"):
            if name in data:
                setattr(self, name, float(data[name]))
        for name in ("max_url", "max_page_size"):
            if name in data:
                setattr(self, name, int(data[name]))
        for name in ("legacy_auth", "revoked", "plex_drops_repeats"):
            if name in data:
                setattr(self, name, bool(data[name]))
        if "jellyfin_version" in data:
            self.jellyfin_version = str(data["jellyfin_version"])
        if "plex_version" in data:
            self.plex_version = str(data["plex_version"])
        if "seed" in data:
            self.rand = random.Random(int(data["seed"]))

    def describe(self) -> dict[str, Any]:
        return {
            "latency_ms": self.latency_ms,
            "search_latency_ms": self.search_latency_ms,
            "error_rate": self.error_rate,
            "legacy_auth": self.legacy_auth,
            "revoked": self.revoked,
            "max_url": self.max_url,
            "plex_version": self.plex_version,
            "max_page_size": self.max_page_size,
            "item_ms": self.item_ms,
            "jellyfin_version": self.jellyfin_version,
            "side_effects": dict(self.side_effects),
            "plex_drops_repeats": self.plex_drops_repeats,
            "faults": [asdict(f) for f in self.faults],
            "counts": dict(self.counts),
            "in_flight": self.in_flight,
            "peak_in_flight": self.peak_in_flight,
        }
