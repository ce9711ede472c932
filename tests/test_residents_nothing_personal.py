"""Nothing personal outside the text either: plant names everywhere a researcher could put them, save, analyse,
then look for every one of them in every text column of every table and in every file under the data folder.

Where the names are planted (and what is expected to catch them today):
- the file name `govan_interview_morag_mcallister.md` (lower case: the label redaction matches every word
  against the people the transcript names);
- the YAML front matter `speakers:` and `hosts:` (the parser lists them in `ParsedTranscript.names`);
- the speaker labels `Claire Boyle:` / `Morag McAllister:` (pseudonymised labels);
- the text, as full names, first names alone, surnames alone and a possessive, written with capitals as the
  file gives them (any-case matching in the text is the redaction helper's work, not planted here);
- the facilitator typed in the form (`Fiona Gallacher`), named only there and in the text;
- the title and the consent basis the researcher types.
"""
from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import MetaData, select
from sqlmodel import Session

from schemas import Transcript, Ward
from triangulate.codebook import issues as codebook
from triangulate.core.config import data_dir
from triangulate.core.permissions import SYSTEM, Actor
from triangulate.residents import store as residents
from triangulate.residents import topics

pytestmark = pytest.mark.slow  # spaCy, MiniLM and a BERTopic fit

RESEARCHER = Actor("res", "researcher")
PEOPLE = ["Morag McAllister", "Claire Boyle", "Fiona Gallacher"]
PLANTED = sorted({part for full in PEOPLE for part in [full, *full.split()]}, key=str.lower)
FILENAME = "govan_interview_morag_mcallister.md"

ANSWERS = [  # 36 resident answers over a few issues, so the analysis fits a real topic model and saves it
    "The damp in the bedroom is terrible and there is black mould on the walls again this winter.",
    "Our landlord never fixes the leak in the roof, the housing association just paints over the mould.",
    "We are four in a two-bedroom flat and the weans share a bed because of the overcrowding.",
    "The bus from Govan Cross never comes on time and the fares keep going up every year.",
    "Getting the wean to nursery takes two buses and an hour, the bus service is a joke.",
    "I cannot afford the train into town, so I walk everywhere with the pram in the rain.",
    "The food bank at the church helps us get through the last week before the money comes in.",
    "Some weeks I skip meals so the kids can eat, the shopping costs double what it did.",
    "The price of milk and bread has gone mad, I buy the value range and still run short.",
    "Nursery hours do not fit my shifts at the supermarket, so I had to cut my hours.",
    "The after-school club costs fifteen pound a day, which is more than I earn in two hours.",
    "Childcare in the holidays is impossible, my mum watches them but she is not well.",
] * 3


def transcript_bytes() -> bytes:
    lines = ["---", "speakers: [Morag McAllister, Claire Boyle]", "hosts: Claire Boyle", "ward: Govan",
             "date: 2024-10-14", "method: interview", "---", ""]
    for i, answer in enumerate(ANSWERS):
        question = ["Thanks for coming, Morag. What is hard just now?", "Tell me more about that, Morag.",
                    "And how does that affect the family?"][i % 3]
        lines.append(f"Claire Boyle: {question} ({i + 1})")
        extra = {0: " Fiona Gallacher from the hub came to see it.", 4: " McAllister is on the letter.",
                 8: " Claire said she would phone them.", 10: " Gallacher wrote it down.",
                 14: " Fiona knows all about it.", 20: " Boyle's team were good about it."}.get(i, "")
        lines.append(f"Morag McAllister: {answer}{extra} (answer {i + 1})")
    return "\n".join(lines).encode()


def _every_text(engine) -> list[tuple[str, str, str]]:
    """(table, column, value) for every value of every column of every table, bytes read as Latin-1."""
    meta = MetaData()
    meta.reflect(engine)
    out = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    if isinstance(value, (bytes, bytearray, memoryview)):
                        text = bytes(value).decode("latin-1")
                    elif isinstance(value, (dict, list)):
                        text = json.dumps(value, ensure_ascii=False)
                    else:
                        text = str(value)
                    out.append((table.name, column, text))
    return out


def _files(root) -> list[tuple[str, str]]:
    return [(str(p.relative_to(root)), p.read_bytes().decode("utf-8", errors="replace"))
            for p in sorted(root.rglob("*")) if p.is_file()]


def test_no_planted_name_anywhere_in_the_database_or_data_folder(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("TRIANGULATE_DATA_DIR", str(tmp_path / "data"))
    codebook.load_default(engine, SYSTEM)
    with Session(engine) as session:
        session.add(Ward(code="S13002971", name="Govan"))
        session.commit()
    item = residents.preview(engine, RESEARCHER, FILENAME, transcript_bytes())
    saved = residents.save(engine, RESEARCHER, item, ward="Govan", residents=["Morag McAllister"],
                           facilitator="Fiona Gallacher", title="Morag McAllister's interview with Fiona",
                           consent_basis="Verbal consent from Morag McAllister, recorded by Claire Boyle")
    assert saved.created and saved.resident_segments >= 30
    result = topics.analyse(engine, RESEARCHER)
    assert result.method == "bertopic"  # the model files on disk are part of what is searched

    with Session(engine) as session:
        transcript = session.get(Transcript, saved.transcript_id)
        # The redaction kept what is not personal and used the transcript's own pseudonyms.
        assert transcript.source_filename.startswith("govan_interview_") and transcript.source_filename.endswith(".md")
        morag = re.escape(item.speaker_map["Morag McAllister"])
        assert re.fullmatch(rf"{morag}'s interview with \[PERSON \d+\]", transcript.title), transcript.title
        assert transcript.facilitator.startswith("[PERSON")
    values = _every_text(engine)
    assert any(table == "segment" for table, _, _ in values) and any(t == "auditevent" for t, _, _ in values)
    files = _files(data_dir())
    assert any(name.endswith("triangulate.json") for name, _ in files)  # the saved topic model is there
    leaks = [f"{table}.{column}: {name!r} in {value[:120]!r}" for table, column, value in values
             for name in PLANTED if name.casefold() in value.casefold()]
    leaks += [f"file {path}: {name!r}" for path, text in files for name in PLANTED
              if name.casefold() in text.casefold()]
    assert not leaks, "planted names stored:\n" + "\n".join(leaks[:40])


def test_the_default_title_names_no_one_and_a_typed_one_is_redacted(engine):
    with Session(engine) as session:
        session.add(Ward(code="S13002971", name="Govan"))
        session.commit()
    data = (b"Interviewer: Hello Jean, thanks for coming.\nJean Laird: The damp is bad in the flat. "
            b"Laird is on the tenancy.\nInterviewer: Thanks.\n")
    item = residents.preview(engine, RESEARCHER, "jean_laird_interview.txt", data)
    saved = residents.save(engine, RESEARCHER, item, ward="Govan", residents=["Jean Laird"],
                           held_on=date(2024, 10, 14))
    with Session(engine) as session:
        stored = session.get(Transcript, saved.transcript_id)
        assert stored.title == "Interview, Govan, 14/10/2024"
        assert stored.source_filename == "[PERSON 1]_interview.txt"  # one person, one pseudonym
    again = residents.preview(engine, RESEARCHER, "b.txt", data + b"Jean Laird: More damp.\n")
    saved = residents.save(engine, RESEARCHER, again, ward="Govan", residents=["Jean Laird"],
                           title="Jean's flat, Govan")
    with Session(engine) as session:
        # The pseudonym is the one the text gives Jean Laird; the place stays.
        pseudonym = again.speaker_map["Jean Laird"]
        assert session.get(Transcript, saved.transcript_id).title == f"{pseudonym}'s flat, Govan"
