"""Places: the gazetteer below the ward (IZs, neighbourhoods, local names) and where a name resolves."""
from __future__ import annotations

import streamlit as st

import ui
from triangulate import core, residents

st.title("Places")
st.caption("Glasgow's intermediate zones (IZ), data zones and named neighbourhoods, each with its ward by the "
           "best-fit lookup and where the mapping comes from. Insights and transcripts are placed with these "
           "names; the joint display can answer for an area of a ward.")
engine = ui.engine()
actor = ui.actor()

ward = ui.ward_picker("Ward", key="places_ward")
areas = core.areas_in_ward(engine, ward)
st.subheader(f"Areas of {ui.ward_name(ward)}")
st.dataframe([{"area": a.name, "kind": "intermediate zone" if a.kind == "iz" else a.kind,
               "IZ codes": " ".join(a.iz_codes), "fit to the ward": a.fit_quality, "source": a.source}
              for a in areas], hide_index=True)
st.caption("Fit: good = 95% or more of the IZ's people live in this ward by the best-fit lookup; fair = 70–95%; "
           "split = less. A neighbourhood lists only its IZs in this ward.")

st.subheader("Where is it?")
name = st.text_input("A place name or code", key="places_lookup", placeholder="e.g. Springburn, S02001859, the Drum")
if name.strip():
    with ui.friendly_errors():
        area = core.resolve_area(engine, name)
        st.write(f"**{ui.md_escape(area.name)}**: {area.kind}, IZ {', '.join(area.iz_codes)}, ward "
                 f"{ui.md_escape(ui.ward_name(area.ward_code))}. Source: {ui.md_escape(area.source)}")

st.subheader("Local names")
local = core.local_names(engine)
if local:
    st.dataframe([{"id": p.id, "name": p.name, "IZ codes": " ".join(p.iz_codes), "source": p.source,
                   "added by": p.added_by} for p in local], hide_index=True)
else:
    st.caption("No local names yet.")
if ui.allowed("places.edit"):
    with st.form("add_local_name", clear_on_submit=True):
        c1, c2 = st.columns(2)
        new_name = c1.text_input("Local name", placeholder="e.g. the Wine Alley")
        where = c2.text_input("Where it is (IZ name or code; several separated by ';')", placeholder="e.g. Ibrox")
        source = st.text_input("Who says so", placeholder="e.g. residents' focus group, May 2025")
        if st.form_submit_button("Add the local name"):
            with ui.friendly_errors():
                added = core.add_local_name(engine, actor, new_name, where, source)
                st.success(f"Added {ui.md_escape(added.name)} ({' '.join(added.iz_codes)}).")
    if local:
        remove = st.selectbox("Remove a local name", [None, *[p.id for p in local]], key="places_remove",
                              format_func=lambda i: "—" if i is None else next(p.name for p in local if p.id == i))
        if remove is not None and st.button("Remove", key="places_remove_button"):
            with ui.friendly_errors():
                core.remove_local_name(engine, actor, remove)
                st.rerun()
    if ui.allowed("transcripts.analyse") and st.button("Find place mentions again in stored transcripts",
                                                       key="places_refresh",
                                                       help="After adding a local name: residents' segments "
                                                            "already stored are searched again for places."):
        with ui.friendly_errors(), st.spinner("Reading every stored segment…"):
            st.success(f"{residents.refresh_place_mentions(engine, actor):,} place mentions found.")
else:
    st.caption("Researchers can add local names (the change is audited).")
