"""The coverage plan: which tests' calls may run untraced without a line going unmeasured."""

from __future__ import annotations

from pathlib import Path

from coverage import CoverageData

from tests.support.coverage_plan import (
    call_lines,
    call_seconds,
    node_id,
    read_plan,
    traced_tests,
    write_plan,
)


def test_every_line_stays_covered_by_the_cheapest_tests() -> None:
    by_test = {
        "slow_everything": {1, 2, 3, 4},
        "fast_a": {1, 2},
        "fast_b": {3},
        "only_four": {4},
        "nothing_new": {2, 3},
    }
    seconds = {
        "slow_everything": 30.0,
        "fast_a": 0.1,
        "fast_b": 0.1,
        "only_four": 2.0,
        "nothing_new": 5.0,
    }
    traced = traced_tests(by_test, elsewhere=set(), seconds=seconds)
    assert traced == {"fast_a", "fast_b", "only_four"}
    assert set().union(*(by_test[t] for t in traced)) == {1, 2, 3, 4}


def test_lines_covered_outside_calls_need_no_traced_test() -> None:
    by_test = {"a": {1, 2}, "b": {3}}
    assert traced_tests(by_test, elsewhere={1, 2}, seconds={}) == {"b"}
    assert traced_tests(by_test, elsewhere={1, 2, 3}, seconds={}) == set()


def test_contexts_split_into_calls_and_the_rest(tmp_path: Path) -> None:
    data = CoverageData(basename=str(tmp_path / ".coverage"))
    data.set_context("tests/a.py::test_x|run")
    data.add_lines({"/src/m.py": [1, 2]})
    data.set_context("tests/a.py::test_y|setup")
    data.add_lines({"/src/m.py": [3]})
    data.set_context("tests/a.py::test_y|run")
    data.add_lines({"/src/m.py": [2]})
    data.write()
    read = CoverageData(basename=str(tmp_path / ".coverage"))
    read.read()
    by_test, elsewhere = call_lines(read)
    assert {t: len(lines) for t, lines in by_test.items()} == {
        "tests/a.py::test_x": 2,
        "tests/a.py::test_y": 1,
    }
    assert len(elsewhere) == 1
    assert by_test["tests/a.py::test_y"] <= by_test["tests/a.py::test_x"]


def test_junit_cases_become_node_ids(tmp_path: Path) -> None:
    (tmp_path / "tests" / "unit").mkdir(parents=True)
    (tmp_path / "tests" / "unit" / "test_m.py").write_text("")
    report = tmp_path / "report.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="tests.unit.test_m" name="test_a[sqlite]" time="1.5"/>'
        '<testcase classname="tests.unit.test_m.TestGroup" name="test_b" time="0.25"/>'
        "</testsuite></testsuites>"
    )
    assert call_seconds(report, tmp_path) == {
        "tests/unit/test_m.py::test_a[sqlite]": 1.5,
        "tests/unit/test_m.py::TestGroup::test_b": 0.25,
    }
    assert node_id("elsewhere.mod", "test_c", tmp_path) == "elsewhere.mod::test_c"


def test_the_plan_round_trips_and_a_missing_plan_lists_nothing(tmp_path: Path) -> None:
    plan = tmp_path / "untraced.txt"
    assert read_plan(plan) == frozenset()
    write_plan({"tests/b.py::test_2", "tests/a.py::test_1"}, plan)
    assert plan.read_text().splitlines()[-2:] == ["tests/a.py::test_1", "tests/b.py::test_2"]
    assert read_plan(plan) == {"tests/a.py::test_1", "tests/b.py::test_2"}
