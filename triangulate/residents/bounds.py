"""What one transcript upload may cost, checked before anything parses it (issue 12: bombs and giant files).

Every limit is far above a real transcript (a two-hour focus group is ~20,000 words, ~2,000 lines, ~150 KB
of text) and far below what would stall the server: each refusal is an `ImportFailed` naming the limit and
the fix, reached in well under 5 s and 300 MB (measured by bench/bench_upload_bounds.py).
"""
from __future__ import annotations

import io
import re
import zipfile

from triangulate.core.errors import ImportFailed, Problem

MAX_BYTES = 20 * 1024 * 1024  # any upload; a .docx may carry photos
MAX_TEXT_BYTES = 5 * 1024 * 1024  # .txt/.md/.vtt/.srt: ~800,000 words, forty times a long focus group
MAX_LINES = 20_000  # non-empty lines, paragraphs and table rows (each may become a turn)
MAX_TURNS = 20_000  # turns after parsing (paragraphs, table rows, merged cues)
MAX_CUES = 50_000  # .vtt/.srt timing lines, counted before the subtitle parser runs
MAX_LINE_CHARS = 100_000  # one line or turn; spaCy refuses texts over 1,000,000 characters (E088)
MAX_WORDS = 300_000  # the whole transcript: redaction takes about a minute per 100,000 words
MAX_DOCX_UNZIPPED_BYTES = 80 * 1024 * 1024  # sum of the entries' sizes in the zip's central directory
MAX_DOCX_ENTRIES = 2_000  # a Word file has ~15-40 entries, a few hundred with many images
MAX_DOCX_XML_TAGS = 1_500_000  # '<' in the XML parts: python-docx builds one lxml node per element

_MB = 1024 * 1024


def refuse(filename: str, message: str, fix: str, line: int | None = None) -> ImportFailed:
    return ImportFailed([Problem(filename, line, None, message, fix)])


def check_size(filename: str, data: bytes, fmt: str) -> None:
    limit = MAX_BYTES if fmt == "docx" else MAX_TEXT_BYTES
    if len(data) > limit:
        raise refuse(filename, f"the file is {len(data) / _MB:.1f} MB; the limit is {limit // _MB} MB for "
                     f"{'Word' if fmt == 'docx' else 'text'} transcripts",
                     "split it into several transcripts (one conversation per file)")


def check_text(filename: str, text: str, fmt: str) -> None:
    """Lines, cues and line length, counted with str methods before any regex or parser touches the text."""
    if fmt in ("vtt", "srt"):
        cues = text.count("-->")
        if cues > MAX_CUES:
            raise refuse(filename, f"the file has {cues:,} subtitle cues; the limit is {MAX_CUES:,}",
                         "split the recording's transcript into several files")
    lines = text.count("\n") + 1
    if lines > MAX_LINES:  # cheap upper bound first; count non-empty lines only when it matters
        non_empty = lines if lines > 3 * MAX_LINES else sum(1 for line in text.split("\n") if line.strip())
        if non_empty > MAX_LINES:
            raise refuse(filename, f"the file has {non_empty:,} lines of text; the limit is {MAX_LINES:,}",
                         "split it into several transcripts (one conversation per file)")
    check_line_lengths(filename, text)
    words = text.count(" ") + lines  # an upper bound on the words, without splitting the text
    if words > MAX_WORDS * 1.5:
        raise refuse(filename, f"the transcript has about {words:,} words; the limit is {MAX_WORDS:,}",
                     "split it into several transcripts (one conversation per file)")


def check_line_lengths(filename: str, text: str) -> None:
    if len(text) <= MAX_LINE_CHARS:
        return
    start = 0
    number = 1
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if end - start > MAX_LINE_CHARS:
            raise refuse(filename, f"line {number} has {end - start:,} characters; the limit is "
                         f"{MAX_LINE_CHARS:,} per line", "save the transcript with a line break between "
                         "speakers' turns (this line is not a transcript line, or the file lost its line breaks)",
                         line=number)
        start, number = end + 1, number + 1


def check_turns(filename: str, turns) -> None:
    if len(turns) > MAX_TURNS:
        raise refuse(filename, f"the transcript has {len(turns):,} turns; the limit is {MAX_TURNS:,}",
                     "split it into several transcripts (one conversation per file)")
    words = 0
    for turn in turns:
        if len(turn.text) > MAX_LINE_CHARS:
            raise refuse(filename, f"one turn has {len(turn.text):,} characters; the limit is {MAX_LINE_CHARS:,}",
                         "put line breaks between speakers' turns", line=turn.line)
        words += turn.text.count(" ") + 1
    if words > MAX_WORDS:
        raise refuse(filename, f"the transcript has about {words:,} words; the limit is {MAX_WORDS:,}",
                     "split it into several transcripts (one conversation per file)")


_XML_PART = re.compile(r"\.(xml|rels)$", re.I)
_TEXT_RUN = re.compile(rb"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")  # the words of a run (split runs lose nothing)


def check_docx_package(filename: str, data: bytes) -> None:
    """Zip-bomb guard: the central directory's sizes and entry count, then a streamed count of XML tags.

    zipfile never returns more than an entry's declared size (a lying header fails its CRC instead), so
    the declared sizes bound what python-docx can inflate; the tag count bounds the lxml tree it builds.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise refuse(filename, f"this is not a readable Word document ({type(exc).__name__})",
                     "open it in Word and save it again as .docx, or export it as .txt") from exc
    if len(entries) > MAX_DOCX_ENTRIES:
        raise refuse(filename, f"the Word package holds {len(entries):,} files; the limit is {MAX_DOCX_ENTRIES:,}",
                     "save the transcript again from Word as a plain .docx (no embedded files), or as .txt")
    unzipped = sum(e.file_size for e in entries)
    if unzipped > MAX_DOCX_UNZIPPED_BYTES:
        raise refuse(filename, f"the Word document unpacks to {unzipped / _MB:,.0f} MB; the limit is "
                     f"{MAX_DOCX_UNZIPPED_BYTES // _MB} MB", "remove images from the document, or save it as .txt")
    tags = paragraphs = spaces = 0
    with archive:
        for entry in entries:
            if not _XML_PART.search(entry.filename):
                continue
            try:
                with archive.open(entry) as stream:
                    while chunk := stream.read(1024 * 1024):
                        tags += chunk.count(b"<")
                        if entry.filename == "word/document.xml":
                            paragraphs += chunk.count(b"<w:p>") + chunk.count(b"<w:p ") + chunk.count(b"<w:tr")
                            spaces += sum(m.count(b" ") for m in _TEXT_RUN.findall(chunk))
                            if spaces + paragraphs > MAX_WORDS:
                                raise refuse(filename, f"the Word document has more than {MAX_WORDS:,} words",
                                             "split it into several transcripts (one conversation per file)")
                        if paragraphs > MAX_LINES:
                            raise refuse(filename, f"the Word document has more than {MAX_LINES:,} paragraphs "
                                         f"and table rows; the limit is {MAX_LINES:,}",
                                         "split it into several transcripts (one conversation per file)")
                        if tags > MAX_DOCX_XML_TAGS:
                            raise refuse(filename, f"the Word document has more than {MAX_DOCX_XML_TAGS:,} XML "
                                         "elements, far more than any transcript",
                                         "save the transcript again from Word, or as .txt")
            except ImportFailed:
                raise
            except Exception as exc:  # bad CRC, unsupported compression, truncated entry
                raise refuse(filename, f"this is not a readable Word document ({type(exc).__name__} in "
                             f"{entry.filename[:60]})", "open it in Word and save it again as .docx") from exc
