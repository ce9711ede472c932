"""Hostile input to the indicator importer (`numbers_import`, CLI `import-indicators`).

Generated files: valid headers of every recognised format with random cells, random bytes, random
encodings, broken and truncated workbooks, hostile metadata. The only refusal allowed is ImportFailed
(file, row, fix); after a refusal the database is byte-for-byte what it was. Hostile titles and notes that
pass validation are stored verbatim.
"""
from __future__ import annotations

import io
import json

from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlmodel import select

from schemas import Indicator
from tests.hostile_support import (
    CALTON,
    FAST,
    GOVAN,
    HOSTILE,
    REFUSED,
    SPRINGBURN,
    attempt,
    db_fingerprint,
    hostile_text,
    ready,
    tried,
    typed_text,
)
from triangulate import cli
from triangulate.core.db import session_scope
from triangulate.core.permissions import Actor
from triangulate.numbers.importing import import_indicators

RESEARCHER = Actor("researcher", "researcher")
NAME = "indicators-importer"

HEADERS = [
    ["area_code", "period", "value"],
    ["area", "period", "numerator", "denominator"],
    ["area_code", "period", "indicator", "value", "breakdown"],
    ["ward", "2021", "2022", "2023/24"],
    ["FeatureCode", "DateCode", "Measurement", "Units", "Value", "Age"],
    ["Dataset:", "Children in Low Income Families"],
    ["", "Year", "2021/22 (p)", "2021/22 (p) - Annotations"],
]
cell = st.one_of(
    st.sampled_from(["", "*", "..", "c", "[x]", "Govan", "govan", "Calton", "Govan - 01", "Glasgow", "Scotland",
                     GOVAN, CALTON, SPRINGBURN, "S01010206", "S02001933", "S13002999", "S01999999", "S12000049",
                     "2023", "2021/22", "Total", "Ratio", "Count", "0.25", "12", "-3", "1,234", "45%", "1e308",
                     "nan", "inf", "fsm_rate", "hostile_key", "Dataset:", "- Annotations"]),
    st.sampled_from(HOSTILE), typed_text, st.floats(allow_nan=True).map(str), st.integers(-10**9, 10**9).map(str))

meta_strategy = st.fixed_dictionaries(
    {"key": st.sampled_from(["hostile_key", "fsm_rate", "x", "Bad Key!", "", "a" * 70]),
     "title": hostile_text, "source": hostile_text, "publisher": hostile_text, "definition": hostile_text},
    optional={"unit": st.sampled_from(["fraction", "count", "percent", "score", "furlongs", "<b>"]),
              "polarity": st.sampled_from(["higher_worse", "Higher-Better", "sideways"]),
              "aggregation": st.sampled_from(["ratio", "sum", "population_weighted", "none", "mean"]),
              "issue_codes": st.one_of(st.lists(st.sampled_from(["food", "housing", "unicorns", "<x>"]), max_size=3),
                                       st.sampled_from(["food; housing", "", "'; DROP TABLE issue; --"])),
              "notes": hostile_text, "period": st.sampled_from(["", "2023", "<script>"]),
              "licence": hostile_text, "denominator_label": hostile_text})


def _csv_text(rows: list[list[str]], delimiter: str) -> str:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue()


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-8-sig":
        return text.encode("utf-8-sig")
    if encoding == "utf-16":
        return text.encode("utf-16")  # with a BOM, as Excel writes "Unicode text"
    return text.encode(encoding, errors="replace")


def _xml_safe(text: str) -> str:
    """openpyxl itself refuses control characters, so a workbook can never hold them."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _xlsx(rows: list[list[str]], meta_rows: list[list[str]] | None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    for r in rows:
        ws.append([_xml_safe(c) for c in r])
    if meta_rows is not None:
        meta = wb.create_sheet("metadata")
        meta.append(["field", "value"])
        for r in meta_rows:
            meta.append([_xml_safe(c) for c in r])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _try(engine, filename: str, data: bytes, meta: dict | None, **options):
    """Run the importer; check the refusal is documented and the database unchanged. Returns the result."""
    with session_scope(engine) as s:
        known = {i.key for i in s.exec(select(Indicator))}
    result = attempt(engine, NAME, lambda: import_indicators(engine, RESEARCHER, filename, data, meta=meta, **options),
                     filename)
    if result is REFUSED:
        return None
    if meta and not result.already_imported:
        # A new indicator keeps its hostile metadata verbatim (whitespace trimmed, as the form does).
        with session_scope(engine) as s:
            for key in result.indicators:
                if key not in known and key == str(meta.get("key", "")).strip().lower():
                    ind = s.exec(select(Indicator).where(Indicator.key == key)).one()
                    assert ind.title == str(meta["title"]).strip()
                    assert ind.definition == str(meta["definition"]).strip()
                    if "notes" in meta and meta["notes"].strip():
                        assert ind.notes == meta["notes"].strip()
    return result


@settings(max_examples=450, **FAST)
@given(header=st.sampled_from(HEADERS), rows=st.lists(st.lists(cell, max_size=7), max_size=8), meta=meta_strategy,
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
       delimiter=st.sampled_from([",", ";", "\t"]),
       area_level=st.sampled_from([None, "ward", "datazone"]), skip_outside=st.booleans())
@example(header=["area_code", "period", "value"], rows=[[GOVAN, "2023", "0.3"]],
         meta={"key": "hostile_key", "title": "<script>alert(1)</script>", "source": "'; DROP TABLE insight; --",
               "publisher": "Robert'); DROP TABLE students;--", "definition": "<img src=x onerror=alert(1)> " * 3,
               "notes": HOSTILE[-1]}, encoding="utf-8", delimiter=",", area_level=None, skip_outside=False)
def test_structured_csv_with_random_cells(sqlite_engine, header, rows, meta, encoding, delimiter, area_level,
                                          skip_outside):
    ready(sqlite_engine)
    data = _encode(_csv_text([header, *rows], delimiter), encoding)
    _try(sqlite_engine, "upload.csv", data, meta, area_level=area_level, skip_outside=skip_outside)


@settings(max_examples=200, **FAST)
@given(header=st.sampled_from(HEADERS), rows=st.lists(st.lists(cell, max_size=6), max_size=6),
       meta_rows=st.one_of(st.none(), st.lists(st.lists(hostile_text,
                                                        min_size=2, max_size=2), max_size=5)),
       meta=st.one_of(st.none(), meta_strategy), cut=st.one_of(st.none(), st.integers(0, 6000)),
       flip=st.one_of(st.none(), st.tuples(st.integers(0, 6000), st.integers(0, 255))))
def test_workbooks_intact_truncated_or_mutated(sqlite_engine, header, rows, meta_rows, meta, cut, flip):
    ready(sqlite_engine)
    data = bytearray(_xlsx([header, *rows], meta_rows))
    if flip is not None and flip[0] < len(data):
        data[flip[0]] = flip[1]
    if cut is not None:
        data = data[:cut]
    _try(sqlite_engine, "upload.xlsx", bytes(data), meta)


@settings(max_examples=250, **FAST)
@given(data=st.one_of(st.binary(max_size=2000), st.text(max_size=400).map(lambda t: t.encode("utf-16")),
                      st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
                      st.binary(max_size=400).map(lambda b: b"PK\x03\x04" + b)),
       meta=st.one_of(st.none(), meta_strategy))
def test_random_bytes(sqlite_engine, data, meta):
    ready(sqlite_engine)
    _try(sqlite_engine, "random.csv", data, meta)


@settings(max_examples=60, **FAST)
@given(header=st.sampled_from(HEADERS[:4]), rows=st.lists(st.lists(cell, max_size=5), max_size=5), meta=meta_strategy)
@example(header=["area_code", "period", "value"], rows=[[GOVAN, "2023", "0.3"]],
         meta={"key": "nul_key", "title": "nul\x00byte <script>", "source": "abc", "publisher": "abc",
               "definition": "a definition \x00 with a NUL byte"})
def test_each_backend(engine, header, rows, meta):
    """The same property on PostgreSQL (when TEST_DATABASE_URL is set) and SQLite: hostile text, NUL bytes."""
    ready(engine)
    _try(engine, "upload.csv", _csv_text([header, *rows], ",").encode("utf-8", "surrogatepass"), meta)


@settings(max_examples=40, **FAST)
@given(meta=meta_strategy, value=cell)
def test_command_line_with_hostile_sidecar(sqlite_engine, tmp_path_factory, capsys, meta, value):
    """`import-indicators FILE` with a .meta.json sidecar: exit 0 or 1 with a message, never a traceback."""
    ready(sqlite_engine)
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "upload.csv"
    path.write_text(_csv_text([["area_code", "period", "value"], [GOVAN, "2023", value]], ","), encoding="utf-8")
    path.with_suffix(".meta.json").write_text(json.dumps(meta), encoding="utf-8")
    before = db_fingerprint(sqlite_engine)
    tried(NAME)
    code = cli.main(["--database-url", str(sqlite_engine.url), "import-indicators", str(path)])
    err = capsys.readouterr().err
    assert code in (0, 1)
    if code == 1:
        assert err.startswith("error:") and "Traceback" not in err
        assert db_fingerprint(sqlite_engine) == before
