"""Transcript parsers: every format, the Iriss.fm sample, bad input, and property tests."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triangulate.core.errors import ImportFailed
from triangulate.residents import transcripts as T

DEMO = Path(__file__).resolve().parent.parent / "triangulate" / "data" / "demo" / "transcripts"
IRISS = next((p for p in (Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "iriss-sample",
                          Path("/work/shared/corpus/iriss-sample")) if p.exists()), Path("/nonexistent"))


def problems_of(name: str, data: bytes):
    with pytest.raises(ImportFailed) as exc:
        T.parse(name, data)
    return exc.value.problems


def test_name_labels_timestamps_and_header_metadata():
    text = (b"Ward: Govan\nDate: 12/03/2025\nMethod: Focus group\nConsent: written\nFacilitator: Sam\n\n"
            b"[00:00:05] Sam: Welcome.\n[00:01:10] Jean: The damp is bad.\nIt is in every room.\n"
            b"[00:02:00] Jean: And the buses.\n")
    parsed = T.parse("fg.txt", text)
    assert parsed.metadata["ward"] == "Govan" and parsed.metadata["method"] == "focus group"
    assert str(parsed.metadata["date"]) == "2025-03-12"
    assert [t.speaker for t in parsed.turns] == ["Sam", "Jean", "Jean", "Jean"]
    assert parsed.turns[1].start_s == 70.0 and parsed.turns[2].text == "It is in every room."
    assert parsed.turns[1].line == 8
    assert parsed.roles == {"Sam": "facilitator", "Jean": "resident"}  # the header names Sam as facilitator


def test_q_and_a_and_interviewer_labels():
    parsed = T.parse("qa.txt", b"Q: How is the bus?\nA: A joke.\nQ: And the rent?\nA: Too dear.\n")
    assert [t.speaker for t in parsed.turns] == ["Q", "A", "Q", "A"]
    assert parsed.roles == {"Q": "facilitator", "A": "resident"}
    parsed = T.parse("i.txt", b"Interviewer: Hello.\nInterviewee: Hi.\n")
    assert [t.speaker for t in parsed.turns] == ["Interviewer", "Interviewee"]
    assert parsed.roles == {"Interviewer": "facilitator", "Interviewee": "resident"}


def test_initials_key_then_initial_turns():
    text = b"---\ntitle: Test\nhosts: [\"Michelle Drumm\"]\n---\nMD - Michelle Drumm\nJW - Jean Wallace\n\n" \
           b"Some editorial intro.\n\nMD Hello Jean.\n\nJW Hello. The nursery hours are short.\n\nAnd dear.\n"
    parsed = T.parse("k.md", text)
    assert parsed.speaker_names == {"MD": "Michelle Drumm", "JW": "Jean Wallace"}
    # the editorial intro above the first labelled turn is the file's header, not speech (and the researcher is told)
    assert [t.speaker for t in parsed.turns] == ["MD", "JW", "JW"]
    assert any("above the first labelled turn" in w for w in parsed.warnings)
    assert parsed.metadata["facilitator"] == "Michelle Drumm"
    assert parsed.roles == {"MD": "facilitator", "JW": "resident"}
    assert set(parsed.names) == {"Michelle Drumm", "Jean Wallace"}


def test_vtt_voice_tags_merge_consecutive_cues():
    vtt = ("WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.500\n<v Laura>Hello all.</v>\n\n"
           "2\n00:00:04.000 --> 00:00:06.000\n<v Donna>The damp</v>\n\n"
           "3\n00:00:06.000 --> 00:00:08.250\n<v Donna>is everywhere.</v>\n\n"
           "4\n00:00:09.000 --> 00:00:10.000\nPaul: Zoom style label.\n")
    parsed = T.parse("t.vtt", vtt.encode())
    assert [(t.speaker, t.text) for t in parsed.turns] == [
        ("Laura", "Hello all."), ("Donna", "The damp is everywhere."), ("Paul", "Zoom style label.")]
    assert parsed.turns[1].start_s == 4.0 and parsed.turns[1].end_s == 8.25 and parsed.turns[1].line == 8


def test_malformed_vtt_cue_names_the_line():
    vtt = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfine\n\n00:00:0x.000 --> 00:00:04.000\nbroken\n"
    (problem,) = problems_of("bad.vtt", vtt)
    assert problem.row == 6 and "timing" in problem.message and "HH:MM:SS" in problem.fix
    assert problems_of("nohead.vtt", b"00:00:01.000 --> 00:00:02.000\nhi\n")[0].row == 1


def test_srt_with_labels_and_malformed_block():
    good = b"1\n00:00:01,000 --> 00:00:02,000\nTam: Food prices.\n\n2\n00:00:03,000 --> 00:00:04,000\nTam: Doubled.\n"
    parsed = T.parse("a.srt", good)
    assert [(t.speaker, t.text) for t in parsed.turns] == [("Tam", "Food prices. Doubled.")]
    bad = good + b"\n3\n00:00:0x,000 --> 00:00:05,000\nbroken\n"
    (problem,) = problems_of("b.srt", bad)
    assert problem.row == 9  # the block "3" that fails


def test_docx_paragraphs_and_tables():
    import docx

    document = docx.Document()
    document.add_paragraph("Ward: Calton")
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(table.rows, [("Time", "Speaker", "Text"), ("00:01", "Interviewer", "Hello?"),
                                        ("00:05", "Angela", "The food bank.")]):
        for cell, value in zip(row.cells, cells):
            cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    parsed = T.parse("t.docx", buffer.getvalue())
    assert parsed.metadata["ward"] == "Calton"
    assert [(t.speaker, t.text, t.start_s) for t in parsed.turns] == [
        ("Interviewer", "Hello?", 1.0), ("Angela", "The food bank.", 5.0)]


def test_docx_of_tables_only_is_handled():
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Jean", "The mould is back."
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "Sam", "Thanks."
    buffer = io.BytesIO()
    document.save(buffer)
    assert [t.speaker for t in T.parse("tables.docx", buffer.getvalue()).turns] == ["Jean", "Sam"]
    empty = docx.Document()
    empty.add_table(rows=1, cols=2)
    buffer = io.BytesIO()
    empty.save(buffer)
    assert "tables" in problems_of("empty.docx", buffer.getvalue())[0].message


def test_encodings_utf16_bom_and_cp1252():
    text = "Jean: It’s damp — and the café’s shut.\nSam: Aye.\n"
    assert T.parse("u16.txt", text.encode("utf-16")).turns[0].text.startswith("It’s damp")
    assert T.parse("bom.txt", b"\xef\xbb\xbf" + text.encode()).turns[0].speaker == "Jean"
    parsed = T.parse("win.txt", "Jean: It’s damp and the café’s shut, so it is, I’m telling you.\nSam: Aye.\n"
                     .encode("cp1252"))
    assert "café" in parsed.turns[0].text and parsed.encoding != "utf-8"


def test_bad_input_errors_name_file_and_fix():
    assert problems_of("empty.txt", b"  \n")[0].message == "the file is empty"
    binary = problems_of("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))[0]
    assert binary.file == "photo.txt" and "binary" in binary.message and binary.fix
    big = problems_of("huge.txt", b"a" * (T.MAX_TEXT_BYTES + 1))[0]
    assert "limit is 5 MB" in big.message and "split" in big.fix
    assert "not a .docx" in problems_of("fake.docx", b"just text")[0].message
    assert ".pdf" in problems_of("x.pdf", b"%PDF")[0].message


def test_speaker_named_like_a_place_is_flagged_for_the_researcher():
    parsed = T.parse("p.txt", b"Interviewer: Hello.\nGovan: The buses are bad.\nGovan: Aye.\n")
    assert parsed.name_clashes == {"Govan": "place"} and "Govan" in parsed.names
    assert any("also a place" in w and "Resident 1" in w for w in parsed.warnings)


def test_parse_many_collects_every_problem():
    with pytest.raises(ImportFailed) as exc:
        T.parse_many([("a.txt", b""), ("b.vtt", b"nope"), ("c.txt", b"Jean: fine\nSam: good\n")])
    assert [p.file for p in exc.value.problems] == ["a.txt", "b.vtt"]


def test_every_demo_transcript_parses_with_speakers():
    files = [f for f in DEMO.iterdir() if f.suffix in T.FORMATS and f.name != "README.md"]
    assert len(files) >= 8 and {f.suffix for f in files} >= {".vtt", ".docx", ".srt", ".txt", ".md"}
    words = 0
    for f in files:
        parsed = T.parse(f.name, f.read_bytes())
        words += parsed.word_count
        assert len([s for s in parsed.speakers if s != "Unlabelled"]) >= 2, f.name
        # What the demo loads without a researcher: a facilitator and residents, no header line as a speaker.
        from triangulate.residents.store import DEMO_FILES

        roles = T.suggest_roles(parsed, DEMO_FILES.get(f.name, {}).get("facilitator"))
        assert "facilitator" in roles.values() and "resident" in roles.values(), (f.name, roles)
        assert not {"Consent", "Date", "Ward", "Title", "Method"} & set(roles), (f.name, roles)
    assert words >= 5000


@pytest.mark.skipif(not IRISS.exists(), reason="../shared/corpus/iriss-sample is not present")
def test_iriss_sample_transcripts_parse_into_speaker_turns():
    files = sorted(f for f in IRISS.glob("*.md") if f.name != "PROVENANCE.md")
    assert len(files) == 20
    for f in files:
        parsed = T.parse(f.name, f.read_bytes())
        labelled = [t for t in parsed.turns if t.speaker != "Unlabelled"]
        assert labelled and sum(len(t.text.split()) for t in labelled) > 0.8 * parsed.word_count, f.name
    calum = T.parse("c.md", (IRISS / "freshly-squeezed-calum-glasgow.md").read_bytes())
    assert {"MD", "CG"} <= set(calum.speakers) and calum.speaker_names["CG"] == "Calum Glasgow"
    # The key spells Neil Mapes `NP`; his turns open `NM`: still recognised, by his initials.
    neil = T.parse("n.md", (IRISS / "isba-2016-adventures-with-dementia-neil-mapes.md").read_bytes())
    assert neil.speaker_names.get("NM") == "Neil Mapes"
    bold = T.parse("e.md", (IRISS / "enrich-scotland-supporting-research-in-care-homes.md").read_bytes())
    assert {"Michelle", "Emma", "Susan"} <= set(bold.speakers)


SUFFIXES = st.sampled_from([".txt", ".md", ".vtt", ".srt", ".docx"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=3000), suffix=SUFFIXES)
def test_arbitrary_bytes_only_raise_import_failed(data, suffix):
    try:
        parsed = T.parse("x" + suffix, data, unlabelled="resident")
    except ImportFailed as exc:
        assert exc.problems and all(p.file == "x" + suffix and p.fix for p in exc.problems)
    else:
        assert parsed.turns and parsed.checksum


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=2000), suffix=SUFFIXES)
def test_arbitrary_text_only_raises_import_failed(text, suffix):
    try:
        parsed = T.parse("x" + suffix, text.encode("utf-8"), unlabelled="resident")
    except ImportFailed as exc:
        assert exc.problems
    else:
        assert all(t.text.strip() for t in parsed.turns)


@settings(max_examples=80, deadline=None)
@given(turns=st.lists(st.tuples(st.sampled_from(["Jean", "Sam", "Interviewer", "P1"]),
                                st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]),
                                        min_size=1, max_size=80).filter(lambda s: s.strip() and ":" not in s)),
                      min_size=1, max_size=12))
def test_generated_labelled_transcripts_keep_every_speaker(turns):
    text = "\n".join(f"{who}: {what.strip()}" for who, what in turns)
    text = text + "\n" + "\n".join(f"{who}: ok" for who, _ in turns)  # every label recurs
    parsed = T.parse("g.txt", text.encode())
    assert {t.speaker for t in parsed.turns} == {who for who, _ in turns}


@pytest.mark.parametrize("line, expected", [
    ("Title: Money advice drop-in, Govan Cross", ("title", "Money advice drop-in, Govan Cross")),
    ("Interview: Money advice and Universal Credit deductions",
     ("interview", "Money advice and Universal Credit deductions")),
    ("Title: The cost of the school day.", ("title", "The cost of the school day.")),
    ("Interview: So how are you finding things?", None),  # the interviewer speaking under a mistyped label
    ("Interview: money is tight for me", None),
])
def test_a_header_whose_value_starts_like_speech_is_still_a_header_unless_it_reads_as_speech(line, expected):
    from triangulate.residents import labels

    assert labels.header_line(line) == expected


def test_title_and_interview_lines_are_metadata_not_speakers():
    text = ("Title: Money advice drop-in, Govan Cross\nInterview: Money advice and Universal Credit deductions\n"
            "Date: 11/12/2024\n\nQ: How are things?\nA: Tight. The electric's the worst of it.\n"
            "Q: And the school uniform grant?\nA: Aye, we got that.\n")
    parsed = T.parse("dropin.txt", text.encode())
    assert {t.speaker for t in parsed.turns} == {"Q", "A"}
    assert not any("Money advice" in t.text for t in parsed.turns)
