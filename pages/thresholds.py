"""Thresholds: every number the joint display judges by, with what it means. Leads and admins save;
everyone else reads."""
from __future__ import annotations

import streamlit as st

import ui
from triangulate import joint
from triangulate.core import label

engine, actor = ui.page(
    "Thresholds",
    "The joint display's verdicts follow from these settings. Changing one changes every ward's matrix, "
    "and the change is recorded in the audit log with who made it.")
can_write = ui.allowed("settings.thresholds")
current = joint.load_thresholds(engine)
fields = joint.Thresholds.model_fields


def _shown(value) -> str:
    return ("on" if value else "off") if isinstance(value, bool) else str(value)


form, explain = st.columns([3, 2])
with explain:
    # In words, not a table: a table cell cuts a long meaning off at a laptop's width.
    st.markdown("**What each setting means**")
    for row in joint.explain_thresholds():
        now = getattr(current, row["setting"])
        default = "" if now == row["default"] else f" (default {_shown(row['default'])})"
        st.markdown(f"**{ui.md_escape(label(row['setting']))}**: "
                    f"now {ui.md_escape(_shown(now))}{ui.md_escape(default)}  \n{ui.md_escape(row['meaning'])}")
with form:
    if not can_write:
        st.info("Read only: thresholds are set by programme leads.")
    with st.form("thresholds"):
        values = {}
        for name, field in fields.items():
            label_text = label(name)
            value = getattr(current, name)
            if isinstance(value, bool):
                values[name] = st.checkbox(label_text, value=value, help=field.description, disabled=not can_write)
            elif isinstance(value, int):
                values[name] = st.number_input(label_text, value=value, step=1, help=field.description,
                                               disabled=not can_write)
            else:
                values[name] = st.number_input(label_text, value=float(value), step=0.05, format="%.2f",
                                               help=field.description, disabled=not can_write)
        saved = st.form_submit_button("Save thresholds", type="primary", disabled=not can_write)
    if saved and can_write:
        with ui.friendly_errors():
            try:
                new = joint.Thresholds(**values)
            except ValueError as exc:
                st.error(f"Not saved: {exc}")
                st.stop()
            joint.save_thresholds(engine, actor, new)
            st.success("Saved. The joint display now uses these thresholds.")
    if can_write and st.button("Restore the defaults"):
        st.session_state["confirm_reset"] = True
    if st.session_state.get("confirm_reset") and can_write:
        st.warning("Restore every threshold to its default?")
        if st.button("Yes, restore the defaults", type="primary"):
            with ui.friendly_errors():
                joint.reset_thresholds(engine, actor)
                st.session_state["confirm_reset"] = False
                st.rerun()
