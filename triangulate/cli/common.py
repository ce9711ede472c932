"""What every command needs: the engine (migrated) and the acting user."""
from __future__ import annotations

import argparse

from sqlalchemy.engine import Engine

from triangulate import access, core
from triangulate.core import SYSTEM, Actor


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
