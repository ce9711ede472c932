"""Check the machine: code a random, stratified sample of resident segments blind; see how far the machine's
issues agree with a researcher's, per issue, and which residents' verdicts are verified."""
from __future__ import annotations

import pandas as pd
import streamlit as st

import ui
from triangulate import joint, residents
from ui import coding_widgets

engine, actor = ui.page("Check the machine")
t = joint.load_thresholds(engine)
st.write("A researcher codes a random sample of resident segments without seeing the machine's issue. The tool "
         "then reports, per issue, precision, recall, F1 and Cohen's κ between the researcher and the machine. "
         f"An issue's residents' verdicts count as **verified** when κ ≥ {t.machine_check_min_kappa:.2f} over at "
         f"least {t.machine_check_min_segments} checked segments (set on **Thresholds**); the others are flagged on "
         "the joint display, in workshop mode and in reports.")

# --------------------------------------------------------------------------- coding the sample (researchers)
if ui.allowed("machine_check.run"):
    with ui.friendly_errors():
        check_id = residents.open_check(engine, actor)
        if check_id is None:
            st.subheader("Start a check")
            with st.form("machine_check_start"):
                size = st.number_input("Segments to check", min_value=10, max_value=500, value=60, step=10,
                                       help="Drawn at random within each of the machine's issues (and 'none'), "
                                            "an equal share each, so rare issues are checked too.")
                wards = st.multiselect("Only these wards (empty: every ward)", [c for c, _ in ui.wards()],
                                       format_func=ui.ward_name, key="machine_check_wards")
                if st.form_submit_button("Draw the sample", type="primary"):
                    residents.start_check(engine, actor, int(size), wards or None)
                    st.rerun()
        else:
            coded, total = residents.check_progress(engine, actor, check_id)
            st.subheader(f"Check {check_id}: {coded} of {total} coded")
            st.progress(coded / total if total else 1.0)
            item = residents.next_check_item(engine, actor, check_id)
            if item is not None:
                if item.before:
                    st.caption("The turn before (for context):")
                    st.text(residents.mark_redactions(item.before))
                st.markdown(f"**Segment {item.position} of {item.total}** — what is it about?")
                st.text(residents.mark_redactions(item.text))
                with st.form(f"machine_check_item_{item.item_id}"):
                    chosen = coding_widgets.issue_picker(engine, "Your codes", f"machine_check_codes_{item.item_id}")
                    if st.form_submit_button("Save and next", type="primary"):
                        residents.answer_check(engine, actor, check_id, item.item_id, chosen)
                        st.rerun()
            else:
                st.success("Every segment of the sample is coded.")
            if coded and st.button("Finish and compute the figures", key="machine_check_finish",
                                   type="primary" if item is None else "secondary"):
                residents.finish_check(engine, actor, check_id)
                st.rerun()

# --------------------------------------------------------------------------- figures, flags, history
st.subheader("Which issues are verified")
with ui.friendly_errors():
    flags = residents.machine_flags(engine, actor, t)
    labels = coding_widgets.issue_labels(engine)
    st.dataframe(pd.DataFrame([{"issue": labels.get(code, code), "status": f.short, "κ": f.kappa,
                                "F1": f.f1, "precision": f.precision, "recall": f.recall,
                                "segments checked": f.segments, "check": f.check_id, "on": f.checked_on}
                               for code, f in flags.items()]), hide_index=True, width="stretch")
    history = residents.check_history(engine, actor)
    if history.empty:
        st.info("No check has been finished yet: every issue is unchecked.")
    else:
        finished = history.set_index("check_id")["finished"]
        chosen = st.selectbox("Figures of check", list(history["check_id"]), key="machine_check_figures",
                              format_func=lambda i: f"{i} ({finished.loc[i]:%d %b %Y})")
        st.dataframe(residents.issue_figures(engine, actor, chosen), hide_index=True, width="stretch")
        st.caption("Figures are weighted by how many segments each of the machine's issues holds, so they estimate "
                   "the whole corpus rather than the sample. κ is left empty where it is undefined (one rater "
                   "never or always chose the issue).")
        st.subheader("History")
        st.dataframe(history, hide_index=True, width="stretch")

# --------------------------------------------------------------------------- researchers who disagree
if ui.allowed("transcripts.read"):
    with ui.friendly_errors():
        differ = residents.coding_disagreements(engine, actor)
    st.subheader(f"Segments researchers coded differently ({len(differ)})")
    if differ.empty:
        st.caption("None unsettled.")
    else:
        st.dataframe(differ, hide_index=True, width="stretch",
                     column_config={"text": st.column_config.TextColumn("text", width="large")})
        if ui.allowed("segments.settle"):
            segment_id = st.selectbox("Settle segment", list(differ["segment_id"]), key="machine_check_settle")
            coding_widgets.settle_widget(engine, actor, int(segment_id), "machine_check")
