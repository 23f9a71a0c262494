"""Running a piece of a test without coverage's tracer."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import coverage


@contextmanager
def untraced() -> Iterator[None]:
    """Coverage paused, in this thread and in every thread started meanwhile.

    pytest-cov's no_cover marker does this around a test's call in one process, but in a
    pytest-xdist worker it leaves the worker's coverage running: the marked tests went on
    being traced, their threads too (the executor threads that run matching, aiosqlite's),
    at about twice the CPU. Stopping the current Coverage clears the tracer that threads
    inherit; the one already in this thread is removed at once rather than at its next
    event. Starting it again afterwards installs a new one."""
    current = coverage.Coverage.current()
    if current is None:
        yield
        return
    current.stop()
    sys.settrace(None)
    try:
        yield
    finally:
        current.start()
