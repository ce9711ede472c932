"""Viewers see quotes, not transcripts: the cap on resident-segment search holds in the library, per role."""
from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlmodel import Session, select

from schemas import Segment, Speaker, Transcript, Ward
from triangulate.core.db import session_scope
from triangulate.core.errors import PermissionDenied
from triangulate.core.permissions import Actor
from triangulate.residents import store as residents

GOVAN, CALTON = "S13002971", "S13002975"
QUOTE_ROLES = [Actor("view", "viewer"), Actor("off", "officer")]
FULL_ROLES = [Actor("res", "researcher"), Actor("lead", "lead"), Actor("adm", "admin")]


def _transcript(engine, ward: str, title: str, n_resident: int, held_on: date) -> int:
    """A stored transcript: interviewer and resident turns alternate; every resident turn mentions the damp."""
    with session_scope(engine) as s:
        tr = Transcript(ward_code=ward, title=title, held_on=held_on, method="interview",
                        checksum=hashlib.sha256(title.encode()).hexdigest())
        s.add(tr)
        s.flush()
        res, fac = Speaker(transcript_id=tr.id, label="[PERSON 1]", is_resident=True), \
            Speaker(transcript_id=tr.id, label="Interviewer")
        s.add_all([res, fac])
        s.flush()
        order = 0
        for i in range(n_resident):
            s.add(Segment(transcript_id=tr.id, speaker_id=fac.id, speaker_role="facilitator", order=order,
                          text=f"And then {i}?", text_hash=f"{tr.id}-f{i}"))
            # Every third answer runs over two segments (a long turn): those two are neighbours too.
            for part in range(2 if i % 3 == 0 else 1):
                order += 1
                s.add(Segment(transcript_id=tr.id, speaker_id=res.id, speaker_role="resident", order=order,
                              text=f"The damp is bad, part {part} of answer {i} in {title}.",
                              text_hash=f"{tr.id}-r{i}-{part}"))
            order += 1
        return tr.id


@pytest.fixture
def corpus(engine):
    with session_scope(engine) as s:
        s.add(Ward(code=GOVAN, name="Govan"))
        s.add(Ward(code=CALTON, name="Calton"))
    ids = [_transcript(engine, GOVAN, "Interview with Morag at her flat", 60, date(2024, 10, 14)),
           _transcript(engine, GOVAN, "Second Govan interview", 8, date(2024, 11, 2)),
           _transcript(engine, CALTON, "Calton drop-in", 3, date(2025, 1, 20))]
    return engine, ids


def _resident_place(engine) -> dict[str, tuple[int, int]]:
    """segment text -> (transcript id, place among that transcript's resident segments)."""
    with Session(engine) as s:
        rows = s.exec(select(Segment.text, Segment.transcript_id).where(Segment.speaker_role == "resident")
                      .order_by(Segment.transcript_id, Segment.order)).all()
    out, count = {}, {}
    for text, tid in rows:
        out[text] = (tid, count.get(tid, 0))
        count[tid] = count.get(tid, 0) + 1
    return out


@pytest.mark.parametrize("who", QUOTE_ROLES, ids=lambda a: a.role)
def test_quote_roles_get_spread_quotes_not_transcripts(corpus, who):
    engine, ids = corpus
    hits = residents.search_segments(engine, who, "damp")
    total = sum(1 for _ in _resident_place(engine))
    assert hits.attrs["capped"] and hits.attrs["matched"] == total > residents.QUOTE_LIMIT
    assert 0 < len(hits) <= residents.QUOTE_LIMIT
    assert list(hits.columns) == residents.QUOTE_COLUMNS  # no segment ids to walk a transcript with
    places = _resident_place(engine)
    by_transcript: dict[int, list[int]] = {}
    for text in hits["text"]:
        tid, place = places[text]
        by_transcript.setdefault(tid, []).append(place)
    assert set(by_transcript) == set(ids)  # spread over every conversation, not the first one's opening
    for tid, taken in by_transcript.items():
        assert len(taken) <= residents.QUOTES_PER_TRANSCRIPT
        taken.sort()
        assert all(b - a >= 2 for a, b in zip(taken, taken[1:])), f"neighbouring quotes from {tid}: {taken}"
    # Where a quote came from: method, ward and date only, never the researcher's title.
    assert "Interview, Govan, 14/10/2024" in set(hits["conversation"])
    assert not hits["conversation"].str.contains("Morag|Second|drop-in", regex=True).any()
    assert "Morag" not in " ".join(residents.list_transcripts(engine, who)["title"])
    # A bigger limit asked for is still the cap; the CSV of matches is not theirs to take.
    assert len(residents.search_segments(engine, who, "damp", limit=10_000)) <= residents.QUOTE_LIMIT
    with pytest.raises(PermissionDenied):
        residents.search_csv(engine, who, "damp")


@pytest.mark.parametrize("who", FULL_ROLES, ids=lambda a: a.role)
def test_transcript_readers_keep_every_match(corpus, who):
    engine, _ = corpus
    total = len(_resident_place(engine))
    hits = residents.search_segments(engine, who, "damp", limit=10_000)
    assert not hits.attrs["capped"] and len(hits) == hits.attrs["matched"] == total
    assert list(hits.columns) == residents.SEARCH_COLUMNS
    assert "Interview with Morag at her flat" in set(hits["transcript"])
    csv = residents.search_csv(engine, who, "damp")
    assert csv.count("The damp is bad") == min(total, 200)  # the default limit
    assert "Interview with Morag at her flat" in " ".join(residents.list_transcripts(engine, who)["title"])


def test_a_ward_filter_and_a_rare_word_still_work_for_viewers(corpus):
    engine, ids = corpus
    viewer = QUOTE_ROLES[0]
    calton = residents.search_segments(engine, viewer, "damp", ward_code=CALTON)
    assert len(calton) >= 1 and set(calton["ward"]) == {"Calton"}
    assert residents.search_segments(engine, viewer, "answer 59", mode="word")["text"].str.contains("answer 59").all()
    empty = residents.search_segments(engine, viewer, "   ")
    assert empty.empty and list(empty.columns) == residents.QUOTE_COLUMNS


def test_redaction_summary_reads_well_with_and_without_redactions():
    assert residents.redaction_summary({"total": 0, "by_rule": {}}) == \
        "No personal data was found to redact in this transcript when it was saved."
    assert "()" not in residents.redaction_summary({})
    text = residents.redaction_summary({"total": 3, "by_rule": {"phone": 1, "speaker": 2}})
    assert text.startswith("3 redactions before saving (2 names the file gives, 1 phone numbers)")
