"""Browser journeys: the app runs in a real `streamlit run` on a free loopback port with a fresh demo
database, and Playwright drives Debian's Chromium (never a downloaded browser)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests import streamlit_server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def app_url(demo_template, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed; `make test` installs it (tests/prepare.sh).")
    workdir = tmp_path_factory.mktemp("browser-app")
    db_path = workdir / "app.db"
    shutil.copy(demo_template, db_path)
    env = streamlit_server.app_environment(f"sqlite:///{db_path}", workdir / "data")
    try:
        with streamlit_server.running(workdir, env, ready_within_s=60) as (_, url):
            yield url
    except streamlit_server.ServerDidNotStart as exc:
        pytest.fail(str(exc))


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
