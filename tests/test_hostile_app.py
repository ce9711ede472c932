"""Hostile text in the app: HTML, script, SQL and Markdown typed by users is shown as text, never rendered.

Hostile strings are planted in every user-text field (insight text, author, role; codebook label and
definition; transcript title, speaker and segment text; hypothesis, data need and workshop note text;
indicator title) and the pages that show them are run with AppTest. Text elements (st.text, dataframes)
must hold the string verbatim; Markdown elements (markdown, caption, subheader, alerts) must hold it
only in escaped form, and none of them may allow HTML. A grep over pages/ and ui/ guards the rest, and
the HTML report must escape it too.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from schemas import DataNeed, Hypothesis, Indicator, Issue, Speaker, User, WorkshopNote
from tests import joint_scenario as js
from tests.apptest_helpers import app_database, run_page
from tests.hostile_support import HOSTILE
from triangulate.codebook import issues as codebook
from triangulate.core.db import session_scope
from triangulate.core.permissions import SYSTEM, Actor
from triangulate.core.words import escape_markdown
from triangulate.joint import report
from triangulate.practitioners import insights
from ui import md_escape

ROOT = Path(__file__).resolve().parent.parent
LEAD = Actor("lead", "lead", id=2)
RESEARCHER = Actor("researcher", "researcher", id=3)
SCRIPT, IMG, DROP, BOBBY = HOSTILE[0], HOSTILE[1], HOSTILE[2], HOSTILE[3]
LINK, RTL = HOSTILE[6], HOSTILE[8]
INSIGHT_TEXT = f"{SCRIPT} Damp again. {DROP} {LINK}"
AUTHOR = f"{IMG} {BOBBY}"[:200]
ROLE = f"**Health** {RTL} <b>visiting</b>"
LABEL = "<i>Housing</i> [x](javascript:alert(1))"
QUOTE = f"{IMG} the mould in the wean's room {DROP}"
TITLE = f"{SCRIPT} Govan kitchen table"
HYPOTHESIS = f"What if {SCRIPT} the nursery opened till 6? {BOBBY}"
NOTE = f"{IMG} note from the wall {LINK}"
NEED = f"{DROP} count the {SCRIPT} damp repairs"


@pytest.fixture
def hostile_app(tmp_path, monkeypatch):
    """The planted Govan scenario with hostile text in every user-text field."""
    with app_database(tmp_path, monkeypatch, "hostile.db") as engine:
        yield _plant_hostile(engine)


def _plant_hostile(engine) -> dict:
    ids = js.plant_govan(engine)
    with session_scope(engine) as s:
        s.add_all([User(id=2, username="lead", role="lead", display_name="Lead"),
                   User(id=4, username="officer", role="officer", display_name=AUTHOR)])
    codebook.edit_issue(engine, SYSTEM, "housing", label=LABEL, definition=f"{SCRIPT} {LINK}")
    officer = Actor("officer", "officer", id=4, display_name=AUTHOR)
    created = insights.create(engine, officer, ward="Govan", observed_on=date(2025, 3, 14), text=INSIGHT_TEXT,
                              role_service=ROLE, evidence_type="direct observation",
                              codes=[{"issue": "housing", "stance": "problem", "severity": 3}])
    transcript_id = js.transcript(engine, js.GOVAN, [("facilitator", None, "What is it like?"),
                                                     ("resident", ids["housing"], QUOTE)], title=TITLE)
    with session_scope(engine) as s:
        speaker = s.exec(select(Speaker).where(Speaker.transcript_id == transcript_id,
                                               Speaker.is_resident.is_(True))).one()
        speaker.label = f"{SCRIPT} [PERSON 1]"
        s.add(Hypothesis(ward_code=js.GOVAN, issue_id=ids["housing"], statement=HYPOTHESIS,
                         test_of_change=NOTE, owner=BOBBY, notes=DROP))
        s.add(DataNeed(ward_code=js.GOVAN, issue_id=ids["housing"], strand="residents", description=NEED,
                       owner=IMG))
        s.add(WorkshopNote(ward_code=js.GOVAN, issue_id=ids["housing"], text=NOTE, author=AUTHOR))
        for ind in s.exec(select(Indicator)):
            ind.title = f"{ind.title} {SCRIPT}"
            s.add(ind)
    return {"engine": engine, "insight": created.id, "transcript": transcript_id, "housing": ids["housing"]}


# A tag or link from the planted strings, not preceded by Markdown's backslash escape.
UNESCAPED = re.compile(r"(?<!\\)<(script|img|i>|/i>|b>|/b>)|(?<!\\)\]\(javascript")
MARKDOWN_KINDS = ("markdown", "caption", "title", "header", "subheader", "success", "info", "warning", "error")


def _markdown(at) -> list:
    return [e for kind in MARKDOWN_KINDS for e in getattr(at, kind)]


def _check_page(at, verbatim: list[str]) -> None:
    """No exception; no Markdown element allows HTML or holds a hostile string unescaped; each hostile
    string appears somewhere, verbatim in text/dataframes or escaped in Markdown."""
    assert not at.exception, at.exception
    markdown = _markdown(at)
    for element in markdown:
        assert not getattr(element.proto, "allow_html", False), f"HTML allowed in {element.value!r}"
        assert not UNESCAPED.search(str(element.value)), f"unescaped user text in Markdown: {element.value!r}"
    texts = [str(t.value) for t in at.text]
    frames = [d.value.to_csv() for d in at.dataframe]
    md_values = [str(m.value) for m in markdown]
    for s in verbatim:
        shown = (any(s in t for t in texts) or any(s in f for f in frames)
                 or any(md_escape(s) in m or escape_markdown(s) in m for m in md_values))
        assert shown, f"{s!r} is not shown as text"


def test_insights_page_shows_hostile_insight_as_text(hostile_app):
    at = run_page("insights.py", LEAD, ward_code=js.GOVAN)
    next(b for b in at.selectbox if b.label == "Insight").set_value(hostile_app["insight"]).run()
    _check_page(at, [INSIGHT_TEXT, AUTHOR, ROLE])
    assert INSIGHT_TEXT in [t.value for t in at.text]  # the insight itself, exactly
    assert any(md_escape(AUTHOR) in c.value and md_escape(ROLE) in c.value for c in at.caption)


def test_joint_display_evidence_shows_hostile_text(hostile_app):
    at = run_page("joint_display.py", LEAD, ward_code=js.GOVAN)
    at.selectbox(key="joint_issue").set_value("housing").run()
    _check_page(at, [LABEL, INSIGHT_TEXT])
    assert at.subheader[0].value.startswith(escape_markdown(LABEL))
    assert any(QUOTE in t.value and TITLE in t.value for t in at.text)  # residents' quote and its source


def test_transcript_viewer_shows_hostile_text(hostile_app):
    at = run_page("transcripts.py", RESEARCHER, ward_code=js.GOVAN)
    at.selectbox(key="transcripts_open").set_value(hostile_app["transcript"]).run()
    _check_page(at, [TITLE])
    shown = "\n".join(t.value for t in at.text)
    assert TITLE in shown and SCRIPT in shown and DROP in shown


def test_hypotheses_page_shows_hostile_text(hostile_app):
    at = run_page("hypotheses.py", LEAD, ward_code=js.GOVAN)
    assert not at.exception
    _check_page(at, [])
    editors = [e for e in at.get("arrow_data_frame")] + list(at.dataframe)
    shown = "".join(e.value.to_csv() for e in editors)
    assert HYPOTHESIS in shown and NOTE in shown and BOBBY in shown


def test_codebook_page_shows_hostile_labels(hostile_app):
    at = run_page("codebook.py", RESEARCHER)
    _check_page(at, [LABEL])
    shown = "".join(d.value.to_csv() for d in at.dataframe)
    assert f"{SCRIPT} {LINK}" in shown  # the definition, verbatim


def test_codebook_page_confirms_a_hostile_label_escaped(hostile_app):
    at = run_page("codebook.py", RESEARCHER)
    form = at.get("form")[0] if at.get("form") else None
    assert form is not None
    label = next(t for t in at.text_input if t.label == "Label")
    code = next(t for t in at.text_input if t.label == "Code")
    label.input(SCRIPT)
    code.input("hostile_issue")
    next(b for b in at.button if b.label == "Add issue").click()
    at.run()
    _check_page(at, [])
    assert any(md_escape(SCRIPT) in s.value for s in at.success)
    with session_scope(hostile_app["engine"]) as s:
        assert s.exec(select(Issue).where(Issue.code == "hostile_issue")).one().label == SCRIPT


def test_html_report_escapes_every_hostile_field(hostile_app):
    html = report.export(hostile_app["engine"], LEAD, js.GOVAN, "html").decode("utf-8")
    for raw in ("<script", "<img src=x", "<i>Housing", "<b>visiting"):
        assert raw not in html, f"{raw} reached the report unescaped"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;i&gt;Housing&lt;/i&gt;" in html  # the issue label
    assert "What if &lt;script&gt;" in html  # the hypothesis


ALLOWED_HTML = {  # file -> why its one HTML element cannot hold user text
    "pages/workshop.py": "the verdict badge: fixed colours, glyphs and verdict words only",
    # screens (issue 14): module constants only (CSS, the phone menu's and the wall's key scripts)
    "ui/look.py": "fixed CSS and script constants; the only value put in is a counter",
    "ui/wall.py": "fixed CSS and script constants",
}


def test_no_page_renders_user_text_as_html():
    """unsafe_allow_html, st.html and components.html appear only where no user text can reach them."""
    found = {}
    for path in [*ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py"), ROOT / "app.py"]:
        text = path.read_text(encoding="utf-8")
        if re.search(r"unsafe_allow_html\s*=\s*True|st\.html\(|components\.html\(|components\.v1", text):
            found[str(path.relative_to(ROOT))] = text
    assert set(found) <= set(ALLOWED_HTML), f"HTML rendering in {sorted(set(found) - set(ALLOWED_HTML))}"
    for name in ("ui/look.py", "ui/wall.py"):
        for call in re.findall(r"st\.html\(([^\n]*)", found.get(name, "")):
            assert re.match(r"_[A-Z_]+( % st\.session_state\[\"_sidebar_nonce\"\])?[,)]", call), (name, call)
    workshop = found.get("pages/workshop.py", "")
    for m in re.finditer(r"unsafe_allow_html\s*=\s*True", workshop):
        call = workshop[workshop.rfind("st.markdown(", 0, m.start()):m.start()]
        # only the fixed style vocabulary and the verdict word go into the badge, never user text
        assert set(re.findall(r"\{([^}]*)\}", call)) <= {"style['colour']", "style['glyph']", "row['verdict']"}, call
