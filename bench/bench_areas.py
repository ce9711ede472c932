"""Benchmark of the joint display below the ward: the matrix for one intermediate zone and for all 136 at
once, with 5,000 officer insights and 20,000 resident segments placed across Glasgow's IZs (real indicators).

The evidence is bench_joint's (insights coded 1–3 issues each, 400 transcripts across the 23 wards), placed
as the product places it: 80 % of insights in one IZ of their ward (5 % of those in a second), each
transcript held in one IZ of its ward (copied to its segments) and one segment in ten mentioning another IZ
of the ward.

Run: .venv/bin/python bench/bench_areas.py  → prints a table, writes bench/results/areas.json.
Budgets (issue 15): one IZ ≤ 300 ms, all 136 IZs ≤ 3 s (best of three, wall clock, numbers warm: the ward
and IZ values are computed once per database state). The CPU seconds of the same runs and the machine's
load are written too (on a shared machine the wall clock measures the neighbours as well), with the
ward-level matrix over the same evidence for comparison.
"""
from __future__ import annotations

import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select

from bench import bench_joint, budgets
from schemas import Insight, InsightPlace, Segment, SegmentPlace, Transcript, TranscriptPlace
from triangulate.core import caches, db, places
from triangulate.core.permissions import SYSTEM
from triangulate.joint import convergence

BUDGETS = {"matrix_one_iz_s": 0.300, "matrix_all_izs_s": 3.0}
IBROX = "S02001859"


def place(engine) -> dict:
    rng = random.Random(15)
    izs = places.zones()[0]
    by_ward: dict[str, list[str]] = {}
    for code, zone in izs.items():
        by_ward.setdefault(zone.ward_code, []).append(code)
    with engine.begin() as conn:
        insight_rows = []
        for insight_id, ward in conn.execute(select(Insight.id, Insight.ward_code)):
            if rng.random() < 0.8 and by_ward.get(ward):
                for iz in rng.sample(by_ward[ward], 2 if rng.random() < 0.05 and len(by_ward[ward]) > 1 else 1):
                    insight_rows.append(dict(insight_id=insight_id, iz_code=iz, source="form"))
        conn.execute(insert(InsightPlace), insight_rows)
        held = {t: rng.choice(by_ward[w]) for t, w in conn.execute(select(Transcript.id, Transcript.ward_code))}
        conn.execute(insert(TranscriptPlace),
                     [dict(transcript_id=t, iz_code=iz, role="held") for t, iz in held.items()])
        segment_rows = []
        for seg_id, transcript_id, ward in conn.execute(
                select(Segment.id, Segment.transcript_id, Transcript.ward_code)
                .join(Transcript, Transcript.id == Segment.transcript_id)):
            segment_rows.append(dict(segment_id=seg_id, iz_code=held[transcript_id], source="transcript", mention=""))
            if rng.random() < 0.1:
                other = rng.choice(by_ward[ward])
                segment_rows.append(dict(segment_id=seg_id, iz_code=other, source="mention",
                                         mention=izs[other].name))
        conn.execute(insert(SegmentPlace), segment_rows)
    return {"insight_place_rows": len(insight_rows), "segment_place_rows": len(segment_rows)}


def cpu_timed(fn, repeat=3) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds (this process) of `repeat` runs, each with the joint display's caches
    empty (as after a write; the numbers strand's ward and IZ values stay warm)."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        caches.clear_all()
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = min(wall, time.perf_counter() - w), min(cpu, time.process_time() - c)
    return wall, cpu


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        started = time.perf_counter()
        sizes = bench_joint.fill(url, 1)  # the issue-5 scale: 5,000 insights, 20,000 segments
        engine = db.make_engine(url)
        counts = place(engine)
        fill_s = time.perf_counter() - started
        ibrox = places.iz_area(IBROX)
        every_iz = [places.iz_area(code) for code in sorted(places.zones()[0])]
        started = time.perf_counter()
        convergence.matrix(engine, SYSTEM, [ibrox.ward_code], area=ibrox)
        first_s = time.perf_counter() - started  # includes the one-off ward and IZ aggregation of the numbers
        caches.clear_all()
        started = time.perf_counter()
        convergence.matrix(engine, SYSTEM, area=every_iz)
        all_cold_s = time.perf_counter() - started  # every cache empty, as after a write
        one, one_cpu = cpu_timed(lambda: convergence.matrix(engine, SYSTEM, [ibrox.ward_code], area=ibrox))
        every, every_cpu = cpu_timed(lambda: convergence.matrix(engine, SYSTEM, area=every_iz))
        ward, ward_cpu = cpu_timed(lambda: convergence.matrix(engine, SYSTEM, [ibrox.ward_code]))
        wards, wards_cpu = cpu_timed(lambda: convergence.matrix(engine, SYSTEM, None))
        frame = convergence.matrix(engine, SYSTEM, area=every_iz)
        engine.dispose()
    figures = {"matrix_one_iz_s": one, "matrix_all_izs_s": every, "matrix_one_iz_cpu_s": one_cpu,
               "matrix_all_izs_cpu_s": every_cpu, "matrix_one_ward_s": ward, "matrix_one_ward_cpu_s": ward_cpu,
               "matrix_all_wards_s": wards, "matrix_all_wards_cpu_s": wards_cpu,
               "load_average_1min": os.getloadavg()[0], "cores": os.cpu_count(),
               "first_matrix_one_iz_cold_s": first_s,
               "all_izs_cold_examples_s": all_cold_s, "fill_s": fill_s, "insights": sizes["insights"],
               "segments": sizes["segments"], **counts, "areas": len(every_iz),
               "matrix_rows_all_izs": len(frame), "izs_with_practitioner_data": int(
                   frame.groupby("area_code")["practitioners"].apply(lambda s: (s != "no data").any()).sum()),
               "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    return budgets.report(figures, BUDGETS, "areas.json")


if __name__ == "__main__":
    raise SystemExit(main())
