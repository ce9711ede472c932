"""AppTest of the numbers pages on the demo database, and the import budget of the pages."""
import subprocess
import sys
import textwrap

from tests.apptest_helpers import ROOT, run_page
from tests.conftest import actor

GOVAN = "S13002971"


def test_home_shows_ward_picker_data_and_attribution(app_env):
    at = run_page("home.py", actor("viewer"))
    assert not at.exception
    assert at.selectbox[0].value == GOVAN
    assert any("Income deprived" in m.label for m in at.metric)
    assert any("Open Government Licence" in c.value for c in at.caption)
    sources = at.dataframe[0].value
    assert "Scottish Government" in set(sources["publisher"])
    assert any("Illustrative" in i.value for i in at.info)


def test_home_back_to_govan(app_env):
    at = run_page("home.py", actor("viewer"), ward_code="S13002975")
    assert not at.exception
    at.button(key="home_govan").click().run()
    assert at.session_state["ward_code"] == GOVAN


def test_ward_profile_govan(app_env):
    at = run_page("ward_profile.py", actor("viewer"), ward_code=GOVAN)
    assert not at.exception
    table = at.dataframe[0].value
    assert "Income deprived (share of people)" in set(table["title"])
    assert len(at.get("vega_lite_chart")) >= 4  # gap, comparison, ranking, ward map, DZ map
    assert any("fit only fairly or uncertainly" in m.value for m in at.markdown)


def test_ward_profile_iz_indicator_falls_back_to_dz_map(app_env):
    at = run_page("ward_profile.py", actor("viewer"), ward_code="S13002975")
    at.selectbox(key="profile_indicator").set_value("cilif_children").run()
    assert not at.exception
    assert any("not published for data zones" in c.value for c in at.caption)


def test_indicators_page_lists_and_hides_upload_from_viewer(app_env):
    at = run_page("indicators.py", actor("viewer"))
    assert not at.exception
    assert "cilif_children" in set(at.dataframe[0].value["key"])
    assert any("researcher or admin" in i.value for i in at.info)


def test_indicators_page_researcher_sees_upload(app_env):
    at = run_page("indicators.py", actor("researcher"))
    assert not at.exception
    assert any(b.label == "Check the file" for b in at.button)


def test_indicators_page_shows_the_metadata_the_file_gave_before_confirming(app_env):
    from tests.test_numbers_import import statxplore
    from triangulate.core import db
    from triangulate.numbers import importing as numbers_import

    data = statxplore([("Darnley East", 409, 420), ("Maxwell Park", 120, 131)]).encode()
    plan = numbers_import.plan_import(db.get_engine(), "cilif_iz.csv", data)
    at = run_page("indicators.py", actor("researcher"), ind_plan=("cilif_iz.csv", data, {}, plan))
    assert not at.exception
    shown = dict(zip(at.dataframe[1].value["field"], at.dataframe[1].value["value"]))
    assert shown["publisher"] == "Department for Work and Pensions" and shown["unit"] == "count"
    assert any(b.label == "Confirm import" for b in at.button)


def test_booster_page_ranks_and_reweights(app_env):
    at = run_page("booster_wards.py", actor("viewer"))
    assert not at.exception
    ranking = at.dataframe[0].value
    assert len(ranking) == 23 and ranking["top"].sum() == 10
    assert ranking.iloc[0]["score"] >= ranking.iloc[1]["score"]
    at.slider[0].set_value(1.0).run()
    at.slider[1].set_value(0.0).run()
    by_scale = at.dataframe[0].value
    assert list(by_scale["children"]) == sorted(by_scale["children"], reverse=True)


def test_numbers_pages_do_not_import_heavy_libraries(app_env):
    """Run in a fresh interpreter so other tests' imports cannot hide a regression."""
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.apptest_helpers import run_page
        from tests.conftest import actor
        for page in ("home.py", "ward_profile.py", "indicators.py", "booster_wards.py"):
            at = run_page(page, actor("researcher"), ward_code="{GOVAN}")
            assert not at.exception, (page, at.exception)
        heavy = [m for m in ("torch", "spacy", "bertopic", "sentence_transformers") if m in sys.modules]
        print("HEAVY", heavy)
        assert not heavy, heavy
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "HEAVY []" in done.stdout
