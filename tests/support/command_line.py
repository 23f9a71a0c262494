"""Drive the cmdarr command line in-process and capture what it prints."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from cli.__main__ import run
from cli.context import Io


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        import json

        return json.loads(self.out)


async def cmdarr(
    *argv: str,
    addresses: dict[str, str] | None = None,
    stdin: str = "",
    interactive: bool = False,
    environ: dict[str, str] | None = None,
) -> Outcome:
    """Runs ``cmdarr argv`` against ``addresses`` (service -> host:port), in ``environ``
    (empty by default)."""
    out, err = io.StringIO(), io.StringIO()
    console = Console(file=out, width=200, color_system=None, force_terminal=False)
    options = [f"--{service}={address}" for service, address in (addresses or {}).items()]
    code = await run(
        [*options, *argv], Io(console, err, io.StringIO(stdin), interactive), environ=environ or {}
    )
    return Outcome(code, out.getvalue(), err.getvalue())
