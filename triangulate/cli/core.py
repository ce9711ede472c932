"""Set-up commands: init, create-user."""
from __future__ import annotations

import getpass
import os
import sys
import time

from triangulate import access, demo
from triangulate.cli.common import actor_for, engine_for
from triangulate.core import ROLES


def register(sub) -> None:
    p = sub.add_parser("init", help="create or upgrade the database; an empty one gets Glasgow's public data")
    p.add_argument("--demo", action="store_true",
                   help="also load demo accounts and the illustrative (fictional) insights and transcripts")
    p.add_argument("--wait", action="store_true",
                   help="with --demo, fit the demo's topics now (about 20 s more) instead of queuing them for the "
                        "worker; for scripts that read the topics straight after")
    p.set_defaults(handler=_init)

    p = sub.add_parser("create-user", help="create a local account (the first one needs no sign-in)")
    p.add_argument("username")
    p.add_argument("--role", choices=ROLES, required=True)
    p.add_argument("--name", default="", help="display name")
    p.add_argument("--service", default="", help="role or service, e.g. 'Health visiting'")
    p.add_argument("--password-env", default="TRIANGULATE_PASSWORD",
                   help="environment variable holding the password (else it is asked for)")
    p.set_defaults(handler=_create_user)


def _init(args) -> int:
    started = time.perf_counter()
    engine = engine_for(args)
    # A plain `init` is the path for real use: the first transcript for Govan needs Govan to exist.
    # With --demo the topic fit (BERTopic, UMAP: 20 s or more) is a job for the worker unless --wait.
    loaded = demo.load(engine, progress=lambda step: print(f"  {step}", file=sys.stderr), demo=args.demo,
                       fit_topics=args.wait)
    if not loaded:
        print("The database already holds data; nothing loaded.", file=sys.stderr)
    print(f"Database ready ({engine.url.render_as_string(hide_password=True)}) "
          f"in {time.perf_counter() - started:.1f} s.")
    if loaded and args.demo and not args.wait:
        from triangulate import jobs
        from triangulate.core import SYSTEM

        job = jobs.analysis_under_way(engine, SYSTEM)
        if job is not None:
            print(f"The demo's topics are being fitted in the background: analysis job {job.id}, run by the worker "
                  "(`make run` starts one; else `python -m triangulate worker`). Every segment's issue is "
                  "assigned already. `init --demo --wait` fits the topics before returning.")
    return 0


def _create_user(args) -> int:
    engine = engine_for(args)
    actor = actor_for(args, engine)
    password = os.environ.get(args.password_env)
    if password is None:
        if not sys.stdin.isatty():
            print(f"error: set {args.password_env} or run in a terminal to type the password.", file=sys.stderr)
            return 1
        password = getpass.getpass("Password: ")
    user = access.create_user(engine, actor, args.username, password, args.role, args.name, args.service)
    print(f"Created {user.username} ({user.role}).")
    return 0
