"""Cold start and the residents' pipeline floor (issue 17, items 2 and 3), before and after, side by side.

"before" is a checkout of the code before this work (default: /work/main, or --before PATH); "after" is this
tree. Every figure comes from separate processes run in pairs (before, after, before, after, …) so that a
busy machine weighs on both alike; the load average is recorded with each run.

1. `python -m triangulate init --demo` in a fresh data folder and a fresh SQLite file: wall seconds and CPU
   seconds (the process and its children, e.g. UMAP's background compile). Target: ≤ 8 s. Where init leaves the
   topic fit to the worker (an analysis job, as `make run` then runs it), the worker is run next, as `make run`
   starts it (`worker --max-jobs 1`), and its wall and CPU seconds are reported beside init's, with
   `topics_ready_s` = init + worker wall: when the Topics page has topics. `--parts init_wait` also times
   `init --demo --wait` (the topic fit inline, for scripts) in the after tree.
2. First officer suggestion after a server start: a process does what the server does at start (the engine,
   then `triangulate.warmup.start` where it exists), waits --sign-in seconds (someone signing in and typing),
   then asks for a suggestion: the seconds that suggestion took. Target: ≤ 3 s.
3. Residents' pipeline, CPU seconds per 1,000 words: import N synthetic transcripts (bench_residents' generator)
   and analyse them (embed + assign + topic fit), after a warm-up (spaCy and the model loaded, UMAP compiled,
   as in a running server). Target: after ≤ before ÷ 1.5.

    .venv/bin/python bench/bench_coldstart.py [--pairs 2] [--transcripts 4] [--parts init,init_wait,suggest,pipeline]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "results" / "coldstart.json"

# Runs inside a child process whose working directory (and sys.path) is the tree under test.
SUGGEST_CHILD = r"""
import json, os, sys, time
sys.path.insert(0, os.getcwd())
started = time.perf_counter()
from triangulate.core import db
engine = db.get_engine()
try:
    from triangulate import warmup
    warmup.start(engine)
    warmed = True
except ImportError:
    warmed = False
time.sleep(float(sys.argv[1]))
from triangulate.practitioners import suggest
asked = time.perf_counter()
found = suggest.suggest(engine, "Families in Govan tell me the rent went up again and the heating is off most days.")
done = time.perf_counter()
print(json.dumps({"suggestion_s": done - asked, "since_start_s": done - started, "warm_up": warmed,
                  "top": found[0].issue_code if found else None}))
"""

PIPELINE_CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
sys.path.insert(0, os.getcwd())
sys.path.insert(0, os.path.join(os.getcwd(), "bench"))
import bench_residents as br
from triangulate.core.permissions import SYSTEM
from triangulate.residents import store, topics

def cpu():
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime

folder = Path(sys.argv[1])
files = [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.txt"))]
words = sum(len(d.split()) for _, d in files)
br.warm_up()
try:
    from triangulate.residents import umap_cache
    umap_cache.enable()
except ImportError:
    pass
engine = br.fresh_engine(Path(sys.argv[2]), "pipeline.db")
c0, t0 = cpu(), time.perf_counter()
if hasattr(store, "import_files"):
    store.import_files(engine, SYSTEM, [(n, d, {}) for n, d in files])
else:
    for n, d in files:
        store.import_file(engine, SYSTEM, n, d)
c1, t1 = cpu(), time.perf_counter()
result = topics.analyse(engine, SYSTEM)
c2, t2 = cpu(), time.perf_counter()
print(json.dumps({"words": words, "cpu_s": c2 - c0, "wall_s": t2 - t0, "import_cpu_s": c1 - c0,
                  "analyse_cpu_s": c2 - c1, "topics": result.n_topics, "segments": result.n_segments}))
"""


def load() -> float:
    return round(os.getloadavg()[0], 1)


def child_env(data: Path, database: Path | None = None) -> dict:
    env = {**os.environ, "TRIANGULATE_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("DATABASE_URL", None)
    if database is not None:
        env["DATABASE_URL"] = f"sqlite:///{database}"
    return env


def timed(command: list[str], tree: Path, env: dict) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run to the end; (process, wall s, CPU s of it and every child it waited for)."""
    start, usage0 = time.perf_counter(), os.times()
    proc = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    wall, usage1 = time.perf_counter() - start, os.times()
    cpu = (usage1.children_user - usage0.children_user) + (usage1.children_system - usage0.children_system)
    return proc, wall, cpu


def queued_analyses(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        try:
            return conn.execute("SELECT count(*) FROM job WHERE kind = 'analysis' AND status = 'queued'").fetchone()[0]
        except sqlite3.OperationalError:  # a tree without the job table
            return 0


def run_init(tree: Path, *extra: str) -> dict:
    data = Path(tempfile.mkdtemp(prefix="coldstart_init_"))
    env = child_env(data)
    before = load()
    proc, wall, cpu = timed([sys.executable, "-m", "triangulate", "init", "--demo", *extra], tree, env)
    if proc.returncode:
        raise SystemExit(f"init --demo failed in {tree}:\n{proc.stderr[-2000:]}")
    out = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "load": before}
    database = next(data.glob("*.db"))
    if queued_analyses(database):  # the topics are the worker's: run it as `make run` does, right after init
        worker, w_wall, w_cpu = timed([sys.executable, "-m", "triangulate", "worker", "--max-jobs", "1",
                                       "--concurrency", "1", "--poll", "0.2"], tree, env)
        if worker.returncode:
            raise SystemExit(f"worker failed in {tree}:\n{worker.stderr[-2000:]}")
        with sqlite3.connect(database) as conn:
            status = conn.execute("SELECT status FROM job WHERE kind = 'analysis' ORDER BY id DESC").fetchone()[0]
            topics = conn.execute("SELECT count(*) FROM topic").fetchone()[0]
        out.update(worker_wall_s=round(w_wall, 2), worker_cpu_s=round(w_cpu, 2), worker_job=status)
    else:
        with sqlite3.connect(database) as conn:
            topics = conn.execute("SELECT count(*) FROM topic").fetchone()[0]
    out.update(topics=topics, topics_ready_s=round(wall + out.get("worker_wall_s", 0.0), 2),
               total_cpu_s=round(cpu + out.get("worker_cpu_s", 0.0), 2))
    shutil.rmtree(data, ignore_errors=True)
    return out


def demo_database(tree: Path) -> Path:
    """A demo database made once by `tree` (the suggestion runs copy it)."""
    data = Path(tempfile.mkdtemp(prefix="coldstart_demo_"))
    subprocess.run([sys.executable, "-m", "triangulate", "init", "--demo"], cwd=tree, env=child_env(data),
                   capture_output=True, check=True)
    return next(data.glob("*.db"))


def run_suggest(tree: Path, template: Path, delay: float) -> dict:
    data = Path(tempfile.mkdtemp(prefix="coldstart_suggest_"))
    database = data / "server.db"
    shutil.copy(template, database)
    before = load()
    proc = subprocess.run([sys.executable, "-c", SUGGEST_CHILD, str(delay)], cwd=tree,
                          env=child_env(data, database), capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"suggestion run failed in {tree}:\n{proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    shutil.rmtree(data, ignore_errors=True)
    return {**{k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}, "load": before}


def synthetic_files(n: int, words: int) -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("TRIANGULATE_DATA_DIR", tempfile.mkdtemp(prefix="coldstart_gen_"))
    import bench_residents as br

    rng = random.Random(7)
    pool, vocab = br.sentence_pool(), br.vocabulary()
    folder = Path(tempfile.mkdtemp(prefix="coldstart_files_"))
    for k in range(n):
        (folder / f"synthetic_{k:02d}.txt").write_bytes(br.synthetic_transcript(rng, pool, vocab, words, k))
    return folder


def run_pipeline(tree: Path, files: Path) -> dict:
    data = Path(tempfile.mkdtemp(prefix="coldstart_pipe_"))
    before = load()
    proc = subprocess.run([sys.executable, "-c", PIPELINE_CHILD, str(files), str(data)], cwd=tree,
                          env=child_env(data), capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"pipeline run failed in {tree}:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    shutil.rmtree(data, ignore_errors=True)
    per_1000 = 1000 * result["cpu_s"] / result["words"]
    return {**{k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()},
            "cpu_s_per_1000_words": round(per_1000, 3), "load": before}


def median(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=Path("/work/main"))
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--parts", default="init,suggest,pipeline")
    parser.add_argument("--transcripts", type=int, default=4)
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--sign-in", type=float, default=5.0, help="seconds between server start and the request")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": ROOT}
    parts = args.parts.split(",")
    report: dict = {"cores": os.cpu_count(), "pairs": args.pairs, "trees": {k: str(v) for k, v in trees.items()},
                    "commits": {k: subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=v, capture_output=True,
                                                  text=True).stdout.strip() for k, v in trees.items()}}
    if "init" in parts:
        runs = {"before": [], "after": []}
        for _ in range(args.pairs):
            for name, tree in trees.items():
                runs[name].append(run_init(tree))
                print(f"init --demo {name}: {runs[name][-1]}", file=sys.stderr)
        report["init_demo"] = {"runs": runs, **{f"{n}_median_wall_s": median(r, "wall_s") for n, r in runs.items()},
                               **{f"{n}_median_cpu_s": median(r, "cpu_s") for n, r in runs.items()},
                               **{f"{n}_median_topics_ready_s": median(r, "topics_ready_s") for n, r in runs.items()},
                               **{f"{n}_median_total_cpu_s": median(r, "total_cpu_s") for n, r in runs.items()},
                               "median_load": {n: round(statistics.median(x["load"] for x in r), 1)
                                               for n, r in runs.items()},
                               "target_wall_s": 8}
    if "init_wait" in parts:
        runs = [run_init(ROOT, "--wait") for _ in range(args.pairs)]
        for r in runs:
            print(f"init --demo --wait after: {r}", file=sys.stderr)
        report["init_demo_wait"] = {"runs": {"after": runs}, "after_median_wall_s": median(runs, "wall_s"),
                                    "after_median_cpu_s": median(runs, "cpu_s")}
    if "suggest" in parts:
        runs = {"before": [], "after": []}
        templates = {name: demo_database(tree) for name, tree in trees.items()}
        for _ in range(args.pairs):
            for name, tree in trees.items():
                runs[name].append(run_suggest(tree, templates[name], args.sign_in))
                print(f"first suggestion {name}: {runs[name][-1]}", file=sys.stderr)
        report["first_suggestion"] = {"sign_in_delay_s": args.sign_in, "runs": runs,
                                      **{f"{n}_median_s": median(r, "suggestion_s") for n, r in runs.items()},
                                      "target_s": 3}
    if "pipeline" in parts:
        files = synthetic_files(args.transcripts, args.words)
        runs = {"before": [], "after": []}
        for _ in range(args.pairs):
            for name, tree in trees.items():
                runs[name].append(run_pipeline(tree, files))
                print(f"pipeline {name}: {runs[name][-1]}", file=sys.stderr)
        b, a = median(runs["before"], "cpu_s_per_1000_words"), median(runs["after"], "cpu_s_per_1000_words")
        report["pipeline"] = {"transcripts": args.transcripts, "words_each": args.words, "runs": runs,
                              "before_cpu_s_per_1000_words": b, "after_cpu_s_per_1000_words": a,
                              "speed_up": round(b / a, 2), "target_speed_up": 1.5}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    summary = {k: {kk: vv for kk, vv in v.items() if kk != "runs"} for k, v in report.items() if isinstance(v, dict)
               and "runs" in v}
    print(json.dumps(summary, indent=2))
    print(f"→ {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
