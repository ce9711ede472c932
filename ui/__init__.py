"""Streamlit helpers shared by the pages: the engine, the signed-in user, the current ward, errors.

This is the only Streamlit-aware code outside app.py and pages/; `triangulate/` never imports Streamlit.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from schemas import Ward
from triangulate import demo
from triangulate.access import retention
from triangulate.core import db
from triangulate.core.errors import ImportFailed, TriangulateError, explain
from triangulate.core.permissions import SYSTEM, Actor, can
from triangulate.joint.evidence import escape_markdown

ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. Sources: "
    "Scottish Government (SIMD 2020v2), National Records of Scotland (small area population estimates; "
    "Scotland's Census 2022), DWP (Children in Low Income Families), ONS (ward boundaries). "
    "Contains OS data © Crown copyright and database right 2022."
)
DEFAULT_WARD = "S13002971"  # Govan
ILLUSTRATIVE = ("Illustrative data: these officer insights and resident transcripts are fictional, written "
                "for the demo. The indicators are real.")


@st.cache_resource(show_spinner="Preparing the database…")
def engine():
    """One engine per server; on first run an empty database is filled with the embedded default."""
    eng = db.get_engine()
    db.upgrade(eng)
    if db.is_empty(eng):
        demo.load(eng)
    # Raw uploads past the retention period go at every server start, not only when an admin clicks.
    retention.apply_retention(eng, SYSTEM)
    # Compute the 23 wards' indicators and joint display while the user signs in: the first page is fast.
    threading.Thread(target=_warm_ward_indicators, args=(eng,), daemon=True).start()
    return eng


def _warm_ward_indicators(eng) -> None:
    from triangulate.joint import convergence
    from triangulate.joint import thresholds as th
    from triangulate.numbers import ward_values as numbers

    try:
        with db.session_scope(eng) as session:
            numbers.all_wards_indicator_frame(session)
        # Every ward's joint display too (cached per data version): the first one opened after sign-in,
        # Across wards and the report then read it instead of working it out.
        convergence.matrix(eng, None, th.load(eng))
    except Exception:  # a warm-up only; the page computes it again and reports any error itself
        pass


def actor() -> Actor:
    """The signed-in user; app.py guarantees there is one before any page runs."""
    current = st.session_state.get("actor")
    if current is None:
        st.stop()
    return current


def allowed(permission: str) -> bool:
    return can(st.session_state.get("actor"), permission)


@st.cache_data(ttl=300, show_spinner=False)
def wards() -> list[tuple[str, str]]:
    with db.session_scope(engine()) as session:
        return [(w.code, w.name) for w in session.exec(select(Ward).order_by(Ward.name))]


def current_ward() -> str:
    return st.session_state.get("ward_code", DEFAULT_WARD)


def ward_name(code: str) -> str:
    return dict(wards()).get(code, code)


def ward_picker(label: str = "Ward", key: str = "ward_picker") -> str:
    """A select box bound to the ward in session state (Govan by default)."""
    options = [code for code, _ in wards()]
    if not options:
        st.info("No wards are loaded yet. Run `python -m triangulate init --demo` to load Glasgow's wards.")
        st.stop()
    current = current_ward() if current_ward() in options else options[0]
    chosen = st.selectbox(label, options, index=options.index(current), format_func=ward_name, key=key)
    st.session_state["ward_code"] = chosen
    return chosen


@contextmanager
def friendly_errors():
    """Show the library's own messages (never a traceback) and carry on."""
    try:
        yield
    except ImportFailed as exc:
        st.error(f"Nothing was saved: {len(exc.problems)} problem(s) found.")
        st.dataframe([{"file": p.file, "row": p.row, "column": p.column, "problem": p.message, "fix": p.fix}
                      for p in exc.problems], hide_index=True, width="stretch")
    except TriangulateError as exc:
        st.error(str(exc))
    except (OSError, RecursionError, DBAPIError) as exc:  # disk, permissions, database: say what to fix
        message = explain(exc)
        if message is None:
            raise
        st.error(message)


def attribution() -> None:
    st.caption(ATTRIBUTION)


def md_escape(text: object) -> str:
    """User text made safe to put inside st.markdown / st.caption / st.success / a widget label: no markup,
    links, images or HTML. The one escaping helper (it lives in the library, which pages and reports share)."""
    return escape_markdown(str(text))


from ui import wall  # noqa: E402,F401  (the workshop wall view)
from ui.look import (  # noqa: E402
    UPLOAD_LIMIT_MB,
    chart,
    close_sidebar_on_phone,
    issue_label,
    issue_labels,
    issue_trend_sentences,
    joint_matrix_list,
    long_text_detail,
    narrow_only,
    record_insight_button,
    show_long_text,
    verdict_list,
    wide_only,  # noqa: E402  (shared display helpers)
)
