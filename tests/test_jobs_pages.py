"""AppTest: pages queue long work instead of running it, and the jobs element shows it on every page."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from schemas import Job, Transcript
from tests.apptest_helpers import run_page
from triangulate import jobs
from triangulate.core import db
from triangulate.core.db import session_scope
from triangulate.core.permissions import Actor

pytestmark = pytest.mark.slow
RESEARCHER = Actor("researcher", "researcher")
TEXT = (b"Interviewer: Hello Jean.\nJean Laird: The damp in Ibrox is bad. Call me on 07700 900111. The damp is "
        b"in every room.\nInterviewer: Thanks.\n")


def _jobs(engine) -> list[Job]:
    with session_scope(engine) as session:
        return list(session.execute(select(Job).order_by(Job.id)).scalars())


def test_topics_page_queues_the_analysis_and_shows_its_outcome(app_env):
    at = run_page("topics.py", RESEARCHER, timeout=180)
    at.button(key="topics_run").click().run()
    assert not at.exception
    assert any("queued as a job" in i.value for i in at.info)
    engine = db.get_engine()
    (job,) = _jobs(engine)
    assert (job.kind, job.status, job.queued_by) == ("analysis", "queued", "researcher")
    assert jobs.run_next(engine).status == "done"
    at.run()
    assert not at.exception and any("resident segments" in s.value for s in at.success)


def _status_script():
    import ui.jobs

    ui.jobs.status()


def test_the_jobs_element_shows_progress_and_cancels(app_env):
    engine = db.get_engine()
    job = jobs.queue_analysis(engine, RESEARCHER)
    at = AppTest.from_function(_status_script, default_timeout=60)
    at.session_state["actor"] = RESEARCHER
    at.run()
    assert not at.exception
    assert any("Analysis of the resident segments" in m.value for m in at.markdown)
    assert any("No worker is running" in w.value for w in at.warning)  # why it waits, and the fix
    at.button(key=f"job_cancel_{job.id}").click().run()
    assert jobs.get(engine, RESEARCHER, job.id).status == "cancelled"
    assert any("Cancelled" in c.value for c in at.caption)
    # Someone else's job: listed for a viewer? No: they may not queue one, and it is not theirs.
    viewer = AppTest.from_function(_status_script, default_timeout=60)
    viewer.session_state["actor"] = Actor("viewer", "viewer")
    viewer.run()
    assert not viewer.markdown and not viewer.button


def test_a_large_upload_is_queued_with_its_choices_and_saved_by_the_worker(app_env):
    from triangulate.residents import transcripts

    parsed = transcripts.parse("jean_laird.txt", TEXT)
    large = [{"name": "jean_laird.txt", "data": TEXT, "words": parsed.word_count, "speakers": list(parsed.speakers),
              "suggested": ["Jean Laird"]}]
    at = run_page("transcript_upload.py", RESEARCHER, timeout=120, upload_large=large)
    assert not at.exception and any("redacted and saved by a worker" in h.value for h in at.subheader)
    assert at.multiselect(key="large_speakers_0").value == ["Jean Laird"]
    at.button(key="upload_queue").click().run()
    assert not at.exception and any("Queued 1 job" in s.value for s in at.success)
    engine = db.get_engine()
    (job,) = _jobs(engine)
    assert job.kind == "transcript" and job.payload and "Jean" not in job.title
    done = jobs.run_next(engine)
    assert done.status == "done", done.error
    with session_scope(engine) as session:
        stored = session.get(Transcript, done.result["transcript_id"])
    assert stored.ward_code == "S13002971" and stored.source_filename == "[PERSON 1].txt"
    assert _jobs(engine)[0].payload is None
