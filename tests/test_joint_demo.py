"""The demo database (`init --demo`): Govan's matrix shows all four verdicts, each for a reason a reader
can follow back to the evidence."""
from __future__ import annotations

from triangulate.core.permissions import SYSTEM
from triangulate.joint import convergence as cv

GOVAN = "S13002971"


def test_govan_shows_all_four_verdicts(demo_engine):
    m = cv.matrix(demo_engine, SYSTEM, [GOVAN]).set_index("issue_code")
    assert m.loc["housing", "verdict"] == "agreement"
    assert m.loc["food", "verdict"] == "partial agreement"
    assert m.loc["childcare", "verdict"] == "silence"
    assert m.loc["transport", "verdict"] == "dissonance"
    # housing: all three strands flag it and share examples (indicator "overcrowded"; damp and mould)
    assert (m.loc["housing", "numbers"], m.loc["housing", "practitioners"], m.loc["housing", "residents"]) == \
        ("elevated", "raised", "prominent")
    assert "overcrowd" in m.loc["housing", "why"] and "damp" in m.loc["housing", "why"]
    # food: officers strongly, residents only in passing
    assert "different prominence" in m.loc["food", "why"]
    # childcare: residents talk about it, officers have not coded it
    assert (m.loc["childcare", "practitioners"], m.loc["childcare", "residents"]) == ("not raised", "prominent")
    # transport: officers say it is not a problem; residents say it is
    assert (m.loc["transport", "practitioners"], m.loc["transport", "residents"]) == ("contradicted", "prominent")
    assert "opposite meanings" in m.loc["transport", "why"]
    assert m["verdict"].iloc[0] == "dissonance"


def test_every_ward_has_a_verdict_per_issue(demo_engine):
    m = cv.matrix(demo_engine, SYSTEM, None)
    assert m["ward_code"].nunique() == 23
    assert set(m["verdict"]) <= set(cv.VERDICTS)
    calton = m[m["ward_code"] == "S13002975"]
    assert (calton["residents"] != "no data").any() and (calton["practitioners"] != "no data").any()
