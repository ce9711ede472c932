"""Erasure: deleting a transcript or an insight deletes it and every trace derived from it.

A data-protection officer must be able to see that a deletion is a deletion. So erasure removes:
- the record and every row that references it, found through the foreign keys of the whole data model
  (segments, speakers, raw uploads, topic assignments, insight codes and revisions, and any table a strand
  adds later that points at them);
- cached embeddings of its text, unless another remaining text has the same hash;
- its segment ids from `Topic.quotes`; topic models that used it are marked stale, and their serialised
  files (which hold representative documents) are deleted from disk;
- verbatim quotes of its text in workshop notes, hypotheses, data needs, import reports and audit details,
  replaced by `REMOVED`.
The audit event that records the erasure names the record and counts, never the deleted text. Every
in-process cache that can hold text (`core.caches`: the joint display's matrices, the words of texts, the
officers' suggestion machine) is emptied once the erasure has committed.

`find_text_anywhere` scans every column of every table for a string; tests use it to prove nothing remains.
"""
from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, delete, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

import schemas
from schemas import (
    AuditEvent,
    DataNeed,
    Embedding,
    Hypothesis,
    ImportBatch,
    Insight,
    Segment,
    Topic,
    TopicModel,
    Transcript,
    WorkshopNote,
)
from triangulate.core import audit, caches, config
from triangulate.core.db import get_or_not_found, session_scope
from triangulate.core.embeddings import text_hash
from triangulate.core.errors import PermissionDenied
from triangulate.core.permissions import Actor, can, require
from triangulate.jobs import queue as jobs_queue

REMOVED = "[quote removed: source deleted]"
BACKUP_WARNING = ("Backups made before this erasure still hold the text: delete them (Backup and retention page "
                  "lists the backups this app wrote) or record where they are kept and when they expire.")
# Shorter fragments ("yes", "the damp") are too common to be a quote of one source.
MIN_QUOTE_CHARS = 12
MIN_SENTENCE_CHARS = 20
_CHUNK = 500  # keeps IN lists inside every database's parameter limits


@dataclass
class ErasureReport:
    entity: str
    entity_id: int
    deleted: dict[str, int] = field(default_factory=dict)  # table -> rows deleted
    quotes_removed: int = 0
    stale_models: list[int] = field(default_factory=list)
    topic_words_removed: int = 0
    model_files_deleted: list[str] = field(default_factory=list)

    def summary(self) -> str:
        rows = ", ".join(f"{n} {table}" for table, n in sorted(self.deleted.items()) if n)
        return (f"Deleted {self.entity} {self.entity_id}: {rows or 'no rows'}; {self.quotes_removed} quote(s) "
                f"removed from notes; {len(self.stale_models)} topic model(s) marked stale; "
                f"{self.topic_words_removed} topic word(s) removed. {BACKUP_WARNING}")


# --------------------------------------------------------------------------- public operations
def erase_transcript(engine: Engine, actor: Actor, transcript_id: int) -> ErasureReport:
    """Delete a transcript and every derived trace, in one transaction (files after it commits)."""
    require(actor, "transcripts.delete")
    report = ErasureReport("transcript", transcript_id)
    paths: list[str] = []
    with session_scope(engine) as session:
        transcript = get_or_not_found(session, Transcript, transcript_id,
                                      f"There is no transcript {transcript_id}; it may already have been deleted.")
        segments = session.execute(select(Segment.id, Segment.text, Segment.text_hash)
                                   .where(Segment.transcript_id == transcript_id)).all()
        segment_ids = [row.id for row in segments]
        texts = [row.text for row in segments]
        hashes = {row.text_hash for row in segments} | {text_hash(t) for t in texts}

        models = _models_using(session, segment_ids)
        report.stale_models = sorted(models)
        for model in session.execute(select(TopicModel).where(TopicModel.id.in_(models))).scalars():
            if model.path:
                paths.append(model.path)
            # Still the current model (its topics and remaining assignments stand), but it must be refitted.
            model.stale, model.path = True, ""
        report.deleted["topic quotes"] = _drop_topic_quotes(session, set(segment_ids))

        batches = _transcript_batches(session, transcript)
        report.deleted.update(_delete_with_dependents(session, Transcript.__table__,
                                                      Transcript.__table__.c.id, [transcript_id]))
        if batches:
            report.deleted.update(_delete_with_dependents(session, ImportBatch.__table__,
                                                          ImportBatch.__table__.c.id, batches))
        report.deleted["embedding"] = _delete_unshared_embeddings(session, hashes)
        report.quotes_removed = _scrub_quotes(session, texts)
        report.topic_words_removed = _scrub_topic_words(session, models, texts)
        _forget_import_filenames(session, transcript_id)
        jobs_queue.forget_outputs(session)  # a prepared report waiting to be downloaded may quote it
        audit.record(session, actor, "delete", "transcript", transcript_id, ward_code=transcript.ward_code,
                     rows=_plain(report.deleted), quotes_removed=report.quotes_removed,
                     stale_models=report.stale_models, topic_words_removed=report.topic_words_removed)
    report.model_files_deleted = _delete_model_files(paths) + sweep_orphan_files(engine)
    checkpoint(engine)
    caches.clear_all()  # no in-process cache may keep the erased text (or words of it)
    return report


_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")  # letters, with inner apostrophes/hyphens


def _words(texts: Iterable[str]) -> set[str]:
    return {w.lower() for t in texts for w in _WORD.findall(t or "")}


def _scrub_topic_words(session: Session, model_ids: Iterable[int], erased_texts: list[str]) -> int:
    """Topic labels and keywords come from the fitted texts: a word of the erased text that no remaining
    segment of the same model says is dropped from every keyword list, and a label holding one is
    rewritten from the keywords that remain. Returns how many words were removed."""
    erased = _words(erased_texts)
    removed = 0
    for model_id in set(model_ids):
        remaining = _words(session.execute(
            select(Segment.text).join(schemas.SegmentTopic, schemas.SegmentTopic.segment_id == Segment.id)
            .where(schemas.SegmentTopic.model_id == model_id)).scalars())
        gone = erased - remaining
        if not gone:
            continue
        for topic in session.execute(select(Topic).where(Topic.model_id == model_id)).scalars():
            kept = [k for k in topic.keywords or [] if not (_words([str(k)]) & gone)]
            label_words = _words([topic.label])
            if len(kept) == len(topic.keywords or []) and not (label_words & gone):
                continue
            removed += len(topic.keywords or []) - len(kept) + len(label_words & gone)
            topic.keywords = kept
            if label_words & gone:
                topic.label = " · ".join(str(k) for k in kept[:3]) or f"Topic {topic.number} (refit to name it)"
            session.add(topic)
    session.flush()
    return removed


def _forget_import_filenames(session: Session, transcript_id: int) -> None:
    """A file name often holds a resident's or a place's name: the import's audit event keeps no name."""
    for event in session.execute(select(AuditEvent).where(AuditEvent.action == "import",
                                                          AuditEvent.entity == "transcript",
                                                          AuditEvent.entity_id == str(transcript_id))).scalars():
        detail = dict(event.detail or {})
        for key in ("filename", "file", "source_filename", "name"):
            if key in detail:
                detail[key] = REMOVED
        event.detail = detail
        session.add(event)


def sweep_orphan_files(engine: Engine) -> list[str]:
    """Delete model folders under the data folder that no topic model record points at (left by an analyse
    killed half-way, or by an erasure); they hold resident text that erasure could not otherwise reach."""
    models_dir = config.data_dir() / "models"
    if not models_dir.is_dir():
        return []
    root = config.data_dir().resolve()
    with session_scope(engine) as session:
        owned = {((Path(p) if Path(p).is_absolute() else root / p).resolve())
                 for p in session.execute(select(TopicModel.path).where(TopicModel.path != "")).scalars()}
    orphans = [str(p) for p in models_dir.iterdir() if p.resolve() not in owned]
    return _delete_model_files(orphans)


def checkpoint(engine: Engine) -> None:
    """SQLite keeps deleted pages in its write-ahead log until a checkpoint: fold the log into the database
    and truncate it, so the erased text is not left in the -wal file. (PostgreSQL: see docs/security.md.)"""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def erase_insight(engine: Engine, actor: Actor, insight_id: int) -> ErasureReport:
    """Delete an insight with its codes, revisions, cached embedding and quotes of it in notes.

    Officers may delete their own insights; admins any.
    """
    report = ErasureReport("insight", insight_id)
    with session_scope(engine) as session:
        insight = get_or_not_found(session, Insight, insight_id,
                                   f"There is no insight {insight_id}; it may already have been deleted.")
        own = actor is not None and actor.id is not None and insight.author_id == actor.id
        if not (can(actor, "insights.edit_any") or (own and can(actor, "insights.delete_own"))):
            require(actor, "insights.edit_any")  # raises with the usual message
            raise PermissionDenied("Only the author or an admin may delete this insight.")
        text = insight.text
        snapshots = session.execute(select(schemas.InsightRevision.snapshot)
                                    .where(schemas.InsightRevision.insight_id == insight_id)).scalars().all()
        earlier = [s.get("text") for s in snapshots if isinstance(s, dict) and isinstance(s.get("text"), str)]
        report.deleted.update(_delete_with_dependents(session, Insight.__table__, Insight.__table__.c.id,
                                                      [insight_id]))
        all_texts = [text, *earlier]
        report.deleted["embedding"] = _delete_unshared_embeddings(session, {text_hash(t) for t in all_texts})
        report.quotes_removed = _scrub_quotes(session, all_texts)
        jobs_queue.forget_outputs(session)  # a prepared report waiting to be downloaded may quote it
        audit.record(session, actor, "delete", "insight", insight_id, ward_code=insight.ward_code,
                     rows=_plain(report.deleted), quotes_removed=report.quotes_removed)
    checkpoint(engine)
    caches.clear_all()  # no in-process cache may keep the erased text (or words of it)
    return report


def locate_text(engine: Engine, actor: Actor, text: str) -> list[Hit]:
    """For an admin: where in the database does this text occur? Audited without the text itself."""
    require(actor, "audit.read")
    hits = find_text_anywhere(engine, text)
    with session_scope(engine) as session:
        audit.record(session, actor, "search", "database", "", characters=len(text), hits=len(hits))
    return hits


def transcripts(engine: Engine, actor: Actor) -> list[dict]:
    """The transcripts one could erase: id, title, ward, date, segments (titles only, no text)."""
    require(actor, "transcripts.delete")
    from sqlalchemy import func

    with session_scope(engine) as session:
        counts = dict(session.execute(select(Segment.transcript_id, func.count())
                                      .group_by(Segment.transcript_id)).all())
        rows = session.execute(select(Transcript.id, Transcript.title, Transcript.ward_code, Transcript.held_on,
                                      Transcript.illustrative).order_by(Transcript.id)).all()
    return [{"id": r.id, "title": r.title, "ward_code": r.ward_code, "held_on": r.held_on,
             "segments": counts.get(r.id, 0), "illustrative": r.illustrative} for r in rows]


# --------------------------------------------------------------------------- proof that nothing remains
@dataclass(frozen=True)
class Hit:
    table: str
    column: str
    key: str  # the row's primary key, as text


def find_text_anywhere(engine: Engine, text: str, ignore_case: bool = False) -> list[Hit]:
    """Every (table, column, row) whose value contains `text`: text, JSON (any depth) and binary columns
    (UTF-8 and UTF-16 encodings) of every table in the database, reflected rather than assumed."""
    if not text:
        raise ValueError("Search for a non-empty text.")
    needle = text.casefold() if ignore_case else text
    encoded = [text.encode("utf-8"), text.encode("utf-16-le")]
    metadata = MetaData()
    metadata.reflect(engine)
    hits: list[Hit] = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            key_columns = list(table.primary_key.columns) or list(table.columns)[:1]
            result = conn.execution_options(yield_per=1000).execute(select(table))
            for row in result.mappings():
                for column in table.columns:
                    if _contains(row[column.name], needle, encoded, ignore_case):
                        key = "/".join(str(row[c.name]) for c in key_columns)
                        hits.append(Hit(table.name, column.name, key))
    return hits


def _contains(value: Any, needle: str, encoded: list[bytes], ignore_case: bool) -> bool:
    if value is None or isinstance(value, (int, float, bool)):
        return False
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
        if any(e in raw for e in encoded):
            return True
        try:
            return _contains(raw.decode("utf-8"), needle, encoded, ignore_case)
        except UnicodeDecodeError:
            return False
    if isinstance(value, dict):
        return any(_contains(k, needle, encoded, ignore_case) or _contains(v, needle, encoded, ignore_case)
                   for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_contains(v, needle, encoded, ignore_case) for v in value)
    if isinstance(value, str):
        haystack = value.casefold() if ignore_case else value
        if needle in haystack:
            return True
        # JSON kept as text (reflection may not know the type) escapes non-ASCII characters: decode it.
        if value[:1] in "[{\"":
            try:
                decoded = json.loads(value)
            except ValueError:
                return False
            return decoded != value and _contains(decoded, needle, encoded, ignore_case)
        return False
    return _contains(str(value), needle, encoded, ignore_case)


# --------------------------------------------------------------------------- quotes
def scrub(text: str, sources: Iterable[str]) -> tuple[str, int]:
    """Replace verbatim quotes of `sources` in `text` by REMOVED; returns (new text, replacements).

    Caught: any passage in double quotes (straight or curly) that is part of a source, and any whole
    source or sentence of a source copied without quotes; case and runs of whitespace are ignored.
    """
    sources = [s for s in sources if s and s.strip()]
    if not text or not sources:
        return text, 0
    normalised = [_normalise(s) for s in sources]
    count = 0

    def quoted(match: re.Match) -> str:
        nonlocal count
        inner = _normalise(match.group(2)).strip(" .,;:!?…'-")
        if len(inner) >= MIN_QUOTE_CHARS and any(inner in s for s in normalised):
            count += 1
            return REMOVED
        return match.group(0)

    text = _QUOTED.sub(quoted, text)
    for fragment in _fragments(sources):
        pattern = r"\s+".join(re.escape(word) for word in fragment.split())
        text, n = re.subn(pattern, REMOVED, text, flags=re.IGNORECASE)
        count += n
    return text, count


_QUOTED = re.compile(r'(["“”„])(.+?)(["“”])', re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def _fragments(sources: list[str]) -> list[str]:
    """Whole sources and their sentences, longest first so a whole quote wins over its parts."""
    found = set()
    for source in sources:
        source = " ".join(source.split())
        if len(source) >= MIN_QUOTE_CHARS:
            found.add(source)
        for sentence in _SENTENCE_END.split(source):
            if len(sentence) >= MIN_SENTENCE_CHARS:
                found.add(sentence)
    return sorted(found, key=len, reverse=True)


def _scrub_value(value: Any, sources: list[str]) -> tuple[Any, int]:
    if isinstance(value, str):
        return scrub(value, sources)
    if isinstance(value, list):
        total, out = 0, []
        for item in value:
            new, n = _scrub_value(item, sources)
            out.append(new)
            total += n
        return out, total
    if isinstance(value, dict):
        total, out = 0, {}
        for key, item in value.items():
            new, n = _scrub_value(item, sources)
            out[key] = new
            total += n
        return out, total
    return value, 0


# Free-text places where people paste what residents or officers said.
_QUOTE_COLUMNS = [
    (WorkshopNote, ["text"]),
    (Hypothesis, ["statement", "test_of_change", "notes"]),
    (DataNeed, ["description"]),
    (ImportBatch, ["report"]),
    (AuditEvent, ["detail"]),
]


def _scrub_quotes(session: Session, sources: list[str]) -> int:
    sources = [s for s in sources if s and len(s.strip()) >= MIN_QUOTE_CHARS]
    if not sources:
        return 0
    total = 0
    for model, columns in _QUOTE_COLUMNS:
        table = model.__table__
        pk = list(table.primary_key.columns)[0]
        for row in session.execute(select(pk, *[table.c[c] for c in columns])).all():
            changes = {}
            for name in columns:
                new, n = _scrub_value(row._mapping[name], sources)
                if n:
                    changes[name] = new
                    total += n
            if changes:
                session.execute(update(table).where(pk == row[0]).values(**changes))
    return total


# --------------------------------------------------------------------------- derived rows
def _delete_with_dependents(session: Session, table: Table, column, values: list) -> dict[str, int]:
    """Delete the rows of `table` whose `column` is in `values`, after every row that references them
    (through any foreign key in the data model), recursively."""
    counts: dict[str, int] = {}
    values = list(dict.fromkeys(v for v in values if v is not None))
    if not values:
        return counts
    for child in schemas.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is not table or child is table:
                continue
            referenced = []
            for chunk in _chunks(values):
                referenced += session.execute(select(fk.column).where(column.in_(chunk))).scalars().all()
            for name, n in _delete_with_dependents(session, child, fk.parent, referenced).items():
                counts[name] = counts.get(name, 0) + n
    deleted = 0
    for chunk in _chunks(values):
        deleted += session.execute(delete(table).where(column.in_(chunk))).rowcount or 0
    counts[table.name] = counts.get(table.name, 0) + deleted
    return counts


def _models_using(session: Session, segment_ids: list[int]) -> set[int]:
    models: set[int] = set()
    for chunk in _chunks(segment_ids):
        models.update(session.execute(select(schemas.SegmentTopic.model_id)
                                      .where(schemas.SegmentTopic.segment_id.in_(chunk))).scalars())
    ids = set(segment_ids)
    for model_id, quotes in session.execute(select(Topic.model_id, Topic.quotes)).all():
        if _quote_ids(quotes) & ids:
            models.add(model_id)
    return models


def _quote_ids(quotes: Any) -> set[int]:
    """Topic.quotes holds segment ids (or dicts with a segment_id)."""
    found = set()
    for item in quotes or []:
        if isinstance(item, int):
            found.add(item)
        elif isinstance(item, dict) and isinstance(item.get("segment_id"), int):
            found.add(item["segment_id"])
    return found


def _drop_topic_quotes(session: Session, segment_ids: set[int]) -> int:
    dropped = 0
    for topic in session.execute(select(Topic)).scalars():
        if not _quote_ids(topic.quotes) & segment_ids:
            continue
        kept = [q for q in topic.quotes
                if not ((isinstance(q, int) and q in segment_ids)
                        or (isinstance(q, dict) and q.get("segment_id") in segment_ids))]
        dropped += len(topic.quotes) - len(kept)
        topic.quotes = kept
        session.add(topic)
    session.flush()
    return dropped


def _transcript_batches(session: Session, transcript: Transcript) -> list[int]:
    """Import records of this transcript: same checksum, or a report naming its id."""
    ids = set(session.execute(select(ImportBatch.id).where(ImportBatch.checksum == transcript.checksum))
              .scalars())
    for batch_id, report in session.execute(select(ImportBatch.id, ImportBatch.report)
                                            .where(ImportBatch.kind == "transcript")).all():
        if isinstance(report, dict) and (report.get("transcript_id") == transcript.id
                                         or transcript.id in (report.get("transcript_ids") or [])):
            ids.add(batch_id)
    return sorted(ids)


def _delete_unshared_embeddings(session: Session, hashes: set[str]) -> int:
    """Cached vectors of deleted texts, unless a remaining segment or insight has the same text."""
    if not hashes:
        return 0
    hashes = set(hashes)
    for chunk in _chunks(sorted(hashes)):
        hashes -= set(session.execute(select(Segment.text_hash).where(Segment.text_hash.in_(chunk))).scalars())
    deleted = 0
    for chunk in _chunks(sorted(hashes)):
        deleted += session.execute(delete(Embedding).where(Embedding.text_hash.in_(chunk))).rowcount or 0
    return deleted


def _delete_model_files(paths: list[str]) -> list[str]:
    """Serialised topic models keep representative documents: delete them, but only inside the data folder."""
    root = config.data_dir().resolve()
    deleted = []
    for raw in paths:
        path = Path(raw)
        path = (path if path.is_absolute() else root / path).resolve()
        if root not in path.parents or not path.exists():
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        deleted.append(str(path))
    return deleted


def _chunks(values: list, size: int = _CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _plain(counts: dict[str, int]) -> dict[str, int]:
    return {k: int(v) for k, v in counts.items() if v}
