"""The run's driver gives the C heap's freed pages back (gongkai.heap): glibc keeps them otherwise."""

from __future__ import annotations

import resource

import pytest

from gongkai.heap import _libc, limit_heap_arenas, trim_free_heap

MB = 2**20


def _resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


@pytest.mark.skipif(_libc() is None, reason="malloc_trim is glibc's")
def test_freed_blocks_amid_live_ones_go_back_to_the_system() -> None:
    blocks = [bytearray(4000) for _ in range(60_000)]  # ~240 MB of small blocks, from the heap
    survivors = blocks[::64]  # one block in 64 stays: the heap cannot shrink from its top alone
    del blocks
    before = _resident()
    assert trim_free_heap()
    assert before - _resident() > 100 * MB
    assert len(survivors) == 938


@pytest.mark.skipif(_libc() is None, reason="mallopt is glibc's")
def test_the_arenas_can_be_limited() -> None:
    assert limit_heap_arenas(8)
