"""The key file and the start-up resolution: generated once, owner-only, agreed on by
replicas starting together, never generated for a file the operator names."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest

from common.auth.keys import KeyRing
from common.auth.policy import AuthConfigError
from common.auth.setup import resolve
from common.auth.store import KeyFileError, create_once, key_path, read_key, replace_key
from common.auth.watch import KeyWatcher
from tests.support.waiting import eventually


def test_the_key_file_is_created_once_and_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "api-key"
    key, created = create_once(path)
    assert created
    assert len(key) >= 43
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again, created_again = create_once(path)
    assert (again, created_again) == (key, False)
    assert [p.name for p in path.parent.iterdir()] == ["api-key"], "no staging file left"


async def test_replicas_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "api-key"
    results = await asyncio.gather(*(asyncio.to_thread(create_once, path) for _ in range(16)))
    assert len({key for key, _ in results}) == 1
    assert sum(created for _, created in results) == 1


def test_rotation_replaces_the_key_atomically(tmp_path: Path) -> None:
    path = tmp_path / "api-key"
    key, _ = create_once(path)
    replace_key(path)
    assert read_key(path) not in (None, key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_empty_key_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "api-key"
    path.write_text("\n")
    with pytest.raises(KeyFileError, match="empty"):
        read_key(path)


def test_the_key_path(tmp_path: Path) -> None:
    assert key_path({"CMDARR_DATA_DIR": str(tmp_path)}) == (tmp_path / "api-key", False)
    assert key_path({"CMDARR_API_KEY_FILE": "/run/k"}) == (Path("/run/k"), True)


def test_loopback_stays_keyless_and_generates_nothing(tmp_path: Path) -> None:
    setup = resolve({"CMDARR_DATA_DIR": str(tmp_path)})
    assert not setup.ring.required
    assert setup.source == "none"
    assert not (tmp_path / "api-key").exists()


def test_a_required_key_is_generated_and_then_reused(tmp_path: Path) -> None:
    environ = {"CMDARR_DATA_DIR": str(tmp_path), "CMDARR_AUTH": "required"}
    first = resolve(environ)
    assert first.source == "generated"
    assert first.path == tmp_path / "api-key"
    second = resolve({**environ, "CMDARR_AUTH": "auto"})
    assert second.source == "file", "a key once made is used even on loopback"
    assert second.ring.current() == first.ring.current()


def test_beyond_loopback_a_key_is_generated(tmp_path: Path) -> None:
    setup = resolve({"CMDARR_DATA_DIR": str(tmp_path), "CMDARR_CONFIG_ADDR": "0.0.0.0:50051"})
    assert setup.ring.required
    assert setup.decision.exposed == ("0.0.0.0:50051",)


def test_a_key_in_the_environment_wins(tmp_path: Path) -> None:
    setup = resolve({"CMDARR_DATA_DIR": str(tmp_path), "CMDARR_API_KEY": "from-env-123"})
    assert setup.ring.current() == "from-env-123"
    assert setup.path is None


def test_off_means_no_key(tmp_path: Path) -> None:
    setup = resolve(
        {"CMDARR_DATA_DIR": str(tmp_path), "CMDARR_AUTH": "off", "CMDARR_API_KEY": "k-1234"}
    )
    assert not setup.ring.required


def test_a_named_key_file_is_never_generated(tmp_path: Path) -> None:
    environ = {
        "CMDARR_API_KEY_FILE": str(tmp_path / "secret" / "api-key"),
        "CMDARR_GATEWAY_LISTEN": "0.0.0.0:50054",
    }
    with pytest.raises(AuthConfigError, match="kubectl -n cmdarr create secret") as caught:
        resolve(environ)
    assert "0.0.0.0:50054" in str(caught.value)
    assert not (tmp_path / "secret").exists()


async def test_the_watcher_follows_a_rotation(tmp_path: Path) -> None:
    path = tmp_path / "api-key"
    key, _ = create_once(path)
    ring = KeyRing(key)
    seen: list[str] = []
    watcher = KeyWatcher(path, ring, seen.append, interval=0.05)
    task = asyncio.create_task(watcher.run())
    try:
        await asyncio.sleep(0)
        replace_key(path)
        new = read_key(path)
        await eventually(lambda: ring.current() == new, what="the new key in force")
        assert seen == [new]
    finally:
        task.cancel()
