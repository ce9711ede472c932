"""Screenshots as tests: every page each role can open, at a laptop (1366×768), a wall (1920×1080) and a
phone (390×844). On each: no Python traceback, no text running off the page, and no chart label missing,
shortened, overlapping or under 12 px (read from each Vega view's own scenegraph and scales). The
pictures land in tests/artifacts/screens/ (git-ignored) for a person to look at.

One sign-in per role; each page is opened once and the window resized to the three sizes (Streamlit
re-lays the page out on resize), which keeps the whole suite to a few minutes."""
from __future__ import annotations

import json
import re

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.journey import assert_clean, screenshot, sign_in, wait_idle
from tests.browser.screens import CHART_PROBLEMS, OVERFLOW_PROBLEMS

pytestmark = pytest.mark.browser

SIZES = {"laptop": (1366, 768), "wall": (1920, 1080), "phone": (390, 844)}
ROLES = ["lead", "officer", "researcher", "viewer", "admin"]
OUT = ARTIFACTS / "screens"
FULL_PAGE_ROLE = "lead"  # sees the most pages; the other roles' pictures are of the first screenful


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _nav_titles(page) -> list[str]:
    nav = page.locator('[data-testid="stSidebarNav"]')
    # A link's text is its icon's ligature name, then its title: keep the title.
    return [t.strip().split("\n")[-1].strip() for t in nav.get_by_role("link").all_inner_texts() if t.strip()]


def _open(page, title: str) -> None:
    page.set_viewport_size(dict(zip(("width", "height"), SIZES["laptop"])))
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.get_by_role("link").filter(has=page.get_by_text(title, exact=True)).first.click()
    wait_idle(page)


def _look(page, role: str, title: str, size: str) -> list[str]:
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(450)  # charts re-measure themselves at the new width (no script rerun)
    # The checks read the whole page's DOM and every chart, in view or not.
    problems = [f"{size}: {p}" for p in page.evaluate(OVERFLOW_PROBLEMS) + page.evaluate(CHART_PROBLEMS)]
    name = f"{role}-{_slug(title)}-{size}"
    if role == FULL_PAGE_ROLE:  # the whole page, stretched: slower, so for one role
        screenshot(page, f"{OUT.name}/{name}")
    else:  # what the person sees first
        page.screenshot(path=str(OUT / f"{name}.png"))
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_page_at_three_sizes(page, role):
    OUT.mkdir(parents=True, exist_ok=True)
    sign_in(page, role)
    titles = _nav_titles(page)
    assert "Home" in titles, titles
    found: dict[str, list[str]] = {}
    for title in titles:
        _open(page, title)
        assert_clean(page)
        problems = []
        for size in SIZES:
            problems += _look(page, role, title, size)
        if problems:
            found[title] = problems
    (OUT / f"{role}-problems.json").write_text(json.dumps(found, indent=1, ensure_ascii=False), encoding="utf-8")
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)[:6000]


def test_phone_sidebar_closes_after_choosing_a_page_and_officer_records_in_one_tap(page):
    """On a phone the menu covers the page: after choosing a page it must close. An officer's 'Record an
    insight' is on the home screen itself."""
    sign_in(page, "officer")  # at the laptop size: the sign-in step waits for the menu's "Sign out"
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(500)
    record = page.locator('[data-testid="stMain"]').get_by_role("button", name=re.compile("Record an insight"))
    assert record.count() >= 1, "no 'Record an insight' on the officer's home screen"
    record.first.click()
    wait_idle(page)
    heading = page.get_by_role("heading", name="Record an insight")
    heading.first.wait_for(timeout=30_000)  # a busy machine can go idle before the new page has drawn
    assert heading.count() >= 1
    sidebar = page.locator('[data-testid="stSidebar"]')

    def is_open() -> bool:  # folded away, the sidebar sits off the left edge
        box = sidebar.bounding_box()
        return box is not None and box["x"] + box["width"] > 10

    if not is_open():
        page.locator('[data-testid="stExpandSidebarButton"]').click()
        page.wait_for_timeout(600)
    assert is_open(), "the menu did not open"
    page.locator('[data-testid="stSidebarNav"] a').filter(has=page.get_by_text("Insights", exact=True)).first.click()
    wait_idle(page)
    page.wait_for_timeout(800)
    assert not is_open(), "the menu stayed open over the page on a phone"
    assert_clean(page)
