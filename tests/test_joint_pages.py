"""AppTest for every joint-display page, on the planted Govan scenario and on the demo database."""
from __future__ import annotations

import pytest
from sqlmodel import select

from schemas import DataNeed, Hypothesis, Setting, WorkshopNote
from tests import joint_scenario as js
from tests.apptest_helpers import run_page
from triangulate.core.db import session_scope
from triangulate.core.permissions import SYSTEM, Actor
from triangulate.joint import thresholds as th

LEAD = Actor("lead", "lead")
VIEWER = Actor("viewer", "viewer")


def _texts(at, kind="markdown"):
    return " ".join(str(e.value) for e in getattr(at, kind))


def test_joint_display_sorted_with_evidence_and_roles(planted_app):
    at = run_page("joint_display.py", LEAD, ward_code=js.GOVAN)
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["✖ dissonance"] == "1"
    # the first issue offered for evidence is the one that most needs discussion
    assert at.selectbox(key="joint_issue").value == "transport"
    assert at.subheader[0].value == "Transport: ✖ dissonance"
    assert "opposite meanings" in _texts(at)
    # transport has a linked indicator (travel time to a GP): its chart, not the "no indicator" gap
    assert not any("No indicator is linked" in i.value for i in at.info)
    frames = [d.value for d in at.dataframe]
    assert any("text" in f.columns and f["text"].str.contains("subway").any() for f in frames)  # lead reads text
    assert any("bus fares" in t.value.lower() for t in at.text)  # residents' quotes
    assert any(b.label.startswith("Prepare the report") for b in at.button)
    at.selectbox(key="joint_issue").set_value("childcare").run()
    assert at.subheader[0].value == "Childcare: ○ silence"
    prepare = next(b for b in at.button if b.label.startswith("Prepare the report"))
    prepare.click().run()
    assert not at.exception
    assert {"Download the report (HTML)", "Download the report (PDF)", "Download the report (XLSX)"} <= {
        b.label for b in at.get("download_button")}

    viewer = run_page("joint_display.py", VIEWER, ward_code=js.GOVAN)
    assert not viewer.exception
    assert not any("text" in d.value.columns for d in viewer.dataframe)  # counts, not officers' words
    assert "not their text" in _texts(viewer, "caption")
    assert "Examples officers give" not in _texts(viewer)  # insight words follow the text permission
    assert not any(b.label.startswith("Prepare the report") for b in viewer.button)


def test_across_wards_heatmap_and_comparison(planted_app):
    at = run_page("across_wards.py", VIEWER, ward_code=js.GOVAN)
    assert not at.exception
    assert at.radio[0].value == "The Booster Wards"  # Govan and Calton are boosters in the scenario
    summary = at.dataframe[0].value
    assert set(summary.index) == {"Govan", "Calton"}
    compare = at.dataframe[1].value
    assert {"Govan", "Calton"} <= set(compare.columns)
    assert compare.set_index("Issue").loc["Transport", "Govan"] == "✖ dissonance"
    at.radio[0].set_value("All wards").run()
    assert set(at.dataframe[0].value.index) == set(js.WARDS.values())


def test_workshop_walks_issues_and_saves_notes(planted_app):
    at = run_page("workshop.py", LEAD, ward_code=js.GOVAN)
    assert not at.exception
    assert "# Transport" in _texts(at)
    next_button = next(b for b in at.button if b.label == "Next ▶")
    next_button.click().run()
    assert "# Childcare" in _texts(at)
    at.text_area[0].input("Officers to ask health visitors about nursery hours")
    next(b for b in at.button if b.label == "Save note").click().run()
    assert not at.exception
    with session_scope(planted_app) as s:
        notes = list(s.exec(select(WorkshopNote)))
    assert [n.text for n in notes] == ["Officers to ask health visitors about nursery hours"]
    viewer = run_page("workshop.py", VIEWER, ward_code=js.GOVAN)
    assert not viewer.exception and not any(b.label == "Save note" for b in viewer.button)


def test_data_needs_accept_from_proposals(planted_app):
    at = run_page("data_needs.py", LEAD, ward_code=js.GOVAN)
    assert not at.exception
    assert any("Proposed" in s.value for s in at.subheader)
    proposals = at.dataframe[0].value
    assert "accept" in proposals.columns
    # the reason in words (issue 14): "silence" is shown as "a strand is silent"
    assert ((proposals["issue"] == "Childcare") & (proposals["reason"] == "a strand is silent")).any()
    from triangulate.joint import dataneeds

    p = dataneeds.propose(planted_app, SYSTEM, [js.GOVAN])[0]
    dataneeds.accept(planted_app, LEAD, p.ward_code, p.issue_code, p.strand, p.description)
    at = run_page("data_needs.py", LEAD, ward_code=js.GOVAN)
    assert not at.exception
    assert any(b.label.startswith("Download the register (CSV)") for b in at.get("download_button"))
    viewer = run_page("data_needs.py", VIEWER, ward_code=js.GOVAN)
    assert not viewer.exception
    assert "Only programme leads accept" in _texts(viewer, "caption")
    with session_scope(planted_app) as s:
        assert len(list(s.exec(select(DataNeed)))) == 1


def test_hypotheses_add(planted_app):
    at = run_page("hypotheses.py", LEAD, ward_code=js.GOVAN)
    assert not at.exception
    at.text_area[0].input("What if the 23 bus ran every ten minutes?")
    at.text_area[1].input("Count late arrivals at work for 8 weeks")
    next(b for b in at.button if b.label == "Add hypothesis").click().run()
    assert not at.exception
    with session_scope(planted_app) as s:
        rows = list(s.exec(select(Hypothesis)))
    assert rows[0].statement == "What if the 23 bus ran every ten minutes?" and rows[0].ward_code == js.GOVAN
    viewer = run_page("hypotheses.py", VIEWER, ward_code=js.GOVAN)
    assert not viewer.exception and not any(b.label == "Add hypothesis" for b in viewer.button)


def test_thresholds_lead_saves_viewer_reads(planted_app):
    viewer = run_page("thresholds.py", VIEWER)
    assert not viewer.exception
    assert "Read only" in _texts(viewer, "info")
    assert all(n.disabled for n in viewer.number_input)
    at = run_page("thresholds.py", LEAD)
    assert not at.exception
    field = next(n for n in at.number_input if n.label == "Numbers: gap that counts as elevated (SD)")  # issue 14
    field.set_value(0.8)
    next(b for b in at.button if b.label == "Save thresholds").click().run()
    assert not at.exception
    assert th.load(planted_app).numbers_elevated_sd == pytest.approx(0.8)
    with session_scope(planted_app) as s:
        assert s.get(Setting, th.SETTING_KEY).updated_by == "lead"


@pytest.mark.parametrize("page", ["joint_display.py", "across_wards.py", "workshop.py", "data_needs.py",
                                  "hypotheses.py", "thresholds.py"])
def test_pages_open_on_the_demo_database(app_env, page):
    at = run_page(page, LEAD, ward_code=js.GOVAN)
    assert not at.exception
    assert at.title or at.markdown
