"""The batch paths of the index and its columns hold exactly what the one-at-a-time paths
hold."""

from __future__ import annotations

import random
from array import array

from common.matching import LibraryTrack, TrackIndex
from common.matching.columns import PostingTable, SharedStringColumn, StringColumn
from common.matching.image import decode, encode
from common.matching.refresh import refreshed
from tests.support.library_fakes import make_tracks

_TEXTS = ["", "plain", "Motörhead", "夜に駆ける", "lone \udc80 surrogate", "Кино", "x" * 300]


def test_extend_stores_what_appends_store() -> None:
    one, batched = StringColumn(), StringColumn()
    for text in _TEXTS * 3:
        one.append(text)
    batched.extend(_TEXTS)
    batched.extend([])
    batched.extend(_TEXTS * 2)
    assert batched.parts() == one.parts()
    assert [batched.get(i) for i in range(len(batched))] == _TEXTS * 3


def test_a_table_sealed_in_rounds_reads_like_one_sealed_once() -> None:
    rng = random.Random(3)
    postings = [(rng.randrange(-50, 50), position) for position in range(2000)]
    postings += [(rng.randrange(-50, 50), position) for position in range(2000, 2100)]
    once, rounds, each = PostingTable(), PostingTable(), PostingTable()
    for key_hash, position in postings:
        once.add(key_hash, position)
        rounds.add(key_hash, position)
        each.add_each([key_hash], position)
        if position in (500, 1500):
            rounds.seal()
    once.seal()
    assert rounds.parts() == once.parts() == each.parts()
    hashes, positions = once.parts()
    assert list(zip(hashes, positions, strict=True)) == sorted(postings)
    assert list(once.get(7)) == [p for h, p in postings if h == 7]


def test_a_grouped_table_merges_rounds_as_one_sealed_once() -> None:
    """Keys old and new, and postings added to a grouped table in several rounds."""
    rng = random.Random(5)
    postings = [(rng.randrange(0, 40), position) for position in range(3000)]
    once, rounds = PostingTable(), PostingTable()
    for key_hash, position in postings:
        once.add(key_hash * 7 - 100, position)
        rounds.add(key_hash * 7 - 100, position)
        if position in (999, 2000, 2990):
            rounds.seal()
            assert rounds.grouped
    once.seal()
    rounds.seal()
    assert rounds.grouped_parts() == once.grouped_parts()
    rounds.add(-1, 3000)  # a key between the others
    rounds.add(10_000, 3001)  # after every key
    once.add(-1, 3000)
    once.add(10_000, 3001)
    rounds.seal()
    once.seal()
    assert rounds.grouped_parts() == once.grouped_parts()
    assert rounds.parts() == once.parts()


def test_moved_postings_are_the_table_built_from_the_kept_ones() -> None:
    """Any removal (none, a few, a whole key, nearly all) and either form: the table that
    adding the kept postings at their new positions would make."""
    rng = random.Random(9)
    for spread, count in ((30, 2000), (5000, 2000), (3, 40)):
        postings = sorted((rng.randrange(spread), p) for p in range(count))
        for dropped in (set(), {0, count - 1}, set(rng.sample(range(count), count // 3))):
            dropped |= {p for h, p in postings if h == postings[0][0]}  # one key whole
            table = PostingTable()
            for key_hash, position in sorted(postings, key=lambda hp: hp[1]):
                table.add(key_hash, position)
            table.seal()
            to = array("q", [-1]) * count
            new = 0
            for position in range(count):
                if position not in dropped:
                    to[position] = new
                    new += 1
            expected = PostingTable()
            for key_hash, position in sorted(postings, key=lambda hp: hp[1]):
                if to[position] >= 0:
                    expected.add(key_hash, to[position])
            expected.seal()
            moved = table.moved(to)
            assert moved.grouped == expected.grouped
            assert moved.parts() == expected.parts()
            assert moved.grouped_parts() == expected.grouped_parts()


def test_an_index_filled_in_batches_of_any_size_is_the_same_index() -> None:
    varied = [
        LibraryTrack("cjk", "Music", "夜に駆ける", ("YOASOBI",), "", "THE BOOK", 261000),
        LibraryTrack("ru", "Music", "Группа крови (Live)", ("Кино",), "Кино", "Звезда"),
        LibraryTrack("ft", "Music", "Song t3 (feat. Guest & Kino)", ("Artist 3",), "VA"),
        LibraryTrack("mb", "More", "Song t3", (), "", "", 1, "ABC", 5, ("X1", "y2")),
    ]
    tracks = make_tracks("Music", 1800) + varied + make_tracks("More", 300) + varied
    whole = TrackIndex(tracks)
    batched = TrackIndex()
    for start, end in ((0, 7), (7, 1507), (1507, 1508), (1508, len(tracks))):
        batched.add_many(iter(tracks[start:end]))
    batched.seal()
    assert encode(batched) == encode(whole)
    assert batched.roman_core_keys == whole.roman_core_keys
    assert vars(batched)["_fill"] is None  # what filling remembered is gone once sealed


def test_a_table_keeps_the_smaller_form_and_reads_the_same_in_both() -> None:
    rng = random.Random(5)
    shared = [(rng.randrange(0, 40), position) for position in range(3000)]  # many a key
    unique = [(rng.getrandbits(63), position) for position in range(3000)]  # one a key
    for postings, grouped in ((shared, True), (unique, False)):
        table = PostingTable()
        for key_hash, position in postings:
            table.add(key_hash, position)
        table.seal()
        assert table.grouped is grouped
        flat = PostingTable(*table.parts())  # the same postings, flat whatever their count
        assert not flat.grouped
        hashes, positions = table.parts()
        assert list(zip(hashes, positions, strict=True)) == sorted(postings)
        for key_hash in {h for h, _ in postings[:50]} | {-1, 2**62}:
            assert list(table.get(key_hash)) == list(flat.get(key_hash))
            assert table.count(key_hash) == flat.count(key_hash)
        assert table.memory_bytes() <= flat.memory_bytes()
        # More postings after the seal merge in, and the form is chosen again.
        table.add(7, 5000)
        table.seal()
        assert table.grouped is grouped
        assert list(table.get(7)) == [p for h, p in postings if h == 7] + [5000]


def test_a_grouped_table_is_stored_grouped_and_loads_back() -> None:
    tracks = make_tracks("Music", 1500)
    index = TrackIndex(tracks)
    assert index.token_table.grouped
    assert not index.exact_table.grouped
    loaded = decode(encode(index))
    assert loaded.token_table.grouped
    assert encode(loaded) == encode(index)


def test_album_columns_hold_each_distinct_value_once_and_read_back() -> None:
    tracks = make_tracks("Music", 1200)
    index = TrackIndex(tracks)
    assert isinstance(index.albums, SharedStringColumn)
    distinct = {t.album for t in tracks}
    assert len(index.albums.values) == len(distinct) < len(tracks)
    loaded = decode(encode(index))
    assert isinstance(loaded.albums, SharedStringColumn)
    assert [loaded.track(i) for i in range(len(loaded))] == [
        index.track(i) for i in range(len(index))
    ]
    # Filled further after loading (as a refresh does), old ids keep their values.
    more = make_tracks("Music", 30, "more")
    loaded.add_many(more)
    loaded.seal()
    assert [loaded.albums.get(i) for i in range(len(loaded))] == [t.album for t in [*tracks, *more]]


def test_durations_and_dates_take_32_bits_and_an_older_image_refreshes() -> None:
    tracks = make_tracks("Music", 300)
    odd = LibraryTrack("odd", "Music", "Odd", ("A",), duration_ms=-4, updated_at=2**40)
    index = TrackIndex([*tracks, odd])
    assert index.durations.typecode == index.updated.typecode == "I"
    assert index.track(len(tracks)).duration_ms == 0
    assert index.track(len(tracks)).updated_at == 2**32 - 1
    # An image written before held them in 64 bits; a refresh of it reads the same.
    older = decode(encode(index))
    older.durations = array("q", older.durations)
    older.updated = array("q", older.updated)
    keep = list(range(0, len(older), 2))
    again = refreshed(older, keep, [])
    assert again.durations.typecode == "I"
    assert [again.track(i) for i in range(len(again))] == [index.track(p) for p in keep]


def test_a_seal_that_keeps_what_filling_used_makes_the_same_index() -> None:
    """A build worker seals with ``keep`` (it exits without freeing); the index is the
    same, and what went in ``keep`` is what the index no longer holds."""
    tracks = make_tracks("Music", 3000)
    freed, kept = TrackIndex(), TrackIndex()
    for index in (freed, kept):
        index.add_many(tracks[:2000])
        index.seal()  # a refresh merges into sealed postings: the other branch
        index.add_many(tracks[2000:])
    freed.seal()
    keep: list[object] = []
    kept.seal(keep)
    assert encode(kept) == encode(freed)
    tails = [part for part in keep if isinstance(part, dict)]
    assert tails, "the postings added since the last seal, of each table that had some"
    assert all(tails)
