"""The jobs element every page shows in the sidebar: your queued, running and recently ended jobs, their
progress as stored in the database (so it survives a reload and shows on any server replica), and Cancel.

While a job is waiting or running the element refreshes itself every few seconds (a fragment, not the whole
page); when the last one ends it reruns the page once, so what the job made (the topics, a report) appears.
"""
from __future__ import annotations

import streamlit as st

from triangulate import jobs

REFRESH_S = 2
RECENT_S = 900  # ended jobs stay listed this long
ICONS = {"queued": "⏳", "running": "🔄", "done": "✅", "failed": "❌", "cancelled": "⏹️"}


def _engine_and_actor():
    import ui

    return ui.engine(), st.session_state.get("actor")


def _kinds_to_watch(actor) -> list[str]:
    """Other people's active jobs of the kinds this person may queue too: why theirs waits."""
    return [name for name, kind in jobs.KINDS.items() if _can(actor, kind.permission)]


def _can(actor, permission: str) -> bool:
    from triangulate.core import can

    return can(actor, permission)


def _draw(engine, actor, shown) -> None:
    waiting = [j for j in shown if j.status == "queued"]
    if waiting and not jobs.workers_alive(engine):
        st.warning("No worker is running, so queued jobs wait. Start one: `python -m triangulate worker` "
                   "(`make run` starts one with the app).")
    for job in shown:
        mine = jobs.may_manage(actor, job)
        who = "" if job.queued_by == actor.username else f" · {job.queued_by}"
        st.markdown(f"{ICONS.get(job.status, '')} **{_escape(job.title)}**{_escape(who)}")
        if job.status == "running":
            st.progress(min(max(job.progress, 0.0), 1.0), text=_escape(job.message)[:160])
        elif job.status == "queued":
            st.caption("Waiting for a worker.")
        elif job.status == "failed":
            st.caption(_escape(job.error)[:600])
        else:
            st.caption(_escape(job.message)[:300])
        if mine and job.status in jobs.ACTIVE and not job.cancel_requested:
            if st.button("Cancel", key=f"job_cancel_{job.id}", help="Stop this job; nothing it was doing is saved."):
                _cancel(engine, actor, job.id)
        elif job.status in jobs.ACTIVE and job.cancel_requested:
            st.caption("Stopping…")


def _cancel(engine, actor, job_id: int) -> None:
    import ui

    with ui.friendly_errors():
        jobs.cancel(engine, actor, job_id)
        st.rerun()


def _escape(text: str) -> str:
    import ui

    return ui.md_escape(text or "")


@st.fragment(run_every=REFRESH_S)
def _live() -> None:
    engine, actor = _engine_and_actor()
    if actor is None:
        return
    shown = jobs.visible(engine, actor, kinds=_kinds_to_watch(actor), recent_s=RECENT_S)
    if not any(j.status in jobs.ACTIVE for j in shown):
        st.rerun(scope="app")  # the last one ended: the page shows what it made, and stops polling
    _draw(engine, actor, shown)


def status() -> None:
    """The jobs element (app.py puts it in the sidebar of every page)."""
    engine, actor = _engine_and_actor()
    if actor is None:
        return
    shown = jobs.visible(engine, actor, kinds=_kinds_to_watch(actor), recent_s=RECENT_S)
    if not shown:
        return
    st.markdown("**Jobs**")
    if any(j.status in jobs.ACTIVE for j in shown):
        _live()
    else:
        _draw(engine, actor, shown)

