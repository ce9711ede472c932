"""Fixtures: every test builds its own data in a temporary database.

`engine` is an empty, migrated database: a SQLite file, and also a fresh PostgreSQL database when
TEST_DATABASE_URL is set (CI sets it), so every database test runs on both.
`demo_engine` is a copy of a database filled once per session with the embedded default data.
"""
from __future__ import annotations

import os
import shutil
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRIANGULATE_WARMUP", "0")  # no server warm-up threads in AppTests (tests/test_warmup.py)
# The suite runs on MiniLM, 7x faster than the default mpnet: it tests the code, not the model's accuracy (that is
# bench/bench_assignment.py's job); tests/test_embedder_mpnet.py loads the default model itself.
os.environ.setdefault("TRIANGULATE_EMBEDDER", "minilm")

from hypothesis import settings as hypothesis_settings  # noqa: E402

# No per-example deadline anywhere: the suite must pass on a busy shared machine (a property test that took 250 ms
# once under load is not a failure of the code under test)
hypothesis_settings.register_profile("triangulate", deadline=None)
hypothesis_settings.load_profile("triangulate")

from triangulate.core import db  # noqa: E402
from triangulate.core.permissions import Actor  # noqa: E402

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgres"] if TEST_DATABASE_URL else [])


def pytest_terminal_summary(terminalreporter):
    hostile = sys.modules.get("tests.hostile_support")  # loaded only when a hostile-input test ran
    if hostile is not None:
        hostile.report_counts(terminalreporter)


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "empty.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template() -> str | None:
    """A migrated PostgreSQL database used as the template of each test's own database."""
    if not TEST_DATABASE_URL:
        return None
    name = f"tri_tmpl_{uuid.uuid4().hex[:8]}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(TEST_DATABASE_URL).set(database=name)
    engine = db.make_engine(url.render_as_string(hide_password=False))
    db.upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _postgres_copy(template: str):
    name = f"tri_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    return admin, name, url


@contextmanager
def empty_database(backend: str, path: Path, sqlite_template: Path, request):
    """An empty migrated database on `backend`, dropped afterwards (PostgreSQL: a copy of the template)."""
    if backend == "sqlite":
        shutil.copy(sqlite_template, path)
        eng = db.make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
        return
    admin, name, url = _postgres_copy(request.getfixturevalue("postgres_template"))
    eng = db.make_engine(url)
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path, migrated_sqlite_template):
    """An empty migrated database on each backend under test."""
    with empty_database(request.param, tmp_path / "test.db", migrated_sqlite_template, request) as eng:
        yield eng


@pytest.fixture
def sqlite_engine(tmp_path, migrated_sqlite_template):
    path = tmp_path / "test.db"
    shutil.copy(migrated_sqlite_template, path)
    eng = db.make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A SQLite database filled once with `demo.load` (the embedded default)."""
    from triangulate import demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine = db.make_engine(f"sqlite:///{path}")
    # The template's topic model gets a data folder of its own: a test's erasure sweeps the shared data folder
    # of model folders its own database does not own, and must not take the template's.
    before = os.environ.get("TRIANGULATE_DATA_DIR")
    os.environ["TRIANGULATE_DATA_DIR"] = str(tmp_path_factory.mktemp("demo-data"))
    try:
        demo.load(engine)
    finally:
        if before is None:
            os.environ.pop("TRIANGULATE_DATA_DIR", None)
        else:
            os.environ["TRIANGULATE_DATA_DIR"] = before
    engine.dispose()
    return path


@pytest.fixture
def demo_db_path(tmp_path, demo_template) -> Path:
    path = tmp_path / "demo.db"
    shutil.copy(demo_template, path)
    return path


@pytest.fixture
def demo_engine(demo_db_path):
    eng = db.make_engine(f"sqlite:///{demo_db_path}")
    yield eng
    eng.dispose()


@pytest.fixture
def app_env(demo_db_path, monkeypatch, tmp_path):
    """Point the app (AppTest) at a private copy of the demo database."""
    from tests.apptest_helpers import point_app_at

    point_app_at(demo_db_path, monkeypatch, tmp_path)
    yield demo_db_path
    db.get_engine.cache_clear()


@pytest.fixture
def planted_app(tmp_path, monkeypatch):
    """The app on a database holding the planted Govan scenario (tests/joint_scenario.py): all four verdicts."""
    from tests import joint_scenario as js
    from tests.apptest_helpers import app_database

    with app_database(tmp_path, monkeypatch, "planted.db") as engine:
        js.plant_govan(engine)
        yield engine


def actor(role: str, username: str | None = None, id: int | None = None) -> Actor:
    return Actor(username=username or role, role=role, id=id)


@pytest.fixture
def as_role():
    return actor
