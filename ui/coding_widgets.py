"""Coding widgets shared by the transcript viewer, the search page and Check the machine: a researcher
codes one segment (or a span of it), many segments at once, or settles a disagreement. The library
(`triangulate.residents.coding`) checks permissions and input; these only draw."""
from __future__ import annotations

import streamlit as st

import ui
from triangulate import codebook, residents


def _issue_options(engine) -> dict[str, str]:
    """code -> label for every active issue (parents too: they are assignable), `none` first. Read each
    run (one small query), so an issue added on Codebook is offered at once."""
    rows = codebook.flat_tree(engine)
    options = {residents.NONE: "none: about no issue (filler, small talk, logistics)"}
    for depth, issue in rows:
        options[issue.code] = ("  " * depth) + issue.label
    return options


def issue_picker(engine, label: str, key: str, default: list[str] | None = None, help: str | None = None) -> list[str]:
    options = _issue_options(engine)
    return st.multiselect(label, list(options), default=[d for d in (default or []) if d in options],
                          format_func=lambda c: options[c], key=key,
                          help=help or "One or more issues, or `none` alone for a segment about no issue.")


def segment_coder(engine, actor, segment_id: int, text: str, key: str, mine: list[str] | None = None) -> None:
    """Code one segment: issues or none; optionally only some of its words (a span)."""
    with st.form(f"{key}_form_{segment_id}"):
        chosen = issue_picker(engine, "Your codes for this segment", f"{key}_issues_{segment_id}", mine)
        words = st.text_input("Only these words (optional)", key=f"{key}_words_{segment_id}",
                              help="Copy a passage from the segment to code just that span; leave empty to code "
                                   "the whole segment.")
        save, clear = st.columns(2)
        saved = save.form_submit_button("Save my codes", type="primary")
        cleared = clear.form_submit_button("Remove my codes")
    if saved:
        with ui.friendly_errors():
            span = residents.span_of(text, words) if words.strip() else None
            status = residents.code_segment(engine, actor, segment_id, chosen, span=span)
            _say(status)
    if cleared:
        with ui.friendly_errors():
            residents.clear_codes(engine, actor, segment_id)
            st.toast("Your codes on this segment were removed.")


def _say(status: residents.SegmentStatus) -> None:
    if status.disputed:
        st.warning(f"Saved. Coders differ with no majority ({ui.md_escape(status.describe())}): both are kept; "
                   "the segment keeps the first coder's code until the disagreement is settled.")
    else:
        st.success(f"Saved: the segment now counts as {ui.md_escape(status.effective)} ({status.state}).")


def settle_widget(engine, actor, segment_id: int, key: str) -> None:
    """The agreed code for a segment whose coders differ (leads and researchers)."""
    with st.form(f"{key}_settle_{segment_id}"):
        chosen = issue_picker(engine, "Settle as", f"{key}_settle_issues_{segment_id}")
        if st.form_submit_button("Settle"):
            with ui.friendly_errors():
                status = residents.settle_coding(engine, actor, segment_id, chosen)
                st.success(f"Settled: the segment counts as {ui.md_escape(status.effective)}.")


def bulk_coder(engine, actor, segment_ids: list[int], key: str, what: str) -> None:
    """Code many segments with the same issues, all or nothing."""
    with st.form(f"{key}_bulk"):
        chosen = issue_picker(engine, f"Code {what} with", f"{key}_bulk_issues")
        skip = st.checkbox("Leave segments a person has coded already", value=True, key=f"{key}_bulk_skip")
        go = st.form_submit_button(f"Code {len(segment_ids)} segment(s)", type="primary")
    if go:
        with ui.friendly_errors():
            result = residents.code_segments(engine, actor, segment_ids, chosen, skip_coded=skip)
            st.success(f"Coded {result['coded']} segment(s); left {result['skipped']} already coded."
                       + (f" {len(result['disputed'])} now differ from another coder's codes." if result["disputed"]
                          else ""))


def topic_coder(engine, actor, key: str) -> None:
    """Code every resident segment of one of the current topics (researchers)."""
    if not ui.allowed("segments.code"):
        return
    with st.expander("Code a whole topic"), ui.friendly_errors():
        frame = residents.topics_frame(engine, actor)
        if frame.empty:
            st.info("No topics yet: run the analysis on **Topics**.")
            return
        labels = {int(r.topic_id): f"{r.label} ({r.size} segments; now {r.issue})" for r in frame.itertuples()}
        topic_id = st.selectbox("Topic", list(labels), format_func=labels.get, key=f"{key}_topic")
        ids = residents.topic_segment_ids(engine, actor, topic_id)
        bulk_coder(engine, actor, ids, f"{key}_{topic_id}", f"the topic's {len(ids)} resident segment(s)")


def issue_labels(engine) -> dict[str, str]:
    """code -> label (no indentation), for tables."""
    return {code: label.strip() for code, label in _issue_options(engine).items()}
