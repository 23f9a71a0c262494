"""cmdarr auth show-path and cmdarr auth rotate, on the key file itself."""

from __future__ import annotations

import stat
from pathlib import Path

from common.auth.store import create_once, read_key
from tests.support.command_line import cmdarr


async def test_show_path_names_the_file_in_the_data_directory(tmp_path: Path) -> None:
    environ = {"CMDARR_DATA_DIR": str(tmp_path)}
    shown = await cmdarr("auth", "show-path", environ=environ)
    assert shown.code == 0
    assert shown.out.strip() == str(tmp_path / "api-key")
    assert "does not exist yet" in shown.err
    create_once(tmp_path / "api-key")
    shown = await cmdarr("auth", "show-path", "--json", environ=environ)
    assert shown.json() == {"path": str(tmp_path / "api-key"), "exists": True, "from_env": False}
    named = await cmdarr("auth", "show-path", environ={"CMDARR_API_KEY_FILE": "/run/k/api-key"})
    assert named.out.strip() == "/run/k/api-key"


async def test_rotate_replaces_the_key_without_printing_it(tmp_path: Path) -> None:
    environ = {"CMDARR_DATA_DIR": str(tmp_path)}
    path = tmp_path / "api-key"
    old, _ = create_once(path)
    rotated = await cmdarr("auth", "rotate", environ=environ)
    assert rotated.code == 0, rotated.err
    new = read_key(path)
    assert new is not None
    assert new != old
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert str(path) in rotated.out
    assert new not in rotated.out + rotated.err
    assert old not in rotated.out + rotated.err


async def test_rotate_refuses_a_key_from_the_environment(tmp_path: Path) -> None:
    environ = {"CMDARR_DATA_DIR": str(tmp_path), "CMDARR_API_KEY": "env-key-1234"}
    rotated = await cmdarr("auth", "rotate", environ=environ)
    assert rotated.code == 2
    assert "CMDARR_API_KEY" in rotated.err
    assert "env-key-1234" not in rotated.err
    assert not (tmp_path / "api-key").exists()


async def test_rotate_says_why_it_cannot_write(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    environ = {"CMDARR_API_KEY_FILE": str(blocker / "api-key")}
    rotated = await cmdarr("auth", "rotate", environ=environ)
    assert rotated.code == 2
    assert "cannot replace the key" in rotated.err
    assert "update the Secret" in rotated.err
