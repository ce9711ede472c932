"""Engine and sessions. `DATABASE_URL` picks the database (default: a SQLite file); Alembic migrates it."""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.pool import Pool
from sqlmodel import Session, create_engine

import schemas  # registers every table on the metadata
from triangulate.core import terms
from triangulate.core.config import database_url
from triangulate.core.errors import NotFound, TriangulateError

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


@event.listens_for(OrmSession, "before_flush")
def _store_terms(session, _flush_context, _instances) -> None:
    """Each insight's and segment's specific terms are worked out when its text is written, not every time the
    joint display is drawn (`core.terms`; read by `joint.signals`)."""
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, schemas.Insight):
            if obj.terms is None or _changed(obj, "text"):
                obj.terms = terms.encode(terms.terms(obj.text))
        elif isinstance(obj, schemas.Segment) and (obj.terms is None or _changed(obj, "text", "entities")):
            obj.terms = terms.encode(terms.segment_terms(obj.text, obj.entities))


def _changed(obj, *columns: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[c].history.has_changes() for c in columns)


# --------------------------------------------------------------------------- the data version
# Every committed write to a table that can change an analysis moves `DataVersion.version` on by one, in the
# same transaction as the write: the in-process caches (`core.caches`) key on it, so a write by any process
# (another server replica, the worker, the CLI) makes every process's cached joint display out of date.
# Writes are noticed at the driver (every INSERT/UPDATE/DELETE, ORM or not) and the number is moved on just
# before COMMIT, so the row is locked only for the commit itself, not for a long import's whole transaction.
VERSION_TABLE = schemas.DataVersion.__tablename__
# Tables whose rows change no analysis: who did what, who may sign in, the queue, the version itself.
UNVERSIONED_TABLES = frozenset({VERSION_TABLE, "auditevent", "user", "job", "alembic_version"})
# Tables the numbers strand's ward values are worked out from: a write to one also moves `numbers_version`.
NUMBERS_TABLES = frozenset({"ward", "datazone", "issue", "indicator", "indicatorissue", "indicatorvalue",
                            "importbatch"})
_WRITE = re.compile(r'\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+'
                    r'(?:"?\w+"?\.)?"?(\w+)"?', re.IGNORECASE)
_WROTE = "triangulate_wrote"  # connection info flag: this transaction wrote a versioned table


@event.listens_for(Engine, "after_cursor_execute")
def _note_write(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    match = _WRITE.match(statement)
    if match:
        table = match.group(1).lower()
        if table not in UNVERSIONED_TABLES:
            conn.info[_WROTE] = "numbers" if table in NUMBERS_TABLES or conn.info.get(_WROTE) == "numbers" else "data"


@event.listens_for(Engine, "commit")
def _bump_version(conn) -> None:
    wrote = conn.info.pop(_WROTE, None)
    if not wrote:
        return
    also = ", numbers_version = numbers_version + 1" if wrote == "numbers" else ""
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(f"UPDATE {VERSION_TABLE} SET version = version + 1{also} WHERE id = 1")
    finally:
        cursor.close()


@event.listens_for(Engine, "rollback")
def _forget_write(conn) -> None:
    conn.info.pop(_WROTE, None)


@event.listens_for(Pool, "reset")
def _forget_write_on_return(_dbapi_connection, record, _reset_state) -> None:
    record.info.pop(_WROTE, None)


def pending_writes(conn: Connection) -> bool:
    """True when this connection's open transaction has written a versioned table (not yet committed):
    what it reads then is not what the data version names, so it must not be cached."""
    return bool(conn.info.get(_WROTE))


def data_version(bind: Engine | Connection, column: str = "version") -> int | None:
    """The database's data version (moves on with every committed write that can change an analysis; with
    column="numbers_version", only with writes to the numbers' tables); None when the database has no
    version row (then nothing read from it may be cached)."""
    if column not in ("version", "numbers_version"):
        raise ValueError(f"no data version column {column!r}")
    sql = f"SELECT {column} FROM {VERSION_TABLE} WHERE id = 1"
    try:
        if isinstance(bind, Connection):
            return bind.exec_driver_sql(sql).scalar()
        with bind.connect() as conn:
            return conn.exec_driver_sql(sql).scalar()
    except DBAPIError:
        return None


def _seed_version(engine: Engine) -> None:
    """The version row, starting at a number taken from the clock (microseconds): a database deleted and made
    again at the same address cannot repeat the versions an old process cached under."""
    with Session(engine) as session:
        if session.get(schemas.DataVersion, 1) is None:
            start = time.time_ns() // 1000
            session.add(schemas.DataVersion(id=1, version=start, numbers_version=start))
            session.commit()


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
    _seed_version(engine)


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


def get_or_not_found(session: Session, table, key, message: str):
    """The row of `table` with primary key `key`, or NotFound(`message`), which tells the user what to do."""
    row = session.get(table, key)
    if row is None:
        raise NotFound(message)
    return row
