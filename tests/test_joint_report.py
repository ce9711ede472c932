"""The ward report (HTML, PDF, XLSX) and the `matrix` / `report` commands, end to end on planted data."""
from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys

import openpyxl
import pytest

from tests import joint_scenario as js
from triangulate.cli import main
from triangulate.core import db
from triangulate.core.errors import PermissionDenied
from triangulate.core.permissions import Actor
from triangulate.joint import dataneeds, hypotheses, report, workshop

LEAD = Actor("aileen", "lead")
HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)>"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def planted(sqlite_engine):
    js.plant_govan(sqlite_engine)
    ids = js.base(sqlite_engine)
    js.insight(sqlite_engine, js.GOVAN, f"Damp flats again {HOSTILE}", [(ids["housing"], "problem", 3, "x")])
    js.transcript(sqlite_engine, js.GOVAN, [("resident", ids["housing"], f"The damp and mould {HOSTILE} overcrowded")],
                  title=f"Hostile title {HOSTILE}")
    hypotheses.add(sqlite_engine, LEAD, js.GOVAN, f"What if {HOSTILE}?", "childcare", owner=HOSTILE)
    workshop.add_note(sqlite_engine, LEAD, js.GOVAN, "transport", f"Note {HOSTILE}")
    dataneeds.accept(sqlite_engine, LEAD, js.GOVAN, "childcare", "practitioners", f"Ask officers {HOSTILE}")
    return sqlite_engine


def test_html_report_has_every_section_and_escapes_user_text(planted):
    html = report.export(planted, LEAD, js.GOVAN, "html").decode("utf-8")
    for anchor in ("matrix", "issues", "data-needs", "hypotheses", "notes", "sources", "settings"):
        assert f"id='{anchor}'" in html
    assert "<script" not in html.lower() and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;" in html
    assert "Open Government Licence v3.0" in html and "Planted test source" in html
    assert "numbers_elevated_sd" in html and "Report date:" in html
    assert "✖ dissonance" in html and "Transport" in html
    assert "Illustrative data" in html
    images = re.findall(r"src='data:image/svg\+xml;base64,([^']+)'", html)
    assert len(images) >= 2  # the matrix and at least one indicator chart
    assert base64.b64decode(images[0]).startswith(b"<svg")
    assert "http://" not in html.replace("http://www.w3.org", "")  # self-contained: nothing fetched


def test_pdf_and_xlsx(planted):
    pdf = report.export(planted, LEAD, js.GOVAN, "pdf")
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000  # charts are embedded images
    assert b"/Subtype /Image" in pdf
    book = openpyxl.load_workbook(io.BytesIO(report.export(planted, LEAD, js.GOVAN, "xlsx")))
    assert {"Matrix", "Evidence", "Quotes", "Data needs", "Hypotheses", "Sources", "Settings"} <= set(book.sheetnames)
    rows = list(book["Matrix"].iter_rows(values_only=True))
    assert rows[0][:4] == ("issue", "numbers", "practitioners", "residents")
    verdicts = {r[0]: r[7] for r in rows[1:]}
    assert verdicts["Transport"] == "✖ dissonance" and verdicts["Housing and overcrowding"] == "✔ agreement"


@pytest.mark.parametrize("role", ["officer", "viewer"])
def test_report_needs_permission(planted, role):
    with pytest.raises(PermissionDenied):
        report.export(planted, Actor(role, role), js.GOVAN, "html")


def _cli_db(tmp_path):
    path = tmp_path / "cli.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    js.plant_govan(engine)
    engine.dispose()
    return path


def test_matrix_command_shows_four_verdicts_via_subprocess(tmp_path):
    path = _cli_db(tmp_path)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "PYTHONPATH": ROOT}
    out = subprocess.run([sys.executable, "-m", "triangulate", "matrix", "--ward", "Govan", "--format", "json"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = {r["issue_code"]: r for r in json.loads(out.stdout)}
    assert rows["housing"]["verdict"] == "agreement"
    assert rows["food"]["verdict"] == "partial agreement"
    assert rows["childcare"]["verdict"] == "silence"
    assert rows["transport"]["verdict"] == "dissonance"
    assert rows["transport"]["practitioners"] == "contradicted" and rows["transport"]["residents"] == "prominent"
    assert rows["housing"]["numbers"] == "elevated"


def test_matrix_csv_report_and_errors_via_main(tmp_path, capsys, monkeypatch):
    path = _cli_db(tmp_path)
    url = f"sqlite:///{path}"
    db.get_engine.cache_clear()
    assert main(["--database-url", url, "matrix", "--ward", "s13002971", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("ward_code,ward,issue_code,issue,numbers,practitioners,residents")
    assert lines[1].split(",")[2] == "transport"  # dissonance first
    maryhill = tmp_path / "m.csv"
    assert main(["--database-url", url, "matrix", "--ward", "Maryhill", "--out", str(maryhill)]) == 0
    assert "no data" in maryhill.read_text()
    out = tmp_path / "govan.pdf"
    assert main(["--database-url", url, "report", "--ward", "Govan", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert main(["--database-url", url, "report", "--ward", "Govan", "--out", str(tmp_path / "x.doc")]) == 1
    assert main(["--database-url", url, "matrix", "--ward", "Atlantis"]) == 1
    assert "No ward called 'Atlantis'" in capsys.readouterr().err
    db.get_engine.cache_clear()


def test_pdf_without_a_unicode_font_falls_back_to_ascii_glyphs(planted, monkeypatch):
    monkeypatch.setattr(report, "_unicode_font", lambda: None)
    pdf = report.export(planted, LEAD, js.GOVAN, "pdf")
    assert pdf.startswith(b"%PDF")


def test_cli_acts_as_a_named_user_and_refuses_a_viewer_the_report(tmp_path, capsys):
    from triangulate.access import auth
    from triangulate.core.permissions import SYSTEM

    path = _cli_db(tmp_path)
    url = f"sqlite:///{path}"
    engine = db.make_engine(url)
    auth.create_user(engine, SYSTEM, "val", "a-long-enough-password-1", "viewer")
    engine.dispose()
    db.get_engine.cache_clear()
    assert main(["--database-url", url, "--as-user", "val", "matrix", "--ward", "Govan"]) == 0
    capsys.readouterr()
    assert main(["--database-url", url, "--as-user", "val", "report", "--ward", "Govan",
                 "--out", str(tmp_path / "r.html")]) == 1
    assert "reports.export" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()
    db.get_engine.cache_clear()


def _pdf_text(pdf: bytes) -> str:
    """The text drawn in a PDF written with a core font (its content streams, inflated)."""
    import zlib

    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    out = []
    for raw in streams:
        try:
            out.append(zlib.decompress(raw).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(out)


@pytest.fixture
def noted(sqlite_engine):
    """Govan with notes by a named user: one on an issue, one on the ward as a whole, one like a formula."""
    from schemas import User

    js.plant_govan(sqlite_engine)
    with db.session_scope(sqlite_engine) as s:
        s.add(User(username="lead_ai", display_name="Aileen MacLeod", role="lead"))
    lead = Actor("lead_ai", "lead", display_name="Aileen MacLeod")
    workshop.add_note(sqlite_engine, lead, js.GOVAN, "transport", "Buses seen differently by officers and residents")
    workshop.add_note(sqlite_engine, lead, js.GOVAN, None, "Invite the housing association next time")
    workshop.add_note(sqlite_engine, lead, js.GOVAN, "food", '=HYPERLINK("http://evil.example","pantry")')
    return sqlite_engine, lead


def test_xlsx_has_the_workshop_notes_in_words(noted):
    engine, lead = noted
    book = openpyxl.load_workbook(io.BytesIO(report.export(engine, lead, js.GOVAN, "xlsx")))
    rows = list(book["Workshop notes"].iter_rows(values_only=True))
    assert rows[0] == ("Issue", "Note", "By", "When (UTC)")
    by_note = {r[1]: r for r in rows[1:]}
    assert by_note["Buses seen differently by officers and residents"][:3] == (
        "Transport", "Buses seen differently by officers and residents", "Aileen MacLeod")
    assert by_note["Invite the housing association next time"][0] == workshop.WHOLE_WARD
    from triangulate.codebook import issues as codebook

    with db.session_scope(engine) as s:
        food = codebook.by_code(s, "food").label
    formula = next(r for r in rows[1:] if "HYPERLINK" in r[1])
    assert formula[0] == food != "food"  # the issue's label, never its code
    cell = next(c for row in book["Workshop notes"].iter_rows() for c in row if "HYPERLINK" in str(c.value))
    assert cell.data_type == "s"  # stays text: a spreadsheet never runs it
    assert all(r[2] != "lead_ai" for r in rows[1:])


def test_pdf_notes_name_the_issue_and_the_person(noted, monkeypatch):
    engine, lead = noted
    monkeypatch.setattr(report, "_unicode_font", lambda: None)  # a core font: the text is readable in the file
    text = _pdf_text(report.export(engine, lead, js.GOVAN, "pdf"))
    notes = text[text.index("Workshop notes"):]
    assert "Buses seen differently by officers and residents" in notes
    assert "Aileen MacLeod" in notes and "lead_ai" not in text
    assert "(Transport)" in notes and "(transport)" not in notes
    assert workshop.WHOLE_WARD in notes


def test_indicator_spec_is_the_chart_with_its_data_inline():
    """The report's cheap spec (a template filled per chart) must stay the page's altair chart exactly."""
    import altair as alt
    import pandas as pd

    from triangulate.joint import evidence

    frame = pd.DataFrame({
        "title": ["Children in low income families (%)"] * 3 + ["Free school meals (%)"] * 2,
        "place": ["Govan", "Calton", "Glasgow City", "Govan", "Glasgow City"],
        "role": ["this ward", "other wards", "city", "this ward", "city"],
        "value": [31.5, 28.0, 24.1, float("nan"), 22.0],
        "period": ["FYE 2022"] * 5, "source": ["DWP"] * 5, "extra": range(5)})
    for name, roles, others in [("Govan", ("this ward", "other wards"), "every ward"),
                                ('Ibrox "Cessnock\\" & Kinning Park', ("this area", "other areas"), "every IZ")]:
        chart = evidence.indicator_chart(frame.assign(role=frame["role"].replace(
            {"this ward": roles[0], "other wards": roles[1]})), name, roles, others)
        spec = evidence.indicator_spec(frame.assign(role=frame["role"].replace(
            {"this ward": roles[0], "other wards": roles[1]})), name, roles, others)
        expected = chart.to_dict(validate=False)
        data = expected.pop("datasets")[expected.pop("data")["name"]]
        got_data = spec.pop("data")["values"]
        assert spec == expected
        assert [{k: v for k, v in row.items()} for row in got_data] == data
        alt.Chart.from_dict({**spec, "data": {"values": got_data}}, validate=True)
    assert evidence.indicator_spec(frame.iloc[0:0], "Govan") is None


def test_report_warm_up_loads_the_renderers(monkeypatch):
    import sys

    rendered = []
    monkeypatch.setattr(report.vlc, "vegalite_to_svg", lambda spec: rendered.append(spec) or "<svg/>")
    report.warm()
    assert {"fpdf", "openpyxl"} <= set(sys.modules) and len(rendered) == 1
