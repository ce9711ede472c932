"""Officer journey: record an insight for Govan, accept a suggested code, find it in the list and the crosstab.

The insight carries a role nobody else uses, so the list and the crosstab can be filtered down to it alone
whatever the other journeys wrote to the shared demo database."""
import re
import uuid
from pathlib import Path

import pytest

from tests.browser.journey import assert_clean, choose, main_text, open_page, screenshot, sign_in, wait_idle

pytestmark = pytest.mark.browser


def test_officer_records_an_insight_and_finds_it(page):
    token = uuid.uuid4().hex[:6]
    role = f"Housing support (journey {token})"
    text = (f"Visited three families in the flats off Langlands Road ({token}): black mould in the children's "
            "bedrooms, damp walls, and two of them overcrowded, with four weans sharing a room.")

    sign_in(page, "officer")
    open_page(page, "Record an insight")
    choose(page, "Ward", "Govan")
    box = page.get_by_role("textbox", name="What did you see or hear?", exact=True)
    box.fill(text)
    box.press("Control+Enter")  # Streamlit sends a text area's value on Ctrl+Enter (or on blur)
    wait_idle(page)
    suggestion = page.locator('[data-testid="stHorizontalBlock"]').filter(
        has=page.get_by_text(re.compile(r"^\d\. Housing and overcrowding · score"))).last  # ranked: "1. Housing …"
    suggestion.get_by_role("button", name="Add").click()
    wait_idle(page)
    codes = page.get_by_label("Issues this insight is about")
    assert "Housing and overcrowding" in page.locator('[data-testid="stMultiSelect"]').first.inner_text(), \
        "the accepted suggestion is not among the insight's codes"
    assert codes.count() >= 1
    page.get_by_role("textbox", name="Your role or service").fill(role)
    screenshot(page, "officer-1-record-insight")
    page.get_by_role("button", name="Save insight").click()
    wait_idle(page)
    saved = page.locator('[data-testid="stAlertContentSuccess"]')
    saved.wait_for()
    assert re.search(r"Saved insight #\d+ for Govan with 1 code\(s\)", saved.inner_text())
    assert_clean(page)

    # The list: narrowed to this insight's role, the one insight shown is ours, with its code.
    open_page(page, "Insights")
    choose(page, "Role or service", role)
    content = main_text(page)
    assert text in content
    assert role in content
    screenshot(page, "officer-2-insights-list")
    assert_clean(page)

    # The crosstab, narrowed the same way: one cell, Govan × Housing, one insight.
    open_page(page, "Issues × wards")
    choose(page, "Role or service", role)
    heatmap = page.locator('[data-testid="stVegaLiteChart"]').first
    heatmap.locator("svg").wait_for()
    # On a busy machine the chart of the previous run can still be on screen for a moment after the page has
    # gone idle: read it until it has redrawn (or 30 s pass), then judge what it shows.
    for _ in range(60):
        labels = heatmap.locator("svg text").all_text_contents()
        if not {"Calton", "Greater Pollok"} & set(labels):
            break
        page.wait_for_timeout(500)
    assert "Govan" in labels and "Housing and overcrowding" in labels and "1" in labels, labels
    assert not {"Calton", "Greater Pollok"} & set(labels), "the role filter did not narrow the crosstab"
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the table (CSV)").click()
    table = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(table) == 2 and "Govan" in table[1] and "Housing and overcrowding" in table[1], table
    screenshot(page, "officer-3-issues-by-wards")
    assert_clean(page)
