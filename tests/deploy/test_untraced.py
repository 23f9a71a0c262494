"""A test marked no_cover runs without coverage's tracer, in a pytest-xdist worker too
(tests/conftest.py pytest_runtest_call): pytest-cov's marker alone left the worker's
coverage running there, tracing every line of the tests it was meant to spare and of the
threads they start."""

from __future__ import annotations

import sys
import threading
from typing import Any

import pytest


def trace_in_a_new_thread() -> Any:
    seen: list[Any] = []
    thread = threading.Thread(target=lambda: seen.append(sys.gettrace()))
    thread.start()
    thread.join()
    return seen[0]


@pytest.mark.no_cover
def test_a_no_cover_test_runs_untraced_and_so_do_its_threads() -> None:
    assert sys.gettrace() is None
    assert threading.gettrace() is None
    assert trace_in_a_new_thread() is None


def test_other_tests_are_traced_when_coverage_runs(request: pytest.FixtureRequest) -> None:
    """The check above could pass by accident if nothing were ever traced."""
    if request.config.pluginmanager.getplugin("_cov") is None or request.config.option.no_cov:
        pytest.skip("coverage is off in this run")
    assert sys.gettrace() is not None
    assert trace_in_a_new_thread() is not None
