"""Issues × wards: what officers' coded insights say, by stance. The practitioners' input to the joint display."""
from __future__ import annotations

import altair as alt
import streamlit as st

import ui
from schemas.insight_files import STANCE_LABELS, STANCES
from triangulate import core, practitioners
from triangulate.core import codes_in_words, headed, label

engine, actor = ui.page(
    "Issues × wards",
    "How many coded officer insights each ward has on each issue, by stance. Where coders disagreed "
    "and the disagreement was settled, the settled coding counts; otherwise each coder counts as a share "
    "of the insight.")

c1, c2, c3, c4 = st.columns(4)
stance = c1.selectbox("Stance", ["any", *STANCES], format_func=lambda s: "any stance" if s == "any"
                      else STANCE_LABELS[s])
roles = c2.multiselect("Role or service", practitioners.roles_in_use(engine))
since = c3.date_input("From", value=None, format="DD/MM/YYYY")
until = c4.date_input("To", value=None, format="DD/MM/YYYY")
filters = practitioners.Filters(roles=tuple(roles), date_from=since, date_to=until)

with ui.friendly_errors():
    table = practitioners.crosstab(engine, actor, filters)
    ui.stop_if_empty(table, "No coded insights match these filters yet. Officers record them on **Record an insight**, "
                            "or a researcher imports a spreadsheet on **Insights**.")
    if practitioners.any_illustrative(engine):
        st.caption(f"⚠️ {ui.ILLUSTRATIVE}")
    cells = practitioners.issue_ward_totals(table, stance)
    ui.stop_if_empty(cells, "No insights with this stance; choose another stance.")
    cells["issue_label"] = cells["issue"].map(lambda i: core.wrap(i, 30))
    heat = alt.Chart(cells).mark_rect().encode(
        x=alt.X("ward:N", title="Ward", sort="ascending",
                axis=alt.Axis(labelAngle=-90, labelLimit=0, labelOverlap=False)),
        y=alt.Y("issue_label:N", title="Issue", axis=core.wrapped_axis()),
        color=alt.Color("insights:Q", title="Insights", scale=alt.Scale(scheme=core.SEQUENTIAL),
                        legend=alt.Legend(format="~g")),
        tooltip=["ward", "issue", alt.Tooltip("insights:Q", format=".1f"),
                 alt.Tooltip("mean_severity:Q", title="mean severity", format=".1f")])
    # White numbers on the dark cells, black on the light ones; the height counts the axis too, so every
    # issue keeps its label (too short a chart makes Vega drop every other one).
    text = alt.Chart(cells).mark_text(baseline="middle", fontSize=core.MIN_FONT).encode(
        x="ward:N", y="issue_label:N", text=alt.Text("insights:Q", format=".0f"),
        color=alt.condition(alt.datum.insights > 0.6 * cells["insights"].max(), alt.value("white"),
                            alt.value("black")))
    lines = max(lbl.count("|") + 1 for lbl in cells["issue_label"])
    ui.chart((heat + text).properties(height=alt.Step(max(26, 15 * lines + 6)), width=alt.Step(34)))

    by_stance = table.groupby(["issue", "stance"], as_index=False)["insights"].sum()
    by_stance["stance"] = by_stance["stance"].map(STANCE_LABELS)
    by_stance["issue_label"] = by_stance["issue"].map(lambda i: core.wrap(i, 30))
    ui.chart(alt.Chart(by_stance).mark_bar().encode(
        y=alt.Y("issue_label:N", title=None, sort="-x", axis=core.wrapped_axis()),
        x=alt.X("insights:Q", title="Insights, all wards", axis=alt.Axis(format="~g", tickMinStep=1)),
        color=alt.Color("stance:N", title="Stance", legend=alt.Legend(orient="top", columns=2),
                        scale=alt.Scale(domain=[STANCE_LABELS[s] for s in STANCES],
                                        range=[core.STANCE_COLOURS[STANCE_LABELS[s]] for s in STANCES])),
        tooltip=["issue", "stance", alt.Tooltip("insights:Q", format=".1f")]).properties(height=alt.Step(
            max(24, 15 * max(by_stance["issue_label"].str.count("[|]") + 1) + 6))))
    st.caption("Each bar is split by stance, in the order of the legend; hover a part for its stance and count.")
    st.download_button("Download the table (CSV)",
                       core.csv_bytes(headed(table.assign(stance=table["stance"].map(label)))),
                       "issues_by_wards.csv", "text/csv")

    st.subheader("Drill down")
    if not ui.may_read_insight_text():
        st.info("Your role sees totals only; insight text is for officers, researchers and leads.")
    else:
        c1, c2 = st.columns(2)
        ward_options = sorted(set(cells["ward_code"]), key=lambda c: ui.ward_name(c))
        default_ward = ward_options.index(ui.current_ward()) if ui.current_ward() in ward_options else 0
        ward = c1.selectbox("Ward", ward_options, index=default_ward, format_func=ui.ward_name)
        issue_options = sorted(set(cells[cells["ward_code"] == ward]["issue_code"]))
        names = dict(zip(cells["issue_code"], cells["issue"]))
        issue = c2.selectbox("Issue", issue_options, format_func=names.get)
        detail = practitioners.drill_down(engine, actor, ward, issue, None if stance == "any" else stance, filters)
        # The insight's words first: at the end of the row they were off screen.
        issue_names = ui.issue_labels()
        detail = detail.assign(stance=detail["stance"].map(
            lambda s: ", ".join(label(x.strip()) for x in str(s).split(",")) if isinstance(s, str) else s),
            codes=detail["codes"].map(lambda c: codes_in_words(c, issue_names)))
        st.dataframe(detail, hide_index=True, width="stretch",
                     column_order=["observed_on", "text", "stance", "author", "role_service", "evidence_type",
                                   "codes", "id"],
                     column_config={"observed_on": st.column_config.DateColumn("Date observed", format="DD/MM/YYYY"),
                                    "text": st.column_config.TextColumn("Insight", width="large"),
                                    "stance": "Stance", "author": "Author", "role_service": "Role or service",
                                    "evidence_type": "Evidence", "codes": "Issues (stance, severity, coder)",
                                    "id": "#"})
        ui.long_text_detail(detail.assign(title=[f"#{i} · {t}" for i, t in zip(detail["id"], detail["text"])]),
                            "title", "text", "Read one insight in full", key="drill_detail")
