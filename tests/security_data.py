"""Data the security tests build by direct table writes (no importer needed)."""
from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from schemas import (
    AuditEvent,
    DataNeed,
    Embedding,
    Hypothesis,
    ImportBatch,
    Insight,
    InsightCode,
    InsightRevision,
    Issue,
    RawUpload,
    Segment,
    SegmentTopic,
    Speaker,
    Topic,
    TopicIssue,
    TopicModel,
    Transcript,
    User,
    Ward,
    WorkshopNote,
)
from triangulate.core.db import session_scope
from triangulate.core.embeddings import MODEL_NAME, text_hash

SECRET = "Zebra-quartz-7731 said her landlord never came about the black mould in the wean's room."
SECRET_QUOTE = "Zebra-quartz-7731 said her landlord never came about the black mould"
OTHER = "The buses up the Paisley Road are never on time, and the fares keep going up."
GOVAN = "S13002971"


def _vector(seed: int) -> bytes:
    return np.random.default_rng(seed).standard_normal(384).astype("<f4").tobytes()


def base(engine) -> dict:
    """A ward, two issues and an officer account."""
    with session_scope(engine) as s:
        s.add(Ward(code=GOVAN, name="Govan", booster=True))
        s.add(Ward(code="S13002975", name="Calton", booster=True))
        housing = Issue(code="housing", label="Housing", guid="g-housing", keywords=["damp"])
        transport = Issue(code="transport", label="Transport", guid="g-transport")
        officer = User(username="jo", role="officer", display_name="Jo")
        other_officer = User(username="priya", role="officer", display_name="Priya")
        s.add_all([housing, transport, officer, other_officer])
        s.flush()
        return {"housing": housing.id, "transport": transport.id, "officer": officer.id,
                "other_officer": other_officer.id}


def transcript(engine, title: str, texts: list[str], checksum: str, ward: str = GOVAN,
               uploaded_at: datetime | None = None, raw_name: str = "Mary Brogan") -> dict:
    """A transcript with a resident speaker, its segments, a raw upload, embeddings and an import record."""
    with session_scope(engine) as s:
        t = Transcript(ward_code=ward, title=title, held_on=date(2026, 10, 2), method="focus group",
                       checksum=checksum, word_count=sum(len(x.split()) for x in texts),
                       redaction_report={"PERSON": 1, "sample": texts[0][:40]}, illustrative=True)
        s.add(t)
        s.flush()
        speaker = Speaker(transcript_id=t.id, label="[PERSON 1]", is_resident=True)
        s.add(speaker)
        s.flush()
        segment_ids = []
        for order, text in enumerate(texts):
            seg = Segment(transcript_id=t.id, speaker_id=speaker.id, order=order, text=text,
                          text_hash=text_hash(text), lemmas=text.lower(), entities=[{"text": text[:20]}],
                          noun_chunks=[text.split()[0]])
            s.add(seg)
            s.flush()
            segment_ids.append(seg.id)
            if s.query(Embedding).filter_by(text_hash=text_hash(text)).first() is None:
                s.add(Embedding(text_hash=text_hash(text), model=MODEL_NAME, dim=384, vector=_vector(order)))
        raw = (f"{raw_name}: " + " ".join(texts)).encode("utf-8")
        s.add(RawUpload(transcript_id=t.id, filename=f"{title}.txt", content=raw,
                        uploaded_at=uploaded_at or datetime.now(UTC)))
        s.add(ImportBatch(kind="transcript", filename=f"{title}.txt", checksum=checksum, rows=len(texts),
                          imported_by="researcher", report={"transcript_id": t.id, "first": texts[0]}))
        return {"id": t.id, "segments": segment_ids}


def topic_model(engine, segment_ids: list[int], issue_id: int, folder: Path) -> int:
    """A fitted model (with a serialised file holding documents) that assigned these segments."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "representative_docs.json").write_text(SECRET, encoding="utf-8")
    with session_scope(engine) as s:
        model = TopicModel(method="bertopic", fitted_by="researcher", path=str(folder),
                           n_segments=len(segment_ids), settings={"seed": 42})
        s.add(model)
        s.flush()
        topic = Topic(model_id=model.id, number=0, label="0_mould_damp", keywords=["mould", "damp"],
                      size=len(segment_ids), quotes=list(segment_ids))
        s.add(topic)
        s.flush()
        for seg in segment_ids:
            s.add(SegmentTopic(segment_id=seg, model_id=model.id, topic_id=topic.id, probability=0.9))
        s.add(TopicIssue(topic_id=topic.id, issue_id=issue_id, confidence=0.8, status="confirmed"))
        return model.id


def notes_quoting(engine, issue_id: int) -> dict:
    with session_scope(engine) as s:
        note = WorkshopNote(ward_code=GOVAN, issue_id=issue_id, author="lead",
                            text=f'Housing came up again: "{SECRET_QUOTE}…" Check with the housing association.')
        hyp = Hypothesis(ward_code=GOVAN, issue_id=issue_id, statement="What if damp checks came to the door?",
                         notes=f"Evidence: {SECRET}", created_by="lead")
        need = DataNeed(ward_code=GOVAN, issue_id=issue_id, strand="numbers",
                        description=f"Repairs data by street. Resident said “{SECRET_QUOTE.upper()}”.")
        untouched = WorkshopNote(ward_code=GOVAN, issue_id=issue_id, author="lead",
                                 text='Officers say "damp is everywhere in the older tenements".')
        s.add_all([note, hyp, need, untouched])
        s.add(AuditEvent(actor="researcher", action="edit", entity="segment", entity_id="1",
                         detail={"before": SECRET}))
        s.flush()
        return {"note": note.id, "hypothesis": hyp.id, "need": need.id, "untouched": untouched.id}


def insight(engine, author_id: int, text: str, issue_id: int) -> int:
    with session_scope(engine) as s:
        row = Insight(ward_code=GOVAN, author_id=author_id, author_name="Jo", role_service="CEO",
                      observed_on=date(2026, 10, 1), text=text, evidence_type="direct observation",
                      content_hash=hashlib.sha256(text.encode()).hexdigest())
        s.add(row)
        s.flush()
        s.add(InsightCode(insight_id=row.id, issue_id=issue_id, stance="problem", severity=3, coder="jo"))
        s.add(InsightRevision(insight_id=row.id, edited_by="jo", snapshot={"text": text + " (first draft)"}))
        s.add(Embedding(text_hash=text_hash(text), model=MODEL_NAME, dim=384, vector=_vector(99)))
        return row.id


def days_ago(n: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=n)
