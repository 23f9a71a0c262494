"""Build the cmdarr-client wheel: python release/build_client.py OUT_DIR

The wheel holds cmdarr_client/ and the code protoc generates from protos/ (the ``cmdarr``
namespace, as in gen/), so it imports with nothing from this repository. Steps: stage
release/client/pyproject.toml, a copy of cmdarr_client/ and a fresh protoc run in a
temporary folder, then let pip build the wheel there (setuptools from this virtualenv).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def generate(out_dir: Path) -> None:
    """protos/generate.py's generate (a script, not a package: loaded from its file)."""
    spec = importlib.util.spec_from_file_location("generate", ROOT / "protos" / "generate.py")
    if spec is None or spec.loader is None:
        raise SystemExit("protos/generate.py cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(out_dir)


def stage(folder: Path) -> None:
    shutil.copy(ROOT / "release" / "client" / "pyproject.toml", folder / "pyproject.toml")
    shutil.copytree(
        ROOT / "cmdarr_client",
        folder / "cmdarr_client",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    generate(folder)
    (folder / "py.typed").unlink()
    (folder / "cmdarr" / "py.typed").touch()


def build_wheel(out_dir: Path) -> Path:
    """Builds the wheel into ``out_dir`` and returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cmdarr-client-") as work:
        staged = Path(work)
        stage(staged)
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
             "--no-build-isolation", "--wheel-dir", str(out_dir), str(staged)],
            check=True, timeout=300,
        )  # fmt: skip
    (wheel,) = sorted(out_dir.glob("cmdarr_client-*.whl"))[-1:]
    return wheel


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    print(build_wheel(Path(sys.argv[1])))
