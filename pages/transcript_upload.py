"""Upload transcripts: parse, redact, review every turn and every redaction, tick the residents, confirm to save."""
import pandas as pd
import streamlit as st

import ui
from triangulate import jobs, residents
from triangulate.core import ImportFailed

st.title("Upload transcripts")
st.write("Interview, focus-group and drop-in transcripts: **.txt**, **.md** (YAML front matter), **.docx** "
         "(paragraphs or a speaker | words table), **.vtt** (Teams/Zoom) and **.srt**, up to "
         f"{residents.MAX_UPLOAD_MB} MB each. Personal data is redacted **before** anything is saved, in the "
         "text, the title, the file name and the facilitator; you read the text as it will be stored first. "
         "Only residents' words are analysed.")

engine, actor = ui.engine(), ui.actor()
ui.stop_unless(ui.allowed("transcripts.upload"), "Your role cannot upload transcripts. Researchers and admins can.")

with st.expander("Project redaction lists (always redact / never redact)"), ui.friendly_errors():
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
                         key="upload_files", max_upload_size=residents.MAX_UPLOAD_MB)
c1, c2, c3 = st.columns(3)
with c1:
    ward = ui.ward_picker("Ward", key="upload_ward")
with c2:
    method = st.selectbox("Method", ["interview", "focus group", "drop-in"], key="upload_method")
with c3:
    held_on = st.date_input("Held on", value=None, key="upload_date", format="DD/MM/YYYY",
                            help="Leave empty to take the date written in each file.")
c4, c5 = st.columns(2)
consent = c4.text_input("Consent / lawful basis", key="upload_consent",
                        placeholder="e.g. Written consent; public task (UK GDPR 6(1)(e))")
facilitator = c5.text_input("Facilitated by", key="upload_facilitator",
                            help="People named here are redacted wherever the transcript mentions them.")
c6, c7 = st.columns(2)
held_at = c6.text_input("Where was this held? (optional)", key="upload_held_at",
                        placeholder="e.g. Ibrox, or S02001859",
                        help="A neighbourhood, an intermediate zone or data zone (name or code) in the ward; "
                             "several separated by ';'.")
participants_live = c7.text_input("Where do the participants live? (optional)", key="upload_participants_live",
                                  placeholder="e.g. Govan; Linthouse",
                                  help="Places in the ward. Every segment is placed there too; places the "
                                       "residents mention are found in the text.")
unlabelled = st.radio("A file with no speaker labels", ["refuse it", "all residents' words", "leave it out"],
                      horizontal=True, key="upload_unlabelled",
                      help="Without labels the interviewer's words cannot be told from the residents'. Choose "
                           "'all residents' words' only for a text that is residents' words throughout.")
st.caption("The fields above apply to every file; each file's title is set in the review below.")

if st.button("Preview", type="primary", disabled=not files, key="upload_preview"):
    with ui.friendly_errors(), st.status("Parsing and redacting…", expanded=True) as status:
        bar = st.progress(0.0)
        items = []
        names = residents.person_names(facilitator)
        problems = []
        choice = {"refuse it": None, "all residents' words": "resident", "leave it out": "skip"}[unlabelled]
        large = []
        for k, f in enumerate(files):
            st.write(f"{f.name}: reading speaker turns and finding personal data")
            try:
                parsed = residents.parse_transcript(f.name, f.getvalue(), unlabelled=choice)
                if parsed.word_count > jobs.LARGE_UPLOAD_WORDS:  # redacted by a worker, not in this page
                    roles = residents.suggest_roles(parsed, facilitator)
                    large.append({"name": f.name, "data": f.getvalue(), "words": parsed.word_count,
                                  "speakers": list(parsed.speakers),
                                  "suggested": [s for s in parsed.speakers if roles.get(s) == residents.RESIDENT]})
                else:
                    items.append(residents.preview(engine, actor, f.name, f.getvalue(), names=names,
                                                   unlabelled=choice))
            except residents.TranscriptSkipped:
                st.write(f"{f.name}: no speaker labels, left out as you chose")
            except ImportFailed as exc:  # every file is checked before any problem is shown
                problems.extend(exc.problems)
            bar.progress((k + 1) / len(files))
        if problems:
            raise ImportFailed(problems)
        st.session_state["upload_previews"] = items
        st.session_state["upload_large"] = large
        status.update(label=f"{len(items)} file(s) ready to review" + (f", {len(large)} large file(s) to queue"
                                                                       if large else ""), state="complete")

large = st.session_state.get("upload_large", [])
if large:
    st.subheader("Large files: redacted and saved by a worker")
    st.caption(f"Files over {jobs.LARGE_UPLOAD_WORDS:,} words are redacted as a job rather than in this page (about "
               "a minute per 100,000 words), with the fields above and the project's redaction lists; its progress "
               "shows in the sidebar on every page, and the file itself is deleted from the queue when the job ends. "
               "Read the stored, redacted text on **Transcripts** afterwards, and delete it there if anything was "
               "missed.")
    picks = {}
    for k, entry in enumerate(large):
        with st.container(border=True):
            st.text(f"{entry['name']} · {entry['words']:,} words · {len(entry['speakers'])} speakers")
            picks[entry["name"]] = st.multiselect(
                f"Residents in {entry['name']}", entry["speakers"], default=entry["suggested"],
                key=f"large_speakers_{k}", help="Only residents' turns are analysed.")
    if st.button("Redact and save as a job", type="primary", key="upload_queue"):
        with ui.friendly_errors():
            queued = [jobs.queue_transcript(engine, actor, e["name"], e["data"],
                                            names=residents.person_names(facilitator), ward=ward,
                                            residents=picks[e["name"]], method=method, held_on=held_on,
                                            consent_basis=consent, facilitator=facilitator or None)
                      for e in large]
            st.session_state.pop("upload_large", None)
            st.success(f"Queued {len(queued)} job(s): " + "; ".join(ui.md_escape(j.title) for j in queued)
                       + ". Their progress is in the sidebar.")

items = st.session_state.get("upload_previews", [])
if not items:
    if large:
        st.stop()
    st.info("Choose one or more files and press **Preview**. Nothing is saved until you confirm.")
    st.stop()


def highlighted(turn: residents.ReviewTurn) -> str:
    """One turn as markdown: every character of the file escaped, each redaction on a coloured background
    with the words it replaced (those are shown here only, never stored)."""
    parts = []
    for text, redaction in turn.pieces():
        if redaction is None:
            parts.append(ui.md_escape(text))
        else:
            parts.append(f":orange-background[{ui.md_escape(text)} ‹{ui.md_escape(redaction.original)}›]")
    stamp = f" @ {int(turn.start_s // 60)}:{int(turn.start_s % 60):02d}" if turn.start_s is not None else ""
    who = ui.md_escape(turn.stored_speaker)
    return f"**{who}** ({turn.role}, line {turn.line}{stamp}): " + "".join(parts)


st.subheader("2. Review")
st.caption("Read each file as it will be stored. Highlighted: what was redacted, with the original words in "
           "‹ › for you only. Keep a word in clear or redact another below; the file is redacted again.")
choices: dict[str, list[str]] = {}
titles: dict[str, str] = {}
defaults: dict[str, str] = {}
for k, item in enumerate(items):
    with st.container(border=True):
        st.text(f"{item.filename} · {item.parsed.format} · {item.parsed.word_count:,} words · "
                f"{len(item.parsed.turns)} turns · {len(item.redactions)} redactions")
        if item.duplicate_of:
            st.info(f"Already imported as transcript {item.duplicate_of}: saving again adds nothing.")
        for warning in item.parsed.warnings:
            st.warning(warning)
        header = residents.review_metadata(item)
        if not header.empty:
            st.caption("From the file's header lines (kept as details, never as speakers):")
            st.table(header.set_index("field"))
        file_date = item.parsed.metadata.get("date")
        defaults[item.filename] = residents.neutral_title(method, ui.ward_name(ward) if ward else "",
                                                          held_on or file_date)
        titles[item.filename] = st.text_input(
            f"Title of {item.filename}", value=defaults[item.filename], key=f"title_{k}_{defaults[item.filename]}",
            max_chars=200,
            help="Shown under every quote. The default names no one; anything you type is redacted like the text.")
        speakers = residents.review_speakers(item, facilitator)
        st.dataframe(speakers.drop(columns=["suggested resident"]), hide_index=True, width="stretch")
        # A plain multiselect rather than a checkbox column: clearer, and usable from the keyboard.
        labels = list(speakers["speaker in file"])
        choices[item.filename] = st.multiselect(
            f"Residents in {item.filename}", labels, key=f"speakers_{k}",
            default=[s for s, yes in zip(labels, speakers["suggested resident"]) if yes],
            help="Only residents' turns are analysed. Only speakers the file's key or labels mark as respondents "
                 "start ticked; add anyone else who is a resident.")
        tab_red, tab_text = st.tabs([f"Redactions ({len(item.redactions)})", "Text as it will be stored"])
        with tab_red:
            if not item.redactions:
                st.write("No personal data found. Read the text to be sure; redact anything missed below.")
            else:
                options = residents.review_filters(item)
                f1, f2, f3, f4 = st.columns(4)
                rule = f1.multiselect("Rule", options["rule"], key=f"red_rule_{k}")
                category = f2.multiselect("Kind", options["category"], key=f"red_category_{k}")
                pseudonym = f3.multiselect("Replaced by", options["pseudonym"], key=f"red_pseudonym_{k}")
                found = f4.text_input("Found text contains", key=f"red_found_{k}")
                shown = residents.review_redactions(item, rule=rule, category=category, pseudonym=pseudonym,
                                                    found=found)
                st.dataframe(shown, hide_index=True, width="stretch")
                st.caption(f"{len(shown)} of {len(item.redactions)} redactions. The 'found' column is shown only "
                           "here, for your review; it is never stored.")
        with tab_text, st.container(height=480):
            st.markdown("\n\n".join(highlighted(t) for t in residents.review_turns(item, choices[item.filename])))
        with st.form(f"corrections_{k}"):
            st.write("Corrections for this file only")
            k1, k2 = st.columns(2)
            keep_found = k1.multiselect("Keep in clear (choose from what was redacted)",
                                        sorted({r.original for r in item.redactions}, key=str.lower),
                                        key=f"keep_pick_{k}")
            keep_typed = k1.text_input("…or type words to keep in clear (comma-separated)", key=f"keep_typed_{k}")
            redact_typed = k2.text_area("Also redact (one per line: a nickname, a school, a street…)",
                                        key=f"redact_typed_{k}")
            if st.form_submit_button("Redact this file again"):
                keep = keep_found + [w.strip() for w in keep_typed.split(",") if w.strip()]
                redact = [w.strip() for w in redact_typed.splitlines() if w.strip()]
                with ui.friendly_errors():
                    fresh = residents.redo(item, keep=keep, redact=redact)
                    st.session_state["upload_previews"] = [fresh if i == k else other
                                                           for i, other in enumerate(items)]
                    left = residents.still_redacted(fresh, keep)
                    st.session_state[f"redo_note_{k}"] = (
                        f"Redacted again: {len(fresh.redactions)} redactions."
                        + (f" Still redacted by another rule: {', '.join(left)}." if left else ""))
                    st.rerun()
        note = st.session_state.get(f"redo_note_{k}")
        if note:
            st.success(ui.md_escape(note))

st.subheader("3. Confirm")
if st.button("Save these transcripts", type="primary", key="upload_save"):
    with ui.friendly_errors():
        bar = st.progress(0.0, text="Saving…")
        saved = []
        for k, item in enumerate(items):
            typed = titles.get(item.filename, "").strip()
            title = None if typed == defaults.get(item.filename) else typed or None
            saved.append(residents.save_transcripts(engine, actor, item, ward=ward,
                                                    residents=choices.get(item.filename, []), method=method,
                                                    held_on=held_on, consent_basis=consent,
                                                    facilitator=facilitator or None, held_at=held_at or None,
                                                    participants_live=participants_live or None, title=title))
            bar.progress((k + 1) / len(items), text=f"Saved {item.filename}")
        st.session_state.pop("upload_previews", None)
        st.success("Saved: " + "; ".join(
            f"transcript {s.transcript_id} ({s.resident_segments} resident segments)" if s.created
            else f"transcript {s.transcript_id} was already there" for s in saved)
            + ". Run the analysis on the Topics page to fold them into the topics.")
        st.dataframe(pd.DataFrame([vars(s) for s in saved]), hide_index=True, width="stretch")
