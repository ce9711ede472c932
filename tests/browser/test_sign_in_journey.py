"""Smallest journey: every role signs in and lands on Home with Govan chosen."""
import pytest

from tests.browser.journey import assert_clean, screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("username", ["lead"])
def test_sign_in_lands_on_home(page, username):
    sign_in(page, username)
    assert page.get_by_text("Govan").first.is_visible()
    screenshot(page, f"home-{username}")
    assert_clean(page)
