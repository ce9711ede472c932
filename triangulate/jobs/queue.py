"""The job queue on the project's own database (table `Job`): enqueue, claim, progress, finish, cancel, sweep.

Why a table of our own rather than `procrastinate`: procrastinate runs on PostgreSQL only, and Triangulate's
default is a SQLite file; one small table serves both, with one claim rule each:

- PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` picks the oldest waiting job no other worker holds, and the
  conditional UPDATE in the same transaction marks it running;
- SQLite: one conditional `UPDATE … WHERE id = (oldest waiting) AND status = 'queued'` (SQLite runs one writer
  at a time, so the statement is the lock).

On both, the partial unique index `uq_job_one_running_per_kind` refuses a second running job of a kind, so two
workers racing for two analyses cannot both start one. A claimed job carries a heartbeat; a job whose worker
stops beating is marked failed by the next sweep (any worker, or any page reading job states), never left
"running" for ever. The raw bytes of an upload (`payload`) are cleared whenever a job ends, however it ends.
"""
from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import defer

from schemas import Job, JobWorker, utcnow
from triangulate.core import audit
from triangulate.core.db import get_or_not_found, session_scope
from triangulate.core.errors import NotFound, PermissionDenied, TriangulateError
from triangulate.core.permissions import Actor

ACTIVE = ("queued", "running")
ENDED = ("done", "failed", "cancelled")
STALE_AFTER_S = 60  # a running job whose worker has not beaten for this long is marked failed
KEEP_S = 24 * 3600  # an upload waits this long for a worker at most; a report's files are kept this long
WORKER_ALIVE_S = 30  # a worker seen this recently counts as running
PROGRESS_EVERY_S = 0.5  # progress is written at most this often (the last step always)


class JobCancelled(TriangulateError):
    """Raised inside a running job when someone cancelled it: its transaction rolls back."""


class JobTimedOut(TriangulateError):
    """Raised inside a running job past its time limit."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands datetimes back without a zone; they were written in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


# --------------------------------------------------------------------------- enqueue (callers check permissions)
def enqueue(engine: Engine, actor: Actor, kind: str, title: str, params: dict, *, payload: bytes | None = None,
            time_limit_s: int = 3600, coalesce: bool = False) -> Job:
    """Add a job; `coalesce` returns the job of this kind already waiting instead of queuing a second one
    (an analysis covers every segment, so two waiting analyses would do the same work twice)."""
    with session_scope(engine) as session:
        if coalesce:
            waiting = session.execute(select(Job).where(Job.kind == kind, Job.status == "queued")
                                      .order_by(Job.id)).scalars().first()
            if waiting is not None:
                return waiting
        job = Job(kind=kind, queued_by=actor.username, title=title, time_limit_s=int(time_limit_s),
                  params={**params, "actor": {"username": actor.username, "role": actor.role, "id": actor.id,
                                              "display_name": actor.display_name}},
                  payload=payload, message="Waiting for a worker…")
        session.add(job)
        session.flush()
        audit.record(session, actor, "queue", "job", job.id, kind=kind, title=title)
        return job


def acting_user(job: Job) -> Actor:
    who = job.params.get("actor", {})
    return Actor(username=who.get("username", job.queued_by), role=who.get("role", ""), id=who.get("id"),
                 display_name=who.get("display_name", ""))


# --------------------------------------------------------------------------- claim
def claim(engine: Engine, worker: str, kinds: Iterable[str] | None = None) -> Job | None:
    """The oldest waiting job of `kinds` (all when None) whose kind is not running anywhere, marked running for
    `worker`; None when there is none (or another worker took it first)."""
    waiting = [Job.status == "queued"]
    if kinds is not None:
        kinds = list(kinds)
        if not kinds:
            return None
        waiting.append(Job.kind.in_(kinds))
    running_kinds = select(Job.kind).where(Job.status == "running").scalar_subquery()
    oldest = select(Job.id).where(*waiting, Job.kind.not_in(running_kinds)).order_by(Job.id).limit(1)
    now = utcnow()
    values = dict(status="running", worker=worker, started_at=now, heartbeat_at=now, progress=0.0,
                  message="Starting…")
    try:
        with session_scope(engine) as session:
            if engine.dialect.name == "postgresql":
                job_id = session.execute(oldest.with_for_update(skip_locked=True)).scalar()
                if job_id is None:
                    return None
                session.execute(update(Job).where(Job.id == job_id).values(**values))
            else:
                job_id = session.execute(update(Job).where(Job.id == oldest.scalar_subquery(),
                                                           Job.status == "queued").values(**values)
                                         .returning(Job.id)).scalar()
                if job_id is None:
                    return None
            return session.get(Job, job_id)
    except IntegrityError:  # another worker started a job of this kind at the same moment: it keeps it
        return None
    except OperationalError as exc:  # SQLite busy past its timeout: try again at the next poll
        if "locked" in str(exc).lower():
            return None
        raise


# --------------------------------------------------------------------------- while it runs
def beat(engine: Engine, worker: str, job_ids: Iterable[int] = (), kinds: Iterable[str] = ()) -> None:
    """The worker is alive, and so are its running jobs."""
    now = utcnow()
    ids = list(job_ids)
    with session_scope(engine) as session:
        if ids:
            session.execute(update(Job).where(Job.id.in_(ids), Job.status == "running").values(heartbeat_at=now))
        row = session.get(JobWorker, worker)
        if row is None:
            session.add(JobWorker(name=worker, started_at=now, seen_at=now, kinds=list(kinds)))
        else:
            row.seen_at, row.kinds = now, list(kinds)


def leave(engine: Engine, worker: str) -> None:
    with session_scope(engine) as session:
        session.execute(delete(JobWorker).where(JobWorker.name == worker))


def set_progress(engine: Engine, job_id: int, fraction: float, message: str) -> tuple[bool, datetime | None]:
    """Store progress; returns (cancel requested, started at)."""
    fraction = min(max(float(fraction), 0.0), 1.0)
    with session_scope(engine) as session:
        session.execute(update(Job).where(Job.id == job_id, Job.status == "running")
                        .values(progress=fraction, message=str(message)[:2000], heartbeat_at=utcnow()))
        row = session.execute(select(Job.cancel_requested, Job.started_at, Job.status)
                              .where(Job.id == job_id)).first()
    if row is None:
        return True, None
    return bool(row.cancel_requested) or row.status != "running", aware(row.started_at)


class Progress:
    """The `progress(fraction, message)` callback a library function gets inside a job: writes progress (at
    most every PROGRESS_EVERY_S), and stops the work (`JobCancelled`, `JobTimedOut`) between two steps."""

    def __init__(self, engine: Engine, job: Job):
        self.engine, self.job_id, self.limit = engine, job.id, job.time_limit_s
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_S and fraction < 1.0:
            return
        self.last = now
        cancelled, _ = set_progress(self.engine, self.job_id, fraction, message)
        if cancelled:
            raise JobCancelled("Cancelled.")
        if now - self.started > self.limit:
            raise JobTimedOut(time_limit_message(self.limit))


def time_limit_message(limit_s: int) -> str:
    return (f"Stopped: the job took longer than its time limit of {limit_s // 60} min {limit_s % 60} s. Nothing "
            "it was doing was saved. Try again when the server is less busy, or ask an admin to raise the limit "
            "(TRIANGULATE_JOB_LIMIT_S).")


# --------------------------------------------------------------------------- ends (each clears the payload)
def _end(engine: Engine, job_id: int, status: str, **values) -> bool:
    """Mark a running (or waiting) job ended; False when it had already ended (e.g. cancelled meanwhile)."""
    with session_scope(engine) as session:
        result = session.execute(update(Job).where(Job.id == job_id, Job.status.in_(ACTIVE))
                                 .values(status=status, payload=None, finished_at=utcnow(), **values))
        return result.rowcount == 1


def finish(engine: Engine, job_id: int, result: dict, output: bytes | None = None, message: str = "Done.") -> bool:
    return _end(engine, job_id, "done", result=result, output=output, progress=1.0, message=message)


def fail(engine: Engine, job_id: int, error: str) -> bool:
    return _end(engine, job_id, "failed", error=str(error)[:4000], message="Failed.")


def mark_cancelled(engine: Engine, job_id: int) -> bool:
    return _end(engine, job_id, "cancelled", message="Cancelled.")


def may_manage(actor: Actor | None, job: Job) -> bool:
    return actor is not None and (actor.role == "admin" or actor.username == job.queued_by)


def cancel(engine: Engine, actor: Actor, job_id: int) -> Job:
    """Cancel a job (the person who queued it, or an admin): a waiting one ends now; a running one is stopped
    by its worker within a few seconds, and nothing it was doing is saved."""
    with session_scope(engine) as session:
        job = get_or_not_found(session, Job, job_id, f"No job {job_id}.")
        if not may_manage(actor, job):
            raise PermissionDenied(f"{actor.username} ({actor.role}) may not cancel job {job_id}: only "
                                   f"{job.queued_by}, who queued it, or an admin may.")
        if job.status not in ACTIVE:
            raise TriangulateError(f"Job {job_id} has already ended ({job.status}); there is nothing to cancel.")
        if job.status == "queued":
            job.status, job.payload, job.finished_at, job.message = "cancelled", None, utcnow(), "Cancelled."
        job.cancel_requested, job.cancelled_by = True, actor.username
        audit.record(session, actor, "cancel", "job", job_id, kind=job.kind, was=job.status)
        session.flush()
        return job


# --------------------------------------------------------------------------- sweep
def sweep(engine: Engine, now: datetime | None = None, stale_after_s: int = STALE_AFTER_S) -> int:
    """Mark failed every running job whose worker stopped beating; clear any payload left on an ended job;
    forget workers gone for a day. Returns how many jobs it marked failed. Cheap: pages call it too."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=stale_after_s)
    with session_scope(engine) as session:  # read first: most sweeps find nothing and so write nothing
        lost = session.execute(select(Job.id, Job.worker, Job.heartbeat_at).where(
            Job.status == "running", or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < cutoff))).all()
        left = session.execute(select(Job.id).where(Job.status.in_(ENDED), Job.payload.is_not(None))).first()
        gone = session.execute(select(JobWorker.name).where(JobWorker.seen_at < now - timedelta(days=1))).first()
        old = now - timedelta(seconds=KEEP_S)
        waited = session.execute(select(Job.id).where(Job.status == "queued", Job.payload.is_not(None),
                                                      Job.created_at < old)).scalars().all()
        kept = session.execute(select(Job.id).where(Job.output.is_not(None), Job.finished_at < old)).first()
    if not (lost or left or gone or waited or kept):
        return 0
    with session_scope(engine) as session:
        for job_id, worker, seen in lost:
            when = aware(seen).strftime("%H:%M:%S UTC") if seen else "its start"
            session.execute(update(Job).where(Job.id == job_id, Job.status == "running").values(
                status="failed", payload=None, finished_at=now, message="Failed.",
                error=f"The worker running this job ({worker}) stopped: no sign of life since {when}. Nothing "
                      "it was doing was saved. Queue it again."))
        # An upload nobody ran within a day: its raw file is not kept waiting longer (retention: raw bytes are
        # held only while needed).
        session.execute(update(Job).where(Job.id.in_(list(waited) or [-1]), Job.status == "queued").values(
            status="failed", payload=None, finished_at=now, message="Failed.",
            error="No worker ran this upload within a day, so its file was deleted unread. Upload it again once a "
                  "worker runs (`python -m triangulate worker`)."))
        session.execute(update(Job).where(Job.status.in_(ENDED), Job.payload.is_not(None)).values(payload=None))
        session.execute(update(Job).where(Job.output.is_not(None), Job.finished_at < old).values(output=None))
        session.execute(delete(JobWorker).where(JobWorker.seen_at < now - timedelta(days=1)))
    return len(lost)


def forget_outputs(session) -> int:
    """Drop every finished job's files (a report holds insight text and resident quotes): erasure calls this in
    its own transaction, so an erased text does not live on in a report waiting to be downloaded."""
    return session.execute(update(Job).where(Job.output.is_not(None)).values(output=None)).rowcount


# --------------------------------------------------------------------------- reading
def get(engine: Engine, actor: Actor, job_id: int) -> Job:
    with session_scope(engine) as session:
        job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"No job {job_id}.")
    if not may_manage(actor, job):
        raise PermissionDenied(f"Job {job_id} was queued by someone else; only they and admins see it.")
    return job


def visible(engine: Engine, actor: Actor, kinds: Iterable[str] = (), recent_s: int = 3600) -> list[Job]:
    """Jobs to show this person: their own that are waiting, running or ended in the last `recent_s` seconds;
    admins see everyone's. Also anyone's waiting or running jobs of `kinds` (e.g. an analysis someone else
    queued), so a researcher sees why theirs waits. Without payloads or outputs."""
    sweep(engine)
    since = utcnow() - timedelta(seconds=recent_s)
    mine = True if actor.role == "admin" else Job.queued_by == actor.username
    shared = and_(Job.kind.in_(list(kinds) or ["-"]), Job.status.in_(ACTIVE))
    columns = [c for c in Job.__table__.columns if c.key not in ("payload", "output")]
    with session_scope(engine) as session:
        rows = session.execute(select(*columns).where(or_(
            and_(mine, or_(Job.status.in_(ACTIVE), Job.finished_at >= since)), shared))
            .order_by(Job.id.desc()).limit(20)).all()
    return [Job(**row._mapping) for row in rows]


def latest(engine: Engine, actor: Actor, kind: str, **params) -> Job | None:
    """This person's newest job of `kind` whose params include `params` (e.g. ward_code=…)."""
    with session_scope(engine) as session:  # without the blobs: a page asks this at every rerun
        rows = session.execute(select(Job).options(defer(Job.payload), defer(Job.output))
                               .where(Job.kind == kind, Job.queued_by == actor.username)
                               .order_by(Job.id.desc()).limit(50)).scalars().all()
        found = next((j for j in rows if all(j.params.get(k) == v for k, v in params.items())), None)
        if found is not None:
            session.expunge(found)
        return found


def workers_alive(engine: Engine, within_s: int = WORKER_ALIVE_S) -> int:
    with session_scope(engine) as session:
        return len(session.execute(select(JobWorker.name).where(
            JobWorker.seen_at >= utcnow() - timedelta(seconds=within_s))).all())
