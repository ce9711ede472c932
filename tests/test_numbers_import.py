"""Indicator import: formats, encodings, bad input, atomicity, idempotency, permissions."""
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlmodel import func, select

from schemas import AuditEvent, ImportBatch, IndicatorValue
from triangulate.core.db import session_scope
from triangulate.core.errors import ImportFailed, PermissionDenied
from triangulate.numbers import glasgow
from triangulate.numbers import ward_values as numbers
from triangulate.numbers.importing import import_indicators, plan_import

META = dict(key="fsm_rate", title="Pupils registered for free school meals", source="Healthy Living Survey",
            publisher="Scottish Government", definition="Pupils registered for free school meals ÷ pupils.",
            unit="fraction", polarity="higher_worse", aggregation="ratio", issue_codes=["food", "school_costs"])
GOVAN, CALTON = "S13002971", "S13002975"


def n_values(engine):
    with session_scope(engine) as s:
        return s.exec(select(func.count()).select_from(IndicatorValue)).one()


def statxplore(rows, periods=("2021/22 (p)", "2022/23 (p)")) -> str:
    """A file shaped like a DWP Stat-Xplore CSV export: title rows, filters, annotations, Total, footnotes."""
    head = ['"Dataset:","Children in Low Income Families"', "", '"Measure:","Relative Low Income"',
            '"Counting:","Number of children"', "", '"Filters:"', '"Age of Child (bands)","Total"',
            '"Family Type","Total"', ""]
    cols = ",".join(f'"{p}","{p} - Annotations"' for p in periods)
    lines = head + [f'"","Year",{cols}', '"Intermediate Zone","",' + ",".join('""' for _ in periods * 2)]
    for name, *vals in rows:
        lines.append(f'"{name}",""' + "".join(f",{v}," for v in vals))
    lines += ['"Total","",' + ",".join("0," for _ in periods), "", '"* 2022/23 figures are provisional."',
              '"Data extracted on 14 May 2024 at 10:01"']
    return "\n".join(lines) + "\n"


def test_statxplore_names_new_period_and_idempotent(demo_engine, as_role):
    text = statxplore([("Darnley East", 409, 420), ("Darnley North", 268, "..")])
    r = import_indicators(demo_engine, as_role("researcher"), "cilif.csv", text.encode(),
                          meta={"key": "cilif_children"})
    assert r.added == 2 and r.skipped == 2 and r.periods == ["FYE 2023 (provisional)"]
    assert any("suppressed" in n for n in r.notes)
    again = import_indicators(demo_engine, as_role("researcher"), "cilif.csv", text.encode(),
                              meta={"key": "cilif_children"})
    assert again.already_imported and again.added == 0
    with session_scope(demo_engine) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.entity_id == str(r.batch_id))).first() is not None


def test_long_csv_by_code_and_name_new_indicator(demo_engine, as_role):
    text = ("area_code,period,numerator,denominator\n"
            f"{GOVAN},2023,300,1000\nCalton,2023,250,900\n")
    r = import_indicators(demo_engine, as_role("researcher"), "fsm.csv", text.encode(), meta=META)
    assert r.added == 2
    with session_scope(demo_engine) as s:
        t = numbers.ward_indicator_table(s, GOVAN).set_index("indicator_key")
        assert t.loc["fsm_rate", "value"] == pytest.approx(0.3)
        assert t.loc["fsm_rate", "issue_codes"] == ("food", "school_costs")


def test_tidy_statistics_gov_scot_with_dimensions(demo_engine, as_role):
    text = ("FeatureCode,DateCode,Measurement,Units,Value,Age\n"
            "S01010180,2021,Count,People,12,All\nS01010180,2021,Count,People,5,0-4\n"
            "S01010181,2021,Count,People,20,All\nS01010181,2021,Ratio,Percent,3.1,All\n")
    with pytest.raises(ImportFailed) as exc:
        import_indicators(demo_engine, as_role("researcher"), "tidy.csv", text.encode(),
                          meta={**META, "key": "people_x", "unit": "count", "aggregation": "sum"})
    assert "several measurements" in exc.value.problems[0].message
    r = import_indicators(demo_engine, as_role("researcher"), "tidy.csv", text.encode(),
                          meta={**META, "key": "people_x", "unit": "count", "aggregation": "sum"},
                          measurement="Count")
    assert r.added == 3


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_encodings(demo_engine, as_role, encoding):
    text = "area,period,value\nGovan,2023 – Q1 café,12\n"
    r = import_indicators(demo_engine, as_role("researcher"), "e.csv", text.encode(encoding),
                          meta={**META, "key": "enc_count", "unit": "count", "aggregation": "sum"})
    assert r.periods == ["2023 – Q1 café"]


def xlsx(sheets: dict) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_several_sheets_and_metadata_sheet(demo_engine, as_role):
    meta_rows = [["field", "value"]] + [[k, ",".join(v) if isinstance(v, list) else v] for k, v in META.items()]
    data = xlsx({"Data": [["area_code", "period", "numerator", "denominator"], [GOVAN, "2024", 3, 10]],
                 "Notes": [["read me"]], "metadata": meta_rows})
    with pytest.raises(ImportFailed) as exc:
        import_indicators(demo_engine, as_role("researcher"), "book.xlsx", data)
    assert "Data, Notes" in exc.value.problems[0].message and "--sheet" in exc.value.problems[0].fix
    r = import_indicators(demo_engine, as_role("researcher"), "book.xlsx", data, sheet="Data")
    assert r.added == 1 and r.indicators == ["fsm_rate"]


@pytest.mark.parametrize("text,needle", [
    ("area_code,period,value\nS13009999,2023,5\n", "not one of Glasgow's 23 ward codes"),
    ("area,period,value\nGovann,2023,5\n", "did you mean"),
    ("area,period,value\nHillhead,2023,5\n", "fits several areas"),
    ("area,period,value\nGovan,2023,lots\n", "is not a number"),
    ("area,period,value\nGovan,2023,-4\n", "is negative"),
    ("place,period,value\nGovan,2023,4\n", "no area column"),
    ("area,period,value\n", "no data rows"),
    ("area,period,value\nGovan,2023,4\nGovan,2023,5\n", "already appears on row 2"),
    ("area_code,period,value\nS01006506,2023,5\n", "not a Glasgow City datazone"),
])
def test_bad_input_named_and_nothing_written(demo_engine, as_role, text, needle):
    before = n_values(demo_engine)
    with pytest.raises(ImportFailed) as exc:
        import_indicators(demo_engine, as_role("researcher"), "bad.csv", text.encode(),
                          meta={**META, "key": "bad_count", "unit": "count", "aggregation": "sum"})
    p = exc.value.problems[0]
    assert needle in p.message and p.file == "bad.csv" and p.fix
    assert n_values(demo_engine) == before


def test_ambiguous_name_resolved_by_level_and_outside_skipped(demo_engine, as_role):
    meta = {**META, "key": "amb_count", "unit": "count", "aggregation": "sum"}
    text = "area,period,value\nHillhead,2023,5\n"
    r = import_indicators(demo_engine, as_role("researcher"), "a.csv", text.encode(), meta=meta, area_level="ward")
    assert r.added == 1
    text = "area_code,period,value\nS01006506,2023,5\nS01010180,2023,6\n"
    r = import_indicators(demo_engine, as_role("researcher"), "o.csv", text.encode(), meta=meta, skip_outside=True)
    assert r.added == 1 and any("outside Glasgow" in n for n in r.notes)


def test_conflicting_value_refused(demo_engine, as_role):
    text = statxplore([("Darnley East", 999, 420)])
    with pytest.raises(ImportFailed) as exc:
        import_indicators(demo_engine, as_role("researcher"), "c.csv", text.encode(), meta={"key": "cilif_children"})
    assert "already stored" in exc.value.problems[0].message


def test_metadata_validated(demo_engine, as_role):
    with pytest.raises(ImportFailed) as exc:
        import_indicators(demo_engine, as_role("researcher"), "m.csv", b"area,period,value\nGovan,2023,0.2\n",
                          meta={**META, "key": "Bad Key!", "issue_codes": ["nonsense"]})
    assert any(p.column == "key" for p in exc.value.problems)


def test_permission(demo_engine, as_role):
    for role in ("officer", "viewer", "lead"):
        with pytest.raises(PermissionDenied):
            import_indicators(demo_engine, as_role(role), "p.csv", b"area,period,value\nGovan,2023,1\n", meta=META)


def test_large_file_validated(demo_engine):
    with session_scope(demo_engine) as s:
        from schemas import DataZone
        codes = [d.code for d in s.exec(select(DataZone))]
    lines = ["area_code,period,value"] + [f"{codes[i % len(codes)]},{2000 + i // len(codes)},{i % 50}"
                                          for i in range(100_000)]
    lines[50_001] = f"{codes[0]},1990,abc"
    plan = plan_import(demo_engine, "big.csv", "\n".join(lines).encode(),
                       meta={**META, "key": "big_count", "unit": "count", "aggregation": "sum"})
    assert len(plan.problems) == 1 and plan.problems[0].row == 50_002


def test_import_on_each_backend(engine, as_role):
    glasgow.load_default(engine, as_role("admin"))
    before = n_values(engine)
    with pytest.raises(ImportFailed):
        import_indicators(engine, as_role("researcher"), "x.csv", b"area,period,value\nGovan,2023,abc\n", meta=META)
    assert n_values(engine) == before
    r = import_indicators(engine, as_role("researcher"), "x.csv",
                          b"area_code,period,numerator,denominator\nS13002971,2023,1,4\n", meta=META)
    assert r.added == 1 and n_values(engine) == before + 1
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(ImportBatch)).one() == 2


cell = st.one_of(st.text(max_size=8), st.integers(-5, 10**6).map(str), st.sampled_from(["", "*", "..", "Govan",
                                                                                          GOVAN, CALTON, "2023"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cell, min_size=0, max_size=5), max_size=6),
       st.sampled_from(["area,period,value", "area_code,period,numerator,denominator", "FeatureCode,DateCode,"
                        "Measurement,Units,Value", "", '"Dataset:","x"']))
def test_importer_only_documented_errors(demo_engine, rows, header):
    text = header + "\n" + "\n".join(",".join(f'"{c}"' for c in r) for r in rows)
    before = n_values(demo_engine)
    from triangulate.core.permissions import Actor
    try:
        import_indicators(demo_engine, Actor("r", "researcher"), "h.csv", text.encode(),
                          meta={**META, "key": "hyp_count", "unit": "count", "aggregation": "sum"})
    except ImportFailed as exc:
        assert exc.problems and all(p.file == "h.csv" and p.fix for p in exc.problems)
        assert n_values(demo_engine) == before


def test_statxplore_export_imports_as_it_comes_with_no_flags(demo_engine, as_role):
    """A Stat-Xplore download needs no --key/--title/--source/--publisher/--definition/--area-level: its own
    header rows say what it is, counts are counts, and "Victoria Park" (an IZ and a ward) is read as an IZ
    because the file's other names are IZs."""
    text = statxplore([("Darnley East", 409, 420), ("Victoria Park", 120, 131), ("Ibrox", 300, 310),
                       ("Maxwell Park", 150, 160)])
    plan = plan_import(demo_engine, "cilif_iz.csv", text.encode())
    assert plan.ok, plan.problems_frame().to_string()
    described = plan.described
    assert described["title"] == "Children in Low Income Families (relative low income)"
    assert described["publisher"] == "Department for Work and Pensions"
    assert described["unit"] == "count" and described["aggregation"] == "sum"
    assert described["period"] == "FYE 2023 (provisional)" and described["polarity"] == "higher_worse"
    assert "Counting: Number of children" in described["definition"]
    assert plan.area_level == "intermediate_zone"
    assert any("intermediate zone" in n for n in plan.notes)
    assert set(plan.rows["area_level"]) == {"intermediate_zone"} and len(plan.rows) == 8
    result = import_indicators(demo_engine, as_role("researcher"), "cilif_iz.csv", text.encode())
    assert result.added == 8 and result.indicators == [described["key"]]


def test_statxplore_user_metadata_wins_over_the_files_own(demo_engine):
    text = statxplore([("Darnley East", 409, 420)])
    plan = plan_import(demo_engine, "c.csv", text.encode(), meta={"title": "My own title", "key": "my_key"})
    assert plan.ok and plan.described["title"] == "My own title" and plan.described["key"] == "my_key"
    assert plan.described["publisher"] == "Department for Work and Pensions"


def test_a_problem_repeated_in_every_period_column_is_reported_once_for_the_row(demo_engine):
    periods = ("2018/19", "2019/20", "2020/21", "2021/22 (p)")
    text = statxplore([("Darnley East", 1, 2, 3, 4), ("Nowhere Special", 5, 6, 7, 8)], periods=periods)
    plan = plan_import(demo_engine, "c.csv", text.encode())
    about = [p for p in plan.problems if "Nowhere Special" in p.message]
    assert len(about) == 1, plan.problems_frame().to_string()


def test_tidy_csv_takes_measure_and_units_from_its_columns(demo_engine):
    text = ("FeatureCode,DateCode,Measurement,Units,Value\n"
            "S01010180,2021,Count,Children,12\nS01010181,2021,Count,Children,20\n"
            "S01010180,2022,Count,Children,14\nS01010181,2022,Count,Children,21\n")
    plan = plan_import(demo_engine, "children-in-poverty.csv", text.encode())
    assert plan.ok, plan.problems_frame().to_string()
    assert plan.described["unit"] == "count" and plan.described["aggregation"] == "sum"
    assert plan.described["period"] == "2022" and plan.described["source"].startswith("statistics.gov.scot")
