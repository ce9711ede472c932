"""AppTest: Check the machine, and coding segments in the transcript viewer and the search page (demo data)."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from schemas import MachineCheck, SegmentCode
from tests.apptest_helpers import run_page
from triangulate.core.permissions import Actor

pytestmark = pytest.mark.slow
RESEARCHER, VIEWER, LEAD = Actor("researcher", "researcher"), Actor("viewer", "viewer"), Actor("lead", "lead")


def _engine():
    from triangulate.core import db

    return db.get_engine()


def test_researcher_codes_a_blind_sample_and_sees_the_figures(app_env):
    at = run_page("machine_check.py", RESEARCHER, timeout=120)
    assert not at.exception
    assert any("unchecked" in str(v) for v in at.dataframe[0].value["status"])
    at.number_input[0].set_value(10)
    at.button[0].click().run()  # Draw the sample
    assert not at.exception and any("of 10 coded" in h.value for h in at.subheader)
    body = "\n".join(t.value for t in at.text)
    assert body  # the segment's text, and never the machine's issue
    with Session(_engine()) as s:
        check = s.exec(select(MachineCheck)).one()
        assert check.status == "open" and sum(check.strata.values()) > 10
    for _ in range(3):
        at.multiselect[0].set_value(["none"])
        next(b for b in at.button if b.label == "Save and next").click().run()
        assert not at.exception
    assert any("3 of 10 coded" in h.value for h in at.subheader)
    at.button(key="machine_check_finish").click().run()
    assert not at.exception
    with Session(_engine()) as s:
        assert s.exec(select(MachineCheck)).one().status == "finished"
        assert len(s.exec(select(SegmentCode).where(SegmentCode.source == "check")).all()) == 3
    assert any("History" in h.value for h in at.subheader)
    figures = at.dataframe[1].value
    assert "none" in set(figures["issue_code"]) and {"precision", "recall", "f1", "kappa"} <= set(figures.columns)


def test_viewer_sees_flags_but_cannot_start_a_check(app_env):
    at = run_page("machine_check.py", VIEWER, timeout=120)
    assert not at.exception
    assert not [b for b in at.button if b.label == "Draw the sample"]
    assert len(at.dataframe) >= 1 and any("No check has been finished" in i.value for i in at.info)


def test_transcript_viewer_codes_one_segment(app_env):
    at = run_page("transcripts.py", RESEARCHER, ward_code="S13002971", timeout=120)
    assert not at.exception
    segment_id = at.selectbox(key="transcripts_code_segment").value
    at.multiselect(key=f"transcripts_code_issues_{segment_id}").set_value(["housing", "debt"])
    next(b for b in at.button if b.label == "Save my codes").click().run()
    assert not at.exception and any("now counts as housing" in s.value for s in at.success)
    with Session(_engine()) as s:
        rows = s.exec(select(SegmentCode).where(SegmentCode.segment_id == segment_id)).all()
        assert [r.coder for r in rows] == ["researcher", "researcher"]
    # a span: only some of the segment's words
    from schemas import Segment

    with Session(_engine()) as s:
        text = s.get(Segment, segment_id).text
    words = " ".join(text.split()[:3])
    at.multiselect(key=f"transcripts_code_issues_{segment_id}").set_value(["food"])
    at.text_input(key=f"transcripts_code_words_{segment_id}").set_value(words)
    next(b for b in at.button if b.label == "Save my codes").click().run()
    assert not at.exception
    at.run()
    spans = [d.value for d in at.dataframe if "coder" in d.value.columns]
    assert spans and words in set(spans[0]["words"])
    lead = run_page("transcripts.py", LEAD, ward_code="S13002971", timeout=120)
    assert not lead.exception and not [b for b in lead.button if b.label == "Save my codes"]


def test_search_results_are_coded_in_bulk(app_env):
    at = run_page("segment_search.py", RESEARCHER, timeout=120)
    assert not at.exception
    at.text_input(key="search_q").set_value("mould").run()
    found = len(at.dataframe[0].value)
    at.multiselect(key="search_code_bulk_issues").set_value(["housing"])
    # the topic's form comes first (Code a whole topic); the search result's is labelled with its count
    next(b for b in at.button if b.label == f"Code {found} segment(s)").click().run()
    shown = ([e.value for e in at.error], [s.value for s in at.success], [b.label for b in at.button])
    assert not at.exception and any(f"Coded {found} segment(s)" in s.value for s in at.success), shown
    viewer = run_page("segment_search.py", VIEWER, timeout=120)
    viewer.text_input(key="search_q").set_value("mould").run()
    assert not viewer.exception and not [m for m in viewer.multiselect if m.key == "search_code_bulk_issues"]


def test_joint_display_and_workshop_flag_unchecked_and_not_analysed_residents(planted_app):
    from sqlalchemy import update

    from schemas import Segment
    from tests import joint_scenario as js

    at = run_page("joint_display.py", LEAD, ward_code=js.GOVAN)
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["Residents checked"]) == {"⚠ unchecked"}
    assert any("unchecked" in w.value for w in at.warning)  # the residents' tab says what it means
    officer = run_page("joint_display.py", Actor("officer", "officer"), ward_code=js.GOVAN)
    assert not officer.exception and "Residents checked" not in officer.dataframe[0].value.columns
    workshop = run_page("workshop.py", LEAD, ward_code=js.GOVAN)
    assert not workshop.exception
    assert "⚠ unchecked" in " ".join(m.value for m in workshop.markdown)
    with Session(planted_app) as s:
        first = s.exec(select(Segment.id).where(Segment.speaker_role == "resident").order_by(Segment.id)).first()
        s.execute(update(Segment).where(Segment.id == first).values(issue_source="", issue_id=None))
        s.commit()
    at = run_page("joint_display.py", LEAD, ward_code=js.GOVAN)
    assert not at.exception
    assert any("not analysed" in w.value and "wait" in w.value for w in at.warning)
    assert set(at.dataframe[0].value["Residents"]) == {"⧗ not analysed"}
