"""What every command needs: the engine (migrated) and the acting user."""
from __future__ import annotations

import argparse

from sqlalchemy.engine import Engine
from sqlmodel import select

from schemas import User
from triangulate import core
from triangulate.access import actor_of
from triangulate.core import SYSTEM, Actor, TriangulateError


def engine_for(args: argparse.Namespace) -> Engine:
    engine = core.get_engine(getattr(args, "database_url", None))
    core.upgrade(engine)
    return engine


def actor_for(args: argparse.Namespace, engine: Engine) -> Actor:
    """The command line runs as the named user, or as the system account (the machine's operator)."""
    username = getattr(args, "as_user", None)
    if not username:
        return SYSTEM
    with core.session_scope(engine) as session:
        user = session.exec(select(User).where(User.username == username.lower())).first()
        if user is None or not user.active:
            raise TriangulateError(f"No active account called {username!r}; see `create-user`.")
        return actor_of(user)
