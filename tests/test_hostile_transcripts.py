"""Hostile input to the transcript parsers (.txt, .md, .docx, .vtt, .srt) and the save pipeline
(parse → redact → store, `residents.import_file`).

Generated files: labelled turns with hostile text and speaker names, YAML front matter, VTT and SRT
with random cue timings, .docx built with python-docx (paragraphs and speaker tables), random bytes,
UTF-8/UTF-16/cp1252, truncated packages. The only refusal allowed is ImportFailed (file, line, fix);
after a refusal the database is unchanged. What redaction leaves alone (HTML, script, SQL) is stored
verbatim, as text.
"""
from __future__ import annotations

import io

import docx
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from schemas import Segment, Speaker, Transcript
from tests.hostile_support import FAST, GOVAN, HOSTILE, REFUSED, attempt, hostile_text, ready, typed_text
from triangulate.core.db import session_scope
from triangulate.core.permissions import Actor
from triangulate.residents import store as residents
from triangulate.residents import transcripts

PARSER, PIPELINE = "transcript parsers (txt/md/docx/vtt/srt)", "transcript save pipeline (parse, redact, store)"
RESEARCHER = Actor("researcher", "researcher", id=3)
# Payloads redaction has no reason to touch: they must come out exactly as they went in.
KEPT = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "'; DROP TABLE insight; --",
        "<b>bold</b> &amp; &lt;i&gt; &#x3C;"]
speaker = st.one_of(st.sampled_from(["Interviewer", "Jean", "Sam", "P1", "Q", "A", "Resident 2", "Mary Brogan"]),
                    st.sampled_from(HOSTILE[:8]), typed_text)
xml_safe = st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"])
xml_text = st.one_of(st.sampled_from([h for h in HOSTILE if "\u202e" not in h]),
                     st.text(alphabet=xml_safe, max_size=80))


def _stamp(seconds: float, sep: str) -> str:
    seconds = abs(seconds)
    h, rem = divmod(int(seconds), 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{int((seconds % 1) * 1000):03d}"


timing = st.one_of(st.floats(0, 400_000, allow_nan=False), st.sampled_from([0.0, 59.999, 3599.5]))


@st.composite
def text_file(draw):
    fmt = draw(st.sampled_from(["txt", "md"]))
    lines = []
    if draw(st.booleans()):
        lines += ["---", f"ward: {draw(st.sampled_from(['Govan', GOVAN, 'Atlantis', '[x', '{a: b}']))}",
                  f"date: {draw(st.sampled_from(['2025-03-14', '31/02/2025', 'soon']))}",
                  f"title: {draw(st.sampled_from(['x', *KEPT]))!r}", "---"]
    elif draw(st.booleans()):
        lines += ["Ward: Govan", "Method: focus group", ""]
    for _ in range(draw(st.integers(0, 6))):
        who = draw(speaker)
        stamp = draw(st.sampled_from(["", "[00:01:02] ", "(12:30) ", "99:99 "]))
        lines.append(f"{stamp}{'**' + who + ':**' if fmt == 'md' and draw(st.booleans()) else who + ':'} "
                     f"{draw(hostile_text)}")
        if draw(st.booleans()):
            lines.append(draw(hostile_text))
    return f"t.{fmt}", "\n".join(lines)


@st.composite
def vtt_file(draw):
    lines = [draw(st.sampled_from(["WEBVTT", "WEBVTT - Teams", "\ufeffWEBVTT", "WEBVT", ""])), ""]
    for n in range(draw(st.integers(0, 5))):
        start, end = draw(timing), draw(timing)
        sep = draw(st.sampled_from([".", ",", ":"]))
        if draw(st.booleans()):
            lines.append(str(n + 1))
        lines.append(draw(st.one_of(st.just(f"{_stamp(start, sep)} --> {_stamp(end, sep)}"),
                                    st.sampled_from(["00:00.000 --> 00:01.000", "1 --> 2", "-->",
                                                     "00:00:01.000 --> 00:00:00.500",
                                                     "00:00:01.000 -> 00:00:02.000"]))))
        voice = draw(speaker).replace(">", "")
        lines.append(draw(st.sampled_from([f"<v {voice}>", f"{voice}: ", ""])) + draw(hostile_text))
        lines.append("")
    return "t.vtt", "\n".join(lines)


@st.composite
def srt_file(draw):
    lines = []
    for n in range(draw(st.integers(0, 5))):
        start, end = draw(timing), draw(timing)
        lines.append(draw(st.sampled_from([str(n + 1), "x", "", str(n + 7)])))
        lines.append(draw(st.one_of(st.just(f"{_stamp(start, ',')} --> {_stamp(end, ',')}"),
                                    st.sampled_from(["00:00:01,000 --> 00:00:00,000", "99:99:99,999 --> 1",
                                                     "--> 00:00:01,000"]))))
        lines.append(f"{draw(speaker)}: {draw(hostile_text)}")
        lines.append("")
    return "t.srt", "\n".join(lines)


@st.composite
def docx_file(draw):
    document = docx.Document()
    if draw(st.booleans()):
        document.core_properties.title = draw(st.sampled_from(KEPT + ["Govan focus group"]))
    for _ in range(draw(st.integers(0, 5))):
        document.add_paragraph(transcripts_xml_safe(f"{draw(speaker)}: {draw(xml_text)}" if draw(st.booleans())
                                                    else draw(xml_text)))
    if draw(st.booleans()):
        rows = draw(st.lists(st.tuples(st.one_of(st.sampled_from(["Jean", "Speaker", *KEPT]), xml_text), xml_text),
                             max_size=4))
        if rows:
            table = document.add_table(rows=len(rows), cols=2)
            for i, (who, said) in enumerate(rows):
                table.cell(i, 0).text, table.cell(i, 1).text = transcripts_xml_safe(who), transcripts_xml_safe(said)
    buffer = io.BytesIO()
    document.save(buffer)
    data = buffer.getvalue()
    cut = draw(st.one_of(st.none(), st.integers(0, len(data))))
    return "t.docx", data if cut is None else data[:cut]


encoding = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"])


def _bytes(text: str, enc: str) -> bytes:
    return text.encode(enc, errors="replace") if enc == "cp1252" else text.encode(enc, "surrogatepass")


any_file = st.one_of(
    st.tuples(st.one_of(text_file(), vtt_file(), srt_file()), encoding).map(lambda p: (p[0][0], _bytes(p[0][1], p[1]))),
    docx_file(),
    st.tuples(st.sampled_from(["t.txt", "t.md", "t.vtt", "t.srt", "t.docx", "t.pdf", "noext"]),
              st.one_of(st.binary(max_size=1500), st.binary(max_size=400).map(lambda b: b"PK\x03\x04" + b))))


@settings(max_examples=1000, **FAST)
@given(file=any_file)
def test_parsers_raise_only_import_failed(file):
    name, data = file
    parsed = attempt(None, PARSER, lambda: transcripts.parse(name, data), name, names_file=False)
    if parsed is REFUSED:
        return
    assert parsed.turns and all(t.text for t in parsed.turns)


def _try_save(engine, name: str, data: bytes, title: str | None = None, kept: list[str] = ()) -> None:
    saved = attempt(engine, PIPELINE, lambda: residents.import_file(engine, RESEARCHER, name, data, ward="Govan",
                                                                    title=title), name, names_file=False)
    if saved is REFUSED or not saved.created:
        return
    with session_scope(engine) as s:
        t = s.get(Transcript, saved.transcript_id)
        stored = "\n".join(x.text for x in s.exec(select(Segment).where(Segment.transcript_id == t.id)))
        labels = [x.label for x in s.exec(select(Speaker).where(Speaker.transcript_id == t.id))]
    if title is not None:  # the title goes through the text's redaction: what is not personal stays verbatim
        assert t.title == title.strip() or residents.PLACEHOLDER.search(t.title), t.title
    for payload in kept:
        assert payload in stored, f"{payload!r} did not survive redaction verbatim"
    assert labels


@st.composite
def resident_file(draw):
    """A transcript the pipeline should mostly accept: an interviewer and a resident, hostile words."""
    fmt = draw(st.sampled_from(["txt", "md", "vtt", "docx"]))
    # WebVTT cue text is markup by definition (<b>, <i>, <v Name>): its tags are dropped, not kept.
    payload = draw(st.sampled_from(KEPT if fmt != "vtt" else [k for k in KEPT if "<" not in k]))
    turns = ["Interviewer: What is it like round here?",
             f"Jean: {draw(hostile_text)} {payload} the damp in the flat",
             f"{draw(speaker)}: {draw(hostile_text)}", f"Jean: {payload}"]
    if fmt == "vtt":
        cues = [f"00:00:{i:02d}.000 --> 00:00:{i + 1:02d}.000\n<v {t.split(':', 1)[0].replace('>', '')}>"
                f"{t.split(':', 1)[1]}" for i, t in enumerate(turns)]
        text = "WEBVTT\n\n" + "\n\n".join(cues) + "\n"
    else:
        text = "\n".join(turns)
    if fmt == "docx":
        document = docx.Document()
        for t in turns:
            document.add_paragraph(transcripts_xml_safe(t))
        buffer = io.BytesIO()
        document.save(buffer)
        return "t.docx", buffer.getvalue(), payload
    return f"t.{fmt}", _bytes(text, draw(st.sampled_from(["utf-8", "utf-16"]))), payload


def transcripts_xml_safe(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n" or (ch >= " " and ch not in "\ufffe\uffff"
                                                          and not 0xD800 <= ord(ch) <= 0xDFFF))


@settings(max_examples=970, **FAST)
@given(item=st.one_of(resident_file().map(lambda r: (r[0], r[1], [r[2]])),
                      any_file.map(lambda f: (f[0], f[1], []))),
       title=st.one_of(st.none(), hostile_text.map(lambda t: t[:200])))
@example(item=("t.txt", ("Interviewer: Hello.\nJean: " + " ".join(KEPT) + " and the mould.\n").encode(), KEPT),
         title="<script>alert(1)</script> Robert'); DROP TABLE students;--")
def test_save_pipeline(sqlite_engine, item, title):
    ready(sqlite_engine)
    name, data, kept = item
    _try_save(sqlite_engine, name, data, title if title and title.strip() else None, kept)


LONG_THEN_NUL = b"Interviewer: Hello.\nJean: " + b"the damp " * 1000 + b"NUL \x00 after 8 KiB\n"


@settings(max_examples=30, **FAST)
@given(item=resident_file(), title=st.one_of(st.none(), hostile_text.map(lambda t: t[:200])))
@example(item=("t.txt", LONG_THEN_NUL, "x"), title=None)
@example(item=("t.txt", "Interviewer: Hello.\nJean: NUL \x00 in UTF-16\n".encode("utf-16"), "x"), title=None)
@example(item=("t.txt", b"Interviewer: Hello.\nJean: the damp <script>\n", "<script>"), title="NUL\x00title")
def test_save_pipeline_each_backend(engine, item, title):
    ready(engine)
    name, data, payload = item
    _try_save(engine, name, data, title if title and title.strip() else None, [])
