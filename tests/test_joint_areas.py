"""The joint display for an area below the ward: the same rules, each strand restricted to evidence placed
there (tests/area_scenario.py says what is planted where)."""
import pytest

from tests import area_scenario as sc
from tests import joint_scenario as js
from triangulate.core import places
from triangulate.core.permissions import SYSTEM
from triangulate.joint import convergence as cv
from triangulate.joint import signals as sig


@pytest.fixture
def planted(engine):
    sc.plant(engine)
    return engine


def _area(engine, code):
    return next(a for a in places.areas_in_ward(engine, js.GOVAN) if a.code == code)


def _cell(frame, area_name, issue):
    hit = frame[(frame["area"] == area_name) & (frame["issue_code"] == issue)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_each_strand_counts_only_the_evidence_placed_in_the_area(planted):
    m = cv.matrix(planted, SYSTEM, [js.GOVAN], area=_area(planted, sc.IBROX))
    assert set(m["area"]) == {"Ibrox"} and set(m["ward_code"]) == {js.GOVAN}
    housing = _cell(m, "Ibrox", "housing")
    assert (housing["numbers"], housing["practitioners"], housing["residents"]) == ("elevated", "raised", "prominent")
    assert "3 insight(s) of the area's 3" in housing["practitioners_summary"]  # not the ward's 11
    assert "across the city's intermediate zones" in housing["numbers_summary"]
    # 16 resident turns of the focus group held in Ibrox and the Calton turn that mentions Ibrox, 1 about no issue
    assert "of the area's 17 resident segments" in housing["residents_summary"]
    transport = _cell(m, "Ibrox", "transport")
    assert transport["practitioners"] == "not raised"  # the transport insights are placed elsewhere
    assert transport["numbers"] == "no data"  # that indicator is published by ward only


def test_nothing_placed_is_no_data_not_silence(planted):
    m = cv.matrix(planted, SYSTEM, [js.GOVAN], area=_area(planted, sc.DRUMOYNE))
    row = _cell(m, "Drumoyne and Shieldhall", "housing")
    assert row["practitioners"] == "no data" and "placed in this area" in row["practitioners_summary"]
    assert row["residents"] == "no data" and "placed in this area" in row["residents_summary"]
    assert row["numbers"] == "typical"  # the numbers still speak for the IZ
    assert row["verdict"] == "no data"


def test_the_ward_and_a_whole_ward_area_are_unchanged(planted):
    ward = cv.matrix(planted, SYSTEM, [js.GOVAN])
    whole = cv.matrix(planted, SYSTEM, [js.GOVAN], area=places.ward_area(js.GOVAN, "Govan"))
    assert "area" not in whole.columns
    assert list(ward["verdict"]) == list(whole["verdict"])
    assert _row(ward, "housing")["practitioners_summary"].count("of the ward's") == 1


def _row(frame, issue):
    return frame[frame["issue_code"] == issue].iloc[0]


def test_a_neighbourhood_counts_an_insight_placed_in_two_of_its_izs_once(planted):
    hood = places.Area("Ibrox and Linthouse", "Ibrox and Linthouse", "neighbourhood", js.GOVAN,
                       (sc.GOVAN_LINTHOUSE, sc.IBROX_EAST))
    row = _cell(cv.matrix(planted, SYSTEM, [js.GOVAN], area=hood), "Ibrox and Linthouse", "transport")
    assert row["practitioners"] == "contradicted"
    assert "2 insight(s) say it is not a problem" in row["practitioners_summary"]  # 3 place rows, 2 insights


def test_many_areas_at_once_equal_each_alone(planted):
    areas = places.areas_in_ward(planted, js.GOVAN)
    together = cv.matrix(planted, SYSTEM, [js.GOVAN], area=areas)
    assert len(together) == len(areas) * len(set(together["issue_code"]))
    for area in areas:
        alone = cv.matrix(planted, SYSTEM, [js.GOVAN], area=area)
        mine = together[together["area_code"] == area.code]
        cols = ["issue_code", "numbers", "practitioners", "residents", "verdict", "why"]
        ordered = mine.sort_values("issue_code")[cols].values.tolist()
        assert ordered == alone.sort_values("issue_code")[cols].values.tolist()


def test_the_city_share_stays_city_wide(planted):
    ward = [s for s in sig.compute(planted, SYSTEM, ward_codes=[js.GOVAN]) if s.strand == "residents"
            and s.issue_code == "housing"][0]
    area = [s for s in sig.compute(planted, SYSTEM, ward_codes=[js.GOVAN], area=_area(planted, sc.IBROX))
            if s.strand == "residents" and s.issue_code == "housing"][0]
    assert area.evidence["city_share"] == pytest.approx(ward.evidence["city_share"])
    assert area.area_code == sc.IBROX and area.ward_code == js.GOVAN


def test_an_area_code_from_another_council_is_refused_with_the_fix(planted):
    with pytest.raises(Exception, match="Aberdeen City") as err:
        places.resolve_area(planted, "S02001236", js.GOVAN)  # Culter, Aberdeen
    assert "Fix" in str(err.value)


def _url(engine):
    return engine.url.render_as_string(hide_password=False)


def test_cli_matrix_for_an_area_as_json_and_csv(planted, capsys):
    import io
    import json

    import pandas as pd

    from triangulate.cli import main as cli

    assert cli(["--database-url", _url(planted), "matrix", "--ward", "Govan", "--area", "ibrox", "--format",
                "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["area"] for r in rows} == {"Ibrox"} and {r["area_code"] for r in rows} == {sc.IBROX}
    assert next(r for r in rows if r["issue_code"] == "housing")["practitioners"] == "raised"
    assert cli(["--database-url", _url(planted), "matrix", "--ward", "S13002971", "--area", "S01009860"]) == 0
    out = capsys.readouterr()
    frame = pd.read_csv(io.StringIO(out.out))
    assert set(frame["area_code"]) == {sc.IBROX} and "is a data zone" in out.err  # a DZ answers for its IZ


def test_cli_refuses_an_area_elsewhere_naming_the_fix(planted, capsys):
    from triangulate.cli import main as cli

    assert cli(["--database-url", _url(planted), "matrix", "--ward", "Govan", "--area", "S02001236"]) != 0
    err = capsys.readouterr().err
    assert "Aberdeen City" in err and "Fix" in err
    assert cli(["--database-url", _url(planted), "matrix", "--ward", "Govan", "--area", "Calton"]) != 0
    assert "Fix" in capsys.readouterr().err


def test_a_name_that_is_a_ward_and_an_iz_is_the_place_inside_the_ward(planted, capsys):
    import json

    from schemas import Ward
    from triangulate.cli import main as cli
    from triangulate.core.db import session_scope

    with session_scope(planted) as s:
        s.add(Ward(code="S13002978", name="Victoria Park"))
    args = ["--database-url", _url(planted), "matrix", "--format", "json", "--area", "Victoria Park", "--ward"]
    assert cli([*args, "Victoria Park"]) == 0
    assert {r["area_code"] for r in json.loads(capsys.readouterr().out)} == {"S02001960"}  # the IZ, not the ward
    assert cli([*args, "Govan"]) != 0
    err = capsys.readouterr().err
    assert "Victoria Park" in err and "Fix" in err and "Govan" in err


def test_an_areas_gaps_propose_data_needs_for_that_area(planted):
    from triangulate.joint import dataneeds

    drumoyne = _area(planted, sc.DRUMOYNE)
    m = cv.matrix(planted, SYSTEM, [js.GOVAN], area=drumoyne)
    proposals = dataneeds.proposals_frame(dataneeds.propose(planted, SYSTEM, matrix=m))
    childcare = proposals[(proposals["issue_code"] == "childcare") & (proposals["strand"] == "residents")].iloc[0]
    assert childcare["description"].startswith("No resident voice from Drumoyne and Shieldhall on childcare")
    assert childcare["area_code"] == sc.DRUMOYNE and childcare["reason"] == "no data"
    need = dataneeds.accept(planted, SYSTEM, js.GOVAN, "childcare", "residents", childcare["description"],
                            area_code=sc.DRUMOYNE, area_name="Drumoyne and Shieldhall")
    again = dataneeds.proposals_frame(dataneeds.propose(planted, SYSTEM, matrix=m))
    assert not ((again["issue_code"] == "childcare") & (again["strand"] == "residents")).any()
    ward_level = dataneeds.proposals_frame(dataneeds.propose(planted, SYSTEM, [js.GOVAN]))
    assert set(ward_level["area_code"]) == {""}  # the ward's own proposals are not taken by the area's need
    row = dataneeds.register(planted, SYSTEM, [js.GOVAN]).set_index("id").loc[need]
    assert (row["area"], row["area_code"]) == ("Drumoyne and Shieldhall", sc.DRUMOYNE)


def test_the_report_carries_the_area(planted, tmp_path, capsys):
    from triangulate.cli import main as cli
    from triangulate.joint import report

    data = report.build(planted, SYSTEM, js.GOVAN, area=_area(planted, sc.IBROX))
    html = report.render_html(data)
    assert "Triangulate: Ibrox (S02001859), Govan" in html and "Evidence in this area." in html
    assert set(data.matrix["area_code"]) == {sc.IBROX}
    housing = next(s for s in data.sections if s.code == "housing")
    assert len(housing.insights) == 3  # the insights placed in Ibrox, not the ward's
    out = tmp_path / "ibrox.xlsx"
    assert cli(["--database-url", _url(planted), "report", "--ward", "Govan", "--area", "Ibrox", "--out",
                str(out)]) == 0
    import pandas as pd

    settings = pd.read_excel(out, sheet_name=None)
    sheet = next(f for name, f in settings.items() if "setting" in f.columns and (f["setting"] == "area").any())
    assert sheet.loc[sheet["setting"] == "area", "value"].iloc[0] == "Ibrox (S02001859), Govan"
