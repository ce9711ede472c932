"""`python -m triangulate init` (the README's path for real use) loads the public geography and indicators,
so the first real transcript for Govan has a ward to go to; only `--demo` adds fictional evidence."""
from __future__ import annotations

import subprocess
import sys

from sqlmodel import Session, func, select

from schemas import DataZone, Indicator, Insight, Transcript, User, Ward
from triangulate.core import db


def _init(url: str, tmp_path, *extra: str) -> subprocess.CompletedProcess:
    env = {"DATABASE_URL": url, "TRIANGULATE_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1",
           "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "triangulate", "init", *extra], env=env, capture_output=True,
                          text=True, timeout=600)


def _count(engine, table) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def test_plain_init_loads_geography_and_indicators_but_no_demo(tmp_path):
    url = f"sqlite:///{tmp_path / 'real.db'}"
    done = _init(url, tmp_path)
    assert done.returncode == 0, done.stderr
    engine = db.make_engine(url)
    assert _count(engine, Ward) == 23
    assert _count(engine, DataZone) == 746
    assert _count(engine, Indicator) > 10
    assert _count(engine, User) == 0 and _count(engine, Insight) == 0 and _count(engine, Transcript) == 0
    again = _init(url, tmp_path)  # idempotent: nothing loaded twice
    assert again.returncode == 0 and "nothing loaded" in again.stderr
    assert _count(engine, Ward) == 23
    engine.dispose()


def test_demo_is_never_added_to_a_database_with_accounts(tmp_path):
    url = f"sqlite:///{tmp_path / 'real.db'}"
    assert _init(url, tmp_path).returncode == 0
    from triangulate.access import auth
    from triangulate.core.permissions import SYSTEM

    engine = db.make_engine(url)
    auth.create_user(engine, SYSTEM, "firstadmin", "a long enough password 1", "admin", "Admin", "Data team")
    done = _init(url, tmp_path, "--demo")
    assert done.returncode == 0 and "nothing loaded" in done.stderr
    assert _count(engine, Insight) == 0 and _count(engine, User) == 1
    engine.dispose()
