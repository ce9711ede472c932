"""The worker: claims jobs from the queue and runs each in a child process it watches.

Why a child process per job: a job can be stopped whatever it is doing (a cancel, or the time limit, while
UMAP compiles or a PDF renders, with no progress step to stop at), and a job that crashes the interpreter
(a segfault, the kernel's out-of-memory killer) is seen to die and marked failed with its exit code, while the
worker carries on. The child writes its own progress and its end (done, failed with the error, cancelled);
the worker writes the end only when the child could not (killed, died). A worker that dies itself stops
beating, and the next sweep (another worker, or any page) marks its jobs failed.

`python -m triangulate worker` runs one; `make run` starts one beside the app; several may run on several
machines against one PostgreSQL database (docs/deploy.md). `run_next` runs one job in this process (tests,
`--inline`).
"""
from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine

from schemas import Job
from triangulate.core import db
from triangulate.core.db import session_scope
from triangulate.core.errors import ImportFailed, TriangulateError, explain
from triangulate.jobs import queue
from triangulate.jobs.kinds import KINDS

log = logging.getLogger("triangulate.worker")
KILL_GRACE_S = 10  # past its limit, a job's own check has this long to stop cleanly before it is killed
SWEEP_EVERY_S = 10


def execute(engine: Engine, job: Job) -> str:
    """Run one claimed job in this process to its end; returns the status it ended with."""
    from triangulate.access import auth

    kind = KINDS.get(job.kind)
    if kind is None:
        queue.fail(engine, job.id, f"Unknown kind of job {job.kind!r}: this worker is older than the app; "
                                   "update it.")
        return "failed"
    try:
        actor = auth.current(engine, queue.acting_user(job))
        if actor is None:
            raise TriangulateError(f"The account {job.queued_by!r} that queued this job was deactivated or "
                                   "removed before it started, so it was not run.")
        result, output, message = kind.run(engine, actor, job, queue.Progress(engine, job))
    except queue.JobCancelled:
        queue.mark_cancelled(engine, job.id)
        return "cancelled"
    except ImportFailed as exc:  # every problem with its file, row and fix
        queue.fail(engine, job.id, "; ".join(str(p) for p in exc.problems) or str(exc))
        return "failed"
    except Exception as exc:  # a job must end with its error, never disappear
        message = explain(exc)
        if message is None:
            traceback.print_exc(file=sys.stderr)
            message = f"An unexpected error stopped the job ({type(exc).__name__}: {exc}). Nothing it was doing " \
                      "was saved; the worker's log has the details."
        queue.fail(engine, job.id, message)
        return "failed"
    return "done" if queue.finish(engine, job.id, result, output, message) else "cancelled"


def run_next(engine: Engine, kinds=None, worker: str | None = None) -> Job | None:
    """Claim and run one job here, in this process (no child, so no hard stop). None when nothing waits."""
    job = queue.claim(engine, worker or queue.worker_name(), kinds)
    if job is None:
        return None
    execute(engine, job)
    with session_scope(engine) as session:
        return session.get(Job, job.id)


def _die_with_parent() -> None:
    """Linux: the child is killed when the worker dies, so no job runs on without anyone watching it."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _lower_priority() -> None:
    """Jobs yield the CPU to the app: people clicking come first (TRIANGULATE_JOB_NICE, default 10; 0 = off)."""
    value = os.environ.get("TRIANGULATE_JOB_NICE", "10")
    if value.isdigit() and int(value) > 0:
        with contextlib.suppress(OSError):
            os.nice(int(value))


def _child(url: str, job_id: int) -> None:
    _die_with_parent()
    _lower_priority()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the worker, which decides
    engine = db.make_engine(url)
    with session_scope(engine) as session:
        job = session.get(Job, job_id)
    if job is not None and job.status == "running":
        execute(engine, job)
    engine.dispose()


@dataclass
class _Running:
    job: Job
    process: multiprocessing.process.BaseProcess
    started: float


class Worker:
    """Claims up to `concurrency` jobs (never two of one kind) and watches each child: progress beats, cancels,
    time limits, deaths."""

    def __init__(self, url: str | None = None, *, kinds=None, concurrency: int = 2, poll_s: float = 1.0,
                 name: str | None = None):
        self.url = url or db.database_url()
        self.engine = db.make_engine(self.url)
        self.kinds = list(kinds) if kinds else list(KINDS)
        self.concurrency = max(1, int(concurrency))
        self.poll_s = poll_s
        self.name = name or queue.worker_name()
        self.stopping = threading.Event()
        self.running: dict[int, _Running] = {}
        self.finished = 0
        self._context = multiprocessing.get_context("fork")

    # ----------------------------------------------------------------- the loop
    def run(self, *, max_jobs: int | None = None, idle_exit_s: float | None = None) -> int:
        """Work until stopped (SIGTERM, Ctrl-C), or after `max_jobs` jobs, or `idle_exit_s` with nothing to do.
        Returns how many jobs ended here."""
        last_sweep, idle_since = 0.0, time.monotonic()
        try:
            while not self.stopping.is_set():
                queue.beat(self.engine, self.name, list(self.running), self.kinds)
                if time.monotonic() - last_sweep > SWEEP_EVERY_S:
                    queue.sweep(self.engine)
                    last_sweep = time.monotonic()
                self._watch()
                started = self._start_one() if max_jobs is None or self.finished + len(self.running) < max_jobs \
                    else False
                if self.running or started:
                    idle_since = time.monotonic()
                elif self._done(max_jobs, idle_exit_s, idle_since):
                    break
                if not started:
                    self.stopping.wait(self.poll_s)
        finally:
            self._shut_down()
        return self.finished

    def _done(self, max_jobs: int | None, idle_exit_s: float | None, idle_since: float) -> bool:
        if max_jobs is not None and self.finished >= max_jobs:
            return True
        return idle_exit_s is not None and time.monotonic() - idle_since > idle_exit_s

    def stop(self, *_args) -> None:
        self.stopping.set()

    def _start_one(self) -> bool:
        if len(self.running) >= self.concurrency:
            return False
        busy = {r.job.kind for r in self.running.values()}
        job = queue.claim(self.engine, self.name, [k for k in self.kinds if k not in busy])
        if job is None:
            return False
        # The child must not touch the worker's pooled connections (they would be shared across processes).
        self.engine.dispose(close=False)
        process = self._context.Process(target=_child, args=(self.url, job.id), name=f"job-{job.id}", daemon=False)
        process.start()
        self.running[job.id] = _Running(job, process, time.monotonic())
        log.info("job %s (%s) started in process %s", job.id, job.kind, process.pid)
        return True

    def _watch(self) -> None:
        if not self.running:
            return
        with session_scope(self.engine) as session:
            wanted = dict(session.execute(select(Job.id, Job.cancel_requested)
                                          .where(Job.id.in_(list(self.running)))).all())
        for job_id, run in list(self.running.items()):
            if not run.process.is_alive():
                run.process.join()
                code = run.process.exitcode
                if code:  # the child could not write its end: say how it died
                    how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
                    hint = " (signal 9 is usually the system running out of memory)" if code == -9 else ""
                    queue.fail(self.engine, job_id, f"The job's process {how}{hint}. Nothing it was doing was "
                                                    "saved; queue it again, or ask an admin to read the worker's log.")
                else:  # a clean exit always wrote an end; this only catches one that did not
                    queue.fail(self.engine, job_id, "The job's process ended without a result.")
                self._forget(job_id)
            elif wanted.get(job_id):
                self._kill(run)
                queue.mark_cancelled(self.engine, job_id)
                self._forget(job_id)
            elif time.monotonic() - run.started > run.job.time_limit_s + KILL_GRACE_S:
                self._kill(run)
                queue.fail(self.engine, job_id, queue.time_limit_message(run.job.time_limit_s))
                self._forget(job_id)

    def _forget(self, job_id: int) -> None:
        self.running.pop(job_id, None)
        self.finished += 1

    @staticmethod
    def _kill(run: _Running) -> None:
        run.process.terminate()
        run.process.join(5)
        if run.process.is_alive():
            run.process.kill()
            run.process.join(5)

    def _shut_down(self) -> None:
        for job_id, run in list(self.running.items()):
            self._kill(run)
            queue.fail(self.engine, job_id, "The worker was stopped while this job ran (a restart or shut-down). "
                                            "Nothing it was doing was saved; queue it again.")
            self._forget(job_id)
        try:
            queue.leave(self.engine, self.name)
        finally:
            self.engine.dispose()


def serve(url: str | None = None, *, max_jobs: int | None = None, idle_exit_s: float | None = None,
          **options) -> int:
    """Run a worker in the foreground until SIGTERM or Ctrl-C (the CLI's `worker`)."""
    worker = Worker(url, **options)
    before = {sig: signal.signal(sig, worker.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return worker.run(max_jobs=max_jobs, idle_exit_s=idle_exit_s)
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
