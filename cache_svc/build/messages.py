"""What cache_svc and its build worker say to each other through the pipes: one frozen
dataclass per message, encoded and decoded here alone, so both sides agree on every field
and its type, and a malformed message is refused naming its kind and field.

A message travels as a frame (``frames.py``) whose kind says which message it is, with a
JSON object as the payload. Errors name fields, never values: a request carries the token.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from cache_svc.build.frames import Frame, pack
from cache_svc.build.progress import BuildProgress, Phase
from cache_svc.costs import StepCost, costs_from_json, costs_to_json
from common.domain import ServerKind

_Choice = TypeVar("_Choice", ServerKind, Phase)


class MalformedMessage(ValueError):
    """A frame whose payload is not the message its kind names."""


@dataclass(frozen=True)
class WorkerRequest:
    """To the worker: what to build, how to reach the server, and the build's folder (for
    a refresh, the previous image is in it)."""

    server: str  # its name
    label: str  # how messages for people name it
    kind: ServerKind
    url: str
    url_name: str  # what sets the URL, for the error when it is empty
    user_id: str  # the Jellyfin user; "" for Plex
    settings: Mapping[str, str]  # the stored string form of the settings (request limits)
    token: str = field(repr=False)  # a secret: kept out of reprs, and so of tracebacks
    library_names: tuple[str, ...]
    refresh: bool
    since: int
    memory_limit_bytes: int
    full: bool
    started_at: float
    folder: Path
    trace: Mapping[str, str] = field(default_factory=dict)  # W3C trace-context headers


@dataclass(frozen=True)
class WorkerProgress:
    """From the worker: how far its build got."""

    phase: Phase
    pages_done: int
    pages_total: int
    tracks_done: int
    tracks_total: int

    @classmethod
    def of(cls, progress: BuildProgress) -> WorkerProgress:
        return cls(
            progress.phase,
            progress.pages_done,
            progress.pages_total,
            progress.tracks_done,
            progress.tracks_total,
        )

    def copy_to(self, progress: BuildProgress) -> None:
        """Show the worker's progress in cache_svc's own ``progress``."""
        progress.phase = self.phase
        progress.pages_done, progress.pages_total = self.pages_done, self.pages_total
        progress.tracks_done, progress.tracks_total = self.tracks_done, self.tracks_total


@dataclass(frozen=True)
class WorkerDone:
    """From the worker: what it built (the image is in the build's folder)."""

    libraries: tuple[str, ...]
    changes_since: int
    timings: Mapping[str, float]
    costs: tuple[StepCost, ...]
    requests: int


@dataclass(frozen=True)
class WorkerFailed:
    """From the worker: why the build failed, for people, and the requests it sent."""

    message: str
    requests: int


WorkerMessage = WorkerRequest | WorkerProgress | WorkerDone | WorkerFailed


def to_frame(message: WorkerMessage) -> bytes:
    """The frame that carries ``message``."""
    match message:
        case WorkerRequest():
            kind, data = Frame.REQUEST, _request_fields(message)
        case WorkerProgress():
            kind, data = Frame.PROGRESS, _progress_fields(message)
        case WorkerDone():
            kind, data = Frame.DONE, _done_fields(message)
        case WorkerFailed():
            kind, data = Frame.FAILED, {"message": message.message, "requests": message.requests}
    return pack(kind, json.dumps(data).encode())


def from_frame(kind: Frame, payload: bytes) -> WorkerMessage:
    """The message a frame carries; MalformedMessage when the payload is not that message."""
    try:
        data = json.loads(payload)
    except ValueError:
        raise MalformedMessage(f"the {kind.name} message is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedMessage(f"the {kind.name} message is not a JSON object")
    fields = _Fields(kind, data)
    match kind:
        case Frame.REQUEST:
            return _request(fields)
        case Frame.PROGRESS:
            return _progress(fields)
        case Frame.DONE:
            return _done(fields)
        case Frame.FAILED:
            return WorkerFailed(fields.text("message"), fields.integer("requests"))


def _request_fields(request: WorkerRequest) -> dict[str, Any]:
    return {
        "server": request.server,
        "label": request.label,
        "kind": request.kind.value,
        "url": request.url,
        "url_name": request.url_name,
        "user_id": request.user_id,
        "settings": dict(request.settings),
        "token": request.token,
        "library_names": list(request.library_names),
        "refresh": request.refresh,
        "since": request.since,
        "memory_limit_bytes": request.memory_limit_bytes,
        "full": request.full,
        "started_at": request.started_at,
        "folder": str(request.folder),
        "trace": dict(request.trace),
    }


def _request(fields: _Fields) -> WorkerRequest:
    return WorkerRequest(
        server=fields.text("server"),
        label=fields.text("label"),
        kind=fields.choice("kind", ServerKind),
        url=fields.text("url"),
        url_name=fields.text("url_name"),
        user_id=fields.text("user_id"),
        settings=fields.texts_by_name("settings"),
        token=fields.text("token"),
        library_names=fields.texts("library_names"),
        refresh=fields.flag("refresh"),
        since=fields.integer("since"),
        memory_limit_bytes=fields.integer("memory_limit_bytes"),
        full=fields.flag("full"),
        started_at=fields.number("started_at"),
        folder=Path(fields.text("folder")),
        trace=fields.texts_by_name("trace", missing={}),
    )


def _progress_fields(progress: WorkerProgress) -> dict[str, Any]:
    return {
        "phase": progress.phase.value,
        "pages_done": progress.pages_done,
        "pages_total": progress.pages_total,
        "tracks_done": progress.tracks_done,
        "tracks_total": progress.tracks_total,
    }


def _progress(fields: _Fields) -> WorkerProgress:
    return WorkerProgress(
        phase=fields.choice("phase", Phase),
        pages_done=fields.integer("pages_done"),
        pages_total=fields.integer("pages_total"),
        tracks_done=fields.integer("tracks_done"),
        tracks_total=fields.integer("tracks_total"),
    )


def _done_fields(done: WorkerDone) -> dict[str, Any]:
    return {
        "libraries": list(done.libraries),
        "changes_since": done.changes_since,
        "timings": dict(done.timings),
        "costs": costs_to_json(done.costs),
        "requests": done.requests,
    }


def _done(fields: _Fields) -> WorkerDone:
    try:
        costs = costs_from_json(fields.text("costs"))
    except (ValueError, KeyError, TypeError):
        raise fields.malformed("costs", "is not a list of step costs") from None
    return WorkerDone(
        libraries=fields.texts("libraries"),
        changes_since=fields.integer("changes_since"),
        timings=fields.numbers_by_name("timings"),
        costs=costs,
        requests=fields.integer("requests"),
    )


class _Fields:
    """One message's JSON object, read field by field as the types the message holds."""

    def __init__(self, kind: Frame, data: dict[str, Any]) -> None:
        self._kind = kind
        self._data = data

    def malformed(self, name: str, why: str) -> MalformedMessage:
        return MalformedMessage(f"the {self._kind.name} message's field {name!r} {why}")

    def _get(self, name: str, check: Callable[[Any], bool], wanted: str) -> Any:
        if name not in self._data:
            raise self.malformed(name, "is missing")
        value = self._data[name]
        if not check(value):
            raise self.malformed(name, f"is not {wanted}")
        return value

    def text(self, name: str) -> str:
        return str(self._get(name, _is_text, "a string"))

    def integer(self, name: str) -> int:
        return int(self._get(name, _is_integer, "an integer"))

    def number(self, name: str) -> float:
        return float(self._get(name, _is_number, "a number"))

    def flag(self, name: str) -> bool:
        return bool(self._get(name, lambda v: isinstance(v, bool), "true or false"))

    def texts(self, name: str) -> tuple[str, ...]:
        wanted = "a list of strings"
        return tuple(self._get(name, lambda v: _list_of(v, _is_text), wanted))

    def texts_by_name(self, name: str, missing: dict[str, str] | None = None) -> dict[str, str]:
        if missing is not None and name not in self._data:
            return missing
        wanted = "an object of strings"
        return dict(self._get(name, lambda v: _object_of(v, _is_text), wanted))

    def numbers_by_name(self, name: str) -> dict[str, float]:
        found = self._get(name, lambda v: _object_of(v, _is_number), "an object of numbers")
        return {key: float(value) for key, value in found.items()}

    def choice(self, name: str, kind: type[_Choice]) -> _Choice:
        value = self.text(name)
        try:
            return kind(value)
        except ValueError:
            raise self.malformed(name, f"is not a {kind.__name__}") from None


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _list_of(value: Any, item: Callable[[Any], bool]) -> bool:
    return isinstance(value, list) and all(item(i) for i in value)


def _object_of(value: Any, item: Callable[[Any], bool]) -> bool:
    return isinstance(value, dict) and all(item(v) for v in value.values())
