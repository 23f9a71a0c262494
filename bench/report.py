"""What every benchmark returns, and how it is printed and saved."""

from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass
class Result:
    """One benchmark's outcome: named figures, the aims they are held to, and whether
    each aim was met."""

    name: str
    figures: dict[str, float | int | str] = field(default_factory=dict)
    aims: dict[str, str] = field(default_factory=dict)
    met: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def render(results: list[Result]) -> str:
    lines: list[str] = []
    for result in results:
        lines.append(f"== {result.name}")
        width = max((len(k) for k in result.figures), default=0)
        for key, value in result.figures.items():
            shown = (
                f"{value:,.2f}"
                if isinstance(value, float)
                else (f"{value:,}" if isinstance(value, int) else value)
            )
            lines.append(f"  {key:<{width}}  {shown}")
        for aim, text in result.aims.items():
            verdict = "met" if result.met.get(aim) else "NOT met"
            lines.append(f"  aim {aim}: {text} -> {verdict}")
        lines.extend(f"  note: {n}" for n in result.notes)
    return "\n".join(lines)


def save(results: list[Result], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"bench-{stamp}.json"
    payload = {
        "when": stamp,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "results": [asdict(r) for r in results],
    }
    path.write_text(json.dumps(payload, indent=2))
    (folder / "latest.json").write_text(json.dumps(payload, indent=2))
    return path
