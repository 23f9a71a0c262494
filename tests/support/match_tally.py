"""Scoring labelled matching cases: a pick is right, wrong, or missing; accuracy, precision,
recall and null accuracy per kind of case and overall, as a printed table."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Tally:
    """Outcomes of one kind (or of all): a pick is right, wrong, or missing."""

    cases: int = 0
    correct: int = 0
    matched: int = 0  # a track was picked
    right: int = 0  # ... and it was a right answer
    positives: int = 0  # a right answer exists
    found: int = 0  # ... and was picked
    nulls: int = 0  # no right answer exists
    null_right: int = 0  # ... and nothing was picked
    wrong: list[str] = field(default_factory=list)

    def add(self, expect: set[str] | frozenset[str], got: str | None, line: str) -> None:
        ok = (got in expect) if expect else got is None
        self.cases += 1
        self.correct += ok
        if got is not None:
            self.matched += 1
            self.right += got in expect
        if expect:
            self.positives += 1
            self.found += got in expect
        else:
            self.nulls += 1
            self.null_right += got is None
        if not ok:
            self.wrong.append(line)

    @property
    def accuracy(self) -> float:
        return self.correct / self.cases if self.cases else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.matched if self.matched else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.positives if self.positives else 1.0

    @property
    def null_accuracy(self) -> float:
        return self.null_right / self.nulls if self.nulls else 1.0

    def row(self, name: str, width: int = 30) -> str:
        def cell(value: float, present: int) -> str:
            return f"{value:>8.2%}" if present else f"{'-':>8}"

        return (
            f"  {name:<{width}} {self.cases:>5} {self.accuracy:>8.2%} "
            f"{cell(self.precision, self.matched)} {cell(self.recall, self.positives)} "
            f"{cell(self.null_accuracy, self.nulls)}"
        )


def report(
    overall: Tally, per_kind: dict[str, Tally], wrong: int = 40, width: int = 30, each: int = 0
) -> str:
    """The table: one row per kind (sorted), the overall row, and up to ``wrong`` misses
    (with ``each``, at most that many of every kind)."""
    names = ("accuracy", "precis.", "recall", "null ok")
    head = f"  {'kind':<{width}} {'cases':>5} " + " ".join(f"{n:>8}" for n in names)
    lines = [head]
    lines += [per_kind[kind].row(kind, width) for kind in sorted(per_kind)]
    lines.append(overall.row("all", width))
    shown = [w for k in sorted(per_kind) for w in per_kind[k].wrong[:each]] if each else []
    lines += [f"  wrong: {line}" for line in (shown or overall.wrong)[:wrong]]
    return "\n".join(lines)
