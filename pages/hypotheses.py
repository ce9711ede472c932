"""Hypotheses: the workshop's "what if …" log, each linked to a ward and an issue, with its test of change,
owner, status and notes."""
from __future__ import annotations

import streamlit as st

import ui
from triangulate import codebook, core, joint

engine, actor = ui.page(
    "Hypotheses",
    "“What if …” ideas from the workshop, each with the test of change that would tell the programme "
    "whether it works.")
can_write = ui.allowed("hypotheses.write")
ward_code = ui.ward_picker()
issues = {i.code: i.label for i in codebook.leaf_issues(engine)}

if can_write:
    with st.form("new_hypothesis", clear_on_submit=True):
        statement = st.text_area("What if …", placeholder="What if the nursery at the hub opened until 6 pm?")
        c1, c2, c3 = st.columns(3)
        issue = c1.selectbox("Issue", [""] + list(issues), format_func=lambda c: issues.get(c, "(none)"))
        owner = c2.text_input("Owner")
        status = c3.selectbox("Status", joint.HYPOTHESIS_STATUSES)
        test = st.text_area("Test of change", placeholder="Run it for 8 weeks; count parents taking up work or study.")
        if st.form_submit_button("Add hypothesis", type="primary"):
            with ui.friendly_errors():
                joint.add_hypothesis(engine, actor, ward_code, statement, issue or None, test, owner, status)
                st.success("Added.")
else:
    st.caption("Only programme leads add and edit hypotheses.")

log = joint.hypothesis_log(engine, actor, [ward_code])
ui.stop_if_empty(log, f"No hypotheses for {ui.ward_name(ward_code)} yet.")
view = log[["id", "issue", "statement", "test_of_change", "owner", "status", "notes"]]
edited = st.data_editor(
    view, hide_index=True, width="stretch", key="hypotheses_editor",
    disabled=["id", "issue"] if can_write else True,
    column_config={"status": st.column_config.SelectboxColumn("Status", options=list(joint.HYPOTHESIS_STATUSES),
                                                              required=True),
                   "statement": st.column_config.TextColumn("What if …", width="large"),
                   "test_of_change": st.column_config.TextColumn("Test of change", width="large")})
if can_write:
    ui.save_table_edits(view, edited, ("statement", "test_of_change", "owner", "status", "notes"),
                        lambda hypothesis_id, change: joint.update_hypothesis(engine, actor, hypothesis_id, **change))
st.download_button("Download the log (CSV)", core.csv_bytes(log.drop(columns=["ward_code"])),
                   file_name=f"hypotheses-{ward_code}.csv", mime="text/csv")
