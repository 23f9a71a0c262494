"""A spec's destinations: at least one, each once (users without case), each server a
server name; every problem named by its field."""

from __future__ import annotations

import pytest

from common.domain import Destination
from common.errors import InvalidArgument
from sync_svc.runs import Spec, Track
from sync_svc.spec import check_spec


def fields(*destinations: Destination) -> list[str]:
    spec = Spec("Mix", destinations, tracks=(Track("Song"),))
    with pytest.raises(InvalidArgument) as refused:
        check_spec(spec, "spec")
    return [v.field for v in refused.value.violations]


def test_bad_destinations_are_named() -> None:
    assert fields() == ["spec.targets"]
    assert fields(Destination("Not A Name")) == ["spec.destinations[0].server"]
    assert fields(Destination("plex", "x" * 129)) == ["spec.destinations[0].user"]
    assert fields(Destination("plex", "Alice"), Destination("plex", "alice")) == [
        "spec.destinations"
    ]


def test_good_destinations_pass() -> None:
    check_spec(
        Spec("Mix", (Destination("plex"), Destination("plex", "alice")), (Track("S"),)), "spec"
    )
