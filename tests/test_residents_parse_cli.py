"""`import-transcript`: parse warnings on stderr, unlabelled files refused or skipped, nothing pre-ticked."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from schemas import Segment, Speaker, Transcript, Ward
from triangulate.cli import main as cli
from triangulate.core import db
from triangulate.residents import nlp

pytestmark = pytest.mark.slow  # spaCy redaction runs for every file


@pytest.fixture
def url(sqlite_engine):
    with Session(sqlite_engine) as session:
        for code, name in nlp.WARDS.items():
            session.add(Ward(code=code, name=name))
        session.commit()
    db.get_engine.cache_clear()
    yield str(sqlite_engine.url)
    db.get_engine.cache_clear()


def run(url, capsys, *args) -> tuple[int, str, str]:
    code = cli(["--database-url", url, "import-transcript", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_import_transcript_choices_and_warnings(url, sqlite_engine, tmp_path, capsys):
    keyed = tmp_path / "keyed.txt"
    keyed.write_text("Date: 14/10/2024\nKey: I = Interviewer, R = Respondent\n\nI: How are things?\n"
                     "R: Hard. The rent is up.\nI: And the buses?\nR: A joke.\n")
    bare = tmp_path / "bare.txt"
    bare.write_text("The buses are terrible round here.\nAnd the rent keeps going up.\n")
    initials = tmp_path / "initials.txt"
    initials.write_text("MD Hello there.\nJW Hi.\nMD How are things?\nJW Fine.\nMD Good.\nJW Aye.\n")

    code, _, err = run(url, capsys, bare, "--ward", "Govan")
    assert code == 1 and "no speaker labels" in err and "--unlabelled" in err

    code, out, err = run(url, capsys, keyed, bare, "--ward", "Govan", "--unlabelled", "skip")
    assert code == 0 and "keyed.txt: saved as transcript" in out and "bare.txt: skipped" in err

    code, _, err = run(url, capsys, initials, "--ward", "Govan")
    assert code == 1 and "initials.txt: warning: Speakers are given only as initials" in err
    assert "--resident" in err and "MD (unknown)" in err

    with Session(sqlite_engine) as session:
        (transcript,) = session.exec(select(Transcript)).all()  # nothing half-saved from the refused files
        assert str(transcript.held_on) == "2024-10-14"
        roles = {(sp.label, seg.speaker_role) for seg, sp in session.exec(
            select(Segment, Speaker).join(Speaker, Speaker.id == Segment.speaker_id))}
    assert roles == {("I", "facilitator"), ("R", "resident")}

    code, out, _ = run(url, capsys, initials, "--ward", "Govan", "--resident", "JW")
    assert code == 0 and "3 resident segments of 6" in out
