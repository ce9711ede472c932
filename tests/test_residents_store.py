"""Saving transcripts: one transaction, idempotent, residents only, permissions, search, similarity fallback."""
from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from schemas import (
    AuditEvent,
    Embedding,
    RawUpload,
    Segment,
    Setting,
    Speaker,
    TopicIssue,
    TopicModel,
    Transcript,
    Ward,
)
from triangulate.codebook import issues as codebook
from triangulate.core.errors import ImportFailed, PermissionDenied
from triangulate.core.permissions import SYSTEM, Actor
from triangulate.residents import store as residents
from triangulate.residents import topics

pytestmark = pytest.mark.slow  # spaCy and MiniLM, loaded once per process

RESEARCHER = Actor("res", "researcher")
OFFICER = Actor("off", "officer")
VIEWER = Actor("view", "viewer")

TEXT = (b"Ward: Govan\nMethod: focus group\nFacilitator: Sam Reid\n\n"
        b"Sam: Thanks for coming. What is hard just now?\n"
        b"Jean: The damp in the flat is terrible. Black mould in the weans' room and the housing association "
        b"will not fix it. Phone me on 07700 900461 if you want to see it.\n"
        b"Tam: The buses are a joke. The bus from Govan Cross never comes and the fares are too dear.\n"
        b"Sam: And childcare?\n"
        b"Jean: The nursery hours do not fit my shifts and the after-school club costs fifteen pound a day.\n")


@pytest.fixture
def db(engine):
    codebook.load_default(engine, SYSTEM)
    with Session(engine) as session:
        session.add(Ward(code="S13002971", name="Govan"))
        session.add(Ward(code="S13002975", name="Calton"))
        session.commit()
    return engine


def counts(engine) -> dict:
    with Session(engine) as session:
        return {t.__name__: session.exec(select(func.count()).select_from(t)).one()
                for t in (Transcript, Speaker, Segment, RawUpload, TopicModel)}


def test_save_stores_redacted_segments_in_one_go(db):
    item = residents.preview(db, RESEARCHER, "fg.txt", TEXT)
    assert item.suggested_residents() == ["Jean", "Tam"]
    assert "07700 900461" in set(item.redaction_frame()["found"])
    saved = residents.save(db, RESEARCHER, item)
    assert saved.created and saved.resident_segments >= 3
    with Session(db) as session:
        transcript = session.get(Transcript, saved.transcript_id)
        assert transcript.ward_code == "S13002971" and transcript.method == "focus group"
        assert "07700" not in str(transcript.redaction_report)
        speakers = {s.label: s.is_resident for s in session.exec(select(Speaker))}
        # Facilitators' names are personal data too: every named speaker is stored as a pseudonym.
        assert all(label.startswith("[PERSON") for label in speakers) and len(speakers) == 3
        assert sum(speakers.values()) == 2
        texts = " ".join(s.text for s in session.exec(select(Segment)))
        assert "07700" not in texts and "Jean" not in texts and "Govan" in texts
        roles = {s.speaker_role for s in session.exec(select(Segment))}
        assert roles == {"resident", "facilitator"}
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "import")).first() is not None
        frame = residents.resident_segments_frame(session)
    assert len(frame) == saved.resident_segments and set(frame["ward_code"]) == {"S13002971"}
    assert counts(db)["RawUpload"] == 0  # retention is off by default


def test_same_file_twice_adds_nothing(db):
    first = residents.import_file(db, RESEARCHER, "fg.txt", TEXT)
    before = counts(db)
    second = residents.import_file(db, RESEARCHER, "renamed.txt", TEXT)
    assert not second.created and second.transcript_id == first.transcript_id and counts(db) == before


def test_no_resident_turns_and_unknown_ward_save_nothing(db):
    before = counts(db)
    item = residents.preview(db, RESEARCHER, "fg.txt", TEXT)
    with pytest.raises(ImportFailed) as exc:
        residents.save(db, RESEARCHER, item, residents=[])
    assert "no resident turns" in str(exc.value)
    with pytest.raises(ImportFailed) as exc:
        residents.save(db, RESEARCHER, item, ward="Atlantis")
    assert exc.value.problems[0].column == "ward"
    assert counts(db) == before


def test_raw_upload_kept_only_when_retention_is_on(db):
    with Session(db) as session:
        session.add(Setting(key="retention", value={"keep_raw_uploads": True, "raw_upload_days": 30}))
        session.commit()
    residents.import_file(db, RESEARCHER, "fg.txt", TEXT)
    assert counts(db)["RawUpload"] == 1


def test_roles_lacking_permission_are_refused(db):
    with pytest.raises(PermissionDenied):
        residents.preview(db, OFFICER, "fg.txt", TEXT)
    item = residents.preview(db, RESEARCHER, "fg.txt", TEXT)
    with pytest.raises(PermissionDenied):
        residents.save(db, VIEWER, item)
    with pytest.raises(PermissionDenied):
        residents.set_redaction_lists(db, OFFICER, ["x"], [])
    saved = residents.save(db, RESEARCHER, item)
    with pytest.raises(PermissionDenied):
        topics.analyse(db, OFFICER)
    with pytest.raises(PermissionDenied):
        residents.transcript_view(db, VIEWER, saved.transcript_id)
    with pytest.raises(PermissionDenied):
        topics.confirm_topic(db, VIEWER, 1, 1)
    with pytest.raises(PermissionDenied):
        topics.set_segment_issue(db, OFFICER, 1, None)
    assert not residents.search_segments(db, VIEWER, "buses").empty  # redacted quotes: everyone


def test_redaction_lists_live_in_settings(db):
    residents.set_redaction_lists(db, RESEARCHER, ["Big Senga"], ["Elder"])
    assert residents.redaction_lists(db, RESEARCHER) == {"always": ["Big Senga"], "allow": ["Elder"]}
    item = residents.preview(db, RESEARCHER, "s.txt", b"Jean: Big Senga at the shop helps.\nSam: Aye.\n")
    assert "[REDACTED 1]" in item.turns[0].text


def test_search_by_word_lemma_and_entity(db):
    residents.import_file(db, RESEARCHER, "fg.txt", TEXT)
    assert len(residents.search_segments(db, VIEWER, "bus", "word")) == 1
    assert len(residents.search_segments(db, VIEWER, "bus", "lemma")) >= 1  # "buses" too
    hits = residents.search_segments(db, VIEWER, "Govan", "entity")
    assert len(hits) == 1 and "Govan Cross" in hits.iloc[0]["text"]
    assert residents.search_segments(db, VIEWER, "Govan", "entity", ward_code="S13002975").empty


def test_small_corpus_goes_by_similarity_and_skips_unchanged(db):
    residents.import_file(db, RESEARCHER, "fg.txt", TEXT)
    result = topics.analyse(db, RESEARCHER)
    assert result.method == "similarity" and "too few" in result.describe()
    with Session(db) as session:
        segs = session.exec(select(Segment).where(Segment.speaker_role == "resident")).all()
        issues = {i.id: i.code for i in codebook.issues(session)}
        n_vectors = session.exec(select(func.count()).select_from(Embedding)).one()
    assert all(s.issue_source in ("model", "none") and (s.issue_id is None) == (s.issue_source == "none") for s in segs)
    coded = {issues[s.issue_id] for s in segs if s.issue_id}
    # The nursery/after-school-club segment is a near tie zero-shot (childcare vs cost of the school day,
    # 0.007 apart): the machine needs coded examples for that boundary (bench/bench_assignment.py).
    assert {"housing", "transport"} <= coded and coded & {"childcare", "school_costs"}
    again = topics.analyse(db, RESEARCHER)
    assert again.method == "unchanged" and again.model_id == result.model_id
    with Session(db) as session:
        assert session.exec(select(func.count()).select_from(Embedding)).one() == n_vectors  # nothing re-embedded
    frame = topics.topics_frame(db, VIEWER)
    assert len(frame) == len(coded)


def test_confirm_change_split_and_manual(db):
    residents.import_file(db, RESEARCHER, "fg.txt", TEXT)
    topics.analyse(db, RESEARCHER)
    frame = topics.topics_frame(db, VIEWER)
    housing_topic = int(frame[frame["issue_code"] == "housing"]["topic_id"].iloc[0])
    with Session(db) as session:
        ids = {i.code: i.id for i in codebook.issues(session)}
    topics.confirm_topic(db, RESEARCHER, housing_topic, ids["fuel"])
    frame = topics.topics_frame(db, VIEWER).set_index("topic_id")
    assert frame.loc[housing_topic, "issue_code"] == "fuel" and frame.loc[housing_topic, "status"] == "confirmed"
    counts_by_issue = topics.split_topic(db, RESEARCHER, housing_topic, [ids["housing"], ids["fuel"]])
    assert sum(counts_by_issue.values()) == frame.loc[housing_topic, "size"]
    with Session(db) as session:
        assert len(session.exec(select(TopicIssue).where(TopicIssue.topic_id == housing_topic)).all()) == 2
        seg = session.exec(select(Segment).where(Segment.speaker_role == "resident")).first()
    topics.set_segment_issue(db, RESEARCHER, seg.id, ids["debt"])
    topics.analyse(db, RESEARCHER, force=True)
    with Session(db) as session:
        kept = session.get(Segment, seg.id)
    assert kept.issue_id == ids["debt"] and kept.issue_source == "manual"
