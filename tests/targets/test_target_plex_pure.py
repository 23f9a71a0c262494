"""The Plex client's pure decisions: which server versions it takes, and how many ids a
playlist write carries before and after a 414."""

from __future__ import annotations

import pytest

from common.targets.plex_uri import (
    PLEX_URI_URL_LIMIT,
    after_too_long,
    ids_in_one_request,
    uri_prefix,
)
from common.targets.plex_version import (
    MINIMUM_PLEX_VERSION,
    parse_plex_version,
    plex_version_too_old,
)
from common.targets.query import encode


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("1.24.3.5033-757abe6b4", (1, 24, 3, 5033)),
        ("1.41.0.8992-emulated", (1, 41, 0, 8992)),
        (" 1.32.8.7639 ", (1, 32, 8, 7639)),
        ("0.9.9.6.424-d1ab326", (0, 9, 9, 6, 424)),
        ("", None),
        ("unknown", None),
        ("1.x.3", None),
    ],
)
def test_plex_versions_are_read_up_to_the_build_hash(
    text: str, parsed: tuple[int, ...] | None
) -> None:
    assert parse_plex_version(text) == parsed


@pytest.mark.parametrize(
    ("version", "too_old"),
    [
        ("1.20.0.3133-fede5bdc7", True),
        ("1.24.2.4973-2b1b51db9", True),
        ("1.24.3.5032", True),
        ("0.9.9.6.424-d1ab326", True),
        ("1.24.3", True),  # read as 1.24.3.0
        ("1.24.3.5033-757abe6b4", False),
        ("1.24.4.5081", False),
        ("1.100.0.1", False),  # numbers, not text: 100 > 24
        ("2.0", False),
        ("", False),  # nothing to judge by: not refused
        ("beta", False),
    ],
)
def test_the_minimum_is_1_24_3_5033(version: str, too_old: bool) -> None:
    assert MINIMUM_PLEX_VERSION == "1.24.3.5033"
    assert plex_version_too_old(version) is too_old


def test_ids_per_request_fill_the_budget_and_no_more() -> None:
    ids = [str(100_000 + i) for i in range(1000)]
    head = len("/playlists/1/items?uri=") + len(encode(uri_prefix("f" * 40)))
    count = ids_in_one_request(ids, fixed_length=head, limit=PLEX_URI_URL_LIMIT, cap=1000)
    used = head + len(encode(",".join(ids[:count])))
    assert used <= PLEX_URI_URL_LIMIT < used + 9  # one more id (and its comma) overflows
    assert count == 213


def test_ids_per_request_respect_the_cap_and_the_list() -> None:
    ids = [str(100_000 + i) for i in range(10)]
    assert ids_in_one_request(ids, fixed_length=100, limit=2048, cap=4) == 4
    assert ids_in_one_request(ids, fixed_length=100, limit=2048, cap=50) == 10
    assert ids_in_one_request(ids, fixed_length=100, limit=2048, cap=0) == 1
    assert ids_in_one_request([], fixed_length=100, limit=2048, cap=5) == 0


def test_an_id_that_fits_no_url_is_an_error() -> None:
    with pytest.raises(ValueError, match="cannot fit"):
        ids_in_one_request(["1" * 100], fixed_length=2000, limit=2048, cap=1)


@pytest.mark.parametrize(("sent", "after"), [(212, 106), (105, 52), (3, 1), (2, 1), (1, None)])
def test_a_414_halves_the_request_down_to_one_id(sent: int, after: int | None) -> None:
    assert after_too_long(sent) == after
