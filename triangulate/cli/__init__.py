"""`python -m triangulate …`: the same operations as the app, for batch work.

Each module in this package registers its own subcommands with `register(subparsers)`, so the strands
add commands without touching one another. Exit codes: 0 done, 1 refused or invalid input (message on
stderr), 2 wrong usage.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from sqlalchemy.exc import DBAPIError

from triangulate.core import TriangulateError, explain


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m triangulate",
                                     description="Triangulate: numbers, practitioners and residents, side by side.")
    parser.add_argument("--database-url", help="overrides DATABASE_URL for this command")
    parser.add_argument("--as-user", default=None,
                        help="username to act as (default: the system account for set-up commands)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except TriangulateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"error: no such file: {exc.filename}. Check the path.", file=sys.stderr)
        return 1
    except (OSError, RecursionError, DBAPIError) as exc:
        message = explain(exc)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 1
