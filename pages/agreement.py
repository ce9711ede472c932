"""Coder agreement: per issue, how far coders agree, and the insights to settle in a meeting."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

import ui
from schemas.insight_files import STANCE_LABELS
from triangulate import core, practitioners
from triangulate.core import coder_values_in_words, headed, label


def _reading(percent, kappa, alpha) -> str:
    """One issue's three figures in a sentence."""
    chance = kappa if kappa == kappa and kappa is not None else alpha
    if chance is None or chance != chance:
        return f"Coders gave the same answer on {percent:.0f}% of insights; too few to correct for chance."
    strength = ("strong" if chance > 0.8 else "fair" if chance >= 0.67 else
                "weak" if chance > 0.2 else "no better than chance" if chance >= -0.05 else "worse than chance")
    said = f"Coders gave the same answer on {percent:.0f}% of insights; corrected for chance, agreement is {strength}"
    if percent >= 80 and chance < 0.2:
        said += " — nearly every insight got the same answer, so agreement by chance alone was already high"
    return said + "."


engine, actor = ui.page("Coder agreement")
ui.stop_unless(ui.may_read_insight_text(),
               "Agreement needs the insight text; your role sees totals on **Issues × wards**.", st.info)
st.write("Insights coded by two or more people are compared issue by issue: did each coder use the issue, and "
         "with the same stance? The numbers start the conversation; the list below is what to talk about.")
with st.expander("What the three figures mean", expanded=True):
    st.markdown(
        "- **% agreement**: the share of insights on which the coders gave the same answer.\n"
        "- **Cohen's κ** (kappa, two coders) and **Krippendorff's α** (alpha, any number of coders, missing "
        "codings allowed) correct that share for the agreement two coders would reach **by chance**, given how "
        "often each answer is used. 1 = full agreement; 0 = no better than chance; below 0 = worse than chance. "
        "As a rough guide, above 0.8 is strong, 0.67–0.8 fair, below 0.67 weak.\n"
        "- **High % agreement with κ near 0** is not a contradiction: when nearly every insight gets the same "
        "answer (say, 'not about this issue'), two coders agree almost always by chance alone, so κ and α have "
        "almost nothing left to measure. Read the disagreements themselves, below.")

ward_names = dict(ui.wards())
wards = st.multiselect("Wards (empty = all)", list(ward_names), format_func=ward_names.get)
with ui.friendly_errors():
    table = practitioners.by_issue(engine, actor, wards or None)
    ui.stop_if_empty(table, "No insight has been coded by two people yet. A second coder can add their coding on "
                            "**Insights** → *Add my coding*.")
    if practitioners.any_illustrative(engine):
        st.caption(f"⚠️ {ui.ILLUSTRATIVE}")
    table = table.assign(reading=[_reading(p, k, a) for p, k, a in zip(
        table["percent_agreement"], table["cohen_kappa"], table["krippendorff_alpha"])])
    st.dataframe(table.drop(columns=["issue_code"]), hide_index=True, width="stretch", column_config={
        "issue": st.column_config.TextColumn("Issue", width="medium"), "units": "Insights compared",
        "coders": "Coders", "kappa_pair": "κ between", "disagreements": "Disagreements", "settled": "Settled",
        "percent_agreement": st.column_config.ProgressColumn("% agreement", min_value=0, max_value=100,
                                                             format="%.0f%%"),
        "cohen_kappa": st.column_config.NumberColumn("Cohen's κ", format="%.2f"),
        "krippendorff_alpha": st.column_config.NumberColumn("Krippendorff's α", format="%.2f"),
        "reading": st.column_config.TextColumn("In words", width="large")})
    ui.long_text_detail(table, "issue", "reading", "Read one issue's figures in words", key="agreement_reading")
    long = table.melt(id_vars=["issue"], value_vars=["cohen_kappa", "krippendorff_alpha"],
                      var_name="measure", value_name="value").dropna()
    if not long.empty:
        names = {"cohen_kappa": "● Cohen's κ", "krippendorff_alpha": "◆ Krippendorff's α"}
        long["measure"] = long["measure"].map(names)
        long["label"] = long["issue"].map(core.wrap)
        lines = max(lbl.count("|") + 1 for lbl in long["label"])
        y = alt.Y("label:N", title=None, axis=core.wrapped_axis())
        points = alt.Chart(long).mark_point(filled=True, size=120, opacity=1).encode(
            y=y, yOffset=alt.YOffset("measure:N", sort=list(names.values())),
            x=alt.X("value:Q", title="κ or α (1 = full agreement, 0 = chance)", scale=alt.Scale(domain=[-1, 1])),
            color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="top"), scale=alt.Scale(
                domain=list(names.values()), range=[core.KAPPA[0], core.ALPHA[0]])),
            shape=alt.Shape("measure:N", title=None, legend=None, scale=alt.Scale(
                domain=list(names.values()), range=[core.KAPPA[1], core.ALPHA[1]])),
            tooltip=[alt.Tooltip("issue:N", title="Issue"), alt.Tooltip("measure:N", title="Measure"),
                     alt.Tooltip("value:Q", format=".2f")])
        chance = alt.Chart(pd.DataFrame({"value": [0.0]})).mark_rule(strokeDash=[4, 3], color=core.SCOTLAND) \
            .encode(x="value:Q")
        ui.chart((chance + points).properties(height=alt.Step(max(26, 15 * lines + 6))))
        st.caption("Blue circles: Cohen's κ. Orange diamonds: Krippendorff's α. The dashed line is chance (0).")

    st.subheader("Where coders disagree")
    issue_options = ["(all)", *table[table["disagreements"] > 0]["issue_code"].tolist()]
    labels = dict(zip(table["issue_code"], table["issue"]))
    chosen = st.selectbox("Issue", issue_options, format_func=lambda c: labels.get(c, c))
    open_only = st.toggle("Only those not yet settled", value=False)
    rows = practitioners.disagreements(engine, actor, None if chosen == "(all)" else chosen, wards or None,
                                       include_settled=not open_only)
    ui.stop_if_empty(rows, "No disagreements here.", st.success)
    rows = rows.assign(ward=rows["ward_code"].map(ui.ward_name), issue=rows["issue_code"].map(ui.issue_label),
                       values=rows["values"].map(coder_values_in_words),
                       consensus=rows["consensus"].map(lambda c: label(c) if c else "not yet"))
    shown = rows[["insight_id", "ward", "issue", "values", "severities", "consensus", "text"]]
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config={"insight_id": "Insight #", "ward": "Ward", "issue": "Issue",
                                "values": st.column_config.TextColumn("Each coder's stance", width="medium"),
                                "severities": "Each coder's severity", "consensus": "Agreed after discussion",
                                "text": st.column_config.TextColumn("Insight", width="large")})
    st.download_button("Download for the meeting (CSV)", core.csv_bytes(headed(shown)),
                       "disagreements.csv", "text/csv")

    if ui.allowed("insights.settle"):
        st.subheader("Settle one")
        keys = list(zip(rows["insight_id"], rows["issue_code"]))
        pick = st.selectbox("Insight and issue", range(len(keys)),
                            format_func=lambda n: f"#{keys[n][0]} · {labels.get(keys[n][1], keys[n][1])}")
        ui.show_long_text(rows.iloc[pick]["text"])
        with st.form("settle"):
            c1, c2 = st.columns(2)
            stance = c1.selectbox("Agreed stance", practitioners.SETTLE_CHOICES,
                                  format_func=lambda s: STANCE_LABELS.get(s, "not about this issue"))
            severity = c2.select_slider("Agreed severity", [1, 2, 3], value=2)
            if st.form_submit_button("Record the consensus", type="primary"):
                insight_id, issue_code = keys[pick]
                practitioners.settle(engine, actor, int(insight_id), issue_code, stance, severity)
                st.success(f"Consensus recorded for #{insight_id} "
                           f"({ui.md_escape(labels.get(issue_code, issue_code))}); the joint display now uses it.")
    else:
        ui.long_text_detail(rows.assign(title=[f"#{i} · {w} · {t}" for i, w, t in
                                               zip(rows["insight_id"], rows["ward"], rows["issue"])]),
                            "title", "text", "Read one insight in full", key="agreement_detail")
        st.caption("Leads and researchers record the consensus after the meeting.")
