"""Hostile input to the insight importer (CSV/XLSX) and to the insight form (`insights.create`).

The only refusals allowed are ImportFailed (file, row, column, fix) for files and InvalidInsight /
TriangulateError for the form; after a refusal the database is byte-for-byte unchanged. Hostile text
(HTML, script, SQL, bidi, 10,000 characters) in the text, author and role is stored and read back verbatim.
"""
from __future__ import annotations

import csv
import io
from datetime import date

from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlmodel import select

from schemas import Insight
from tests.hostile_support import CALTON, FAST, GOVAN, HOSTILE, LONG, REFUSED, attempt, hostile_text, ready, typed_text
from triangulate.core.db import session_scope
from triangulate.core.errors import TriangulateError
from triangulate.core.permissions import Actor
from triangulate.practitioners import importing as insight_import
from triangulate.practitioners import insights

FILE_IMPORTER, FORM = "insights-importer (CSV/XLSX)", "insight form (insights.create)"
RESEARCHER = Actor("researcher", "researcher", id=3)
HEADER = ["ward", "date", "author", "role_service", "evidence_type", "families", "confidence", "text", "codes",
          "coder"]
GOOD = ["Govan", "2025-03-14", "Jo Reid", "Health visiting", "caseload pattern", "4", "high",
        "Damp in every flat I visited.", "housing:problem:3; fuel:worsening", ""]

valid_cell = {
    "ward": st.sampled_from(["Govan", "govan", GOVAN, CALTON, "Calton", "Atlantis", "", "S13002999"]),
    "date": st.sampled_from(["2025-03-14", "14/03/2025", "31/02/2025", "2999-01-01", "yesterday", "", "1/1/25"]),
    "evidence_type": st.sampled_from(["caseload pattern", "a family's story", "Observation", "gossip", ""]),
    "families": st.sampled_from(["", "0", "12", "-1", "many", "100001", "1e3"]),
    "confidence": st.sampled_from(["", "low", "HIGH", "sure"]),
    "codes": st.sampled_from(["", "housing:problem:3", "food:worsening; fuel:improving:1", "unicorns:problem",
                              "housing:problem:9", "housing:problem; housing:improving", "a:b:c:d",
                              "transport:not a problem:2"]),
    "coder": st.sampled_from(["", "researcher", "consensus", "priya", "<script>", "robert'); drop table--"]),
}


CLEAN = {"ward": st.sampled_from(["Govan", GOVAN, "calton"]), "date": st.sampled_from(["2025-03-14", "14/03/2025"]),
         "evidence_type": st.sampled_from(["caseload pattern", "partner report"]),
         "families": st.sampled_from(["", "3"]), "confidence": st.sampled_from(["", "high"]),
         "codes": st.sampled_from(["", "housing:problem:3", "food:worsening; fuel:improving:1"]),
         "coder": st.just("")}
# Clean rows (only the free text is hostile) are mostly accepted: they test "stored verbatim".
# Messy rows (any cell hostile or wrong) are mostly refused: they test "refused, nothing written".
clean_row = st.fixed_dictionaries({c: CLEAN.get(c, hostile_text) for c in HEADER})
messy_row = st.fixed_dictionaries({c: (st.one_of(valid_cell[c], hostile_text) if c in valid_cell else hostile_text)
                                   for c in HEADER})
row_strategy = st.one_of(clean_row, messy_row)


def _csv(header: list[str], rows: list[list[str]], encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    text = buffer.getvalue()
    if encoding == "utf-16":
        return text.encode("utf-16")
    return text.encode(encoding, errors="replace") if encoding == "cp1252" else text.encode(encoding)


def _xlsx(header: list[str], rows: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in [header, *rows]:
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in r])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _as_imported(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _try_file(engine, data: bytes, filename: str, rows: list[dict] | None = None):
    report = attempt(engine, FILE_IMPORTER, lambda: insight_import.import_file(engine, RESEARCHER, data, filename),
                     filename)
    if report is REFUSED:
        return None
    if rows and not report.already_imported:
        # Text and author are part of an insight's identity (a repeat row joins the insight already
        # there), so each accepted row's text and author are stored exactly, together.
        with session_scope(engine) as s:
            stored = {(i.author_name, i.text) for i in s.exec(select(Insight))}
        for r in rows:
            author = r["author"].strip()
            if author.lower() in ("admin", "lead", "researcher", "officer", "viewer"):
                author = author.title()  # a username links to the account's display name
            assert (author, r["text"].strip()) in stored, "an accepted insight was not stored verbatim"
    return report


@settings(max_examples=560, **FAST)
@given(rows=st.lists(row_strategy, min_size=1, max_size=4), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
@example(rows=[dict(zip(HEADER, GOOD)) | {"text": h, "author": HOSTILE[(i + 1) % len(HOSTILE)][:200],
                                          "role_service": HOSTILE[(i + 2) % len(HOSTILE)][:200]}
               for i, h in enumerate(HOSTILE)], encoding="utf-8")
def test_csv_rows_with_hostile_and_random_cells(sqlite_engine, rows, encoding):
    ready(sqlite_engine)
    body = [[r[c] for c in HEADER] for r in rows]
    data = _csv(HEADER, body, encoding)
    # Only rows that survive the encoding unchanged can be checked verbatim.
    # The importer tries UTF-8 first, then cp1252 (as Excel saves): a cp1252 file can also be valid UTF-8
    # ("ß©" is the bytes of "ߩ"), and is then read as UTF-8.
    exact = encoding != "cp1252" or _as_imported(data) == _csv(HEADER, body, "utf-8").decode()
    _try_file(sqlite_engine, data, "team.csv", rows if exact else None)


@settings(max_examples=200, **FAST)
@given(header=st.one_of(st.just(HEADER), st.permutations(HEADER),
                        st.lists(st.sampled_from(HEADER + ["extra", ""]), max_size=12),
                        st.lists(typed_text, max_size=8)),
       rows=st.lists(st.lists(st.one_of(hostile_text, st.sampled_from(GOOD)), max_size=12), max_size=5),
       fmt=st.sampled_from(["csv", "xlsx", "txt", "utf-16"]),
       cut=st.one_of(st.none(), st.integers(0, 5000)))
def test_shuffled_headers_formats_and_truncation(sqlite_engine, header, rows, fmt, cut):
    ready(sqlite_engine)
    if fmt == "xlsx":
        data, name = _xlsx(header, rows), "team.xlsx"
    else:
        data = _csv(header, rows, "utf-16" if fmt == "utf-16" else "utf-8")
        name = f"team.{'txt' if fmt == 'txt' else 'csv'}"
    if cut is not None:
        data = data[:cut]
    _try_file(sqlite_engine, data, name)


@settings(max_examples=250, **FAST)
@given(data=st.one_of(st.binary(max_size=1500), st.binary(max_size=600).map(lambda b: b"PK\x03\x04" + b),
                      st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass"))),
       name=st.sampled_from(["x.csv", "x.xlsx", "x.xlsm", "x.txt", "x.pdf", "x"]))
def test_random_bytes(sqlite_engine, data, name):
    ready(sqlite_engine)
    _try_file(sqlite_engine, data, name)


@settings(max_examples=50, **FAST)
@given(rows=st.lists(row_strategy, min_size=1, max_size=3))
@example(rows=[dict(zip(HEADER, GOOD)) | {"text": "NUL \x00 in the text", "author": "Nul\x00Author"}])
def test_each_backend(engine, rows):
    """PostgreSQL too (when TEST_DATABASE_URL is set): hostile text and NUL characters never half-write."""
    ready(engine)
    _try_file(engine, _csv(HEADER, [[r[c] for c in HEADER] for r in rows], "utf-8"), "team.csv", rows)


# --------------------------------------------------------------------------- the form
hostile_codes = st.lists(st.fixed_dictionaries({"issue": st.sampled_from(["housing", "food", "unicorns", "<b>"]),
                                                 "stance": st.sampled_from(["problem", "not_a_problem", "nope"]),
                                                 "severity": st.integers(0, 4)}), max_size=3)
messy_form = st.fixed_dictionaries({
    "ward": st.one_of(st.sampled_from(["Govan", GOVAN, "Calton", "Atlantis", ""]), hostile_text),
    "observed_on": st.one_of(st.sampled_from([date(2025, 3, 14), "2025-03-14", "14/03/2025", date(2999, 1, 1),
                                              "", None]), typed_text),
    "text": hostile_text, "role_service": hostile_text,
    "evidence_type": st.one_of(st.sampled_from(["caseload pattern", "partner report"]), typed_text),
    "families": st.one_of(st.none(), st.integers(-5, 200_000)),
    "confidence": st.sampled_from(["low", "medium", "high", "", "sure"]), "codes": hostile_codes})
clean_form = st.fixed_dictionaries({
    "ward": st.sampled_from(["Govan", GOVAN, "Calton"]), "observed_on": st.just(date(2025, 3, 14)),
    "text": hostile_text, "role_service": hostile_text, "evidence_type": st.just("caseload pattern"),
    "families": st.none(), "confidence": st.just("high"),
    "codes": st.sampled_from([[], [{"issue": "housing", "stance": "problem", "severity": 3}]])})
form_fields = st.one_of(clean_form, messy_form)


def _try_form(engine, actor: Actor, fields: dict) -> None:
    saved = attempt(engine, FORM, lambda: insights.create(engine, actor, **fields), refusal=TriangulateError)
    if saved is REFUSED:
        return
    insight, _ = insights.get(engine, actor, saved.id)
    assert insight.text == fields["text"].strip()
    assert insight.role_service == fields["role_service"].strip()
    assert insight.author_name == actor.name.strip()


@settings(max_examples=970, **FAST)
@given(fields=form_fields, author=hostile_text)
@example(fields={"ward": "Govan", "observed_on": date(2025, 3, 14), "text": LONG, "role_service": HOSTILE[0],
                 "evidence_type": "caseload pattern", "families": 3, "confidence": "high",
                 "codes": [{"issue": "housing", "stance": "problem", "severity": 3}]}, author=HOSTILE[3])
@example(fields={"ward": "Govan", "observed_on": date(2025, 3, 14), "text": HOSTILE[1], "role_service": HOSTILE[2],
                 "evidence_type": "caseload pattern", "families": None, "confidence": "low", "codes": []},
         author=HOSTILE[8])
def test_form_with_hostile_fields(sqlite_engine, fields, author):
    ready(sqlite_engine)
    _try_form(sqlite_engine, Actor("officer", "officer", id=4, display_name=author[:200]), fields)


@settings(max_examples=40, **FAST)
@given(fields=form_fields, author=hostile_text)
@example(fields={"ward": "Govan", "observed_on": date(2025, 3, 14), "text": "NUL \x00 here", "role_service": "HV",
                 "evidence_type": "caseload pattern", "families": None, "confidence": "low", "codes": []},
         author="Jo")
def test_form_each_backend(engine, fields, author):
    ready(engine)
    _try_form(engine, Actor("officer", "officer", id=4, display_name=author[:200]), fields)
