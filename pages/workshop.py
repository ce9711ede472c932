"""Workshop mode: one issue at a time in large type, the three strands side by side, and the room's notes
saved to the database as they are typed."""
from __future__ import annotations

import streamlit as st

import ui
from triangulate import joint, residents
from triangulate.core import escape_markdown as md

actor = ui.actor()
engine = ui.engine()
ward_code = ui.ward_picker()
ward = ui.ward_name(ward_code)

t = joint.load_thresholds(engine)
with ui.friendly_errors():
    matrix = joint.matrix(engine, actor, [ward_code], t)
ui.stop_if_empty(matrix, "No issues in the codebook yet: load the default codebook on **Codebook**.")
only_flagged = st.toggle("Only issues some strand flags", value=True)
# Screens (issue 14): "flags" means at least one strand flags a concern; say what the filter hid, and offer
# the full-screen wall view (ui/wall.py).
agenda = ui.wall.agenda(matrix, only_flagged)
st.caption(ui.wall.filter_note(matrix, agenda))
if ui.wall.enter_button():
    ui.wall.present(engine, actor, ward_code, ward, agenda, t, ui.allowed("workshop.write"), ui.allowed)
    st.stop()
ui.stop_if_empty(agenda, "No strand flags any issue in this ward yet; switch the toggle off to walk through every "
                         "issue.")

key = f"workshop_pos_{ward_code}"
st.session_state.setdefault(key, 0)
st.session_state[key] = min(st.session_state[key], len(agenda) - 1)
prev, where, nxt = st.columns([1, 3, 1])
if prev.button("◀ Previous", disabled=st.session_state[key] == 0, width="stretch"):
    st.session_state[key] -= 1
    st.rerun()
if nxt.button("Next ▶", disabled=st.session_state[key] >= len(agenda) - 1, width="stretch"):
    st.session_state[key] += 1
    st.rerun()
row = agenda.iloc[st.session_state[key]]
where.markdown(f"**{md(ward)}** · issue {st.session_state[key] + 1} of {len(agenda)}", text_alignment="center")

# Large type for the wall. User text goes through Markdown escaping only; the one HTML element (the
# verdict badge) holds nothing but the fixed verdict vocabulary.
style = joint.STYLE[row["verdict"]]
st.markdown(f"# {md(row['issue'])}")
st.markdown(f"<span style='font-size:2rem;padding:.15rem .8rem;border-radius:.4rem;background:{style['colour']};"
            f"color:black;font-weight:700'>{style['glyph']} {row['verdict']}</span>", unsafe_allow_html=True)

for col, strand, title in zip(st.columns(3), ("numbers", "practitioners", "residents"),
                              ("The numbers", "Practitioners", "Residents")):
    level = row[strand]
    col.markdown(f"#### {title}")
    col.markdown(f"## {joint.LEVEL_GLYPH.get(level, '')} {level}")
    col.markdown(md(row[f"{strand}_summary"]))
    # officers' examples come from unredacted insight text: the library leaves them out for roles that may not
    # read it (joint.matrix takes the acting user)
    if row[f"{strand}_examples"]:
        col.markdown("**Examples:** " + md(row[f"{strand}_examples"]))
# is the machine's issue behind the residents' level verified? (Check the machine, issue 11)
if ui.allowed("machine_check.read"):
    check = residents.machine_flags(engine, actor, t).get(row["issue_code"])
    if check is not None:
        st.columns(3)[2].markdown(f"**{md(check.short)}** — {md(check.sentence)}")
with st.expander("Why does it say " + row["verdict"] + "?"):
    st.markdown(md(row["why"]))

st.subheader("Notes from the room")
notes = joint.workshop_notes(engine, actor, ward_code, row["issue_code"])
for n in notes.itertuples():
    st.text(f"• {n.text}   ({n.author}, {n.created_at:%H:%M})")
if ui.allowed("workshop.write"):
    with st.form(f"note_{row['issue_code']}", clear_on_submit=True):
        text = st.text_area("Add a note", placeholder="What did the room say about this issue?", height=100)
        if st.form_submit_button("Save note", type="primary"):
            with ui.friendly_errors():
                joint.add_note(engine, actor, ward_code, row["issue_code"], text)
                st.toast("Note saved.")
                st.rerun()
else:
    st.caption("Workshop notes are written by the programme lead.")
