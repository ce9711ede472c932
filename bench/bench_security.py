"""Benchmark: erasure, whole-database text search, backup and restore on a realistic-size database.

Realistic size: 23 wards, 120 transcripts × 150 segments (18,000 segments with embeddings and topic
assignments), 1,500 insights, 300 workshop notes, 20,000 audit events. Prints a table and writes
bench/results/security.json.
"""
from __future__ import annotations

import io
import json
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from schemas import (
    AuditEvent,
    Embedding,
    Insight,
    Issue,
    Segment,
    SegmentTopic,
    Topic,
    TopicModel,
    Transcript,
    Ward,
    WorkshopNote,
)
from triangulate.access import (
    backup,
    erasure,
)
from triangulate.core import db
from triangulate.core.embeddings import text_hash
from triangulate.core.permissions import SYSTEM

TRANSCRIPTS, SEGMENTS, INSIGHTS, NOTES, EVENTS = 120, 150, 1500, 300, 20_000


def fill(engine) -> None:
    rng = np.random.default_rng(1)
    with engine.begin() as conn:
        conn.execute(Ward.__table__.insert(), [{"code": f"S130029{n:02d}", "name": f"Ward {n}", "booster": False,
                                                "council_code": "S12000049", "council_name": "Glasgow City"}
                                               for n in range(60, 83)])
        conn.execute(Issue.__table__.insert(), [{"id": 1, "code": "housing", "label": "Housing", "guid": "g1",
                                                 "keywords": [], "definition": "", "status": "active",
                                                 "sort_order": 0}])
        conn.execute(TopicModel.__table__.insert(), [{"id": 1, "method": "bertopic", "settings": {}, "versions": {},
                                                      "path": "", "n_segments": TRANSCRIPTS * SEGMENTS,
                                                      "is_current": True, "stale": False, "fitted_by": "",
                                                      "fitted_at": db_now()}])
        conn.execute(Topic.__table__.insert(), [{"id": 1, "model_id": 1, "number": 0, "label": "t", "keywords": [],
                                                 "size": 0, "quotes": list(range(1, 30))}])
        seg_id = 0
        for t in range(1, TRANSCRIPTS + 1):
            conn.execute(Transcript.__table__.insert(), [{
                "id": t, "ward_code": f"S130029{60 + t % 23:02d}", "title": f"Transcript {t}", "checksum": f"c{t}",
                "method": "interview", "consent_basis": "", "facilitator": "", "source_filename": "",
                "source_format": "txt", "word_count": 0, "redaction_report": {}, "illustrative": True,
                "uploaded_by": "r", "uploaded_at": db_now()}])
            segs, embs, assigns = [], [], []
            for k in range(SEGMENTS):
                seg_id += 1
                text = f"Transcript {t} segment {k}: the damp in the close and the bus fares going up again, aye."
                segs.append({"id": seg_id, "transcript_id": t, "speaker_role": "resident", "order": k, "text": text,
                             "text_hash": text_hash(text), "lemmas": "", "entities": [], "noun_chunks": [],
                             "issue_source": ""})
                embs.append({"text_hash": text_hash(text), "model": "all-MiniLM-L6-v2", "dim": 384,
                             "vector": rng.standard_normal(384).astype("<f4").tobytes()})
                assigns.append({"segment_id": seg_id, "model_id": 1, "topic_id": 1, "probability": 0.5})
            conn.execute(Segment.__table__.insert(), segs)
            conn.execute(Embedding.__table__.insert(), embs)
            conn.execute(SegmentTopic.__table__.insert(), assigns)
        conn.execute(Insight.__table__.insert(), [{
            "ward_code": "S13002971", "author_name": "Jo", "role_service": "CEO", "observed_on": date(2026, 1, 1),
            "text": f"Insight {n}: families choosing between heating and eating.", "evidence_type": "x",
            "confidence": "medium", "illustrative": True, "created_at": db_now(), "updated_at": db_now()}
            for n in range(INSIGHTS)])
        conn.execute(WorkshopNote.__table__.insert(), [{
            "ward_code": "S13002971", "author": "lead", "created_at": db_now(),
            "text": f'Note {n}: "Transcript 7 segment {n % SEGMENTS}: the damp in the close" came up.'}
            for n in range(NOTES)])
        conn.execute(AuditEvent.__table__.insert(), [{"actor": "jo", "action": "edit", "entity": "insight",
                                                      "entity_id": str(n), "detail": {"n": n}, "at": db_now()}
                                                     for n in range(EVENTS)])


def db_now():
    from schemas import utcnow
    return utcnow()


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def postgres_database(name: str):
    """A fresh PostgreSQL database next to TEST_DATABASE_URL's (dropped afterwards)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(os.environ["TEST_DATABASE_URL"]).set(database=name).render_as_string(hide_password=False)


def drop_postgres(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def measure_backend(label: str, url_of, results: dict) -> None:
    """Fill, erase, search, back up and restore on one database kind."""
    with tempfile.TemporaryDirectory() as folder:
        engine = db.make_engine(url_of(folder, "source"))
        db.upgrade(engine)
        _, results[f"{label} fill"] = timed(lambda: fill(engine))
        report, results[f"{label} erase one transcript (150 segments)"] = timed(
            lambda: erasure.erase_transcript(engine, SYSTEM, 7))
        assert report.quotes_removed == NOTES
        hits, results[f"{label} find_text_anywhere (whole DB)"] = timed(
            lambda: erasure.find_text_anywhere(engine, "Transcript 7 segment"))
        assert hits == []
        buffer = io.BytesIO()
        manifest, results[f"{label} backup"] = timed(lambda: backup.backup(engine, SYSTEM, buffer))
        results[f"{label} backup size (MB)"] = len(buffer.getvalue()) / 1e6
        restored = db.make_engine(url_of(folder, "restored"))
        db.upgrade(restored)
        buffer.seek(0)
        _, results[f"{label} restore"] = timed(lambda: backup.restore(restored, SYSTEM, buffer))
        results[f"{label} rows backed up"] = sum(t["rows"] for t in manifest["tables"])
        engine.dispose()
        restored.dispose()
        if label == "postgres":
            drop_postgres("bench_security_source")
            drop_postgres("bench_security_restored")


def main() -> None:
    results = {}
    backends = [("sqlite", lambda d, n: f"sqlite:///{d}/{n}.db")]
    if os.environ.get("TEST_DATABASE_URL"):
        backends.append(("postgres", lambda d, n: postgres_database(f"bench_security_{n}")))
    for label, url_of in backends:
        measure_backend(label, url_of, results)
    results["peak RSS (MB)"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    width = max(len(k) for k in results)
    for key, value in results.items():
        unit = "" if "MB" in key or "rows" in key else " s"
        print(f"{key:<{width}}  {value:>10.2f}{unit}" if isinstance(value, float) else f"{key:<{width}}  {value:>10}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "security.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
