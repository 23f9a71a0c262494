"""The locks install on a fresh machine with its stock pip, whatever is released later.

`make install` runs in a copy of the build files, with the base interpreter's own
`python -m venv` (so with the pip it brings, as a new user's machine has it), and the
runtime lock installs as the Dockerfile installs it. Both run against a find-links folder
holding a *newer* release of locked packages than the locks pin, one of them required
through an extra (`coverage[toml]`, as pytest-cov asks for it): what gets installed must be
exactly the locked versions. The runtime lock must also hold everything the services
import, since the container image has nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV_LOCK = ROOT / "requirements-dev.lock"
RUNTIME_LOCK = ROOT / "requirements.lock"
# What `make install` reads, and nothing else: the copy proves no other file is needed.
BUILD_FILES = ("Makefile", "pyproject.toml", "README.md", DEV_LOCK.name, "release", "protos")
# A release newer than any the locks pin, for a package required with an extra by another
# (pytest-cov: coverage[toml]) and for one the project itself names with an extra.
NEWER = "99.0.0"
SHADOWED = {"coverage": ("toml",), "sqlalchemy": ("asyncio",)}
# Packages the runtime imports; migrations are left out (alembic runs them, importing them
# would run them).
RUNTIME_PACKAGES = ("common", "config_svc", "cache_svc", "sync_svc", "gateway", "emulators")
# Each install downloads what the pip cache lacks and builds a venv: minutes, not seconds.
INSTALL_TIMEOUT_S = 900

pytestmark = pytest.mark.timeout(2 * INSTALL_TIMEOUT_S)


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: Path) -> dict[str, str]:
    """{normalized name: version} of a pip-compile lock (extras dropped from the names)."""
    found = re.findall(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\s\\]+)", lock.read_text(), re.M)
    return {normalized(name): version for name, version in found}


def fake_wheel(folder: Path, name: str, version: str, extras: tuple[str, ...]) -> Path:
    """An empty, valid wheel of ``name`` ``version`` that provides ``extras``."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{dist_info}/METADATA": "Metadata-Version: 2.1\n"
        f"Name: {name}\nVersion: {version}\n"
        + "".join(f"Provides-Extra: {extra}\n" for extra in extras),
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }

    def record_line(path: str, body: str) -> str:
        digest = base64.urlsafe_b64encode(hashlib.sha256(body.encode()).digest())
        return f"{path},sha256={digest.rstrip(b'=').decode()},{len(body.encode())}\n"

    record = "".join(record_line(path, body) for path, body in files.items())
    files[f"{dist_info}/RECORD"] = record + f"{dist_info}/RECORD,,\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, body in files.items():
            archive.writestr(path, body)
    return wheel


def base_python() -> str:
    """The interpreter this venv was made from: the machine's own Python and its pip."""
    return str(getattr(sys, "_base_executable", sys.executable))


def run(args: list[str], env: Mapping[str, str], cwd: Path = ROOT) -> None:
    done = subprocess.run(
        args, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S
    )
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


def installed(venv: Path) -> dict[str, str]:
    listing = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return {normalized(p["name"]): p["version"] for p in json.loads(listing.stdout)}


@pytest.fixture(scope="module")
def newer_releases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment for pip and uv: find-links holding the newer releases. Skips, saying so,
    where the package index cannot be reached at all."""
    folder = tmp_path_factory.mktemp("find-links")
    for name, extras in SHADOWED.items():
        fake_wheel(folder, name, NEWER, extras)
    # The machine's own pip settings stay (an index mirror, certificates, find-links).
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VIRTUAL_ENV", "PYTHON"))
    }
    env["PIP_FIND_LINKS"] = " ".join(filter(None, [env.get("PIP_FIND_LINKS"), str(folder)]))
    env["UV_FIND_LINKS"] = str(folder)  # uv installs the development lock (install-lock.sh)
    download = ["-m", "pip", "download", "--no-deps", "--dest", str(folder / "probe")]
    probe = subprocess.run(
        [base_python(), *download, f"pip=={pins(DEV_LOCK)['pip']}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
    )
    if probe.returncode != 0:
        pytest.skip(f"the package index cannot be reached: {probe.stderr.strip()[-300:]}")
    return env


def test_the_fake_release_is_newer_than_every_pin_it_shadows() -> None:
    for lock in (DEV_LOCK, RUNTIME_LOCK):
        locked = pins(lock)
        for name in SHADOWED:
            if name in locked:
                assert tuple(map(int, locked[name].split(".")[:2])) < (99, 0), (lock, name)
    assert "coverage" in pins(DEV_LOCK)
    assert "sqlalchemy" in pins(RUNTIME_LOCK)


# The two installs build a virtualenv each, about a minute of pip between them: `make lock`
# and .ci/run run them (`make test-locks`), `make test` leaves them out (lock_install). Run
# in parallel, one xdist worker takes both, so that they never compete for the pip cache.
@pytest.mark.lock_install
@pytest.mark.xdist_group("lock-install")
def test_make_install_installs_the_locked_versions_with_the_stock_pip(
    newer_releases: dict[str, str], tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in BUILD_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tree / name)
        else:
            shutil.copy2(source, tree / name)
    venv = tmp_path / "venv"
    run(["make", "install", f"PYTHON={base_python()}", f"VENV={venv}"], newer_releases, tree)

    locked, got = pins(DEV_LOCK), installed(venv)
    assert {name: got.get(name) for name in locked} == locked
    assert (tree / "gen" / "cmdarr").is_dir(), "make install generates the gRPC code"


@pytest.mark.lock_install
@pytest.mark.xdist_group("lock-install")
def test_the_image_installs_the_runtime_lock_and_it_holds_every_import(
    newer_releases: dict[str, str], tmp_path: Path
) -> None:
    venv = tmp_path / "runtime"
    # As the Dockerfile's builder stage runs it.
    script = ["sh", str(ROOT / "release" / "install-lock.sh")]
    run([*script, base_python(), str(venv), str(RUNTIME_LOCK)], newer_releases)
    locked, got = pins(RUNTIME_LOCK), installed(venv)
    assert {name: got.get(name) for name in locked} == locked
    assert "mypy-protobuf" not in got, "the runtime lock only"
    assert "pytest" not in got, "the runtime lock only"

    python = str(venv / "bin" / "python")
    gen = tmp_path / "gen"
    run([python, "protos/generate.py", "--no-type-stubs", str(gen)], newer_releases)
    importer = (
        "import importlib, pkgutil\n"
        f"for package in {RUNTIME_PACKAGES!r}:\n"
        "    root = importlib.import_module(package)\n"
        "    for module in pkgutil.walk_packages(root.__path__, package + '.'):\n"
        "        if '.migrations' not in module.name:\n"
        "            importlib.import_module(module.name)\n"
    )
    env = {**newer_releases, "PYTHONPATH": f"{ROOT}{os.pathsep}{gen}"}
    run([python, "-c", importer], env)


def test_the_runtime_lock_is_the_runtime_half_of_the_development_lock() -> None:
    dev, runtime = pins(DEV_LOCK), pins(RUNTIME_LOCK)
    assert {name: dev.get(name) for name in runtime} == runtime, "one version of everything"
    assert "pip" in runtime, "each lock installs with its own pip"
    assert "pip" in dev, "each lock installs with its own pip"
    text = (ROOT / "pyproject.toml").read_text()
    block = text.split("dependencies = [", 1)[1].split("]\n", 1)[0]
    required = re.findall(r'^\s*"([A-Za-z0-9_.-]+)', block, re.M)
    assert required
    assert {normalized(name) for name in required} <= set(runtime)


def test_the_locks_keep_extras_so_an_older_pip_applies_their_pins() -> None:
    for lock in (DEV_LOCK, RUNTIME_LOCK):
        assert "--no-strip-extras" in lock.read_text(), lock.name
    assert re.search(r"^coverage\[toml\]==", DEV_LOCK.read_text(), re.M)
