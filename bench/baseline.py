"""An older commit's tree beside this one, to run its services on the same emulated
libraries in the same benchmark run: a figure and its baseline measured minutes apart on
the same machine, under the same load, rather than read from an old report."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.processes import ROOT

# The build's CPU per track is judged against this commit (the tree before the build's
# CPU was cut); CMDARR_BENCH_BASELINE names another.
DEFAULT_BASELINE = "bebc477450eb0fb735fd16d4aeec59f23d19458c"
BASELINE_VARIABLE = "CMDARR_BENCH_BASELINE"


@dataclass(frozen=True)
class Tree:
    """A checkout to run services from: its folder and the environment that makes its
    modules (and its generated protos) the ones imported."""

    commit: str
    root: Path

    def env(self) -> dict[str, str]:
        return {"PYTHONPATH": os.pathsep.join((str(self.root), str(self.root / "gen")))}


def baseline_commit() -> str:
    return os.environ.get(BASELINE_VARIABLE, "").strip() or DEFAULT_BASELINE


def _run(*args: str, cwd: Path = ROOT) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def _unpack(commit: str, folder: Path) -> str:
    """``commit``'s files in ``folder`` (``git archive``: no worktree is registered) and its
    protos generated into ``folder/gen`` with this interpreter; the full hash."""
    full = _run("git", "rev-parse", "--verify", f"{commit}^{{commit}}").strip()
    archive = folder / "tree.tar"
    _run("git", "archive", "--format=tar", f"--output={archive}", full)
    _run("tar", "-xf", str(archive), "-C", str(folder))
    archive.unlink()
    _run(sys.executable, "protos/generate.py", "--no-type-stubs", "gen", cwd=folder)
    return full


@asynccontextmanager
async def checked_out(commit: str) -> AsyncIterator[Tree]:
    """``commit``'s tree in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="cmdarr-baseline-") as tmp:
        folder = Path(tmp)
        full = await asyncio.to_thread(_unpack, commit, folder)
        yield Tree(full, folder)
