"""Browser journeys: the app runs in a real `streamlit run` on a free loopback port with a fresh demo
database, and Playwright drives Debian's Chromium (never a downloaded browser)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.served_app import CHROMIUM, CHROMIUM_ARGS, free_port, start_app, stop, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="session")
def app_url(demo_template, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed; `make test` installs it (tests/prepare.sh).")
    workdir = tmp_path_factory.mktemp("browser-app")
    db_path = workdir / "app.db"
    shutil.copy(demo_template, db_path)
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db_path}", TRIANGULATE_DATA_DIR=str(workdir / "data"),
               HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
    log = open(workdir / "streamlit.log", "w")  # noqa: SIM115  (open for the fixture's life)
    proc, url = start_app(port, env, log)
    # The worker that runs what the pages queue (the analysis, reports), as `make run` starts it.
    worker_log = open(workdir / "worker.log", "w")  # noqa: SIM115  (open for the fixture's life)
    worker = subprocess.Popen([sys.executable, "-m", "triangulate", "worker", "--poll", "0.5"], cwd=ROOT, env=env,
                              stdout=worker_log, stderr=subprocess.STDOUT)
    if not wait_healthy(url, 60):
        worker.kill()
        proc.kill()
        pytest.fail(f"streamlit did not start: {(workdir / 'streamlit.log').read_text()[-3000:]}")
    yield url
    stop(worker, 30)
    worker_log.close()
    stop(proc, 10)
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url, request):
    """A fresh browser context; the test fails on any console error or Python traceback shown."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.app_url = app_url
    pg.console_errors = errors
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield pg
    context.close()
