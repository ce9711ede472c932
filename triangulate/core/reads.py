"""Reads for the pages: a library function that works inside a caller's session, offered on the engine instead.

The numbers and the codebook compose their reads inside one session (`ward_values`, `issues`); pages and the
command line call them through their package's face on the engine, each read in a session of its own, so no page
opens a session or holds a query.
"""
from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from triangulate.core.db import session_scope


def on_engine(read: Callable[..., Any]) -> Callable[..., Any]:
    """`read(session, …)` as `read(engine, …)`, opening and closing its own session. The module's function is
    looked up at each call, so a test that patches it patches this too."""
    module, name = read.__module__, read.__name__

    @functools.wraps(read)
    def on(engine: Engine, *args, **kwargs):
        with session_scope(engine) as session:
            return getattr(sys.modules[module], name)(session, *args, **kwargs)

    return on
