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
    # Bars to draw side by side: label -> value, in the unit named by chart_unit.
    chart: dict[str, float] = field(default_factory=dict)
    chart_unit: str = ""


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


def stamp_now() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def save(results: list[Result], folder: Path, stamp: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bench-{stamp}.json"
    payload = {
        "when": stamp,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "results": [asdict(r) for r in results],
    }
    path.write_text(json.dumps(payload, indent=2))
    (folder / "latest.json").write_text(json.dumps(payload, indent=2))
    return path


def draw(results: list[Result], folder: Path, stamp: str) -> list[Path]:
    """One PNG of side-by-side bars per result that has a chart, beside the JSON."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    paths = []
    for number, result in enumerate(r for r in results if r.chart):
        figure, axes = pyplot.subplots(figsize=(9, 0.6 * len(result.chart) + 1.5))
        labels, values = list(result.chart), list(result.chart.values())
        bars = axes.barh(labels, values, color="#3b7dd8")
        axes.invert_yaxis()
        axes.set_xlabel(result.chart_unit)
        if max(values, default=0) > 100 * max(min(values, default=1), 1):
            axes.set_xscale("log")
        axes.bar_label(
            bars, labels=[f"{v:,.0f}" if v >= 10 else f"{v:,.2f}" for v in values], padding=3
        )
        axes.set_title(result.name, fontsize=10)
        figure.tight_layout()
        path = folder / f"bench-{stamp}-{number}.png"
        figure.savefig(path, dpi=110)
        pyplot.close(figure)
        paths.append(path)
    return paths
