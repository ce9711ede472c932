"""Long work as jobs: a queue on the project's database, run by `python -m triangulate worker`.

Queue with `queue_analysis`, `queue_transcript` (a large upload's redaction and save) or `queue_report`; each
checks the permission the work needs. Read with `visible`, `get`, `latest`; stop with `cancel`.
"""
from triangulate.jobs.kinds import (
    KINDS,
    LARGE_UPLOAD_WORDS,
    queue_analysis,
    queue_report,
    queue_transcript,
    report_files,
)
from triangulate.jobs.queue import (
    ACTIVE,
    ENDED,
    JobCancelled,
    JobTimedOut,
    cancel,
    get,
    latest,
    may_manage,
    sweep,
    visible,
    workers_alive,
)
from triangulate.jobs.worker import Worker, run_next, serve

__all__ = ["ACTIVE", "ENDED", "KINDS", "LARGE_UPLOAD_WORDS", "JobCancelled", "JobTimedOut", "Worker", "cancel",
           "get", "latest", "may_manage", "queue_analysis", "queue_report", "queue_transcript", "report_files",
           "run_next", "serve", "sweep", "visible", "workers_alive"]
