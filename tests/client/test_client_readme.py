"""The README's "Use from Python" example, run as written against the whole stack in-process
(emulated Plex), so the documentation cannot drift from the client."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

from tests.support.inprocess_stack import stack

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> str:
    text = README.read_text()
    section = text[text.index("## Use from Python") :]
    start = section.index("```python\n") + len("```python\n")
    return section[start : section.index("```", start)]


async def test_the_readme_example_enables_plex_waits_for_the_cache_and_syncs(
    database_url: str, tmp_path: Path
) -> None:
    example = readme_example()
    assert "http://127.0.0.1:32400" in example
    async with stack(database_url, tmp_path) as s:
        script = tmp_path / "example.py"
        script.write_text(
            example.replace("http://127.0.0.1:32400", s.plex.url).replace(
                "emulated-plex-token", s.plex.token
            )
        )
        environ = {k: v for k, v in os.environ.items() if not k.startswith("CMDARR_")}
        environ |= {f"CMDARR_{name.upper()}_ADDR": addr for name, addr in s.addresses.items()}
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(script), cwd=tmp_path, env=environ,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), timeout=100)
    assert process.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert any(line.startswith("Building Plex library cache... ") for line in lines)
    assert re.fullmatch(r"Plex library cache ready: [\d,]+ tracks", lines[-2])
    assert re.fullmatch(r"Sync [0-9a-f-]+: 1 matched, \d+ playlist writes", lines[-1])
