"""The data version (core.db) and the caches keyed on it (core.caches): every committed write that can change
an analysis moves the version on, in any process; nothing stale is served; erasure empties every cache
that can hold text."""
from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session, select

from schemas import AuditEvent, Insight, InsightCode, Segment, Ward
from tests import joint_scenario as js
from tests.conftest import actor
from triangulate.access import erasure
from triangulate.codebook import issues as codebook
from triangulate.core import audit, caches, db
from triangulate.core.permissions import SYSTEM
from triangulate.joint import convergence as cv
from triangulate.joint import examples as ex
from triangulate.joint import signals as sig
from triangulate.numbers import ward_values as numbers

ROOT = Path(__file__).resolve().parent.parent
WHEN = datetime(2025, 1, 1, tzinfo=UTC)


def test_writes_move_the_version_on_and_only_when_committed(engine):
    start = db.data_version(engine)
    assert start is not None
    with db.session_scope(engine) as s:  # an ORM write
        s.add(Ward(code="S13000001", name="Testward"))
    assert db.data_version(engine) == start + 1
    with engine.begin() as conn:  # a Core write outside any session
        conn.execute(update(Ward).where(Ward.code == "S13000001").values(name="Renamed"))
    assert db.data_version(engine) == start + 2
    with db.session_scope(engine) as s:  # who did what changes no analysis
        audit.record(s, SYSTEM, "read", "insights", "x")
    assert db.data_version(engine) == start + 2
    with Session(engine) as s:  # a write rolled back leaves the version where it was
        s.add(Ward(code="S13000002", name="Never"))
        s.flush()
        s.rollback()
    assert db.data_version(engine) == start + 2
    with Session(engine) as s:
        assert s.exec(select(AuditEvent)).first() is not None


def test_a_write_in_another_process_is_seen(sqlite_engine):
    js.plant_govan(sqlite_engine)
    before = cv.matrix(sqlite_engine, SYSTEM, [js.MARYHILL]).set_index("issue_code")
    assert before.loc["housing", "practitioners"] == "no data"
    script = ("import sys; sys.path.insert(0, sys.argv[2]); from tests import joint_scenario as js; "
              "from triangulate.core import db; e = db.make_engine(sys.argv[1]); "
              "ids = js.base(e); js.insight(e, js.MARYHILL, 'Damp flats on Maryhill Road.', "
              "[(ids['housing'], 'problem', 3, 'officer')])")
    subprocess.run([sys.executable, "-c", script, str(sqlite_engine.url), str(ROOT)], check=True, timeout=120)
    after = cv.matrix(sqlite_engine, SYSTEM, [js.MARYHILL]).set_index("issue_code")
    assert after.loc["housing", "practitioners"] == "raised"


def test_the_matrix_is_cached_per_version_and_wards_come_from_the_city(engine, monkeypatch):
    ids = js.plant_govan(engine)
    t = cv.th.load(engine)
    everything = cv.matrix(engine, SYSTEM, None, t)
    calls = []
    real = sig.unrestricted  # what the judged cells are computed from
    monkeypatch.setattr(sig, "unrestricted", lambda *a, **k: calls.append(a) or real(*a, **k))
    govan = cv.matrix(engine, SYSTEM, [js.GOVAN], t)  # out of the city's cached cells: nothing recomputed
    assert calls == []
    expected = everything[everything["ward_code"] == js.GOVAN].reset_index(drop=True)
    assert govan.drop(columns=["rank"]).equals(expected.drop(columns=["rank"]))
    govan["verdict"] = "changed by the caller"  # a copy: the cache is not changed through it
    assert (cv.matrix(engine, SYSTEM, [js.GOVAN], t)["verdict"] != "changed by the caller").all()
    assert calls == []
    js.insight(engine, js.MARYHILL, "Damp and mould in Maryhill flats.", [(ids["housing"], "problem", 3, "o")])
    fresh = cv.matrix(engine, SYSTEM, [js.MARYHILL], t).set_index("issue_code")
    assert len(calls) == 1 and fresh.loc["housing", "practitioners"] == "raised"


def test_merging_two_issues_updates_the_ward_indicator_table(engine):
    """Issue 13: the numbers' cache was keyed on row counts, and a merge moves an indicator link without
    changing any count, so the ward table kept naming the merged-away issue."""
    js.plant_govan(engine)
    with Session(engine) as s:
        before = numbers.ward_indicator_table(s, js.GOVAN).set_index("indicator_key")
    assert before.loc["overcrowded_rate", "issue_codes"] == ("housing",)
    codebook.merge(engine, SYSTEM, "housing", "fuel")
    with Session(engine) as s:
        after = numbers.ward_indicator_table(s, js.GOVAN).set_index("indicator_key")
    assert after.loc["overcrowded_rate", "issue_codes"] == ("fuel",)
    m = cv.matrix(engine, SYSTEM, [js.GOVAN]).set_index("issue_code")
    assert "housing" not in m.index and m.loc["fuel", "numbers"] == "elevated"


def test_uncommitted_writes_are_never_cached(engine):
    js.plant_govan(engine)
    with Session(engine) as s:
        numbers.ward_indicator_table(s, js.GOVAN)  # cached under the committed version
        s.add(Ward(code="S13000009", name="Pending"))
        s.flush()
        assert numbers._version(s) is None  # this session reads its own uncommitted write: not cacheable
        state = numbers.read_state(s)  # computed afresh, not taken from the cache: it holds the pending ward
        assert "S13000009" in set(state.wards["ward_code"])
        assert state is not numbers.read_state(s)
        s.rollback()


def test_terms_are_stored_with_the_text_and_follow_edits(engine):
    ids = js.base(engine)
    insight_id = js.insight(engine, js.GOVAN, "Damp flats on Langlands Road are overcrowded.",
                            [(ids["housing"], "problem", 2, "o")])
    with db.session_scope(engine) as s:
        row = s.get(Insight, insight_id)
        assert ex.decode(row.terms) == {"langlands road": "Langlands Road", "damp": "damp", "flat": "flats",
                                        "overcrowd": "overcrowded"}
        row.text = "Bus fares went up again."
        s.add(row)
    with db.session_scope(engine) as s:
        assert ex.decode(s.get(Insight, insight_id).terms) == {"bus": "bus", "fare": "fares"}
    js.transcript(engine, js.GOVAN, [("resident", ids["housing"], "The damp in Pearce Institute hall.")])
    with db.session_scope(engine) as s:
        segment = s.exec(select(Segment)).first()
        segment.entities = [{"text": "Elder Park", "label": "GPE"}]
        s.add(segment)
    with db.session_scope(engine) as s:
        assert ex.decode(s.exec(select(Segment)).first().terms) == {
            "pearce institute": "Pearce Institute", "damp": "damp", "hall": "hall", "elder park": "Elder Park"}


def test_summarise_counts_texts_and_keeps_the_word_most_texts_use():
    stored = [ex.encode(ex.terms(t)) for t in ("Overcrowded flats and damp.", "Overcrowding in the flat, damp again.",
                                                "Damp, overcrowded.", "Bus fares.")]
    top, mentioned = ex.summarise(stored, 3)
    # equal counts: by stem; equal words ("flats" once, "flat" once): the word met first
    assert top == [("damp", "damp", 3), ("overcrowd", "overcrowded", 3), ("flat", "flats", 2)]
    assert mentioned == {"damp", "overcrowd", "flat", "bus", "fare"}
    as_dicts = ex.salient([ex.decode(d) for d in stored], 3)
    assert as_dicts == top
    assert ex.summarise([], 3) == ([], frozenset())


def test_a_row_written_outside_the_orm_has_its_terms_worked_out_when_read(engine):
    ids = js.base(engine)
    with engine.begin() as conn:
        conn.execute(Insight.__table__.insert().values(
            ward_code=js.GOVAN, author_name="Core", role_service="x", observed_on=date(2025, 1, 1),
            text="Mould in the Langlands Road flats.", evidence_type="x", confidence="medium", illustrative=False,
            created_at=WHEN, updated_at=WHEN))
        insight_id = conn.execute(select(Insight.id)).scalar()
        conn.execute(InsightCode.__table__.insert().values(insight_id=insight_id, issue_id=ids["housing"],
                                                           stance="problem", severity=3, coder="o",
                                                           is_consensus=False, created_at=WHEN))
    cell = next(c for c in cv.cells(engine, SYSTEM, [js.GOVAN]) if c.issue_code == "housing")
    assert {"mould", "langlands road"} <= set(cell.signals["practitioners"].stems)


def test_erasure_empties_every_cache_that_holds_text(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("TRIANGULATE_DATA_DIR", str(tmp_path / "data"))
    ids = js.plant_govan(engine)
    secret = "Quokkavale"
    insight_id = js.insight(engine, js.LINN, f"Damp flats in {secret} Court, the {secret.lower()} block.",
                            [(ids["housing"], "problem", 3, "officer")])
    cv.matrix(engine, SYSTEM, None)
    cv.cells(engine, SYSTEM, [js.LINN])
    assert "joint display: matrices" in caches.holding(secret)  # the check can fail: the text is cached
    assert "words of texts (core.terms)" in caches.holding(secret)
    erasure.erase_insight(engine, actor("admin", id=1), insight_id)
    assert caches.holding(secret) == []
    assert secret.lower() not in cv.matrix(engine, SYSTEM, None).to_string().lower()
