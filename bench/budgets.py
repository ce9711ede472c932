"""The end of a benchmark with budgets: each figure beside its budget, the results file, the exit code."""
from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def report(figures: dict, budgets: dict, filename: str, saved: dict | None = None) -> int:
    """Print every figure with its budget and whether it is met, write `saved` (the figures when not given)
    to bench/results/`filename`; 0 when every budget is met, 1 otherwise (the benchmark's exit code)."""
    width = max(map(len, figures), default=8)
    print(f"{'measure':{width}} {'value':>10} {'budget':>8}  ok")
    for key, value in figures.items():
        budget = budgets.get(key)
        mark = "" if budget is None else ("yes" if value <= budget else "NO")
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{key:{width}} {shown:>10} {budget if budget else '':>8}  {mark}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / filename).write_text(json.dumps(figures if saved is None else saved, indent=2))
    return 0 if all(figures[k] <= b for k, b in budgets.items()) else 1
