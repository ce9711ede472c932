"""A review a researcher can do: every turn as stored with every redaction placed, all redactions listed and
filterable, speakers with a sample line, header lines as metadata, and corrections for one file."""
from __future__ import annotations

import pytest

from triangulate.core.errors import TriangulateError
from triangulate.core.permissions import Actor
from triangulate.residents import review
from triangulate.residents import store as residents

pytestmark = pytest.mark.slow  # spaCy

RESEARCHER = Actor("res", "researcher")
PHONES = [f"07700 9004{n:02d}" for n in range(12)]  # more than the 10 the old preview showed
TEXT = ("---\ntitle: Talking with Morag McAllister\nspeakers: [Morag McAllister, Claire Boyle]\nhosts: Claire Boyle\n"
        "---\n"
        "Claire Boyle: Thanks for coming, Morag. Tell me about the flat.\n"
        "Morag McAllister: " + " ".join(f"Phone {p} for the landlord." for p in PHONES[:6]) +
        " My pal Jessie Kerr said McAllister's the name on the lease.\n"
        "Claire Boyle: And the bus?\n"
        "Morag McAllister: " + " ".join(f"Or {p}." for p in PHONES[6:]) + " Big Davie at the shop knows.\n").encode()


@pytest.fixture
def item(sqlite_engine):
    return residents.preview(sqlite_engine, RESEARCHER, "review.md", TEXT)


def test_each_turn_is_shown_whole_as_stored_with_every_redaction_placed(item):
    turns = review.turns(item, residents=["Morag McAllister"])
    assert [t.text for t in turns] == [p.text for p in item.turns]  # exactly what will be stored
    assert [t.role for t in turns] == ["facilitator", "resident", "facilitator", "resident"]
    marks = [m for t in turns for m in t.marks]
    assert len(marks) == len(item.redactions) >= 15  # 12 phones, Morag, McAllister, Jessie Kerr
    for turn in turns:
        for mark in turn.marks:
            assert turn.text[mark.start:mark.end] == mark.redaction.pseudonym
        assert "".join(text for text, _ in turn.pieces()) == turn.text
        assert not any(p in turn.text for p in PHONES) and "Morag" not in turn.text
    assert turns[1].stored_speaker == item.speaker_map["Morag McAllister"] != "Morag McAllister"


def test_every_redaction_is_listed_and_filterable(item):
    everything = review.redactions(item)
    assert len(everything) == len(item.redactions) and set(PHONES) <= set(everything["found"])
    phones = review.redactions(item, rule="phone")
    assert len(phones) == 12 and set(phones["category"]) == {"PHONE"}
    people = review.redactions(item, category=["PERSON"])
    assert {"Morag", "McAllister"} <= set(people["found"]) and "PHONE" not in set(people["category"])
    morag = item.speaker_map["Morag McAllister"]
    assert set(review.redactions(item, pseudonym=morag)["replaced by"]) == {morag}
    assert list(review.redactions(item, found="jessie")["found"]) == ["Jessie Kerr"]
    options = review.filters(item)
    assert "phone" in options["rule"] and "PHONE" in options["category"]
    order = options["pseudonym"]
    assert order.index("[PHONE 2]") < order.index("[PHONE 10]")  # numbered, not alphabetical


def test_speakers_come_with_role_and_a_redacted_sample_line(item):
    frame = review.speakers(item, facilitator="Claire Boyle").set_index("speaker in file")
    assert list(frame.index) == ["Claire Boyle", "Morag McAllister"]
    sample = frame.loc["Morag McAllister", "sample line (as stored)"]
    assert "[PHONE" in sample and not any(p in sample for p in PHONES) and len(sample) <= review.SAMPLE_CHARS + 2
    # Nothing is ticked that the first guess does not tick.
    ticked = set(frame.index[frame["suggested resident"]])
    assert ticked == set(item.suggested_residents("Claire Boyle"))
    assert frame.loc["Claire Boyle", "role"] != "resident"


def test_header_lines_are_metadata_redacted_like_the_text(item):
    meta = review.metadata(item).set_index("field")["value"]
    assert meta["title"] == f"Talking with {item.speaker_map['Morag McAllister']}"
    assert "Claire" not in " ".join(meta) and "Morag" not in " ".join(meta)


def test_corrections_rerun_this_file_only(item):
    assert "Jessie Kerr" in set(review.redactions(item)["found"])
    fresh = residents.redo(item, keep=["Jessie Kerr"], redact=["Big Davie"])
    texts = " ".join(t.text for t in fresh.turns)
    assert "Jessie Kerr" in texts and "Big Davie" not in texts and "[REDACTED 1]" in texts
    assert fresh.allow[-1] == "Jessie Kerr" and fresh.always[-1] == "Big Davie"
    assert "Jessie Kerr" not in " ".join(t.text for t in item.turns)  # the first preview is unchanged
    kept = residents.redo(item, keep=["Morag"])
    assert "Morag" in kept.turns[0].text and "Morag" not in item.turns[0].text
    # A part of a longer always-redacted term stays redacted under it: the page says so.
    assert review.still_redacted(residents.redo(fresh, keep=["Davie"]), ["Davie", "Jessie Kerr"]) == ["Davie"]
    back = residents.redo(fresh, redact=["Jessie Kerr"])
    assert "Jessie Kerr" not in " ".join(t.text for t in back.turns) and "Jessie Kerr" not in back.allow
    with pytest.raises(TriangulateError):
        residents.redo(item, keep=["Davie"], redact=["davie"])


def test_titles_and_file_names_lose_names_but_keep_everything_else(sqlite_engine):
    from triangulate.residents.metadata_redaction import redact_filename, redact_label

    data = b"Interviewer: Hi Jean.\nJean Laird: Big Senga at the shop helps us out.\n"
    item = residents.preview(sqlite_engine, RESEARCHER, "x.txt", data, always=["Big Senga"], allow=[])
    jean = item.speaker_map["Jean Laird"]
    assert redact_label(item, "A big family in Govan, 3 kids") == "A big family in Govan, 3 kids"
    assert redact_label(item, "jean laird's notes") == f"{jean}'s notes"  # any case, one person
    assert redact_filename(item, "Jean-Laird_GOVAN.DOCX") == f"{jean}_GOVAN.docx"
    assert "senga" not in redact_filename(item, "big_senga_notes.txt").lower()
    assert redact_label(item, "Visit by Ruth Gilmour", names=["Ruth Gilmour"]).startswith("Visit by [PERSON ")
