"""Insights: create, edit own with history, delete own, code, list, coded_frame, crosstab, agreement."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from schemas import AuditEvent, Insight, InsightCode, InsightRevision, Ward
from triangulate.access import auth
from triangulate.codebook import issues as codebook
from triangulate.core import db
from triangulate.core.errors import PermissionDenied
from triangulate.core.permissions import SYSTEM, Actor
from triangulate.practitioners import agreement, insights

GOVAN, CALTON = "S13002971", "S13002975"
DAY = date(2026, 9, 1)


@pytest.fixture
def setup(engine):
    codebook.load_default(engine, SYSTEM)
    with db.session_scope(engine) as s:
        s.add_all([Ward(code=GOVAN, name="Govan"), Ward(code=CALTON, name="Calton")])
    jo = auth.create_user(engine, SYSTEM, "jo", "long-password-1", "officer", "Jo Reid", "Community engagement")
    priya = auth.create_user(engine, SYSTEM, "priya", "long-password-2", "officer", "Priya N", "Health visiting")
    return engine, jo, priya


def _new(engine, actor, text="Mould in the bedrooms on Langlands Road.", ward="Govan", codes=None, **kw):
    return insights.create(engine, actor, ward=ward, observed_on=kw.pop("observed_on", DAY), text=text,
                           role_service="Community engagement", evidence_type="direct observation",
                           codes=codes if codes is not None else [{"issue": "housing", "stance": "problem",
                                                                   "severity": 3}], **kw)


def _count(engine, model):
    with db.session_scope(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_create_codes_and_audits(setup):
    engine, jo, _ = setup
    saved = _new(engine, jo)
    assert saved.ward_code == GOVAN and saved.author_id == jo.id and saved.author_name == "Jo Reid"
    insight, codings = insights.get(engine, jo, saved.id)
    assert [(c.issue_code, c.stance, c.severity, c.coder) for c in codings] == [("housing", "problem", 3, "jo")]
    with db.session_scope(engine) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.entity == "insight")).one().action == "create"


def test_double_submit_with_same_token_saves_once(setup):
    engine, jo, _ = setup
    first = _new(engine, jo, client_token="tok-1")
    second = _new(engine, jo, client_token="tok-1")
    assert first.id == second.id and _count(engine, Insight) == 1


def test_html_is_stored_as_typed(setup):
    engine, jo, _ = setup
    text = "<script>alert('x')</script><b>bold</b> & damp"
    saved = _new(engine, jo, text=text)
    assert insights.get(engine, jo, saved.id)[0].text == text


@pytest.mark.parametrize("kwargs,field,message", [
    ({"text": "x" * 10_001}, "text", "10,001 characters; the limit is 10,000"),
    ({"text": "   "}, "text", "required"),
    ({"ward": "Atlantis"}, "ward", "not a ward"),
    ({"codes": [{"issue": "unicorns", "stance": "problem"}]}, "codes", "not in the codebook"),
    ({"codes": [{"issue": "food", "stance": "terrible"}]}, "codes", "stance"),
    ({"codes": [{"issue": "food", "stance": "problem", "severity": 5}]}, "codes", "severity"),
    ({"observed_on": date.today() + timedelta(days=3)}, "observed_on", "future"),
])
def test_bad_input_gives_clear_message_and_saves_nothing(setup, kwargs, field, message):
    engine, jo, _ = setup
    with pytest.raises(insights.InvalidInsight) as caught:
        _new(engine, jo, **kwargs)
    assert message in caught.value.problems[field]
    assert _count(engine, Insight) == 0


def test_exactly_ten_thousand_characters_is_fine(setup):
    engine, jo, _ = setup
    assert len(_new(engine, jo, text="a" * 10_000).text) == 10_000


def test_edit_own_keeps_history_and_others_cannot(setup):
    engine, jo, priya = setup
    saved = _new(engine, jo)
    insights.edit(engine, jo, saved.id, text="Mould and damp in the bedrooms.", families=3,
                  codes=[{"issue": "housing", "stance": "worsening", "severity": 3}])
    revisions = insights.history(engine, jo, saved.id)
    assert len(revisions) == 1 and revisions[0].snapshot["text"] == "Mould in the bedrooms on Langlands Road."
    assert revisions[0].snapshot["codes"][0]["stance"] == "problem"
    with pytest.raises(PermissionDenied, match="own"):
        insights.edit(engine, priya, saved.id, text="hijack")
    with pytest.raises(PermissionDenied):
        insights.delete(engine, priya, saved.id)
    insights.edit(engine, Actor("admin", "admin", id=None), saved.id, confidence="high")  # edit_any
    insights.delete(engine, jo, saved.id)
    assert _count(engine, Insight) == 0 and _count(engine, InsightRevision) == 0 and _count(engine, InsightCode) == 0


@pytest.mark.parametrize("role", ["viewer", "lead", "researcher"])
def test_only_officers_create(setup, role):
    engine, _, _ = setup
    with pytest.raises(PermissionDenied):
        _new(engine, Actor(role, role, id=99))


@pytest.mark.parametrize("role", ["viewer"])
def test_viewer_cannot_read_text_code_or_export(setup, role):
    engine, jo, _ = setup
    saved = _new(engine, jo)
    viewer = Actor(role, role)
    for call in (lambda: insights.list_frame(engine, viewer), lambda: insights.get(engine, viewer, saved.id),
                 lambda: insights.code(engine, viewer, saved.id, []),
                 lambda: insights.drill_down(engine, viewer, GOVAN, "housing"),
                 lambda: agreement.by_issue(engine, viewer),
                 lambda: agreement.settle(engine, viewer, saved.id, "housing", "problem")):
        with pytest.raises(PermissionDenied):
            call()
    assert not insights.crosstab(engine, viewer).empty  # aggregates are allowed


def test_officer_cannot_settle(setup):
    engine, jo, _ = setup
    saved = _new(engine, jo)
    with pytest.raises(PermissionDenied):
        agreement.settle(engine, jo, saved.id, "housing", "problem")


def test_list_filters(setup):
    engine, jo, priya = setup
    _new(engine, jo)
    _new(engine, priya, text="Food bank referrals doubled.", ward=CALTON,
         codes=[{"issue": "food", "stance": "problem", "severity": 3}], observed_on=date(2026, 3, 1))
    everything = insights.list_frame(engine, jo)
    assert len(everything) == 2 and everything["mine"].sum() == 1
    assert list(insights.list_frame(engine, jo, insights.Filters(wards=(CALTON,)))["ward"]) == ["Calton"]
    assert len(insights.list_frame(engine, jo, insights.Filters(issues=("food",)))) == 1
    assert len(insights.list_frame(engine, jo, insights.Filters(date_from=date(2026, 6, 1)))) == 1
    assert len(insights.list_frame(engine, jo, insights.Filters(roles=("Nope",)))) == 0
    assert len(insights.list_frame(engine, jo, insights.Filters(mine_only=True))) == 1


def test_second_coder_consensus_wins_in_coded_frame(setup):
    engine, jo, priya = setup
    saved = _new(engine, jo, codes=[{"issue": "housing", "stance": "problem", "severity": 3},
                                    {"issue": "health", "stance": "problem", "severity": 2}])
    insights.code(engine, priya, saved.id, [{"issue": "housing", "stance": "worsening", "severity": 2}])
    with db.session_scope(engine) as s:
        frame = insights.coded_frame(s, GOVAN)
    housing = frame[frame["issue_code"] == "housing"]
    assert sorted(housing["coder"]) == ["jo", "priya"] and housing["weight"].tolist() == [0.5, 0.5]
    table = agreement.by_issue(engine, SYSTEM).set_index("issue_code")
    assert table.loc["housing", "percent_agreement"] == 0 and table.loc["housing", "disagreements"] == 1
    rows = agreement.disagreements(engine, SYSTEM)
    assert set(rows["issue_code"]) == {"housing", "health"}
    researcher = Actor("sam", "researcher")
    agreement.settle(engine, researcher, saved.id, "housing", "worsening", 3)
    agreement.settle(engine, researcher, saved.id, "health", "not_coded")
    with db.session_scope(engine) as s:
        frame = insights.coded_frame(s)
    assert frame[["issue_code", "coder", "stance", "severity", "weight", "is_consensus"]].values.tolist() == [
        ["housing", "consensus", "worsening", 3, 1.0, True]]
    assert agreement.disagreements(engine, SYSTEM, include_settled=False).empty
    with db.session_scope(engine) as s:
        assert insights.insight_counts(s) == {GOVAN: 1}
        pairs = insights.coded_for_ward(s, GOVAN)
    assert [(i.id, c.coder) for i, c in pairs] == [(saved.id, "consensus")]


def test_agreement_statistics_against_known_values(setup):
    """Two coders, four insights, housing: values agree on 3 of 4."""
    engine, jo, priya = setup
    plan = [("problem", "problem"), ("problem", "problem"), (None, None), ("problem", "worsening")]
    for n, (a, b) in enumerate(plan):
        base = [{"issue": "food", "stance": "problem"}]
        saved = _new(engine, jo, text=f"insight {n}", codes=base + ([{"issue": "housing", "stance": a}] if a else []))
        insights.code(engine, priya, saved.id, base + ([{"issue": "housing", "stance": b}] if b else []))
    row = agreement.by_issue(engine, SYSTEM).set_index("issue_code").loc["housing"]
    assert row["percent_agreement"] == 75.0 and row["units"] == 4
    from sklearn.metrics import cohen_kappa_score
    expected = cohen_kappa_score(["problem", "problem", "absent", "problem"], ["problem", "problem", "absent",
                                                                             "worsening"])
    assert row["cohen_kappa"] == pytest.approx(round(expected, 3))
    assert row["krippendorff_alpha"] is not None and 0 < row["krippendorff_alpha"] < 1
    food = agreement.by_issue(engine, SYSTEM).set_index("issue_code").loc["food"]
    assert food["percent_agreement"] == 100 and food["cohen_kappa"] != food["cohen_kappa"]  # NaN: undefined


def test_crosstab_and_drill_down(setup):
    engine, jo, _ = setup
    _new(engine, jo)
    _new(engine, jo, text="Buses are fine here.", codes=[{"issue": "transport", "stance": "not_a_problem",
                                                          "severity": 1}])
    table = insights.crosstab(engine, Actor("v", "viewer"))
    assert set(zip(table["issue_code"], table["stance"])) == {("housing", "problem"), ("transport", "not_a_problem")}
    assert "text" not in table.columns
    detail = insights.drill_down(engine, jo, GOVAN, "transport")
    assert detail["text"].tolist() == ["Buses are fine here."]


def test_demo_data_follows_the_govan_plan(demo_engine):
    with db.session_scope(demo_engine) as s:
        counts = insights.insight_counts(s)
        frame = insights.coded_frame(s)
    assert sum(counts.values()) >= 60 and len([w for w, n in counts.items() if n >= 10]) >= 5
    govan = frame[frame["ward_code"] == GOVAN]
    assert "childcare" not in set(govan["issue_code"])
    housing = govan[govan["issue_code"] == "housing"]
    assert (housing["severity"] == 3).sum() >= 4 and set(housing["stance"]) == {"problem"}
    assert set(govan[govan["issue_code"] == "transport"]["stance"]) == {"not_a_problem"}
    assert govan[(govan["issue_code"] == "food") & (govan["severity"] == 3)]["weight"].sum() >= 4
    assert set(govan[govan["issue_code"] == "fuel"]["stance"]) == {"problem"}
    assert bool(frame["illustrative"].all())
    table = agreement.by_issue(demo_engine, SYSTEM)
    assert table["disagreements"].sum() >= 4
