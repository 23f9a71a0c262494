"""The protos are lint-clean (buf STANDARD) and gen/ is exactly what they produce."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUF = Path(sys.executable).parent / "buf"


def test_buf_lint_standard_is_clean() -> None:
    result = subprocess.run(
        [str(BUF), "lint", "protos"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_lint_catches_a_violation(tmp_path: Path) -> None:
    """The lint check can fail: a proto breaking a STANDARD rule is reported."""
    shutil.copy(ROOT / "protos" / "buf.yaml", tmp_path / "buf.yaml")
    bad = tmp_path / "cmdarr" / "bad" / "v1"
    bad.mkdir(parents=True)
    (bad / "bad.proto").write_text(
        'syntax = "proto3";\npackage cmdarr.bad.v1;\nenum Colour { RED = 0; }\n'
    )
    result = subprocess.run(
        [str(BUF), "lint", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "ENUM_ZERO_VALUE_SUFFIX" in result.stdout or "UNSPECIFIED" in result.stdout


def test_generated_code_matches_the_protos(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "protos" / "generate.py"), str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    built = sorted(
        p.relative_to(ROOT / "gen")
        for p in (ROOT / "gen").rglob("*")
        if p.is_file() and p.name != ".generated" and "__pycache__" not in p.parts
    )
    assert fresh == built
    differing = [
        str(p) for p in fresh if not filecmp.cmp(tmp_path / p, ROOT / "gen" / p, shallow=False)
    ]
    assert differing == []
