"""What every command needs: the engine (migrated) and the acting user."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.engine import Engine

from triangulate import access, core
from triangulate.core import SYSTEM, Actor, ImportFailed


def engine_for(args: argparse.Namespace) -> Engine:
    engine = core.get_engine(getattr(args, "database_url", None))
    core.upgrade(engine)
    return engine


def actor_for(args: argparse.Namespace, engine: Engine) -> Actor:
    """The command line runs as the named user, or as the system account (the machine's operator)."""
    username = getattr(args, "as_user", None)
    if not username:
        return SYSTEM
    return access.active_account(engine, username)


def write_out(text: str, out: str | Path | None, said: str | None = None) -> None:
    """An export's text to the file named by --out (then `said` on standard error), or to standard output."""
    if out:
        Path(out).write_text(text, encoding="utf-8")
        if said:
            print(said, file=sys.stderr)
    else:
        sys.stdout.write(text)


def report_problems(exc: ImportFailed, nothing: str = "nothing was imported") -> int:
    """Every problem of a refused import on standard error, one a line; the exit code for refused input."""
    print(f"error: {nothing}; {len(exc.problems)} problem(s):", file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def import_named_file(args: argparse.Namespace, importer, said, nothing: str = "nothing was imported",
                      **options) -> int:
    """The command's FILE through `importer(engine, actor, its bytes, its name, **options)` as the acting user,
    then `said(result)` on standard output; a refused file prints its problems instead (exit code 1)."""
    engine = engine_for(args)
    try:
        result = importer(engine, actor_for(args, engine), args.file.read_bytes(), args.file.name, **options)
    except ImportFailed as exc:
        return report_problems(exc, nothing)
    print(said(result))
    return 0
