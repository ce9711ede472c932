"""Search what residents said: by word, by lemma (any form of a word) or by named place/benefit.

Roles that may not read whole transcripts get quotes, not transcripts: the library caps their results (a few
spread-out quotes, where they came from as method/ward/date only, no download)."""
import streamlit as st

import ui
from triangulate import residents

engine, actor = ui.page("Search what residents said", ui.ILLUSTRATIVE, say=st.caption)

c1, c2, c3 = st.columns([3, 2, 1])
query = c1.text_input("Search for", placeholder="e.g. mould, bus, Universal Credit, Ibrox", key="search_q",
                      max_chars=200)
mode = c2.radio("Match", ["word", "lemma", "entity"], horizontal=True, key="search_mode",
                help="word: the exact word · lemma: every form (bus finds buses) · entity: a place or benefit")
every_ward = c3.toggle("All wards", value=True, key="search_all")
ward = None if every_ward else ui.ward_picker("Ward", key="search_ward")

# --------------------------------------------------------------------------- coding a topic in bulk (issue 11)
from ui import coding_widgets  # noqa: E402

coding_widgets.topic_coder(engine, actor, "search_topic")
# ---------------------------------------------------------------------------

if not query.strip():
    st.info("Type a word to find the resident quotes (redacted) that contain it.")
    st.stop()
with ui.friendly_errors():
    hits = residents.search_segments(engine, actor, query, mode=mode, ward_code=ward)
    matched = hits.attrs.get("matched", len(hits))
    if hits.attrs.get("capped"):
        st.write(f"{len(hits)} quote(s) from {matched} matching resident segment(s)")
        st.caption(f"Your role sees quotes, not whole transcripts: at most {residents.QUOTE_LIMIT} quotes, at most "
                   f"{residents.QUOTES_PER_TRANSCRIPT} from any one conversation and never two neighbouring ones. "
                   "Researchers and leads can read the transcripts.")
    else:
        st.write(f"{len(hits)} resident segment(s)" + (f" (first {len(hits)} of {matched})" if matched > len(hits)
                                                       else ""))
    if not hits.empty:
        shown = hits.assign(entities=hits["entities"].map(
            lambda es: ", ".join(f"{t} ({label})" for t, label in es or [])))
        st.dataframe(shown, hide_index=True, width="stretch")
        if ui.allowed("transcripts.read"):
            st.download_button("Download (CSV)", residents.search_csv(engine, actor, query, mode, ward),
                               file_name="resident_quotes.csv", mime="text/csv")

# --------------------------------------------------------------------------- coding in bulk (issue 11)
found = globals().get("hits")  # absent when the search itself failed (its error is already shown)
if ui.allowed("segments.code") and found is not None and not found.empty:
    st.subheader("Code these segments")
    coding_widgets.bulk_coder(engine, actor, [int(i) for i in found["segment_id"]], "search_code",
                              f"the {len(found)} segment(s) found")
