"""The embedding model's large blocks reused from the heap (triangulate/core/heap.py): the same vectors, to the
last bit, as blocks mapped afresh for every layer."""
from __future__ import annotations

import numpy as np
import pytest

from triangulate.core import embeddings, heap


def test_block_size_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("TRIANGULATE_HEAP_BLOCK_MB", "0")
    assert heap.block_mb() == 0 and heap.keep_large_blocks() is False
    monkeypatch.setenv("TRIANGULATE_HEAP_BLOCK_MB", "lots")
    assert heap.block_mb() == heap.DEFAULT_MB
    monkeypatch.delenv("TRIANGULATE_HEAP_BLOCK_MB")
    assert heap.block_mb() == heap.DEFAULT_MB


@pytest.mark.slow
def test_vectors_are_the_same_to_the_last_bit_with_blocks_reused_or_mapped_afresh():
    libc = heap._glibc()
    if libc is None:
        pytest.skip("not glibc: nothing is switched")
    # long enough that a batch's activations (64 x tokens x 1536 floats) are far above glibc's 32 MiB ceiling
    texts = [f"Resident {k}: the rent went up again and the heating is off most days, " * 12 for k in range(70)]
    reused = embeddings.encode(texts, batch_size=64)  # loading the model switched reuse on
    try:
        libc.mallopt(heap.M_MMAP_THRESHOLD, 128 << 10)  # every big block mapped afresh, as before
        mapped = embeddings.encode(texts, batch_size=64)
    finally:
        heap.keep_large_blocks()
    assert np.array_equal(reused, mapped)
