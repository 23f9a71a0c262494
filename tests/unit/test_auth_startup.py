"""What a service logs about its key at start: the source and the file, never the key; a
warning for CMDARR_AUTH=off while something listens beyond loopback."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from common.auth.setup import resolve
from common.runtime.main import log_auth

LOG = logging.getLogger("test-startup")


def fields_of(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [getattr(r, "fields", {}) for r in caplog.records]


def test_the_location_is_logged_never_the_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    setup = resolve({"CMDARR_DATA_DIR": str(tmp_path), "CMDARR_AUTH": "required"})
    log_auth(LOG, setup)
    key = setup.ring.current()
    assert key is not None
    (fields,) = fields_of(caplog)
    assert fields == {
        "mode": "required",
        "required": True,
        "source": "generated",
        "path": str(tmp_path / "api-key"),
    }
    assert key not in caplog.text + repr(fields)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_off_beyond_loopback_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    environ = {
        "CMDARR_DATA_DIR": str(tmp_path),
        "CMDARR_AUTH": "off",
        "CMDARR_GATEWAY_HTTP_ADDR": "0.0.0.0:8080",
    }
    log_auth(LOG, resolve(environ))
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "CMDARR_AUTH=off" in warning.getMessage()
    assert "0.0.0.0:8080" in warning.getMessage()
    caplog.clear()
    log_auth(LOG, resolve({**environ, "CMDARR_GATEWAY_HTTP_ADDR": "127.0.0.1:8080"}))
    assert not [r for r in caplog.records if r.levelno == logging.WARNING], "loopback: no warning"
