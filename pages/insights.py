"""Insights: the list with filters, editing your own (history kept), second coding, export and bulk import."""
from __future__ import annotations

import pandas as pd
import streamlit as st

import ui
from schemas.insight_files import CONFIDENCE, EVIDENCE_TYPES, STANCE_LABELS, STANCES
from triangulate import codebook, practitioners
from triangulate.core import codes_in_words

engine, actor = ui.page("Insights")
ui.stop_unless(ui.may_read_insight_text(), "Your role sees insights only as totals: open **Issues × wards**.", st.info)

all_issues = codebook.list_issues(engine)
labels = {i.code: i.label for i in all_issues}
ward_names = dict(ui.wards())

with st.expander("Filters", expanded=True):
    c1, c2, c3 = st.columns(3)
    wards = c1.multiselect("Wards", list(ward_names), default=[ui.current_ward()], format_func=ward_names.get)
    issue_filter = c2.multiselect("Issues", list(labels), format_func=labels.get)
    roles = c3.multiselect("Role or service", practitioners.roles_in_use(engine))
    c1, c2, c3 = st.columns(3)
    since = c1.date_input("From", value=None, format="DD/MM/YYYY")
    until = c2.date_input("To", value=None, format="DD/MM/YYYY")
    mine_only = c3.toggle("Only my insights", value=False)
filters = practitioners.Filters(wards=tuple(wards), issues=tuple(issue_filter), roles=tuple(roles), date_from=since,
                                date_to=until, mine_only=mine_only)
frame = practitioners.list_frame(engine, actor, filters)
frame = frame.assign(codes=frame["codes"].map(lambda c: codes_in_words(c, labels)))

if frame.empty:
    st.info("No insights match these filters. Widen the filters, or record one on **Record an insight**.")
else:
    if frame["illustrative"].any():
        st.caption(f"⚠️ {ui.ILLUSTRATIVE}")
    st.write(f"**{len(frame)}** insight(s). " + (
        "Your own rows can be edited in place (text, role, evidence, families, confidence); other people's are "
        "read-only." if ui.allowed("insights.edit_own") else
        "Read-only for your role: officers edit their own insights. Choose one below to read it in full."))
    editable = ["role_service", "evidence_type", "families", "confidence", "text"]
    mine = frame[frame["mine"]]
    others = frame[~frame["mine"]]
    config = {
        "id": st.column_config.NumberColumn("#", width="small"),
        "ward": st.column_config.TextColumn("Ward"),
        "author": st.column_config.TextColumn("Author"),
        "role_service": st.column_config.TextColumn("Role or service"),
        "observed_on": st.column_config.DateColumn("Date", format="DD/MM/YYYY"),
        "text": st.column_config.TextColumn("Insight", width="large", max_chars=10_000),
        "evidence_type": st.column_config.SelectboxColumn("Evidence", options=list(EVIDENCE_TYPES)),
        "confidence": st.column_config.SelectboxColumn("Confidence", options=list(CONFIDENCE)),
        "families": st.column_config.NumberColumn("Families", min_value=0, step=1),
        "codes": st.column_config.TextColumn("Issues (stance, severity, coder)", width="medium"),
    }
    # The insight's words right after its number: at the end of the row they were off screen at 1366 px.
    shown = ["id", "text", "ward", "observed_on", "author", "role_service", "evidence_type", "families",
             "confidence", "codes"]
    if not mine.empty and ui.allowed("insights.edit_own"):
        st.subheader("My insights")
        edited = st.data_editor(mine[shown], key="my_insights", hide_index=True, width="stretch",
                                column_config=config, disabled=[c for c in shown if c not in editable])
        changes = []
        original = mine[shown].set_index("id")
        for row in edited.to_dict("records"):
            before = original.loc[row["id"]]
            diff = {k: row[k] for k in editable
                    if not (pd.isna(row[k]) and pd.isna(before[k])) and row[k] != before[k]}
            if diff:
                changes.append((int(row["id"]), diff))
        if changes:
            st.warning(f"{len(changes)} insight(s) changed but not saved yet.")
            if st.button("Save my changes", type="primary"):
                with ui.friendly_errors():
                    for insight_id, diff in changes:
                        if "families" in diff:
                            diff["families"] = None if pd.isna(diff["families"]) else int(diff["families"])
                        practitioners.edit_insight(engine, actor, insight_id, **diff)
                    st.success(f"Saved {len(changes)} insight(s); the earlier versions are in their history.")
    if not others.empty:
        st.subheader("Insights by others" if not mine.empty else "Insights")
        st.dataframe(others[shown], hide_index=True, width="stretch", column_config=config)

    st.subheader("One insight: full text, history, coding, delete")
    st.caption("A table cell shows the start of a long insight; choose it here to read it in full.")
    names = {i: f"#{i} · {w} · {d:%d/%m/%Y} · {t[:60]}"
             for i, w, d, t in zip(frame["id"], frame["ward"], frame["observed_on"], frame["text"])}
    choice = st.selectbox("Insight", list(names), format_func=names.get)
    found = practitioners.readable(engine, actor, int(choice)) if choice is not None else None
    if found:
        insight, codings = found
        ui.show_long_text(insight.text)
        st.caption(f"{ui.md_escape(insight.author_name)} · {ui.md_escape(insight.role_service)}"
                   f" · {insight.evidence_type}" + (" · illustrative" if insight.illustrative else ""))
        st.dataframe(pd.DataFrame([{"Issue": c.issue_label, "Stance": STANCE_LABELS.get(c.stance, c.stance),
                                    "Severity": c.severity, "Coder": c.coder} for c in codings]),
                     hide_index=True, width="stretch")
        tab_history, tab_code, tab_delete = st.tabs(["History", "Add my coding", "Delete"])
        with tab_history:
            revisions = practitioners.insight_history(engine, actor, insight.id)
            if not revisions:
                st.caption("Not edited since it was written.")
            for rev in revisions:
                st.caption(f"Before the edit by {rev.edited_by} on {rev.edited_at:%d/%m/%Y %H:%M}")
                ui.show_long_text(rev.snapshot.get("text", ""))
                st.json({k: v for k, v in rev.snapshot.items() if k != "text"}, expanded=False)
        with tab_code:
            if not ui.allowed("insights.code"):
                st.caption("Your role does not code insights.")
            else:
                my = {c.issue_code: c for c in codings if c.coder == actor.username}
                st.caption("Code it yourself, as a second coder: your coding is kept next to the others and "
                           "compared on **Coder agreement**.")
                picked = st.multiselect("Issues", [i.code for i in all_issues], default=list(my),
                                        format_func=labels.get, key=f"cp_{insight.id}")
                specs = []
                for code in picked:
                    c1, c2 = st.columns(2)
                    prev = my.get(code)
                    stance = c1.selectbox(f"Stance: {labels[code]}", STANCES, format_func=STANCE_LABELS.get,
                                          index=STANCES.index(prev.stance) if prev and prev.stance in STANCES
                                          else 0, key=f"cs_{insight.id}_{code}")
                    severity = c2.select_slider(f"Severity: {labels[code]}", [1, 2, 3],
                                                value=prev.severity if prev else 2, key=f"cv_{insight.id}_{code}")
                    specs.append({"issue": code, "stance": stance, "severity": severity})
                if st.button("Save my coding", key=f"save_code_{insight.id}"):
                    with ui.friendly_errors():
                        changed = practitioners.code_insight(engine, actor, insight.id, specs)
                        st.success(f"Your coding is saved ({changed} change(s)).")
        with tab_delete:
            if (actor.id is not None and insight.author_id == actor.id) or ui.allowed("insights.edit_any"):
                sure = st.checkbox("Yes, delete this insight and its codings for good", key=f"del_{insight.id}")
                if st.button("Delete insight", disabled=not sure, type="secondary"):
                    with ui.friendly_errors():
                        practitioners.delete_insight(engine, actor, insight.id)
                        st.success(f"Insight #{insight.id} deleted.")
                        st.rerun()
            else:
                st.caption("Only its author can delete an insight.")

if ui.allowed("insights.export") and not frame.empty:
    st.subheader("Download")
    st.caption("The insights shown, with every coder's codes, in the import shape (edit and import again).")
    c1, c2 = st.columns(2)
    # Built on click: an export is audited, and building it on every rerun would slow the page.
    c1.download_button("Download CSV",
                       lambda: practitioners.insights_csv(practitioners.export_frame(engine, actor, filters)),
                       "insights.csv", "text/csv", on_click="ignore")
    c2.download_button("Download XLSX",
                       lambda: practitioners.insights_xlsx(practitioners.export_frame(engine, actor, filters)),
                       "insights.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore")

if ui.allowed("insights.import"):
    with st.expander("Bulk import from a spreadsheet"):
        st.write("Fill in the template (one row per insight; a second coder adds a row with the same ward, "
                 "date, author and text). Nothing is saved unless every row is valid; importing the same file "
                 "twice adds nothing.")
        c1, c2 = st.columns(2)
        c1.download_button("Template (XLSX, with the codebook)", lambda: practitioners.template_xlsx(engine),
                           "insights_template.xlsx", on_click="ignore")
        c2.download_button("Template (CSV)", practitioners.template_csv(), "insights_template.csv", "text/csv")
        upload = st.file_uploader(f"Insights file (up to {ui.UPLOAD_LIMIT_MB} MB)", type=["csv", "xlsx"],
                                  key="insight_upload", max_upload_size=ui.UPLOAD_LIMIT_MB)
        if upload is not None:
            data = upload.getvalue()
            with ui.friendly_errors():
                st.caption("Preview (first rows):")
                st.dataframe(practitioners.read_table(data, upload.name).head(10), hide_index=True,
                             width="stretch")
                rows, ignored = practitioners.validate(engine, actor, data, upload.name)
                st.success(f"All {len(rows)} rows are valid." + (f" Ignored columns: {', '.join(ignored)}."
                                                                 if ignored else ""))
                if st.button("Import now", type="primary"):
                    bar = st.progress(0.0, text="Importing…")
                    report = practitioners.import_file(
                        engine, actor, data, upload.name,
                        progress=lambda done, total: bar.progress(done / total, text=f"{done}/{total} rows"))
                    st.success(report.summary())
