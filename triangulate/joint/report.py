"""A ward's workshop report: self-contained HTML, a PDF with the same sections, and an XLSX of the matrix
with its evidence.

Charts are Altair specifications rendered to static images by vl-convert (SVG inside the HTML, PNG inside
the PDF), so the report opens anywhere with no network. Every piece of user text (insights, quotes, notes,
hypotheses, names) passes through `html.escape` before it reaches the HTML.
"""
from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import textwrap
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert as vlc
from sqlalchemy import select
from sqlalchemy.engine import Engine

from schemas import Indicator, IndicatorIssue
from triangulate.core import audit, caches, exports
from triangulate.core.db import session_scope
from triangulate.core.errors import TriangulateError
from triangulate.core.permissions import Actor, can, may_read_insight_text, require
from triangulate.core.words import label
from triangulate.joint import convergence as cv
from triangulate.joint import dataneeds, evidence, hypotheses, workshop
from triangulate.joint import signals as sig
from triangulate.joint import thresholds as th

OGL_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. Sources: "
    "Scottish Government (SIMD 2020v2), National Records of Scotland (small area population estimates; "
    "Scotland's Census 2022), DWP (Children in Low Income Families), ONS (ward boundaries). "
    "Contains OS data © Crown copyright and database right 2022."
)
ILLUSTRATIVE_NOTE = ("Illustrative data: officer insights and resident transcripts marked illustrative are "
                     "fictional, written for the demo. The indicators are real.")
FORMATS = ("html", "pdf", "xlsx")


@dataclass
class IssueSection:
    code: str
    label: str
    verdict: str
    why: str
    levels: dict[str, str]
    examples: dict[str, list[str]]
    chart_spec: dict | None
    insights: pd.DataFrame
    insights_are_text: bool
    quotes: pd.DataFrame


@dataclass
class ReportData:
    ward_code: str
    ward: str
    generated: datetime
    author: str
    matrix: pd.DataFrame
    matrix_spec: dict
    sections: list[IssueSection]
    needs: pd.DataFrame
    proposals: pd.DataFrame
    hypotheses: pd.DataFrame
    notes: pd.DataFrame
    sources: pd.DataFrame
    thresholds: th.Thresholds
    illustrative: bool = False
    images: dict = field(default_factory=dict)  # cache: spec id → rendered bytes/str
    checks: pd.DataFrame = field(default_factory=pd.DataFrame)  # per issue: is the machine verified (methods)
    check_history: pd.DataFrame = field(default_factory=pd.DataFrame)
    waiting: str = ""  # why the residents' column reads "not analysed", when it does
    area: object = None  # a places.Area below the ward when the report is for one (None: the whole ward)
    area_statement: str = ""  # how much evidence sits in the area


def _place(data: ReportData) -> str:
    """The report's subject: 'Govan (S13002971)', or 'Ibrox (S02001859), Govan' for an area."""
    if data.area is None:
        return f"{data.ward} ({data.ward_code})"
    code = f" ({data.area.code})" if data.area.code != data.area.name else ""
    return f"{data.area.name}{code}, {data.ward}"


def matrix_chart(matrix: pd.DataFrame) -> alt.Chart:
    """The joint display as a picture: issues × (three strands, verdict), colour plus glyph plus word."""
    long = []
    for row in matrix.itertuples(index=False):
        r = row._asdict()
        for col in ("numbers", "practitioners", "residents"):
            long.append({"issue": r["issue"], "column": col, "word": f"{cv.LEVEL_GLYPH.get(r[col], '')} {r[col]}",
                         "verdict": None, "order": r["rank"] * 100 + r["codebook_order"]})
        long.append({"issue": r["issue"], "column": "verdict",
                     "word": f"{cv.STYLE[r['verdict']]['glyph']} {r['verdict']}", "verdict": r["verdict"],
                     "order": r["rank"] * 100 + r["codebook_order"]})
    frame = pd.DataFrame(long)
    order = list(dict.fromkeys(frame.sort_values("order")["issue"]))
    x = alt.X("column:N", sort=["numbers", "practitioners", "residents", "verdict"], title=None,
              axis=alt.Axis(orient="top", labelAngle=0))
    y = alt.Y("issue:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    rect = alt.Chart(frame).mark_rect(stroke="white").encode(
        x=x, y=y,
        color=alt.Color("verdict:N", title="Verdict",
                        scale=alt.Scale(domain=list(cv.STYLE), range=[s["colour"] for s in cv.STYLE.values()]),
                        legend=alt.Legend(orient="bottom")))
    text = alt.Chart(frame).mark_text(fontSize=11).encode(x=x, y=y, text="word:N")
    return (rect + text).properties(width=520, height=alt.Step(22))


def _sources(engine: Engine, ward_code: str, issue_codes: list[str]) -> pd.DataFrame:
    stmt = (select(Indicator.title, Indicator.source, Indicator.publisher, Indicator.period, Indicator.licence,
                   IndicatorIssue.issue_code)
            .join(IndicatorIssue, IndicatorIssue.indicator_id == Indicator.id)
            .where(IndicatorIssue.issue_code.in_(issue_codes)))
    with engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    return (frame.groupby(["title", "source", "publisher", "period", "licence"])["issue_code"]
            .apply(lambda s: ", ".join(sorted(s))).reset_index())


def build(engine: Engine, actor: Actor, ward_code: str, thresholds: th.Thresholds | None = None,
          quotes_per_issue: int = 3, area=None) -> ReportData:
    """Gather everything the report shows, once, under the actor's permissions. With `area` (a places.Area
    below the ward), the joint display for that area: evidence placed there, numbers at IZ level."""
    require(actor, "reports.export")
    t = thresholds or th.load(engine)
    area = area if area is not None and area.kind != "ward" else None
    judged = cv.cells(engine, actor, [ward_code], t, area=area)
    cells = {c.issue_code: c for c in judged}
    m = cv.matrix(engine, actor, [ward_code], t, judged=judged, area=area)
    if m.empty:
        raise TriangulateError("The codebook is empty, so there is nothing to report. Load the default codebook.")
    ward = m["ward"].iloc[0]
    sections = []
    illustrative = False
    for row in m.itertuples(index=False):
        r = row._asdict()
        if not r["flagged"] and r["verdict"] in ("agreement", "no data"):
            continue  # nobody raises it: the matrix says so; no section needed
        cell = cells[r["issue_code"]]
        if area is None:
            chart = evidence.indicator_spec(evidence.indicator_frame(engine, ward_code, r["issue_code"],
                                                                     t.numbers_use_parent_indicators), ward)
        else:
            chart = evidence.indicator_spec(
                evidence.area_indicator_frame(engine, area, r["issue_code"], t.numbers_use_parent_indicators),
                area.name, ("this area", "other areas"), "every intermediate zone")
        # the export's own audit event records what the report read
        ins = evidence.officer_insights(engine, actor, ward_code, r["issue_code"],
                                        cell.signals["practitioners"].evidence.get("insight_ids"), audited=False,
                                        area=area)
        quotes = evidence.resident_quotes(engine, actor, ward_code, r["issue_code"], quotes_per_issue,
                                          cell.signals["residents"].stems, audited=False, area=area)
        illustrative |= bool(len(ins) and "illustrative" in ins and ins["illustrative"].any())
        illustrative |= bool(len(quotes) and quotes["illustrative"].any())
        sections.append(IssueSection(
            r["issue_code"], r["issue"], r["verdict"], r["why"], {s: r[s] for s in sig.STRANDS},
            {s: cell.signals[s].examples[:8] for s in sig.STRANDS},
            chart, ins, may_read_insight_text(actor), quotes))
    checks, history = _machine_checks(engine, actor, m, t)
    waiting = m.loc[m["residents"] == "not analysed", "residents_summary"]
    m = m.assign(residents_checked=m["issue_code"].map(
        dict(zip(checks["issue_code"], checks["status"])) if len(checks) else {}).fillna(""))
    return ReportData(ward_code, ward, datetime.now(UTC), actor.name, m, matrix_chart(m).to_dict(validate=False),
                      sections, dataneeds.register(engine, actor, [ward_code]),
                      dataneeds.proposals_frame(dataneeds.propose(engine, actor, matrix=m)),
                      hypotheses.log(engine, actor, [ward_code]), workshop.notes(engine, actor, ward_code),
                      _sources(engine, ward_code, list(m["issue_code"])), t, illustrative,
                      checks=checks, check_history=history, waiting=waiting.iloc[0] if len(waiting) else "",
                      area=area, area_statement=_area_statement(engine, actor, area, ward))


def _area_statement(engine: Engine, actor: Actor, area, ward: str) -> str:
    if area is None:
        return ""
    from triangulate.joint import areas

    return areas.evidence_statement(engine, actor, area, ward)["sentence"]


# --------------------------------------------------------------------------- methods: checking the machine
METHODS_CHECK = (
    "Residents' verdicts rest on each resident segment's issue. Segments a researcher coded carry that code; "
    "the others carry the machine's. To know how far the machine can be trusted, researchers code random "
    "samples of its segments blind (Check the machine: stratified by the machine's issue, figures weighted "
    "back to the whole corpus) and the tool measures precision, recall, F1 and Cohen's κ between researcher "
    "and machine, per issue. An issue's residents' verdicts are verified when κ ≥ {kappa:.2f} over at least "
    "{segments} checked segments; issues below that, or never checked, are flagged.")


def _machine_checks(engine: Engine, actor: Actor, m: pd.DataFrame, t: th.Thresholds):
    """Per matrix issue: verified / below threshold / unchecked with the figures; and the checks' history."""
    from triangulate.residents import machine_check

    if not can(actor, "machine_check.read"):
        return pd.DataFrame(), pd.DataFrame()
    flags = machine_check.flags(engine, actor, t)
    rows = [{"issue_code": r.issue_code, "issue": r.issue,
             "status": flags[r.issue_code].short if r.issue_code in flags else "⚠ unchecked",
             "kappa": flags[r.issue_code].kappa if r.issue_code in flags else None,
             "f1": flags[r.issue_code].f1 if r.issue_code in flags else None,
             "precision": flags[r.issue_code].precision if r.issue_code in flags else None,
             "recall": flags[r.issue_code].recall if r.issue_code in flags else None,
             "segments": flags[r.issue_code].segments if r.issue_code in flags else 0,
             "check": flags[r.issue_code].check_id if r.issue_code in flags else None}
            for r in m.itertuples(index=False)]
    return pd.DataFrame(rows), machine_check.history(engine, actor)


def _history_sentence(history: pd.DataFrame) -> str:
    return "Checks so far: " + "; ".join(
        f"check {r['check_id']} by {r['by']}, {r['finished']:%d %b %Y}: {r['segments checked']} of "
        f"{r['of']} machine-coded segments, κ {_fmt(r['kappa'])}, accuracy {_fmt(r['accuracy'])}, "
        f"macro-F1 {_fmt(r['macro_f1'])}" for r in history.to_dict("records")) + "."


def _fmt(value) -> str:
    return "–" if value is None or (isinstance(value, float) and pd.isna(value)) else (
        f"{value:.2f}" if isinstance(value, float) else str(value))


# --------------------------------------------------------------------------- HTML
# Rendered charts by what they draw (the spec holds its data), shared by every report in this process: a
# report prepared again, or by a second person, on the same data renders nothing. Charts carry issue labels
# and figures, not people's text; erasure empties it anyway with every other cache.
_RENDERED: OrderedDict[tuple[str, str], str | bytes] = OrderedDict()
_RENDERED_MAX = 256
_rendered_lock = threading.Lock()
caches.register("report charts", _RENDERED.clear, lambda text: caches.mentions(list(_RENDERED.values()), text))


def _rendered(kind: str, spec: dict, render) -> str | bytes:
    key = (kind, hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest())
    with _rendered_lock:
        if key in _RENDERED:
            _RENDERED.move_to_end(key)
            return _RENDERED[key]
    value = render()
    with _rendered_lock:
        _RENDERED[key] = value
        while len(_RENDERED) > _RENDERED_MAX:
            _RENDERED.popitem(last=False)
    return value


def _svg(data: ReportData, spec: dict) -> str:
    """Each chart is compiled once (per report, and across reports of the same data); the PDF rasterises
    the same SVG."""
    key = id(spec)
    if key not in data.images:
        data.images[key] = _rendered("svg", spec, lambda: vlc.vegalite_to_svg(spec))
    return data.images[key]


def _png(data: ReportData, spec: dict) -> bytes:
    return _rendered("png", spec, lambda: vlc.svg_to_png(_svg(data, spec), scale=2))


def _data_uri_svg(data: ReportData, spec: dict) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(_svg(data, spec).encode("utf-8")).decode("ascii")


def _table(frame: pd.DataFrame, columns: list[str], headers: list[str] | None = None) -> str:
    if frame is None or frame.empty:
        return "<p class='empty'>None.</p>"
    head = "".join(f"<th>{html.escape(h)}</th>" for h in (headers or columns))
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if pd.isna(v) else str(v))}</td>" for v in row) + "</tr>"
                   for row in frame[columns].itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _verdict_badge(verdict: str) -> str:
    style = cv.STYLE[verdict]
    return (f"<span class='badge' style='background:{style['colour']}'>{style['glyph']} "
            f"{html.escape(verdict)}</span>")


CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#222;line-height:1.45}
h1{font-size:1.8rem;margin-bottom:.2rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.9rem}th,td{border:1px solid #ccc;
padding:.3rem .45rem;text-align:left;vertical-align:top}th{background:#f3f3f3}
.badge{padding:.1rem .45rem;border-radius:.3rem;color:#000;
font-weight:600;white-space:nowrap}.why{background:#f7f7f7;border-left:4px solid #888;padding:.4rem .7rem}
blockquote{margin:.4rem 0;padding:.3rem .8rem;border-left:4px solid #56B4E9;background:#f4f9fc}.meta{color:#555}
.illustrative{background:#fff4d6;border:1px solid #E69F00;padding:.4rem .7rem}img{max-width:100%}.empty{color:#777}
"""


def render_html(data: ReportData) -> str:
    e = html.escape
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Triangulate — {e(_place(data))}"
             f"</title><style>{CSS}</style></head><body>",
             f"<h1>Triangulate: {e(_place(data))}</h1>",
             f"<p class='meta'>Joint display of numbers, practitioners and residents. Generated "
             f"{data.generated:%d %B %Y, %H:%M} UTC by {e(data.author)}.</p>"]
    if data.area_statement:
        parts.append(f"<p><strong>Evidence in this area.</strong> {e(data.area_statement)}</p>")
    if data.illustrative:
        parts.append(f"<p class='illustrative'>{e(ILLUSTRATIVE_NOTE)}</p>")
    if data.waiting:
        parts.append(f"<p class='illustrative'><strong>Residents not analysed.</strong> {e(data.waiting)}</p>")
    counts = data.matrix["verdict"].value_counts()
    parts.append("<h2 id='matrix'>The matrix</h2><p>" + " · ".join(
        f"{_verdict_badge(v)} {int(counts.get(v, 0))}" for v in cv.VERDICTS) + "</p>")
    parts.append(f"<img alt='Joint display matrix for {e(data.ward)}' src='{_data_uri_svg(data, data.matrix_spec)}'>")
    table = data.matrix.assign(verdict_word=[f"{cv.STYLE[v]['glyph']} {v}" for v in data.matrix["verdict"]])
    checked = len(data.checks) > 0
    parts.append(_table(table, ["issue", "numbers", "practitioners", "residents"]
                        + (["residents_checked"] if checked else []) + ["verdict_word"],
                        ["Issue", "Numbers", "Practitioners", "Residents"]
                        + (["Residents checked"] if checked else []) + ["Verdict"]))
    parts.append("<h2 id='issues'>Issues to discuss, with their evidence</h2>")
    for s in data.sections:
        parts.append(f"<h3>{e(s.label)} {_verdict_badge(s.verdict)}</h3>"
                     f"<p class='why'><strong>Why:</strong> {e(s.why)}</p>")
        ex_rows = "".join(f"<li><strong>{e(k)}</strong> ({e(s.levels[k])}): {e(', '.join(v)) or '—'}</li>"
                          for k, v in s.examples.items())
        parts.append(f"<p>Specific examples each strand offers:</p><ul>{ex_rows}</ul>")
        if s.chart_spec:
            parts.append(f"<img alt='Indicators for {e(s.label)}: {e(data.ward)} against the city' "
                         f"src='{_data_uri_svg(data, s.chart_spec)}'>")
        if len(s.insights):
            parts.append("<h4>What officers recorded</h4>")
            if s.insights_are_text:
                parts.append("".join(f"<blockquote>{e(str(r.text))}<br><small>{e(str(r.role_service))}, "
                                     f"{e(str(r.observed_on))} · {e(str(r.stance))}, severity {int(r.severity)}"
                                     f"</small></blockquote>" for r in s.insights.head(5).itertuples()))
            else:
                parts.append(_table(s.insights, list(s.insights.columns)))
        if len(s.quotes):
            parts.append("<h4>What residents said (redacted)</h4>" + "".join(
                f"<blockquote>“{e(str(r.text))}”<br><small>{e(str(r.title))}</small></blockquote>"
                for r in s.quotes.itertuples()))
    parts.append("<h2 id='data-needs'>Data needs</h2><h3>On the register</h3>")
    parts.append(_table(data.needs, ["issue", "strand", "description", "owner", "status"],
                        ["Issue", "Strand", "What is missing", "Owner", "Status"]))
    silences = data.proposals[data.proposals["reason"] == "silence"]
    parts.append(f"<h3>Proposed from silences ({len(silences)})</h3>")
    parts.append(_table(silences.head(30), ["issue", "strand", "description"], ["Issue", "Strand", "What is missing"]))
    gaps = data.proposals[data.proposals["reason"] == "no data"]
    if len(gaps):
        parts.append(f"<p>{len(gaps)} further gap(s) where a strand has no data: "
                     + e("; ".join(f"{g.issue} ({g.strand})" for g in gaps.head(60).itertuples())) + ".</p>")
    parts.append("<h2 id='hypotheses'>Hypotheses</h2>")
    parts.append(_table(data.hypotheses, ["issue", "statement", "test_of_change", "owner", "status", "notes"],
                        ["Issue", "What if …", "Test of change", "Owner", "Status", "Notes"]))
    parts.append("<h2 id='notes'>Workshop notes</h2>")
    parts.append(_table(notes_sheet(data.notes), list(NOTE_COLUMNS), list(NOTE_COLUMNS.values())))
    parts.append("<h2 id='sources'>Sources and licences</h2>")
    parts.append(_table(data.sources, ["title", "source", "publisher", "period", "licence", "issue_code"],
                        ["Indicator", "Source", "Publisher", "Period", "Licence", "Issues"]))
    parts.append(f"<p>{e(OGL_ATTRIBUTION)}</p><p>Method: convergence coding after Farmer et al. (2006), "
                 "<em>Qualitative Health Research</em> 16(3): agreement, partial agreement, silence, dissonance; "
                 "no data kept apart from silence.</p>")
    if len(data.checks):
        parts.append("<h2 id='methods'>Methods: how far the residents' issues are verified</h2>")
        method = METHODS_CHECK.format(kappa=data.thresholds.machine_check_min_kappa,
                                      segments=data.thresholds.machine_check_min_segments)
        parts.append(f"<p>{e(method)}</p>")
        parts.append(_table(data.checks.assign(**{c: data.checks[c].map(_fmt) for c in
                                                   ("kappa", "f1", "precision", "recall", "check")}),
                            ["issue", "status", "kappa", "f1", "precision", "recall", "segments", "check"],
                            ["Issue", "Machine check", "κ", "F1", "Precision", "Recall", "Segments checked", "Check"]))
        if len(data.check_history):
            parts.append(f"<p>{e(_history_sentence(data.check_history))}</p>")
        else:
            parts.append("<p>No machine check has been finished yet: every residents' verdict is unverified.</p>")
    parts.append("<h2 id='settings'>Settings used</h2>")
    settings = pd.DataFrame([{"setting": k, "value": v} for k, v in data.thresholds.model_dump().items()])
    parts.append(_table(settings, ["setting", "value"], ["Setting", "Value"]))
    parts.append(f"<p class='meta'>Report date: {data.generated:%Y-%m-%d}.</p></body></html>")
    return "".join(parts)


# --------------------------------------------------------------------------- PDF
_FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
              Path("/Library/Fonts"), Path("C:/Windows/Fonts")]
_ASCII = {"✔": "[=]", "◐": "[~]", "○": "[ ]", "✖": "[x]", "–": "-", "▲": "^", "▼": "v", "△": "^", "●": "o",
          "“": '"', "”": '"', "’": "'", "‘": "'", "—": "-", "…": "...", "×": "x", "≥": ">=", "≤": "<=", "±": "+/-"}


def _unicode_font() -> tuple[Path, Path] | None:
    for d in _FONT_DIRS:
        regular, bold = d / "DejaVuSans.ttf", d / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            return regular, bold
    return None


def render_pdf(data: ReportData) -> bytes:
    """The same sections as the HTML, with the charts as PNG images."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    fonts = _unicode_font()
    if fonts:
        pdf.add_font("body", "", str(fonts[0]))
        pdf.add_font("body", "B", str(fonts[1]))
        family, clean = "body", (lambda s: str(s))
    else:  # no Unicode font on this machine: Helvetica with ASCII stand-ins for glyphs
        family = "helvetica"

        def clean(s):
            s = str(s)
            for k, v in _ASCII.items():
                s = s.replace(k, v)
            return s.encode("latin-1", "replace").decode("latin-1")
    pdf.set_title(clean(f"Triangulate — {_place(data)}"))
    pdf.add_page()
    width = pdf.epw

    def heading(text, size=14):
        pdf.set_font(family, "B", size)
        pdf.multi_cell(width, 8, clean(text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 9.5)

    # fpdf's multi_cell measures every character of a line again and again; long evidence paragraphs
    # wrapped by hand (a conservative width per character for the font) are ~20× faster and look the same.
    chars_per_line = int(width / (9.5 * 0.3528 * 0.56))

    def para(text, h=4.6):
        pdf.set_font(family, "", 9.5)
        for block in clean(text).split("\n"):
            for line in textwrap.wrap(block, chars_per_line, break_long_words=True) or [""]:
                pdf.cell(width, h, line, new_x="LMARGIN", new_y="NEXT")

    def table(frame, columns, headers, widths=None):
        if frame is None or frame.empty:
            para("None.")
            return
        pdf.set_font(family, "", 8)
        with pdf.table(col_widths=widths, headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
                       line_height=4.2, text_align="LEFT") as t:
            t.row([clean(h) for h in headers])
            for row in frame[columns].itertuples(index=False):
                t.row([clean("" if pd.isna(v) else v) for v in row])
        pdf.ln(2)

    def image(spec):
        pdf.image(io.BytesIO(_png(data, spec)), w=min(width, 170))
        pdf.ln(2)

    heading(f"Triangulate: {_place(data)}", 18)
    para(f"Joint display of numbers, practitioners and residents. Generated {data.generated:%d %B %Y, %H:%M} UTC "
         f"by {data.author}.")
    if data.area_statement:
        para(f"Evidence in this area. {data.area_statement}")
    if data.illustrative:
        para(ILLUSTRATIVE_NOTE)
    if data.waiting:
        para(f"Residents not analysed. {data.waiting}")
    heading("The matrix")
    counts = data.matrix["verdict"].value_counts()
    para(" · ".join(f"{cv.STYLE[v]['glyph']} {v}: {int(counts.get(v, 0))}" for v in cv.VERDICTS))
    image(data.matrix_spec)
    table(data.matrix.assign(verdict_word=[f"{cv.STYLE[v]['glyph']} {v}" for v in data.matrix["verdict"]]),
          ["issue", "numbers", "practitioners", "residents", "verdict_word"],
          ["Issue", "Numbers", "Practitioners", "Residents", "Verdict"])
    heading("Issues to discuss, with their evidence")
    for s in data.sections:
        heading(f"{s.label}: {cv.STYLE[s.verdict]['glyph']} {s.verdict}", 12)
        para(f"Why: {s.why}")
        for k, v in s.examples.items():
            para(f"{k} ({s.levels[k]}): {', '.join(v) or '-'}")
        if s.chart_spec:
            image(s.chart_spec)
        if len(s.insights):
            heading("What officers recorded", 10)
            if s.insights_are_text:
                for r in s.insights.head(5).itertuples():
                    para(f"“{r.text}” ({r.role_service}, {r.observed_on}; {r.stance}, severity {int(r.severity)})")
            else:
                table(s.insights, list(s.insights.columns), list(s.insights.columns))
        if len(s.quotes):
            heading("What residents said (redacted)", 10)
            for r in s.quotes.itertuples():
                para(f"“{r.text}” ({r.title})")
    heading("Data needs")
    table(data.needs, ["issue", "strand", "description", "owner", "status"],
          ["Issue", "Strand", "What is missing", "Owner", "Status"], (20, 14, 46, 12, 10))
    silences = data.proposals[data.proposals["reason"] == "silence"]
    heading(f"Proposed from silences ({len(silences)})", 11)
    table(silences.head(30), ["issue", "strand", "description"], ["Issue", "Strand", "What is missing"], (20, 14, 66))
    gaps = data.proposals[data.proposals["reason"] == "no data"]
    if len(gaps):
        para(f"{len(gaps)} further gap(s) where a strand has no data: "
             + "; ".join(f"{g.issue} ({g.strand})" for g in gaps.head(60).itertuples()) + ".")
    heading("Hypotheses")
    table(data.hypotheses, ["issue", "statement", "test_of_change", "owner", "status", "notes"],
          ["Issue", "What if …", "Test of change", "Owner", "Status", "Notes"])
    heading("Workshop notes")
    table(notes_sheet(data.notes), ["issue", "text", "by"], ["Issue", "Note", "By"], (22, 58, 20))
    heading("Sources and licences")
    table(data.sources, ["title", "source", "publisher", "period", "licence"],
          ["Indicator", "Source", "Publisher", "Period", "Licence"])
    para(OGL_ATTRIBUTION)
    para("Method: convergence coding after Farmer et al. (2006), Qualitative Health Research 16(3): agreement, "
         "partial agreement, silence, dissonance; no data kept apart from silence.")
    if len(data.checks):
        heading("Methods: how far the residents' issues are verified")
        para(METHODS_CHECK.format(kappa=data.thresholds.machine_check_min_kappa,
                                  segments=data.thresholds.machine_check_min_segments))
        table(data.checks.assign(**{c: data.checks[c].map(_fmt) for c in ("kappa", "f1", "precision", "recall",
                                                                           "check")}),
              ["issue", "status", "kappa", "f1", "precision", "recall", "segments"],
              ["Issue", "Machine check", "κ", "F1", "Precision", "Recall", "Segments"], (30, 26, 9, 9, 9, 9, 8))
        if len(data.check_history):
            para(_history_sentence(data.check_history))
        else:
            para("No machine check has been finished yet: every residents' verdict is unverified.")
    heading("Settings used")
    table(pd.DataFrame([{"setting": k, "value": v} for k, v in data.thresholds.model_dump().items()]),
          ["setting", "value"], ["Setting", "Value"], (70, 30))
    para(f"Report date: {data.generated:%Y-%m-%d}.")
    return bytes(pdf.output())


# --------------------------------------------------------------------------- workshop notes
NOTE_COLUMNS = {"issue": "Issue", "text": "Note", "by": "By", "when": "When (UTC)"}


def notes_sheet(notes: pd.DataFrame) -> pd.DataFrame:
    """The ward's workshop notes as every format shows them: the issue by its label and the author by
    display name (`workshop.notes`), the time as text (a spreadsheet cannot hold a time zone)."""
    if notes is None or notes.empty:
        return pd.DataFrame(columns=list(NOTE_COLUMNS))
    issue = notes["issue"] if "issue" in notes else notes["issue_code"].map(label)
    by = notes["by"] if "by" in notes else notes["author"]
    when = [f"{t:%Y-%m-%d %H:%M}" if pd.notna(t) else "" for t in notes["created_at"]]
    return pd.DataFrame({"issue": list(issue), "text": list(notes["text"]), "by": list(by), "when": when})


# --------------------------------------------------------------------------- XLSX
def render_xlsx(data: ReportData) -> bytes:
    """The matrix with its evidence: one sheet each for the matrix, the signals, quotes, needs, hypotheses,
    workshop notes, sources and settings."""
    from openpyxl.styles import Alignment, Font, PatternFill

    matrix_cols = ["issue", "numbers", "practitioners", "residents", "numbers–practitioners", "numbers–residents",
                   "practitioners–residents", "verdict", "why"]
    evidence_rows = []
    for row in data.matrix.itertuples(index=False):
        r = row._asdict()
        for strand in sig.STRANDS:
            evidence_rows.append({"issue": r["issue"], "strand": strand, "level": r[strand],
                                  "strength": r[f"{strand}_strength"], "summary": r[f"{strand}_summary"],
                                  "examples": r[f"{strand}_examples"]})
    quotes = [{"issue": s.label, "source": "residents", "text": q.text, "from": q.title}
              for s in data.sections for q in s.quotes.itertuples()]
    quotes += [{"issue": s.label, "source": "officers", "text": i.text, "from": f"{i.role_service}, {i.observed_on}"}
               for s in data.sections if s.insights_are_text for i in s.insights.itertuples()]
    needs = data.needs.drop(columns=["created_at", "updated_at"], errors="ignore")
    settings = pd.DataFrame([{"setting": k, "value": v} for k, v in data.thresholds.model_dump().items()]
                            + [{"setting": "ward", "value": f"{data.ward} ({data.ward_code})"}]
                            + ([{"setting": "area", "value": _place(data)},
                                {"setting": "evidence in the area", "value": data.area_statement}] if data.area else [])
                            + [{"setting": "generated", "value": f"{data.generated:%Y-%m-%d %H:%M} UTC"},
                               {"setting": "licence", "value": OGL_ATTRIBUTION}])
    sheets = {"Matrix": data.matrix[matrix_cols], "Evidence": pd.DataFrame(evidence_rows),
              "Quotes": pd.DataFrame(quotes, columns=["issue", "source", "text", "from"]), "Data needs": needs,
              "Hypotheses": data.hypotheses.drop(columns=["created_at", "updated_at"], errors="ignore"),
              "Workshop notes": notes_sheet(data.notes).rename(columns=NOTE_COLUMNS),
              "Sources": data.sources, "Settings": settings}
    if len(data.checks):
        sheets["Machine check"] = data.checks

    def style(writer) -> None:
        sheet = writer.sheets["Matrix"]
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        verdict_col = matrix_cols.index("verdict") + 1
        for row_cells in sheet.iter_rows(min_row=2):
            verdict = row_cells[verdict_col - 1].value
            if verdict in cv.STYLE:
                row_cells[verdict_col - 1].fill = PatternFill("solid", fgColor=cv.STYLE[verdict]["colour"][1:])
                row_cells[verdict_col - 1].value = f"{cv.STYLE[verdict]['glyph']} {verdict}"
            row_cells[-1].alignment = Alignment(wrap_text=True, vertical="top")
        for letter, w in zip("ABCDEFGHI", (28, 12, 14, 12, 20, 20, 22, 20, 90)):
            sheet.column_dimensions[letter].width = w
        sheet.freeze_panes = "B2"

    return exports.xlsx_bytes(sheets, style=style)


def _audit_target(ward_code: str, area) -> str:
    return ward_code if area is None or area.kind == "ward" else f"{ward_code}/{area.code}"


def export(engine: Engine, actor: Actor, ward_code: str, fmt: str, area=None) -> bytes:
    """Build and render a ward's (or an area's) report (html, pdf or xlsx); the export is audited."""
    if fmt not in FORMATS:
        raise TriangulateError(f"Report format must be one of {', '.join(FORMATS)}, not {fmt!r}.")
    data = build(engine, actor, ward_code, area=area)
    out = {"html": lambda: render_html(data).encode("utf-8"), "pdf": lambda: render_pdf(data),
           "xlsx": lambda: render_xlsx(data)}[fmt]()
    with session_scope(engine) as session:
        audit.record(session, actor, "export", "report", _audit_target(ward_code, area), format=fmt, bytes=len(out))
    return out


def export_all(engine: Engine, actor: Actor, ward_code: str, area=None) -> dict[str, bytes]:
    """All three formats from one build (for the app's download buttons); audited once."""
    data = build(engine, actor, ward_code, area=area)
    out = {"html": render_html(data).encode("utf-8"), "pdf": render_pdf(data), "xlsx": render_xlsx(data)}
    with session_scope(engine) as session:
        audit.record(session, actor, "export", "report", _audit_target(ward_code, area), format="html+pdf+xlsx")
    return out


def warm() -> None:
    """Load what a first report pays for once per process (the PDF and workbook libraries, and the chart
    renderer's JavaScript engine: about a second before its first chart), for the server's warm-up."""
    import fpdf  # noqa: F401
    import openpyxl  # noqa: F401

    vlc.vegalite_to_svg({"data": {"values": [{"x": 1}]}, "mark": "point",
                         "encoding": {"x": {"field": "x", "type": "quantitative"}}})


def format_for(path: str | Path) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix == "htm":
        suffix = "html"
    if suffix not in FORMATS:
        raise TriangulateError(f"Choose a report file ending in .html, .pdf or .xlsx (got {Path(path).name!r}).")
    return suffix
