"""Numbers-strand budgets: init --demo (numbers part and overall), home page server time, the 23-ward
tables the joint display needs, no heavy imports on the numbers pages, and a 100,000-row import.

Run: .venv/bin/python bench/bench_numbers.py   (writes bench/results/numbers.json)
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    from sqlmodel import select

    from schemas import DataZone
    from triangulate.codebook import issues as codebook
    from triangulate.core import db
    from triangulate.core.db import session_scope
    from triangulate.core.permissions import SYSTEM
    from triangulate.numbers import glasgow
    from triangulate.numbers import ward_values as numbers
    from triangulate.numbers.importing import import_indicators

    results = {}
    tmp = Path(tempfile.mkdtemp())

    # numbers part of init --demo, on an empty migrated database
    engine = db.make_engine(f"sqlite:///{tmp / 'numbers.db'}")
    db.upgrade(engine)
    codebook.load_default(engine, SYSTEM)
    glasgow._simd_scotland.cache_clear()
    results["init_demo_numbers_s"], _ = timed(lambda: glasgow.load_default(engine, SYSTEM))

    # the library calls the home page makes, cold (first render after start)
    numbers._cache.clear()

    def home_calls():
        with session_scope(engine) as s:
            numbers.ward_indicator_table(s, "S13002971")
            numbers.loaded_data_summary(s)
    results["home_library_calls_cold_s"], _ = timed(home_calls)

    def joint_display():
        with session_scope(engine) as s:
            for code in numbers.wards_summary(s)["code"]:
                numbers.ward_indicator_table(s, code)
    numbers._cache.clear()
    results["ward_tables_23_cold_s"], _ = timed(joint_display)
    results["ward_tables_23_warm_s"], _ = timed(joint_display)

    # a 100,000-row long CSV (746 data zones × 134 periods), validated and imported
    with session_scope(engine) as s:
        codes = [d.code for d in s.exec(select(DataZone))]
    lines = ["area_code,period,value"] + [f"{codes[i % len(codes)]},{1900 + i // len(codes)},{i % 97}"
                                          for i in range(100_000)]
    data = "\n".join(lines).encode()
    meta = dict(key="bench_count", title="Benchmark count", source="synthetic", publisher="bench",
                definition="A synthetic count for timing.", unit="count", aggregation="sum", polarity="neutral")
    tracemalloc.start()
    results["import_100k_rows_s"], r = timed(lambda: import_indicators(engine, SYSTEM, "big.csv", data, meta=meta))
    results["import_100k_rows_peak_traced_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    tracemalloc.stop()
    results["import_100k_rows_added"] = r.added
    results["import_100k_again_s"], again = timed(lambda: import_indicators(engine, SYSTEM, "big.csv", data,
                                                                            meta=meta))
    assert again.added == 0
    results["bench_process_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    # overall init --demo (every strand's demo step), in a fresh process, as a user runs it
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "triangulate", "--database-url", f"sqlite:///{tmp / 'all.db'}",
                           "init", "--demo"], cwd=ROOT, capture_output=True, text=True)
    results["init_demo_overall_s"] = round(time.perf_counter() - t, 2)
    results["init_demo_overall_ok"] = done.returncode == 0

    # home page first render (AppTest, fresh process) and the heavy-import check on the numbers pages
    code = f"""
import os, sys, time
sys.path.insert(0, {str(ROOT)!r})
os.environ["DATABASE_URL"] = "sqlite:///{tmp / 'all.db'}"
from tests.apptest_helpers import run_page
from triangulate.core.permissions import Actor
a = Actor("researcher", "researcher")
t = time.perf_counter(); at = run_page("home.py", a); cold = time.perf_counter() - t
assert not at.exception
t = time.perf_counter(); at.run(); second = time.perf_counter() - t
# As on a running server: start-up (sign-in screen, ui.engine() and its warm-up) happened before sign-in.
import threading, streamlit as st
from streamlit.testing.v1 import AppTest
st.cache_resource.clear(); st.cache_data.clear()
import triangulate.numbers.ward_values as n; n._cache.clear()
AppTest.from_file(os.path.join({str(ROOT)!r}, "app.py"), default_timeout=120).run()
for th in threading.enumerate():
    if th is not threading.current_thread() and th.daemon and "warm" in str(getattr(th, "_target", "")):
        th.join()
t = time.perf_counter(); at = run_page("home.py", a); first = time.perf_counter() - t
assert not at.exception
for p in ("ward_profile.py", "indicators.py", "booster_wards.py"):
    assert not run_page(p, a, ward_code="S13002971").exception
heavy = [m for m in ("torch", "spacy", "bertopic", "sentence_transformers") if m in sys.modules]
print(first, second, cold, ",".join(heavy))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if done.returncode == 0:
        first, second, cold, heavy = (done.stdout.strip().splitlines()[-1].split(" ") + [""])[:4]
        results["home_first_render_apptest_s"] = round(float(first), 3)
        results["home_first_render_fresh_process_s"] = round(float(cold), 3)
        results["home_rerun_apptest_s"] = round(float(second), 3)
        results["heavy_modules_on_numbers_pages"] = heavy or "none"
    else:
        results["home_page_error"] = done.stderr[-500:]

    budgets = {"init_demo_numbers_s": 15, "init_demo_overall_s": 15, "home_first_render_apptest_s": 2,
               "ward_tables_23_cold_s": 2}
    print(f"{'measure':40} {'value':>12} {'budget':>8}")
    for k, v in results.items():
        v_txt = f"{v:.3f}" if isinstance(v, float) else str(v)
        b = budgets.get(k)
        flag = "" if b is None else ("ok" if isinstance(v, (int, float)) and v <= b else "OVER")
        print(f"{k:40} {v_txt:>12} {('≤ ' + str(b)) if b else '':>8} {flag}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "numbers.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
