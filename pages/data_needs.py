"""Data needs: the programme's "data we need, not data we have". Every silence and every strand with no
data proposes a need; a lead accepts it, edits it, gives it an owner and a status."""
from __future__ import annotations

import streamlit as st

import ui
from triangulate import joint
from triangulate.core import label

engine, actor = ui.page(
    "Data needs",
    "Silence and missing data are findings too: they say which evidence the programme needs. Proposals "
    "come from the joint display; accepted needs form the register below.")
can_write = ui.allowed("dataneeds.write")
scope = st.radio("Wards", ["This ward", "All wards"], horizontal=True)
ward_codes = [ui.ward_picker()] if scope == "This ward" else None
area = None
if ward_codes:  # below the ward (issue 15): an area's silences and gaps propose needs for that area
    choices = {a.code: a for a in joint.area_choices(engine, ward_codes[0], ui.ward_name(ward_codes[0]))}
    picked = st.selectbox("Area", list(choices), key="needs_area", format_func=lambda c: (
        f"Whole ward: {choices[c].name}" if choices[c].kind == "ward" else choices[c].name))
    area = choices[picked] if choices[picked].kind != "ward" else None

with ui.friendly_errors(), st.spinner("Reading the joint display…"):
    matrix = joint.matrix(engine, actor, ward_codes, area=area) if area is not None else None
    proposals = joint.proposals_frame(joint.propose_data_needs(engine, actor, ward_codes, matrix=matrix))

st.subheader(f"Proposed ({len(proposals)})")
if proposals.empty:
    st.success("Nothing to propose: every silence and gap here is already on the register.")
else:
    reason = st.multiselect("Show", ["silence", "no data"], default=["silence", "no data"])
    shown = proposals[proposals["reason"].isin(reason)].reset_index(drop=True)
    editable = shown.assign(accept=False, owner="", reason=shown["reason"].map(label))[
        ["accept", "ward", "area", "issue", "strand", "reason", "description", "owner"]]
    if not can_write:
        editable = editable.drop(columns=["accept", "owner"])
    edited = st.data_editor(
        editable, hide_index=True, width="stretch", key="proposals_editor",
        disabled=["ward", "area", "issue", "strand", "reason"] if can_write else True,
        column_config={"accept": st.column_config.CheckboxColumn("Accept", help="Put this need on the register"),
                       "ward": "Ward", "area": "Area", "issue": "Issue", "strand": "Strand",
                       "reason": "Why it is proposed",
                       "description": st.column_config.TextColumn("What is missing", width="large"),
                       "owner": st.column_config.TextColumn("Owner")})
    ui.long_text_detail(shown.assign(title=[f"{w} · {i} · {st_}" for w, i, st_ in
                                            zip(shown["ward"], shown["issue"], shown["strand"])]),
                        "title", "description", "Read one proposal in full", key="proposal_detail")
    if can_write:
        chosen = edited[edited["accept"]] if "accept" in edited else edited.iloc[0:0]
        if st.button(f"Accept {len(chosen)} selected need(s)", type="primary", disabled=chosen.empty):
            with ui.friendly_errors():
                for i, row in chosen.iterrows():
                    src = shown.loc[i]
                    joint.accept_data_need(engine, actor, src["ward_code"], src["issue_code"], src["strand"],
                                           row["description"], owner=row["owner"] or "",
                                           area_code=src["area_code"], area_name=src["area"])
                st.success(f"{len(chosen)} need(s) added to the register.")
                st.rerun()
        # One at a time, in words: the same step without the grid's checkboxes (keyboard, screen readers).
        if not shown.empty:
            with st.form("accept_one", clear_on_submit=True):
                st.markdown("**Or accept one proposal**")
                pick = st.selectbox("Proposal", list(shown.index), format_func=lambda i: (
                    f"{shown.loc[i, 'ward']} · {shown.loc[i, 'issue']} · {shown.loc[i, 'strand']} "
                    f"({label(shown.loc[i, 'reason'])})"))
                c1, c2 = st.columns([3, 1])
                words = c1.text_input("What is missing", placeholder="Leave empty to keep the proposal's words")
                owner = c2.text_input("Owner")
                if st.form_submit_button("Accept this need"):
                    with ui.friendly_errors():
                        src = shown.loc[pick]
                        joint.accept_data_need(engine, actor, src["ward_code"], src["issue_code"], src["strand"],
                                               words.strip() or src["description"], owner=owner,
                                               area_code=src["area_code"], area_name=src["area"])
                        st.session_state["needs_done"] = f"Added to the register: {src['issue']} ({src['strand']})."
                        st.rerun()
        if "needs_done" in st.session_state:
            st.success(ui.md_escape(st.session_state.pop("needs_done")))  # holds a codebook label
    else:
        st.caption("Only programme leads accept and edit data needs.")

st.subheader("The register")
register = joint.data_needs_register(engine, actor, ward_codes)
if register.empty:
    st.info("No data need has been accepted yet. " + ("Tick **Accept** on a proposal above." if can_write else
                                                       "Programme leads put proposals on the register."))
else:
    view = register[["id", "ward", "area", "issue", "strand", "description", "owner", "status"]]
    edited = st.data_editor(
        view, hide_index=True, width="stretch", key="register_editor",
        disabled=["id", "ward", "area", "issue", "strand"] if can_write else True,
        column_config={"status": st.column_config.SelectboxColumn("Status", options=list(joint.DATA_NEED_STATUSES),
                                                                  required=True),
                       "id": "#", "ward": "Ward", "area": "Area (empty: the whole ward)", "issue": "Issue",
                       "strand": "Strand", "owner": "Owner",
                       "description": st.column_config.TextColumn("What is missing", width="large")})
    ui.long_text_detail(view.assign(title=[f"#{i} · {w} · {t}" for i, w, t in
                                           zip(view["id"], view["ward"], view["issue"])]),
                        "title", "description", "Read one need in full", key="register_detail")
    if can_write:
        ui.save_table_edits(view, edited, ("description", "owner", "status"),
                            lambda need_id, change: joint.update_data_need(engine, actor, need_id, **change))
    c1, c2 = st.columns(2)
    with ui.friendly_errors():
        c1.download_button("Download the register (CSV)", joint.export_data_needs(engine, actor, "csv", ward_codes),
                           file_name="data-needs.csv", mime="text/csv")
        c2.download_button("Download the register (XLSX)", joint.export_data_needs(engine, actor, "xlsx", ward_codes),
                           file_name="data-needs.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
