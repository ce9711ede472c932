"""Is mpnet better than MiniLM for issue assignment, or is it noise? A paired bootstrap over segments (1,000
resamples) of the macro-F1 difference, the shipped method, dev and swap, 10 examples and zero-shot: dev only.

Needs both vector caches that assignment_cv writes (run it once with TRIANGULATE_BENCH_EMBEDDER=minilm and =mpnet).
Run: .venv/bin/python bench/assignment_embedder_bootstrap.py [--centred]   (--centred: mpnet's vectors centred)
"""
from __future__ import annotations

import sys

import assignment_cv as cv
import numpy as np
from assignment_data import load

from triangulate.codebook import assignment

CACHES = {"minilm": "/tmp/assignment_cv_vectors.npz", "mpnet": "/tmp/assignment_cv_vectors-mpnet.npz"}


def _vectors(path: str) -> dict[str, np.ndarray]:
    data = np.load(path, allow_pickle=False)
    return {str(t): v for t, v in zip(data["texts"], data["vectors"])}


def _decisions(centred: bool) -> dict:
    dev, pool = load("dev"), load("examples")
    out = {}
    for name, path in CACHES.items():
        cv.bench._vectors.clear()
        cv.bench._vectors.update(_vectors(path))
        issues = cv.bench.default_issues()
        off = cv.bench.encode(list(assignment.offtopic_prototypes()))
        method = cv.centred("train") if centred and name == "mpnet" else cv.current
        for split, (train, test) in {"dev": (pool, dev), "swap": (dev, pool)}.items():
            for n in (10, 0):
                texts, labels = cv.bench.examples_per_issue(train, n) if n else ([], [])
                out[(name, split, n)] = method(texts, labels, [r["text"] for r in test], issues, off)
    return out


def main(centred: bool) -> None:
    out = _decisions(centred)
    rng = np.random.default_rng(0)
    for split, test in {"dev": load("dev"), "swap": load("examples")}.items():
        for n in (10, 0):
            a, b = out[("minilm", split, n)], out[("mpnet", split, n)]
            base = cv.bench.score(test, *b)["macro_f1"] - cv.bench.score(test, *a)["macro_f1"]
            diffs = []
            for _ in range(1000):
                idx = rng.integers(0, len(test), len(test))
                rows = [test[i] for i in idx]
                diffs.append(cv.bench.score(rows, [b[0][i] for i in idx], [b[1][i] for i in idx])["macro_f1"]
                             - cv.bench.score(rows, [a[0][i] for i in idx], [a[1][i] for i in idx])["macro_f1"])
            lo, hi = np.percentile(diffs, [2.5, 97.5])
            print(f"{split:<5}{n:>3} examples: mpnet − MiniLM {base:+.3f}, 95 % interval [{lo:+.3f}, {hi:+.3f}], "
                  f"share ≤ 0 {np.mean(np.array(diffs) <= 0):.3f}")


if __name__ == "__main__":
    main("--centred" in sys.argv[1:])
