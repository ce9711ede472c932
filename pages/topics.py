"""Topics: what residents talk about, per ward, and the issue each topic maps to."""
import altair as alt
import streamlit as st

import ui
from triangulate import codebook, jobs, residents

engine, actor = ui.page("What residents talk about", ui.ILLUSTRATIVE, say=st.caption)

model = residents.current_model(engine)
if ui.allowed("transcripts.analyse"):
    # The analysis runs as a job (a worker process): the page stays usable, other people and other server
    # replicas see its progress, and closing the tab loses nothing. Progress shows in the sidebar.
    label = "Run the analysis" if model is None else "Re-run the analysis (only what changed)"
    if st.button(label, type="primary", key="topics_run"):
        with ui.friendly_errors():
            job = jobs.queue_analysis(engine, actor)
            st.session_state["topics_queued"] = job.id
            st.rerun()
    latest = jobs.latest(engine, actor, "analysis")
    if latest is not None and latest.id == st.session_state.get("topics_queued"):
        if latest.status in jobs.ACTIVE:
            st.info("The analysis is queued as a job: its progress is in the sidebar, on every page; this page "
                    "shows the new topics when it ends. You may carry on meanwhile.")
        elif latest.status == "done":
            st.success(ui.md_escape(latest.result.get("summary", latest.message)))
        elif latest.status == "failed":
            st.error(ui.md_escape(latest.error))

if model is None:
    running = jobs.analysis_under_way(engine, actor)
    if running is not None:
        # e.g. the demo's topics, queued by `init --demo` for the worker: each segment's issue is assigned already
        st.info(f"The topics are being fitted in the background (analysis job {running.id}, "
                f"{'waiting for a worker' if running.status == 'queued' else f'{running.progress:.0%} done'}). "
                "Every resident segment's issue is already assigned, so the ward pages and the joint display are "
                "complete; this page shows the topics when the job ends (reload it then).")
    else:
        st.info("No analysis yet. Upload transcripts, tick the residents, then run the analysis (researchers).")
    st.stop()

when = model.fitted_at.strftime("%d %b %Y %H:%M")
if model.method == "similarity":
    st.info(f"Fewer than {residents.CLUSTER_MIN_SEGMENTS} resident segments say something: too few for topic "
            "modelling, so the topics below are the issues the segments were assigned to. "
            f"{model.n_segments} segments, {when}.")
else:
    st.caption(f"BERTopic topics, a lens on what residents talk about: {model.n_segments} resident segments, "
               f"fitted {when} by {model.fitted_by}; settings and versions are saved with the model. Each "
               "segment's issue comes from the codebook and people's codes; a topic's suggested issue is the "
               "majority of its segments' issues.")
if model.stale:
    st.warning("Transcripts were added or deleted since this analysis: re-run it to include them.")
outcomes = residents.issue_outcomes(engine, actor)
if outcomes["total"]:
    st.caption(f"Of {outcomes['total']} resident segments: {outcomes['model']} given an issue by the machine, "
               f"{outcomes['topic']} by a confirmed topic, {outcomes['manual']} coded by people, "
               f"**{outcomes['none']} off-topic** (about nothing: fillers, thanks, logistics, prompts — they count "
               f"in no ward's share), {outcomes['waiting']} not analysed yet.")

with ui.friendly_errors():
    frame = residents.topics_frame(engine, actor)
    sizes = residents.topic_ward_sizes(engine, actor)
    ui.stop_if_empty(frame, "The analysis found no topics.")
    left, right = st.container(), st.container()  # one under the other: side by side cut the topic labels
    with left:
        st.subheader("Topic sizes")
        st.altair_chart(alt.Chart(frame).mark_bar().encode(
            x=alt.X("size:Q", title="resident segments"),
            y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            color=alt.Color("issue:N", title="issue"), tooltip=["label", "keywords", "size", "issue", "status"]),
            width="stretch")
    with right:
        st.subheader("By ward")
        st.altair_chart(alt.Chart(sizes).mark_bar().encode(
            x=alt.X("segments:Q", stack="normalize", title="share of the topic's segments"),
            y=alt.Y("topic:N", title=None, axis=alt.Axis(labelLimit=260)), color=alt.Color("ward:N"),
            tooltip=["topic", "ward", "segments"]),
            width="stretch")
    st.dataframe(frame.drop(columns=["topic_id", "issue_code"]), hide_index=True, width="stretch")
    st.download_button("Download topics (CSV)", residents.topics_csv(engine, actor), file_name="topics.csv",
                       mime="text/csv")

    st.subheader("A topic in detail")
    chosen = st.selectbox("Topic", frame["topic_id"].tolist(), key="topics_pick",
                          format_func=lambda i: frame.set_index("topic_id").loc[i, "label"])
    row = frame.set_index("topic_id").loc[chosen]
    st.text(f"Keywords: {row['keywords']}\nIssue: {row['issue']} ({row['status']}"
            + (f", confidence {row['confidence']:.2f}" if row["confidence"] == row["confidence"]
               and row["confidence"] is not None else "") + ")")
    st.markdown("**Representative quotes** (redacted)")
    for quote in residents.topic_quotes(engine, actor, int(chosen)):
        st.text(f"“{quote['text']}” — {quote['ward']}{' (illustrative)' if quote['illustrative'] else ''}")

    if ui.allowed("topics.map"):
        choices = [(depth, i) for depth, i in codebook.flat_tree(engine)]
        ids = [i.id for _, i in choices]
        labels = {i.id: (" " * depth) + i.label for depth, i in choices}
        own = row["issue_code"].split(" + ")[0] if row["issue_code"] else ""
        current = next((i.id for _, i in choices if i.code == own), None)
        c1, c2 = st.columns(2)
        with c1:
            # Keyed by topic: each topic's box shows (and Confirm saves) that topic's own issue, never the
            # choice left over from the topic looked at before.
            issue_id = st.selectbox("Map this topic to", ids, index=ids.index(current) if current in ids else None,
                                    format_func=labels.get, key=f"topics_issue_{chosen}",
                                    placeholder="Choose an issue (most of its segments are off-topic)")
            if st.button("Confirm mapping", key="topics_confirm", disabled=issue_id is None):
                residents.confirm_topic(engine, actor, int(chosen), int(issue_id))
                # Rerun so the table and the detail above say "confirmed" too; the message survives it.
                st.session_state["topics_done"] = (f"Confirmed: the segments of “{ui.md_escape(row['label'])}” now "
                                                   f"count towards {ui.md_escape(labels[issue_id].strip())}.")
                st.rerun()
            if "topics_done" in st.session_state:
                st.success(st.session_state.pop("topics_done"))
        with c2:
            split = st.multiselect("…or split it between issues", ids, format_func=labels.get,
                                   key=f"topics_split_{chosen}")
            if st.button("Split", disabled=len(split) < 2, key="topics_split_go"):
                counts = residents.split_topic(engine, actor, int(chosen), [int(i) for i in split])
                st.success("Split: " + ", ".join(f"{ui.md_escape(labels[i].strip())} {n}" for i, n in counts.items()))
