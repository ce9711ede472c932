"""AppTests of the pages the screens work changed: trends on the ward profile, words instead of codes,
role-aware help, the officer's one-tap 'Record an insight', and empty states."""
from sqlalchemy import delete, text
from sqlmodel import select

from schemas import Indicator, IndicatorValue
from tests.apptest_helpers import run_page
from tests.conftest import actor
from triangulate.core import db

GOVAN = "S13002971"


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts).replace("\\", "")  # markdown escapes removed


def test_ward_profile_draws_each_trend_with_its_sentence(app_env):
    at = run_page("ward_profile.py", actor("viewer"), ward_code=GOVAN)
    assert not at.exception
    assert any(s.value == "Over time" for s in at.subheader)
    said = _texts(at)
    # The two DWP series (FYE 2015–2022) have trends; their sentences say how the gap moved.
    assert said.count("Since FYE 2015") == 2, said
    assert "Latest change for Govan" in said
    # gap, two trends, comparison, ranking, ward map, data-zone map
    assert len(at.get("vega_lite_chart")) == 7
    table = at.dataframe[0].value
    assert "Issues" in table.columns or "issues" in table.columns
    assert not any("_" in str(v) for v in table["source_level"]), "codes such as intermediate_zone on screen"


def test_ward_profile_with_one_period_only_says_there_is_no_trend(app_env):
    engine = db.make_engine(f"sqlite:///{app_env}")
    with db.session_scope(engine) as session:
        for ind in session.exec(select(Indicator)):
            if ind.key.startswith("cilif"):
                session.exec(delete(IndicatorValue).where(IndicatorValue.indicator_id == ind.id,
                                                          IndicatorValue.period != ind.period))
    engine.dispose()
    at = run_page("ward_profile.py", actor("viewer"), ward_code=GOVAN)
    assert not at.exception
    assert any("one period only" in i.value for i in at.info)
    assert len(at.get("vega_lite_chart")) == 5


def test_home_gives_officers_record_an_insight_and_not_viewers(app_env):
    officer = run_page("home.py", actor("officer"))
    assert not officer.exception
    assert any(b.label == "Record an insight" for b in officer.button)
    viewer = run_page("home.py", actor("viewer"))
    assert not any(b.label == "Record an insight" for b in viewer.button)


def test_agreement_explains_kappa_and_alpha_in_words(app_env):
    at = run_page("agreement.py", actor("lead"))
    assert not at.exception
    said = _texts(at)
    assert "by chance" in said and "κ near 0" in said
    table = at.dataframe[0].value
    assert "reading" in table.columns and table["reading"].str.contains("same answer").all()
    if len(at.dataframe) > 1:
        rows = at.dataframe[1].value
        assert not rows["values"].str.contains("not_a_problem").any()
        assert "issue_code" not in rows.columns


def test_thresholds_show_labels_and_meanings_not_setting_names(app_env):
    at = run_page("thresholds.py", actor("viewer"))
    assert not at.exception
    said = _texts(at)
    assert "Residents: share of the ward's talk to be prominent" in said
    assert "residents_prominent_share" not in said
    assert all("_" not in n.label for n in at.number_input)


def test_data_needs_help_depends_on_the_role(app_env):
    viewer = run_page("data_needs.py", actor("viewer"), ward_code=GOVAN)
    assert not viewer.exception
    assert "Tick **Accept**" not in _texts(viewer)
    assert any("Only programme leads" in c.value for c in viewer.caption)


def test_insights_show_codes_in_words(app_env):
    at = run_page("insights.py", actor("lead"), ward_code=GOVAN)
    assert not at.exception
    for frame in at.dataframe:
        if "codes" in frame.value.columns:
            codes = " ".join(frame.value["codes"].astype(str))
            assert "not_a_problem" not in codes and ":problem:" not in codes


def test_across_wards_and_issues_by_wards_draw(app_env):
    for page in ("across_wards.py", "insight_analysis.py", "booster_wards.py"):
        at = run_page(page, actor("lead"), ward_code=GOVAN)
        assert not at.exception, page
        assert len(at.get("vega_lite_chart")) >= 1, page


def test_ward_with_no_insights_has_empty_states(app_env):
    engine = db.make_engine(f"sqlite:///{app_env}")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM insightcode"))
        conn.execute(text("DELETE FROM insightrevision"))
        conn.execute(text("DELETE FROM insightplace"))
        conn.execute(text("DELETE FROM insight"))
    engine.dispose()
    for page in ("insights.py", "insight_analysis.py", "agreement.py"):
        at = run_page(page, actor("lead"), ward_code=GOVAN)
        assert not at.exception, page
        assert at.info, f"{page}: no empty-state message"


def test_issue_trends_say_widening_or_narrowing_for_linked_indicators(demo_engine):
    from triangulate.numbers import ward_values as numbers

    with db.session_scope(demo_engine) as session:
        trends = numbers.issue_trends(session, "income_work", GOVAN, "Govan")
        none = numbers.issue_trends(session, "housing", GOVAN, "Govan")
    assert {t.key for t in trends} == {"cilif_children", "cilif_rate_0_15"}
    assert all(t.direction in ("widening", "narrowing", "steady") for t in trends)
    assert all("Govan" in t.sentence for t in trends)
    assert none == []  # housing's indicators have one period each


_WALL_SCRIPT = """
import streamlit as st
import ui
from ui import wall
from triangulate.joint import convergence as cv
from triangulate.joint import thresholds as th
engine = ui.engine()
ward = st.session_state.get("ward_code", "S13002971")
t = th.load(engine)
matrix = cv.matrix(engine, ui.actor(), [ward], t)
shown = wall.agenda(matrix, only_flagged=True)
st.caption(wall.filter_note(matrix, shown))
st.session_state["wall_view"] = True
wall.present(engine, ui.actor(), ward, ui.ward_name(ward), shown, t, ui.allowed("workshop.write"), ui.allowed)
"""


def _wall(role: str, ward: str = GOVAN):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(_WALL_SCRIPT, default_timeout=120)
    at.session_state["actor"] = actor(role)
    at.session_state["ward_code"] = ward
    return at.run()


def test_wall_view_shows_one_issue_with_evidence_and_steps_on(app_env):
    at = _wall("lead")
    assert not at.exception
    said = _texts(at)
    assert "issue 1 of" in said and "The numbers" in said and "Officers" in said and "Residents" in said
    assert "“" in said  # an officer insight or a resident quote, quoted
    assert any(b.label == "Save note" for b in at.button)
    at.button(key="wall-next").click().run()
    assert not at.exception
    assert "issue 2 of" in _texts(at)


def test_wall_view_for_a_viewer_reads_but_does_not_write(app_env):
    at = _wall("viewer")
    assert not at.exception
    assert not any(b.label == "Save note" for b in at.button)
    assert "written by the programme lead" in _texts(at)


def test_wall_filter_says_what_it_did():
    import pandas as pd

    from ui import wall

    matrix = pd.DataFrame({"flagged": [True, False, True], "issue": ["a", "b", "c"]})
    shown = wall.agenda(matrix, only_flagged=True)
    assert list(shown["issue"]) == ["a", "c"]
    assert wall.filter_note(matrix, shown).startswith("2 of 3")
    assert wall.filter_note(matrix, wall.agenda(matrix, False)).startswith("All 3")


def test_wall_one_line_drops_weights_and_detail():
    from ui.wall import one_line

    said = one_line("Contradicted: 3 insight(s) say it is not a problem here (weight 3.0) against 0 that raise it "
                    "(weight 0.0).")
    assert "weight" not in said and said.endswith(".")
    assert one_line("Typical: mean standardised gap -0.04 SD over 5 indicator(s): Public transport 6.1") == \
        "Typical: mean standardised gap -0.04 SD over 5 indicator(s)."
    assert one_line("Elevated: mean standardised gap +0.54 SD (worse is positive; threshold ±0.5) over 3 "
                    "indicator(s): Employment deprived 0.168") == \
        "Elevated: mean standardised gap +0.54 SD over 3 indicator(s)."
