"""Indicators: what is loaded (with its metadata), and upload → preview → validation report → confirm."""
import pandas as pd
import streamlit as st

import ui
from schemas.indicator_files import AGGREGATIONS, POLARITIES, UNITS
from triangulate import codebook, core, numbers

FROM_FILE = "(from the file, or the default)"

st.title("Indicators")
engine = ui.engine()

with ui.friendly_errors():
    loaded = numbers.indicators_frame(engine)
    issue_codes = [i.code for i in codebook.list_issues(engine)]

st.subheader(f"Loaded indicators ({len(loaded)})")
if loaded.empty:
    st.info("No indicators yet. Run `python -m triangulate init --demo` for Glasgow's public data, or upload a file "
            "below.")
else:
    view = loaded.assign(issues=loaded["issue_codes"].map(", ".join), periods=loaded["periods"].map(", ".join),
                         levels=loaded["levels"].map(", ".join))
    cols = ["key", "title", "source", "publisher", "period", "unit", "polarity", "aggregation", "issues", "periods",
            "levels", "n_values", "licence", "definition"]
    st.dataframe(view[cols], hide_index=True, width="stretch",
                 column_config={"definition": st.column_config.TextColumn("Definition", width="large"),
                                "n_values": "Values stored"})
    st.download_button("Download the list (CSV)", core.csv_text(view[cols]), "indicators.csv", "text/csv")

st.subheader("Import indicator values")
if not ui.allowed("indicators.import"):
    st.info("Importing indicators needs the researcher or admin role.")
    ui.attribution()
    st.stop()

st.write("CSV or XLSX: a long table (area, period, value — optionally numerator, denominator, indicator, "
         "breakdown), a wide table (area and one column per period), a statistics.gov.scot tidy download, or a DWP "
         "Stat-Xplore CSV export. Areas by GSS code (S13 ward, S02 intermediate zone, S01 data zone) or by name. "
         "Nothing is saved until you confirm, and a failed import saves nothing.")
# One limit, the library's, stated where it applies: the uploader itself refuses larger files.
limit_mb = numbers.MAX_IMPORT_BYTES // 2**20
upload = st.file_uploader(f"File (up to {limit_mb} MB)", type=["csv", "xlsx", "txt"], key="ind_upload",
                          max_upload_size=limit_mb)

existing = set(loaded["key"]) if not loaded.empty else set()
with st.form("ind_meta"):
    st.markdown("**About the indicator** (needed for a new indicator; a known key keeps its stored metadata)")
    a, b = st.columns(2)
    key = a.text_input("Key (short name)", placeholder="e.g. free_school_meals_rate")
    title = b.text_input("Title", placeholder="e.g. Pupils registered for free school meals")
    source = a.text_input("Source (dataset)")
    publisher = b.text_input("Publisher")
    period = a.text_input("Period (if the file has no period column)", placeholder="e.g. 2023")
    st.caption("Leave a field empty (or on 'from the file') to take what the file itself says: a Stat-Xplore or "
               "statistics.gov.scot download names its dataset, measure, unit and periods. You see the metadata "
               "that will be stored before you confirm.")
    unit = b.selectbox("Unit", [FROM_FILE, *UNITS])
    polarity = a.selectbox("Polarity", [FROM_FILE, *POLARITIES], format_func=lambda p: p.replace("_", " "))
    aggregation = b.selectbox("How small areas add up to wards", [FROM_FILE, *AGGREGATIONS],
                              help="sum: counts; ratio: Σ numerator ÷ Σ denominator; population_weighted: weighted "
                                   "mean; none: not aggregable")
    issues = st.multiselect("Codebook issues it informs", issue_codes)
    definition = st.text_area("Definition (what is counted, over whom; before/after housing costs; age range)")
    licence = a.text_input("Licence", value="Open Government Licence v3.0")
    st.markdown("**Reading the file**")
    c, d, e = st.columns(3)
    sheet = c.text_input("Sheet (XLSX with several sheets)")
    area_level = d.selectbox("Area level of names", ["(work it out)", "ward", "intermediate_zone", "datazone"])
    measurement = e.text_input("Measurement (statistics.gov.scot, e.g. Count)")
    skip_outside = st.checkbox("Skip areas outside Glasgow City")
    checked = st.form_submit_button("Check the file", type="primary")

if checked:
    if upload is None:
        st.warning("Choose a file first.")
    else:
        meta = {k: v for k, v in dict(key=key, title=title, source=source, publisher=publisher, period=period,
                                      unit=unit, polarity=polarity, aggregation=aggregation, issue_codes=issues,
                                      definition=definition, licence=licence).items()
                if v not in ("", [], None, FROM_FILE)}
        if key.strip() and key.strip().lower() in existing:
            meta = {"key": key.strip().lower(), "period": period} if period else {"key": key.strip().lower()}
        options = dict(meta=meta, sheet=sheet or None,
                       area_level=None if area_level.startswith("(") else area_level,
                       measurement=measurement or None, skip_outside=skip_outside)
        with ui.friendly_errors():
            with st.spinner("Checking every row…"):
                plan = numbers.plan_indicator_import(engine, upload.name, upload.getvalue(), **options)
            st.session_state["ind_plan"] = (upload.name, upload.getvalue(), options, plan)

pending = st.session_state.get("ind_plan")
if pending:
    name, data, options, plan = pending
    st.markdown(f"**{ui.md_escape(name)}** — read as *{plan.format or 'unrecognised'}*"
                + (f", sheet {plan.sheet}" if plan.sheet else ""))
    if plan.problems:
        st.error(f"{len(plan.problems)} problem(s); nothing can be imported until they are fixed.")
        st.dataframe(plan.problems_frame(), hide_index=True, width="stretch")
        st.download_button("Download the validation report (CSV)", core.csv_text(plan.problems_frame()),
                           "validation_report.csv", "text/csv")
    else:
        st.success(f"No problems. {len(plan.rows)} new values for {', '.join(sorted(plan.metas))}.")
        for note in plan.notes:
            st.write(f"- {ui.md_escape(note)}")
        for key_, meta_ in sorted(plan.metas.items()):
            st.markdown(f"**Metadata that will be stored for `{key_}`** (change a field above and check again)")
            shown = {k: (", ".join(v) if isinstance(v, list) else v) for k, v in meta_.model_dump().items()
                     if v not in (None, "", [])}
            st.dataframe(pd.DataFrame({"field": list(shown), "value": [str(v) for v in shown.values()]}),
                         hide_index=True, width="stretch")
        st.markdown("**Preview** (first 20 rows)")
        st.dataframe(plan.preview(), hide_index=True, width="stretch")
        if st.button("Confirm import", type="primary", key="ind_confirm"):
            with ui.friendly_errors():
                result = numbers.import_indicators(engine, ui.actor(), name, data, **options)
                st.session_state.pop("ind_plan", None)
                st.cache_data.clear()
                if result.already_imported:
                    st.info("This file was imported before; nothing was added.")
                else:
                    st.success(f"Imported {result.added} values ({', '.join(result.periods)}).")
ui.attribution()
