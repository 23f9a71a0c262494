"""The suite's xdist groups hold: tests that share a costly setup (a million-track
catalogue, a perturbation suite) or must not run beside each other (the browser) are
marked with one ``xdist_group``, which ``--dist loadgroup`` honours only while
pytest-xdist can write the group into the test's id. A pytest release that breaks that
(9.2 did) would spread them over workers without a word; this test says so instead."""

from __future__ import annotations

import pytest

GROUP = "xdist-groups-hold"


@pytest.mark.xdist_group(GROUP)
def test_a_grouped_test_carries_its_group_under_loadgroup(request: pytest.FixtureRequest) -> None:
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("runs under pytest-xdist with --dist loadgroup (make test)")
    assert request.node.nodeid.endswith(f"@{GROUP}"), request.node.nodeid
