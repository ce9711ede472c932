"""Coder agreement: per issue, how far coders agree, and the insights to settle in a meeting."""
from __future__ import annotations

import altair as alt
import streamlit as st

import ui
from schemas.insight_files import STANCE_LABELS
from triangulate import agreement, exports, insights

st.title("Coder agreement")
actor = ui.actor()
engine = ui.engine()
if not ui.allowed("insights.read_text"):
    st.info("Agreement needs the insight text; your role sees totals on **Issues × wards**.")
    st.stop()
st.write("Insights coded by two or more people are compared issue by issue: did each coder use the issue, and "
         "with the same stance? Percent agreement, Cohen's κ (two coders) and Krippendorff's α (any number of "
         "coders, missing codings allowed; nominal). κ and α near 1 mean strong agreement; near 0, no better "
         "than chance. The numbers start the conversation; the list below is what to talk about.")

ward_names = dict(ui.wards())
wards = st.multiselect("Wards (empty = all)", list(ward_names), format_func=ward_names.get)
with ui.friendly_errors():
    table = agreement.by_issue(engine, actor, wards or None)
    if table.empty:
        st.info("No insight has been coded by two people yet. A second coder can add their coding on "
                "**Insights** → *Add my coding*.")
        st.stop()
    if insights.any_illustrative(engine):
        st.caption(f"⚠️ {ui.ILLUSTRATIVE}")
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "percent_agreement": st.column_config.ProgressColumn("% agreement", min_value=0, max_value=100,
                                                             format="%.0f%%"),
        "cohen_kappa": st.column_config.NumberColumn("Cohen's κ", format="%.2f"),
        "krippendorff_alpha": st.column_config.NumberColumn("Krippendorff's α", format="%.2f")})
    long = table.melt(id_vars=["issue"], value_vars=["cohen_kappa", "krippendorff_alpha"],
                      var_name="measure", value_name="value").dropna()
    if not long.empty:
        long["measure"] = long["measure"].map({"cohen_kappa": "Cohen's κ", "krippendorff_alpha": "Krippendorff's α"})
        st.altair_chart(alt.Chart(long).mark_point(filled=True, size=80).encode(
            y=alt.Y("issue:N", title=None), x=alt.X("value:Q", title="Agreement", scale=alt.Scale(domain=[-1, 1])),
            color=alt.Color("measure:N", title=None), tooltip=["issue", "measure", alt.Tooltip("value:Q", format=".2f")]),
            width="stretch")

    st.subheader("Where coders disagree")
    issue_options = ["(all)", *table[table["disagreements"] > 0]["issue_code"].tolist()]
    labels = dict(zip(table["issue_code"], table["issue"]))
    chosen = st.selectbox("Issue", issue_options, format_func=lambda c: labels.get(c, c))
    open_only = st.toggle("Only those not yet settled", value=False)
    rows = agreement.disagreements(engine, actor, None if chosen == "(all)" else chosen, wards or None,
                                   include_settled=not open_only)
    if rows.empty:
        st.success("No disagreements here.")
        st.stop()
    rows = rows.assign(ward=rows["ward_code"].map(ui.ward_name))
    st.dataframe(rows[["insight_id", "ward", "issue_code", "values", "severities", "consensus", "text"]],
                 hide_index=True, width="stretch",
                 column_config={"text": st.column_config.TextColumn("Insight", width="large")})
    st.download_button("Download for the meeting (CSV)", exports.csv_bytes(rows),
                       "disagreements.csv", "text/csv")

    if ui.allowed("insights.settle"):
        st.subheader("Settle one")
        keys = list(zip(rows["insight_id"], rows["issue_code"]))
        pick = st.selectbox("Insight and issue", range(len(keys)),
                            format_func=lambda n: f"#{keys[n][0]} · {labels.get(keys[n][1], keys[n][1])}")
        st.text(rows.iloc[pick]["text"])
        with st.form("settle"):
            c1, c2 = st.columns(2)
            stance = c1.selectbox("Agreed stance", agreement.SETTLE_CHOICES,
                                  format_func=lambda s: STANCE_LABELS.get(s, "not about this issue"))
            severity = c2.select_slider("Agreed severity", [1, 2, 3], value=2)
            if st.form_submit_button("Record the consensus", type="primary"):
                insight_id, issue_code = keys[pick]
                agreement.settle(engine, actor, int(insight_id), issue_code, stance, severity)
                st.success(f"Consensus recorded for #{insight_id} ({ui.md_escape(labels.get(issue_code, issue_code))}); the "
                           "joint display now uses it.")
    else:
        st.caption("Leads and researchers record the consensus after the meeting.")
