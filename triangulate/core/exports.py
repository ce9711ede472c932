"""Every CSV and XLSX the product writes goes through here, so no cell can become a live formula.

A spreadsheet treats a cell that starts with = + - @ (or a tab / carriage return before them) as a
formula: an insight reading `=HYPERLINK("http://…")` would run when a lead opens the export. CSV cells are
prefixed with an apostrophe (OWASP's advice; Excel shows the text as typed). XLSX cells are written as
text cells, which a spreadsheet never evaluates, so the text stays exactly as typed.
"""
from __future__ import annotations

import io
import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula, prefixed so it stays text; all else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (and column name) neutralised."""
    out = frame.copy()
    out.columns = [neutralise(c) for c in out.columns]
    for position, dtype in enumerate(out.dtypes):
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype)):
            out.isetitem(position, out.iloc[:, position].map(neutralise))
    return out


def csv_text(frame: pd.DataFrame) -> str:
    return safe_frame(frame).to_csv(index=False)


def csv_bytes(frame: pd.DataFrame, bom: bool = False) -> bytes:
    """UTF-8 CSV; `bom` for files meant to be opened straight in Excel."""
    return csv_text(frame).encode("utf-8-sig" if bom else "utf-8")


def defuse_workbook(book) -> None:
    """Turn every formula cell of an openpyxl workbook into a text cell (call before saving)."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def xlsx_bytes(sheets: dict[str, pd.DataFrame], style=None) -> bytes:
    """An .xlsx with one sheet per frame; `style(writer)` may format the sheets before saving."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
        if style is not None:
            style(writer)
        defuse_workbook(writer.book)
    return buffer.getvalue()
