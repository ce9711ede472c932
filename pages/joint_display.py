"""Joint display: for a ward, where numbers, practitioners and residents agree, partly agree, stay silent or
disagree, sorted by what needs discussion first, with the evidence behind every verdict."""
from __future__ import annotations

import pandas as pd
import streamlit as st

import ui
from triangulate import core, joint, residents
from triangulate.core import escape_markdown as md

engine, actor = ui.page("Joint display")
ward_code = ui.ward_picker()
ward = ui.ward_name(ward_code)
# --------------------------------------------------------------------------- the area inside the ward (issue 15)
choices = {a.code: a for a in joint.area_choices(engine, ward_code, ward)}
wanted = st.session_state.pop("joint_area_request", None)  # from the map of where the evidence is
if wanted in choices:
    st.session_state["joint_area"] = wanted
if st.session_state.get("joint_area") not in choices:
    st.session_state["joint_area"] = ward_code
kinds = {"ward": "the whole ward", "iz": "intermediate zone", "neighbourhood": "neighbourhood"}
area = choices[st.selectbox(
    "Area", list(choices), key="joint_area", format_func=lambda c: (
        f"Whole ward: {choices[c].name}" if choices[c].kind == "ward" else
        f"{choices[c].name} ({kinds[choices[c].kind]}"
        + (f", {len(choices[c].iz_codes)} IZs)" if len(choices[c].iz_codes) > 1 else ")")),
    help="An intermediate zone or neighbourhood of the ward: every strand counts only the evidence placed there.")]
in_area = area.kind != "ward"
place = f"{area.name} ({ward})" if in_area else ward
with ui.friendly_errors():
    st.info(md(joint.evidence_statement(engine, actor, area, ward)["sentence"]))
# ---------------------------------------------------------------------------
st.write(f"On which issues facing **{md(place)}** do the numbers, the practitioners and the residents agree, "
         "partly agree, stay silent or disagree? Issues that need discussion come first.")

t = joint.load_thresholds(engine)
with ui.friendly_errors(), st.spinner("Comparing the three strands…"):
    judged = joint.cells(engine, actor, [ward_code], t, area=area if in_area else None)
    cells = {c.issue_code: c for c in judged}
    matrix = joint.matrix(engine, actor, [ward_code], t, judged=judged, area=area if in_area else None)
ui.stop_if_empty(matrix, "No issues in the codebook yet: load the default codebook on **Codebook**.")

# --------------------------------------------------------------------------- residents: verified? analysed? (issue 11)

checks = residents.machine_flags(engine, actor, t) if ui.allowed("machine_check.read") else {}
if (matrix["residents"] == "not analysed").any():
    st.warning("Residents' column not analysed: " + md(matrix.loc[matrix["residents"] == "not analysed",
                                                                 "residents_summary"].iloc[0]))
# ---------------------------------------------------------------------------

counts = matrix["verdict"].value_counts()
cols = st.columns(len(joint.VERDICTS))
for col, verdict in zip(cols, joint.VERDICTS):
    col.metric(f"{joint.STYLE[verdict]['glyph']} {verdict}", int(counts.get(verdict, 0)))

quiet = matrix[~matrix["flagged"] & (matrix["verdict"] == "agreement")]
show_quiet = len(quiet) == 0 or st.toggle(
    f"Show the {len(quiet)} issue(s) no strand flags", value=False,
    help="Issues every strand is quiet about agree trivially; they are hidden to keep the wall display short.")
view = matrix if show_quiet else matrix.drop(quiet.index)
if (matrix["residents"] != "no data").any() or (matrix["practitioners"] != "no data").any():
    st.caption(f"⚠️ {ui.ILLUSTRATIVE}")

# Screens (issue 14): the chart on wide screens, in text of 12 px or more; a list on a phone (ui/look.py).
with ui.wide_only("joint-matrix"):
    ui.chart(joint.matrix_chart(view))
with ui.narrow_only("joint-matrix-list"):
    ui.joint_matrix_list(view, joint.STYLE, joint.LEVEL_GLYPH, joint.SUBJECT)


def _word(level: str) -> str:
    return f"{joint.LEVEL_GLYPH.get(level, '')} {level}"


table = pd.DataFrame({
    "Issue": view["issue"],
    "Numbers": view["numbers"].map(_word),
    "Practitioners": view["practitioners"].map(_word),
    "Residents": view["residents"].map(_word),
    "Verdict": [f"{joint.STYLE[v]['glyph']} {v}" for v in view["verdict"]],
}).reset_index(drop=True)
if checks:  # is the machine's issue behind the residents' level verified? (Check the machine)
    table.insert(4, "Residents checked", [checks[c].short if c in checks else "" for c in view["issue_code"]])
colours = {f"{s['glyph']} {v}": s["colour"] for v, s in joint.STYLE.items()}
styled = table.style.map(lambda v: f"background-color: {colours.get(v, '')}; color: black; font-weight: 600"
                         if v in colours else "", subset=["Verdict"])
event = st.dataframe(styled, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                     key="joint_table", height=36 * (len(table) + 1) + 4)
st.caption("Select a row to see its evidence.")
rows = event.selection.rows if event and hasattr(event, "selection") else []
options = list(view["issue_code"])
labels = dict(zip(view["issue_code"], view["issue"]))
if rows:
    st.session_state["joint_issue"] = options[rows[0]]
if st.session_state.get("joint_issue") not in options:
    st.session_state["joint_issue"] = options[0]
issue_code = st.selectbox("Evidence for", options, format_func=lambda c: labels[c], key="joint_issue")

# --------------------------------------------------------------------------- evidence of one cell
cell = cells[issue_code]
row = matrix[matrix["issue_code"] == issue_code].iloc[0]
style = joint.STYLE[cell.verdict]
st.subheader(f"{md(labels[issue_code])}: {style['glyph']} {cell.verdict}")
why, numbers_tab, officers_tab, residents_tab = st.tabs(
    [f"Why does it say {cell.verdict}?", "Numbers", "Officers", "Residents"])
with why:
    st.markdown(md(cell.reason))
    st.markdown("\n".join(f"- **{joint.SUBJECT[name].capitalize()}** ({md(cell.signals[name].level)}): "
                          f"{md(cell.evidence[name])}" for name in joint.STRANDS))


    def _readings(pair) -> str:
        a, b = cell.signals[pair.a], cell.signals[pair.b]
        return f"{joint.reading(a.level, a.prominence)} / {joint.reading(b.level, b.prominence)}"


    st.dataframe(pd.DataFrame([{"pair": f"{p.a} – {p.b}", "readings": _readings(p), "examples": p.overlap,
                                "verdict": p.verdict, "why": p.reason} for p in cell.pairs]),
                 hide_index=True, width="stretch")
    st.caption("The rule: each strand's level becomes a reading (concern, quiet, counter, none); each pair of "
               "strands is coded by the truth table on meaning-and-prominence and shared examples; the verdict is "
               "the pair most in need of discussion (dissonance, silence, partial agreement, agreement). The "
               "thresholds in use are on **Thresholds**.")
    with st.expander("The truth table and the thresholds in use"):
        st.code(joint.METHOD["pairs"].text.strip(), language=None)
        st.dataframe(pd.DataFrame([{"setting": k, "value": v} for k, v in t.model_dump().items()]),
                     hide_index=True, width="stretch")
with numbers_tab:
    s = cell.signals["numbers"]
    st.markdown(f"**{_word(s.level)}** — {md(s.summary)}")
    if in_area:
        chart = joint.indicator_chart(
            joint.area_indicator_frame(engine, area, issue_code, t.numbers_use_parent_indicators), area.name,
            ("this area", "other areas"), "every intermediate zone")
    else:
        chart = joint.indicator_chart(
            joint.indicator_frame(engine, ward_code, issue_code, t.numbers_use_parent_indicators), ward)
    if chart is not None:
        st.altair_chart(chart, width="stretch")
    else:
        st.info("No indicator is linked to this issue with ward values. That gap is on **Data needs**.")
    for sentence in ui.issue_trend_sentences(engine, ward_code, issue_code, ward):  # widening or narrowing
        st.markdown(md(sentence) + (" (for the whole ward)" if in_area else ""))
with officers_tab:
    s = cell.signals["practitioners"]
    st.markdown(f"**{_word(s.level)}** — {md(s.summary)}")
    # The library leaves the officers' words out for a role that may not read insight text.
    if s.examples:
        st.markdown("Examples officers give: " + md(", ".join(s.examples)))
    with ui.friendly_errors():
        insights = joint.officer_insights(engine, actor, ward_code, issue_code, s.evidence.get("insight_ids"),
                                          area=area if in_area else None)
        if insights.empty:
            st.info(f"No officer insight {'placed in this area' if in_area else 'in this ward'} is coded to this "
                    "issue.")
        elif "text" in insights:
            st.dataframe(insights.drop(columns=["id"]), hide_index=True, width="stretch",
                         column_config={"text": st.column_config.TextColumn("insight", width="large")})
        else:
            st.caption("Your role sees how many insights there are and how they were coded, not their text.")
            st.dataframe(insights, hide_index=True, width="stretch")
with residents_tab:
    s = cell.signals["residents"]
    st.markdown(f"**{_word(s.level)}** — {md(s.summary)}")
    if issue_code in checks:
        (st.caption if checks[issue_code].status == "verified" else st.warning)(md(checks[issue_code].sentence))
    if s.examples:
        st.markdown("Examples residents give: " + md(", ".join(s.examples)))
    with ui.friendly_errors():
        quotes = joint.resident_quotes(engine, actor, ward_code, issue_code, 6, s.stems,
                                          area=area if in_area else None)
        if quotes.empty:
            st.info(f"No resident segment {'placed in this area' if in_area else 'in this ward'} is about this "
                    "issue.")
        else:
            st.caption("Redacted quotes, those carrying most of the residents' examples first.")
            for q in quotes.itertuples():
                st.text(f"“{q.text}”\n    — {q.title}")

# --------------------------------------------------------------------------- downloads
st.divider()
c1, c2 = st.columns(2)
export = matrix[["ward", *(["area_code", "area"] if in_area else []), "issue_code", "issue", "numbers",
                 "practitioners", "residents", "numbers–practitioners", "numbers–residents", "practitioners–residents",
                 "verdict", "why"]]
slug = f"{ward_code}-{area.code}".replace(" ", "_") if in_area else ward_code
c1.download_button("Download the matrix (CSV)", core.csv_bytes(export),
                   file_name=f"joint-display-{slug}.csv", mime="text/csv")
if ui.allowed("reports.export"):
    # Built here: a report takes seconds, and a worker process would first load every library afresh (the
    # command line and the job queue can build reports too: `python -m triangulate report`, `jobs.queue_report`).
    if c2.button("Prepare the report (HTML, PDF, XLSX)"):
        with ui.friendly_errors(), st.spinner("Rendering charts and building the report…"):
            st.session_state["joint_reports"] = (slug, joint.export_reports(engine, actor, ward_code,
                                                                            area=area if in_area else None))
    ready = st.session_state.get("joint_reports")
    if ready and ready[0] == slug:
        mimes = {"html": "text/html", "pdf": "application/pdf",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        for fmt, data in ready[1].items():
            c2.download_button(f"Download the report ({fmt.upper()})", data, file_name=f"triangulate-{slug}.{fmt}",
                               mime=mimes[fmt], key=f"dl_{fmt}")
else:
    c2.caption("Reports are exported by leads and researchers.")
ui.attribution()
