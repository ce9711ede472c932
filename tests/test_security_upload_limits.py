"""Issue 12.6 (spreadsheets): a bomb or a huge sheet is refused before it is read whole."""
from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest

from triangulate.core import upload_limits
from triangulate.core.errors import ImportFailed
from triangulate.practitioners import importing as insight_import


def _xlsx_with_rows(rows: int) -> bytes:
    """A minimal workbook whose only sheet has `rows` rows (written as a stream, compressed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for n in range(rows):
                sheet.write(b'<row r="%d"><c t="inlineStr"><is><t>x</t></is></c></row>' % (n + 1))
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def test_a_million_row_sheet_is_refused_before_it_is_read():
    data = _xlsx_with_rows(1_000_000)
    tracemalloc.start()
    with pytest.raises(ImportFailed, match="over 20,000 rows"):
        insight_import.read_table(data, "huge.xlsx")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50 * 2**20  # streamed: never the whole sheet in memory


def test_a_zip_bomb_is_refused_by_its_directory():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", b"\0" * (400 * 2**20))
    with pytest.raises(ImportFailed, match="expands"):
        upload_limits.check_spreadsheet(buffer.getvalue(), "bomb.xlsx", 20_000, 40 * 2**20)


def test_too_many_parts_and_too_many_csv_lines_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for n in range(upload_limits.MAX_ENTRIES + 1):
            z.writestr(f"p{n}.xml", "")
    with pytest.raises(ImportFailed, match="parts"):
        upload_limits.check_spreadsheet(buffer.getvalue(), "many.xlsx", 20_000, 40 * 2**20)
    with pytest.raises(ImportFailed, match="lines"):
        upload_limits.check_spreadsheet(b"a,b\n" * 100_000, "long.csv", 20_000, 40 * 2**20)


def test_an_ordinary_sheet_passes_and_rows_are_counted_across_chunks():
    upload_limits.check_spreadsheet(_xlsx_with_rows(20_001), "ok.xlsx", 20_000, 40 * 2**20)  # header + 20,000
    with pytest.raises(ImportFailed):
        upload_limits.check_spreadsheet(_xlsx_with_rows(20_002), "one-too-many.xlsx", 20_000, 40 * 2**20)
