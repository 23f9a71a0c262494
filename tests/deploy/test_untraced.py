"""A test marked no_cover runs without coverage's tracer in its thread, in a pytest-xdist
worker too (tests/conftest.py pytest_runtest_call): pytest-cov's marker alone left the
stopped tracer installed there, tracing every line of the tests it was meant to spare."""

from __future__ import annotations

import sys

import pytest


@pytest.mark.no_cover
def test_a_no_cover_test_runs_untraced() -> None:
    assert sys.gettrace() is None
