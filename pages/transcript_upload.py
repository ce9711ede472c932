"""Upload transcripts: parse, redact, review the redactions, tick the residents, confirm to save."""
import datetime as dt

import pandas as pd
import streamlit as st

import ui
from triangulate import residents, transcripts

st.title("Upload transcripts")
st.write("Interview, focus-group and drop-in transcripts: **.txt**, **.md** (YAML front matter), **.docx** "
         "(paragraphs or a speaker | words table), **.vtt** (Teams/Zoom) and **.srt**, up to "
         f"{transcripts.MAX_BYTES // (1024 * 1024)} MB each. Personal data is redacted **before** anything is "
         "saved; you review every redaction first. Only residents' words are analysed.")

engine, actor = ui.engine(), ui.actor()
if not ui.allowed("transcripts.upload"):
    st.warning("Your role cannot upload transcripts. Researchers and admins can.")
    st.stop()

with st.expander("Project redaction lists (always redact / never redact)"):
    with ui.friendly_errors():
        lists = residents.redaction_lists(engine, actor)
        with st.form("redaction_lists"):
            always = st.text_area("Always redact (one per line: nicknames, a shop owner, a school…)",
                                  "\n".join(lists["always"]))
            allow = st.text_area("Never redact (one per line: words wrongly taken for names)",
                                 "\n".join(lists["allow"]))
            if st.form_submit_button("Save lists"):
                residents.set_redaction_lists(engine, actor, always.splitlines(), allow.splitlines())
                st.success("Saved. Preview again to apply them.")

st.subheader("1. Files and what they record")
files = st.file_uploader("Transcript files", type=["txt", "md", "docx", "vtt", "srt"], accept_multiple_files=True,
                         key="upload_files", max_upload_size=transcripts.MAX_BYTES // 2**20)  # one limit (issue 14)
c1, c2, c3 = st.columns(3)
with c1:
    ward = ui.ward_picker("Ward", key="upload_ward")
with c2:
    method = st.selectbox("Method", ["interview", "focus group", "drop-in"], key="upload_method")
with c3:
    held_on = st.date_input("Held on", value=dt.date.today(), key="upload_date", format="DD/MM/YYYY")
c4, c5 = st.columns(2)
consent = c4.text_input("Consent / lawful basis", key="upload_consent",
                        placeholder="e.g. Written consent; public task (UK GDPR 6(1)(e))")
facilitator = c5.text_input("Facilitated by", key="upload_facilitator")
st.caption("A file's own front matter or `Ward:` lines fill the title; the fields above apply to every file.")

if st.button("Preview", type="primary", disabled=not files, key="upload_preview"):
    with ui.friendly_errors(), st.status("Parsing and redacting…", expanded=True) as status:
        bar = st.progress(0.0)
        items = []
        for k, f in enumerate(files):
            st.write(f"{f.name}: reading speaker turns and finding personal data")
            items.extend(residents.previews(engine, actor, [(f.name, f.getvalue())]))
            bar.progress((k + 1) / len(files))
        st.session_state["upload_previews"] = items
        status.update(label=f"{len(items)} file(s) ready to review", state="complete")

items = st.session_state.get("upload_previews", [])
if not items:
    st.info("Choose one or more files and press **Preview**. Nothing is saved until you confirm.")
    st.stop()

st.subheader("2. Review")
choices: dict[str, list[str]] = {}
for k, item in enumerate(items):
    with st.container(border=True):
        st.text(f"{item.filename} · {item.parsed.format} · {item.parsed.word_count:,} words · "
                f"{len(item.parsed.turns)} turns · {len(item.redactions)} redactions")
        if item.duplicate_of:
            st.info(f"Already imported as transcript {item.duplicate_of}: saving again adds nothing.")
        for warning in item.parsed.warnings:
            st.warning(warning)
        speakers = item.speakers_frame(facilitator)
        st.dataframe(speakers.drop(columns=["suggested resident"]), hide_index=True, width="stretch")
        # A plain multiselect rather than a checkbox column: clearer, and usable from the keyboard.
        labels = list(speakers["speaker in file"])
        choices[item.filename] = st.multiselect(
            f"Residents in {item.filename}", labels, key=f"speakers_{k}",
            default=[s for s, yes in zip(labels, speakers["suggested resident"]) if yes],
            help="Only residents' turns are analysed. The first guess leaves out interviewers and facilitators "
                 "it recognises; remove anyone else who is not a resident.")
        tab_red, tab_turns = st.tabs(["Redactions", "Turns (as they will be stored)"])
        with tab_red:
            report = item.redaction_frame()
            if report.empty:
                st.write("No personal data found. Read the turns to be sure; add names to the always-redact list.")
            else:
                st.dataframe(report, hide_index=True, width="stretch")
                st.caption("The 'found' column is shown only here, for your review; it is never stored.")
        with tab_turns:
            st.dataframe(item.turns_frame(), hide_index=True, width="stretch")

st.subheader("3. Confirm")
if st.button("Save these transcripts", type="primary", key="upload_save"):
    with ui.friendly_errors():
        bar = st.progress(0.0, text="Saving…")
        saved = []
        for k, item in enumerate(items):
            saved.append(residents.save(engine, actor, item, ward=ward, residents=choices.get(item.filename, []),
                                        method=method, held_on=held_on, consent_basis=consent,
                                        facilitator=facilitator or None))
            bar.progress((k + 1) / len(items), text=f"Saved {item.filename}")
        st.session_state.pop("upload_previews", None)
        st.success("Saved: " + "; ".join(
            f"transcript {s.transcript_id} ({s.resident_segments} resident segments)" if s.created
            else f"transcript {s.transcript_id} was already there" for s in saved)
            + ". Run the analysis on the Topics page to fold them into the topics.")
        st.dataframe(pd.DataFrame([vars(s) for s in saved]), hide_index=True, width="stretch")
