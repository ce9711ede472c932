"""Signal rules on planted data: each strand's level changes exactly where its documented rule says."""
from __future__ import annotations

import pytest

from tests import joint_scenario as js
from triangulate.core.permissions import SYSTEM
from triangulate.joint import convergence as cv
from triangulate.joint import examples as ex
from triangulate.joint import signals as sig
from triangulate.joint.thresholds import Thresholds


def _signals(engine, ward=js.GOVAN, t=None):
    return {(s.issue_code, s.strand): s for s in sig.compute(engine, SYSTEM, t or Thresholds(), [ward])}


def test_numbers_standardised_gap_with_polarity(engine):
    js.base(engine)
    values = {js.GOVAN: 0.30, js.CALTON: 0.16, js.LINN: 0.10, js.HILLHEAD: 0.12, js.MARYHILL: 0.13}
    js.indicator(engine, "over", "Overcrowded households", "housing", values, city=0.15)
    # higher is better: Govan's high value is good news
    js.indicator(engine, "att", "School attendance", "education", values, city=0.15, polarity="higher_better")
    # no council row: city = mean of wards (no numerators)
    js.indicator(engine, "dig", "No broadband", "digital", {**values, js.GOVAN: 0.135}, city=None)
    s = _signals(engine)
    assert s[("housing", "numbers")].level == "elevated"
    assert s[("housing", "numbers")].strength == pytest.approx(2.09, abs=0.01)
    assert "Overcrowded households" in s[("housing", "numbers")].summary
    assert s[("education", "numbers")].level == "lower"
    assert s[("digital", "numbers")].level == "typical"
    assert s[("food", "numbers")].level == "no data"
    assert "no indicator is linked" in s[("food", "numbers")].summary
    assert s[("housing", "numbers")].examples == ["Overcrowded households"]


def test_numbers_parent_indicators_only_when_switched_on(engine):
    js.base(engine)
    js.indicator(engine, "inc", "Income deprivation", "cost_of_living",
                 {js.GOVAN: 0.4, js.CALTON: 0.2, js.LINN: 0.1, js.HILLHEAD: 0.15}, city=0.2)
    assert _signals(engine)[("food", "numbers")].level == "no data"
    on = _signals(engine, t=Thresholds(numbers_use_parent_indicators=True))
    assert on[("food", "numbers")].level == "elevated"
    assert "parent issue cost_of_living" in on[("food", "numbers")].summary


def test_practitioner_levels_stance_severity_and_consensus(engine):
    ids = js.base(engine)
    assert _signals(engine)[("housing", "practitioners")].level == "no data"
    js.insight(engine, js.GOVAN, "Damp flats.", [(ids["housing"], "problem", 2, "a")])
    s = _signals(engine)
    assert s[("housing", "practitioners")].level == "raised"
    assert s[("housing", "practitioners")].prominence == "low"  # 2 < 5
    assert s[("food", "practitioners")].level == "not raised"
    js.insight(engine, js.GOVAN, "Mould everywhere.", [(ids["housing"], "problem", 3, "a")])
    assert _signals(engine)[("housing", "practitioners")].prominence == "high"  # 2 + 3 = 5
    # two coders disagree; the consensus coding overrules both
    js.insight(engine, js.GOVAN, "Buses are fine here.",
               [(ids["transport"], "problem", 3, "a"), (ids["transport"], "not_a_problem", 3, "b"),
                (ids["transport"], "not_a_problem", 2, "consensus")])
    s = _signals(engine)
    assert s[("transport", "practitioners")].level == "contradicted"
    assert s[("transport", "practitioners")].strength == pytest.approx(-2.0)
    # without consensus, two coders split evenly: 3/2 - 3/2 = 0 → not contradicted
    js.insight(engine, js.GOVAN, "Fuel: meters.", [(ids["fuel"], "problem", 3, "a"),
                                                   (ids["fuel"], "not_a_problem", 3, "b")])
    assert _signals(engine)[("fuel", "practitioners")].level == "raised"


def test_resident_levels_share_against_city(engine):
    ids = js.base(engine)
    assert _signals(engine)[("transport", "residents")].level == "no data"
    js.transcript(engine, js.GOVAN, [("resident", ids["transport"], "Bus fares are dear."),
                                     ("facilitator", ids["transport"], "Tell me about buses and buses."),
                                     ("resident", None, "That's all.")] + [("resident", None, f"Filler {i}.")
                                                                            for i in range(7)])
    s = _signals(engine)
    assert s[("transport", "residents")].level == "mentioned"  # one segment < 3
    # segments about no issue (the fillers) count in no share; the facilitator is not counted at all
    assert s[("transport", "residents")].evidence["ward_segments"] == 1
    assert s[("transport", "residents")].evidence["off_topic"] == 8
    assert s[("childcare", "residents")].level == "silent"
    js.transcript(engine, js.GOVAN, [("resident", ids["transport"], f"The bus was late again, day {i}.")
                                     for i in range(3)], title="second")
    assert _signals(engine)[("transport", "residents")].level == "prominent"


def test_examples_stem_and_places():
    t = ex.terms("The families in Langlands Road flats are overcrowded; overcrowding and damp.")
    assert "langlands road" in t and t["langlands road"] == "Langlands Road"
    assert ex.stem("overcrowded") == ex.stem("overcrowding") == "overcrowd"
    assert ex.stem("buses") == ex.stem("bus") == "bus"
    assert "famili" not in t and "family" not in t
    assert ex.terms("[PERSON] said I'll skip") == {"skip": "skip"}


def test_planted_govan_gives_all_four_verdicts(engine):
    js.plant_govan(engine)
    m = cv.matrix(engine, SYSTEM, [js.GOVAN]).set_index("issue_code")
    assert m.loc["housing", "verdict"] == "agreement"
    assert m.loc["food", "verdict"] == "partial agreement"
    assert m.loc["childcare", "verdict"] == "silence"
    assert m.loc["transport", "verdict"] == "dissonance"
    assert m["verdict"].iloc[0] == "dissonance"  # what needs discussion comes first
    assert m["rank"].is_monotonic_increasing
    assert "damp" in m.loc["housing", "why"] and "+2.09 SD" in m.loc["housing", "why"]
    maryhill = cv.matrix(engine, SYSTEM, [js.MARYHILL]).set_index("issue_code")
    assert maryhill.loc["childcare", "verdict"] == "no data"
    assert maryhill.loc["housing", "verdict"] == "no data"  # only the numbers have data


def test_consensus_not_coded_removes_the_issue_from_the_insight(engine):
    ids = js.base(engine)
    js.insight(engine, js.GOVAN, "The nursery staff were lovely.",
               [(ids["childcare"], "problem", 3, "a"), (ids["childcare"], "not_coded", 1, "consensus")])
    assert _signals(engine)[("childcare", "practitioners")].level == "not raised"


def test_the_joint_face_withholds_officers_words_from_roles_that_may_not_read_insight_text(engine):
    """Officers' example words come from unredacted insight text: a viewer gets the same verdicts without them."""
    from triangulate.core.errors import PermissionDenied
    from triangulate.core.permissions import Actor

    js.plant_govan(engine)
    viewer, lead = Actor("v", "viewer"), Actor("l", "lead")
    seen = cv.matrix(engine, lead, [js.GOVAN]).set_index("issue_code")
    hidden = cv.matrix(engine, viewer, [js.GOVAN]).set_index("issue_code")
    assert list(hidden["verdict"]) == list(seen["verdict"])  # judged on the same evidence
    assert seen.loc["housing", "practitioners_examples"] and "damp" in seen.loc["housing", "why"]
    assert (hidden["practitioners_examples"] == "").all()
    assert "damp" not in hidden.loc["housing", "why"]  # the shared examples are officers' words too
    assert "insight text" in hidden.loc["housing", "why"]  # …and the reason says why they are not shown
    assert hidden.loc["housing", "residents_examples"] == seen.loc["housing", "residents_examples"]
    practitioners = [s for s in sig.compute(engine, viewer, Thresholds(), [js.GOVAN]) if s.strand == "practitioners"]
    assert practitioners and not any(s.examples or s.stems or s.all_stems for s in practitioners)
    with pytest.raises(PermissionDenied):
        cv.matrix(engine, None, [js.GOVAN])


def test_cells_hold_the_explanation_as_fields(engine):
    js.plant_govan(engine)
    cell = next(c for c in cv.cells(engine, SYSTEM, [js.GOVAN]) if c.issue_code == "transport")
    assert cell.verdict == "dissonance" and cell.reason.startswith("Dissonance:")
    assert set(cell.evidence) == set(sig.STRANDS)
    assert cell.why == cell.reason + " Evidence — " + " ".join(
        f"{cv.SUBJECT[s].capitalize()}: {cell.evidence[s]}" for s in sig.STRANDS)
    assert [(p.a, p.b) for p in cell.pairs] == list(cv.PAIRS) and all(p.reason for p in cell.pairs)


def _by_cell(signals):
    return {(s.ward_code, s.issue_code, s.strand): (s.level, s.strength, s.summary, s.examples, s.evidence)
            for s in signals}


def test_one_ward_reads_the_same_verdicts_as_the_whole_city(engine):
    """One ward's signals come from its own rows plus the rest of the city's counts (`REST_OF_CITY`): they must
    equal that ward's rows of the city-wide computation, shares, off-topic counts and examples included."""
    js.plant_govan(engine)
    ids = js.base(engine)
    js.transcript(engine, js.CALTON, [("resident", ids["transport"], "The buses up the Gallowgate are dear."),
                                      ("resident", ids["housing"], "Damp in the close again."),
                                      ("resident", None, "Aye.")], title="Calton group")
    js.transcript(engine, js.LINN, [("resident", ids["housing"], "Rent went up twice.")] * 3, title="Linn chat")
    city = _by_cell(sig.compute(engine, SYSTEM, Thresholds(), None))
    for ward in (js.GOVAN, js.CALTON, js.MARYHILL):
        one = _by_cell(sig.compute(engine, SYSTEM, Thresholds(), [ward]))
        assert one == {key: value for key, value in city.items() if key[0] == ward}, ward


def test_a_ward_sees_the_city_waiting_for_analysis(engine):
    """Segments still waiting for the analysis in another ward hold back every ward's residents' verdicts."""
    js.plant_govan(engine)
    tr = js.transcript(engine, js.CALTON, [("resident", None, "Just in.")], title="New upload")
    from sqlmodel import select

    from schemas import Segment
    from triangulate.core.db import session_scope
    with session_scope(engine) as s:
        for seg in s.exec(select(Segment).where(Segment.transcript_id == tr)):
            seg.issue_source = ""
            s.add(seg)
    s = _signals(engine)
    assert s[("housing", "residents")].level == "not analysed"
    assert s[("housing", "residents")].evidence["waiting_city"] == 1
    assert s[("housing", "residents")].evidence["waiting"] == 0
