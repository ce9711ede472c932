"""Long work as jobs: a queue on the project's database, run by `python -m triangulate worker`.

Queue with `queue_analysis`, `queue_transcript` (a large upload's redaction and save) or `queue_report`; each
checks the permission the work needs. Read with `visible`, `get`, `latest`; stop with `cancel`.
"""
from triangulate._face import face

__all__, __getattr__, __dir__ = face(__name__, {
    "kinds": ["KINDS", "LARGE_UPLOAD_WORDS", "analysis_under_way", "queue_analysis", "queue_report", "queue_transcript",
              "report_files"],
    "queue": ["ACTIVE", "ENDED", "JobCancelled", "JobTimedOut", "cancel", "get", "latest", "may_manage",
              "sweep", "visible", "workers_alive"],
    "worker": ["Worker", "run_next", "serve"],
})
