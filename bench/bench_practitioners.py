"""Practitioners' budgets: suggestions p95 ≤ 300 ms for a 200-word insight once warm; insight list and
crosstab ≤ 1 s with 5,000 insights (the library calls the pages make, and an AppTest render of each page).

Suggestions run their own model (`suggest.INTERACTIVE_EMBEDDER`, MiniLM) whatever the chosen (batch) model.
Timed: 60 texts of 200 random words from WORDS (the figure the budget was set on) and 30 200-word texts joined
from the demo's fictional insights (real sentences), one suggestion each, wall ms and CPU ms, the 1-minute load
average beside them. Options for the suggestions' model, with their accuracy: bench/bench_suggest_models.py.

Run: .venv/bin/python bench/bench_practitioners.py [--suggest-only]   → table on stdout, JSON in
bench/results/practitioners.json. --suggest-only: the suggestions alone (→ practitioners-suggest.json), on 1,000
insights rather than 5,000: the one-off warm-up embeds every issue's newest 200 coded insights (minutes with mpnet
on 5,000; about a minute with MiniLM), and a suggestion's time hardly depends on how many taught it.
"""
from __future__ import annotations

import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import select

from bench import budgets
from schemas import Insight, InsightCode, Ward
from triangulate import demo
from triangulate.codebook import issues as codebook
from triangulate.core import db, embeddings
from triangulate.core.permissions import Actor
from triangulate.practitioners import insights, suggest

N_INSIGHTS = 5_000
N_INSIGHTS_SUGGEST_ONLY = 1_000
BUDGETS = {"suggest_p95_ms": 300, "list_frame_s": 1.0, "crosstab_s": 1.0, "page_insights_s": 1.0,
           "page_analysis_s": 1.0}
WORDS = [
    "families", "damp", "mould", "flat", "overcrowded", "food", "bank", "meals", "heating", "prepayment", "meter",
    "bus", "fares", "nursery", "hours", "school", "uniform", "debt", "arrears", "stress", "anxiety", "benefits",
    "universal", "credit", "wait", "job", "hours", "pay"
]


def timed(fn, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load_avg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def demo_texts(n: int, words: int = 200) -> list[str]:
    """~`words`-word texts joined from the demo's fictional insights, each starting at another insight."""
    import csv

    with (ROOT / "triangulate" / "data" / "demo" / "insights.csv").open(encoding="utf-8") as f:
        insights = list(dict.fromkeys(row["text"] for row in csv.DictReader(f)))
    out = []
    for k in range(n):
        parts, j = [], k
        while len(" ".join(parts).split()) < words:
            parts.append(insights[j % len(insights)])
            j += 7
        out.append(" ".join(" ".join(parts).split()[:words]))
    return out


def time_suggestions(engine, texts: list[str], prefix: str, results: dict) -> None:
    walls, cpus = [], []
    load_before = load_avg()
    for text in texts:
        w0, c0 = time.perf_counter(), cpu()
        suggest.suggest(engine, text)
        walls.append((time.perf_counter() - w0) * 1000)
        cpus.append((cpu() - c0) * 1000)
    results[f"{prefix}_p50_ms"] = statistics.median(walls)
    results[f"{prefix}_p95_ms"] = statistics.quantiles(walls, n=20)[18]
    results[f"{prefix}_cpu_p50_ms"] = statistics.median(cpus)
    results[f"{prefix}_load_avg"] = round((load_before + load_avg()) / 2, 2)


def fill(engine, n):
    rng = random.Random(42)
    with db.session_scope(engine) as s:
        wards = [w.code for w in s.exec(select(Ward))]
        issues = [i.id for i in codebook.leaf_issues(s)]
        stances = ["problem", "problem", "worsening", "not_a_problem", "improving"]
        for k in range(n):
            text = " ".join(rng.choice(WORDS) for _ in range(60))
            insight = Insight(ward_code=rng.choice(wards), author_name=f"Officer {k % 40}", role_service=rng.choice(
                ["Health visiting", "Housing", "Community engagement officer", "Social work"]),
                observed_on=date(2026, 1, 1) + timedelta(days=rng.randrange(300)), text=text,
                evidence_type="caseload pattern", illustrative=True)
            s.add(insight)
            s.flush()
            for issue_id in rng.sample(issues, rng.randint(1, 3)):
                s.add(InsightCode(insight_id=insight.id, issue_id=issue_id, stance=rng.choice(stances),
                                  severity=rng.randint(1, 3), coder="officer"))
            if k % 10 == 0:
                s.add(InsightCode(insight_id=insight.id, issue_id=rng.choice(issues), stance="problem",
                                  severity=2, coder="healthvisitor"))


def main() -> int:
    results: dict[str, float] = {}
    tmp = Path(tempfile.mkdtemp())
    path = tmp / "bench.db"
    engine = db.make_engine(f"sqlite:///{path}")
    demo.load(engine)
    start = time.perf_counter()
    n_insights = N_INSIGHTS_SUGGEST_ONLY if "--suggest-only" in sys.argv else N_INSIGHTS
    fill(engine, n_insights - 63)
    results[f"fill_{n_insights}_s"] = time.perf_counter() - start
    lead = Actor("lead", "lead", id=2)

    # suggestions, once warm
    rng = random.Random(7)
    start = time.perf_counter()
    suggest.warm(engine)
    results["suggest_warmup_s"] = time.perf_counter() - start
    texts = [" ".join(rng.choice(WORDS + ["the", "and", "in", "of", "are", "they"]) for _ in range(200))
             for _ in range(60)]
    time_suggestions(engine, texts, "suggest", results)
    time_suggestions(engine, demo_texts(30), "suggest_demo_text", results)
    saved = {"n_insights": n_insights, "suggest_model": suggest.INTERACTIVE_EMBEDDER,
             "batch_model": embeddings.EMBEDDER, "cores": os.cpu_count(), "results": results, "budgets": BUDGETS}
    if "--suggest-only" in sys.argv:
        shutil.rmtree(tmp, ignore_errors=True)
        return budgets.report(results, {"suggest_p95_ms": BUDGETS["suggest_p95_ms"]}, "practitioners-suggest.json",
                              saved=saved)

    results["list_frame_s"] = max(timed(lambda: insights.list_frame(engine, lead)))
    results["list_frame_rows"] = len(insights.list_frame(engine, lead))
    results["crosstab_s"] = max(timed(lambda: insights.crosstab(engine, lead)))
    with db.session_scope(engine) as s:
        results["coded_frame_s"] = max(timed(lambda: insights.coded_frame(s)))

    # AppTest renders of the pages on the same database (a warm server: second run timed)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["TRIANGULATE_DATA_DIR"] = str(tmp / "data")
    from tests.apptest_helpers import run_page

    for page, key, ward in (("insights.py", "page_insights_s", None), ("insight_analysis.py", "page_analysis_s",
                                                                       None)):
        run_page(page, lead)  # warm-up: engine, caches
        start = time.perf_counter()
        at = run_page(page, lead, ward_code=ward)
        results[key] = time.perf_counter() - start
        assert not at.exception, at.exception
    # the insights page with every ward selected: all 5,000 rows
    start = time.perf_counter()
    at = run_page("insights.py", lead)
    with db.session_scope(engine) as s:
        all_wards = [w.code for w in s.exec(select(Ward))]
    at.multiselect[0].set_value(all_wards).run()
    assert not at.exception, at.exception
    results["page_insights_all_wards_s"] = time.perf_counter() - start
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    code = budgets.report(results, BUDGETS, "practitioners.json", saved=saved)
    shutil.rmtree(tmp, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
