"""Benchmark of the joint display: matrix for one ward, for all 23 wards, and a report export, with
5,000 officer insights and 20,000 resident segments across Glasgow's 23 wards (real indicators).

Run: .venv/bin/python bench/bench_joint.py  → prints a table, writes bench/results/joint.json.
Budgets (issue 5): one ward ≤ 300 ms, all wards ≤ 2 s, report export ≤ 10 s (each format; the page's
button builds all three at once, also timed).
"""
from __future__ import annotations

import hashlib
import json
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from sqlmodel import select  # noqa: E402

from schemas import Insight, InsightCode, Segment, Speaker, Transcript, Ward  # noqa: E402
from triangulate.codebook import issues as codebook  # noqa: E402
from triangulate.core import db
from triangulate.core.permissions import SYSTEM  # noqa: E402
from triangulate.joint import convergence, examples, report
from triangulate.numbers import glasgow

N_INSIGHTS, N_SEGMENTS = 5_000, 20_000
WHEN = datetime(2025, 1, 1, tzinfo=UTC)
BUDGETS = {"matrix_one_ward_s": 0.300, "matrix_all_wards_s": 2.0, "report_html_s": 10.0, "report_pdf_s": 10.0,
           "report_xlsx_s": 10.0}
WORDS = ["damp", "mould", "overcrowded", "flat", "bus", "fares", "nursery", "hours", "food", "bank", "pantry", "meter", "prepayment", "cold", "rent", "arrears", "universal", "credit", "sanction", "school", "uniform", "trip", "laptop", "wifi", "anxiety", "stress", "GP", "dentist", "referral", "waiting", "list", "hub", "outreach", "Langlands", "Road", "Govan", "Cross", "Pearce", "Institute", "Elder", "Park", "subway", "late", "unreliable"]


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 40))).capitalize() + "."


def fill(engine) -> None:
    rng = random.Random(42)
    codebook.load_default(engine, SYSTEM)
    glasgow.load_default(engine, SYSTEM)
    with db.session_scope(engine) as s:
        wards = [w.code for w in s.exec(select(Ward))]
        issues = [i.id for i in codebook.leaf_issues(s)]
    stances = ["problem"] * 6 + ["worsening", "improving", "not_a_problem"]
    with engine.begin() as conn:
        conn.execute(insert(Insight), [
            dict(ward_code=rng.choice(wards), author_name="Bench Officer", role_service="Community engagement",
                 observed_on=date(2025, 1, 1 + i % 28), text=_sentence(rng), evidence_type="direct observation",
                 illustrative=True, confidence="medium", created_at=WHEN, updated_at=WHEN)
            for i in range(N_INSIGHTS)])
        ids = [r[0] for r in conn.execute(select(Insight.id))]
        codes = []
        for insight_id in ids:
            for issue_id in rng.sample(issues, rng.randint(1, 3)):
                codes.append(dict(insight_id=insight_id, issue_id=issue_id, stance=rng.choice(stances),
                                  severity=rng.randint(1, 3), coder="bench", is_consensus=False,
                                  created_at=WHEN))
        conn.execute(insert(InsightCode), codes)
        transcripts = []
        for n in range(400):
            transcripts.append(dict(ward_code=wards[n % len(wards)], title=f"Bench transcript {n}",
                                    checksum=hashlib.sha256(str(n).encode()).hexdigest(), illustrative=True,
                                    method="interview", redaction_report={}, uploaded_at=WHEN))
        conn.execute(insert(Transcript), transcripts)
        t_ids = [r[0] for r in conn.execute(select(Transcript.id))]
        conn.execute(insert(Speaker), [dict(transcript_id=t, label="[PERSON 1]", is_resident=True) for t in t_ids])
        segments = []
        for n in range(N_SEGMENTS):
            role = "resident" if n % 5 else "facilitator"
            segments.append(dict(transcript_id=t_ids[n % len(t_ids)], speaker_role=role, order=n, text=_sentence(rng),
                                 text_hash=hashlib.sha256(str(n).encode()).hexdigest(), lemmas="", entities=[],
                                 noun_chunks=[], issue_id=rng.choice(issues + [None]), issue_source="similarity"))
        conn.execute(insert(Segment), segments)


def timed(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        engine = db.make_engine(f"sqlite:///{tmp}/bench.db")
        db.upgrade(engine)
        started = time.perf_counter()
        fill(engine)
        fill_s = time.perf_counter() - started
        with db.session_scope(engine) as s:
            govan = s.get(Ward, "S13002971").code
            n_issues = len(codebook.leaf_issues(s))
        started = time.perf_counter()
        convergence.matrix(engine, SYSTEM, [govan])
        first_s = time.perf_counter() - started  # includes the numbers strand's one-off ward aggregation
        examples.terms.cache_clear()
        started = time.perf_counter()
        convergence.matrix(engine, SYSTEM, None)
        all_cold_s = time.perf_counter() - started  # every text's examples extracted afresh
        # Times without tracemalloc (it slows Python down); then one traced run for the peak.
        results = {
            "matrix_one_ward_s": timed(lambda: convergence.matrix(engine, SYSTEM, [govan])),
            "matrix_all_wards_s": timed(lambda: convergence.matrix(engine, SYSTEM, None)),
            **{f"report_{fmt}_s": timed(lambda fmt=fmt: report.export(engine, SYSTEM, govan, fmt), repeat=1)
               for fmt in report.FORMATS},
            "report_all_three_s": timed(lambda: report.export_all(engine, SYSTEM, govan), repeat=1),
        }
        tracemalloc.start()
        convergence.matrix(engine, SYSTEM, None)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows = len(convergence.matrix(engine, SYSTEM, None))
        engine.dispose()
    figures = {**results, "first_matrix_cold_s": first_s, "all_wards_cold_examples_s": all_cold_s, "fill_s": fill_s, "insights": N_INSIGHTS,
               "segments": N_SEGMENTS, "issues": n_issues, "matrix_rows_all_wards": rows,
               "matrix_all_wards_tracemalloc_peak_mb": peak / 2**20,
               "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    print(f"{'measure':28} {'value':>10} {'budget':>8}  ok")
    for key, value in figures.items():
        budget = BUDGETS.get(key)
        mark = "" if budget is None else ("yes" if value <= budget else "NO")
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{key:28} {shown:>10} {budget if budget else '':>8}  {mark}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "joint.json").write_text(json.dumps(figures, indent=2))
    return 0 if all(figures[k] <= b for k, b in BUDGETS.items()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
