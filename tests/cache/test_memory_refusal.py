"""The memory limit's refusal says what the library would cost and what limit fits it."""

from __future__ import annotations

import pytest

from cache_svc.build.generation import BuildFailed, MemoryEstimate, refusal
from common.matching.query import LibraryTrack

MB = 2**20


def test_the_refusal_names_the_size_the_memory_and_the_limit_that_fits() -> None:
    text = refusal(1_000_000, 290 * MB, 256 * MB)
    assert text.startswith("the library has 1,000,000 tracks, whose index needs about 290 MB")
    assert "(29 MB per 100,000 tracks)" in text
    assert "LIBRARY_CACHE_MEMORY_LIMIT_MB=256; set it to at least 290," in text


def test_the_estimate_refuses_past_the_limit_and_passes_under_it() -> None:
    sample = [
        LibraryTrack(item_id=str(n), library="Music", title=f"Song {n}", artists=(f"Band {n % 7}",))
        for n in range(500)
    ]
    roomy = MemoryEstimate(64 * MB)
    roomy.check(10_000, sample)  # well under: no refusal
    tight = MemoryEstimate(16 * MB)
    with pytest.raises(BuildFailed) as refused:
        tight.check(1_000_000, sample)
    message = str(refused.value)
    assert "1,000,000 tracks" in message
    assert "LIBRARY_CACHE_MEMORY_LIMIT_MB=16; set it to at least" in message
