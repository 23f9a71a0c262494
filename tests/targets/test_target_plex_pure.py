"""The Plex client's pure decisions: which server versions it takes."""

from __future__ import annotations

import pytest

from common.targets.plex_version import (
    MINIMUM_PLEX_VERSION,
    parse_plex_version,
    plex_version_too_old,
)


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
