"""Issue 12.10: a codebook label is shown as text, never as markup (no image fetched, no link)."""
from __future__ import annotations

from sqlmodel import select

from schemas import Issue
from tests.apptest_helpers import run_page
from tests.conftest import actor
from triangulate.core import db

HOSTILE = "![p](http://198.51.100.7/pixel.png) **Housing**"


def _plant_label(app_env) -> str:
    engine = db.make_engine(f"sqlite:///{app_env}")
    with db.session_scope(engine) as s:
        issue = s.exec(select(Issue).where(Issue.status == "active").order_by(Issue.sort_order)).first()
        issue.label = HOSTILE
        return issue.code


def _no_markup(text: str) -> bool:
    return "![p](" not in text and "**Housing**" not in text


def test_the_merge_confirmation_escapes_the_label(app_env):
    code = _plant_label(app_env)
    at = run_page("codebook.py", actor("researcher"))
    at.selectbox(key="merge_source").select(code)
    at.run()
    label = at.checkbox(key="merge_sure").label
    assert "pixel" in label and _no_markup(label)


def test_the_data_needs_confirmation_escapes_the_label(app_env):
    at = run_page("data_needs.py", actor("lead"), needs_done=f"Added to the register: {HOSTILE} (residents).")
    shown = [s.value for s in at.success if "Added to the register" in s.value]
    assert shown and all(_no_markup(v) for v in shown)
