"""Would another embedder need other decision constants? One constant at a time around the shipped ones, with
10 coded examples and zero-shot, by assignment_cv's estimates (dev, speaker folds, swap): dev only.

Run: TRIANGULATE_BENCH_EMBEDDER=mpnet .venv/bin/python bench/assignment_settings_grid.py [--zero-shot]
(bench/embedders.py names the embedders; vectors cached per embedder as in assignment_cv).
"""
from __future__ import annotations

import sys

import assignment_cv as cv
import numpy as np
from assignment_data import load

from triangulate.codebook import assignment

GRID = {
    "none_margin": [-0.06, -0.04, 0.0, 0.02],
    "keyword_boost": [0.0, 0.03, 0.09],
    "max_boost": [0.12],
    "length_weight": [0.05, 0.1, 0.2, 0.25],
    "definition_weight": [0.3, 0.7],
    "top_keywords": [1, 3],
    "temperature": [10.0, 30.0, 40.0],
    "regularisation_c": [4.0, 64.0],
    "prior_weight": [2.0, 8.0],
    "prototype_weight": [0.1, 0.5],
}
ZERO_SHOT_KEYS = ("none_margin", "keyword_boost", "max_boost", "length_weight", "definition_weight", "top_keywords")


def _method(settings: dict, zero_shot: bool):
    if zero_shot:
        return lambda texts, labels, *rest: cv.current([], [], *rest, settings=settings)
    return lambda *a: cv.current(*a, settings=settings)


def main(zero_shot: bool) -> None:
    cv.load_cache()
    dev, pool = load("dev"), load("examples")
    issues = cv.bench.default_issues()
    offtopic = cv.bench.encode(list(assignment.offtopic_prototypes()))
    cv.bench.encode([r["text"] for r in dev + pool])
    cv.save_cache()
    runs = [("shipped", {})] + [(f"{k}={v}", {k: v}) for k, values in GRID.items() for v in values
                                if not zero_shot or k in ZERO_SHOT_KEYS]
    print(f"{'embedder ' + cv.embedder_name():<28}{'dev':>6}{'folds':>7}{'sd':>6}{'swap':>6}{'offP':>6}{'offR':>6}"
          f"{'top3':>6}{'mean3':>7}")
    for name, settings in runs:
        r = cv.evaluate(name, _method(settings, zero_shot), dev, pool, issues, offtopic)
        mean3 = np.mean([r["dev"], r["folds_mean"], r["swap"]])
        print(f"{name:<28}{r['dev']:>6.3f}{r['folds_mean']:>7.3f}{r['folds_sd']:>6.3f}{r['swap']:>6.3f}"
              f"{r['off_p']:>6.3f}{r['off_r']:>6.3f}{r['top3']:>6.3f}{mean3:>7.3f}", flush=True)


if __name__ == "__main__":
    main("--zero-shot" in sys.argv[1:])
