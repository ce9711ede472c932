"""Benchmark of the pages as a signed-in user meets them: each page run twice in one AppTest session on a
fresh copy of the demo database; the second (warm) run is what the budget is about.

Run: .venv/bin/python bench/bench_screens.py  → prints a table, writes bench/results/screens.json.
Budget (issue 14): every page ≤ 1.5 s warm (server time: the script run, not the browser's drawing).
Run it on a quiet machine: on a shared one the figures carry the other processes' load.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

BUDGET_WARM_S = 1.5
PAGES = ["home.py", "ward_profile.py", "booster_wards.py", "joint_display.py", "across_wards.py", "workshop.py",
         "data_needs.py", "hypotheses.py", "thresholds.py", "indicators.py", "insights.py", "insight_new.py",
         "insight_analysis.py", "agreement.py", "codebook.py", "transcripts.py", "topics.py", "segment_search.py"]


def main() -> int:
    from triangulate import demo
    from triangulate.core import db

    work = Path(tempfile.mkdtemp(prefix="bench-screens-"))
    template = work / "demo.db"
    engine = db.make_engine(f"sqlite:///{template}")
    demo.load(engine)
    engine.dispose()
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'app.db'}"
    os.environ["TRIANGULATE_DATA_DIR"] = str(work / "data")
    shutil.copy(template, work / "app.db")

    from streamlit.testing.v1 import AppTest

    from triangulate.core.permissions import Actor

    lead = Actor(username="lead", role="lead", id=None)
    rows = []
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=300)
        at.session_state["actor"] = lead
        at.session_state["ward_code"] = "S13002971"
        start = time.perf_counter()
        at.run()
        cold = time.perf_counter() - start
        start = time.perf_counter()
        at.run()
        warm = time.perf_counter() - start
        rows.append({"page": page, "first_s": round(cold, 2), "warm_s": round(warm, 2),
                     "within_budget": warm <= BUDGET_WARM_S, "errors": len(at.exception)})
        print(f"{page:24} first {cold:6.2f} s   warm {warm:6.2f} s   {'ok' if warm <= BUDGET_WARM_S else 'OVER'}",
              flush=True)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "screens.json").write_text(json.dumps({"budget_warm_s": BUDGET_WARM_S, "pages": rows}, indent=1))
    shutil.rmtree(work, ignore_errors=True)
    return 0 if all(r["within_budget"] and not r["errors"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
