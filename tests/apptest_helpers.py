"""Run one page with AppTest as a given user, the way app.py would after sign-in."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def run_page(page: str, actor, ward_code: str | None = None, timeout: float = 60, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=timeout)
    at.session_state["actor"] = actor
    if ward_code:
        at.session_state["ward_code"] = ward_code
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    return at


def no_exception(at: AppTest) -> bool:
    return len(at.exception) == 0
