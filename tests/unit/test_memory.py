"""Handing freed heap back to the system (glibc's malloc_trim)."""

from __future__ import annotations

import platform

import pytest

from common.runtime.memory import release_free_memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_free_heap_goes_back_to_the_system_under_glibc() -> None:
    def resident_kb() -> int:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))

    # Many small blocks (below the allocator's mmap threshold) live in the heap itself;
    # freed, they stay resident until trimmed.
    blocks = [bytearray(64 * 1024) for _ in range(1600)]  # about 100 MB
    for block in blocks:
        block[::4096] = b"x" * len(block[::4096])  # touch every page
    before = resident_kb()
    del blocks
    assert release_free_memory()
    assert resident_kb() < before - 50 * 1024
