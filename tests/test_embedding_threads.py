"""Torch keeps its thread count (TRIANGULATE_TORCH_THREADS) across a topic fit: UMAP's numba code sets
OpenMP's thread count for the whole process, and every later encode ran at the core count for 2.9x the CPU."""
from __future__ import annotations

import pytest

from triangulate.core import embeddings


def test_encode_puts_torch_back_at_its_thread_count():
    torch = pytest.importorskip("torch")
    embeddings.encode(["The rent went up again."])  # the model loaded: torch at torch_threads()
    wanted = embeddings.torch_threads()
    torch.set_num_threads(wanted + 1)  # as a topic fit's numba code leaves it
    embeddings.encode(["The heating is off most days."])
    assert torch.get_num_threads() == wanted
