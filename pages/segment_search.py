"""Search what residents said: by word, by lemma (any form of a word) or by named place/benefit."""
import streamlit as st

import ui
from triangulate import exports, residents

st.title("Search what residents said")
st.caption(ui.ILLUSTRATIVE)
engine, actor = ui.engine(), ui.actor()

c1, c2, c3 = st.columns([3, 2, 1])
query = c1.text_input("Search for", placeholder="e.g. mould, bus, Universal Credit, Ibrox", key="search_q",
                      max_chars=200)
mode = c2.radio("Match", ["word", "lemma", "entity"], horizontal=True, key="search_mode",
                help="word: the exact word · lemma: every form (bus finds buses) · entity: a place or benefit")
every_ward = c3.toggle("All wards", value=True, key="search_all")
ward = None if every_ward else ui.ward_picker("Ward", key="search_ward")

if not query.strip():
    st.info("Type a word to find the resident quotes (redacted) that contain it.")
    st.stop()
with ui.friendly_errors():
    hits = residents.search_segments(engine, actor, query, mode=mode, ward_code=ward)
    st.write(f"{len(hits)} resident segment(s)")
    if not hits.empty:
        shown = hits.assign(entities=hits["entities"].map(lambda es: ", ".join(f"{t} ({l})" for t, l in es or [])))
        st.dataframe(shown, hide_index=True, width="stretch")
        st.download_button("Download (CSV)", exports.csv_text(shown), file_name="resident_quotes.csv",
                           mime="text/csv")
