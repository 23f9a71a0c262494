"""The build worker's pipe messages: every kind comes back from its frame as it was sent, and
a payload that is not the message its kind names is refused, naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cache_svc.build.frames import Frame, pack
from cache_svc.build.messages import (
    MalformedMessage,
    WorkerDone,
    WorkerFailed,
    WorkerMessage,
    WorkerProgress,
    WorkerRequest,
    from_frame,
    to_frame,
)
from cache_svc.build.progress import BuildProgress, Phase
from cache_svc.costs import StepCost
from common.domain import ServerKind

HEADER = 5  # the kind byte and the length
TOKEN = "message-test-token-0123456789"

REQUEST = WorkerRequest(
    server="loft",
    label="Jellyfin server 'loft'",
    kind=ServerKind.JELLYFIN,
    url="http://jellyfin:8096",
    url_name="the url of server 'loft'",
    user_id="0123456789abcdef0123456789abcdef",
    settings={"TARGET_MAX_CONCURRENCY": "2"},
    token=TOKEN,
    library_names=("Music", "Audiobooks"),
    refresh=True,
    since=1_700_000_000,
    memory_limit_bytes=2**30,
    full=False,
    started_at=1_700_000_123.5,
    folder=Path("/tmp/cmdarr-build-x"),
    trace={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
)
MESSAGES: list[WorkerMessage] = [
    REQUEST,
    WorkerProgress(Phase.FETCHING_TRACKS, 3, 7, 1500, 3400),
    WorkerDone(
        libraries=("Music",),
        changes_since=1_700_000_000,
        timings={"listing": 1.25, "indexing": 0.5},
        costs=(StepCost("libraries", 1, 420, 0.01), StepCost("listing", 7, 90_000, 1.2)),
        requests=8,
    ),
    WorkerFailed("HTTP 401 from the target: check the token", 1),
]


def _frame_of(frame: bytes) -> tuple[Frame, bytes]:
    return Frame(frame[0]), frame[HEADER:]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_every_message_comes_back_as_it_was_sent(message: WorkerMessage) -> None:
    assert from_frame(*_frame_of(to_frame(message))) == message


def test_each_message_travels_in_the_frame_of_its_kind() -> None:
    kinds = [_frame_of(to_frame(m))[0] for m in MESSAGES]
    assert kinds == [Frame.REQUEST, Frame.PROGRESS, Frame.DONE, Frame.FAILED]


def test_a_request_without_a_trace_joins_none() -> None:
    payload = json.loads(_frame_of(to_frame(REQUEST))[1])
    del payload["trace"]
    decoded = from_frame(Frame.REQUEST, json.dumps(payload).encode())
    assert isinstance(decoded, WorkerRequest)
    assert decoded.trace == {}


def test_progress_carries_what_the_status_shows() -> None:
    worker = BuildProgress(full=True, started_at=5.0, phase=Phase.INDEXING)
    worker.pages_done, worker.pages_total, worker.tracks_done, worker.tracks_total = 4, 4, 9, 9
    here = BuildProgress(full=True, started_at=5.0)
    WorkerProgress.of(worker).copy_to(here)
    assert (here.phase, here.pages_done, here.pages_total) == (Phase.INDEXING, 4, 4)
    assert (here.tracks_done, here.tracks_total) == (9, 9)


def test_the_token_stays_out_of_a_requests_repr() -> None:
    assert TOKEN not in repr(REQUEST)


def _request_with(**changes: object) -> bytes:
    payload = json.loads(_frame_of(to_frame(REQUEST))[1])
    payload.update(changes)
    return json.dumps({k: v for k, v in payload.items() if v is not ...}).encode()


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (_request_with(since=...), "the REQUEST message's field 'since' is missing"),
        (_request_with(since="12"), "the REQUEST message's field 'since' is not an integer"),
        (_request_with(refresh=1), "the REQUEST message's field 'refresh' is not true or false"),
        (_request_with(kind="tidal"), "the REQUEST message's field 'kind' is not a ServerKind"),
        (_request_with(server=...), "the REQUEST message's field 'server' is missing"),
        (
            _request_with(settings={"PLEX_URL": 3}),
            "the REQUEST message's field 'settings' is not an object of strings",
        ),
        (b"{not json", "the REQUEST message is not JSON"),
        (b"[1, 2]", "the REQUEST message is not a JSON object"),
    ],
)
def test_a_malformed_request_is_refused_naming_the_field(payload: bytes, error: str) -> None:
    with pytest.raises(MalformedMessage) as refused:
        from_frame(Frame.REQUEST, payload)
    assert str(refused.value) == error
    assert TOKEN not in str(refused.value)


def test_malformed_answers_are_refused_naming_the_field() -> None:
    with pytest.raises(MalformedMessage, match="PROGRESS message's field 'phase' is not a Phase"):
        from_frame(Frame.PROGRESS, b'{"phase": "resting"}')
    with pytest.raises(MalformedMessage, match="DONE message's field 'costs' is not a list"):
        from_frame(
            Frame.DONE,
            json.dumps(
                {
                    "libraries": [],
                    "changes_since": 0,
                    "timings": {},
                    "costs": '{"step": 1}',
                    "requests": 0,
                }
            ).encode(),
        )
    with pytest.raises(MalformedMessage, match="FAILED message's field 'requests' is missing"):
        from_frame(Frame.FAILED, pack(Frame.FAILED, b'{"message": "x"}')[HEADER:])
