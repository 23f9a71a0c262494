"""The pure decisions behind the Jellyfin reads: versions, artist names, complete listings."""

from __future__ import annotations

import pytest

from common.targets import TargetShortListing, TargetUnstableOrder, TargetUnsupportedVersion
from common.targets.jellyfin_parse import artist_ids_named
from common.targets.jellyfin_version import check_supported, parse_version, saved_filter_works
from common.targets.listing import check_complete


def test_versions_parse_from_their_numeric_parts() -> None:
    assert parse_version("10.11.11") == (10, 11, 11)
    assert parse_version(" 10.9.0-rc1") == (10, 9)
    assert parse_version("") is None
    assert parse_version("unstable") is None


@pytest.mark.parametrize("version", ["10.8.13", "10.7.7", "4.7.0"])
def test_servers_before_10_9_are_refused_by_name(version: str) -> None:
    with pytest.raises(TargetUnsupportedVersion) as caught:
        check_supported(version)
    assert (caught.value.version, caught.value.minimum) == (version, "10.9.0")
    assert version in str(caught.value)
    assert "10.9.0" in str(caught.value)


def test_supported_and_unreadable_versions_pass() -> None:
    assert check_supported("10.9.0") == (10, 9, 0)
    assert check_supported("10.11.11") == (10, 11, 11)
    assert check_supported("") is None


def test_the_saved_filter_works_from_10_11_on() -> None:
    assert not saved_filter_works((10, 9, 11))
    assert not saved_filter_works((10, 10, 7))
    assert saved_filter_works((10, 11, 0))
    assert saved_filter_works(None)


def test_artist_ids_are_those_of_the_name_as_the_matcher_reads_it() -> None:
    items = [
        {"Id": "a", "Name": "Queen"},
        {"Id": "b", "Name": "Queens of the Stone Age"},
        {"Id": "c", "Name": "Guns N\u2019 Roses"},
        {"Id": "d", "Name": "QUEEN "},
        {"Name": "Queen"},
        {"Id": "e", "Name": "The Velvet Gardens"},
        {"Id": "f", "Name": "Chlo\u00e9 Stone & Leo Hart"},
    ]
    assert artist_ids_named(items, "queen") == ["a", "d"]
    assert artist_ids_named(items, "Guns N' Roses") == ["c"]
    assert artist_ids_named(items, "Velvet Gardens") == ["e"]
    assert artist_ids_named(items, "Chloe Stone") == ["f"]
    assert artist_ids_named(items, "Stone") == []
    assert artist_ids_named(items, "Nobody") == []


def test_overlapping_pages_are_told_from_short_ones() -> None:
    check_complete("l", ["a", "b", "c"], 3, str)
    with pytest.raises(TargetUnstableOrder):
        check_complete("l", ["a", "b", "b"], 3, str)
    with pytest.raises(TargetShortListing) as short:
        check_complete("l", ["a", "b"], 3, str)
    assert not isinstance(short.value, TargetUnstableOrder)
