"""Streamlit helpers shared by the pages: the engine, the signed-in user, the current ward, errors.

This is the only Streamlit-aware code outside app.py and pages/; `triangulate/` never imports Streamlit.
"""
from __future__ import annotations

import contextlib
import threading
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from triangulate import access, core, demo, joint, numbers, warmup
from triangulate.core import SYSTEM, Actor, ImportFailed, TriangulateError, can, escape_markdown, explain

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
    eng = core.get_engine()
    core.upgrade(eng)
    if core.is_empty(eng):
        demo.load(eng)
    # Raw uploads past the retention period go at every server start, not only when an admin clicks.
    access.apply_retention(eng, SYSTEM)
    # Compute the 23 wards' indicators and joint display while the user signs in: the first page is fast.
    threading.Thread(target=_warm_ward_indicators, args=(eng,), daemon=True).start()
    # Load the sentence model and spaCy and compile UMAP in the background: the first suggestion is then fast.
    warmup.start(eng)
    return eng


def _warm_ward_indicators(eng) -> None:
    # a warm-up only; the page computes it again and reports any error itself
    with contextlib.suppress(Exception):
        numbers.all_wards_indicator_frame(eng)
        # Every ward's joint display too (cached per data version, per what a role may read): the first one
        # opened after sign-in, Across wards and the report then read it instead of working it out. Leads and
        # researchers open it most; they may read insight text.
        joint.matrix(eng, Actor("warm-up", "lead"), None, joint.load_thresholds(eng))


def actor() -> Actor:
    """The signed-in user; app.py guarantees there is one before any page runs."""
    current = st.session_state.get("actor")
    if current is None:
        st.stop()
    return current


def allowed(permission: str) -> bool:
    return can(st.session_state.get("actor"), permission)


def page(title: str, intro: str = "", say=st.write) -> tuple[Engine, Actor]:
    """A page's head: its title and the words under it (`say`: st.write, or st.caption for a note);
    returns the engine and the signed-in user the page body works with."""
    st.title(title)
    if intro:
        say(intro)
    return engine(), actor()


def stop_unless(allowed: bool, message: str, say=st.warning) -> None:
    """End the page here, saying `message`, for a user whose role may not use it."""
    if not allowed:
        say(message)
        st.stop()


def stop_if_empty(table, message: str, say=st.info) -> None:
    """End the page here, saying `message`, when `table` has no rows to show."""
    stop_unless(not table.empty, message, say)


def save_table_edits(original, edited, fields, update) -> None:
    """A "Save N change(s)" button under an editable register: `update(row id, {field: new value})` for each row
    whose `fields` the user changed (errors shown as every page shows them)."""
    changed = [(int(new["id"]), {k: new[k] for k in fields if new[k] != old[k]})
               for (_, old), (_, new) in zip(original.iterrows(), edited.iterrows())]
    changed = [(i, c) for i, c in changed if c]
    if st.button(f"Save {len(changed)} change(s)", disabled=not changed):
        with friendly_errors():
            for row_id, change in changed:
                update(row_id, change)
            st.success("Saved.")
            st.rerun()


def may_read_insight_text() -> bool:
    """The library's one rule for officers' words (core.may_read_insight_text), for the signed-in user."""
    return core.may_read_insight_text(st.session_state.get("actor"))


@st.cache_data(ttl=300, show_spinner=False)
def wards() -> list[tuple[str, str]]:
    return numbers.ward_names(engine())


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


from ui import wall  # noqa: E402  (the workshop wall view)
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
    wide_only,
)

# What pages use as ui.<name>: this module's helpers and the views re-exported above.
__all__ = [
    "ATTRIBUTION", "DEFAULT_WARD", "ILLUSTRATIVE", "UPLOAD_LIMIT_MB", "actor", "allowed", "attribution", "chart",
    "close_sidebar_on_phone", "current_ward", "engine", "friendly_errors", "issue_label", "issue_labels",
    "issue_trend_sentences", "joint_matrix_list", "long_text_detail", "may_read_insight_text", "md_escape",
    "narrow_only", "page", "record_insight_button", "save_table_edits", "show_long_text", "stop_if_empty",
    "stop_unless", "verdict_list", "wall", "ward_name", "ward_picker", "wards", "wide_only",
]
