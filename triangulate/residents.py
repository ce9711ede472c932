"""Saving transcripts: parse → redact → preview → the researcher confirms → store, in one transaction.

`preview()` parses and redacts in memory (nothing is written) and returns what the researcher reviews:
speakers, turns, and the redaction report with the original words. `save()` validates the choices
(ward, which speakers are residents) and then writes Transcript, Speakers and Segments together, or
nothing. The unredacted upload is stored only when the project keeps raw uploads (off by default).
The same file twice adds nothing (checksum).

For the joint display: `resident_segments_frame(session)` is every resident segment with its ward and
issue, in one query.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import func, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas import (ImportBatch, Issue, RawUpload, Segment, Setting, Speaker, TopicModel, Transcript, Ward,
                     utcnow)
from schemas.transcript_files import TranscriptMetadata
from triangulate import audit, nlp, segments, transcripts
from triangulate.db import session_scope
from triangulate.embeddings import text_hash
from triangulate.errors import ImportFailed, NotFound, Problem, TriangulateError
from triangulate.permissions import Actor, require

REDACTION_KEY = "redaction_lists"  # Setting: {"always": [...], "allow": [...]} for the whole project


# --------------------------------------------------------------------------- project redaction lists
def redaction_lists(engine: Engine, actor: Actor) -> dict[str, list[str]]:
    """The project's always-redact and allow lists (the always list holds names: researchers only)."""
    require(actor, "transcripts.upload")
    with Session(engine) as session:
        setting = session.get(Setting, REDACTION_KEY)
        value = setting.value if setting else {}
    return {"always": list(value.get("always", [])), "allow": list(value.get("allow", []))}


def set_redaction_lists(engine: Engine, actor: Actor, always: list[str], allow: list[str]) -> dict:
    require(actor, "transcripts.upload")
    clean = {"always": sorted({a.strip() for a in always if a and a.strip()}, key=str.lower),
             "allow": sorted({a.strip() for a in allow if a and a.strip()}, key=str.lower)}
    clash = {a.lower() for a in clean["always"]} & {a.lower() for a in clean["allow"]}
    if clash:
        raise TriangulateError(f"{', '.join(sorted(clash))} cannot be on both lists; remove it from one.")
    with session_scope(engine) as session:
        setting = session.get(Setting, REDACTION_KEY) or Setting(key=REDACTION_KEY)
        setting.value, setting.updated_by, setting.updated_at = clean, actor.username, utcnow()
        session.add(setting)
        # Counts only: the always list itself is personal data and stays out of the audit log.
        audit.record(session, actor, "setting", "setting", REDACTION_KEY, always=len(clean["always"]),
                     allow=len(clean["allow"]))
    return clean


# --------------------------------------------------------------------------- preview
@dataclass
class Preview:
    """One parsed and redacted upload, held in memory until the researcher confirms it."""

    parsed: transcripts.ParsedTranscript
    turns: list[nlp.ProcessedTurn]
    speaker_map: dict[str, str]  # label as written -> label as stored
    raw: bytes = field(repr=False, default=b"")
    duplicate_of: int | None = None

    @property
    def filename(self) -> str:
        return self.parsed.filename

    @property
    def redactions(self) -> list[nlp.Redaction]:
        return [r for t in self.turns for r in t.redactions]

    def suggested_roles(self, facilitator: str | None = None) -> dict[str, str]:
        """Each speaker's suggested role (resident / facilitator / unknown); `facilitator` is the form's."""
        return transcripts.suggest_roles(self.parsed, facilitator)

    def suggested_residents(self, facilitator: str | None = None) -> list[str]:
        """Only the speakers the key or the pattern marks as respondents; "unknown" ones are never pre-ticked."""
        roles = self.suggested_roles(facilitator)
        return [s for s in self.parsed.speakers if roles.get(s) == transcripts.RESIDENT]

    def speakers_frame(self, facilitator: str | None = None) -> pd.DataFrame:
        rows = []
        roles = self.suggested_roles(facilitator)
        for stat in self.parsed.speaker_stats():
            rows.append({"speaker in file": stat["speaker"], "stored as": self.speaker_map.get(stat["speaker"]),
                         "turns": stat["turns"], "words": stat["words"],
                         "suggested role": roles.get(stat["speaker"], transcripts.UNKNOWN),
                         "suggested resident": roles.get(stat["speaker"]) == transcripts.RESIDENT})
        return pd.DataFrame(rows)

    def turns_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"line": p.line, "speaker": t.speaker, "start": p.start_s, "text (redacted)": t.text}
                             for p, t in zip(self.parsed.turns, self.turns)])

    def redaction_frame(self) -> pd.DataFrame:
        """For the researcher's review before saving: what was replaced, where, by which rule."""
        return pd.DataFrame([{"line": r.line, "turn": r.turn + 1, "found": r.original, "replaced by": r.pseudonym,
                              "rule": r.rule} for r in self.redactions],
                            columns=["line", "turn", "found", "replaced by", "rule"])

    def drafts(self, residents: set[str]) -> list[segments.SegmentDraft]:
        roles = ["resident" if t.speaker in residents else "facilitator" for t in self.parsed.turns]
        return segments.build(self.turns, roles, [(t.start_s, t.end_s) for t in self.parsed.turns])


def preview(engine: Engine, actor: Actor, filename: str, data: bytes, *, always: list[str] | None = None,
            allow: list[str] | None = None, progress=None, unlabelled: str | None = None) -> Preview:
    """Parse and redact one upload in memory. `always`/`allow` default to the project's lists.

    `unlabelled` ("resident" / "skip" / None = refuse): the researcher's choice for a file with no speaker labels.
    """
    require(actor, "transcripts.upload")
    parsed = transcripts.parse(filename, data, unlabelled=unlabelled)
    if always is None or allow is None:
        lists = redaction_lists(engine, actor)
        always = lists["always"] if always is None else always
        allow = lists["allow"] if allow is None else allow
    turns, speaker_map = nlp.process([t.text for t in parsed.turns], [t.line for t in parsed.turns],
                                     [t.speaker for t in parsed.turns], speaker_names=parsed.speaker_names,
                                     names=parsed.names, always=always, allow=allow, progress=progress)
    with Session(engine) as session:
        existing = session.exec(select(Transcript.id).where(Transcript.checksum == parsed.checksum)).first()
    return Preview(parsed, turns, speaker_map, raw=data, duplicate_of=existing)


def previews(engine: Engine, actor: Actor, files: list[tuple[str, bytes]], **kwargs) -> list[Preview]:
    """Several files: every file's problems are collected before anything is raised."""
    out, problems = [], []
    for name, data in files:
        try:
            out.append(preview(engine, actor, name, data, **kwargs))
        except ImportFailed as exc:
            problems.extend(exc.problems)
    if problems:
        raise ImportFailed(problems)
    return out


# --------------------------------------------------------------------------- save
@dataclass
class Saved:
    transcript_id: int
    created: bool  # False: this file was already imported, nothing was added
    segments: int = 0
    resident_segments: int = 0
    redactions: int = 0


def resolve_ward(session: Session, text: str) -> str | None:
    """A ward code from a code (S13002971) or a name (Govan, springburn/robroyston, Springburn)."""
    value = (text or "").strip()
    if not value:
        return None
    wards = list(session.exec(select(Ward)))
    for w in wards:
        if w.code.lower() == value.lower() or w.name.lower() == value.lower():
            return w.code
    partial = [w for w in wards if value.lower() in [p.lower() for p in w.name.split("/")]]
    return partial[0].code if len(partial) == 1 else None


def save(engine: Engine, actor: Actor, item: Preview, *, ward: str | None = None,
         residents: list[str] | set[str] | None = None, title: str | None = None, held_on: date | None = None,
         method: str | None = None, consent_basis: str | None = None, facilitator: str | None = None,
         illustrative: bool = False) -> Saved:
    """Store one previewed transcript. Everything is validated first; then one transaction or nothing.

    `residents`: the speaker labels (as written in the file) the researcher confirmed as residents; None
    takes the suggestion. Arguments left as None fall back to the file's own metadata.
    """
    require(actor, "transcripts.upload")
    from triangulate import retention

    name = item.filename
    meta = item.parsed.metadata
    problems: list[Problem] = []
    with Session(engine) as session:
        existing = session.exec(select(Transcript.id).where(Transcript.checksum == item.parsed.checksum)).first()
        if existing is not None:
            return Saved(existing, created=False)
        ward_text = ward or meta.get("ward", "")
        ward_code = resolve_ward(session, ward_text)
    if ward_code is None:
        problems.append(Problem(name, None, "ward", f"no ward called {ward_text!r}" if ward_text else
                                "no ward given", "choose one of Glasgow's 23 wards by name (Govan) or code (S13002971)"))
    try:
        shape = TranscriptMetadata(title=title or meta.get("title") or name, ward=ward_code or ward_text or "?",
                                   held_on=held_on or meta.get("date"), method=method or meta.get("method", "interview"),
                                   consent_basis=consent_basis if consent_basis is not None else meta.get("consent_basis", ""),
                                   facilitator=facilitator if facilitator is not None else meta.get("facilitator", ""))
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(Problem(name, None, ".".join(str(p) for p in err["loc"]), err["msg"],
                                    "method is one of interview / focus group / drop-in; title up to 200 characters"))
        shape = None
    chosen = set(item.suggested_residents(facilitator) if residents is None else residents)
    unknown = chosen - set(item.parsed.speakers)
    if unknown:
        problems.append(Problem(name, None, "speakers", f"no speaker called {', '.join(sorted(unknown))} in this file",
                                f"choose from: {', '.join(item.parsed.speakers)}"))
    drafts = item.drafts(chosen)
    resident_drafts = [d for d in drafts if d.role == "resident"]
    if not resident_drafts:
        problems.append(Problem(name, None, "speakers", "no resident turns: only residents' words are analysed",
                                "tick at least one speaker as a resident (interviewers and facilitators are kept "
                                "for context only)"))
    if problems:
        raise ImportFailed(problems)
    keep_raw = retention.keep_raw_uploads(engine)
    report = nlp.stored_report(item.redactions, item.speaker_map)
    with session_scope(engine) as session:
        transcript = Transcript(ward_code=ward_code, title=shape.title, held_on=shape.held_on, method=shape.method,
                                consent_basis=shape.consent_basis, facilitator=shape.facilitator,
                                source_filename=name, source_format=item.parsed.format,
                                checksum=item.parsed.checksum, word_count=item.parsed.word_count,
                                redaction_report=report, illustrative=illustrative, uploaded_by=actor.username)
        session.add(transcript)
        session.flush()
        speaker_ids: dict[str, int] = {}
        for label in item.parsed.speakers:
            row = Speaker(transcript_id=transcript.id, label=item.speaker_map.get(label, label),
                          is_resident=label in chosen)
            session.add(row)
            session.flush()
            speaker_ids[item.speaker_map.get(label, label)] = row.id
        for d in drafts:
            session.add(Segment(transcript_id=transcript.id, speaker_id=speaker_ids.get(d.speaker),
                                speaker_role=d.role, order=d.order, text=d.text, text_hash=text_hash(d.text),
                                start_s=d.start_s, end_s=d.end_s, lemmas=" ".join(d.lemmas),
                                entities=d.entities, noun_chunks=d.noun_chunks))
        if keep_raw:
            session.add(RawUpload(transcript_id=transcript.id, filename=name, content=item.raw))
        session.add(ImportBatch(kind="transcript", filename=name, checksum=item.parsed.checksum,
                                rows=len(drafts), imported_by=actor.username,
                                report={"transcript_id": transcript.id, "redactions": report["total"],
                                        "resident_segments": len(resident_drafts)}))
        # The fitted topics no longer cover every segment: say so until the next analysis.
        session.execute(update(TopicModel).where(TopicModel.is_current.is_(True)).values(stale=True))
        audit.record(session, actor, "import", "transcript", transcript.id, filename=name, ward=ward_code,
                     segments=len(drafts), resident_segments=len(resident_drafts), redactions=report["total"],
                     raw_kept=keep_raw)
        transcript_id = transcript.id
    return Saved(transcript_id, True, len(drafts), len(resident_drafts), report["total"])


def import_file(engine: Engine, actor: Actor, filename: str, data: bytes, *, ward: str | None = None,
                residents: list[str] | None = None, illustrative: bool = False, **meta) -> Saved:
    """Preview and save in one go (command line, demo): the suggested residents unless named."""
    return save(engine, actor, preview(engine, actor, filename, data), ward=ward, residents=residents,
                illustrative=illustrative, **meta)


# --------------------------------------------------------------------------- reading
def resident_segments_frame(session: Session, ward_code: str | None = None) -> pd.DataFrame:
    """Every resident segment with its ward and issue, in one query (for signals and the joint display).

    Columns: segment_id, ward_code, issue_id, issue_code, issue_source, transcript_id, text, entities,
    illustrative. Facilitators' segments are left out: only residents' words count as the residents' signal.
    """
    query = (select(Segment.id, Transcript.ward_code, Segment.issue_id, Issue.code, Segment.issue_source,
                    Segment.transcript_id, Segment.text, Segment.entities, Transcript.illustrative)
             .join(Transcript, Transcript.id == Segment.transcript_id)
             .join(Issue, Issue.id == Segment.issue_id, isouter=True)
             .where(Segment.speaker_role == "resident"))
    if ward_code:
        query = query.where(Transcript.ward_code == ward_code)
    rows = session.exec(query.order_by(Segment.transcript_id, Segment.order)).all()
    return pd.DataFrame(rows, columns=["segment_id", "ward_code", "issue_id", "issue_code", "issue_source",
                                       "transcript_id", "text", "entities", "illustrative"])


def list_transcripts(engine: Engine, actor: Actor, ward_code: str | None = None) -> pd.DataFrame:
    require(actor, "quotes.read")
    with Session(engine) as session:
        counts = (select(Segment.transcript_id, func.count(Segment.id).label("n"))
                  .where(Segment.speaker_role == "resident").group_by(Segment.transcript_id).subquery())
        query = (select(Transcript.id, Transcript.title, Ward.name, Transcript.held_on, Transcript.method,
                        Transcript.source_format, Transcript.word_count, counts.c.n, Transcript.illustrative,
                        Transcript.uploaded_by, Transcript.consent_basis)
                 .join(Ward, Ward.code == Transcript.ward_code)
                 .join(counts, counts.c.transcript_id == Transcript.id, isouter=True))
        if ward_code:
            query = query.where(Transcript.ward_code == ward_code)
        rows = session.exec(query.order_by(Transcript.held_on.desc(), Transcript.id)).all()
    return pd.DataFrame(rows, columns=["id", "title", "ward", "held on", "method", "format", "words",
                                       "resident segments", "illustrative", "uploaded by", "consent basis"])


def transcript_view(engine: Engine, actor: Actor, transcript_id: int) -> tuple[Transcript, pd.DataFrame]:
    """A whole (redacted) transcript in speaking order, for the viewer."""
    require(actor, "transcripts.read")
    with session_scope(engine) as session:
        transcript = session.get(Transcript, transcript_id)
        if transcript is None:
            raise NotFound(f"No transcript {transcript_id}.")
        rows = session.exec(select(Segment.order, Speaker.label, Segment.speaker_role, Segment.start_s,
                                   Segment.text, Issue.label)
                            .join(Speaker, Speaker.id == Segment.speaker_id, isouter=True)
                            .join(Issue, Issue.id == Segment.issue_id, isouter=True)
                            .where(Segment.transcript_id == transcript_id).order_by(Segment.order)).all()
        audit.record(session, actor, "read", "transcript", transcript_id)
    return transcript, pd.DataFrame(rows, columns=["order", "speaker", "role", "start (s)", "text", "issue"])


PLACEHOLDER = re.compile(r"\[(?:PERSON|PHONE|EMAIL|POSTCODE|NI NUMBER|DOB|ADDRESS|REDACTED) \d+\]")


def mark_redactions(text: str) -> str:
    """Redactions made visible in plain text (the viewer shows this in a code-free text block)."""
    return PLACEHOLDER.sub(lambda m: f"█{m.group(0)}█", text)


def search_segments(engine: Engine, actor: Actor, query: str, mode: str = "word", ward_code: str | None = None,
                    limit: int = 200) -> pd.DataFrame:
    """Resident segments containing a word, a lemma (any form: "bus" finds "buses"), or an entity."""
    require(actor, "quotes.read")
    columns = ["segment_id", "ward", "transcript", "issue", "text", "entities"]
    needle = (query or "").strip()
    if not needle:
        return pd.DataFrame(columns=columns)
    if mode not in ("word", "lemma", "entity"):
        raise TriangulateError("Search by word, lemma or entity.")
    base = (select(Segment.id, Ward.name, Transcript.title, Issue.label, Segment.text, Segment.entities,
                   Segment.lemmas)
            .join(Transcript, Transcript.id == Segment.transcript_id)
            .join(Ward, Ward.code == Transcript.ward_code)
            .join(Issue, Issue.id == Segment.issue_id, isouter=True)
            .where(Segment.speaker_role == "resident"))
    if ward_code:
        base = base.where(Transcript.ward_code == ward_code)
    if mode == "word":
        pattern = re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)", re.I)
        base = base.where(Segment.text.ilike(f"%{needle}%"))
        keep = lambda row: bool(pattern.search(row[4]))  # noqa: E731
    elif mode == "lemma":
        lemmas = [t.lemma_.lower() for t in nlp.pipeline()(needle) if not t.is_punct and not t.is_space]
        if not lemmas:
            return pd.DataFrame(columns=columns)
        base = base.where(or_(*[Segment.lemmas.ilike(f"%{l}%") for l in lemmas]))
        keep = lambda row: all(l in row[6].split() for l in lemmas)  # noqa: E731
    else:
        low = needle.lower()
        keep = lambda row: any(low == e[0].lower() or low in e[0].lower().split() for e in row[5] or [])  # noqa: E731
    with Session(engine) as session:
        rows = [r for r in session.exec(base.order_by(Segment.id)) if keep(r)][:limit]
    return pd.DataFrame([r[:6] for r in rows], columns=columns)


# --------------------------------------------------------------------------- illustrative data
DEMO_FOLDER = "demo/transcripts"
DEMO_FILES = {  # file -> what the researcher would type in the upload form (the rest is in the files)
    "govan_parents_focus_group.vtt": {"ward": "Govan", "title": "Parents' focus group, Govan community hub",
                                      "method": "focus group", "held_on": date(2025, 3, 11),
                                      "facilitator": "Laura Mitchell",
                                      "consent_basis": "Written consent; lawful basis public task (UK GDPR 6(1)(e))"},
    "govan_interview_elder_park.docx": {},
    "govan_cross_drop_in.txt": {},
    "govan_young_parents_group.md": {},
    "calton_family_group.srt": {"ward": "Calton", "title": "Family group, Calton community centre",
                                "method": "focus group", "held_on": date(2025, 3, 4),
                                "facilitator": "Community research team",
                                "consent_basis": "Written consent; lawful basis public task (UK GDPR 6(1)(e))"},
    "calton_bridgeton_interview.txt": {},
    "springburn_robroyston_interview.md": {},
    "robroyston_drop_in.txt": {},
    "drumchapel_anniesland_focus_group.txt": {},
    "greater_pollok_interview.md": {},
}


def load_demo(engine: Engine, actor: Actor | None = None) -> int:
    """Load the illustrative transcripts (fictional, labelled) and fit their topics. Idempotent."""
    from triangulate import topics
    from triangulate.config import PACKAGE_DATA
    from triangulate.permissions import SYSTEM

    actor = actor or SYSTEM
    folder = PACKAGE_DATA / DEMO_FOLDER
    with session_scope(engine) as session:  # the wards, if the numbers step has not loaded them yet
        known = set(session.exec(select(Ward.code)).all())
        for code, name in nlp.WARDS.items():
            if code not in known:
                session.add(Ward(code=code, name=name))
    added = 0
    for filename, meta in DEMO_FILES.items():
        saved = import_file(engine, actor, filename, (folder / filename).read_bytes(), illustrative=True, **meta)
        added += int(saved.created)
    topics.analyse(engine, actor)
    return added
