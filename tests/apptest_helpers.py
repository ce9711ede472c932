"""Run one page with AppTest as a given user, the way app.py would after sign-in."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from triangulate.core import db

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


def point_app_at(db_path, monkeypatch, tmp_path) -> None:
    """The app (AppTest) reads this database and a private data folder, with no cache from an earlier test."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_path}")
    monkeypatch.setenv("TRIANGULATE_DATA_DIR", str(tmp_path / "data"))
    db.get_engine.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


@contextmanager
def app_database(tmp_path, monkeypatch, name: str):
    """A fresh migrated SQLite database that the app (AppTest) is pointed at; yields its engine, to fill."""
    path = tmp_path / name
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    point_app_at(path, monkeypatch, tmp_path)
    try:
        yield engine
    finally:
        engine.dispose()
        db.get_engine.cache_clear()
