"""`worker`: run queued jobs (analysis, large uploads, reports) until stopped; `jobs`: list them."""
from __future__ import annotations

import logging
import sys

from triangulate import jobs
from triangulate.cli.common import actor_for, engine_for


def register(sub) -> None:
    p = sub.add_parser("worker", help="run queued jobs (analysis, large uploads, reports) until stopped")
    p.add_argument("--kinds", default=",".join(jobs.KINDS),
                   help=f"comma-separated kinds of job to take (default: all: {', '.join(jobs.KINDS)})")
    p.add_argument("--concurrency", type=int, default=2, help="jobs at once, never two of one kind (default 2)")
    p.add_argument("--poll", type=float, default=1.0, help="seconds between looks at the queue (default 1)")
    p.add_argument("--max-jobs", type=int, default=None, help="stop after this many jobs")
    p.add_argument("--idle-exit", type=float, default=None, help="stop after this many seconds with nothing to do")
    p.set_defaults(handler=_worker)

    p = sub.add_parser("jobs", help="list the recent jobs (as --as-user sees them; all for the system account)")
    p.set_defaults(handler=_jobs)


def _worker(args) -> int:
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = set(kinds) - set(jobs.KINDS)
    if unknown:
        print(f"error: unknown kind(s) {', '.join(sorted(unknown))}; choose from {', '.join(jobs.KINDS)}.",
              file=sys.stderr)
        return 1
    engine = engine_for(args)  # migrated before the first claim
    logging.basicConfig(format="%(asctime)s worker %(message)s", stream=sys.stderr)
    logging.getLogger("triangulate.worker").setLevel(logging.INFO)  # jobs started; not every library's chatter
    print(f"Worker taking {', '.join(kinds)} jobs from {engine.url.render_as_string(hide_password=True)}; "
          "stop with Ctrl-C.", file=sys.stderr)
    done = jobs.serve(engine.url.render_as_string(hide_password=False), kinds=kinds, concurrency=args.concurrency,
                      poll_s=args.poll, max_jobs=args.max_jobs, idle_exit_s=args.idle_exit)
    print(f"Worker stopped after {done} job(s).", file=sys.stderr)
    return 0


def _jobs(args) -> int:
    engine = engine_for(args)
    actor = actor_for(args, engine)
    for job in jobs.visible(engine, actor, recent_s=7 * 24 * 3600):
        line = f"{job.id}\t{job.kind}\t{job.status}\t{job.progress:.0%}\t{job.queued_by}\t{job.title}"
        print(line + (f"\t{job.error}" if job.error else ""))
    return 0
