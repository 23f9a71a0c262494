"""Capturing what a service logs at DEBUG, as ``LOG_LEVEL=DEBUG`` would."""

from __future__ import annotations

import logging

import pytest

from common.runtime.logs import LIBRARY_LEVELS


def capture_debug(caplog: pytest.LogCaptureFixture) -> None:
    """Every record at DEBUG, the libraries held to the levels the services hold them to
    (LIBRARY_LEVELS), so that a test reads what a service's log would carry."""
    caplog.set_level(logging.DEBUG)
    for name, level in LIBRARY_LEVELS.items():
        caplog.set_level(level, logger=name)
