"""AppTest for the area picker on the joint display and for the map of where the evidence is, on the planted
scenario below the ward (tests/area_scenario.py)."""
from __future__ import annotations

import pytest

from tests import area_scenario as sc
from tests import joint_scenario as js
from tests.apptest_helpers import app_database, run_page
from triangulate.core.permissions import Actor

LEAD = Actor("lead", "lead")
VIEWER = Actor("viewer", "viewer")


@pytest.fixture
def placed_app(tmp_path, monkeypatch):
    with app_database(tmp_path, monkeypatch, "placed.db") as engine:
        sc.plant(engine)
        yield engine


def _texts(at, kind="markdown"):
    return " ".join(str(e.value) for e in getattr(at, kind))


def test_the_area_picker_answers_for_an_iz_with_its_evidence(placed_app):
    at = run_page("joint_display.py", LEAD, ward_code=js.GOVAN)
    assert not at.exception
    picker = at.selectbox(key="joint_area")
    assert picker.value == js.GOVAN and "Ibrox (intermediate zone)" in picker.options
    assert "no place below the ward" in _texts(at, "info")  # the whole ward's statement
    picker.set_value(sc.IBROX).run()
    assert not at.exception
    assert "Ibrox holds 3 officer insights and 18 resident segments" in _texts(at, "info")
    assert r"facing **Ibrox \(Govan\)**" in _texts(at)
    at.selectbox(key="joint_issue").set_value("housing").run()
    assert not at.exception
    frames = [d.value for d in at.dataframe]
    insight_texts = [f for f in frames if "text" in f.columns]
    assert insight_texts and len(insight_texts[0]) == 3  # the insights placed in Ibrox only
    assert any("Langlands Road" in t.value for t in at.text)  # a resident quote placed there


def test_an_iz_with_nothing_placed_says_so(placed_app):
    at = run_page("joint_display.py", VIEWER, ward_code=js.GOVAN, joint_area=sc.DRUMOYNE)
    assert not at.exception
    assert "Nothing is placed here yet" in _texts(at, "info")
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["– no data"]) > 0


def test_the_map_page_lists_the_wards_izs_with_their_evidence_and_opens_one(placed_app):
    at = run_page("evidence_map.py", LEAD, ward_code=js.GOVAN)
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Intermediate zone" in d.value.columns and "Rank in ward" in
                 d.value.columns)
    ibrox = table[table["Intermediate zone"] == "Ibrox"].iloc[0]
    assert (ibrox["Officer insights"], ibrox["Resident segments"]) == (3, 18)
    assert set(table["Intermediate zone"]) == {"Drumoyne and Shieldhall", "Govan and Linthouse", "Ibrox",
                                               "Ibrox East and Cessnock", "Kinning Park and Festival Park"}
    at.selectbox(key="evidence_map_pick").set_value(sc.IBROX).run()
    profile = next(d.value for d in at.dataframe if "Indicator" in d.value.columns)
    row = profile[profile["Indicator"] == "Overcrowded households (by data zone)"].iloc[0]
    assert (row["Ibrox"], row["Glasgow"], row["Rank in ward (1 = worst)"]) == ("40.0%", "15.0%", "1 of 5")
    open_button = next(b for b in at.button if b.label == "Open the joint display for Ibrox")
    open_button.click().run()
    assert at.session_state["joint_area_request"] == sc.IBROX


def test_the_pockets_of_the_city_on_real_data(app_env):
    at = run_page("evidence_map.py", VIEWER, ward_code=js.GOVAN, timeout=120)
    assert not at.exception
    pockets = next(d.value for d in at.dataframe if "Per child aged 0–15" in d.value.columns)
    assert len(pockets) == 136 and list(pockets["Rank"]) == list(range(1, 137))
    assert pockets["Intermediate zone"].iloc[0] == "Govanhill West"  # the largest and deepest pocket
    govan = next(d.value for d in at.dataframe if "Rank in ward" in d.value.columns)
    assert len(govan) == 5 and govan["Rank in Glasgow"].str.endswith("of 136").all()


def test_data_needs_for_an_area_are_proposed_and_accepted_with_it(placed_app):
    from sqlmodel import select

    from schemas import DataNeed
    from triangulate.core.db import session_scope

    at = run_page("data_needs.py", LEAD, ward_code=js.GOVAN)
    assert not at.exception
    at.selectbox(key="needs_area").set_value(sc.DRUMOYNE).run()
    assert not at.exception
    pick = next(s for s in at.selectbox if s.label == "Proposal")
    # the proposals are listed in order (their index is the value): choose the area's childcare gap
    position = next(n for n, label in enumerate(pick.options) if "Childcare · residents" in label)
    pick.set_value(position)
    next(b for b in at.button if b.label == "Accept this need").click().run()
    assert not at.exception
    with session_scope(placed_app) as s:
        need = s.exec(select(DataNeed).where(DataNeed.area_code == sc.DRUMOYNE)).one()
        assert need.area_name == "Drumoyne and Shieldhall" and need.strand == "residents"
        assert need.description.startswith("No resident voice from Drumoyne and Shieldhall on childcare")
    register = next(d.value for d in at.dataframe if "status" in d.value.columns)
    assert "Drumoyne and Shieldhall" in set(register["area"])
