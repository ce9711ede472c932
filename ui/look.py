"""How pages show things: charts in the app's style, issue codes as labels, long text in a detail view."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from triangulate import codebook, core, numbers


def chart(chart_spec, min_font: int = core.MIN_FONT, **kwargs) -> None:
    """Draw an Altair chart at the page's width, with text ≥ `min_font` px (12 by default; larger on the
    wall) and no axis label shortened or dropped."""
    st.vega_lite_chart(core.readable_spec(chart_spec, min_font), width="stretch", **kwargs)


@st.cache_data(ttl=300, show_spinner=False)
def issue_labels() -> dict[str, str]:
    from ui import engine

    return {i.code: i.label for i in codebook.list_issues(engine(), include_retired=True)}


def issue_label(code: str) -> str:
    """An issue's label from the codebook (its code if the codebook does not know it)."""
    return issue_labels().get(code, code)


def long_text_detail(frame: pd.DataFrame, title_column: str, text_column: str, label: str, key: str) -> None:
    """A table cell cannot wrap; this shows one row's long text in full, chosen by its title, under the table."""
    if frame.empty:
        return
    rows = list(range(len(frame)))
    titles = [str(t) for t in frame[title_column]]
    pick = st.selectbox(label, rows, format_func=lambda i: titles[i][:120], key=key)
    if pick is not None:
        show_long_text(str(frame[text_column].iloc[pick]))


def show_long_text(text: str) -> None:
    """User text, as text (never Markdown or HTML), in a bordered box; it wraps at any width."""
    with st.container(border=True):
        st.text(text)


_CLOSE_SIDEBAR = """<script>
/* nonce %d: a new script each navigation, so the browser runs it again */
(function () {
  if (window.innerWidth > 768) return;  // Streamlit lays the menu over the page below this width
  const close = () => {
    const bar = document.querySelector('[data-testid="stSidebar"]');
    if (!bar || bar.getBoundingClientRect().right < 10) return;  // already folded away
    const button = bar.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (button) button.click();
  };
  setTimeout(close, 50);
})();
</script>"""


def close_sidebar_on_phone() -> None:
    """On a phone the menu covers the page it opened: close it once a page has been chosen."""
    st.session_state["_sidebar_nonce"] = st.session_state.get("_sidebar_nonce", 0) + 1
    st.html(_CLOSE_SIDEBAR % st.session_state["_sidebar_nonce"], unsafe_allow_javascript=True)


def record_insight_button() -> None:
    """The officer's main task, one tap from the home screen (on a phone the menu is folded away)."""
    from ui import allowed

    if allowed("insights.create") and st.button("Record an insight", type="primary", icon=":material/edit_note:",
                                                key="home_record_insight"):
        st.switch_page("pages/insight_new.py")


# The largest upload the app takes (the libraries' own limits; .streamlit/config.toml allows a little more so
# that the library, not the browser, explains a refusal). Pages state it on the uploader and pass it to it.
UPLOAD_LIMIT_MB = 50

NARROW_PX = 640  # below this width a grid of wards × issues cannot be read: show a list instead

_RESPONSIVE_CSS = f"""<style>
@media (max-width: {NARROW_PX}px) {{ [class*="st-key-wide-only"] {{ display: none !important; }} }}
@media (min-width: {NARROW_PX + 1}px) {{ [class*="st-key-narrow-only"] {{ display: none !important; }} }}
</style>"""


def wide_only(name: str):
    """A container shown only on screens wider than a phone (a grid that needs the width)."""
    st.html(_RESPONSIVE_CSS)
    return st.container(key=f"wide-only-{name}")


def narrow_only(name: str):
    """A container shown only on a phone-sized screen (the same content as a list)."""
    st.html(_RESPONSIVE_CSS)
    return st.container(key=f"narrow-only-{name}")


def verdict_list(matrix: pd.DataFrame, style: dict, key: str, ward_column: str = "ward",
                 issue_column: str = "issue", verdict_column: str = "verdict") -> None:
    """The joint display's grid as a readable list for one ward at a time: glyph, verdict and issue on a line
    each, the way a phone can show it."""
    if matrix.empty:
        st.info("Nothing to show.")
        return
    wards = sorted(set(matrix[ward_column]))
    from ui import current_ward, md_escape, ward_name

    here = ward_name(current_ward())
    ward = st.selectbox("Ward", wards, index=wards.index(here) if here in wards else 0, key=key)
    rows = matrix[matrix[ward_column] == ward]
    order = list(style)
    rows = rows.assign(_o=rows[verdict_column].map(lambda v: order.index(v) if v in order else len(order)))
    for _, group in rows.sort_values(["_o", issue_column]).groupby("_o", sort=True):
        v = group[verdict_column].iloc[0]
        glyph = style.get(v, {}).get("glyph", "")
        st.markdown(f"**{glyph} {md_escape(v)}** ({len(group)})")
        st.markdown("\n".join(f"- {md_escape(i)}" for i in group[issue_column]))


def joint_matrix_list(view: pd.DataFrame, style: dict, level_glyph: dict, subject: dict) -> None:
    """The joint display's matrix on a phone: one block per issue, its verdict first, then each strand's
    level in words (the chart's columns side by side mash into one another at 390 px)."""
    from ui import md_escape

    for row in view.itertuples():
        verdict = style.get(row.verdict, {})
        strands = " · ".join(f"{subject[s].capitalize()}: {level_glyph.get(getattr(row, s), '')} "
                             f"{md_escape(getattr(row, s))}" for s in ("numbers", "practitioners", "residents"))
        st.markdown(f"**{md_escape(row.issue)}** — {verdict.get('glyph', '')} {md_escape(row.verdict)}  \n{strands}")


def issue_trend_sentences(engine, ward_code: str, issue_code: str, ward_name: str) -> list[str]:
    """For the joint display's numbers evidence: is the ward's gap to Glasgow widening or narrowing, on each
    indicator linked to the issue that has more than one period."""
    return [t.sentence for t in numbers.issue_trends(engine, issue_code, ward_code, ward_name)]
