"""Several servers on one PostgreSQL database: two worker processes (`python -m triangulate worker`, as on two
machines) and two library clients (as two app replicas, each with its own connections). Work queued from either
client is done exactly once and both see the same outcome. Needs TEST_DATABASE_URL.

No wall-clock assertion: the test waits for states with a generous bound.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from schemas import AuditEvent, Job, JobWorker, TopicModel, Transcript
from tests.conftest import TEST_DATABASE_URL, actor
from triangulate import demo, jobs
from triangulate.core import db
from triangulate.core.db import session_scope

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL")]
ROOT = Path(__file__).resolve().parent.parent
ANA, BEN = actor("researcher", "ana"), actor("researcher", "ben")
LINES = ["The damp in the back bedroom never goes and the boy's chest is bad with it.",
         "Heating costs more than the rent some months, so we sit in our coats.",
         "The bus into town is too dear for the three of us, so we walk when we can.",
         "School uniform and trips add up, and there is no help with the trips.",
         "The food bank is the only thing that gets us to the end of the month."]


def _transcript(k: int) -> bytes:
    body = "\n".join(f"Interviewer: And what about that?\nResident: {line} (visit {k}, point {i})"
                     for i, line in enumerate(LINES))
    return body.encode("utf-8")


@pytest.fixture
def shared_database(postgres_template, tmp_path):
    name = f"tri_two_{uuid.uuid4().hex[:8]}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    setup = db.make_engine(url)
    demo.load(setup, demo=False)  # Glasgow's wards and the codebook: the public data real use starts from
    setup.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _start_worker(url: str, data_dir: Path, log: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, TRIANGULATE_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1",
               PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "triangulate", "worker", "--poll", "0.2"], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def _all_ended(engine, ids, bound_s=600.0) -> list[Job]:
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        with session_scope(engine) as session:
            rows = list(session.execute(select(Job).where(Job.id.in_(ids)).order_by(Job.id)).scalars())
        if all(j.status in jobs.ENDED for j in rows):
            return rows
        time.sleep(0.5)
    raise AssertionError(f"jobs {ids} did not all end within the generous bound of {bound_s} s")


def test_two_workers_and_two_clients_share_one_queue(shared_database, tmp_path):
    data_dir = tmp_path / "data"  # one data folder, as the compose file's shared volume
    workers = [_start_worker(shared_database, data_dir, tmp_path / f"worker{k}.log") for k in (1, 2)]
    replica_a, replica_b = db.make_engine(shared_database), db.make_engine(shared_database)
    try:
        # Work queued from both "replicas" at once: three uploads from A, two reports from B.
        uploads = [jobs.queue_transcript(replica_a, ANA, f"visit_{k}.txt", _transcript(k), ward="Govan",
                                         residents=["Resident"]) for k in range(3)]
        reports = [jobs.queue_report(replica_b, BEN, code) for code in ("S13002971", "S13002967")]
        first = _all_ended(replica_a, [j.id for j in uploads + reports])
        assert [j.status for j in first] == ["done"] * 5, [(j.id, j.error) for j in first]
        # Then an analysis, asked for by both at once: one waiting job, run once.
        analysis = jobs.queue_analysis(replica_b, BEN)
        again = jobs.queue_analysis(replica_a, ANA)
        ended = _all_ended(replica_b, list({analysis.id, again.id}))
        assert all(j.status == "done" for j in ended), [(j.id, j.error) for j in ended]

        every = [j.id for j in uploads + reports] + [analysis.id]
        for engine in (replica_a, replica_b):  # both replicas see the same outcome
            with session_scope(engine) as session:
                seen = {j.id: (j.status, j.result, j.worker) for j in
                        session.execute(select(Job).where(Job.id.in_(every))).scalars()}
                transcripts = session.execute(select(func.count(Transcript.id))).scalar_one()
                imports = session.execute(select(func.count(AuditEvent.id)).where(
                    AuditEvent.action == "import", AuditEvent.entity == "transcript")).scalar_one()
                exports = session.execute(select(func.count(AuditEvent.id)).where(
                    AuditEvent.action == "export", AuditEvent.entity == "report")).scalar_one()
                analyses = session.execute(select(func.count(TopicModel.id))).scalar_one()
                alive = session.execute(select(func.count(JobWorker.name))).scalar_one()
            assert transcripts == 3 and imports == 3  # each upload saved once
            assert exports == 2  # each report built once
            assert analyses == 1  # both asked; one analysis ran
            assert alive == 2  # both workers took part in the queue
            assert {s for s, _, _ in seen.values()} == {"done"}
            if engine is replica_a:
                first_view = seen
            else:
                assert seen == first_view
        names = {f"{socket.gethostname()}:{w.pid}" for w in workers}
        ran_on = {w for _, _, w in first_view.values()}
        assert ran_on and ran_on <= names  # done by the two worker processes, not by a client
        print(f"jobs per worker: { {n: sum(w == n for _, _, w in first_view.values()) for n in names} }")
        assert jobs.report_files(replica_b, BEN, reports[0].id)["pdf"].startswith(b"%PDF")
        with session_scope(replica_a) as session:
            assert session.execute(select(func.count(Job.id)).where(Job.payload.is_not(None))).scalar_one() == 0
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
        replica_a.dispose()
        replica_b.dispose()
