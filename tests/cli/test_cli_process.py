"""The installed console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.ports import free_port

SCRIPT = Path(sys.executable).parent / "cmdarr"


def test_the_console_script_helps_and_reports_an_unreachable_service() -> None:
    shown = subprocess.run(
        [str(SCRIPT), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert shown.returncode == 0
    assert "sync" in shown.stdout
    assert "cache" in shown.stdout

    port = free_port()
    failed = subprocess.run(
        [str(SCRIPT), "--config", f"127.0.0.1:{port}", "config", "get"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert failed.returncode == 3
    assert f"cannot reach config_svc at 127.0.0.1:{port}" in failed.stderr
    assert "Traceback" not in failed.stderr
