"""Thresholds: every number the joint display judges by, with what it means. Leads and admins save;
everyone else reads."""
from __future__ import annotations

import pandas as pd
import streamlit as st

import ui
from triangulate import thresholds as th

st.title("Thresholds")
actor = ui.actor()
engine = ui.engine()
can_write = ui.allowed("settings.thresholds")
st.write("The joint display's verdicts follow from these settings. Changing one changes every ward's matrix, "
         "and the change is recorded in the audit log with who made it.")
current = th.load(engine)
fields = th.Thresholds.model_fields
form, explain = st.columns([3, 2])
with explain:
    st.markdown("**What each setting means**")
    st.dataframe(pd.DataFrame(th.explain()).assign(current=[getattr(current, k) for k in fields]),
                 hide_index=True, width="stretch",
                 column_config={"meaning": st.column_config.TextColumn("meaning", width="large")})
with form:
    if not can_write:
        st.info("Read only: thresholds are set by programme leads.")
    with st.form("thresholds"):
        values = {}
        for name, field in fields.items():
            label = name.replace("_", " ").capitalize()
            value = getattr(current, name)
            if isinstance(value, bool):
                values[name] = st.checkbox(label, value=value, help=field.description, disabled=not can_write)
            elif isinstance(value, int):
                values[name] = st.number_input(label, value=value, step=1, help=field.description,
                                               disabled=not can_write)
            else:
                values[name] = st.number_input(label, value=float(value), step=0.05, format="%.2f",
                                               help=field.description, disabled=not can_write)
        saved = st.form_submit_button("Save thresholds", type="primary", disabled=not can_write)
    if saved and can_write:
        with ui.friendly_errors():
            try:
                new = th.Thresholds(**values)
            except ValueError as exc:
                st.error(f"Not saved: {exc}")
                st.stop()
            th.save(engine, actor, new)
            st.success("Saved. The joint display now uses these thresholds.")
    if can_write and st.button("Restore the defaults"):
        st.session_state["confirm_reset"] = True
    if st.session_state.get("confirm_reset") and can_write:
        st.warning("Restore every threshold to its default?")
        if st.button("Yes, restore the defaults", type="primary"):
            with ui.friendly_errors():
                th.reset(engine, actor)
                st.session_state["confirm_reset"] = False
                st.rerun()
