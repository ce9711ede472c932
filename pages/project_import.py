"""Import a coded project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or QualCoder: each document is parsed and redacted
like an upload and reviewed here; the researchers' codes land on the segments they coded."""
import pandas as pd
import streamlit as st

import ui
from triangulate import codebook, residents

st.title("Import a coded project")
st.write("A REFI-QDA project export (**.qdpx**, *File → Export → REFI-QDA project* in NVivo, ATLAS.ti, MAXQDA or "
         f"QualCoder), up to {residents.MAX_ARCHIVE_BYTES // 2**20} MB. Every text document is redacted **before** "
         "anything is saved and you review it first; your codes become people's codes on the segments they cover. "
         "Audio, video, PDF and picture sources are left out (you are told which).")
engine, actor = ui.engine(), ui.actor()
ui.stop_unless(ui.allowed("transcripts.upload"), "Your role cannot import projects. Researchers and admins can.")

upload = st.file_uploader("Project (.qdpx)", type=["qdpx"], key="qdpx_upload",
                          max_upload_size=residents.MAX_ARCHIVE_BYTES // 2**20)
c1, c2 = st.columns(2)
with c1:
    every = st.toggle("One ward for every document", value=False, key="qdpx_one_ward",
                      help="Off: each document's own ward attribute (a case or document variable called Ward).")
    ward = ui.ward_picker("Ward", key="qdpx_ward") if every else None
unlabelled = c2.radio("Documents with no speaker labels", ["refuse them", "all residents' words", "leave them out"],
                      key="qdpx_unlabelled", help="Without labels the interviewer's words cannot be told apart.")
choice = {"refuse them": None, "all residents' words": "resident", "leave them out": "skip"}[unlabelled]

if st.button("Read and redact", type="primary", disabled=upload is None, key="qdpx_preview"):
    with ui.friendly_errors(), st.status("Reading the project…", expanded=True) as status:
        bar = st.progress(0.0)
        pp = residents.preview_project(engine, actor, upload.name, upload.getvalue(), unlabelled=choice,
                                       progress=lambda f, msg: bar.progress(min(f, 1.0), text=msg))
        st.session_state["qdpx_preview_state"] = pp
        status.update(label=f"{len(pp.sources)} document(s) ready to review", state="complete")

pp = st.session_state.get("qdpx_preview_state")
if pp is None:
    st.info("Choose a .qdpx and press **Read and redact**. Nothing is saved until you confirm.")
    st.stop()

for line in pp.left_out:
    st.warning(f"Left out: {line}")
st.subheader("1. Codes")
issue_codes = [i.code for i in codebook.list_issues(engine)]
codes = pp.codes_frame()
edited = st.data_editor(
    codes, hide_index=True, width="stretch", disabled=["code in the project", "guid", "selections"], key="qdpx_codes",
    column_config={"becomes": st.column_config.SelectboxColumn(
        "becomes", options=[residents.NEW_ISSUE, residents.LEAVE_CODE_OUT, *issue_codes], required=True,
        help="The codebook issue this code is, a new issue, or left out."), "guid": None})
code_map = dict(zip(edited["guid"], edited["becomes"]))

st.subheader("2. Documents")
residents_by_source: dict[str, list[str]] = {}
for k, sp in enumerate(pp.sources):
    item = sp.preview
    with st.container(border=True):
        st.text(f"{sp.source.name} · {item.parsed.word_count:,} words · {len(item.parsed.turns)} turns · "
                f"{len(item.redactions)} redactions · {len(sp.source.selections)} coded selections")
        for warning in [*item.parsed.warnings, *sp.warnings]:
            st.warning(warning)
        speakers = residents.review_speakers(item, sp.facilitator)
        labels = list(speakers["speaker in file"])
        default = sp.residents if sp.residents is not None else [
            s for s, yes in zip(labels, speakers["suggested resident"]) if yes]
        residents_by_source[sp.source.guid] = st.multiselect(
            f"Residents in {sp.source.name}", labels, default=[d for d in default if d in labels], key=f"qdpx_res_{k}")
        tab_red, tab_text = st.tabs([f"Redactions ({len(item.redactions)})", "Text as it will be stored"])
        with tab_red:
            st.dataframe(residents.review_redactions(item), hide_index=True, width="stretch")
        with tab_text, st.container(height=360):
            st.text("\n\n".join(f"{t.speaker}: {t.text}" for t in item.turns))

st.subheader("3. Confirm")
if st.button("Save the project", type="primary", key="qdpx_save"):
    with ui.friendly_errors():
        saved = residents.save_project(engine, actor, pp, ward=ward, code_map=code_map,
                                       residents_by_source=residents_by_source)
        st.session_state.pop("qdpx_preview_state", None)
        st.success(f"Saved {len(saved.transcripts)} transcript(s) with {saved.codes} codes"
                   + (f"; new issues: {', '.join(saved.new_issues)}" if saved.new_issues else "")
                   + (f"; {len(saved.already)} already imported" if saved.already else "")
                   + ". Run the analysis on the Topics page: the machine learns from these codes.")
        st.dataframe(pd.DataFrame({"transcript": saved.transcripts}), hide_index=True)
