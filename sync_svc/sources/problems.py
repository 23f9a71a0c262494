"""How sources report bad input: one place that builds the domain errors.

Content that cannot be read is the caller's input (``InvalidArgument``, field ``source``
or a path inside the document); a remote answer of the wrong shape is a
``ShapeError`` that the remote source turns into ``FailedPrecondition`` with its name.
"""

from __future__ import annotations

from common.errors import FieldViolation, InvalidArgument

SOURCE = "source"
SOURCE_REF = "source.ref"


class ShapeError(Exception):
    """A JSON document lacks a field or has one of the wrong type: ``path``: ``problem``."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem

    def as_invalid(self) -> InvalidArgument:
        return InvalidArgument([FieldViolation(self.path, self.problem)])


def invalid(description: str, field: str = SOURCE) -> InvalidArgument:
    return InvalidArgument([FieldViolation(field, description)])


def at_line(line: int, description: str) -> InvalidArgument:
    return invalid(f"line {line}: {description}")


def check_count(count: int, max_tracks: int) -> None:
    """Refuse a playlist once it holds more than ``max_tracks`` entries."""
    if count > max_tracks:
        raise invalid(f"the playlist has more than {max_tracks} tracks, the limit")


def check_size(size: int, max_bytes: int, what: str) -> None:
    if size > max_bytes:
        raise invalid(f"{what} is over the limit of {max_bytes} bytes")
