"""Backup and retention (admin): backup download, restore, raw-upload retention, erasure and its proof."""
import io
from datetime import date

import pandas as pd
import streamlit as st

import ui
from triangulate import access

engine, me = ui.page("Backup and retention")
ui.stop_unless(ui.allowed("backup"), "Only admins back up, restore and erase data.")

tab_backup, tab_restore, tab_retention, tab_erase = st.tabs(
    ["Back up", "Restore", "Retention of raw uploads", "Erase a transcript"])

with tab_backup:
    st.write("One .zip file holds every table, the schema version and a checksum of each part. Keep it "
             "somewhere as safe as the database: it holds residents' (redacted) words and any raw uploads.")
    if st.button("Prepare a backup", type="primary"):
        bar = st.progress(0.0, text="Backing up…")
        buffer = io.BytesIO()
        with ui.friendly_errors():
            manifest = access.create_backup(engine, me, buffer, progress=lambda table, done, total: bar.progress(
                done / total, text=f"Backing up {table}…" if table else "Done"))
            st.session_state["backup_file"] = buffer.getvalue()
            st.session_state["backup_rows"] = sum(t["rows"] for t in manifest["tables"])
    if "backup_file" in st.session_state:
        size = len(st.session_state["backup_file"]) / 1e6
        st.success(f"Backup ready: {st.session_state['backup_rows']:,} rows, {size:.1f} MB.")
        st.download_button("Download the backup", st.session_state["backup_file"],
                           file_name=f"triangulate-backup-{date.today().isoformat()}.zip",
                           mime="application/zip", icon=":material/download:")

    written = access.written_backups(engine, me)
    if written:
        st.markdown("**Backup files this app wrote** (with `python -m triangulate backup`). Backups made "
                    "before an erasure still hold the erased text.")
        st.dataframe(pd.DataFrame(written), hide_index=True, width="stretch")
        doomed = st.selectbox("Backup file to delete", [b["path"] for b in written], key="backup_to_delete")
        if st.button("Delete this backup file", key="delete_backup",
                     disabled=not st.checkbox("Yes, delete it", key="delete_backup_sure")):
            with ui.friendly_errors():
                access.delete_backup_file(engine, me, doomed)
                st.success(ui.md_escape(f"Deleted {doomed}."))
                st.rerun()

with tab_restore:
    st.write("Restoring replaces **everything** in this database with the backup: accounts, insights, "
             "transcripts, notes. It happens all at once or not at all. You may need to sign in again.")
    upload = st.file_uploader("Backup file (.zip)", type=["zip"])
    if upload is not None:
        with ui.friendly_errors():
            manifest = access.read_manifest(io.BytesIO(upload.getvalue()))
            st.dataframe(pd.DataFrame([{"table": t["name"], "rows": t["rows"]} for t in manifest["tables"]
                                       if t["rows"]]), hide_index=True, width="stretch", height=240)
            st.caption(ui.md_escape(f"Made {str(manifest.get('created_at'))[:16].replace('T', ' ')} UTC by "
                                    f"{manifest.get('created_by')}, schema {manifest.get('alembic_revision')}, "
                                    f"from {manifest.get('source_dialect')}."))
            signed = manifest.get("signature") == "signed"
            accept_unsigned = False
            if not signed:
                st.warning(f"This backup is {manifest.get('signature')}: it was not signed with this "
                           f"installation's backup key ({access.key_location()}), so it may have been edited — "
                           "for example to add an account. Restore it only if you know where it came from.")
                accept_unsigned = st.checkbox("Restore it anyway (recorded in the audit log)")
            typed = st.text_input("Type RESTORE to replace everything in this database with this backup")
            blocked = typed.strip() != "RESTORE" or not (signed or accept_unsigned)
            if st.button("Restore", type="primary", disabled=blocked):
                bar = st.progress(0.0, text="Restoring…")
                access.restore_backup(engine, me, io.BytesIO(upload.getvalue()), force=True,
                                      accept_unsigned=accept_unsigned,
                                      progress=lambda table, done, total: bar.progress(
                                          done / total, text=f"Restoring {table}…" if table else "Done"))
                st.cache_data.clear()
                st.success("Restored. Sign out and in again to continue with the restored accounts.")

with tab_retention:
    current = access.retention_policy(engine)
    summary = st.empty()  # filled after any change below, so it shows the policy now in force
    keep = st.toggle("Keep raw (unredacted) uploads for a while", value=current.keep_raw_uploads,
                     help="Off: only the redacted text is stored. On: the original file is kept for review, "
                          "then deleted.")
    days = st.number_input("Delete raw uploads after (days)", min_value=1, max_value=access.MAX_RETENTION_DAYS,
                           value=current.raw_upload_days, step=1)
    if st.button("Save retention setting",
                 disabled=(keep, int(days)) == (current.keep_raw_uploads, current.raw_upload_days)):
        with ui.friendly_errors():
            access.set_retention_policy(engine, me, keep, int(days))
            st.success("Saved.")
    due = access.retention_due(engine, me)
    st.metric("Raw uploads older than the retention period", due)
    sure = st.checkbox(f"Yes, delete the {due} raw upload(s) now", disabled=due == 0, key="confirm_retention")
    if st.button("Apply now", disabled=not sure or due == 0):
        with ui.friendly_errors():
            st.success(f"Deleted {access.apply_retention(engine, me)} raw upload(s).")
    summary.markdown(access.retention_policy(engine).describe())

with tab_erase:
    st.write("Erasing a transcript deletes it and every trace: segments, speakers, raw upload, embeddings, "
             "topic assignments, and quotes of it in workshop notes, hypotheses and data needs (replaced by "
             f"“{access.REMOVED}”). Topic models that used it are marked stale. This cannot be undone.")
    listed = access.erasable_transcripts(engine, me)
    if not listed:
        st.info("There are no transcripts.")
    else:
        by_id = {t["id"]: t for t in listed}
        chosen = st.selectbox("Transcript", list(by_id), format_func=lambda i: (
            f"{by_id[i]['title']} · {ui.ward_name(by_id[i]['ward_code'])} · {by_id[i]['held_on'] or 'undated'} "
            f"· {by_id[i]['segments']} segments{' · illustrative' if by_id[i]['illustrative'] else ''}"))
        typed = st.text_input("Type DELETE to erase this transcript", key="confirm_erase")
        if st.button("Erase transcript", type="primary", disabled=typed.strip() != "DELETE"):
            with ui.friendly_errors():
                st.success(access.erase_transcript(engine, me, chosen).summary())
                st.cache_data.clear()
    st.subheader("Check that a text is gone")
    st.caption("Searches every column of every table. Shows where it occurs, never the text around it.")
    probe = st.text_input("Text to look for", key="probe")
    if st.button("Search the whole database", disabled=not probe.strip()):
        with ui.friendly_errors():
            hits = access.locate_text(engine, me, probe.strip())
            if hits:
                st.warning(f"Found in {len(hits)} place(s).")
                st.dataframe(pd.DataFrame([h.__dict__ for h in hits]), hide_index=True, width="stretch")
            else:
                st.success("Not found anywhere in the database.")
