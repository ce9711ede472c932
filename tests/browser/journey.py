"""Steps the journeys share: sign in, go to a page, wait for Streamlit, check for errors, screenshot."""
from __future__ import annotations

import re

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import ARTIFACTS

DEMO_PASSWORD = "triangulate-demo"


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until Streamlit has finished running the script (the app root says 'notRunning')."""
    page.wait_for_timeout(250)
    page.wait_for_function(
        "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
        " return a && a.getAttribute('data-test-script-state') === 'notRunning'; }", timeout=timeout)
    page.wait_for_timeout(250)


def assert_clean(page) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, f"Python traceback shown: {exceptions.first.inner_text()[:2000]}"
    # Chromium's own noise about blocked network is not the app's; everything else counts.
    real = [e for e in page.console_errors if not re.search(r"net::ERR_|favicon|Failed to load resource", e)]
    assert not real, f"browser console errors: {real}"


def sign_in(page, username: str) -> None:
    page.goto(page.app_url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Sign out").wait_for(timeout=30_000)
    wait_idle(page)
    assert_clean(page)


def open_page(page, title: str) -> None:
    page.get_by_role("link", name=title).first.click()
    wait_idle(page)
    assert_clean(page)


def screenshot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main area, so the window is stretched to the content's
    height for the picture (Playwright's full_page alone would stop at the window's bottom edge)."""
    size = page.viewport_size
    height = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                           " return m ? m.scrollHeight : document.body.scrollHeight; }")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 12_000)})
    page.wait_for_timeout(400)  # charts re-measure themselves at the new size
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(size)
    page.wait_for_timeout(200)


def widget(page, label: str):
    """A select box or multiselect found by its visible label."""
    return page.locator('[data-testid="stSelectbox"], [data-testid="stMultiSelect"]').filter(
        has=page.locator("label").get_by_text(label, exact=True)).first


def choose(page, label: str, option: str) -> None:
    """Pick `option` (its visible text, or part of it) in the select box or multiselect labelled `label`."""
    box = widget(page, label)
    opener = box.get_by_role("button", name="Open")
    wanted = page.get_by_role("option", name=option).first
    for _ in range(3):  # charts drawing above can shift the box as it is clicked: try again
        (opener if opener.count() else box.get_by_role("combobox")).first.click()
        try:
            wanted.wait_for(timeout=3_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            page.wait_for_timeout(300)
    wanted.click()
    if box.get_attribute("data-testid") == "stMultiSelect":
        page.keyboard.press("Escape")  # a multiselect keeps its list open for more choices
    wait_idle(page)
    assert_clean(page)


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def grid_rows(frame) -> list[list[str]]:
    """The rows of an st.dataframe as text. The grid draws on a canvas; its accessible table (role=grid,
    what a screen reader reads) holds the visible cells, header row first."""
    frame.locator('[role="grid"]').first.wait_for(state="attached")  # inside the canvas: not "visible"
    return frame.locator('[role="row"]').evaluate_all(
        "rows => rows.map(r => Array.from(r.querySelectorAll('[role=gridcell],[role=columnheader]'))"
        ".map(c => c.textContent.trim()))")
