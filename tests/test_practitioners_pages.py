"""AppTest for the practitioners' pages, as each role would see them (demo database)."""
from __future__ import annotations

import pytest
from sqlmodel import func, select

from schemas import Insight, InsightCode, User
from tests.apptest_helpers import run_page
from triangulate.access.auth import actor_of
from triangulate.core import db

GOVAN = "S13002971"


def _user(app_env, username):
    engine = db.make_engine(f"sqlite:///{app_env}")
    with db.session_scope(engine) as s:
        return actor_of(s.exec(select(User).where(User.username == username)).one())


def _count(app_env, model=Insight):
    engine = db.make_engine(f"sqlite:///{app_env}")
    with db.session_scope(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def _markdown(at) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)


def _charts(at):
    return at.get("vega_lite_chart")


@pytest.mark.slow
def test_record_an_insight_with_a_suggestion_and_a_double_click(app_env):
    officer = _user(app_env, "officer")
    before = _count(app_env)
    at = run_page("insight_new.py", officer, ward_code=GOVAN)
    assert not at.exception
    at.text_area(key="insight_text").input(
        "<script>alert(1)</script> Two families on Langlands Road showed me black mould and damp in the kids' room.")
    at.run()
    add = [b for b in at.button if b.label == "Add"]
    assert add, "suggestions with an Add button"
    assert any("Housing" in t.value for t in at.text)
    assert at.multiselect(key="chosen_codes").value == []  # never applied without a click
    add[0].click().run()
    assert at.multiselect(key="chosen_codes").value == ["housing"]
    token = at.session_state["insight_token"]
    at.button(key="FormSubmitter:insight_details-Save insight").click().run()
    assert not at.exception
    assert any("Saved insight" in s.value for s in at.success)
    assert _count(app_env) == before + 1
    # a second click with the same form token (before the page reset) must not add another
    at.session_state["insight_token"] = token
    at.session_state["insight_text"] = "A double click: the same submission again."
    at.run()
    at.button(key="FormSubmitter:insight_details-Save insight").click().run()
    assert _count(app_env) == before + 1
    assert "<script>" not in _markdown(at)


def test_record_page_validation_and_roles(app_env, as_role):
    at = run_page("insight_new.py", _user(app_env, "officer"), ward_code=GOVAN)
    at.button(key="FormSubmitter:insight_details-Save insight").click().run()
    assert not at.exception
    assert any("required" in e.value for e in at.error)
    at = run_page("insight_new.py", _user(app_env, "viewer"))
    assert not at.exception and any("for officers" in i.value for i in at.info)


def test_insights_list_edit_own_and_history(app_env):
    officer = _user(app_env, "officer")
    at = run_page("insights.py", officer, ward_code=GOVAN)
    assert not at.exception
    assert any("My insights" in h.value for h in at.subheader)
    assert any("Illustrative" in c.value for c in at.caption)
    assert len(at.dataframe) >= 1
    downloads = at.get("download_button")
    assert any("CSV" in d.proto.label for d in downloads)
    at = run_page("insights.py", _user(app_env, "viewer"))
    assert not at.exception and any("totals" in i.value for i in at.info)


def test_second_coder_adds_coding_on_insights_page(app_env):
    priya = _user(app_env, "healthvisitor")
    at = run_page("insights.py", priya, ward_code=GOVAN)
    insight_id = at.selectbox[-1].value if at.selectbox else None
    assert insight_id is not None
    key = f"cp_{insight_id}"
    at.multiselect(key=key).set_value(["food"]).run()
    at.button(key=f"save_code_{insight_id}").click().run()
    assert not at.exception
    assert any("coding is saved" in s.value for s in at.success)
    engine = db.make_engine(f"sqlite:///{app_env}")
    with db.session_scope(engine) as s:
        mine = s.exec(select(InsightCode).where(InsightCode.insight_id == insight_id,
                                                InsightCode.coder == "healthvisitor")).all()
    assert [c.stance for c in mine] == ["problem"] and len(mine) == 1


def test_analysis_viewer_sees_aggregates_only(app_env):
    at = run_page("insight_analysis.py", _user(app_env, "viewer"), ward_code=GOVAN)
    assert not at.exception
    assert len(_charts(at)) == 2
    assert any("totals only" in i.value for i in at.info)
    assert not at.dataframe
    at = run_page("insight_analysis.py", _user(app_env, "lead"), ward_code=GOVAN)
    assert not at.exception
    frames = at.dataframe
    assert frames and "text" in frames[0].value.columns


def test_agreement_page_and_settle(app_env):
    at = run_page("agreement.py", _user(app_env, "researcher"))
    assert not at.exception
    assert len(at.dataframe) >= 2
    at.button(key="FormSubmitter:settle-Record the consensus").click().run()
    assert not at.exception
    assert any("Consensus recorded" in s.value for s in at.success)
    engine = db.make_engine(f"sqlite:///{app_env}")
    with db.session_scope(engine) as s:
        assert s.exec(select(InsightCode).where(InsightCode.is_consensus == True)).first()  # noqa: E712
    at = run_page("agreement.py", _user(app_env, "officer"))
    assert not at.exception and any("Leads and researchers" in c.value for c in at.caption)


def test_codebook_page_add_merge_and_roles(app_env):
    researcher = _user(app_env, "researcher")
    at = run_page("codebook.py", researcher)
    assert not at.exception
    assert any(d.proto.label.startswith("Download as REFI-QDA") for d in at.get("download_button"))
    form_inputs = [t for t in at.text_input]
    form_inputs[0].input("Period poverty")
    form_inputs[1].input("period_poverty")
    at.button(key="FormSubmitter:add_issue-Add issue").click().run()
    assert not at.exception and any("Added" in s.value for s in at.success)
    merge = [b for b in at.button if b.label == "Merge"][0]
    assert merge.disabled  # confirmation first
    at = run_page("codebook.py", _user(app_env, "viewer"))
    assert not at.exception and not at.tabs
    assert any("Researchers and admins" in c.value for c in at.caption)
