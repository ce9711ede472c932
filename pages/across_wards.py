"""Across wards: the joint display's verdicts for every ward (or the Booster Wards) as a heatmap, and two
wards side by side."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

import ui
from triangulate import core, joint, numbers
from triangulate.core import headed

engine, actor = ui.page(
    "Across wards",
    "The same verdicts for every ward: where the three strands agree, partly agree, stay silent or "
    "disagree, issue by issue. Colour, glyph and word carry the same meaning.")

boosters = [code for code, _ in numbers.booster_wards(engine)]
# The Booster Wards by default once more than one is marked (Ward.booster); otherwise every ward.
scope = st.radio("Wards", ["The Booster Wards", "All wards"], horizontal=True,
                 index=0 if len(boosters) > 1 else 1, disabled=not boosters,
                 help=f"{len(boosters)} ward(s) are marked as Booster Wards in the database.")
t = joint.load_thresholds(engine)
with ui.friendly_errors(), st.spinner("Comparing the three strands in every ward…"):
    everything = joint.matrix(engine, actor, None, t)
ui.stop_if_empty(everything, "No wards or issues are loaded yet. Run `python -m triangulate init --demo`.")
matrix = everything[everything["ward_code"].isin(boosters)] if scope == "The Booster Wards" and boosters \
    else everything
st.caption(f"⚠️ {ui.ILLUSTRATIVE}")

matrix = matrix.assign(label=[f"{joint.STYLE[v]['glyph']}" for v in matrix["verdict"]],
                       issue_label=[core.wrap(i, 34) for i in matrix["issue"]])
issue_order = list(dict.fromkeys(matrix.sort_values("codebook_order")["issue"]))
# Ward names turned fully (−90°): 23 of them fit side by side at a laptop's width without touching.
heat = alt.Chart(matrix).mark_rect(stroke="white").encode(
    x=alt.X("ward:N", title=None, axis=alt.Axis(labelAngle=-90, orient="top", labelOverlap=False, labelLimit=0)),
    y=alt.Y("issue_label:N", title=None, sort=[core.wrap(i, 34) for i in issue_order],
            axis=core.wrapped_axis()),
    color=alt.Color("verdict:N", title="Verdict", scale=alt.Scale(domain=list(joint.STYLE),
                                                                  range=[s["colour"] for s in joint.STYLE.values()]),
                    legend=alt.Legend(orient="bottom")),
    tooltip=["ward", "issue", "verdict", "numbers", "practitioners", "residents"])
glyphs = alt.Chart(matrix).mark_text(fontSize=14).encode(
    x="ward:N", y=alt.Y("issue_label:N", sort=[core.wrap(i, 34) for i in issue_order]), text="label:N")
lines = max(lbl.count("|") + 1 for lbl in matrix["issue_label"])
with ui.wide_only("across-wards-grid"):
    ui.chart((heat + glyphs).properties(height=alt.Step(max(26, 15 * lines + 6)), width=alt.Step(28)))
with ui.narrow_only("across-wards-list"):
    st.caption("On a narrow screen the grid becomes a list: one ward at a time, issues grouped by verdict.")
    ui.verdict_list(matrix, joint.STYLE, key="across_wards_list_ward")

summary = (matrix.groupby(["ward", "verdict"]).size().unstack(fill_value=0)
           .reindex(columns=list(joint.VERDICTS), fill_value=0))
summary.columns = [f"{joint.STYLE[v]['glyph']} {v}" for v in summary.columns]
st.dataframe(summary, width="stretch")
st.download_button("Download every verdict (CSV)",
                   core.csv_bytes(headed(matrix[["ward_code", "ward", "issue_code", "issue", "numbers", "practitioners",
                                  "residents", "verdict", "why"]]).rename(columns={
                       "Numbers": "Numbers say", "Practitioners": "Officers say", "Residents": "Residents say",
                       "Verdict": "Verdict", "Why": "Why"})),
                   file_name="joint-display-wards.csv", mime="text/csv")

st.subheader("Two wards side by side")
names = dict(zip(everything["ward_code"], everything["ward"]))
codes = sorted(names, key=names.get)
c1, c2 = st.columns(2)
first = c1.selectbox("Ward", codes, index=codes.index(ui.current_ward()) if ui.current_ward() in codes else 0,
                     format_func=names.get, key="compare_a")
default_b = "S13002975" if "S13002975" in codes and first != "S13002975" else codes[min(1, len(codes) - 1)]
second = c2.selectbox("against", codes, index=codes.index(default_b), format_func=names.get, key="compare_b")
a = everything[everything["ward_code"] == first].set_index("issue_code")
b = everything[everything["ward_code"] == second].set_index("issue_code")
pair = pd.DataFrame({
    "Issue": a["issue"],
    f"{names[first]}": [f"{joint.STYLE[v]['glyph']} {v}" for v in a["verdict"]],
    f"{names[first]} (N / P / R)": a["numbers"] + " / " + a["practitioners"] + " / " + a["residents"],
    f"{names[second]}": [f"{joint.STYLE[v]['glyph']} {v}" for v in b.reindex(a.index)["verdict"]],
    f"{names[second]} (N / P / R)": (b["numbers"] + " / " + b["practitioners"] + " / "
                                     + b["residents"]).reindex(a.index),
}).sort_values(by="Issue").reset_index(drop=True)
pair["Same verdict"] = ["yes" if x == y else "no" for x, y in zip(pair[names[first]], pair[names[second]])] \
    if names[first] != names[second] else "yes"
st.dataframe(pair, hide_index=True, width="stretch")
ui.attribution()
