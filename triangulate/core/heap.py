"""Large blocks of memory reused by the embedding model instead of mapped afresh for every layer.

glibc hands out every block above its mmap threshold (it rises with use, but never above 32 MiB) as fresh pages
from the kernel and gives them back on free. A transformer's activations for a batch of 64 segments are 50-60 MiB
each (MiniLM: the feed-forward layer and the attention scores), so every layer of every batch faulted its pages
in again and had the kernel zero them: 0.5-0.9 system CPU seconds of 8.3-8.7 for 225 long turns with MiniLM;
0.2 with the blocks reused and given back after each encode (0.01-0.07 if never given back). `keep_large_blocks()`
raises the mmap and trim thresholds so that those blocks come from the heap and are reused; `release()` gives the
free memory back to the system after each encode, so a process holds no more between two encodes than it did
before. The arithmetic is the same: the vectors are identical to the last bit (tests/test_embedding_heap.py).
(Measured at batches of 64; `embeddings.encode` now uses 16, whose blocks are a quarter of that size, so the gain is
smaller there.)

`TRIANGULATE_HEAP_BLOCK_MB` (default 256; 0 turns this off): blocks up to this size come from the heap. Only on
Linux with glibc; elsewhere both functions do nothing.
"""
from __future__ import annotations

import ctypes
import os
import sys
from functools import lru_cache

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc <malloc.h>
DEFAULT_MB = 256


def block_mb() -> int:
    """TRIANGULATE_HEAP_BLOCK_MB (default 256; 0 or an unreadable value below 0: off)."""
    try:
        return max(0, int(os.environ.get("TRIANGULATE_HEAP_BLOCK_MB", DEFAULT_MB)))
    except ValueError:
        return DEFAULT_MB


@lru_cache(maxsize=1)
def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt.argtypes, libc.malloc_trim.argtypes = [ctypes.c_int, ctypes.c_int], [ctypes.c_size_t]
    except (OSError, AttributeError):  # another C library (musl has no mallopt)
        return None
    return libc


def keep_large_blocks() -> bool:
    """Blocks up to `block_mb()` MiB from the heap, reused (idempotent). True when switched on."""
    size, libc = block_mb(), _glibc()
    if not size or libc is None:
        return False
    size = min(size, 1024) << 20
    return bool(libc.mallopt(M_MMAP_THRESHOLD, size)) and bool(libc.mallopt(M_TRIM_THRESHOLD, size))


def release() -> None:
    """Give the heap's free memory back to the system (after an encode, when heap blocks are in use)."""
    libc = _glibc()
    if block_mb() and libc is not None:
        libc.malloc_trim(0)
