"""The codebook: the shared issues every strand links to. Tree view, changes, and REFI-QDA (.qdc) exchange."""
from __future__ import annotations

import pandas as pd
import streamlit as st

import ui
from triangulate import codebook, residents

engine, actor = ui.page(
    "Codebook",
    "The issues that numbers, officer insights and resident quotes are linked to. Codes are stable "
    "identifiers; labels, definitions, keywords and the tree can change. Merged and retired issues are "
    "kept for history.")

show_retired = st.toggle("Show retired and merged issues", value=False)
rows = codebook.flat_tree(engine, include_retired=show_retired)
everything = codebook.list_issues(engine, include_retired=True)
by_id = {i.id: i for i in everything}
active = [i for _, i in rows if i.status == "active"]
labels = {i.code: i.label for i in everything}

table = pd.DataFrame([{
    "issue": "\u2003" * depth + ("└ " if depth else "") + issue.label, "code": issue.code,
    "definition": issue.definition, "keywords": ", ".join(issue.keywords or []),
    "status": issue.status if not issue.merged_into_id else f"merged into {by_id[issue.merged_into_id].code}",
    "colour": issue.colour or ""} for depth, issue in rows])
if table.empty:
    st.info("The codebook is empty. A researcher can add issues below or upload a .qdc codebook.")
else:
    st.dataframe(table, hide_index=True, width="stretch", height=min(36 * (len(table) + 1), 800),
                 column_config={"definition": st.column_config.TextColumn(width="large")})

st.download_button("Download as REFI-QDA codebook (.qdc)", codebook.export_qdc(engine), "triangulate-codebook.qdc",
                   "application/xml", help="Opens in NVivo, ATLAS.ti, MAXQDA, QualCoder and Taguette.")
if ui.allowed("transcripts.read"):
    # Built on request: the export reads every transcript and code.
    if st.button("Prepare the whole project (.qdpx)", key="qdpx_prepare",
                 help="Redacted transcripts, this codebook, people's and the machine's codes"
                      + (" and officers' insights" if ui.may_read_insight_text() else "")
                      + ", for NVivo, ATLAS.ti, MAXQDA or QualCoder."):
        with ui.friendly_errors(), st.spinner("Writing the project…"):
            st.session_state["qdpx_export"] = residents.export_project(engine, actor)
    if st.session_state.get("qdpx_export"):
        st.download_button("Download project (.qdpx)", st.session_state["qdpx_export"], "triangulate-project.qdpx",
                           "application/zip", key="qdpx_download")

ui.stop_unless(ui.allowed("codebook.edit"), "Researchers and admins change the codebook.", st.caption)

codes = [i.code for i in active]
fmt = lambda c: f"{labels.get(c, c)} ({c})"  # noqa: E731
tab_add, tab_edit, tab_merge, tab_retire, tab_qdc = st.tabs(["Add", "Edit or rename", "Merge", "Retire",
                                                             "Upload .qdc"])
with tab_add, st.form("add_issue", clear_on_submit=True):
    c1, c2 = st.columns(2)
    label = c1.text_input("Label", placeholder="e.g. Period poverty")
    code = c2.text_input("Code", placeholder="e.g. period_poverty", help="lower case, digits and _; never changes")
    definition = st.text_area("Definition", placeholder="One paragraph: what is in, what is out.")
    keywords = st.text_input("Seed keywords (comma-separated)")
    parent = st.selectbox("Under", [None, *codes], format_func=lambda c: "(top level)" if c is None else fmt(c))
    if st.form_submit_button("Add issue", type="primary"):
        with ui.friendly_errors():
            added = codebook.add_issue(engine, actor, code, label, definition, keywords, parent)
            st.success(f"Added {ui.md_escape(added.label)}.")

with tab_edit:
    target = st.selectbox("Issue", codes, format_func=fmt, key="edit_pick")
    if target:
        issue = next(i for i in active if i.code == target)
        with st.form(f"edit_{target}"):
            label = st.text_input("Label", value=issue.label)
            definition = st.text_area("Definition", value=issue.definition)
            keywords = st.text_input("Seed keywords (comma-separated)", value=", ".join(issue.keywords or []))
            parents = [None, *[c for c in codes if c != target]]
            current = by_id[issue.parent_id].code if issue.parent_id in by_id else None
            parent = st.selectbox("Under", parents, index=parents.index(current) if current in parents else 0,
                                  format_func=lambda c: "(top level)" if c is None else fmt(c))
            colour = st.color_picker("Colour", value=issue.colour or "#888888")
            if st.form_submit_button("Save changes", type="primary"):
                with ui.friendly_errors():
                    codebook.edit_issue(engine, actor, target, label=label, definition=definition,
                                        keywords=keywords, parent_code=parent,
                                        colour=None if colour == "#888888" and not issue.colour else colour)
                    st.success("Saved. Suggestions use the new wording from now on.")

with tab_merge:
    st.write("Merging moves every coding, topic link, resident segment, indicator link, hypothesis and data "
             "need of the first issue to the second, adds its keywords, and retires it (kept for history).")
    c1, c2 = st.columns(2)
    source = c1.selectbox("Merge this issue…", codes, format_func=fmt, key="merge_source")
    survivor = c2.selectbox("…into this one", [c for c in codes if c != source], format_func=fmt, key="merge_target")
    sure = st.checkbox(f"Yes, merge “{ui.md_escape(labels.get(source, ''))}” into "
                       f"“{ui.md_escape(labels.get(survivor, ''))}”", key="merge_sure")
    if st.button("Merge", disabled=not sure, type="primary"):
        with ui.friendly_errors():
            moved = codebook.merge_issues(engine, actor, source, survivor)
            st.success("Merged. Moved: " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in moved.items() if n)
                       if any(moved.values()) else "Merged; nothing was linked to it yet.")

with tab_retire:
    st.write("A retired issue disappears from pickers and suggestions; its old codings stay for history.")
    gone = st.selectbox("Issue to retire", codes, format_func=fmt, key="retire_pick")
    sure = st.checkbox("Yes, retire it", key="retire_sure")
    if st.button("Retire", disabled=not sure):
        with ui.friendly_errors():
            codebook.retire_issue(engine, actor, gone)
            st.success(f"Retired {ui.md_escape(labels.get(gone, gone))}.")
    retired = [i.code for i in everything if i.status == "retired" and not i.merged_into_id]
    if retired:
        back = st.selectbox("Bring back a retired issue", retired, format_func=fmt, key="restore_pick")
        if st.button("Restore"):
            with ui.friendly_errors():
                codebook.restore_issue(engine, actor, back)
                st.success(f"Restored {ui.md_escape(labels.get(back, back))}.")

with tab_qdc:
    st.write("Upload a REFI-QDA codebook exported from NVivo, ATLAS.ti, MAXQDA, QualCoder or Taguette. Codes "
             "with a GUID we know update that issue; new ones are added; nothing is deleted.")
    upload = st.file_uploader("Codebook (.qdc)", type=["qdc", "xml"], key="qdc_upload")
    if upload is not None:
        with ui.friendly_errors():
            book = codebook.parse_qdc(upload.getvalue(), upload.name)
            st.success(f"Valid REFI-QDA codebook{' from ' + ui.md_escape(book.origin) if book.origin else ''}: "
                       f"{sum(1 for _ in book.all_codes())} codes, {len(book.sets)} sets.")
            if st.button("Import codebook", type="primary"):
                report = codebook.import_qdc(engine, actor, upload.getvalue(), upload.name)
                st.success("That file was imported before; nothing changed." if report["already"] else
                           f"Imported: {report['added']} added, {report['updated']} updated, "
                           f"{report['unchanged']} unchanged.")
