"""Workshop mode on a wall: one issue at a time, full screen, type sized for a room.

The sidebar, the header and the page's own controls are hidden; ← and → (or the two buttons) step through
the agenda; a counter says where the room is. For each strand: its level, one line of why, and its
strongest evidence (the indicator against the city as a small chart; one officer insight; one or two
redacted resident quotes). Notes are taken without leaving the view.
"""
from __future__ import annotations

import re

import altair as alt
import pandas as pd
import streamlit as st

from triangulate import joint, numbers
from triangulate.core import label

# Sizes at 1920×1080: a headline of 56 px and evidence of 26 px read from the back of a meeting room.
_WALL_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding-top: 1rem !important; max-width: 100% !important; }
/* Everything the page drew around the view (ward picker, filter, buttons) is hidden: only the view shows. */
[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"] > *:not(.st-key-wall):not(:has(.st-key-wall)) {
  display: none !important; }
.st-key-wall h1 { font-size: 56px !important; line-height: 1.15 !important; }
.st-key-wall h3 { font-size: 32px !important; }
.st-key-wall p, .st-key-wall li, .st-key-wall label, .st-key-wall textarea, .st-key-wall button p {
  font-size: 26px !important; line-height: 1.35 !important; }
.st-key-wall-counter p { font-size: 28px !important; font-weight: 700; text-align: center; }
@media (max-width: 640px) {
  .st-key-wall h1 { font-size: 32px !important; }
  .st-key-wall p, .st-key-wall li, .st-key-wall label, .st-key-wall textarea { font-size: 18px !important; }
}
</style>"""

# ← and → press the view's own buttons (so the server keeps the position); typing in the notes box is left
# alone. The listener is added once per browser tab.
_KEYS = """<script>
(function () {
  if (window.__triangulateWallKeys) return;
  window.__triangulateWallKeys = true;
  document.addEventListener('keydown', function (e) {
    const t = e.target;
    if (t && (t.tagName === 'TEXTAREA' || t.tagName === 'INPUT' || t.isContentEditable)) return;
    if (!document.querySelector('.st-key-wall')) return;  // only while the wall view is shown
    const key = e.key === 'ArrowRight' ? 'wall-next' : e.key === 'ArrowLeft' ? 'wall-previous' : null;
    if (!key) return;
    const button = document.querySelector('.st-key-' + key + ' button');
    if (button && !button.disabled) { e.preventDefault(); button.click(); }
  });
})();
</script>"""


def agenda(matrix: pd.DataFrame, only_flagged: bool) -> pd.DataFrame:
    """The issues to walk through: with `only_flagged`, those on which at least one strand flags a concern."""
    chosen = matrix[matrix["flagged"]] if only_flagged else matrix
    return chosen.reset_index(drop=True)


def filter_note(matrix: pd.DataFrame, shown: pd.DataFrame) -> str:
    """What the 'only flagged' filter did, in words (it can rightly hide nothing)."""
    n, k = len(matrix), len(shown)
    if k == n:
        return f"All {n} issues have at least one strand flagging a concern in this ward, so none is hidden."
    return f"{k} of {n} issues have at least one strand flagging a concern; the other {n - k} are hidden."


def one_line(summary: str) -> str:
    """A strand's summary cut to its first clause (the detail stays on the joint display), without the
    internal weights ('(weight 3.0)') that mean nothing to a room."""
    text = re.sub(r"\s*\(weight [0-9.]+\)", "", str(summary))
    text = re.sub(r"\s*\([^()]*;[^()]*\)", "", text).strip()  # asides with their own clauses
    cuts = [i for i in (text.find(": ", 20), text.find("; ", 20), text.find(". ", 20)) if i > 0]
    return (text[:min(cuts)] if cuts else text).rstrip(" .;:") + "."


def _strongest_indicator(engine, ward_code: str, issue_code: str, ward_name: str):
    """The linked indicator on which the ward stands out most, with its trend sentence when it has one."""
    table = numbers.ward_indicator_table(engine, ward_code)
    if table.empty:
        return None, None
    linked = table[table["issue_codes"].map(lambda codes: issue_code in codes) & table["value"].notna()]
    if linked.empty:
        return None, None
    row = linked.assign(_gap=linked["z"].abs().fillna(-1)).sort_values("_gap", ascending=False).iloc[0]
    trend = numbers.trend_against_city(engine, row["indicator_key"], ward_code, ward_name)
    return row, (trend if trend.direction != "no trend" else None)


WALL_FLAG = "wall_view"


def enter_button() -> bool:
    """The way into the wall view; True while it is on (the view itself has the way out)."""
    if st.button("Present on the wall (full screen, ← → to move)", icon=":material/present_to_all:",
                 key="wall-enter"):
        st.session_state[WALL_FLAG] = True
        st.rerun()
    return bool(st.session_state.get(WALL_FLAG))


def present(engine, actor, ward_code: str, ward_name: str, shown: pd.DataFrame, thresholds, can_write: bool,
            allowed) -> None:
    """Draw the wall view for the agenda `shown` (from `agenda`). `allowed(permission)` says what this
    user may read; a viewer sees levels, summaries and charts but no insight text, and cannot write notes."""
    from ui import chart, md_escape

    st.html(_WALL_CSS)
    st.html(_KEYS, unsafe_allow_javascript=True)
    if shown.empty:
        st.info("No strand flags any issue in this ward yet: leave the wall view and switch the filter off to "
                "walk through every issue.")
        if st.button("Leave the wall view", key="wall-exit"):
            st.session_state[WALL_FLAG] = False
            st.rerun()
        return
    key = f"wall_pos_{ward_code}"
    st.session_state[key] = min(max(st.session_state.get(key, 0), 0), len(shown) - 1)
    pos = st.session_state[key]
    row = shown.iloc[pos]
    with st.container(key="wall"):
        left, middle, right = st.columns([1, 3, 1], vertical_alignment="center")
        with left:
            if st.button("◀ Previous", key="wall-previous", disabled=pos == 0, width="stretch"):
                st.session_state[key] = pos - 1
                st.rerun()
        with middle, st.container(key="wall-counter"):
            st.markdown(f"{md_escape(ward_name)} · issue {pos + 1} of {len(shown)} · ← →")
        with right:
            if st.button("Next ▶", key="wall-next", disabled=pos >= len(shown) - 1, width="stretch"):
                st.session_state[key] = pos + 1
                st.rerun()
            if st.button("Leave the wall view", key="wall-exit", type="tertiary", width="stretch"):
                st.session_state[WALL_FLAG] = False
                st.rerun()
        style = joint.STYLE[row["verdict"]]
        st.markdown(f"# {md_escape(row['issue'])} — {style['glyph']} {md_escape(row['verdict'])}")
        judged = joint.cells(engine, actor, [ward_code], thresholds)
        cell = next((c for c in judged if c.issue_code == row["issue_code"]), None)
        columns = st.columns(3, gap="large")
        titles = {"numbers": "The numbers", "practitioners": "Officers", "residents": "Residents"}
        for col, strand in zip(columns, ("numbers", "practitioners", "residents")):
            with col:
                level = row[strand]
                st.markdown(f"### {titles[strand]}: {joint.LEVEL_GLYPH.get(level, '')} {md_escape(level)}")
                st.markdown(md_escape(one_line(row[f"{strand}_summary"])))
                _evidence(engine, actor, strand, ward_code, ward_name, row, cell, allowed, chart)
        _notes(engine, actor, ward_code, row, can_write)


def _evidence(engine, actor, strand, ward_code, ward_name, row, cell, allowed, chart) -> None:
    from ui import md_escape

    if strand == "numbers":
        best, trend = _strongest_indicator(engine, ward_code, row["issue_code"], ward_name)
        if best is None:
            st.markdown("_No indicator is linked to this issue._")
            return
        chart(numbers.comparison_chart(best, ward_name).properties(height=alt.Step(44)), min_font=20)
        if trend is not None:
            st.markdown(md_escape(trend.sentence))
        return
    if strand == "practitioners":
        ids = cell.signals["practitioners"].evidence.get("insight_ids") if cell else None
        found = joint.officer_insights(engine, actor, ward_code, row["issue_code"], ids)
        if found.empty:
            st.markdown("_No officer insight in this ward is coded to this issue._")
        elif "text" in found:
            first = found.iloc[0]
            st.markdown(f"“{md_escape(first['text'])}”  \n— {md_escape(first['role_service'])}, "
                        f"{md_escape(label(first['stance']))}")
        else:
            st.markdown(f"{int(found['insights'].sum())} insight(s); your role sees counts, not their text.")
        return
    if not allowed("quotes.read"):
        st.markdown("_Your role sees the residents' level, not their words._")
        return
    stems = cell.signals["residents"].stems if cell else None
    quotes = joint.resident_quotes(engine, actor, ward_code, row["issue_code"], 2, stems)
    if quotes.empty:
        st.markdown("_No resident said anything about this issue in this ward's transcripts._")
    for q in quotes.itertuples():
        st.markdown(f"“{md_escape(q.text)}”  \n— {md_escape(q.title)} (redacted)")


def _notes(engine, actor, ward_code: str, row, can_write: bool) -> None:
    from ui import md_escape

    notes = joint.workshop_notes(engine, actor, ward_code, row["issue_code"])
    if not notes.empty:
        st.markdown("\n".join(f"- {md_escape(n.text)}" for n in notes.itertuples()))
    if not can_write:
        st.caption("Notes from the room are written by the programme lead.")
        return
    with st.form(f"wall_note_{row['issue_code']}", clear_on_submit=True, border=False):
        text = st.text_area("Note from the room", placeholder="What did the room say about this issue?", height=90)
        if st.form_submit_button("Save note", type="primary") and text.strip():
            joint.add_note(engine, actor, ward_code, row["issue_code"], text)
            st.toast("Note saved.")
            st.rerun()
