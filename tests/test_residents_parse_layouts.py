"""Speaker keys, header lines, roles, table .docx and bad input, as researchers really write transcripts."""
from __future__ import annotations

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triangulate.core.errors import ImportFailed
from triangulate.residents import transcripts as T


def parse(text: str, name: str = "t.txt", **options) -> T.ParsedTranscript:
    return T.parse(name, text.encode(), **options)


def speakers(parsed) -> list[str]:
    return [t.speaker for t in parsed.turns]


def problems_of(name: str, data: bytes, **options):
    with pytest.raises(ImportFailed) as exc:
        T.parse(name, data, **options)
    return exc.value.problems


# --------------------------------------------------------------------------- labels and keys
def test_key_line_and_header_lines_become_metadata_not_speakers():
    parsed = parse("Interview: Govan mum 3\nDate: 14th October 2024\nLocation: Govan hub\nDuration: 45 mins\n"
                   "Transcribed by: Jane Smith\nInterviewer: Kirsty Bell\n\nKey: I = Interviewer, R = Respondent\n\n"
                   "I: How are things?\nR: Hard. The rent's up.\nI: And the weans?\nR: They're fine.\n")
    assert speakers(parsed) == ["I", "R", "I", "R"]
    meta = parsed.metadata
    assert str(meta["date"]) == "2024-10-14" and meta["location"] == "Govan hub" and meta["duration"] == "45 mins"
    assert meta["transcribed_by"] == "Jane Smith" and meta["facilitator"] == "Kirsty Bell"
    assert parsed.roles == {"I": "facilitator", "R": "resident"}
    assert set(parsed.names) == {"Jane Smith", "Kirsty Bell"}


def test_header_keys_no_list_foresees_are_metadata_and_staff_named_there_are_facilitators():
    parsed = parse("Session: Damp and the weans\nAge group: 25-34\nRecorded on: a phone\nLed by: Fiona Grant\n"
                   "Support worker present: Ann Boyle\n\n"
                   "Fiona: Right, how's the flat?\nJo: Black wi' damp.\nFiona: And the council?\n"
                   "Jo: They painted ower it.\nAnn: I've chased them twice.\nJo: Aye, she has.\n")
    assert speakers(parsed) == ["Fiona", "Jo", "Fiona", "Jo", "Ann", "Jo"]  # no header line became a turn
    assert not any("25-34" in t.text or "phone" in t.text for t in parsed.turns)
    assert parsed.metadata["facilitator"] == "Fiona Grant, Ann Boyle"
    assert parsed.roles == {"Fiona": "facilitator", "Jo": "resident", "Ann": "facilitator"}
    assert {"Fiona Grant", "Ann Boyle"} <= set(parsed.names)  # always redacted, wherever they appear
    assert any("Line(s) 2, 3, 4, 5" in w for w in parsed.warnings)  # the researcher is told, by line number


def test_free_form_preambles_are_header_not_speech():
    parsed = parse("Dads' group, Maryhill - conversation 2 (phone export)\nNov 19, 2026 7:02PM\n"
                   "Facilitated by Stuart Gibb\n4 dads; names changed at the group's request\n\n"
                   "Stuart: Right lads, how's things?\nKris: Skint.\nStuart: And the weans?\nKris: Fine.\n")
    assert speakers(parsed) == ["Stuart", "Kris", "Stuart", "Kris"]
    assert str(parsed.metadata["date"]) == "2026-11-19" and parsed.metadata["facilitator"] == "Stuart Gibb"
    assert parsed.roles == {"Stuart": "facilitator", "Kris": "resident"}
    assert any("above the first labelled turn" in w for w in parsed.warnings)
    several = parse("Interviewer: Beth Lamont | Welfare rights officer present: Hugh Dalgleish\n"
                    "Participant: R09 (mother, 34); two children present\nInterpreter (Dari) - Farid Noori\n\n"
                    "Beth: Hello, how are you?\nGail: Fine.\nFarid: She says fine.\nBeth: Good.\nGail: Aye.\n")
    assert speakers(several) == ["Beth", "Gail", "Farid", "Beth", "Gail"]
    assert several.metadata["facilitator"] == "Beth Lamont, Hugh Dalgleish, Farid Noori"
    assert several.roles == {"Beth": "facilitator", "Gail": "resident", "Farid": "facilitator"}
    assert {"Beth Lamont", "Hugh Dalgleish", "Farid Noori"} <= set(several.names)
    # what reads as talk above the first label stays, as unlabelled speech the researcher decides on
    talk = parse("Thanks for coming, can you tell me about the flat?\nR: It's damp.\nI: Right.\nR: Aye.\n")
    assert speakers(talk)[0] == "Unlabelled"


def test_a_speaker_who_speaks_once_above_the_dialogue_is_not_taken_for_a_header():
    parsed = parse("Mum: Aye.\nNurse: How's the wean sleeping?\nDad: No bad.\nNurse: And feeding?\n"
                   "Dad: Fine.\n")
    assert speakers(parsed)[0] == "Mum"  # a name-like key: somebody speaking, even once
    parsed = parse("Topic: School costs\nWorker: I'll start, is that OK?\nGran: Aye.\nWorker: Uniforms?\n"
                   "Gran: Dear.\n")
    assert speakers(parsed) == ["Worker", "Gran", "Worker", "Gran"]
    assert parsed.metadata.get("facilitator") is None



@pytest.mark.parametrize("text", [
    "I = Interviewer\nR = Respondent\n\nI How are things?\nR Hard going.\nI Right.\nR Aye.\n",
    "Key: I = Interviewer; R = Respondent\nI: How are things?\nR: Hard going.\nI: Right.\nR: Aye.\n",
    "Interviewer: How are things?\nRespondent: Hard going.\nInterviewer: Right.\nRespondent: Aye.\n",
    "INTERVIEWER: How are things?\nINTERVIEWEE: Hard going.\nINTERVIEWER: Right.\nINTERVIEWEE: Aye.\n",
    "Q How are things?\nA Hard going.\nQ Right.\nA Aye.\n",
    "Q: How are things?\nA: Hard going.\nQ: Right.\nA: Aye.\n",
])
def test_role_labels_with_or_without_colon(text):
    parsed = parse(text)
    assert len(parsed.turns) == 4 and [parsed.roles[s] for s in speakers(parsed)] == [
        "facilitator", "resident", "facilitator", "resident"]


def test_numbered_participants_and_name_labels_in_bold_and_dash_forms():
    parsed = parse("Interviewer: Hello P3.\nP3: Hi.\nInterviewer: Tell me more.\nP3: The damp.\n"
                   "Participant 38: I agree.\n")
    assert parsed.roles == {"Interviewer": "facilitator", "P3": "resident", "Participant 38": "resident"}
    bold = parse("**Interviewer:** Hello.\n**Jade:** Hi. Childcare.\n**Interviewer:** More?\n**Jade:** Aye.\n", "b.md")
    assert speakers(bold) == ["Interviewer", "Jade"] * 2 and bold.turns[1].text == "Hi. Childcare."
    dash = parse("Facilitator: Kerry Smith\n\nKerry - Welcome all.\nJean - Thanks.\nKerry - What is hard?\n"
                 "Jean - The buses.\n")
    assert speakers(dash) == ["Kerry", "Jean"] * 2 and dash.roles == {"Kerry": "facilitator", "Jean": "resident"}
    assert {"Kerry Smith", "Jean"} <= set(dash.names)
    peers = parse("Interviewer: Hello.\nPeer mentor: Hi.\nInterviewer: And?\nPeer mentor: Aye.\n")
    assert speakers(peers) == ["Interviewer", "Peer mentor"] * 2 and peers.names == []  # a role, not a name


def test_timestamps_before_and_after_the_label():
    parsed = parse("[00:00:05] Interviewer: Hello.\nJean (00:01:05): Hi.\nInterviewer: [00:02:00] Right.\n"
                   "**Jean** [00:02:05]: Aye.\n")
    assert [(t.speaker, t.text, t.start_s) for t in parsed.turns] == [
        ("Interviewer", "Hello.", 5.0), ("Jean", "Hi.", 65.0), ("Interviewer", "Right.", 120.0),
        ("Jean", "Aye.", 125.0)]


def test_otter_and_teams_label_lines_and_voice_tags():
    otter = parse("Speaker 1  0:03\nHello there, how are you?\n\nSpeaker 2  0:07\nFine thanks.\n\n"
                  "Speaker 1  0:10\nGood. What is hard just now?\n\nSpeaker 2  0:15\nMoney.\n")
    assert [(t.speaker, t.start_s) for t in otter.turns] == [("Speaker 1", 3.0), ("Speaker 2", 7.0),
                                                              ("Speaker 1", 10.0), ("Speaker 2", 15.0)]
    assert set(otter.roles.values()) == {"unknown"}  # nobody declared as interviewer: the researcher decides
    voices = parse("<v Laura Mitchell>Hello all.</v>\n<v Donna McLean>Hi there.</v>\n")
    assert speakers(voices) == ["Laura Mitchell", "Donna McLean"]
    assert suggest(voices, "Laura Mitchell") == {"Laura Mitchell": "facilitator", "Donna McLean": "resident"}


def suggest(parsed, facilitator=None):
    return T.suggest_roles(parsed, facilitator)


def test_initials_key_with_roles_and_names_and_front_matter_hosts():
    text = ("---\ntitle: Test\nhosts: [\"Michelle Drumm\"]\nspeakers: [\"Jean Wallace\"]\n---\n"
            "MD - Michelle Drumm\nJW Jean Wallace\n\nAn editorial intro.\n\nMD Hello Jean.\n\nJW Hello. Short hours.\n"
            "\nAnd dear.\n")
    parsed = parse(text, "k.md")
    assert parsed.speaker_names == {"MD": "Michelle Drumm", "JW": "Jean Wallace"}
    assert speakers(parsed) == ["Unlabelled", "MD", "JW", "JW"]
    assert parsed.roles == {"Unlabelled": "unknown", "MD": "facilitator", "JW": "resident"}
    assert set(parsed.names) == {"Michelle Drumm", "Jean Wallace"}
    keyed = parse("Key: MD = Michelle Drumm (Interviewer), JW = Jean Wallace (Respondent)\n\nMD Hi.\nJW Hello.\n"
                  "MD Right.\nJW Aye.\n")
    assert keyed.roles == {"MD": "facilitator", "JW": "resident"} and keyed.speaker_names["JW"] == "Jean Wallace"


def test_audience_questions_from_the_floor_are_not_the_chairs():
    parsed = parse("Key: C = Chair, NM = Neil Mapes\n\nC Welcome to the session.\nNM Thanks, I will talk.\n"
                   "F Can I ask about the buses?\nNM Yes of course.\nM What about funding?\nNM Good question.\n"
                   "F And another?\nNM Sure.\n")
    assert speakers(parsed) == ["C", "NM", "F", "NM", "M", "NM", "F", "NM"]
    assert parsed.roles["C"] == "facilitator" and parsed.roles["F"] == parsed.roles["M"] == "unknown"
    floor = parse("Chair: Welcome.\nNeil: Thanks.\nQ: From the floor, what about buses?\nNeil: Good point.\n"
                  "Q: And fares?\nNeil: Dear.\n")
    assert floor.roles["Q"] == "unknown" and floor.roles["Chair"] == "facilitator"


def test_a_clear_question_pattern_marks_interviewer_and_residents_and_says_so():
    parsed = parse("Tam: What is hardest?\nJean: The damp in the flat, it is everywhere and the landlord is slow.\n"
                   "Tam: Since when?\nJean: Two years now and the weans are coughing all winter long.\n"
                   "Tam: Anything else?\nJean: The buses are a joke, they never come on time at all.\n")
    assert parsed.roles == {"Tam": "facilitator", "Jean": "resident"}
    assert any("guessed from who asks the questions" in w and "Tam as interviewer" in w for w in parsed.warnings)
    assert suggest(parsed, "Tam Reid") == {"Tam": "facilitator", "Jean": "resident"}
    group = parse("CD How has it changed, Agnes?\nAT Och, it was twenty families a week. Now ninety.\n"
                  "CD Shannon, when did you first come in?\nSM Last January. I was greetin' at the door.\n"
                  "CD What do people ask for most?\nAT Nappies and tins. And the auld folk come for company.\n"
                  "CD Anything else?\nSM Cash instead of food would help folk the most, I think.\n"
                  "AT Aye, and the gas.\nSM The gas is worse.\nAT It is.\n")
    assert group.roles == {"CD": "facilitator", "AT": "resident", "SM": "resident"}


def test_without_a_clear_pattern_nobody_is_pre_ticked():
    chat = parse("Tam: What is hardest?\nJean: The damp. What about you?\nTam: The buses, who knows why?\n"
                 "Jean: Aye, are they ever on time?\nTam: Never.\nJean: Right?\n")
    assert set(chat.roles.values()) == {"unknown"}
    assert not any("guessed from who asks" in w for w in chat.warnings)


def test_header_interviewer_line_is_metadata_but_a_greeting_is_a_turn():
    header = parse("Interviewer: Jane Smith\n\nInterviewer: Hello, thanks for coming.\nJean: No bother.\n"
                   "Interviewer: Right.\nJean: Aye.\n")
    assert header.metadata["facilitator"] == "Jane Smith" and speakers(header)[0] == "Interviewer"
    assert len(header.turns) == 4
    turn = parse("Interviewer: Hello Jean\nJean: Hi.\nInterviewer: Right.\nJean: Aye.\n")
    assert "facilitator" not in turn.metadata and len(turn.turns) == 4


def test_prose_colons_are_not_speakers():
    parsed = parse("Interviewer: What happened?\nJean: It was like this. So: nothing worked.\n"
                   "Interviewer: Then?\nJean: Aye.\nNote: the recording stopped here.\n")
    assert set(speakers(parsed)) == {"Interviewer", "Jean"}


# --------------------------------------------------------------------------- unlabelled files
def test_unlabelled_file_is_refused_unless_the_researcher_chooses():
    text = b"The buses are terrible round here.\nAnd the rent keeps going up.\n"
    with pytest.raises(T.NoSpeakerLabels) as refused:  # the page catches this one and offers the choice
        T.parse("u.txt", text)
    (problem,) = refused.value.problems
    assert "no speaker labels" in problem.message and "--unlabelled resident" in problem.fix
    parsed = T.parse("u.txt", text, unlabelled="resident")
    assert parsed.roles == {"Unlabelled": "resident"} and parsed.warnings
    with pytest.raises(T.TranscriptSkipped) as exc:
        T.parse("u.txt", text, unlabelled="skip")
    assert "skipped" in exc.value.problems[0].message


# --------------------------------------------------------------------------- bad input: message and choice
def test_initials_without_a_key_are_read_but_left_for_the_researcher():
    parsed = parse("MD Hello there.\nJW Hi.\nMD How are things?\nJW Fine.\nMD Good.\nJW Aye.\n")
    assert speakers(parsed) == ["MD", "JW"] * 3 and set(parsed.roles.values()) == {"unknown"}
    assert any("only as initials" in w and "Key:" in w for w in parsed.warnings)


def test_key_naming_an_unused_label_warns_and_keeps_the_name():
    parsed = parse("MD - Michelle Drumm\nJW - Jean Wallace\nAB - Alan Broon\n\nMD Hello there.\nJW Hi.\n"
                   "MD How are things?\nJW Fine.\n")
    assert "Alan Broon" in parsed.names
    assert any("AB (Alan Broon)" in w and "no turn opens with AB" in w for w in parsed.warnings)


def test_two_speakers_with_the_same_first_name():
    parsed = parse("Facilitator: Michelle Drumm\n\nMichelle: Hello both.\nAndrew: Hi.\nMichelle: And you?\n"
                   "Andrew: Aye.\n", "x.txt")
    assert parsed.roles["Andrew"] == "resident"
    shared = parse("---\nhosts: [Michelle Drumm]\nspeakers: [Andrew Bryers, Andrew Sinclair]\n---\n"
                   "Michelle: Hello both.\nAndrew: Hi.\nMichelle: And you?\nAndrew: Aye.\n", "y.md")
    assert shared.roles == {"Michelle": "facilitator", "Andrew": "unknown"}
    assert any("share the first name Andrew" in w for w in shared.warnings)


@pytest.mark.parametrize("label, kind", [("Will", "word"), ("Rose", "word"), ("Hope", "word"),
                                         ("Govan", "place"), ("Drumchapel", "place")])
def test_names_that_are_also_places_or_words(label, kind):
    parsed = parse(f"Interviewer: Hello.\n{label}: The buses.\nInterviewer: And?\n{label}: Aye.\n")
    assert parsed.name_clashes == {label: kind} and label in parsed.names
    assert any(label in w and ("place" if kind == "place" else "ordinary word") in w for w in parsed.warnings)


def test_header_lines_only_is_refused():
    (problem,) = problems_of("h.txt", b"Title: Interview 3\nDate: 12/03/2025\nLocation: Govan\n")
    assert "only header lines" in problem.message and "cover sheet" in problem.fix


# --------------------------------------------------------------------------- Word tables
def docx_bytes(build) -> bytes:
    import docx

    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def fill(table, rows):
    for row, values in zip(table.rows, rows):
        for cell, value in zip(row.cells, values):
            cell.text = value


def test_docx_table_reads_in_document_order_with_headings_in_place():
    def build(document):
        document.add_paragraph("Date: 14/10/2024")
        document.add_paragraph("Key: I = Interviewer, R = Respondent")
        document.add_heading("Part 1: Housing", level=2)
        fill(document.add_table(rows=3, cols=2), [("Speaker", "Text"), ("I", "How is the flat?"),
                                                   ("R", "Damp everywhere.")])
        document.add_heading("Part 2: Buses", level=2)
        fill(document.add_table(rows=2, cols=2), [("I", "And the buses?"), ("R", "A joke.")])

    parsed = T.parse("t.docx", docx_bytes(build))
    assert [(t.speaker, t.text) for t in parsed.turns] == [
        ("Unlabelled", "Part 1: Housing"), ("I", "How is the flat?"), ("R", "Damp everywhere."),
        ("Unlabelled", "Part 2: Buses"), ("I", "And the buses?"), ("R", "A joke.")]
    assert str(parsed.metadata["date"]) == "2024-10-14"
    assert parsed.roles == {"Unlabelled": "unknown", "I": "facilitator", "R": "resident"}
    assert [t.line for t in parsed.turns] == sorted(t.line for t in parsed.turns)


@pytest.mark.parametrize("rows, expected", [
    ([("Time", "Speaker", "Text"), ("00:01", "Interviewer", "Hello?"), ("00:05", "Angela", "The food bank.")],
     [("Interviewer", "Hello?", 1.0), ("Angela", "The food bank.", 5.0)]),
    ([("Interviewer", "00:01", "Hello?"), ("Angela", "00:05", "The food bank is where we go now.")],
     [("Interviewer", "Hello?", 1.0), ("Angela", "The food bank is where we go now.", 5.0)]),
    ([("Interviewer:", "Hello there, how are things?"), ("Angela (00:05)", "The food bank.")],
     [("Interviewer", "Hello there, how are things?", None), ("Angela", "The food bank.", 5.0)]),
])
def test_docx_two_and_three_column_tables(rows, expected):
    data = docx_bytes(lambda d: fill(d.add_table(rows=len(rows), cols=len(rows[0])), rows))
    parsed = T.parse("t.docx", data)
    assert [(t.speaker, t.text, t.start_s) for t in parsed.turns] == expected
    if len(rows[0]) == 3:
        assert any("3 columns" in w for w in parsed.warnings)


def test_docx_merged_cells():
    def build(document):
        table = document.add_table(rows=4, cols=2)
        fill(table, [("Interviewer", "What is hard?"), ("Jean", "The damp."), ("", "And the mould."),
                     ("Interviewer", "Thanks.")])
        table.cell(1, 0).merge(table.cell(2, 0))  # Jean's speaker cell spans two rows
        wide = document.add_table(rows=1, cols=2)
        wide.cell(0, 0).merge(wide.cell(0, 1))
        wide.cell(0, 0).text = "End of interview"

    parsed = T.parse("m.docx", docx_bytes(build))
    assert [(t.speaker, t.text) for t in parsed.turns][:4] == [
        ("Interviewer", "What is hard?"), ("Jean", "The damp."), ("Jean", "And the mould."),
        ("Interviewer", "Thanks.")]
    assert any("merged cells" in w for w in parsed.warnings)


# --------------------------------------------------------------------------- bounds
def test_a_giant_line_is_refused_before_spacy_sees_it():
    (problem,) = problems_of("line.txt", b"Jean: " + b"word " * (T.MAX_LINE_CHARS // 5 + 10) + b"\nSam: ok\n")
    assert problem.row == 1 and "characters" in problem.message and "line break" in problem.fix


def test_too_many_lines_and_cues_are_refused():
    lines = b"".join(b"A: x\n" for _ in range(T.MAX_LINES + 1))
    assert "lines of text" in problems_of("many.txt", lines)[0].message
    cue = b"00:00:01.000 --> 00:00:02.000\nhi\n\n"
    assert "cues" in problems_of("many.vtt", b"WEBVTT\n\n" + cue * (T.MAX_CUES + 1))[0].message


def test_docx_zip_bomb_is_refused_from_the_central_directory():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:p/>" * (T.MAX_DOCX_UNZIPPED_BYTES // 6 + 10))
    (problem,) = problems_of("bomb.docx", buffer.getvalue())
    assert "unpacks to" in problem.message and "limit" in problem.message
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(T.MAX_DOCX_ENTRIES + 1):
            archive.writestr(f"x/{i}.xml", "")
    assert "holds" in problems_of("many.docx", many.getvalue())[0].message


# --------------------------------------------------------------------------- properties
WORD = st.from_regex(r"[a-z]{1,8}", fullmatch=True)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(turns=st.lists(st.tuples(st.sampled_from(["I", "R", "Interviewer", "Jean", "P3", "Participant 2"]),
                                st.lists(WORD, min_size=1, max_size=12)), min_size=2, max_size=15),
       colon=st.booleans(), stamp=st.booleans())
def test_turns_keep_every_word_after_the_header(turns, colon, stamp):
    header = "Title: Test\nDate: 01/02/2025\nKey: I = Interviewer, R = Respondent\n\n"
    body = "\n".join(f"{f'[00:00:{i % 60:02d}] ' if stamp else ''}{who}: {' '.join(words)}"
                     for i, (who, words) in enumerate(turns))
    parsed = parse(header + body)
    assert [w for t in parsed.turns for w in t.text.split()] == [w for _, words in turns for w in words]
    assert speakers(parsed) == [who for who, _ in turns]
    assert set(parsed.roles.values()) <= {"resident", "facilitator", "unknown"}


LINE = st.text(alphabet=st.sampled_from(list("IRQAFMPabc :=-–*#<>v[]()0123456789\t.?")), max_size=40)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(LINE, max_size=30), choice=st.sampled_from([None, "resident", "skip"]))
def test_label_like_noise_only_raises_import_failed(lines, choice):
    try:
        parsed = parse("\n".join(lines), unlabelled=choice)
    except ImportFailed as exc:
        assert exc.problems and all(p.fix for p in exc.problems)
    else:
        assert parsed.turns and all(t.text.strip() for t in parsed.turns)
        assert set(parsed.roles) == set(parsed.speakers)
        assert all(not re.fullmatch(r"[A-Z]{1,5}\d{0,2}", n) for n in parsed.names)


def test_title_heading_bold_headers_and_numbered_respondents():
    parsed = parse("# Interview with a mum\n\n**Date:** 12 March 2025\n**Location:** Govan\n\n**I:** Hello.\n"
                   "**P:** Hi.\n**I:** And?\n**P:** Aye.\n", "a.md")
    assert parsed.metadata["title"] == "Interview with a mum" and str(parsed.metadata["date"]) == "2025-03-12"
    assert speakers(parsed) == ["I", "P", "I", "P"] and parsed.roles == {"I": "facilitator", "P": "resident"}
    group = parse("Facilitator: Hello all.\nR1: The buses.\nR2: Aye the buses.\nFacilitator: More?\nR1: Rent.\n")
    assert group.roles == {"Facilitator": "facilitator", "R1": "resident", "R2": "resident"}
    short = parse("Int: Hello.\nResp: Hi.\nInt: And?\nResp: Aye.\n")
    assert short.roles == {"Int": "facilitator", "Resp": "resident"}


def test_docx_metadata_table_then_interview_table():
    def build(document):
        fill(document.add_table(rows=3, cols=2), [("Date", "12/03/2025"), ("Interviewer", "Jane Smith"),
                                                   ("Location", "Govan")])
        document.add_paragraph("")
        fill(document.add_table(rows=4, cols=2), [("Speaker", "Text"), ("Interviewer", "Hello?"), ("Jean", "Hi."),
                                                   ("Interviewer", "Bye.")])

    parsed = T.parse("meta.docx", docx_bytes(build))
    assert [(t.speaker, t.text) for t in parsed.turns] == [("Interviewer", "Hello?"), ("Jean", "Hi."),
                                                           ("Interviewer", "Bye.")]
    assert parsed.metadata["facilitator"] == "Jane Smith" and parsed.metadata["location"] == "Govan"
    assert parsed.roles == {"Interviewer": "facilitator", "Jean": "resident"}
    assert set(parsed.names) == {"Jane Smith", "Jean"}


# --------------------------------------------------------------------------- qualifiers, name forms, codes
def test_a_bracketed_qualifier_after_a_label_opens_a_turn_and_says_who_is_staff():
    parsed = parse("Facilitator: Kirsteen Doig\n\nKirsteen: Welcome, everybody.\nJade: I'm Jade, I've two weans.\n"
                   "Siobhan (HV): Just pretend I'm no here.\nJade: The card stopped.\n"
                   "Siobhan (HV): What did they have on the system?\nJace (8): Can I get a biscuit?\n"
                   "Kirsteen: Aye, on ye go.\n")
    assert speakers(parsed) == ["Kirsteen", "Jade", "Siobhan", "Jade", "Siobhan", "Jace", "Kirsteen"]
    assert "HV" not in " ".join(t.text for t in parsed.turns)
    assert parsed.roles == {"Kirsteen": "facilitator", "Jade": "resident", "Siobhan": "facilitator",
                            "Jace": "resident"}
    dash = parse("Facilitator: Eilidh Mathieson\n\nEilidh - Okay, we're recording.\nMarek (WRO) - Just ignore me.\n"
                 "Sam - Council tax is the big one.\nMarek (WRO) - Bring your letters on Tuesday.\n"
                 "Sam - I'll be there.\n")
    assert dash.roles == {"Eilidh": "facilitator", "Marek": "facilitator", "Sam": "resident"}
    bold = parse("Facilitator: Gregor Mackle\n\n**Gregor (youth worker):** Phones away.\n**Tayla:** No going on the "
                 "trip.\n**Gregor (youth worker):** Why not?\n**Tayla:** Nae money.\n", "g.md")
    assert bold.roles == {"Gregor": "facilitator", "Tayla": "resident"}


def test_qualifier_roles():
    from triangulate.residents.labels import qualifier_role
    assert [qualifier_role(q) for q in ("HV", "interpreter", "youth worker", "notes", "lead", "Link Worker")] == \
        ["facilitator"] * 6
    assert [qualifier_role(q) for q in ("8", "mum", "14 years old", "P3")] == ["participant"] * 4
    assert qualifier_role("Dari") is None and qualifier_role("hv") is None


def test_the_facilitator_under_an_initialled_or_teams_ordered_name():
    initial = parse("Facilitator: Gillian Rennie\n\nGillian R: Thanks both.\nElspeth: I'm a home carer.\n"
                    "Gillian R: And you?\nDionne: Tills.\n")
    assert initial.roles == {"Gillian R": "facilitator", "Elspeth": "resident", "Dionne": "resident"}
    teams = parse("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Cowie, Pamela>Thanks for joining.</v>\n\n"
                  "00:00:05.000 --> 00:00:09.000\n<v Stacey Rodger>Nae bother.</v>\n", "call.vtt")
    assert T.suggest_roles(teams, "Pamela Cowie") == {"Cowie, Pamela": "facilitator", "Stacey Rodger": "resident"}


def test_a_reference_code_above_the_dialogue_is_metadata():
    parsed = parse("Sanctions - interview transcript\nRef: RU-04\nDate of interview: 22/01/2025\n"
                   "Key: I = Interviewer, R = Respondent\n\nI: How did the sanction start?\nR: A missed call.\n"
                   "I: And then?\nR: Four weeks with nothing.\n")
    assert speakers(parsed) == ["I", "R", "I", "R"] and parsed.metadata.get("interview") == "RU-04"


def test_staff_named_beside_the_facilitator_on_one_line_or_in_the_room_are_not_residents():
    parsed = parse("Facilitator: Struan Baxter. Note-taker: Ayesha Qureshi\n\nStruan: Thanks for coming.\n"
                   "Carly: My boy's at the hospital every week.\nAyesha: Sorry, was that every week?\n"
                   "Carly: Aye.\nStruan: And the bus?\n")
    assert speakers(parsed)[0] == "Struan" and parsed.metadata["note_taker"] == "Ayesha Qureshi"
    assert parsed.roles == {"Struan": "facilitator", "Carly": "resident", "Ayesha": "facilitator"}
    room = parse("Facilitator: Neil Ferrie\nAlso in the room: Yvonne Kinloch (nursery manager, joined later)\n\n"
                 "Neil: Tell me about your work.\nKieran: Shifts.\nYvonne: Can I come in there?\nKieran: Aye.\n")
    assert room.roles == {"Neil": "facilitator", "Kieran": "resident", "Yvonne": "facilitator"}
    mum = parse("Facilitator: Neil Ferrie\nAlso present: Kelly Orr (mum, Kieran's partner)\n\n"
                "Neil: Tell me about your work.\nKieran: Shifts.\nKelly: Nights, mostly.\nKieran: Aye.\n")
    assert mum.roles["Kelly"] == "resident"


def test_an_interpreter_passing_on_what_the_resident_says_is_not_a_resident():
    parsed = parse("Arabic interpreter present\n\nEM - Eilidh Munro\nTM - Tariq Mansour\nRH - Rania Haddad\n\n"
                   "EM Thank you. Tariq will interpret, is that OK?\nRH Yes.\nTM She says yes, she is happy.\n"
                   "EM Where do you live?\nTM She says a flat in Govanhill, two bedrooms.\nRH And mice.\n"
                   "TM The children are eleven and four.\nEM Thank you.\nTM She says thank you also.\n")
    assert parsed.roles["TM"] == "facilitator" and parsed.roles["RH"] == "resident"
    # no interpreting in the file: somebody retelling a conversation is still a resident
    story = parse("Facilitator: Eilidh Munro\n\nEilidh: What did the school say?\nJo: She says it's fine.\n"
                  "Eilidh: And then?\nJo: She says come back Monday.\nEilidh: Did you?\nJo: She said no.\n")
    assert story.roles["Jo"] == "resident"


def test_a_host_under_the_initials_of_a_hyphenated_given_name():
    parsed = parse("TL: Welcome back to the show. Donna, introduce yourself.\nDonna: Hiya, I'm a mum of two.\n"
                   "TL: And Bashir?\nBashir: I drive a taxi.\nTL: Thanks both.\n")
    assert T.suggest_roles(parsed, "Tommy-Lee Gilchrist") == {"TL": "facilitator", "Donna": "resident",
                                                               "Bashir": "resident"}


def test_a_line_like_a_key_after_the_talk_has_started_is_a_turn():
    parsed = parse("Facilitator: Ross Chalmers\n\nRoss - Right, JQ, ready?\nJQ - Aye. Can I be JQ?\n"
                   "Ross - Thanks, Jordan.\nJQ - Cheers Ross.\n")
    assert speakers(parsed) == ["Ross", "JQ", "Ross", "JQ"] and parsed.turns[-1].text == "Cheers Ross."


def test_a_place_in_a_header_is_not_a_participant_to_redact():
    parsed = parse("Young Carers Voices - Maryhill (YC-5)\nFacilitator: Ross Chalmers\n\nRoss - Right, ready?\n"
                   "JQ - Aye.\nRoss - Where do you live?\nJQ - Maryhill, by the canal.\n")
    assert "Maryhill" not in parsed.names and "Ross Chalmers" in parsed.names


def test_a_named_facilitator_under_an_anonymous_label_is_the_one_asking():
    text = ("Speaker 1  0:04\nSo can you both say who you are?\n\nSpeaker 2  0:15\nI'm his mum, I do the driving.\n\n"
            "Speaker 3  0:19\nAnd I'm the one in the chair, I'm seventeen now.\n\n"
            "Speaker 1  0:23\nHow do you get about?\n\n"
            "Speaker 2  0:30\nThe bus mostly, when the ramp works, which is no often.\n\nSpeaker 3  0:41\n"
            "The drivers are sound but the ramps are rotten.\n\nSpeaker 1  0:50\nAnd the hospital?\n\n"
            "Speaker 2  0:55\nTaxis. Forty quid a time, there and back, every month.\n\nSpeaker 3  1:05\n"
            "I hate the taxis, they smell of air freshener.\n")
    parsed = parse(text, "otter.txt")
    roles = {"Speaker 1": "facilitator", "Speaker 2": "resident", "Speaker 3": "resident"}
    assert parsed.roles == roles and any("guessed from who asks" in w for w in parsed.warnings)  # no name: a guess
    assert T.suggest_roles(parsed, "Fraser Guthrie") == {"Speaker 1": "facilitator", "Speaker 2": "resident",
                                                          "Speaker 3": "resident"}


def test_staff_by_the_organisation_after_their_name_and_a_second_facilitator_in_brackets():
    teams = parse("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Hannah Kirk>Thanks for joining.</v>\n\n"
                  "00:00:05.000 --> 00:00:09.000\n<v Pam (GHA Tenancy Support)>Just listening in.</v>\n\n"
                  "00:00:10.000 --> 00:00:14.000\n<v Jodie Bryce>The meter ate forty quid.</v>\n\n"
                  "00:00:15.000 --> 00:00:19.000\n<v Sam Reid (Guest)>Same here.</v>\n", "call.vtt")
    assert T.suggest_roles(teams, "Hannah Kirk") == {"Hannah Kirk": "facilitator", "Pam (GHA Tenancy Support)":
                                                     "facilitator", "Jodie Bryce": "resident",
                                                     "Sam Reid (Guest)": "resident"}
    group = parse("Facilitator: Yvonne Carswell (co-facilitator: Dev Sharma)\n\nYvonne: Hello all.\nDev: Hi.\n"
                  "P1: Hiya.\nYvonne: What costs most?\nP1: Uniforms.\nDev: And trips?\n")
    assert group.roles == {"Yvonne": "facilitator", "Dev": "facilitator", "P1": "resident"}
    assert "Dev Sharma" in group.names


def test_a_venue_in_a_free_form_header_line_is_not_a_name():
    parsed = parse("Debt and mental health interview\nFacilitator: Neil Gormley\n04/12/2026 - Parkhead Hub, room 2\n\n"
                   "Neil: Thanks for coming in.\nDani: Aye.\nNeil: Where do we start?\nDani: The council tax.\n")
    assert "Parkhead Hub" not in parsed.names and "Neil Gormley" in parsed.names


def test_staff_named_beside_the_facilitator_or_in_a_list_of_who_was_there():
    sat_in = parse("Facilitator: Niamh Corrigan (Gillian from the nursery sat in)\n\nNiamh: Who has childcare?\n"
                   "Gillian: Just listening.\nDean: Me, two days.\nNiamh: And you?\nOksana: Nursery.\n")
    assert sat_in.roles["Gillian"] == "facilitator" and sat_in.roles["Dean"] == "resident"
    with_adviser = parse("Facilitator: Fraser Lindsay with Parveen Akhtar (money adviser) present\n\n"
                         "FL - Fraser Lindsay\nPA - Parveen Akhtar\nKMcL - Kathleen McLaughlin\nKMu - Kenny Muldoon\n\n"
                         "FL Welcome back.\nPA Biscuits.\nKMcL Council tax.\nKMu Catalogues.\nFL Right.\n")
    assert with_adviser.speakers == ["FL", "PA", "KMcL", "KMu"]
    assert with_adviser.roles == {"FL": "facilitator", "PA": "facilitator", "KMcL": "resident", "KMu": "resident"}
    present = parse("Facilitator: Heather Dunsmuir\nPresent: Heather Dunsmuir (researcher), Tunde Okonkwo (Family "
                    "Support Worker, St Cuthbert's Primary), 3 parents\n\nHeather (00:00:04): Hello.\n"
                    "Tunde O (00:00:16): Aye.\nGemma (00:00:28): True.\nHeather (00:00:30): So?\n")
    assert present.roles["Tunde O"] == "facilitator" and present.roles["Gemma"] == "resident"


def test_a_job_as_a_label_and_a_bracket_or_dash_after_a_subtitle_name_say_staff():
    srt = ("1\n00:00:01,000 --> 00:00:03,000\nMORVEN: Right, is this on?\n\n2\n00:00:04,000 --> 00:00:06,000\n"
           "LIAM (YW): And I'm Liam.\n\n3\n00:00:07,000 --> 00:00:09,000\nKYLE: We're always nice.\n")
    parsed = parse(srt, "youth.srt")
    assert parsed.speakers == ["MORVEN", "LIAM (YW)", "KYLE"] and parsed.roles["LIAM (YW)"] == "facilitator"
    vtt = parse("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Lynsey Brannan - Kinship Team>Hello.</v>\n\n"
                "00:00:05.000 --> 00:00:09.000\n<v Agata Nowicka>Hi.</v>\n", "call.vtt")
    assert vtt.roles["Lynsey Brannan - Kinship Team"] == "facilitator"
    table = parse("Facilitator: Hello.\nWelfare Rights: You're owed it.\nParticipant 1: Aye.\nFacilitator: Right.\n")
    assert table.roles["Welfare Rights"] == "facilitator" and table.roles["Participant 1"] == "resident"


def test_a_participant_whose_note_mentions_a_job_and_a_named_label_stay_residents():
    present = parse("Facilitator: Heather Dunsmuir\nPresent: Jean Smith (parent, works as a teacher)\n\n"
                    "Heather: What is hardest?\nJean: The rent, every month.\nHeather: And?\nJean: The gas.\n")
    assert present.roles["Jean"] == "resident"
    church = parse("Facilitator: Hello.\nGrace Church: We go on Sundays.\nFacilitator: Right.\n")
    assert church.roles["Grace Church"] == "resident"


def test_initials_that_spell_a_staff_abbreviation_are_still_a_person():
    parsed = parse("RI - Rhona Ingram\nSW - Sandy Watt\n\nRI What made you go into it?\nSW My gran, really. She "
                   "fostered for thirty years and I grew up with it.\nRI And now?\nSW Now I do it myself, aye.\n"
                   "RI What's hardest?\nSW The paperwork, honestly, and the waiting.\n")
    assert parsed.roles == {"RI": "facilitator", "SW": "resident"}


def test_staff_in_a_bracketed_note_a_slash_pair_or_a_co_facilitator_with_a_job_first():
    noted = parse("Calton pantry chat\nFacilitator: Ailsa Dunlop\n(also present: Wendy Cassidy, pantry coordinator)\n\n"
                  "Ailsa: What brings you?\nWendy: Just listening.\nMarie: The prices.\nAilsa: And?\nMarie: Aye.\n")
    assert noted.roles["Wendy"] == "facilitator" and noted.roles["Marie"] == "resident"
    from triangulate.residents.labels import split_names
    assert split_names("Maureen Carty / Co-facilitator: Chiamaka Eze") == ["Maureen Carty", "Chiamaka Eze"]
    assert split_names("Gary Moodie (youth & family worker, co-facilitating: Tariq Bashir)") == \
        ["Gary Moodie", "Tariq Bashir"]
    assert split_names("Craig Donnachie (with Yvonne Mair from Home-Start taking notes)") == \
        ["Craig Donnachie", "Yvonne Mair"]


def test_an_int_label_that_passes_on_what_she_says_is_the_interpreter_not_the_asking_side():
    text = ("Family interview\n(Romanian interpreter present)\n\nEK - Euan Kilbride\nINT - Mirela Stoica\n"
            "LC - Lavinia Stoica\n\nEK Could you tell her we are recording?\nINT Yes. She says okay, no problem.\n"
            "EK How many live in the flat?\nINT She says eight. The children too.\nEK And the landlord?\n"
            "INT She says no contract. He never gave paper.\nEK Anything else?\nINT The boiler. She says cold.\n")
    parsed = parse(text)
    assert parsed.roles["INT"] == "facilitator" and parsed.roles["EK"] != "resident"
    assert parsed.metadata.get("interpreted") == "yes"


def test_staff_introduced_only_in_speech_are_not_residents():
    group = parse("Gail: Thanks for coming. This is Morven, she's fae the money advice, she's just sitting in.\n"
                  "Morven: Hiya. Pretend I'm no here.\nTracey: I'm behind on the council tax.\n"
                  "Gail: How did that happen?\nTracey: My ex moved oot.\nMorven: You might get the discount back.\n"
                  "Colette: Morven, can they get in your hoose?\nGail: What about the catalogues?\n"
                  "Colette: Don't start me.\nGail: And the gas?\n")
    assert group.roles["Morven"] == "facilitator"
    assert any(w.startswith("Morven read as staff") and "money advice" in w for w in group.warnings)
    assert group.roles["Tracey"] != "facilitator" and group.roles["Colette"] != "facilitator"
    home = parse("Interviewer: Joanne Peat\n\nJoanne: Is it all right if I start?\nChantelle: Aye. Oh, that's Gary at "
                 "the door. He's my housing officer, he said he'd pop in.\nGary H: Sorry I'm late.\n"
                 "Joanne: How long have you been in the hotel?\nChantelle: Eleven weeks.\n")
    assert home.roles == {"Joanne": "facilitator", "Chantelle": "resident", "Gary H": "facilitator"}
    initials = parse("LM - So Iain's come with me the day because he's an energy adviser.\nDC - Fine by me.\n"
                     "IW - I'll only butt in if you want me to.\nLM - When did the meter go in?\nDC - March.\n"
                     "PC - Iain, are they allowed tae dae that?\nIW - Not without a visit.\n")
    assert initials.roles["IW"] == "facilitator" and initials.roles["DC"] != "facilitator"


def test_a_worker_who_says_so_herself_or_joins_a_call_and_a_header_split_after_a_bracket():
    call = parse("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Lesley Gourlay (Glasgow Uni)>Hi Roxanne, can you hear "
                 "me? I've got Abimbola on as well from the Maryhill Integration Network.</v>\n\n00:00:05.000 --> "
                 "00:00:08.000\n<v Barry Nisbet>Hiya Roxy, it's Barry fae the Glasgow Homelessness Network. I'll just "
                 "sit in if that's alright.</v>\n\n00:00:09.000 --> 00:00:12.000\n<v Abimbola Okafor>That's fine, no "
                 "camera is fine.</v>\n\n00:00:13.000 --> 00:00:16.000\n<v Roxanne>Hiya. The hotel's a nightmare."
                 "</v>\n\n00:00:17.000 --> 00:00:20.000\n<v Lesley Gourlay (Glasgow Uni)>How long?</v>\n", "c.vtt")
    assert call.roles == {"Lesley Gourlay (Glasgow Uni)": "facilitator", "Barry Nisbet": "facilitator",
                          "Abimbola Okafor": "facilitator", "Roxanne": "resident"}
    home = parse("Interviewer: Gavin Nisbet (research team). Health visitor present: Ruth Abernethy\n\n"
                 "Gavin: Thanks for letting us in.\nChantelle: Aye, nae bother.\nRuth (HV): I'll keep quiet.\n"
                 "Gavin: How's the flat?\nChantelle: Damp.\n")
    assert home.roles == {"Gavin": "facilitator", "Chantelle": "resident", "Ruth": "facilitator"}


def test_a_worker_whose_job_the_next_sentence_gives_by_name():
    text = ("Facilitator: Fraser Dunn\n\nFraser: Thanks for coming. And this is Iain. Iain's a caseworker wi' the "
            "homelessness team. He's just listening the day.\nShona: Hiya.\nIain: Just think of me as furniture.\n"
            "Fraser: What's the worst bit?\nShona: The damp.\nIain: That's worth checking, Shona.\n")
    assert parse(text).roles == {"Fraser": "facilitator", "Shona": "resident", "Iain": "facilitator"}


def test_a_pal_introduced_without_a_job_stays_a_resident():
    text = ("Facilitator: Ruth Haddow\n\nRuth: Welcome, everybody.\nDonna: This is Lindsay, she's fae the same "
            "close as me, she's just come along.\nLindsay: Hiya.\nRuth: What costs the most?\nLindsay: The uniform.\n")
    assert parse(text).roles["Lindsay"] == "resident"


def test_a_teams_surname_first_label_in_a_stamped_text_export_and_a_recorded_date():
    text = ("Meeting: Tenants' check-in (Microsoft Teams)\nFacilitator: Kirsteen Meikle\nRecorded: 12/11/2024\n\n"
            "[00:00:41] Meikle, Kirsteen: Can everybody hear me? I've got a colleague on the call: Craig, who's a "
            "housing officer.\n[00:00:49] Jolene F (Guest): Sorry, the wean's been at the laptop.\n"
            "[00:00:56] Craig Dunnet (East End HA): Hi all.\n[00:01:25] Ross: Is this getting recorded?\n"
            "[00:01:29] Meikle, Kirsteen: It is, Ross.\n")
    parsed = parse(text)
    assert parsed.speakers == ["Meikle, Kirsteen", "Jolene F", "Craig Dunnet", "Ross"]
    assert str(parsed.metadata["date"]) == "2024-11-12"
    assert parsed.roles == {"Meikle, Kirsteen": "facilitator", "Jolene F": "resident", "Craig Dunnet": "facilitator",
                            "Ross": "resident"}


def test_a_numbered_participant_who_says_she_is_staff_a_group_header_and_staff_by_their_organisation():
    text = ("Group: Summer holidays and the cost of keeping weans busy\nFacilitator: Catriona Baillie\n"
            "Also present: Rachel Osei (Early Years, Glasgow City Council)\n\n"
            "Catriona: Thanks for coming, everyone.\nP1: I'm Jodie. Two boys.\nP4: I'm Lorraine. I'm here as the "
            "family support worker from the hub. I'm just sitting in.\nRachel O: Hi all.\nP1: The holidays are "
            "dear.\nCatriona: How dear?\nP2: Two hundred a week.\n")
    parsed = parse(text)
    assert "Group" not in parsed.speakers and parsed.speakers[0] == "Catriona"
    assert parsed.roles["P4"] == "facilitator" and parsed.roles["Rachel O"] == "facilitator"
    assert parsed.roles["P1"] == "resident" and parsed.roles["P2"] == "resident"
    mum = parse("Facilitator: Catriona Baillie\nAlso present: Jo Bell (mum, works at the school)\n\n"
                "Catriona: Hello.\nJo: Hiya.\nCatriona: How are things?\nJo: Dear.\n")
    assert mum.roles["Jo"] == "resident"


def test_a_recorded_line_with_the_facilitator_after_it_a_short_form_label_and_an_interpreter_in_a_header():
    docx_like = parse("Recorded 20 Nov 2025 at Arden community hub. Facilitator: Megan Sloan\n\n"
                      "Megan: ok thanks both for coming. who wants to start\nTash: me. i've got two.\n"
                      "Megan: where were you\nDanielle: i'm still in temporary.\n")
    assert str(docx_like.metadata["date"]) == "2025-11-20" and docx_like.metadata["facilitator"] == "Megan Sloan"
    assert docx_like.roles == {"Megan": "facilitator", "Tash": "resident", "Danielle": "resident"}
    # `Gav` is Gavin Shields, the youth worker the header names beside the researcher
    youth = parse("Facilitators: Lynsey Crawford (research team) with Gavin Shields (youth worker)\n\n"
                  "Lynsey - What costs money?\nDeeks - Everything.\nGav - Who slaughtered you?\nMols - Naebody.\n"
                  "Lynsey - Your phone?\nDeeks - Aye.\nGav - Sorry, hen.\nMols - Cheers, Gav.\n")
    assert youth.roles == {"Lynsey": "facilitator", "Deeks": "resident", "Gav": "facilitator", "Mols": "resident"}
    # a `Key: value` header that says interpreting happens lets the one passing "She says…" on be the interpreter
    interpreted = parse("Move-on from asylum support: family interview (Tigrinya interpreter present)\n"
                        "Facilitator: Hannah Petrie\n\nHP - Hannah Petrie\nYT - Yonas Tesfay\nSG - Selam Gebremedhin"
                        "\n\nHP Thank you both. Can she tell me who is here?\nYT She says two children.\n"
                        "SG Four. Nine.\nHP When did she get status?\nYT In November. She says the letter came.\n"
                        "HP And then?\nYT She says twenty-eight days is nothing.\n")
    assert interpreted.metadata.get("interpreted") == "yes"
    assert interpreted.roles == {"HP": "facilitator", "YT": "facilitator", "SG": "resident"}


def test_numbered_labels_in_subtitles_a_job_phrase_label_and_staff_who_say_their_part():
    cues = ["Facilitator: Thanks for coming in.", "Interpreter (Arabic): And I'm Nadia, interpreting for Hanan.",
            "Parent 4: Nae bother, hen.", "Parent 1: You dae, Bernie.", "Facilitator: Who wants to start?",
            "Parent 4: Me. Six weeks, nae school dinners."]
    srt = "".join(f"{i}\n00:00:{i:02d},000 --> 00:00:{i:02d},900\n{c}\n\n" for i, c in enumerate(cues, 1))
    parsed = parse(srt, "holidays.srt")
    assert speakers(parsed) == ["Facilitator", "Interpreter (Arabic)", "Parent 4", "Parent 1", "Facilitator",
                                "Parent 4"]
    assert parsed.roles["Parent 4"] == "resident" and parsed.roles["Interpreter (Arabic)"] == "facilitator"
    # `Link worker:` opens turns (a `Link:` header is something else)
    group = parse("[00:00:12] Facilitator: Right, welcome back.\n[00:00:53] Link worker: Hiya, everybody.\n"
                  "[00:01:12] Participant 1: Aye. I got a job.\n[00:03:09] Link worker: Are you getting sleep?\n"
                  "[00:03:23] Participant 1: Four hours.\n")
    assert speakers(group) == ["Facilitator", "Link worker", "Participant 1", "Link worker", "Participant 1"]
    assert group.roles["Link worker"] == "facilitator" and group.roles["Participant 1"] == "resident"
    # "I'm the health visitor", "I'm also the welfare rights worker", "Jamie is co-hosting with me"
    bold = parse("Facilitator: Lauren Doig\n\n**Lauren:** Thanks for coming.\n**Rhona:** Hiya, aye, I'm the health "
                 "visitor for most of yous.\n**Chantelle:** The formula's a fortune.\n**Rhona:** It covers first "
                 "infant formula.\n**Lauren:** And nappies?\n**Chantelle:** Dear.\n", "baby.md")
    assert bold.roles == {"Lauren": "facilitator", "Rhona": "facilitator", "Chantelle": "resident"}
    mum = parse("Facilitator: Lauren Doig\n\nLauren: Hello.\nJo: I'm a carer myself, at the home.\nLauren: Hard?\n"
                "Jo: Aye.\n")
    assert mum.roles["Jo"] == "resident"
    teams = parse("Eilidh Strachan: I'm Eilidh, the researcher, and Jamie is co-hosting with me.\n"
                  "Jamie Lockhart: Evening, everyone.\nDeclan McAleese: Hiya.\nEilidh Strachan: Declan, your boys?\n"
                  "Declan McAleese: Two.\nJamie Lockhart: Did you get the clothing grant?\n")
    assert T.suggest_roles(teams, "Eilidh Strachan") == {"Eilidh Strachan": "facilitator",
                                                         "Jamie Lockhart": "facilitator",
                                                         "Declan McAleese": "resident"}


def test_the_form_may_name_the_facilitator_by_the_label_an_otter_export_gives():
    otter = parse("Speaker 1  0:04\nIs that thing on?\n\nSpeaker 2  0:11\nNaw, it's just the recorder. I'm Lynne, I "
                  "run the cafe.\n\nSpeaker 1  0:34\nWell you know me fine.\n\nSpeaker 3  0:40\nI'm just here for the "
                  "soup.\n\nSpeaker 2  0:52\nHow's the meter?\n\nSpeaker 1  1:03\nEmpty.\n")
    assert T.suggest_roles(otter, "Speaker 2") == {"Speaker 1": "resident", "Speaker 2": "facilitator",
                                                   "Speaker 3": "resident"}


def test_an_otter_speaker_who_first_speaks_right_after_a_worker_is_introduced_is_that_worker():
    text = ("Speaker 1  0:04\nIs that thing on?\n\nSpeaker 2  0:11\nIt's just the recorder. I'm Lynne, I run the cafe."
            "\n\nSpeaker 3  0:40\nI'm just here for the soup.\n\nSpeaker 2  2:57\nOh, here he is. This is Rashid, he's "
            "fae the money advice, he's gonnae sit in for a wee while.\n\nSpeaker 4  3:17\nHiya. Don't let me stop "
            "you.\n\nSpeaker 1  3:30\nCan I ask you about the Kinship Care Allowance?\n\nSpeaker 4  3:40\nAye, it "
            "doesnae come aff.\n")
    assert T.suggest_roles(parse(text), "Speaker 2") == {"Speaker 1": "resident", "Speaker 2": "facilitator",
                                                         "Speaker 3": "resident", "Speaker 4": "facilitator"}
    # the room is asked something after the introduction: the next voice answers it, and may be anyone
    asked = text.replace("for a wee while.", "for a wee while. Who wants to start?")
    assert T.suggest_roles(parse(asked), "Speaker 2")["Speaker 4"] == "resident"


def test_after_an_introduction_that_asks_the_room_the_nameless_newcomer_who_opens_by_asking_is_the_worker():
    text = ("Eilidh Rankin  0:02\nOkay, that's Otter going. Callum's here fae the early years team, he's sitting in "
            "for the nursery bit. Right, Orla's three now, is she?\n\nSpeaker 3  0:20\nShe turned three in May."
            "\n\nSpeaker 2  0:26\nSo she's due her full hours. Has she got a place anywhere yet?\n\nSpeaker 3  0:34"
            "\nThe one at the shops is full.\n\nSpeaker 4  0:40\nAnd it's two buses.\n\nEilidh Rankin  0:50\n"
            "How's the money?\n")
    assert T.suggest_roles(parse(text), "Eilidh Rankin") == {"Eilidh Rankin": "facilitator", "Speaker 3": "resident",
                                                             "Speaker 2": "facilitator", "Speaker 4": "resident"}


def test_a_guest_labelled_by_the_device_they_joined_on_opens_a_turn():
    text = ("[00:00:03] Moira Quigley: Can you hear me, Lorraine?\n"
            "[00:00:09] Lorraine's iPhone: Aye, I can hear you fine.\n"
            "[00:00:15] Moira Quigley: Great. Who lives with you?\n"
            "[00:00:20] Lorraine's iPhone: Me and the two weans.\n")
    parsed = parse(text)
    assert speakers(parsed) == ["Moira Quigley", "Lorraine's iPhone"] * 2
    assert suggest(parsed, "Moira Quigley") == {"Moira Quigley": "facilitator", "Lorraine's iPhone": "resident"}


def test_a_role_after_a_dash_before_the_colon_says_staff_in_text_and_in_subtitles():
    text = ("Alan Petrie: Thanks for coming in.\nTuan - Interpreter: She says thank you.\nAlan Petrie: Who is at "
            "home?\nHoa Le: My son.\nTuan - Interpreter: Her son, he is nine.\nMum - she said: no.\n")
    parsed = parse(text)
    assert speakers(parsed)[:5] == ["Alan Petrie", "Tuan", "Alan Petrie", "Hoa Le", "Tuan"]
    assert suggest(parsed, "Alan Petrie")["Tuan"] == "facilitator"
    srt = ("1\n00:00:01,000 --> 00:00:03,000\nAlan Petrie: Can I ask about the flat?\n\n"
           "2\n00:00:03,200 --> 00:00:06,000\nTuan - Interpreter: We rent, two rooms.\n\n"
           "3\n00:00:06,200 --> 00:00:08,000\nHoa Le: Yes.\n\n"
           "4\n00:00:08,200 --> 00:00:09,000\nTom's iPad: Sorry, I'm late.\n")
    subtitles = parse(srt, "call.srt")
    assert speakers(subtitles) == ["Alan Petrie", "Tuan - Interpreter", "Hoa Le", "Tom's iPad"]
    assert suggest(subtitles, "Alan Petrie")["Tuan - Interpreter"] == "facilitator"


def test_staff_introduced_from_a_named_organisation_or_by_a_pet_form_but_not_a_namesake_or_those_addressed():
    group = parse("Euan: Right, I'm Euan. And this is Faith, she's fae Home-Start Glasgow North, she's sitting in "
                  "the day.\nJackie: Hiya.\nFaith: Hi everyone.\nEuan: So, school uniforms?\nJackie: A fortune.\n"
                  "Faith: There's a grant for that.\n", "g.txt")
    assert suggest(group, "Euan") == {"Euan": "facilitator", "Jackie": "resident", "Faith": "facilitator"}
    call = parse("<v Morag Ure>Bernie's on too, she's the family link worker at the school.</v>\n"
                 "<v Kane, Bernadette>Hiya.</v>\n<v shona d>Hiya Bernie.</v>\n", "c.txt")
    assert suggest(call, "Morag Ure")["Kane, Bernadette"] == "facilitator"
    namesakes = parse("Facilitator: Karen Lennox\n\nKL - Karen Lennox\nKM - Karen McAteer\nGH - Gerry Hume\n\n"
                      "KL I'm Karen Lennox, I run the group, and Gerry here is sitting in fae the kinship team.\n"
                      "KM Hiya. It's Kaz to everybody.\nGH Hi folks.\nKL So, money?\nKM Tight.\n", "k.txt")
    assert suggest(namesakes) == {"KL": "facilitator", "KM": "resident", "GH": "facilitator"}
    addressed = parse("Dean: Kirsty, Stuart, you know Yvonne's come along from Home Energy Scotland as well.\n"
                      "Kirsty: Aye, that's why I said yes.\nYvonne: Hi both.\nStuart: Hiya.\nDean: Right, meters?\n"
                      "Kirsty: Don't start me.\n", "a.txt")
    assert suggest(addressed, "Dean") == {"Dean": "facilitator", "Kirsty": "resident", "Yvonne": "facilitator",
                                          "Stuart": "resident"}


def test_subtitle_cues_under_a_teams_surname_first_label_and_staff_by_their_charity_or_a_co_fac_note():
    srt = ("1\n00:00:01,000 --> 00:00:03,000\nRhona Bell: Can everybody hear?\n\n"
           "2\n00:00:03,200 --> 00:00:06,000\nCrawford, Jackie: We can hear ye fine.\n\n"
           "3\n00:00:06,200 --> 00:00:08,000\nRight, Sarah: that was the bell.\n")
    assert speakers(parse(srt, "s.srt")) == ["Rhona Bell", "Crawford, Jackie"]
    table = parse("Facilitator: Morag Tennant\n\nMorag (00:00:04): Thanks for coming. Claire's here as well.\n"
                  "Claire Rafferty (Home-Start) (00:00:35): She's a wee bit nervous.\nLoredana (00:00:40): Hello.\n"
                  "FD (co-fac) (00:00:50): Call me Fraz.\nMorag (00:01:00): So, the flat?\n"
                  "Loredana (00:01:09): Cold.\n")
    assert suggest(table) == {"Morag": "facilitator", "Claire Rafferty": "facilitator", "Loredana": "resident",
                              "FD": "facilitator"}


def test_workers_who_give_their_name_with_their_service_or_their_part_and_a_resident_sharing_a_workers_name():
    call = parse("<v Cat Haddow>Welcome, everyone.</v>\n<v Donna K>Hiya.</v>\n"
                 "<v Galaxy A33>Hello? It's Mo, fae the money advice, Siobhan sent me the link.</v>\n"
                 "<v Cat Haddow>Thanks, Mo.</v>\n<v Speaker 5>Sorry, I'm Callum, I'm the student on placement.</v>\n"
                 "<v Speaker 6>Sorry I'm late, I'm Kieran, I'm just doing the notes.</v>\n"
                 "<v Ged R>I'm Ged, I do the money advice at the larder on a Tuesday.</v>\n<v Donna K>Hiya Ged.</v>\n",
                 "c.txt")
    assert suggest(call, "Cat Haddow") == {"Cat Haddow": "facilitator", "Donna K": "resident",
                                           "Galaxy A33": "facilitator", "Speaker 5": "facilitator",
                                           "Speaker 6": "facilitator", "Ged R": "facilitator"}
    claires = parse("Gillian: Welcome. This is Claire, she's fae the health visiting team, she's sitting in.\n"
                    "Claire D (HV): Hiya.\nClaire B: See there's two of us Claires.\nGillian: So, money?\n"
                    "Claire B: Tight.\n", "g.txt")
    assert suggest(claires, "Gillian") == {"Gillian": "facilitator", "Claire D": "facilitator",
                                           "Claire B": "resident"}


def test_workers_named_with_their_job_or_a_body_joining_on_a_bare_device_and_not_the_one_they_are_there_for():
    call = parse("[00:00:03] Iona Fyfe: Right, we're recording.\n[00:00:09] Eilidh R: Hiya.\n"
                 "[00:03:27] iPhone: Hiya, sorry. It's Gail. My laptop's died so I'm on my phone.\n"
                 "[00:03:38] Eilidh R: That's Gail, she's my link worker fae the doctor's.\n"
                 "[00:03:48] Iona Fyfe: Thanks for joining, Gail.\n")
    assert suggest(call, "Iona Fyfe") == {"Iona Fyfe": "facilitator", "Eilidh R": "resident", "iPhone": "facilitator"}
    group = parse("Eilidh - Hi, everyone. I'm Eilidh. Nadia's here too, she'll be writing things down for me. And "
                  "Gemma's the health visitor, so you'll know her.\nGemma - Hiya all.\nNadia - Pretend I'm no here.\n"
                  "Leah - Hiya.\nEilidh - So, prams?\nLeah - A fortune.\nGemma - There's a grant.\n"
                  "Nadia - Got that.\n", "g.txt")
    assert suggest(group, "Eilidh") == {"Eilidh": "facilitator", "Gemma": "facilitator", "Nadia": "facilitator",
                              "Leah": "resident"}
    teams = parse("<v Sian P>Nasrin is here from the Maryhill Integration Network, and Beata is interpreting for "
                  "Agata.</v>\n<v Nasrin A (MIN)>Hello everyone.</v>\n<v Beata K>Hello.</v>\n<v Agata N>Yes.</v>\n"
                  "<v Joao P (Guest)>I'm Joao, from Sao Paulo, in Brazil. Two children.</v>\n"
                  "<v Priya>Sorry I'm late. It's Priya, from Christians Against Poverty.</v>\n", "t.txt")
    roles = suggest(teams, "Sian P")
    assert roles["Nasrin A (MIN)"] == roles["Priya"] == "facilitator", roles
    assert roles["Agata N"] == roles["Joao P (Guest)"] == "resident", roles


def test_a_label_with_a_qualifier_again_and_again_is_a_speaker_though_its_first_word_opens_prose():
    text = ("Rowan L (00:00:05): Hello, Steven.\nSteven M (00:00:09): Hiya.\n"
            "Money Advice Drumchapel (Guest) (00:02:15): Hiya, it's Callum.\nRowan L (00:02:20): Welcome.\n"
            "Money Advice Drumchapel (Guest) (00:02:34): Stevie, how much is it?\nSteven M (00:02:40): Loads.\n")
    parsed = parse(text)
    assert "Money Advice Drumchapel" in speakers(parsed)
    assert suggest(parsed, "Rowan L")["Money Advice Drumchapel"] == "facilitator"


def test_workers_from_a_one_word_charity_co_running_or_named_by_a_pronoun_and_a_lower_case_zoom_guest():
    shed = parse("**Niall:** Right, lads. And Paul is here fae Home-Start, some of yous know him.\n"
                 "**Paul:** Aye, hiya. I'm just sitting in.\n**Archie:** Hiya Paul.\n**Niall:** So, money?\n"
                 "**Archie:** Skint.\n**Paul:** There's a grant.\n", "s.md")
    assert suggest(shed, "Niall") == {"Niall": "facilitator", "Paul": "facilitator", "Archie": "resident"}
    group = parse("Marianne: Thanks all. I'm Marianne, and this is Iona, who's running it wi' me the day.\n"
                  "Iona: Hi everyone.\nMarianne: And Bernadette you'll maybe know. She's one of the health visitors "
                  "fae the health centre.\nBernadette: Hiya.\nSkye: Hiya Bernie.\nIona: So, childcare?\n"
                  "Skye: Dear.\nBernadette: There's the two-year-old place.\n", "g.txt")
    assert suggest(group, "Marianne") == {"Marianne": "facilitator", "Iona": "facilitator",
                                          "Bernadette": "facilitator", "Skye": "resident"}
    asked = parse("Callum: We've got Ruth wi' us the day, she's the link worker at the practice, and she's here "
                  "because Bernie asked her along.\nRuth: Glad to be here.\nBernie: Me. I'm a home carer.\n"
                  "Callum: Right.\nBernie: Thirty hours.\nRuth: That's common.\n", "a.txt")
    assert suggest(asked, "Callum")["Bernie"] == "resident"
    zoom = parse("[00:00:10] Catriona L: Can you hear me?\n[00:00:22] roisin t: Aye, nae bother.\n"
                 "[00:00:30] Catriona L: Who's at home?\n[00:00:39] roisin t: Me and the two weans.\n")
    assert speakers(zoom) == ["Catriona L", "roisin t"] * 2
    call = parse("<v Morag D>Welcome.</v>\n<v Redmi Note 13>Hello, it's me.</v>\n"
                 "<v Rukhsana I (HSLW)>Hiya Morag.</v>\n<v Redmi Note 13>Three weans.</v>\n", "v.txt")
    assert suggest(call, "Morag D") == {"Morag D": "facilitator", "Redmi Note 13": "resident",
                                        "Rukhsana I (HSLW)": "facilitator"}
