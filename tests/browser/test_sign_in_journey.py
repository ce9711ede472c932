"""Smallest journey: a lead signs in and lands on Home with Govan chosen."""
import pytest

from tests.browser.journey import assert_clean, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_sign_in_lands_on_home(page):
    sign_in(page, "lead")
    screenshot(page, "home-lead")
    main = page.locator('[data-testid="stMain"]')
    assert "Govan" in main.inner_text()
    assert_clean(page)
