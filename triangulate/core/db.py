"""Engine and sessions. `DATABASE_URL` picks the database (default: a SQLite file); Alembic migrates it."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, create_engine

import schemas  # noqa: F401  (registers every table on the metadata)
from triangulate.core.config import database_url
from triangulate.core.errors import TriangulateError

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@event.listens_for(OrmSession, "before_flush")
def _refuse_nul_characters(session, _flush_context, _instances) -> None:
    """PostgreSQL cannot store a NUL character in text and SQLite truncates at it in places: refuse it
    for every table in one place, so each form and importer need not remember to."""
    for obj in (*session.new, *session.dirty):
        table = getattr(obj, "__table__", None)
        if table is None:
            continue
        for column in table.columns:
            value = getattr(obj, column.key, None)
            if isinstance(value, str) and "\x00" in value:
                raise TriangulateError(
                    f"The {column.key.replace('_', ' ')} contains a NUL character (\\x00), which cannot be "
                    "stored. Remove it (it usually comes from a binary file or a bad copy-paste) and try again.")


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL lets readers work while one writer writes; busy_timeout waits instead of failing.
            cursor = dbapi_connection.cursor()
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process (Streamlit reruns reuse it)."""
    return make_engine(url)


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration; an existing database keeps its data."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def is_empty(engine: Engine) -> bool:
    """True when there is no schema yet or no ward has been loaded."""
    if not inspect(engine).has_table("ward"):
        return True
    from sqlmodel import select

    from schemas import Ward

    with Session(engine) as session:
        return session.exec(select(Ward).limit(1)).first() is None


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work: everything in it commits together or not at all."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
