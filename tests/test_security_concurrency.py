"""Two writers at once lose nothing; a write killed half-way leaves no partial rows (both backends)."""
import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from schemas import AuditEvent, Insight, Ward
from tests.conftest import ROOT, actor
from triangulate.access import backup
from triangulate.core import audit
from triangulate.core.db import session_scope

PER_WRITER = 40


def _writer(engine, name: str, errors: list) -> None:
    who = actor("officer", name)
    try:
        for n in range(PER_WRITER):
            with session_scope(engine) as s:
                # read, then write: the pattern of every import's duplicate check
                s.execute(select(func.count()).select_from(Insight).where(Insight.author_name == name)).scalar()
                row = Insight(ward_code="S13002971", author_name=name, role_service="CEO", observed_on=date.today(),
                              text=f"{name} insight {n}", evidence_type="direct observation")
                s.add(row)
                s.flush()
                audit.record(s, who, "create", "insight", row.id)
    except Exception as exc:
        errors.append(repr(exc))


def test_two_writers_at_once_lose_nothing(engine):
    with session_scope(engine) as s:
        s.add(Ward(code="S13002971", name="Govan"))
    errors: list = []
    threads = [threading.Thread(target=_writer, args=(engine, name, errors)) for name in ("ailsa", "bilal")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    with session_scope(engine) as s:
        texts = set(s.execute(select(Insight.text)).scalars())
        events = s.execute(select(func.count()).select_from(AuditEvent)).scalar()
    assert texts == {f"{name} insight {n}" for name in ("ailsa", "bilal") for n in range(PER_WRITER)}
    assert events == 2 * PER_WRITER


def _run_until(url: str, code: str, marker: str) -> None:
    """Run `code` in a child process with DATABASE url; SIGKILL it as soon as it prints `marker`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DB_URL": url}
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env, text=True)
    try:
        for line in child.stdout:
            if marker in line:
                child.send_signal(signal.SIGKILL)
                break
        else:
            pytest.fail(f"child ended without {marker!r}: {child.stderr.read()}")
    finally:
        child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_an_import_killed_half_way_leaves_no_partial_rows(engine):
    with session_scope(engine) as s:
        s.add(Ward(code="S13002971", name="Govan"))
    _run_until(_url(engine), """
        import os, time
        from datetime import date
        from schemas import Insight
        from triangulate.core import db
        engine = db.make_engine(os.environ["DB_URL"])
        with db.session_scope(engine) as s:
            for n in range(500):
                s.add(Insight(ward_code="S13002971", author_name="bulk", role_service="x",
                              observed_on=date.today(), text=f"row {n}", evidence_type="x"))
            s.flush()
            print("HALF-WAY", flush=True)
            time.sleep(60)
    """, "HALF-WAY")
    with session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(Insight)).scalar() == 0
        s.add(Insight(ward_code="S13002971", author_name="after", role_service="x", observed_on=date.today(),
                      text="the database still takes writes", evidence_type="x"))
    with session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(Insight)).scalar() == 1


def test_a_restore_killed_half_way_leaves_the_database_empty(engine, tmp_path):
    from tests.test_security_backup import fill_every_table
    source_path = tmp_path / "source.zip"
    fill_every_table(engine, tmp_path)
    backup.backup(engine, actor("admin"), source_path)
    from tests.test_security_backup import snapshot
    before = snapshot(engine, skip_restore_event=False)
    # restore over the same database (force), killed while it is writing the segments
    _run_until(_url(engine), f"""
        import os, time
        from triangulate.access import backup
        from triangulate.core import db
        from triangulate.core.permissions import SYSTEM
        engine = db.make_engine(os.environ["DB_URL"])
        def progress(table, done, total):
            if table == "segment":
                print("HALF-WAY", flush=True)
                time.sleep(60)
        backup.restore(engine, SYSTEM, {str(source_path)!r}, force=True, progress=progress)
    """, "HALF-WAY")
    # the wipe and the half-written tables were rolled back: exactly what was there before
    assert snapshot(engine, skip_restore_event=False) == before


# --------------------------------------------------------------------------- issue 12 targets
WRITERS, PER_WRITER_BULK = 8, 500


def test_eight_writers_of_500_lose_and_duplicate_nothing(engine):
    """8 writers × 500 insights at once; each commit is one insight plus its audit event."""
    with session_scope(engine) as s:
        s.add(Ward(code="S13002971", name="Govan"))
    errors: list = []

    def write(name: str) -> None:
        try:
            for n in range(PER_WRITER_BULK):
                with session_scope(engine) as s:
                    row = Insight(ward_code="S13002971", author_name=name, role_service="CEO",
                                  observed_on=date.today(), text=f"{name} {n}", evidence_type="direct observation")
                    s.add(row)
                    s.flush()
                    audit.record(s, actor("officer", name), "create", "insight", row.id)
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=write, args=(f"w{i}",)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session_scope(engine) as s:
        texts = list(s.execute(select(Insight.text)).scalars())
    assert len(texts) == len(set(texts)) == WRITERS * PER_WRITER_BULK


def test_four_simultaneous_imports_of_one_file_store_it_once(engine):
    from schemas import ImportBatch
    from triangulate.codebook import issues as codebook
    from triangulate.core.permissions import SYSTEM
    from triangulate.practitioners import importing as insight_import
    codebook.load_default(engine, SYSTEM)
    with session_scope(engine) as s:
        s.add(Ward(code="S13002971", name="Govan"))
    lines = ["ward,date,author,role_service,evidence_type,text,codes"]
    lines += [f"Govan,2026-03-14,Jo Reid,Health visiting,caseload pattern,Row {n} of the file,housing:problem:2"
              for n in range(200)]
    data = ("\n".join(lines) + "\n").encode()
    barrier = threading.Barrier(4)
    results: list = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(insight_import.import_file(engine, actor("researcher"), data, "same.csv"))
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(not isinstance(r, Exception) for r in results), results
    assert sorted(r.already_imported for r in results) == [False, True, True, True]
    with session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(Insight)).scalar() == 200
        assert s.execute(select(func.count()).select_from(ImportBatch)).scalar() == 1


def test_thirty_parallel_sign_ins_lock_the_account(engine):
    from concurrent.futures import ThreadPoolExecutor

    from schemas import User
    from triangulate.access import auth
    from triangulate.core.errors import SignInFailed
    from triangulate.core.permissions import SYSTEM
    auth.create_user(engine, SYSTEM, "lead", "a long enough password", "lead")

    def attempt(n: int) -> bool:
        try:
            auth.sign_in(engine, "lead", f"wrong {n}")
            return True
        except SignInFailed:
            return False

    with ThreadPoolExecutor(max_workers=30) as pool:
        assert not any(pool.map(attempt, range(30)))
    with session_scope(engine) as s:
        assert s.execute(select(User.locked_until)).scalar() is not None
    with pytest.raises(SignInFailed):
        auth.sign_in(engine, "lead", "a long enough password")
