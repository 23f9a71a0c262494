"""Which tests run untraced: those whose every line some traced test runs too.

On Python 3.11 coverage's tracer slows every line a process runs, traced file or not. A
test whose call covers no line that the traced tests do not cover pays that CPU for
nothing, so its call runs untraced (``tests/untraced.txt``, read by tests/conftest.py) and
the report is the same.

``make coverage-plan`` runs the suite once with every call traced and each line recorded
with the test that ran it (coverage's dynamic contexts), then calls this module, which
picks the traced tests greedily: the most lines not yet covered per second of call first,
until they cover every line the whole run covered. The others are written as the plan. A
test not in the plan (a new one) is traced; a line that only a listed test runs shows as
missed in the report, never as covered by a test that did not run.

An untraced call stops the tracer of every thread, and a thread that a module's fixture
started (a server on its own event loop) is not traced again when the next call is: its
lines for later tests of the module go unmeasured. tests/conftest.py runs each file's
traced calls before its untraced ones, which spares most of them.
"""

from __future__ import annotations

import heapq
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from coverage import CoverageData

PLAN = Path(__file__).parents[1] / "untraced.txt"
HEADER = """\
# The tests whose call runs without coverage's tracer: every line they run, a traced test
# runs too. Written by `make coverage-plan` (tests/support/coverage_plan.py); a test not
# listed here is traced.
"""
_CALL = "|run"  # pytest-cov's context of a test's call; "|setup" and "|teardown" stay traced


def read_plan(path: Path = PLAN) -> frozenset[str]:
    """The node ids the plan lists (none when there is no plan)."""
    if not path.exists():
        return frozenset()
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def call_lines(data: CoverageData) -> tuple[dict[str, set[int]], set[int]]:
    """The lines (numbered across files) each test's call covers, and those covered
    outside any call (collection, fixtures' setup and teardown), which stay traced."""
    by_test: dict[str, set[int]] = defaultdict(set)
    elsewhere: set[int] = set()
    numbered: dict[tuple[str, int], int] = {}
    for filename in data.measured_files():
        for lineno, contexts in data.contexts_by_lineno(filename).items():
            line = numbered.setdefault((filename, lineno), len(numbered))
            for context in contexts:
                if context.endswith(_CALL):
                    by_test[context.removesuffix(_CALL)].add(line)
                else:
                    elsewhere.add(line)
    return by_test, elsewhere


def node_id(classname: str, name: str, root: Path) -> str:
    """A JUnit test case's pytest node id: the longest prefix of its dotted class name
    that is a file under ``root``, then its classes and name."""
    parts = classname.split(".")
    for cut in range(len(parts), 0, -1):
        module = Path(*parts[:cut]).with_suffix(".py")
        if (root / module).is_file():
            return "::".join([module.as_posix(), *parts[cut:], name])
    return f"{classname}::{name}"


def call_seconds(junit: Path, root: Path) -> dict[str, float]:
    """Each test's time from a JUnit report of the same run."""
    cases = ET.parse(junit).getroot().iter("testcase")
    return {
        node_id(case.get("classname", ""), case.get("name", ""), root): float(case.get("time", "0"))
        for case in cases
    }


def traced_tests(
    by_test: dict[str, set[int]], elsewhere: set[int], seconds: dict[str, float]
) -> set[str]:
    """The tests to trace: greedily, the most lines not yet covered per second, until
    every line is covered (a lazy greedy set cover: a test's count only falls)."""
    needed = set().union(*by_test.values()) - elsewhere
    heap = [(-len(lines & needed) / _cost(t, seconds), t) for t, lines in by_test.items()]
    heapq.heapify(heap)
    chosen: set[str] = set()
    while needed and heap:
        _, test = heapq.heappop(heap)
        fresh = by_test[test] & needed
        if not fresh:
            continue
        score = -len(fresh) / _cost(test, seconds)
        if heap and score > heap[0][0]:  # another test may now cover more per second
            heapq.heappush(heap, (score, test))
            continue
        chosen.add(test)
        needed -= fresh
    return chosen


def _cost(test: str, seconds: dict[str, float]) -> float:
    return max(seconds.get(test, 0.0), 0.001)


def write_plan(untraced: set[str], path: Path = PLAN) -> None:
    path.write_text(HEADER + "".join(f"{t}\n" for t in sorted(untraced)), encoding="utf-8")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tests.support.coverage_plan COVERAGE_FILE JUNIT_XML")
        return 2
    data = CoverageData(basename=argv[0])
    data.read()
    root = Path.cwd()
    seconds = call_seconds(Path(argv[1]), root)
    by_test, elsewhere = call_lines(data)
    traced = traced_tests(by_test, elsewhere, seconds)
    # A test that ran no measured line in its call (or ran untraced) is not needed either.
    untraced = (set(seconds) | set(by_test)) - traced
    write_plan(untraced)
    spared = sum(seconds.get(t, 0.0) for t in untraced)
    total = sum(seconds.values())
    print(
        f"{len(traced)} tests traced, {len(untraced)} untraced "
        f"({spared:.1f} of the run's {total:.1f} seconds); written to {PLAN}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
