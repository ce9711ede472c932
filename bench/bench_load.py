"""Benchmark: a workshop room at once — N people sign in and open the joint display together.

Starts `streamlit run app.py` on a free loopback port (127.0.0.1 only) with a copy of a demo database,
then drives N headless Chromium pages (one browser, N contexts, on the same machine as the server) through
sign-in and the Joint display page, all at once. Bounded: every step has a time limit and the whole run
stops after --limit seconds. Reports median / p90 / max seconds for sign-in and for the joint display, and
the server's peak RSS (the server process and its children), sampled every 0.25 s.

    python bench/bench_load.py [--users 20] [--database demo.db] [--limit 900]

Targets (issue 12): median sign-in <= 5 s, median joint display <= 5 s, server RSS <= 1.5 GB on 2 cores.
Writes bench/results/load.json.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.served_app import CHROMIUM, CHROMIUM_ARGS, free_port, start_app, stop, wait_healthy

ACCOUNTS = ["lead", "researcher", "officer", "healthvisitor", "viewer", "admin"]
APP_IDLE = ("() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
            " return a && a.getAttribute('data-test-script-state') === 'notRunning'; }")


def demo_database(given: str | None, workdir: Path) -> Path:
    target = workdir / "app.db"
    if given:
        shutil.copy(given, target)
        return target
    from triangulate import demo
    from triangulate.core import db

    print("Building a demo database (a few minutes)…", file=sys.stderr)
    engine = db.make_engine(f"sqlite:///{target}")
    demo.load(engine)
    engine.dispose()
    return target


def _rss(pid: int) -> int:
    """Resident memory of a process, from /proc (bytes; 0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(c) for c in task.read_text().split()]
        except OSError:
            continue
    return found + [g for c in found for g in _children(c)]


class RssSampler(threading.Thread):
    """Peak RSS of the server process and its children, sampled every 0.25 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, _rss(self.pid) + sum(_rss(c) for c in _children(self.pid)))
            time.sleep(0.25)


async def one_user(browser, url: str, username: str, password: str, step_limit_ms: int) -> dict:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    result: dict = {"user": username}
    try:
        await page.goto(url, timeout=step_limit_ms)
        await page.get_by_role("textbox", name="Username").fill(username, timeout=step_limit_ms)
        await page.get_by_role("textbox", name="Password").fill(password, timeout=step_limit_ms)
        start = time.perf_counter()
        await page.get_by_role("button", name="Sign in").click(timeout=step_limit_ms)
        await page.get_by_text("Sign out").wait_for(timeout=step_limit_ms)
        await page.wait_for_function(APP_IDLE, timeout=step_limit_ms)
        result["sign_in_s"] = time.perf_counter() - start
        start = time.perf_counter()
        await page.get_by_role("link", name="Joint display").first.click(timeout=step_limit_ms)
        await page.wait_for_timeout(250)
        await page.wait_for_function(APP_IDLE, timeout=step_limit_ms)
        result["joint_display_s"] = time.perf_counter() - start
        result["error_shown"] = await page.locator('[data-testid="stException"]').count() > 0
    except Exception as exc:  # a bench records the failure and carries on
        result["failed"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        with contextlib.suppress(Exception):
            result["page_text"] = (await page.locator("body").inner_text(timeout=5000))[:400]
    finally:
        await context.close()
    return result


async def room(url: str, users: int, password: str, step_limit_ms: int) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            return await asyncio.gather(*(one_user(browser, url, ACCOUNTS[n % len(ACCOUNTS)], password,
                                                   step_limit_ms) for n in range(users)))
        finally:
            await browser.close()


def figures(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {"n": len(values), "median": round(statistics.median(ordered), 2),
            "p90": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 2), "max": round(ordered[-1], 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--database", help="a demo SQLite database to copy (default: build one)")
    parser.add_argument("--limit", type=int, default=900, help="seconds before the whole run is stopped")
    args = parser.parse_args()
    from triangulate.demo import DEMO_PASSWORD

    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    db_path = demo_database(args.database, workdir)
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db_path}", TRIANGULATE_DATA_DIR=str(workdir / "data"),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(ROOT))
    log = open(workdir / "streamlit.log", "w")  # noqa: SIM115  (the server's log: closed in the finally below)
    server, url = start_app(port, env, log)
    try:
        if not wait_healthy(url, 120):
            print("streamlit did not start:", (workdir / "streamlit.log").read_text()[-2000:], file=sys.stderr)
            return 1
        sampler = RssSampler(server.pid)
        sampler.start()
        started = time.perf_counter()
        results = asyncio.run(asyncio.wait_for(room(url, args.users, DEMO_PASSWORD, args.limit * 1000 // 2),
                                               timeout=args.limit))
        wall = time.perf_counter() - started
        sampler.running = False
    finally:
        stop(server, 15)
        log.close()
    summary = {"users": args.users, "cores": os.cpu_count(), "wall_s": round(wall, 1),
               "sign_in_s": figures([r["sign_in_s"] for r in results if "sign_in_s" in r]),
               "joint_display_s": figures([r["joint_display_s"] for r in results if "joint_display_s" in r]),
               "failed": [r for r in results if "failed" in r],
               "errors_shown": sum(bool(r.get("error_shown")) for r in results),
               "server_peak_rss_mb": round(sampler.peak / 1e6)}
    summary["targets_met"] = {
        "sign_in_median<=5s": summary["sign_in_s"].get("median", 1e9) <= 5,
        "joint_display_median<=5s": summary["joint_display_s"].get("median", 1e9) <= 5,
        "rss<=1.5GB": summary["server_peak_rss_mb"] <= 1500, "all_succeeded": not summary["failed"]}
    out = ROOT / "bench" / "results" / "load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    if summary["failed"]:
        print(f"server log kept: {workdir / 'streamlit.log'}", file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
