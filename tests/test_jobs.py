"""The job queue: claiming (one per kind), permissions, cancel, time limit, deaths, the raw upload's lifetime.

The queue tests run on SQLite and, with TEST_DATABASE_URL, on PostgreSQL. Worker tests run the real worker
(a child process per job) on tests' own kinds; no test asserts a wall-clock time: they wait for a state with a
generous bound.
"""
from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from schemas import AuditEvent, Job, Transcript, Ward, utcnow
from tests.conftest import actor
from triangulate import jobs
from triangulate.core.db import session_scope
from triangulate.core.errors import ImportFailed, PermissionDenied, TriangulateError
from triangulate.jobs import kinds as job_kinds
from triangulate.jobs import queue
from triangulate.jobs.worker import Worker

RESEARCHER, OTHER, ADMIN, VIEWER, LEAD = (actor("researcher"), actor("researcher", "rosa"), actor("admin"),
                                         actor("viewer"), actor("lead"))
TEXT = (b"Interviewer: Hello Jean, thanks for coming.\nJean Laird: The damp in Ibrox is bad. Call me on "
        b"07700 900111. The damp is in every room and the heating costs too much.\nInterviewer: Thanks.\n")


def _ward(engine, code="S13002971", name="Govan"):
    with session_scope(engine) as session:
        session.add(Ward(code=code, name=name))


def _job(engine, job_id) -> Job:
    with session_scope(engine) as session:
        return session.get(Job, job_id)


def _wait_for(predicate, bound_s=120.0, every_s=0.2):
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"state not reached within the generous bound of {bound_s} s")


# --------------------------------------------------------------------------- queue
def test_queuing_checks_the_permission_of_the_work(engine):
    _ward(engine)
    with pytest.raises(PermissionDenied):
        jobs.queue_analysis(engine, VIEWER)
    with pytest.raises(PermissionDenied):
        jobs.queue_report(engine, VIEWER, "S13002971")
    with pytest.raises(PermissionDenied):
        jobs.queue_transcript(engine, LEAD, "a.txt", TEXT, ward="Govan")
    with session_scope(engine) as session:
        assert session.execute(select(Job.id)).first() is None
    assert jobs.queue_report(engine, LEAD, "S13002971").status == "queued"
    with pytest.raises(TriangulateError, match="No ward"):
        jobs.queue_report(engine, LEAD, "S13999999")


def test_one_job_of_a_kind_runs_at_a_time_and_the_oldest_goes_first(engine):
    _ward(engine)
    first = jobs.queue_report(engine, LEAD, "S13002971")
    second = jobs.queue_report(engine, RESEARCHER, "S13002971")
    analysis = jobs.queue_analysis(engine, RESEARCHER)
    assert jobs.queue_analysis(engine, OTHER).id == analysis.id  # a waiting analysis is not doubled
    assert queue.claim(engine, "w1").id == first.id
    assert queue.claim(engine, "w2").id == analysis.id  # reports are busy: the next kind
    assert queue.claim(engine, "w2") is None
    assert queue.finish(engine, first.id, {"ok": 1})
    assert queue.claim(engine, "w2").id == second.id
    assert not queue.finish(engine, first.id, {"again": 1})  # an ended job stays ended
    # The database itself refuses a second running job of a kind, whatever a worker does.
    third = jobs.queue_report(engine, LEAD, "S13002971")
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.execute(update(Job).where(Job.id == third.id).values(status="running"))


def test_cancel_by_owner_or_admin_only_and_the_upload_goes_with_it(engine):
    _ward(engine)
    job = jobs.queue_transcript(engine, RESEARCHER, "jean_laird.txt", TEXT, ward="Govan", residents=["Jean Laird"])
    stored = _job(engine, job.id)
    assert stored.payload and b"07700 900111" in stored.payload
    assert "jean" not in str(stored.params).lower() and "Jean" not in stored.title  # the raw name is in the payload
    with pytest.raises(PermissionDenied):
        jobs.cancel(engine, OTHER, job.id)
    assert jobs.cancel(engine, RESEARCHER, job.id).status == "cancelled"
    ended = _job(engine, job.id)
    assert ended.status == "cancelled" and ended.payload is None and ended.cancelled_by == "researcher"
    with pytest.raises(TriangulateError, match="already ended"):
        jobs.cancel(engine, ADMIN, job.id)
    report = jobs.queue_report(engine, LEAD, "S13002971")
    assert queue.claim(engine, "w1").id == report.id
    assert jobs.cancel(engine, ADMIN, report.id).status == "running"  # its worker stops it
    assert _job(engine, report.id).cancel_requested
    with session_scope(engine) as session:
        assert session.execute(select(AuditEvent).where(AuditEvent.action == "cancel")).scalars().all()


def test_an_upload_that_is_not_a_transcript_is_refused_before_queuing(engine):
    _ward(engine)
    with pytest.raises(ImportFailed):
        jobs.queue_transcript(engine, RESEARCHER, "empty.txt", b"   \n", ward="Govan")
    with pytest.raises(TriangulateError, match="no speaker called Nobody"):
        jobs.queue_transcript(engine, RESEARCHER, "a.txt", TEXT, ward="Govan", residents=["Nobody"])
    with session_scope(engine) as session:
        assert session.execute(select(Job.id)).first() is None


def test_a_job_whose_worker_stops_beating_is_marked_failed_not_lost(engine):
    _ward(engine)
    job = jobs.queue_transcript(engine, RESEARCHER, "jean_laird.txt", TEXT, ward="Govan")
    assert queue.claim(engine, "gone:1").id == job.id
    assert jobs.sweep(engine) == 0  # beating recently: left alone
    assert jobs.sweep(engine, now=utcnow() + timedelta(seconds=queue.STALE_AFTER_S + 5)) == 1
    ended = _job(engine, job.id)
    assert ended.status == "failed" and "gone:1" in ended.error and "stopped" in ended.error
    assert ended.payload is None


def test_people_see_their_own_jobs_and_admins_see_all(engine):
    _ward(engine)
    mine = jobs.queue_report(engine, LEAD, "S13002971")
    theirs = jobs.queue_analysis(engine, RESEARCHER)
    assert [j.id for j in jobs.visible(engine, LEAD)] == [mine.id]
    assert {j.id for j in jobs.visible(engine, ADMIN)} == {mine.id, theirs.id}
    assert {j.id for j in jobs.visible(engine, OTHER, kinds=["analysis"])} == {theirs.id}  # why mine waits
    assert all(j.payload is None and j.output is None for j in jobs.visible(engine, ADMIN))
    with pytest.raises(PermissionDenied):
        jobs.get(engine, RESEARCHER, mine.id)


# --------------------------------------------------------------------------- real work, in this process
@pytest.mark.slow
def test_a_large_upload_is_redacted_and_saved_by_the_job(demo_engine):
    job = jobs.queue_transcript(demo_engine, RESEARCHER, "jean_laird.txt", TEXT, ward="Govan",
                                residents=["Jean Laird"], names=["Claire Boyle"], facilitator="Claire Boyle")
    done = jobs.run_next(demo_engine)
    assert done.id == job.id and done.status == "done", done.error
    assert done.payload is None and done.progress == 1.0 and "Saved as transcript" in done.message
    with session_scope(demo_engine) as session:
        transcript = session.get(Transcript, done.result["transcript_id"])
    assert transcript.source_filename == "[PERSON 1].txt" and transcript.uploaded_by == "researcher"
    assert done.result["resident_segments"] >= 1 and done.result["redactions"] >= 2
    again = jobs.queue_transcript(demo_engine, RESEARCHER, "jean_laird.txt", TEXT, ward="Govan")
    assert "already stored" in jobs.run_next(demo_engine).message and again.id


@pytest.mark.slow
def test_a_report_job_gives_its_files_to_whoever_queued_it(demo_engine):
    job = jobs.queue_report(demo_engine, LEAD, "S13002971")
    assert jobs.run_next(demo_engine).status == "done"
    files = jobs.report_files(demo_engine, LEAD, job.id)
    assert set(files) == {"html", "pdf", "xlsx"} and files["pdf"].startswith(b"%PDF")
    assert b"Govan" in files["html"]
    with pytest.raises(PermissionDenied):
        jobs.report_files(demo_engine, RESEARCHER, job.id)


def test_the_work_runs_as_the_account_as_it_is_now(demo_engine):
    from triangulate.access import auth

    with session_scope(demo_engine) as session:
        from schemas import User

        user = session.execute(select(User).where(User.role == "researcher")).scalars().first()
        who = auth.actor_of(user)
    job = jobs.queue_report(demo_engine, who, "S13002971")
    with session_scope(demo_engine) as session:
        session.execute(update(User).where(User.id == who.id).values(active=False))
    ended = jobs.run_next(demo_engine)
    assert ended.id == job.id and ended.status == "failed" and "deactivated" in ended.error


# --------------------------------------------------------------------------- the real worker, child processes
def _test_kind(monkeypatch, name, run, limit_s=600):
    monkeypatch.setitem(job_kinds.KINDS, name, job_kinds.Kind(name, name, "reports.export", limit_s, run))


def _enqueue(engine, kind, params=None):
    return queue.enqueue(engine, LEAD, kind, f"test {kind}", params or {}, payload=b"raw", time_limit_s=600)


def _steps(engine, actor_, job, progress):
    for step in range(job.params.get("steps", 3)):
        progress(step / 10, f"step {step}")
        time.sleep(job.params.get("pause", 0.01))
    return {"steps": job.params.get("steps", 3)}, b"out", "all steps done"


def _no_progress(engine, actor_, job, progress):
    time.sleep(3600)


def _crash(engine, actor_, job, progress):
    progress(0.5, "about to die")
    os.kill(os.getpid(), signal.SIGKILL)


def _raise(engine, actor_, job, progress):
    raise ValueError("the data was not what the job expected")


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.mark.slow
def test_the_worker_runs_each_job_in_a_child_and_records_how_each_ended(engine, monkeypatch):
    for name, run in (("steps", _steps), ("crash", _crash), ("raise", _raise)):
        _test_kind(monkeypatch, name, run)
    ok, crash, error = _enqueue(engine, "steps"), _enqueue(engine, "crash"), _enqueue(engine, "raise")
    worker = Worker(_url(engine), kinds=["steps", "crash", "raise"], concurrency=2, poll_s=0.1)
    assert worker.run(max_jobs=3) == 3
    ok, crash, error = (_job(engine, j.id) for j in (ok, crash, error))
    assert ok.status == "done" and ok.result == {"steps": 3} and ok.output == b"out" and ok.message == "all steps done"
    assert crash.status == "failed" and "killed by signal 9" in crash.error and "memory" in crash.error
    assert error.status == "failed" and "the data was not what the job expected" in error.error
    assert all(j.payload is None and j.worker == worker.name for j in (ok, crash, error))
    assert jobs.workers_alive(engine) == 0  # it said goodbye


@pytest.mark.slow
def test_the_time_limit_stops_a_job_that_never_reports(engine, monkeypatch):
    _test_kind(monkeypatch, "stuck", _no_progress, limit_s=1)
    monkeypatch.setattr("triangulate.jobs.worker.KILL_GRACE_S", 0)
    job = queue.enqueue(engine, LEAD, "stuck", "stuck", {}, time_limit_s=1)
    Worker(_url(engine), kinds=["stuck"], poll_s=0.1).run(max_jobs=1)
    ended = _job(engine, job.id)
    assert ended.status == "failed" and "time limit" in ended.error


@pytest.mark.slow
def test_a_running_job_is_cancelled_from_outside(engine, monkeypatch):
    import threading

    _test_kind(monkeypatch, "steps", _steps)
    job = _enqueue(engine, "steps", {"steps": 100000, "pause": 0.05})
    worker = Worker(_url(engine), kinds=["steps"], poll_s=0.1)
    thread = threading.Thread(target=worker.run, kwargs={"max_jobs": 1})
    thread.start()
    _wait_for(lambda: _job(engine, job.id).progress > 0)
    jobs.cancel(engine, LEAD, job.id)
    thread.join(120)
    ended = _job(engine, job.id)
    assert not thread.is_alive() and ended.status == "cancelled" and ended.payload is None


def test_concurrent_claims_take_each_job_exactly_once(engine):
    """Four claimers with their own connections race for 24 jobs (all of different kinds, so any may run
    together): every job is claimed by exactly one of them."""
    import threading

    url = _url(engine)
    ids = [queue.enqueue(engine, LEAD, f"kind{k}", "race", {}).id for k in range(24)]
    taken: dict[str, list[int]] = {}

    def claimer(name: str) -> None:
        from triangulate.core import db

        own = db.make_engine(url)
        mine = taken.setdefault(name, [])
        misses = 0
        while misses < 20:
            job = queue.claim(own, name)
            if job is None:
                misses += 1
                time.sleep(0.01)
            else:
                mine.append(job.id)
        own.dispose()

    threads = [threading.Thread(target=claimer, args=(f"w{k}",)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    claimed = [i for got in taken.values() for i in got]
    assert sorted(claimed) == ids  # each once, none lost
    with session_scope(engine) as session:
        owners = dict(session.execute(select(Job.id, Job.worker)).all())
    assert all(owners[i] == name for name, got in taken.items() for i in got)


def test_waiting_uploads_and_kept_report_files_do_not_outlive_a_day(engine):
    _ward(engine)
    upload = jobs.queue_transcript(engine, RESEARCHER, "jean_laird.txt", TEXT, ward="Govan")
    report = jobs.queue_report(engine, LEAD, "S13002971")
    assert queue.claim(engine, "w", ["report"]).id == report.id
    assert queue.finish(engine, report.id, {}, b"files")
    later = utcnow() + timedelta(seconds=queue.KEEP_S + 60)
    with session_scope(engine) as session:  # the worker kept beating; only time passed
        session.execute(update(Job).values(heartbeat_at=later))
    jobs.sweep(engine, now=later)
    waited, kept = _job(engine, upload.id), _job(engine, report.id)
    assert waited.status == "failed" and waited.payload is None and "within a day" in waited.error
    assert kept.status == "done" and kept.output is None
    with pytest.raises(TriangulateError, match="prepare the report again"):
        jobs.report_files(engine, LEAD, report.id)


@pytest.mark.slow
def test_erasing_a_transcript_drops_prepared_report_files(demo_engine):
    from triangulate.access import erasure

    job = jobs.queue_report(demo_engine, LEAD, "S13002971")
    assert jobs.run_next(demo_engine).status == "done" and _job(demo_engine, job.id).output
    with session_scope(demo_engine) as session:
        first = session.execute(select(Transcript.id).order_by(Transcript.id)).scalars().first()
    erasure.erase_transcript(demo_engine, ADMIN, first)
    assert _job(demo_engine, job.id).output is None


@pytest.mark.slow
def test_the_worker_command_runs_a_queued_upload(sqlite_engine, capsys):
    from triangulate.cli import main

    _ward(sqlite_engine)
    job = jobs.queue_transcript(sqlite_engine, ADMIN, "jean_laird.txt", TEXT, ward="Govan", residents=["Jean Laird"])
    assert main(["--database-url", _url(sqlite_engine), "worker", "--max-jobs", "1", "--poll", "0.1"]) == 0
    ended = _job(sqlite_engine, job.id)
    assert ended.status == "done", ended.error
    assert "Worker stopped after 1 job(s)" in capsys.readouterr().err
    assert main(["--database-url", _url(sqlite_engine), "worker", "--kinds", "nope"]) == 1
