"""Embedding batch size (8, 16, 32, 64), torch at one thread, on the assignment benchmark (issue 17, item 3).

Same measure as bench_embedding_backends.py: CPU seconds per 1,000 segments (the best of --repeats timed passes
per size, interleaved so a busy machine weighs on every size alike), the vectors' largest difference from the
reference batch size (64, the size shipped before this bench), the share of segments given the same issue and
macro-F1 (zero-shot and with 10 examples per issue). A size keeps the assignment if it gives the same issue for
≥ 99 % of segments and the same macro-F1 in both modes (the issue's rule).

    .venv/bin/python bench/bench_embedding_batch.py [--embedder minilm] [--split dev] [--sizes 8,16,32,64]
"""
from __future__ import annotations

import argparse
import os
import sys

EMBEDDER = "minilm"
if "--embedder" in sys.argv:  # before triangulate.core.embeddings reads it (bench_embedding_backends sets minilm)
    EMBEDDER = sys.argv[sys.argv.index("--embedder") + 1]
os.environ["TRIANGULATE_EMBEDDER"] = EMBEDDER

import json  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_assignment as ba  # noqa: E402
import bench_embedding_backends as be  # noqa: E402
import numpy as np  # noqa: E402

from triangulate.core import embeddings  # noqa: E402

os.environ["TRIANGULATE_EMBEDDER"] = EMBEDDER  # bench_embedding_backends set minilm on import
REFERENCE = 64


def timed_passes(texts: list[str], sizes: list[int], repeats: int) -> dict[int, float]:
    """CPU seconds per 1,000 texts for each batch size: the best of `repeats` passes, sizes interleaved."""
    be.TORCH_ENCODE(texts[:16])  # warm-up: the model loaded, the first allocations made
    best = {size: float("inf") for size in sizes}
    for _ in range(repeats):
        for size in sizes:
            started = be.cpu()
            be.TORCH_ENCODE(texts, batch_size=size)
            best[size] = min(best[size], be.cpu() - started)
    return {size: round(1000 * s / len(texts), 2) for size, s in best.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default=EMBEDDER, choices=sorted(embeddings.MODELS))
    parser.add_argument("--split", default="dev", choices=["dev", "heldout"])
    parser.add_argument("--sizes", default="8,16,32,64")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path,
                        default=be.ROOT / "bench" / "results" / f"embedding-batch-{EMBEDDER}.json")
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")} | {REFERENCE})
    data = be.ROOT / "bench" / "data" / "assignment"
    rows, pool = ba.read_jsonl(data / f"{args.split}.jsonl"), ba.read_jsonl(data / "coded_examples.jsonl")
    texts = [r["text"] for r in rows]
    load_before = round(os.getloadavg()[0], 1)
    cpu = timed_passes(texts, sizes, args.repeats)
    results = {}
    for size in sizes:
        results[size] = be.measure(lambda t, batch_size=64, size=size: be.TORCH_ENCODE(t, batch_size=size),
                                   rows, pool, 10)
        embeddings.encode = be.TORCH_ENCODE
    ref = results[REFERENCE]
    report = {"embedder": embeddings.MODEL_NAME, "split": args.split, "segments": len(rows),
              "torch_threads": embeddings.torch_threads(), "repeats": args.repeats, "reference_batch": REFERENCE,
              "load_average_1min": {"before": load_before, "after": round(os.getloadavg()[0], 1)},
              "cores": os.cpu_count()}
    for size in sizes:
        r = results[size]
        row = {"embed_cpu_s_per_1000": cpu[size], "cpu_vs_reference": round(cpu[REFERENCE] / cpu[size], 2),
               "max_abs_vector_difference": float(np.abs(r["vectors"] - ref["vectors"]).max()),
               "min_cosine_to_reference": round(float((r["vectors"] * ref["vectors"]).sum(axis=1).min()), 7)}
        for mode in ("zero_shot", "examples"):
            same = float(np.mean([a == b for a, b in zip(r[mode]["issues"], ref[mode]["issues"])]))
            row[mode] = {"macro_f1": r[mode]["macro_f1"], "same_issue_share": round(same, 4)}
        row["keeps_the_assignment"] = all(row[m]["same_issue_share"] >= 0.99 and row[m]["macro_f1"]
                                          == ref[m]["macro_f1"] for m in ("zero_shot", "examples"))
        report[f"batch_{size}"] = row
        print(f"batch {size:3}: {row['embed_cpu_s_per_1000']:6.2f} CPU s/1000  ×{row['cpu_vs_reference']:<5} "
              f"max diff {row['max_abs_vector_difference']:.1e}  same issue {row['zero_shot']['same_issue_share']:.3f}"
              f"/{row['examples']['same_issue_share']:.3f}  macro-F1 {row['zero_shot']['macro_f1']:.3f}/"
              f"{row['examples']['macro_f1']:.3f}  keeps: {row['keeps_the_assignment']}", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"→ {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
