"""Import indicator values from the files analysts actually download.

Formats (recognised from the content, not the file name):
- generic *long*: an area column (GSS code or name), a value column, optional period, indicator, breakdown,
  numerator and denominator columns;
- generic *wide*: an area column and one column per period (headers holding a year);
- statistics.gov.scot tidy CSV: FeatureCode, DateCode, Measurement, Units, Value and dimension columns;
- DWP Stat-Xplore CSV: title rows, a header of periods with "- Annotations" columns, area *names*, a Total
  row and footnotes.
CSV in UTF-8 (with or without BOM), UTF-16 or a legacy code page (detected with charset-normalizer); XLSX
(one data sheet, or the sheet named; an optional sheet called "metadata" with field/value rows).

`plan_import` validates everything and writes nothing; `import_indicators` writes a clean plan in one
transaction. Every problem names the file, the row, the column and the fix.
"""
from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import json
import math
import re
import zipfile
from dataclasses import dataclass, field

import pandas as pd
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas import DataZone, ImportBatch, Indicator, IndicatorValue, Issue, Ward
from schemas.indicator_files import IndicatorMeta
from triangulate.codebook.issues import default_tree
from triangulate.core import audit, upload_limits
from triangulate.core.db import session_scope
from triangulate.core.errors import ImportFailed, Problem
from triangulate.core.permissions import Actor, require
from triangulate.core.rows import RowProblems
from triangulate.numbers.aggregate import scale_of
from triangulate.numbers.store import add_values, period_sort_key, upsert_indicator

MAX_PROBLEMS = 200
MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 500_000  # 746 data zones × many periods and measures; a million-row sheet is refused unread
SUPPRESSED = {"", "*", "..", ".", ":", "-", "c", "x", "[c]", "[x]", "z", "[z]", "n/a", "na", "#", "~"}
CODE = re.compile(r"^S(01|02|12|13|92)\d{6}$")
YEAR = re.compile(r"(19|20)\d{2}")
LEVEL_OF_PREFIX = {"S01": "datazone", "S02": "intermediate_zone", "S13": "ward", "S12": "council",
                   "S92": "country"}
AREA_HEADERS = ["area_code", "featurecode", "feature_code", "gss_code", "code", "geography_code", "ward_code",
                "datazone", "data_zone", "dz_code", "iz_code", "intermediate_zone_code", "area", "area_name",
                "geography", "name", "ward", "ward_name", "intermediate_zone", "iz_name", "dz_name"]
PERIOD_HEADERS = ["period", "year", "datecode", "date_code", "time_period", "date"]
VALUE_HEADERS = ["value", "count", "number", "rate"]
NEGATIVE_OK_UNITS = {"score", "index"}


@dataclass
class ImportPlan:
    filename: str
    format: str = ""
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    metas: dict[str, IndicatorMeta] = field(default_factory=dict)
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    n_suppressed: int = 0
    n_skipped_existing: int = 0
    n_outside: int = 0
    checksum: str = ""
    already_imported: bool = False
    # What the file itself says about the indicator (title, unit, period, …), filled under what the user gave:
    # the user confirms a pre-filled form instead of typing every field.
    described: dict = field(default_factory=dict)
    area_level: str | None = None  # given, or guessed from the names

    @property
    def ok(self) -> bool:
        return not self.problems

    def preview(self, n: int = 20) -> pd.DataFrame:
        cols = ["indicator_key", "area_code", "area_name", "area_level", "period", "breakdown", "value",
                "numerator", "denominator", "suppressed", "source_row"]
        return self.rows[[c for c in cols if c in self.rows]].head(n)

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"file": p.file, "row": p.row, "column": p.column, "problem": p.message,
                              "fix": p.fix} for p in self.problems],
                            columns=["file", "row", "column", "problem", "fix"])


# --------------------------------------------------------------------------- reading cells
def decode(data: bytes) -> str:
    """Bytes → text: BOMs first, then strict UTF-8, then charset-normalizer's best guess (e.g. cp1252)."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc)
    if len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] != 0:
        return data.decode("utf-16-le")  # UTF-16 without a BOM (Excel "Unicode text" sometimes)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return str(best)
    return data.decode("cp1252", errors="replace")


def _csv_rows(text: str) -> list[list[str]]:
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    # newline="" lets the csv module see lone \r (old Mac line endings) as line breaks, not as stray characters
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read_cells(filename: str, data: bytes, sheet: str | None = None) -> tuple[list[list[str]], list[str],
                                                                                  str | None, dict]:
    """Rows of text cells, the workbook's sheet names, the sheet used and metadata from a 'metadata' sheet."""
    if data[:2] == b"PK" and zipfile.is_zipfile(io.BytesIO(data)):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            raise ImportFailed([Problem(filename, None, None, f"this is not a readable Excel workbook ({exc})",
                                        "save it again from Excel as .xlsx, or export it as CSV")]) from exc
        sheets = list(wb.sheetnames)
        meta_sheets = [s for s in sheets if s.strip().lower() in ("metadata", "meta", "indicator")]
        data_sheets = [s for s in sheets if s not in meta_sheets]
        meta: dict = {}
        if meta_sheets:
            for row in wb[meta_sheets[0]].iter_rows(values_only=True):
                cells = [_cell(c) for c in row]
                if len(cells) >= 2 and cells[0] and cells[0].lower() not in ("field", "key name"):
                    meta[cells[0].strip().lower().replace(" ", "_")] = cells[1]
        if sheet is None:
            if len(data_sheets) != 1:
                raise ImportFailed([Problem(
                    filename, None, None,
                    f"the workbook has {len(data_sheets)} data sheets ({', '.join(data_sheets) or 'none'})",
                    "choose the sheet to import (--sheet NAME on the command line, or the sheet box in the app)")])
            sheet = data_sheets[0]
        if sheet not in sheets:
            raise ImportFailed([Problem(filename, None, None, f"there is no sheet called {sheet!r}",
                                        f"choose one of: {', '.join(sheets)}")])
        rows = [[_cell(c) for c in row] for row in wb[sheet].iter_rows(values_only=True)]
        wb.close()
        return rows, sheets, sheet, meta
    try:
        return _csv_rows(decode(data)), [], None, {}
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit
        raise ImportFailed([Problem(filename, None, None, f"this is not a readable CSV file ({exc})",
                                    "save it again from Excel as CSV (UTF-8) or .xlsx")]) from None


# --------------------------------------------------------------------------- areas
def _norm(name: str) -> str:
    name = name.lower().replace("&", " and ").replace("’", "'")
    return re.sub(r"[^a-z0-9']+", " ", name).strip()


class Areas:
    """Glasgow's areas by code and by name, for resolving what a file calls them."""

    def __init__(self, session: Session):
        self.levels: dict[str, str] = {"S12000049": "council", "S92000003": "country"}
        self.names: dict[str, str] = {"S12000049": "Glasgow City", "S92000003": "Scotland"}
        by_name: dict[str, set] = {}
        for w in session.exec(select(Ward)):
            self._add(w.code, w.name, "ward", by_name)
        for d in session.exec(select(DataZone)):
            self._add(d.code, d.name, "datazone", by_name)
            self._add(d.iz_code, d.iz_name, "intermediate_zone", by_name)
        self._add("S12000049", "Glasgow City", "council", by_name)
        self._add("S12000049", "Glasgow", "council", by_name)
        self._add("S92000003", "Scotland", "country", by_name)
        self.by_name = by_name
        self.population: dict[str, float] = {}
        for d in session.exec(select(DataZone)):
            p = float(d.population or 0)
            for code in (d.code, d.iz_code, d.ward_code, "S12000049"):
                self.population[code] = self.population.get(code, 0.0) + p

    def _add(self, code, name, level, by_name):
        self.levels[code] = level
        self.names[code] = name
        by_name.setdefault(_norm(name), set()).add((code, level))

    def resolve(self, text: str, level: str | None) -> tuple[str | None, str | None, str | None, str]:
        """(code, level, None, '') when found; (None, None, 'outside'|'unknown'|'ambiguous', detail) when not."""
        raw = text.strip()
        if CODE.match(raw.upper()):
            code = raw.upper()
            if code in self.levels:
                return code, self.levels[code], None, ""
            prefix_level = LEVEL_OF_PREFIX[code[:3]]
            if prefix_level == "ward":
                return None, None, "unknown", f"{code} is not one of Glasgow's 23 ward codes"
            return None, None, "outside", f"{code} is not a Glasgow City {prefix_level.replace('_', ' ')}"
        found = self.by_name.get(_norm(raw), set())
        if level:
            found = {f for f in found if f[1] == level}
        if len(found) == 1:
            code, lvl = next(iter(found))
            return code, lvl, None, ""
        if len(found) > 1:
            cands = "; ".join(f"{lvl.replace('_', ' ')} {code} {self.names[code]}" for code, lvl in sorted(found))
            return None, None, "ambiguous", f"the name {raw!r} fits several areas ({cands})"
        close = difflib.get_close_matches(_norm(raw), list(self.by_name), n=3, cutoff=0.8)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        return None, None, "unknown", f"{raw!r} is not a Glasgow ward, intermediate zone or data zone{hint}"


# --------------------------------------------------------------------------- numbers
def parse_number(text: str) -> tuple[float | None, bool, bool]:
    """(value, suppressed, ok). Thousands separators and a trailing % are accepted."""
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    if t.lower() in SUPPRESSED:
        return None, True, True
    t = t.replace(",", "").rstrip("%")
    try:
        v = float(t)
    except ValueError:
        return None, False, False
    if math.isnan(v) or math.isinf(v):
        return None, False, False
    return v, False, True


def _period_from_statxplore(label: str) -> str:
    """'2021/22 (p)' → 'FYE 2022 (provisional)'; '2019/20' → 'FYE 2020'; anything else unchanged."""
    m = re.match(r"^\s*((?:19|20)\d{2})\s*/\s*(\d{2})\s*(\(p\)|p)?", label, re.I)
    if not m:
        return label.strip()
    end = int(m.group(1)[:2] + m.group(2))
    return f"FYE {end}" + (" (provisional)" if m.group(3) else "")


# --------------------------------------------------------------------------- formats → raw records
@dataclass
class Raw:
    row: int
    area: str
    area_column: str
    period: str
    values: dict  # column name -> text (value / numerator / denominator)
    indicator: str = ""
    breakdown: str = ""


def _header_index(rows: list[list[str]]) -> int:
    for i, r in enumerate(rows):
        if sum(1 for c in r if c) >= 2:
            return i
    return -1


def _norm_header(h: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", h.strip().lower()).strip("_")


def _is_statxplore(rows: list[list[str]]) -> bool:
    for r in rows[:25]:
        first = next((c for c in r if c), "")
        if first.lower().rstrip(":") in ("dataset", "query", "counting", "measure", "filters", "database"):
            return True
        if any(c.endswith("- Annotations") for c in r):
            return True
    return False


def _is_period_row(r: list[str]) -> bool:
    """A Stat-Xplore row of periods (2021/22 …) across the columns: the table's header."""
    return (any(YEAR.search(c) and "annotation" not in c.lower() for c in r) and sum(1 for c in r if c) >= 2
            and not any(c.lower().rstrip(":") in ("dataset", "query", "counting") for c in r))


def _statxplore(rows, filename, problems) -> list[Raw]:
    header_i = next((i for i, r in enumerate(rows[:40]) if _is_period_row(r)), None)
    if header_i is None:
        problems.append(Problem(filename, None, None, "this looks like a Stat-Xplore export but no row of periods "
                                "(e.g. 2021/22) was found", "export the table with the years across the columns"))
        return []
    header = rows[header_i]
    period_cols = {j: _period_from_statxplore(c) for j, c in enumerate(header)
                   if c and YEAR.search(c) and "annotation" not in c.lower()}
    first_period = min(period_cols)
    out = []
    for i in range(header_i + 1, len(rows)):
        r = rows[i]
        name = next((c for c in r[:first_period] if c), "")
        values = {j: (r[j] if j < len(r) else "") for j in period_cols}
        # totals, footnotes, and level labels ("National - Regional - LA - OAs") with no values are no areas
        if not name or name.lower().startswith(("total", "data extracted", "source", "note")) \
                or not any(values.values()):
            continue
        for j, period in period_cols.items():
            out.append(Raw(row=i + 1, area=name, area_column=header[0] or "area name", period=period,
                           values={"value": (header[j], values[j])}))
    return out


def _tidy(rows, h, filename, measurement, problems) -> list[Raw]:
    header = [_norm_header(c) for c in rows[h]]
    idx = {name: j for j, name in enumerate(header)}
    dims = [j for j, name in enumerate(header)
            if name not in ("featurecode", "featurename", "feature_name", "datecode", "measurement", "units", "value",
                            "featuretype", "feature_type") and name]
    measures = sorted({r[idx["measurement"]] for r in rows[h + 1:] if len(r) > idx["measurement"] and
                       r[idx["measurement"]]})
    chosen = measurement
    if chosen is None:
        if len(measures) > 1:
            problems.append(Problem(filename, None, "Measurement",
                                    f"the file holds several measurements ({', '.join(measures)})",
                                    "choose one (--measurement NAME, or the measurement box in the app), or "
                                    "filter the file to one"))
            return []
        chosen = measures[0] if measures else ""
    out = []
    for i in range(h + 1, len(rows)):
        r = rows[i] + [""] * (len(header) - len(rows[i]))
        if not any(r):
            continue
        if r[idx["measurement"]] != chosen:
            continue
        parts = [f"{rows[h][j]}: {r[j]}" for j in dims if r[j] and r[j].lower() not in ("all", "total")]
        out.append(Raw(row=i + 1, area=r[idx["featurecode"]], area_column=rows[h][idx["featurecode"]],
                       period=r[idx["datecode"]], values={"value": (rows[h][idx["value"]], r[idx["value"]])},
                       breakdown="; ".join(parts)))
    return out


def _padded(rows: list[list[str]], i: int, width: int) -> list[str]:
    return rows[i] + [""] * (width - len(rows[i]))


def _column(header: list[str], names) -> int | None:
    """The index of the first of `names` the header holds."""
    return next((header.index(n) for n in names if n in header), None)


def _generic(rows, h, filename, default_period, problems) -> tuple[list[Raw], str]:
    original = rows[h]
    header = [_norm_header(c) for c in original]
    area_j = _column(header, AREA_HEADERS)
    if area_j is None:
        problems.append(Problem(filename, h + 1, None, f"no area column among: {', '.join(c for c in original if c)}",
                                "name one column 'area_code' (GSS codes S13…, S02…, S01…) or 'area' (names)"))
        return [], ""
    if _column(header, VALUE_HEADERS) is not None or "numerator" in header:
        return _generic_long(rows, h, filename, default_period, problems, area_j), "long"
    return _generic_wide(rows, h, filename, problems, area_j)


def _generic_long(rows, h, filename, default_period, problems, area_j: int) -> list[Raw]:
    """One row per area and period: area, period, value (or numerator and denominator) columns."""
    original = rows[h]
    header = [_norm_header(c) for c in original]
    period_j = _column(header, PERIOD_HEADERS)
    value_j = _column(header, VALUE_HEADERS)
    num_j, den_j = _column(header, ("numerator",)), _column(header, ("denominator",))
    ind_j = _column(header, ("indicator", "indicator_key", "key"))
    brk_j = _column(header, ("breakdown",))
    if period_j is None and not default_period:
        problems.append(Problem(filename, h + 1, None, "no period column and no period given",
                                "add a 'period' column (e.g. 2023) or fill in the period with the metadata"))
        return []
    if value_j is None and (num_j is None or den_j is None):
        problems.append(Problem(filename, h + 1, "value", "no value column",
                                "add a 'value' column, or both 'numerator' and 'denominator'"))
        return []
    roles = [(role, j) for role, j in (("value", value_j), ("numerator", num_j), ("denominator", den_j))
             if j is not None]
    out: list[Raw] = []
    for i in range(h + 1, len(rows)):
        r = _padded(rows, i, len(header))
        if not any(r):
            continue
        out.append(Raw(row=i + 1, area=r[area_j], area_column=original[area_j],
                       period=r[period_j] if period_j is not None else default_period,
                       values={role: (original[j], r[j]) for role, j in roles},
                       indicator=r[ind_j] if ind_j is not None else "",
                       breakdown=r[brk_j] if brk_j is not None else ""))
    return out


def _generic_wide(rows, h, filename, problems, area_j: int) -> tuple[list[Raw], str]:
    """One row per area, one column per period (headers such as 2022 or 2021/22)."""
    original = rows[h]
    period_cols = {j: original[j] for j in range(len(original)) if j != area_j and YEAR.search(original[j])}
    if not period_cols:
        problems.append(Problem(filename, h + 1, None,
                                f"no value column and no period columns among: {', '.join(c for c in original if c)}",
                                "a long file needs 'area_code', 'period' and 'value' columns; a wide file needs "
                                "an area column and one column per period (headers such as 2022 or 2021/22)"))
        return [], ""
    out: list[Raw] = []
    for i in range(h + 1, len(rows)):
        r = _padded(rows, i, len(original))
        if not any(r):
            continue
        for j, label in period_cols.items():
            out.append(Raw(row=i + 1, area=r[area_j], area_column=original[area_j],
                           period=_period_from_statxplore(label), values={"value": (label, r[j])}))
    return out, "wide"


# --------------------------------------------------------------------------- what the file says about itself
_HIGHER_WORSE = re.compile(r"low income|poverty|depriv|unemploy|claimant|sanction|benefit cap|overcrowd|"
                           r"no central heating|fuel|debt|arrears|homeless|crime|emergency|admission", re.I)


def _key_from(text: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    key = key if key[:1].isalpha() else f"i_{key}"
    return key[:63].rstrip("_") or "indicator"


def describe_statxplore(rows: list[list[str]], periods: list[str]) -> dict:
    """Title, source, unit, measure, period and a definition from a Stat-Xplore export's own header rows."""
    fields: dict[str, str] = {}
    filters: list[str] = []
    in_filters = False
    for r in rows[:40]:
        cells = [c for c in r if c]
        if not cells:
            continue
        label = cells[0].rstrip(":").strip().lower()
        if YEAR.search(" ".join(cells)) and len(cells) > 2:
            break  # the table starts
        if label in ("dataset", "query", "counting", "measure", "database") and len(cells) > 1:
            fields[label] = cells[1]
            in_filters = False
        elif label == "filters":
            in_filters = True
        elif in_filters and len(cells) >= 2:
            filters.append(f"{cells[0]}: {cells[1]}")
    dataset = fields.get("dataset") or fields.get("database") or ""
    if not dataset:
        return {}
    counting = fields.get("counting", "")
    measure = fields.get("measure", "")
    chosen = [f for f in filters if not f.lower().endswith(": total")]
    title = dataset + (f" ({measure.lower()})" if measure else "")
    is_count = not counting or bool(re.search(r"number|count|people|children|families|claimants|households",
                                              counting, re.I))
    definition = "; ".join(filter(None, [f"Counting: {counting}" if counting else "",
                                         f"measure: {measure}" if measure else "",
                                         ("filters: " + ", ".join(chosen)) if chosen else "all categories (Total)"]))
    out = {"key": _key_from(f"{dataset} {measure}".replace("Local Area Statistics", "")),
           "title": title, "source": f"{dataset} (DWP Stat-Xplore)",
           "publisher": "Department for Work and Pensions", "definition": definition + ".",
           "polarity": "higher_worse" if _HIGHER_WORSE.search(f"{dataset} {measure}") else "neutral"}
    if is_count:
        out.update(unit="count", aggregation="sum", denominator_label="")
    if periods:
        out["period"] = max(periods, key=period_sort_key)
    return out


def _tidy_unit(measure: str, unit_text: str) -> dict:
    """The unit (and aggregation) a statistics.gov.scot measurement and its units column imply."""
    if measure == "count":
        return {"unit": "count", "aggregation": "sum"}
    if "percent" in measure or "percent" in unit_text:
        return {"unit": "percent"}
    for spelled, unit in (("per 100,000", "rate per 100,000"), ("per 100000", "rate per 100,000"),
                          ("per 10,000", "rate per 10,000"), ("per 1,000", "rate per 1,000"),
                          ("per 1000", "rate per 1,000")):
        if spelled in unit_text:
            return {"unit": unit}
    if "ratio" in measure or "rate" in measure:
        return {"unit": "ratio", "aggregation": "population_weighted"}
    return {}


def describe_tidy(filename: str, rows: list[list[str]], h: int, measurement: str | None) -> dict:
    """statistics.gov.scot tidy CSV: the measure and units come from its own columns."""
    header = [_norm_header(c) for c in rows[h]]
    idx = {name: j for j, name in enumerate(header)}
    body = [r for r in rows[h + 1:] if len(r) > max(idx["measurement"], idx["units"])]
    measures = sorted({r[idx["measurement"]] for r in body if r[idx["measurement"]]})
    chosen = measurement or (measures[0] if len(measures) == 1 else "")
    if not chosen:
        return {}
    units = sorted({r[idx["units"]] for r in body if r[idx["measurement"]] == chosen and r[idx["units"]]})
    periods = sorted({r[idx["datecode"]] for r in body if r[idx["measurement"]] == chosen}, key=period_sort_key)
    unit = _tidy_unit(chosen.lower(), " ".join(units).lower())
    stem = re.sub(r"[_\-]+", " ", filename.rsplit(".", 1)[0]).strip() or "statistics.gov.scot data"
    out = {"key": _key_from(f"{stem} {chosen}"), "title": f"{stem.capitalize()} ({chosen.lower()})",
           "source": f"statistics.gov.scot: {stem}", "publisher": "Scottish Government (statistics.gov.scot)",
           "definition": f"{chosen} of {', '.join(units) or 'the measure'}, as published on statistics.gov.scot.",
           "polarity": "higher_worse" if _HIGHER_WORSE.search(stem) else "neutral", **unit}
    if periods:
        out["period"] = periods[-1]
    return out


def guess_area_level(names: list[str], areas: Areas) -> tuple[str | None, str]:
    """The level most of the file's area names belong to, so a name that is both an intermediate zone and a
    ward ("Victoria Park") is read at the file's own level. Returns (level or None, a sentence saying why)."""
    distinct = {n.strip() for n in names if n.strip()}
    counts: dict[str, int] = {}
    for name in distinct:
        if CODE.match(name.upper()):
            continue
        for _, level in areas.by_name.get(_norm(name), set()):
            if level not in ("council", "country"):
                counts[level] = counts.get(level, 0) + 1
    if not counts:
        return None, ""
    level, n = max(counts.items(), key=lambda kv: kv[1])
    if n < max(2, len(distinct) // 2):
        return None, ""
    return level, (f"Area level read as {level.replace('_', ' ')}: {n} of the {len(distinct)} area names in the "
                   f"file are {level.replace('_', ' ')}s.")


# --------------------------------------------------------------------------- validation
def _issue_codes(session: Session) -> set[str]:
    codes = {i.code for i in session.exec(select(Issue))}
    if codes:
        return codes

    def walk(nodes):
        for n in nodes:
            yield n["code"]
            yield from walk(n.get("children", []))

    return set(walk(default_tree()))


def _meta_problems(filename: str, raw: dict | IndicatorMeta, known_codes: set[str]) -> tuple[IndicatorMeta | None,
                                                                                               list[Problem]]:
    if isinstance(raw, IndicatorMeta):
        meta = raw
    else:
        data = {k: v for k, v in raw.items() if v not in (None, "")}
        if data.get("unit") == "count" and "aggregation" not in data:
            data["aggregation"] = "sum"
        try:
            meta = IndicatorMeta(**data)
        except ValidationError as exc:
            return None, [Problem(filename, None, ".".join(str(x) for x in e["loc"]) or "metadata",
                                  f"indicator metadata: {e['msg']}",
                                  f"fill in '{'.'.join(str(x) for x in e['loc'])}' in the metadata (upload form, "
                                  "--title/--source/… flags, a 'metadata' sheet or a .meta.json sidecar)")
                          for e in exc.errors()]
    problems = []
    unknown = [c for c in meta.issue_codes if c not in known_codes]
    if unknown:
        problems.append(Problem(filename, None, "issue_codes", f"unknown codebook issue(s): {', '.join(unknown)}",
                                f"use codes from the codebook, e.g. {', '.join(sorted(known_codes)[:8])}"))
    if meta.unit == "count" and meta.aggregation == "ratio":
        meta = meta.model_copy(update={"aggregation": "sum"})
    return meta, problems


def plan_import(engine: Engine, filename: str, data: bytes, meta: dict | IndicatorMeta | None = None,
                sheet: str | None = None, area_level: str | None = None, measurement: str | None = None,
                skip_outside: bool = False) -> ImportPlan:
    """Read and validate; write nothing. The plan lists every problem and what would be added."""
    plan = ImportPlan(filename=filename)
    options = dict(meta=meta.model_dump() if isinstance(meta, IndicatorMeta) else meta, sheet=sheet,
                   area_level=area_level, measurement=measurement, skip_outside=skip_outside)
    plan.checksum = hashlib.sha256(data + json.dumps(options, sort_keys=True, default=str).encode()).hexdigest()
    read = _read_rows(plan, filename, data, sheet)
    if read is None:
        return plan
    rows, h, sheet_meta = read
    with session_scope(engine) as session:
        areas = Areas(session)
        known_codes = _issue_codes(session)
        existing_meta = {i.key: i for i in session.exec(select(Indicator))}
        merged_meta = _merge_meta(sheet_meta, meta)
        default_period = (merged_meta.period if isinstance(merged_meta, IndicatorMeta)
                          else str(merged_meta.get("period", "") or ""))
        raws = _raw_rows(plan, rows, h, filename, measurement, default_period)
        if plan.problems:
            return plan
        if plan.described and not isinstance(merged_meta, IndicatorMeta):
            given = {k: v for k, v in merged_meta.items() if v not in (None, "", [])}
            merged_meta = {**plan.described, **given}
            if "unit" in given and "aggregation" not in given:  # the user's unit decides the aggregation
                merged_meta.pop("aggregation", None)
        plan.area_level = area_level
        if area_level is None:
            plan.area_level, why = guess_area_level([r.area for r in raws], areas)
            if why:
                plan.notes.append(why)
        _plan_indicators(plan, raws, merged_meta, existing_meta, known_codes)
        if plan.problems:
            return plan
        _validate_rows(plan, raws, areas, plan.area_level, skip_outside, session, existing_meta)
    return plan


def _read_rows(plan: ImportPlan, filename: str, data: bytes,
               sheet: str | None) -> tuple[list[list[str]], int, dict] | None:
    """The file's cells, its header row's index and the sheet's own metadata; None (with the problem in the plan)
    when the file is too big, unreadable, holds binary data or has no data rows."""
    if len(data) > MAX_BYTES:
        plan.problems.append(Problem(filename, None, None, f"the file is {len(data) // 2**20} MB; the limit is "
                                     f"{MAX_BYTES // 2**20} MB", "split it by period or by indicator"))
        return None
    try:
        upload_limits.check_spreadsheet(data, filename, MAX_ROWS, MAX_BYTES)
        rows, plan.sheets, plan.sheet, sheet_meta = read_cells(filename, data, sheet)
    except ImportFailed as exc:
        plan.problems.extend(exc.problems)
        return None
    nul = next(((i, j) for i, r in enumerate(rows) for j, c in enumerate(r) if "\x00" in c), None)
    if nul is not None:  # PostgreSQL text cannot hold NUL: refuse before anything is written
        plan.problems.append(Problem(filename, nul[0] + 1, None, f"cell {nul[1] + 1} holds a NUL character "
                                     "(binary data, not text)", "save the file again as CSV (UTF-8) or .xlsx"))
        return None
    h = _header_index(rows)
    if h < 0 or all(not any(r) for r in rows[h + 1:]):
        plan.problems.append(Problem(filename, max(h, 0) + 1 if rows else None, None,
                                     "the file has no data rows (only a header, or nothing)",
                                     "export the table again with its rows, one row per area"))
        return None
    return rows, h, sheet_meta


def _merge_meta(sheet_meta: dict, meta: dict | IndicatorMeta | None) -> dict | IndicatorMeta:
    """What the user gave wins over what the sheet says about itself."""
    if isinstance(meta, IndicatorMeta):
        return meta
    merged = dict(sheet_meta)
    if meta:
        merged.update({k: v for k, v in meta.items() if v not in (None, "", [])})
    return merged


def _raw_rows(plan: ImportPlan, rows: list[list[str]], h: int, filename: str, measurement: str | None,
              default_period: str) -> list[Raw]:
    """The rows in the file's own layout (Stat-Xplore, statistics.gov.scot tidy, or a plain table)."""
    header_names = {_norm_header(c) for c in rows[h]}
    if _is_statxplore(rows):
        plan.format = "DWP Stat-Xplore export"
        raws = _statxplore(rows, filename, plan.problems)
        plan.described = describe_statxplore(rows, sorted({r.period for r in raws}))
    elif {"featurecode", "datecode", "measurement", "units", "value"} <= header_names:
        plan.format = "statistics.gov.scot tidy CSV"
        raws = _tidy(rows, h, filename, measurement, plan.problems)
        plan.described = describe_tidy(filename, rows, h, measurement)
    else:
        raws, shape = _generic(rows, h, filename, default_period, plan.problems)
        plan.format = f"{shape} table" if shape else "unrecognised"
    return raws


def _plan_indicators(plan: ImportPlan, raws: list[Raw], merged_meta: dict | IndicatorMeta, existing_meta: dict,
                     known_codes: set[str]) -> None:
    """Which indicators the file holds, with which metadata (a known indicator keeps its stored metadata)."""
    filename = plan.filename
    keys_in_file = {r.indicator.strip().lower() for r in raws if r.indicator.strip()}
    meta_key = (merged_meta.key if isinstance(merged_meta, IndicatorMeta)
                else str(merged_meta.get("key", "") or "").strip().lower())
    if not isinstance(merged_meta, IndicatorMeta):
        plan.described = {**plan.described, **{k: v for k, v in merged_meta.items() if v not in (None, "", [])}}
    if not keys_in_file:
        if not meta_key:
            plan.problems.append(Problem(filename, None, "key", "no indicator named",
                                         "give the indicator a key (e.g. cilif_children) and its metadata, "
                                         "or add an 'indicator' column"))
            return
        keys_in_file = {meta_key}
    for key in sorted(keys_in_file):
        if key in existing_meta:
            # a known indicator keeps its stored metadata; the file only adds values (or periods)
            plan.metas[key] = IndicatorMeta(**{**existing_meta[key].model_dump(exclude={"id"}), "issue_codes": []})
            if key == meta_key:
                plan.notes.append(f"{key} already exists; its stored metadata is kept.")
        elif key == meta_key or len(keys_in_file) == 1:
            raw_meta = merged_meta if isinstance(merged_meta, IndicatorMeta) else {**merged_meta, "key": key}
            m, probs = _meta_problems(filename, raw_meta, known_codes)
            plan.problems.extend(probs)
            if m is not None:
                plan.metas[key] = m
        else:
            plan.problems.append(Problem(filename, None, "indicator", f"no metadata for indicator {key!r}",
                                         "import each new indicator with its own metadata, or load it first"))


_AREA_FIX = {
    "ambiguous": "use the GSS code instead of the name, or choose the area level "
                 "(--area-level ward|intermediate_zone|datazone)",
    "outside": "filter the file to Glasgow City, or tick 'skip areas outside Glasgow' (--skip-outside)",
    "unknown": "use a GSS code (S13… ward, S02… intermediate zone, S01… data zone) or the exact name",
}


def _validate_rows(plan: ImportPlan, raws: list[Raw], areas: Areas, area_level: str | None, skip_outside: bool,
                   session: Session, existing_meta: dict) -> None:
    """Check every row (through the shared row-validator core) and keep those to add in `plan.rows`."""
    found = RowProblems(plan.filename, plan.problems, limit=MAX_PROBLEMS, merge_columns=True)
    seen: dict[tuple, int] = {}
    records = []
    resolved: dict[str, tuple] = {}
    single_key = next(iter(plan.metas)) if len(plan.metas) == 1 else None
    for raw in raws:
        key = raw.indicator.strip().lower() or single_key
        meta = plan.metas.get(key)
        if meta is None:
            continue
        place = _row_area(plan, raw, areas, area_level, skip_outside, resolved, found)
        record = place and _row_record(plan, raw, key, meta, place, areas, seen, found)
        if record:
            records.append(record)
    found.close()
    if not records and not plan.problems:
        plan.problems.append(Problem(plan.filename, None, None, "no rows left to import after skipping areas outside "
                                     "Glasgow" if plan.n_outside else "no data rows found",
                                     "check that the file covers Glasgow City areas"))
    df = pd.DataFrame(records)
    if df.empty or plan.problems:
        plan.rows = df
        return
    plan.rows = _without_stored(plan, df, session, existing_meta, found)
    _add_notes(plan)


def _row_area(plan: ImportPlan, raw: Raw, areas: Areas, area_level: str | None, skip_outside: bool,
              resolved: dict[str, tuple], found: RowProblems) -> tuple[str, str] | None:
    """The row's area as (code, level), or None when it is left out (blank, unknown, outside Glasgow)."""
    name = raw.area.strip()
    if not name:
        found.reject_row(raw.row, raw.area_column, "the area is blank", "fill in the area code or name")
        return None
    if name not in resolved:
        resolved[name] = areas.resolve(name, area_level)
    code, level, why, detail = resolved[name]
    if code is not None:
        return code, level
    if why == "outside" and skip_outside:
        plan.n_outside += 1
    else:
        found.reject_row(raw.row, raw.area_column, detail, _AREA_FIX[why])
    return None


def _row_numbers(raw: Raw, meta: IndicatorMeta, found: RowProblems) -> tuple[dict, bool] | None:
    """The row's numbers by role (value, numerator, denominator) and whether the value is suppressed; None (with
    every bad cell noted) when one is not a number or out of range for the unit."""
    parsed = {}
    bad = suppressed = False
    for role, (column, text) in raw.values.items():
        v, supp, ok = parse_number(text)
        if not ok:
            found.add(raw.row, column, f"{text!r} is not a number",
                      "enter a number (no text); leave it blank or put * where the source suppressed it")
        elif v is not None and v < 0 and meta.unit not in NEGATIVE_OK_UNITS:
            found.add(raw.row, column, f"{text} is negative, but a {meta.unit} cannot be",
                      "correct the value, or set the unit to 'score' or 'index' if negatives are meaningful")
        elif role == "value" and v is not None and meta.unit == "fraction" and v > 1:
            found.add(raw.row, column, f"{text} is more than 1, but the unit is a fraction",
                      "divide percentages by 100, or set the unit to 'percent'")
        else:
            parsed[role] = v
            suppressed = suppressed or (role == "value" and supp)
            continue
        bad = True
    if bad:
        found.rows_with_problems += 1
        return None
    return parsed, suppressed


def _row_record(plan: ImportPlan, raw: Raw, key: str, meta: IndicatorMeta, place: tuple[str, str], areas: Areas,
                seen: dict[tuple, int], found: RowProblems) -> dict | None:
    """The row as a value to store, or None when it has a problem (noted in `found`)."""
    code, level = place
    period = raw.period.strip()
    if not period:
        found.reject_row(raw.row, "period", "the period is blank", "fill in the period, e.g. 2023 or 2022/23")
        return None
    numbers = _row_numbers(raw, meta, found)
    if numbers is None:
        return None
    parsed, suppressed = numbers
    value, num, den = parsed.get("value"), parsed.get("numerator"), parsed.get("denominator")
    if value is None and num is not None and den:
        value = num / den * scale_of(meta.unit)
    if meta.aggregation == "sum" and num is None:
        num = value
    if meta.aggregation == "population_weighted" and den is None:
        den = areas.population.get(code)
    if meta.aggregation == "ratio" and level in ("datazone", "intermediate_zone") and value is not None \
            and (num is None or den is None):
        found.reject_row(raw.row, None, "a rate for a small area needs its numerator and denominator, so that "
                         "ward rates can be recomputed rather than averaged",
                         "add 'numerator' and 'denominator' columns, or set the aggregation to population_weighted")
        return None
    breakdown = raw.breakdown.strip()
    dup_key = (key, code, period, breakdown)
    if dup_key in seen:
        found.reject_row(raw.row, raw.area_column,
                         f"duplicate: {areas.names.get(code, code)} ({code}), period {period}"
                         + (f", {breakdown}" if breakdown else "") + f" already appears on row {seen[dup_key]}",
                         "keep one row per area and period")
        return None
    seen[dup_key] = raw.row
    plan.n_suppressed += int(suppressed or value is None)
    return dict(indicator_key=key, area_code=code, area_name=areas.names.get(code, code), area_level=level,
                period=period, breakdown=breakdown, value=value, numerator=num, denominator=den,
                suppressed=suppressed or value is None, source_row=raw.row)


def _same_value(old: float | None, new: float | None) -> bool:
    if old is None:
        return new is None or pd.isna(new)
    return new is not None and not pd.isna(new) and math.isclose(old, new, rel_tol=1e-9, abs_tol=1e-12)


def _without_stored(plan: ImportPlan, df: pd.DataFrame, session: Session, existing_meta: dict,
                    found: RowProblems) -> pd.DataFrame:
    """Compare with what is stored: identical values are skipped (idempotent), different ones are refused."""
    for key in df["indicator_key"].unique():
        ind = existing_meta.get(key)
        if ind is None:
            continue
        stored = {(a, p, b): v for a, p, b, v in session.exec(
            select(IndicatorValue.area_code, IndicatorValue.period, IndicatorValue.breakdown, IndicatorValue.value)
            .where(IndicatorValue.indicator_id == ind.id)).all()}
        keep = []
        for r in df[df["indicator_key"] == key].itertuples():
            k = (r.area_code, r.period, r.breakdown)
            if k not in stored:
                keep.append(r.Index)
            elif _same_value(stored[k], r.value):
                plan.n_skipped_existing += 1
            else:
                found.add(r.source_row, None,
                          f"{key} for {r.area_name} ({r.area_code}), period {r.period}, is already stored as "
                          f"{stored[k]}; the file says {r.value}",
                          "a revision needs its own period label (e.g. '2023 (revised)'), or correct the file")
        df = df.drop(index=[i for i in df[df["indicator_key"] == key].index if i not in set(keep)])
    return df.reset_index(drop=True)


def _add_notes(plan: ImportPlan) -> None:
    if plan.n_outside:
        plan.notes.append(f"{plan.n_outside} rows for areas outside Glasgow City were skipped.")
    if plan.n_skipped_existing:
        plan.notes.append(f"{plan.n_skipped_existing} values are already stored and were skipped.")
    if plan.n_suppressed:
        plan.notes.append(f"{plan.n_suppressed} values are suppressed or blank in the source; they are stored as "
                          "suppressed and left out of ward figures.")


@dataclass
class ImportResult:
    batch_id: int | None
    added: int
    skipped: int
    indicators: list[str]
    periods: list[str]
    already_imported: bool
    notes: list[str]


def import_indicators(engine: Engine, actor: Actor, filename: str, data: bytes, **options) -> ImportResult:
    """Validate, then write everything in one transaction. Raises ImportFailed (nothing written) on any problem.
    The same file with the same options a second time adds nothing."""
    require(actor, "indicators.import")
    plan = plan_import(engine, filename, data, **options)
    if plan.problems:
        raise ImportFailed(plan.problems)
    with session_scope(engine) as session:
        if session.exec(select(ImportBatch).where(ImportBatch.checksum == plan.checksum)).first():
            return ImportResult(None, 0, len(plan.rows) + plan.n_skipped_existing, sorted(plan.metas), [], True,
                                ["This file was imported before; nothing was added."])
        batch = ImportBatch(kind="indicators", filename=filename, checksum=plan.checksum,
                            imported_by=actor.username)
        session.add(batch)
        session.flush()
        added = 0
        periods: set[str] = set()
        for key, meta in plan.metas.items():
            rows = plan.rows[plan.rows["indicator_key"] == key] if not plan.rows.empty else plan.rows
            if rows.empty:
                continue
            latest = max(rows["period"], key=period_sort_key)
            if meta.period and period_sort_key(meta.period) >= period_sort_key(latest):
                latest = meta.period
            indicator = upsert_indicator(session, meta.model_copy(update={"period": latest}))
            added += add_values(session, indicator.id, rows, batch.id)
            periods.update(rows["period"])
        batch.rows = added
        batch.report = {"format": plan.format, "sheet": plan.sheet, "added": added,
                        "skipped_existing": plan.n_skipped_existing, "suppressed": plan.n_suppressed,
                        "outside_glasgow": plan.n_outside, "indicators": sorted(plan.metas)}
        audit.record(session, actor, "import", "indicators", batch.id, filename=filename, format=plan.format,
                     added=added, indicators=sorted(plan.metas))
    return ImportResult(batch.id, added, plan.n_skipped_existing, sorted(plan.metas), sorted(periods), False,
                        plan.notes)
