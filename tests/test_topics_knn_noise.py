"""The topic fit's neighbours come from similarities rounded to `topics.KNN_DECIMALS`: float noise of the size
batching leaves in the vectors leaves them as they are (or nearly: a similarity within the noise of a rounding
boundary still flips), where unrounded it changes thousands of neighbour entries."""
from __future__ import annotations

import numpy as np

from triangulate.residents import topics


def _corpus(seed: int = 5, n: int = 300, dim: int = 384) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(6, dim))
    vectors = (centres[rng.integers(0, 6, n)] + 1.5 * rng.normal(size=(n, dim))).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _changed(a: np.ndarray, b: np.ndarray, k: int = 15) -> int:
    (ia, da), (ib, db) = topics.exact_knn(a, k), topics.exact_knn(b, k)
    return int((ia != ib).sum() + (da != db).sum())


def test_rounding_keeps_the_neighbours_through_noise_of_the_size_batching_leaves(monkeypatch):
    vectors = _corpus()
    rng = np.random.default_rng(6)
    small = vectors + rng.uniform(-3e-8, 3e-8, vectors.shape).astype(np.float32)
    large = vectors + rng.uniform(-3e-7, 3e-7, vectors.shape).astype(np.float32)  # on every component
    assert topics.KNN_DECIMALS == 3
    rounded = _changed(vectors, small), _changed(vectors, large)
    monkeypatch.setattr(topics, "KNN_DECIMALS", None)
    raw = _changed(vectors, small), _changed(vectors, large)
    assert rounded[0] == 0 < 1000 < raw[0]
    # a similarity within the noise of a rounding boundary still flips: rare, not impossible (4,500 entries)
    assert rounded[1] <= 10 and raw[1] > 1000


def test_the_rounding_is_part_of_the_recorded_recipe():
    assert topics.settings_for(200)["knn_decimals"] == topics.KNN_DECIMALS
    assert topics.SETTINGS_VERSION >= 4
