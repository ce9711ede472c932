"""Erasure: a deleted transcript or insight leaves no trace anywhere in the database (both backends)."""
from pathlib import Path

import pytest
from sqlmodel import select

from schemas import (
    AuditEvent,
    DataNeed,
    Embedding,
    Hypothesis,
    Insight,
    InsightCode,
    RawUpload,
    Segment,
    SegmentTopic,
    Speaker,
    Topic,
    TopicModel,
    Transcript,
    WorkshopNote,
)
from tests import security_data as data
from tests.conftest import actor
from triangulate.access import erasure
from triangulate.core.db import session_scope
from triangulate.core.errors import NotFound, PermissionDenied


@pytest.fixture
def world(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("TRIANGULATE_DATA_DIR", str(tmp_path / "data"))
    ids = data.base(engine)
    secret = data.transcript(engine, "Govan focus group 3", [data.SECRET, "Aye, and the heating's on a key meter."],
                             checksum="c-secret")
    kept = data.transcript(engine, "Govan drop-in", [data.OTHER, "Aye, and the heating's on a key meter."],
                           checksum="c-kept", raw_name="Agnes Doyle")
    folder = tmp_path / "data" / "models" / "m1"
    model = data.topic_model(engine, secret["segments"] + kept["segments"], ids["housing"], folder)
    notes = data.notes_quoting(engine, ids["housing"])
    return {**ids, "secret": secret, "kept": kept, "model": model, "folder": folder, "notes": notes}


def test_the_text_is_found_everywhere_before_erasure(engine, world):
    tables = {hit.table for hit in erasure.find_text_anywhere(engine, "Zebra-quartz-7731", ignore_case=True)}
    # the search really looks in text, JSON and binary columns
    assert {"segment", "rawupload", "workshopnote", "hypothesis", "dataneed", "auditevent", "importbatch",
            "transcript"} <= tables


def test_erasing_a_transcript_leaves_no_trace(engine, world):
    report = erasure.erase_transcript(engine, actor("researcher", id=9), world["secret"]["id"])

    assert erasure.find_text_anywhere(engine, "Zebra-quartz-7731") == []
    assert erasure.find_text_anywhere(engine, "landlord never came", ignore_case=True) == []
    assert erasure.find_text_anywhere(engine, "Mary Brogan") == []  # the unredacted raw upload
    assert not world["folder"].exists()  # serialised model held representative documents
    assert report.stale_models == [world["model"]]
    with session_scope(engine) as s:
        assert s.get(Transcript, world["secret"]["id"]) is None
        assert not s.exec(select(Segment).where(Segment.transcript_id == world["secret"]["id"])).all()
        assert not s.exec(select(Speaker).where(Speaker.transcript_id == world["secret"]["id"])).all()
        assert not s.exec(select(RawUpload).where(RawUpload.transcript_id == world["secret"]["id"])).all()
        model = s.get(TopicModel, world["model"])
        assert model.stale and model.path == ""
        topic = s.exec(select(Topic)).one()
        assert topic.quotes == world["kept"]["segments"]
        assert {st.segment_id for st in s.exec(select(SegmentTopic))} == set(world["kept"]["segments"])
        # the other transcript, and the embedding its identical segment shares, are untouched
        assert len(s.exec(select(Segment)).all()) == 2
        assert len(s.exec(select(Embedding)).all()) == 2
        note = s.get(WorkshopNote, world["notes"]["note"])
        assert erasure.REMOVED in note.text and "Check with the housing association" in note.text
        assert erasure.REMOVED in s.get(Hypothesis, world["notes"]["hypothesis"]).notes
        assert erasure.REMOVED in s.get(DataNeed, world["notes"]["need"]).description
        assert "older tenements" in s.get(WorkshopNote, world["notes"]["untouched"]).text
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "delete",
                                                AuditEvent.entity == "transcript")).one()
    assert event.actor == "researcher" and event.entity_id == str(world["secret"]["id"])
    assert "Zebra" not in str(event.detail) and "Govan focus group 3" not in str(event.detail)
    assert event.detail["rows"]["segment"] == 2


def test_erasing_a_missing_transcript_says_so(engine, world):
    with pytest.raises(NotFound):
        erasure.erase_transcript(engine, actor("admin"), 9999)


@pytest.mark.parametrize("role", ["lead", "officer", "viewer"])
def test_only_researchers_and_admins_erase_transcripts(engine, world, role):
    with pytest.raises(PermissionDenied):
        erasure.erase_transcript(engine, actor(role), world["secret"]["id"])
    assert erasure.find_text_anywhere(engine, "Zebra-quartz-7731")  # nothing was touched


def test_erasing_an_insight_removes_codes_revisions_embedding_and_quotes(engine, world):
    text = "Tenant in Langlands Road (Okapi-9921) showed me mould climbing the bedroom wall again."
    insight_id = data.insight(engine, world["officer"], text, world["housing"])
    with session_scope(engine) as s:
        s.add(WorkshopNote(ward_code=data.GOVAN, author="lead", text=f"Officer: {text}"))
    erasure.erase_insight(engine, actor("officer", "jo", id=world["officer"]), insight_id)
    assert erasure.find_text_anywhere(engine, "Okapi-9921") == []
    with session_scope(engine) as s:
        assert s.get(Insight, insight_id) is None
        assert not s.exec(select(InsightCode)).all()
        event = s.exec(select(AuditEvent).where(AuditEvent.entity == "insight")).one()
    assert "Okapi" not in str(event.detail)


def test_officers_delete_only_their_own_insights_admins_any(engine, world):
    mine = data.insight(engine, world["officer"], "Food bank referrals doubled since the summer.",
                        world["housing"])
    theirs = data.insight(engine, world["other_officer"], "Families skipping meals before payday.",
                          world["housing"])
    jo = actor("officer", "jo", id=world["officer"])
    with pytest.raises(PermissionDenied):
        erasure.erase_insight(engine, jo, theirs)
    for role in ("lead", "researcher", "viewer"):
        with pytest.raises(PermissionDenied):
            erasure.erase_insight(engine, actor(role, id=world["officer"]), mine)
    erasure.erase_insight(engine, jo, mine)
    erasure.erase_insight(engine, actor("admin", id=1), theirs)
    with session_scope(engine) as s:
        assert s.exec(select(Insight)).all() == []


def test_scrub_catches_quotes_and_copies_but_not_short_common_words():
    source = "The nursery only does mornings. So I cannae take the job at Asda."
    out, n = erasure.scrub('She said "so I cannae take the job" and left', [source])
    assert out == f"She said {erasure.REMOVED} and left" and n == 1
    out, n = erasure.scrub("Copied: The nursery   only does mornings. End.", [source])
    assert "nursery" not in out and n == 1
    out, n = erasure.scrub('Residents said "the job" matters', [source])
    assert n == 0 and out == 'Residents said "the job" matters'


def test_find_text_anywhere_reads_json_escapes_and_bytes(engine, world):
    with session_scope(engine) as s:
        s.add(AuditEvent(actor="x", action="edit", detail={"deep": [{"text": "naïve café “Okapi”"}]}))
    assert [h.table for h in erasure.find_text_anywhere(engine, "café “Okapi”")] == ["auditevent"]
    assert erasure.find_text_anywhere(engine, "mary brogan", ignore_case=True)[0].table == "rawupload"
    with pytest.raises(ValueError):
        erasure.find_text_anywhere(engine, "")


def test_locate_text_is_for_admins_and_audited_without_the_text(engine, world):
    with pytest.raises(PermissionDenied):
        erasure.locate_text(engine, actor("lead"), "Zebra")
    hits = erasure.locate_text(engine, actor("admin"), "Zebra-quartz-7731")
    assert hits
    with session_scope(engine) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "search")).one()
    assert "Zebra" not in str(event.detail)


def test_erasing_a_demo_transcript_of_the_residents_strand(demo_engine, tmp_path, monkeypatch):
    """On the real demo data (redacted transcripts, fitted topics): every segment text is gone afterwards."""
    # the demo's model files are shared by every copy of the demo database: keep them out of reach
    monkeypatch.setenv("TRIANGULATE_DATA_DIR", str(tmp_path / "data"))
    with session_scope(demo_engine) as s:
        transcript = s.exec(select(Transcript).order_by(Transcript.id)).first()
        assert transcript is not None, "the demo database should hold the illustrative transcripts"
        texts = [t for t in s.exec(select(Segment.text).where(Segment.transcript_id == transcript.id)) if len(t) > 25]
    assert texts and erasure.find_text_anywhere(demo_engine, texts[0])
    erasure.erase_transcript(demo_engine, actor("admin"), transcript.id)
    assert [t for t in texts if erasure.find_text_anywhere(demo_engine, t)] == []


@pytest.mark.parametrize("role", ["lead", "officer", "viewer"])
def test_listing_transcripts_for_erasure_needs_the_delete_permission(engine, world, role):
    with pytest.raises(PermissionDenied):
        erasure.transcripts(engine, actor(role))
    listed = erasure.transcripts(engine, actor("researcher"))
    assert [(t["title"], t["segments"]) for t in listed] == [("Govan focus group 3", 2), ("Govan drop-in", 2)]


def test_erasure_rewrites_topic_words_sweeps_orphan_files_and_forgets_the_file_name(engine, world, tmp_path):
    from triangulate.core import audit
    from triangulate.core.atomic_dir import TEMP_PREFIX
    models = tmp_path / "data" / "models"
    killed = models / "7"  # an analyse killed half-way: a folder no record points at
    killed.mkdir(parents=True)
    (killed / "docs.json").write_text(data.SECRET)
    (models / f"{TEMP_PREFIX}8-abc").mkdir()
    with session_scope(engine) as s:
        audit.record(s, actor("researcher"), "import", "transcript", world["secret"]["id"],
                     filename="Mary Brogan focus group.docx", segments=2)
    erasure.erase_transcript(engine, actor("researcher", id=9), world["secret"]["id"])
    with session_scope(engine) as s:
        topic = s.exec(select(Topic)).one()
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "import")).one()
    assert "mould" not in topic.keywords and "damp" in topic.keywords  # 'damp' was never in the erased text
    assert "mould" not in topic.label.lower()
    assert not killed.exists() and not list(models.glob(f"{TEMP_PREFIX}*"))
    assert "Brogan" not in str(event.detail) and event.detail["segments"] == 2
    if engine.dialect.name == "sqlite":
        wal = Path(engine.url.database + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0


def test_an_atomic_directory_appears_whole_or_not_at_all(tmp_path):
    from triangulate.core.atomic_dir import atomic_directory
    final = tmp_path / "models" / "3"
    with pytest.raises(RuntimeError), atomic_directory(final) as temp:
        (temp / "part.json").write_text("half")
        raise RuntimeError("killed")
    assert not final.exists() and list((tmp_path / "models").iterdir()) == []
    with atomic_directory(final) as temp:
        (temp / "whole.json").write_text("all")
    assert [p.name for p in final.iterdir()] == ["whole.json"]
