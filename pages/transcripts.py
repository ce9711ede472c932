"""Transcripts: read a stored (redacted) transcript, with the redactions marked."""
import streamlit as st

import ui
from triangulate import access, core, residents

engine, actor = ui.page("Transcripts", ui.ILLUSTRATIVE, say=st.caption)

left, right = st.columns([2, 1])
with right:
    every_ward = st.toggle("All wards", value=False, key="transcripts_all")
with left:
    ward = None if every_ward else ui.ward_picker("Ward", key="transcripts_ward")

with ui.friendly_errors():
    listing = residents.list_transcripts(engine, actor, ward)
    ui.stop_if_empty(listing, "No transcripts for this ward yet. Researchers can add them on **Upload transcripts**; "
                              "switch on 'All wards' to see the others.")
    st.dataframe(listing.drop(columns=["consent basis"]), hide_index=True, width="stretch")
    if not ui.allowed("transcripts.read"):
        st.info("Your role sees quotes, not whole transcripts: search what residents said on **Search what "
                "residents said**. Researchers and leads can read the transcripts.")
        st.stop()
    chosen = st.selectbox("Open a transcript", listing["id"].tolist(), key="transcripts_open",
                          format_func=lambda i: f"{i}: {listing.set_index('id').loc[i, 'title']}")
    transcript, segments = residents.transcript_view(engine, actor, int(chosen))
    if transcript.illustrative:
        st.info("Illustrative transcript: fictional, written for the demo.")
    st.text(f"{transcript.title}\n{ui.ward_name(transcript.ward_code)} · {transcript.method} · "
            f"{transcript.held_on or 'date not given'} · facilitated by {transcript.facilitator or 'not recorded'}\n"
            f"Consent / lawful basis: {transcript.consent_basis or 'not recorded'}")
    st.caption(residents.redaction_summary(transcript.redaction_report))
    only_residents = st.toggle("Residents' words only", value=False, key="transcripts_residents_only")
    shown = segments[segments["role"] == "resident"] if only_residents else segments
    for row in shown.to_dict("records"):
        start = row["start (s)"]
        stamp = f" @ {int(start // 60)}:{int(start % 60):02d}" if start is not None and start == start else ""
        issue = f" · {row['issue']}" if isinstance(row["issue"], str) else ""
        st.text(f"{residents.mark_redactions(row['speaker'] or '?')} ({row['role']}){stamp}{issue}\n"
                f"{residents.mark_redactions(row['text'])}")
    st.download_button("Download this transcript (CSV, redacted)", core.csv_text(segments),
                       file_name=f"transcript_{transcript.id}.csv", mime="text/csv")

    if ui.allowed("transcripts.delete"):
        with st.expander("Delete this transcript"):
            st.write("Removes the transcript, its segments, their vectors and topic assignments. "
                     "The topics are marked out of date until the next analysis.")
            sure = st.checkbox("Yes, delete it for good", key="transcripts_delete_sure")
            if st.button("Delete", disabled=not sure, key="transcripts_delete"):
                result = access.erase_transcript(engine, actor, int(chosen))
                st.success(result.summary())

# --------------------------------------------------------------------------- people's coding (issue 11)
if ui.allowed("segments.code") or ui.allowed("segments.settle"):
    from ui import coding_widgets

    st.subheader("Code this transcript's resident segments")
    st.caption("Your codes are the ground truth: the analysis never overwrites them and learns from them. Several "
               "researchers may code the same segment; where they differ with no majority, the segment is "
               "listed as disputed until settled.")
    with ui.friendly_errors():
        coded_view = residents.transcript_segments(engine, actor, int(chosen))
        residents_only = coded_view[coded_view["role"] == "resident"].reset_index(drop=True)
        st.dataframe(residents_only[["segment_id", "text", "issue_code", "issue_source", "codes", "state"]],
                     hide_index=True, width="stretch",
                     column_config={"text": st.column_config.TextColumn("text", width="large")})
        if not residents_only.empty:
            texts = dict(zip(residents_only["segment_id"], residents_only["text"]))
            segment_id = st.selectbox("Segment to code", list(texts), key="transcripts_code_segment",
                                      format_func=lambda i: f"{i}: {texts[i][:90]}")
            status = residents.segment_statuses(engine, actor, [segment_id]).get(segment_id)
            st.text(residents.mark_redactions(texts[segment_id]))
            if status is not None and status.coded:
                st.caption(f"Codes so far: {ui.md_escape(status.describe())} · {status.state}")
                st.dataframe(residents.codes_frame(engine, actor, [segment_id]).drop(columns=["segment_id"]),
                             hide_index=True, width="stretch")
            if ui.allowed("segments.code"):
                mine = list(status.coders.get(actor.username, ())) if status else []
                coding_widgets.segment_coder(engine, actor, int(segment_id), texts[segment_id], "transcripts_code",
                                             mine)
            if status is not None and status.differ and ui.allowed("segments.settle"):
                coding_widgets.settle_widget(engine, actor, int(segment_id), "transcripts_code")
