"""Bulk import and export of insights: validation (file, row, column, fix), atomicity, idempotence."""
from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from schemas import ImportBatch, Insight, InsightCode, Ward
from triangulate.codebook import issues as codebook
from triangulate.core import db
from triangulate.core.errors import ImportFailed, PermissionDenied
from triangulate.core.permissions import SYSTEM, Actor
from triangulate.practitioners import importing as insight_import

HEADER = ["ward", "date", "author", "role_service", "evidence_type", "families", "confidence", "text", "codes",
          "coder"]
RESEARCHER = Actor("sam", "researcher")
GOOD = ["Govan", "2026-03-14", "Jo Reid", "Health visiting", "caseload pattern", "4", "high",
        "Damp in every flat I visited.", "housing:problem:3; fuel:worsening", ""]


@pytest.fixture
def ready(engine):
    codebook.load_default(engine, SYSTEM)
    with db.session_scope(engine) as s:
        s.add_all([Ward(code="S13002971", name="Govan"), Ward(code="S13002975", name="Calton")])
    return engine


def _csv(*rows, header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _counts(engine):
    with db.session_scope(engine) as s:
        return tuple(s.exec(select(func.count()).select_from(m)).one() for m in (Insight, InsightCode, ImportBatch))


def test_import_is_atomic_idempotent_and_merges_second_coder(ready):
    data = _csv(GOOD, GOOD[:8] + ["housing:problem:2", "priya"])
    report = insight_import.import_file(ready, RESEARCHER, data, "team.csv")
    assert (report.insights_added, report.insights_existing, report.codings_changed) == (1, 0, 3)
    assert _counts(ready) == (1, 3, 1)
    again = insight_import.import_file(ready, RESEARCHER, data, "team.csv")
    assert again.already_imported and _counts(ready) == (1, 3, 1)
    # the same rows in a differently formatted file: nothing new either
    same = insight_import.import_file(ready, RESEARCHER, data.replace(b"\n", b"\r\n"), "copy.csv")
    assert same.insights_added == 0 and same.codings_changed == 0


def test_every_problem_is_reported_with_row_column_and_fix(ready):
    bad = [
        ["Atlantis", "2026-03-14", "A", "R", "direct observation", "", "", "t", "", ""],
        ["Govan", "31/02/2026", "A", "R", "gossip", "many", "sure", "t", "unicorns:problem", ""],
        ["Govan", "2026-03-14", "", "R", "direct observation", "", "", "x" * 10_001, "food:awful:9", ""],
    ]
    with pytest.raises(ImportFailed) as caught:
        insight_import.import_file(ready, RESEARCHER, _csv(GOOD, *bad), "bad.csv")
    where = {(p.row, p.column) for p in caught.value.problems}
    assert {(3, "ward"), (4, "date"), (4, "evidence_type"), (4, "families"), (4, "confidence"), (4, "codes"),
            (5, "author"), (5, "text"), (5, "codes")} <= where
    assert all(p.file == "bad.csv" and p.fix for p in caught.value.problems)
    assert _counts(ready) == (0, 0, 0)


def test_missing_columns_and_wrong_types(ready):
    with pytest.raises(ImportFailed, match="required column 'text'"):
        insight_import.import_file(ready, RESEARCHER, _csv(GOOD[:7], header=HEADER[:7]), "x.csv")
    with pytest.raises(ImportFailed, match="cannot be imported"):
        insight_import.import_file(ready, RESEARCHER, b"abc", "x.pdf")
    with pytest.raises(ImportFailed, match="not an Excel"):
        insight_import.import_file(ready, RESEARCHER, b"abc", "x.xlsx")


def test_html_text_kept_verbatim_and_consensus_needs_settle_permission(ready):
    row = GOOD[:7] + ["<img src=x onerror=alert(1)>", "food:problem:2", "consensus"]
    with pytest.raises(ImportFailed, match="consensus"):
        insight_import.import_file(ready, Actor("jo", "officer"), _csv(row), "c.csv")
    insight_import.import_file(ready, RESEARCHER, _csv(row), "c.csv")
    with db.session_scope(ready) as s:
        assert s.exec(select(Insight)).one().text == "<img src=x onerror=alert(1)>"
        assert s.exec(select(InsightCode)).one().is_consensus


@pytest.mark.parametrize("role", ["viewer", "lead"])
def test_import_needs_permission(ready, role):
    with pytest.raises(PermissionDenied):
        insight_import.import_file(ready, Actor(role, role), _csv(GOOD), "x.csv")


def test_export_round_trips_through_csv_and_xlsx(ready, tmp_path, migrated_sqlite_template):
    insight_import.import_file(ready, RESEARCHER, _csv(GOOD, GOOD[:8] + ["housing:problem:2", "priya"]), "a.csv")
    frame = insight_import.export_frame(ready, RESEARCHER)
    assert len(frame) == 2 and set(frame["coder"]) == {"sam", "priya"}
    with pytest.raises(PermissionDenied):
        insight_import.export_frame(ready, Actor("v", "viewer"))
    import shutil
    for name, data in (("e.csv", insight_import.to_csv(frame)), ("e.xlsx", insight_import.to_xlsx(frame))):
        path = tmp_path / f"{name}.db"
        shutil.copy(migrated_sqlite_template, path)
        other = db.make_engine(f"sqlite:///{path}")
        codebook.load_default(other, SYSTEM)
        with db.session_scope(other) as s:
            s.add(Ward(code="S13002971", name="Govan"))
        report = insight_import.import_file(other, RESEARCHER, data, name)
        assert (report.insights_added, report.codings_changed) == (1, 3)
        assert insight_import.export_frame(other, RESEARCHER).drop(columns="id").equals(frame.drop(columns="id"))


def test_formula_text_stays_text_in_xlsx(ready):
    import openpyxl
    row = GOOD[:7] + ["=HYPERLINK(\"http://x\")", "", ""]
    insight_import.import_file(ready, RESEARCHER, _csv(row), "f.csv")
    book = openpyxl.load_workbook(io.BytesIO(insight_import.to_xlsx(insight_import.export_frame(ready, RESEARCHER))))
    cell = next(c for r in book.active.iter_rows() for c in r if str(c.value).startswith("=HYPER"))
    assert cell.data_type == "s"


def test_templates_are_valid_files(ready):
    frame = insight_import.read_table(insight_import.template_csv(), "t.csv")
    assert list(frame.columns) == [*HEADER, "area"]  # the optional area column (issue 15)
    xlsx = insight_import.read_table(insight_import.template_xlsx(ready), "t.xlsx")
    assert list(xlsx.columns) == [*HEADER, "area"]
    report = insight_import.import_file(ready, RESEARCHER, insight_import.template_csv(), "t.csv")
    assert report.insights_added == 2


cell = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
row_strategy = st.lists(st.one_of(cell, st.sampled_from(GOOD)), min_size=0, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row_strategy, max_size=5), header=st.one_of(st.just(HEADER), st.lists(cell, max_size=10)),
       suffix=st.sampled_from(["x.csv", "x.xlsx", "x.txt"]))
def test_importer_raises_only_documented_errors_and_leaves_db_unchanged_on_failure(ready, rows, header, suffix):
    data = _csv(*rows, header=header)
    before = _counts(ready)
    try:
        insight_import.import_file(ready, RESEARCHER, data, suffix)
    except ImportFailed as exc:
        assert exc.problems and all(p.file == suffix and p.fix for p in exc.problems)
        assert _counts(ready) == before
