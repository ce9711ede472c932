"""Bounds on what a spreadsheet upload may cost, checked before the file is read whole.

A 1.4 MB zip can expand to gigabytes, and a million-row sheet took 0.9 GB and minutes to read before the
row limit was even looked at. These checks look only at the zip's directory and stream the sheets'
XML counting `<row` tags, stopping as soon as a limit is passed, so a hostile file is refused in
milliseconds and a few MB of memory.
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib

from triangulate.core.errors import ImportFailed, Problem

MAX_ENTRIES = 1_000  # parts inside an .xlsx (a real workbook has tens)
MAX_UNZIPPED = 300 * 1024 * 1024  # bytes, all parts together
MAX_RATIO = 150  # unzipped / zipped, per part over 1 MB: text XML compresses ~10-30×, bombs far more
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CHUNK = 1 << 20


def check_spreadsheet(data: bytes, filename: str, max_rows: int, max_bytes: int) -> None:
    """Raise ImportFailed if the upload is too big, a zip bomb, or has more than `max_rows` data rows."""
    def refuse(message: str, fix: str):
        return ImportFailed([Problem(filename, None, None, message, fix)])

    if len(data) > max_bytes:
        raise refuse(f"the file is {len(data) / 2**20:.1f} MB; the limit is {max_bytes // 2**20} MB",
                     "split it into several files")
    if data[:2] != b"PK":
        # CSV: a row needs at least one line; many more lines than rows means far too many rows (cells
        # with line breaks inside quotes account for some, hence the margin).
        if data.count(b"\n") > 4 * max_rows + 1:
            raise refuse(f"the file has over {4 * max_rows:,} lines; the limit is {max_rows:,} rows",
                         "split it into several files")
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return  # not a zip after all: the reader says what is wrong with it
    if len(parts) > MAX_ENTRIES:
        raise refuse(f"the workbook holds {len(parts):,} parts; a spreadsheet has at most {MAX_ENTRIES:,}",
                     "save it again from Excel as .xlsx, or export the sheet as CSV")
    unzipped = sum(p.file_size for p in parts)
    if unzipped > MAX_UNZIPPED:
        raise refuse(f"the workbook expands to {unzipped / 2**20:,.0f} MB; the limit is "
                     f"{MAX_UNZIPPED // 2**20} MB", "split it into several files, or export the sheet as CSV")
    for part in parts:
        if part.file_size > _CHUNK and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise refuse(f"the part {part.filename} expands {part.file_size // max(part.compress_size, 1):,} "
                         "times: this is not an ordinary spreadsheet", "save it again from Excel as .xlsx")
    for part in parts:
        if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
            try:
                rows = _count_rows(archive, part, limit=max_rows + 1)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError) as exc:
                # ValueError: a local header whose offset points before the archive ("negative seek value")
                raise refuse(f"the workbook is damaged ({str(exc)[:120]})",
                             "open it in Excel and save it again as .xlsx, or export the sheet as CSV") from None
            if rows > max_rows + 1:  # + the header row
                raise refuse(f"the sheet {part.filename.rsplit('/', 1)[-1]} has over {max_rows:,} rows; the "
                             f"limit is {max_rows:,}", "split it into several files")


def _count_rows(archive: zipfile.ZipFile, part: zipfile.ZipInfo, limit: int) -> int:
    """`<row` tags in a sheet, streamed; stops once past `limit`. The decompressed size read is bounded by
    the part's declared size, which was checked above (zipfile refuses a part longer than it declares)."""
    count, tail = 0, b""
    with archive.open(part) as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            block = tail + chunk
            count += len(_ROW.findall(block))
            tail = block[-16:]
            count -= len(_ROW.findall(tail))  # counted again with the next chunk
            if count > limit:
                return count
    return count + len(_ROW.findall(tail))
