"""The cmdarr-client wheel works outside this repository: built as `make dist` builds it,
installed into a fresh virtualenv, imported with nothing from this tree, and called against
a real config_svc."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from config_svc.app import ConfigApp
from release.build_client import build_wheel

SCRIPT = """
import sys
from pathlib import Path

import cmdarr_client
from cmdarr.config.v1 import config_pb2
from cmdarr_client import Client, InvalidArgument

venv = Path(sys.prefix)
for module in (cmdarr_client, config_pb2):
    assert venv in Path(module.__file__).parents, module.__file__
try:
    import common
except ModuleNotFoundError:
    pass
else:
    raise AssertionError(f"the repository leaked in: {common.__file__}")
with Client(config=sys.argv[1]) as client:
    reply = client.update_settings({"PLEX_URL": "http://plex.lan:32400"})
    print("revision", reply.revision, [s.key for s in reply.changed])
    try:
        client.update_settings({"PLEX_CLIENT_ENABLED": "maybe"})
    except InvalidArgument as error:
        print("violations", [v.field for v in error.violations])
print("version", cmdarr_client.__version__)
"""


def run(*argv: str | Path, cwd: Path) -> None:
    subprocess.run([str(a) for a in argv], check=True, timeout=300, cwd=cwd)


def fresh_venv(tmp_path: Path, wheel: Path) -> Path:
    """A virtualenv with the wheel installed and, for its dependencies only, this
    virtualenv's site-packages as a plain path entry (so none of its .pth files, the one
    that adds this tree among them, are read)."""
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
        "--no-index", wheel, cwd=tmp_path)  # fmt: skip
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    (Path(purelib) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


async def test_the_wheel_installs_elsewhere_and_calls_a_real_service(
    config_app: ConfigApp, tmp_path: Path
) -> None:
    wheel = await asyncio.to_thread(build_wheel, tmp_path / "dist")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"cmdarr_client/py.typed", "cmdarr/py.typed", "cmdarr/config/v1/config_pb2.pyi"} <= names
    assert not any(name.startswith(("common/", "cli/", "config_svc/")) for name in names)

    python = await asyncio.to_thread(fresh_venv, tmp_path, wheel)
    script = tmp_path / "use.py"
    script.write_text(SCRIPT)
    process = await asyncio.create_subprocess_exec(
        str(python), "-I", str(script), f"127.0.0.1:{config_app.server.port}",
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines[0].startswith("revision ")
    assert "'PLEX_URL'" in lines[0]
    assert lines[1] == "violations ['changes[0].value']"
    assert lines[2] == "version 0.1.0"
