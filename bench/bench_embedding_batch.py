"""Embedding batch size: 64 against 16 (the shipped default), torch at one thread, on the assignment benchmark.

Same measure as bench_embedding_backends.py: CPU seconds per 1,000 segments, the vectors' largest difference,
the share of segments given the same issue and macro-F1 (zero-shot and with 10 examples per issue).

    .venv/bin/python bench/bench_embedding_batch.py [--split heldout]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_assignment as ba
import bench_embedding_backends as be
import numpy as np

from triangulate.core import embeddings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="heldout", choices=["dev", "heldout"])
    parser.add_argument("--out", type=Path, default=be.ROOT / "bench" / "results" / "embedding-batch.json")
    args = parser.parse_args()
    data = be.ROOT / "bench" / "data" / "assignment"
    rows, pool = ba.read_jsonl(data / f"{args.split}.jsonl"), ba.read_jsonl(data / "coded_examples.jsonl")
    results = {}
    for size in (64, 16):
        results[size] = be.measure(lambda texts, batch_size=64, size=size: be.TORCH_ENCODE(texts, batch_size=size),
                                   rows, pool, 10)
        embeddings.encode = be.TORCH_ENCODE
    report = {"split": args.split, "segments": len(rows), "load_average_1min": round(os.getloadavg()[0], 1),
              "max_abs_vector_difference": float(np.abs(results[64]["vectors"] - results[16]["vectors"]).max())}
    for size, r in results.items():
        report[f"batch_{size}"] = {"embed_cpu_s_per_1000": r["embed_cpu_s_per_1000"],
                                   **{m: {"macro_f1": r[m]["macro_f1"], "same_issue_share": float(np.mean(
                                       [a == b for a, b in zip(r[m]["issues"], results[64][m]["issues"])]))}
                                      for m in ("zero_shot", "examples")}}
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
