"""Data needs, hypotheses, workshop notes and thresholds: writes, audit, exports, and who may do what."""
from __future__ import annotations

import io

import openpyxl
import pytest
from sqlmodel import select

from schemas import AuditEvent, DataNeed, Setting
from tests import joint_scenario as js
from triangulate.core.errors import NotFound, PermissionDenied, TriangulateError
from triangulate.core.permissions import SYSTEM, Actor
from triangulate.joint import convergence as cv
from triangulate.joint import dataneeds, hypotheses, workshop
from triangulate.joint import thresholds as th

LEAD = Actor("aileen", "lead")
ADMIN = Actor("root", "admin")
NOT_LEADS = [Actor("sam", "researcher"), Actor("jo", "officer"), Actor("val", "viewer")]


def _audit(engine, action, entity):
    from triangulate.core.db import session_scope

    with session_scope(engine) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.entity == entity)))


def test_silences_and_gaps_propose_needs_and_lead_accepts(engine):
    js.plant_govan(engine)
    proposals = dataneeds.propose(engine, SYSTEM, [js.GOVAN])
    by_key = {(p.issue_code, p.strand): p for p in proposals}
    # childcare: residents prominent, officers silent → a need for the practitioners strand
    assert by_key[("childcare", "practitioners")].reason == "silence"
    assert "residents flag it (prominent)" in by_key[("childcare", "practitioners")].description
    assert by_key[("childcare", "numbers")].reason == "no data"
    assert ("housing", "numbers") not in by_key  # housing has an elevated indicator
    assert proposals[0].reason == "silence"  # silences first
    # Maryhill has neither insights nor transcripts: no-data needs for those strands on every issue
    maryhill = {(p.issue_code, p.strand, p.reason) for p in dataneeds.propose(engine, SYSTEM, [js.MARYHILL])}
    assert ("food", "residents", "no data") in maryhill and ("food", "practitioners", "no data") in maryhill

    p = by_key[("childcare", "practitioners")]
    need_id = dataneeds.accept(engine, LEAD, p.ward_code, p.issue_code, p.strand, p.description, owner="Jo")
    assert dataneeds.accept(engine, LEAD, p.ward_code, p.issue_code, p.strand, "again") == need_id  # once only
    again = dataneeds.propose(engine, SYSTEM, [js.GOVAN])
    assert ("childcare", "practitioners") not in {(q.issue_code, q.strand) for q in again}
    dataneeds.update(engine, LEAD, need_id, status="in progress", owner="Priya")
    reg = dataneeds.register(engine, SYSTEM, [js.GOVAN])
    assert reg.loc[0, "status"] == "in progress" and reg.loc[0, "owner"] == "Priya"
    assert _audit(engine, "edit", "data_need")[0].detail["changed"]["owner"] == {"from": "Jo", "to": "Priya"}
    with pytest.raises(TriangulateError):
        dataneeds.update(engine, LEAD, need_id, status="finished")
    with pytest.raises(NotFound):
        dataneeds.update(engine, LEAD, 9999, owner="x")
    csv = dataneeds.export(engine, Actor("val", "viewer"), "csv").decode()
    assert "Priya" in csv and "childcare" in csv
    book = openpyxl.load_workbook(io.BytesIO(dataneeds.export(engine, LEAD, "xlsx")))
    assert book["Data needs"]["A1"].value == "id"


@pytest.mark.parametrize("actor", NOT_LEADS, ids=lambda a: a.role)
def test_only_leads_write_data_needs_hypotheses_notes_thresholds(engine, actor):
    js.base(engine)
    with pytest.raises(PermissionDenied):
        dataneeds.accept(engine, actor, js.GOVAN, "food", "residents", "Talk to parents")
    with pytest.raises(PermissionDenied):
        dataneeds.update(engine, actor, 1, owner="x")
    with pytest.raises(PermissionDenied):
        hypotheses.add(engine, actor, js.GOVAN, "What if buses were free?")
    with pytest.raises(PermissionDenied):
        hypotheses.update(engine, actor, 1, status="testing")
    with pytest.raises(PermissionDenied):
        workshop.add_note(engine, actor, js.GOVAN, "food", "Said in the room")
    with pytest.raises(PermissionDenied):
        workshop.delete_note(engine, actor, 1)
    with pytest.raises(PermissionDenied):
        th.save(engine, actor, th.Thresholds(numbers_elevated_sd=1.0))
    from triangulate.core.db import session_scope

    with session_scope(engine) as s:
        assert s.exec(select(DataNeed)).first() is None
        assert s.get(Setting, th.SETTING_KEY) is None


def test_hypotheses_log(engine):
    js.base(engine)
    hid = hypotheses.add(engine, LEAD, js.GOVAN, "What if the nursery opened until 6 pm?", "childcare",
                         "Eight weeks; count parents who take up work", "Aileen")
    hypotheses.update(engine, ADMIN, hid, status="testing", notes="Started at the Pearce Institute")
    log = hypotheses.log(engine, SYSTEM, [js.GOVAN])
    assert log.loc[0, "issue_code"] == "childcare" and log.loc[0, "status"] == "testing"
    assert hypotheses.log(engine, SYSTEM, [js.CALTON]).empty
    with pytest.raises(TriangulateError):
        hypotheses.add(engine, LEAD, js.GOVAN, "   ")
    with pytest.raises(TriangulateError):
        hypotheses.update(engine, LEAD, hid, ward_code=js.CALTON)
    with pytest.raises(NotFound):
        hypotheses.add(engine, LEAD, js.GOVAN, "What if?", "no_such_issue")
    assert len(_audit(engine, "create", "hypothesis")) == 1


def test_workshop_notes_per_issue(engine):
    js.base(engine)
    first = workshop.add_note(engine, LEAD, js.GOVAN, "transport", "Officers and residents see buses differently")
    workshop.add_note(engine, LEAD, js.GOVAN, "food", "Pantry runs out by Thursday")
    transport = workshop.notes(engine, SYSTEM, js.GOVAN, "transport")
    assert list(transport["text"]) == ["Officers and residents see buses differently"]
    assert len(workshop.notes(engine, SYSTEM, js.GOVAN)) == 2
    workshop.delete_note(engine, LEAD, first)
    assert workshop.notes(engine, SYSTEM, js.GOVAN, "transport").empty
    with pytest.raises(TriangulateError):
        workshop.add_note(engine, LEAD, js.GOVAN, "food", "  ")


def test_thresholds_saved_audited_and_change_verdicts(engine):
    js.plant_govan(engine)
    assert th.load(engine) == th.Thresholds()
    before = cv.matrix(engine, SYSTEM, [js.GOVAN]).set_index("issue_code")
    assert before.loc["food", "verdict"] == "partial agreement"
    # a lead decides that one mention is enough to count as prominent: food then agrees on prominence,
    # but officers and residents still give different examples → still partial
    th.save(engine, LEAD, th.Thresholds(residents_prominent_min_segments=1, residents_prominent_share=0.05))
    assert th.load(engine).residents_prominent_min_segments == 1
    after = cv.matrix(engine, SYSTEM, [js.GOVAN]).set_index("issue_code")
    assert after.loc["food", "residents"] == "prominent"
    assert "same meaning and prominence" in after.loc["food", "why"]
    event = _audit(engine, "setting", "thresholds")[-1]
    assert event.actor == "aileen"
    assert event.detail["changed"]["residents_prominent_min_segments"] == {"from": 3, "to": 1}
    with pytest.raises(ValueError):
        th.Thresholds(numbers_elevated_sd=-1)
    th.reset(engine, ADMIN)
    assert th.load(engine) == th.Thresholds()
