"""The batch paths of the index columns hold exactly what the one-at-a-time paths hold."""

from __future__ import annotations

import random

from common.matching.columns import PostingTable, StringColumn

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
