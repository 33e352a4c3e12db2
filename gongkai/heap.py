"""Giving the C heap's free memory back to the system in a long run.

A national run's driver frees most of what each batch allocates (documents, frames, Arrow buffers), but
glibc keeps freed pages in its arenas: on the 100,000-document benchmark the free-but-kept part grew from
20 to 300 MiB while the part in use stayed near 170 MiB. `malloc_trim` returns it; fewer arenas (one per
busy thread by default, up to 8 per core) leave less of it in the first place. Both are no-ops off glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

_M_ARENA_MAX = -8  # mallopt parameter (malloc.h)


@functools.cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    # glibc only (musl and macOS lack them)
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def trim_free_heap() -> bool:
    """Return the free pages of the C heap and of Arrow's memory pool (mimalloc or jemalloc, which keep
    theirs too) to the system; True when the C heap returned any."""
    import pyarrow  # the lake's: imported by then

    pyarrow.default_memory_pool().release_unused()
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


def limit_heap_arenas(arenas: int = 2) -> bool:
    """Let at most `arenas` malloc arenas be created from now on (threads then share them); True when set."""
    libc = _libc()
    return bool(libc.mallopt(_M_ARENA_MAX, arenas)) if libc is not None else False
