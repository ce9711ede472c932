"""A Word transcript → `Line`s in document order: paragraphs, headings and table rows interleaved in place.

Tables laid out as an interview (speaker | words, time | speaker | words, speaker | time | words, with or
without a header row, merged cells) give one line per row with the speaker from its column; a one-column
table reads as paragraphs. The package is bounded (transcript_bounds) before python-docx opens it.
"""
from __future__ import annotations

import io
import re

from triangulate.core.errors import ImportFailed, Problem
from triangulate.residents.bounds import check_docx_package
from triangulate.residents.labels import TIME, Line, seconds, strip_markdown

_HEADER_WORDS = {
    "time": "time", "timestamp": "time", "start": "time", "time code": "time", "timecode": "time",
    "speaker": "speaker", "name": "speaker", "who": "speaker", "person": "speaker", "role": "speaker",
    "speaker name": "speaker", "text": "text", "transcript": "text", "speech": "text", "dialogue": "text",
    "what was said": "text", "words": "text", "response": "text", "content": "text", "utterance": "text",
    "transcription": "text", "verbatim": "text", "line": "number", "no": "number", "no.": "number", "#": "number",
}
_TIME_CELL = re.compile(rf"^[\[(]?{TIME}[\])]?$")


def read(filename: str, data: bytes) -> tuple[list[Line], dict, list[str]]:
    """(lines, core properties {title}, warnings) of a .docx, or ImportFailed naming the fix."""
    check_docx_package(filename, data)
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(document.iter_inner_content())
        title = document.core_properties.title or ""
    except ImportFailed:
        raise
    except Exception as exc:  # python-docx/lxml raise several unrelated types for a damaged package
        raise ImportFailed([Problem(filename, None, None,
                                    f"this is not a readable Word document ({type(exc).__name__})",
                                    "open it in Word and save it again as .docx, or export it as .txt")]) from exc
    lines: list[Line] = []
    warnings: list[str] = []
    number = 0
    for block in blocks:
        if isinstance(block, Table):
            rows, notes = _table_lines(block, number)
            lines.extend(rows)
            number += max(1, len(rows))
            warnings.extend(notes)
            continue
        # The style id from the XML: python-docx's `paragraph.style` resolves the default style on every
        # call (milliseconds each: minutes on a long document).
        style = (block._p.style or "").lower()
        heading = style.startswith(("heading", "title", "subtitle"))
        for text in paragraph_text(block._p).split("\n"):
            number += 1
            lines.append(Line(number, text, heading=heading and bool(text.strip())))
    return lines, {"title": title} if title else {}, warnings


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_T, _TAB, _BR, _CR, _P = _W + "t", _W + "tab", _W + "br", _W + "cr", _W + "p"


def paragraph_text(p) -> str:
    """A paragraph's text (tabs and line breaks kept) by one walk of its XML: python-docx's `.text` runs an
    XPath query per paragraph and per run, which dominates the time on long documents."""
    parts = []
    for node in p.iter(_T, _TAB, _BR, _CR):
        if node.tag == _T:
            parts.append(node.text or "")
        elif node.tag == _TAB:
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def _cells(table) -> list[list[tuple[str | None, bool]]]:
    """Rows of (text, merged): a vertically merged continuation cell has text None; spans count once."""
    rows = []
    for tr in table._tbl.tr_lst:
        row = []
        for tc in tr.tc_lst:
            merged = (tc.grid_span or 1) > 1
            if tc.vMerge == "continue":
                row.append((None, True))
                continue
            text = "\n".join(paragraph_text(p) for p in tc.iter(_P))
            row.append((text.strip(), merged or tc.vMerge == "restart"))
        rows.append(row)
    return rows


def _column_kinds(rows: list[list[tuple[str | None, bool]]]) -> tuple[list[str], bool]:
    """Each column's kind (time / speaker / text / number / other) and whether row 1 is a header row."""
    width = max(len(r) for r in rows)
    first = [(c or "").strip().lower().rstrip(":") for c, _ in rows[0]]
    if first and all(c in _HEADER_WORDS for c in first if c) and any(first):
        kinds = [_HEADER_WORDS.get(c, "other") for c in first] + ["other"] * (width - len(first))
        return kinds, True
    kinds = [_kind_of(_column_values(rows, col)) for col in range(width)]
    words = [i for i, k in enumerate(kinds) if k == "words"]
    if len(words) >= 2:
        def mean_len(col: int) -> float:
            values = _column_values(rows, col)
            return sum(len(v) for v in values) / max(1, len(values))
        text_col = max(words, key=mean_len)
        short = [c for c in words if c != text_col and mean_len(c) <= 40]
        for c in words:
            kinds[c] = "text" if c == text_col else ("speaker" if short and c == short[0] else "other")
    elif len(words) == 1:
        kinds[words[0]] = "text"
    return kinds, False


def _column_values(rows: list[list[tuple[str | None, bool]]], col: int) -> list[str]:
    return [r[col][0] for r in rows if col < len(r) and r[col][0]]


def _kind_of(values: list[str]) -> str:
    """A column's kind from its non-empty cells: time, number, words, or other (empty)."""
    if not values:
        return "other"
    if sum(bool(_TIME_CELL.match(v)) for v in values) >= 0.6 * len(values):
        return "time"
    if all(re.fullmatch(r"\d{1,5}\.?", v) for v in values):
        return "number"
    return "words"


def _row_values(row: list[tuple[str | None, bool]], kinds: list[str]) -> dict[str, str | None]:
    """A table row's cells by kind: the first time, speaker and text cell, and the first other cell as extra."""
    values: dict[str, str | None] = {}
    for col, (text, _) in enumerate(row):
        kind = kinds[col] if col < len(kinds) else "other"
        if kind in ("time", "speaker", "text") and kind not in values:
            values[kind] = text
        elif kind == "other" and text:
            values.setdefault("extra", text)
    return values


def _row_line(number: int, values: dict[str, str | None]) -> Line | None:
    """One table row as a line (speaker, time, text), or None when it adds no words."""
    text = values.get("text")
    if text is None:  # a text cell merged down from the row above: its words are already read
        return None
    speaker = strip_markdown(values.get("speaker") or "").rstrip(":").strip() or None
    time = values.get("time")
    stamp = seconds(time.strip("[]()")) if time and _TIME_CELL.match(time) else None
    if speaker:
        inner = re.search(rf"[\[(]({TIME})[\])]", speaker)
        if inner:
            stamp = stamp if stamp is not None else seconds(inner.group(1))
            speaker = speaker[:inner.start()].strip() or None
    if speaker and (len(speaker.split()) > 6 or len(speaker) > 60):
        text, speaker = f"{speaker} {text}", None  # not a speaker cell: keep its words as text
    if not text.strip() and not speaker:
        return None
    return Line(number, text, speaker=speaker, start_s=stamp, row=True)


def _table_lines(table, start: int) -> tuple[list[Line], list[str]]:
    rows = _cells(table)
    rows = [r for r in rows if r]
    if not rows:
        return [], []
    kinds, header = _column_kinds(rows)
    notes: list[str] = []
    if "text" not in kinds:
        return [], []
    if "speaker" not in kinds and "time" not in kinds:  # one column of paragraphs (labels inside the text)
        out = []
        for i, row in enumerate(rows[1 if header else 0:], start=1):
            text = " ".join(c for c, _ in row if c)
            out.append(Line(start + i, text))
        return out, notes
    layout = " | ".join(k if k != "other" else "(not read)" for k in kinds)
    if len(kinds) >= 3:
        notes.append(f"A table with {len(kinds)} columns (from line {start + 1}) was read as {layout}.")
    skipped = [i + 1 for i, k in enumerate(kinds) if k == "other"]
    out: list[Line] = []
    merged_rows = []
    for i, row in enumerate(rows[1 if header else 0:], start=1):
        if any(merged for _, merged in row):
            merged_rows.append(start + i)
        line = _row_line(start + i, _row_values(row, kinds))
        if line is not None:
            out.append(line)
    if merged_rows:
        notes.append(f"The table has merged cells (rows {merged_rows[0]}–{merged_rows[-1]}): a merged speaker "
                     "cell is read as that speaker for each row it spans, and a merged text cell once, for its "
                     "first row. Check the turns in the preview.")
    if skipped and any(kinds[c - 1] == "other" for c in skipped):
        notes.append(f"Table column(s) {', '.join(map(str, skipped))} were not read as anyone's words (only "
                     "the speaker, time and text columns are).")
    return out, notes
