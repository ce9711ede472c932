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

from schemas import (
    ImportBatch,
    Issue,
    RawUpload,
    Segment,
    SegmentPlace,
    Setting,
    Speaker,
    TopicModel,
    Transcript,
    TranscriptPlace,
    Ward,
    utcnow,
)
from schemas.transcript_files import TranscriptMetadata
from triangulate.core import audit, exports, places
from triangulate.core.db import get_or_not_found, session_scope
from triangulate.core.embeddings import text_hash
from triangulate.core.errors import ImportFailed, Problem, TriangulateError
from triangulate.core.permissions import Actor, can, require
from triangulate.residents import metadata_redaction, nlp, segments, transcripts

MAX_UPLOAD_MB = transcripts.MAX_BYTES // (1024 * 1024)  # the one upload limit: parser, page and uploader widget
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
    # The lists this redaction used: the project's lists plus this file's own un-redact / redact choices.
    always: list[str] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # person names given outside the file (the form's facilitator)
    parse_options: dict = field(default_factory=dict)

    @property
    def filename(self) -> str:
        return self.parsed.filename

    @property
    def all_names(self) -> list[str]:
        """Every person name known for this transcript: the file's own and those typed in the form."""
        return list(dict.fromkeys([*self.parsed.names, *self.names]))

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
        """For the researcher's review before saving: what was replaced, where, by which rule (all of them)."""
        return pd.DataFrame([{"line": r.line, "turn": r.turn + 1, "found": r.original, "replaced by": r.pseudonym,
                              "rule": r.rule, "category": r.category} for r in self.redactions],
                            columns=["line", "turn", "found", "replaced by", "rule", "category"])

    def drafts(self, residents: set[str]) -> list[segments.SegmentDraft]:
        roles = ["resident" if t.speaker in residents else "facilitator" for t in self.parsed.turns]
        return segments.build(self.turns, roles, [(t.start_s, t.end_s) for t in self.parsed.turns])


def preview(engine: Engine, actor: Actor, filename: str, data: bytes, *, always: list[str] | None = None,
            allow: list[str] | None = None, progress=None, names: list[str] | None = None,
            parsed: transcripts.ParsedTranscript | None = None, docs: list | None = None,
            **parse_options) -> Preview:
    """Parse and redact one upload in memory. `always`/`allow` default to the project's lists; `names` are
    person names given outside the file (e.g. the facilitator typed in the form), redacted like the file's own.
    `parse_options` go to `transcripts.parse`; `parsed` and `docs` (its turns through spaCy) are the file
    already parsed, by `preview_many`."""
    require(actor, "transcripts.upload")
    parsed = parsed or transcripts.parse(filename, data, **parse_options)
    if always is None or allow is None:
        lists = redaction_lists(engine, actor)
        always = lists["always"] if always is None else always
        allow = lists["allow"] if allow is None else allow
    with Session(engine) as session:
        existing = session.exec(select(Transcript.id).where(Transcript.checksum == parsed.checksum)).first()
    item = Preview(parsed, [], {}, raw=data, duplicate_of=existing, always=list(always), allow=list(allow),
                   names=list(dict.fromkeys(n.strip() for n in names or [] if n and n.strip())),
                   parse_options=dict(parse_options))
    return _redact(item, progress, docs)


def _redact(item: Preview, progress=None, docs: list | None = None) -> Preview:
    """(Re-)run the redaction of one previewed file with its current lists; the parse is kept."""
    parsed = item.parsed
    item.turns, item.speaker_map = nlp.process(
        [t.text for t in parsed.turns], [t.line for t in parsed.turns], [t.speaker for t in parsed.turns],
        speaker_names=parsed.speaker_names, names=item.all_names, always=item.always, allow=item.allow,
        progress=progress, docs=docs)
    return item


def redo(item: Preview, *, keep: list[str] = (), redact: list[str] = (), names: list[str] = (),
         progress=None) -> Preview:
    """The researcher's corrections for this file only: `keep` words in clear (its allow list), `redact`
    more words (its always list), `names` more people. Returns a new Preview; the old one is unchanged."""
    keep_low = {k.strip().lower() for k in keep if k and k.strip()}
    redact_low = {k.strip().lower() for k in redact if k and k.strip()}
    clash = keep_low & redact_low
    if clash:
        raise TriangulateError(f"{', '.join(sorted(clash))} cannot be both kept and redacted; choose one.")
    always = _merged(item.always, redact, drop=keep_low)
    allow = _merged(item.allow, keep, drop=redact_low)
    extra = [n for n in item.names if n.lower() not in keep_low]
    extra += [n.strip() for n in names if n and n.strip() and n.strip() not in extra]
    fresh = Preview(item.parsed, [], {}, raw=item.raw, duplicate_of=item.duplicate_of, always=always, allow=allow,
                    names=extra, parse_options=dict(item.parse_options))
    return _redact(fresh, progress)


def _merged(existing: list[str], more, drop: set[str]) -> list[str]:
    """`existing` without the words in `drop` (lower-case), then the new words it lacks (case-insensitively)."""
    out = [a for a in existing if a.lower() not in drop]
    have = {a.lower() for a in out}
    return out + [w.strip() for w in more if w and w.strip() and w.strip().lower() not in have]
def preview_many(engine: Engine, actor: Actor, files: list[tuple[str, bytes]], *, progress=None,
                 **kwargs) -> list[Preview | ImportFailed]:
    """Several files, each parsed and redacted as `preview` does, with spaCy run once over the turns of all of
    them (`nlp.parse_together`: one batch stream, both cores on a big import). One entry per file: its Preview,
    or the ImportFailed (a TranscriptSkipped too) that file raised. `progress(done, total)` counts files."""
    require(actor, "transcripts.upload")
    parse_options = {k: kwargs[k] for k in ("unlabelled",) if k in kwargs}
    parsed: list[transcripts.ParsedTranscript | ImportFailed] = []
    for name, data in files:
        try:
            parsed.append(transcripts.parse(name, data, **parse_options))
        except ImportFailed as exc:
            parsed.append(exc)
    ok = [p for p in parsed if not isinstance(p, ImportFailed)]
    docs = iter(nlp.parse_together([[t.text for t in p.turns] for p in ok]))
    out: list[Preview | ImportFailed] = []
    for k, ((name, data), item) in enumerate(zip(files, parsed)):
        if isinstance(item, ImportFailed):
            out.append(item)
        else:
            try:
                out.append(preview(engine, actor, name, data, parsed=item, docs=next(docs), **kwargs))
            except ImportFailed as exc:
                out.append(exc)
        if progress:
            progress(k + 1, len(files))
    return out


def previews(engine: Engine, actor: Actor, files: list[tuple[str, bytes]], *, skipped=None,
             **kwargs) -> list[Preview]:
    """Several files: every file's problems are collected before anything is raised. A file skipped on purpose
    (TranscriptSkipped, with `unlabelled="skip"`) goes to `skipped(it)` when that is given, not to the problems."""
    out, problems = [], []
    for result in preview_many(engine, actor, files, **kwargs):
        if skipped is not None and isinstance(result, transcripts.TranscriptSkipped):
            skipped(result)
        elif isinstance(result, ImportFailed):
            problems.extend(result.problems)
        else:
            out.append(result)
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


def resolve_ward(session: Session, text: str) -> tuple[str | None, str | None]:
    """(ward code, None), or (None, the problem and its fix): the one resolver, `places.resolve_ward`."""
    try:
        return places.Gazetteer.load(session).resolve_ward(text), None
    except TriangulateError as exc:
        return None, str(exc)


@dataclass
class Prepared:
    """One previewed transcript, validated and ready to write (see `prepare` and `write`)."""

    item: Preview
    shape: TranscriptMetadata
    ward_code: str
    chosen: set[str]
    drafts: list[segments.SegmentDraft]
    stored_name: str
    keep_raw: bool
    illustrative: bool
    places: tuple[tuple[str, str], ...] = ()  # (IZ code, "held" / "lives") from the metadata form

    @property
    def resident_drafts(self) -> list[segments.SegmentDraft]:
        return [d for d in self.drafts if d.role == "resident"]


def prepare(engine: Engine, actor: Actor, item: Preview, *, ward: str | None = None,
            residents: list[str] | set[str] | None = None, title: str | None = None, held_on: date | None = None,
            method: str | None = None, consent_basis: str | None = None, facilitator: str | None = None,
            illustrative: bool = False, held_at: str | None = None, participants_live: str | None = None
            ) -> Prepared | Saved:
    """Validate one previewed transcript for saving, writing nothing. Returns what `write` stores, or `Saved`
    (created=False) when the same file is already stored; raises ImportFailed naming every problem.

    `held_at` / `participants_live`: where the conversation was held and where its participants live, each
    an area in the ward (IZ or DZ code or name, a neighbourhood; several separated by ";")."""
    require(actor, "transcripts.upload")
    from triangulate.access import retention

    name = item.filename
    meta = item.parsed.metadata
    problems: list[Problem] = []
    with Session(engine) as session:
        existing = session.exec(select(Transcript.id).where(Transcript.checksum == item.parsed.checksum)).first()
        if existing is not None:
            return Saved(existing, created=False)
        ward_text = ward or meta.get("ward", "")
        ward_code, ward_problem = resolve_ward(session, ward_text)
        ward_name = session.get(Ward, ward_code).name if ward_code else None
        gazetteer = places.Gazetteer.load(session)
    where = _transcript_places(gazetteer, name, ward_code, held_at, participants_live, meta.get("location"),
                               problems)
    if ward_code is None:
        message, _, fix = (ward_problem or "").partition(" Fix: ")
        problems.append(Problem(name, None, "ward", message.rstrip("."), fix.rstrip(".") or
                                "choose one of Glasgow's 23 wards by name (Govan) or code (S13002971)"))
    facilitator = facilitator if facilitator is not None else meta.get("facilitator", "")
    # A facilitator typed in the form is a person the text may name: redact them there too before saving.
    typed = [n for n in metadata_redaction.person_names(facilitator)
             if n.lower() not in {known.lower() for known in item.all_names}]
    if typed:
        item = redo(item, names=typed)
    method = method or meta.get("method", "interview")
    held_on = held_on or meta.get("date")
    stored_title = (metadata_redaction.redact_label(item, title) if title and title.strip()
                    else metadata_redaction.neutral_title(method, ward_name or ward_text, held_on))
    consent = consent_basis if consent_basis is not None else meta.get("consent_basis", "")
    shape = _shape(item, problems, title=stored_title or "Transcript", ward=ward_code or ward_text or "?",
                   held_on=held_on, method=method, consent_basis=consent, facilitator=facilitator)
    chosen = set(item.suggested_residents(facilitator) if residents is None else residents)
    drafts = item.drafts(chosen)
    problems += _speaker_problems(item, chosen, drafts)
    if problems:
        raise ImportFailed(problems)
    # file, import batch and audit: never the raw name
    return Prepared(item=item, shape=shape, ward_code=ward_code, chosen=chosen, drafts=drafts,
                    stored_name=metadata_redaction.redact_filename(item, name),
                    keep_raw=retention.keep_raw_uploads(engine), illustrative=illustrative, places=tuple(where))


def _shape(item: Preview, problems: list[Problem], *, consent_basis: str, facilitator: str,
           **fields) -> TranscriptMetadata | None:
    """The transcript's metadata as stored (consent basis and facilitator redacted like the text); None with the
    problems noted when a field is invalid."""
    try:
        return TranscriptMetadata(**fields, consent_basis=metadata_redaction.redact_label(item, consent_basis),
                                  facilitator=metadata_redaction.redact_label(item, facilitator))
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(Problem(item.filename, None, ".".join(str(p) for p in err["loc"]), err["msg"],
                                    "method is one of interview / focus group / drop-in; title up to 200 characters"))
        return None


def _speaker_problems(item: Preview, chosen: set[str], drafts: list) -> list[Problem]:
    """The residents chosen must be speakers of the file, and someone must be a resident."""
    problems = []
    name = item.filename
    unknown = chosen - set(item.parsed.speakers)
    if unknown:
        problems.append(Problem(name, None, "speakers", f"no speaker called {', '.join(sorted(unknown))} in this file",
                                f"choose from: {', '.join(item.parsed.speakers)}"))
    if not any(d.role == "resident" for d in drafts):
        problems.append(Problem(name, None, "speakers", "no resident turns: only residents' words are analysed",
                                "tick at least one speaker as a resident (interviewers and facilitators are kept "
                                "for context only)"))
    return problems


def write(session: Session, actor: Actor, ready: Prepared) -> tuple[Saved, dict[int, int]]:
    """Store a prepared transcript inside the caller's transaction. Returns (Saved, segment id by draft order)."""
    require(actor, "transcripts.upload")
    item, shape = ready.item, ready.shape
    report = nlp.stored_report(item.redactions, item.speaker_map)
    transcript = Transcript(ward_code=ready.ward_code, title=shape.title, held_on=shape.held_on, method=shape.method,
                            consent_basis=shape.consent_basis, facilitator=shape.facilitator,
                            source_filename=ready.stored_name, source_format=item.parsed.format,
                            checksum=item.parsed.checksum, word_count=item.parsed.word_count,
                            redaction_report=report, illustrative=ready.illustrative, uploaded_by=actor.username)
    session.add(transcript)
    session.flush()
    speaker_ids: dict[str, int] = {}
    for label in item.parsed.speakers:
        row = Speaker(transcript_id=transcript.id, label=item.speaker_map.get(label, label),
                      is_resident=label in ready.chosen)
        session.add(row)
        session.flush()
        speaker_ids[item.speaker_map.get(label, label)] = row.id
    rows = []
    for d in ready.drafts:
        rows.append(Segment(transcript_id=transcript.id, speaker_id=speaker_ids.get(d.speaker),
                            speaker_role=d.role, order=d.order, text=d.text, text_hash=text_hash(d.text),
                            start_s=d.start_s, end_s=d.end_s, lemmas=" ".join(d.lemmas),
                            entities=d.entities, noun_chunks=d.noun_chunks))
        session.add(rows[-1])
    session.flush()
    _write_places(session, transcript.id, ready, rows)
    if ready.keep_raw:
        session.add(RawUpload(transcript_id=transcript.id, filename=ready.stored_name, content=item.raw))
    n_resident = len(ready.resident_drafts)
    session.add(ImportBatch(kind="transcript", filename=ready.stored_name, checksum=item.parsed.checksum,
                            rows=len(ready.drafts), imported_by=actor.username,
                            report={"transcript_id": transcript.id, "redactions": report["total"],
                                    "resident_segments": n_resident}))
    # The fitted topics no longer cover every segment: say so until the next analysis.
    session.execute(update(TopicModel).where(TopicModel.is_current.is_(True)).values(stale=True))
    audit.record(session, actor, "import", "transcript", transcript.id, filename=ready.stored_name,
                 ward=ready.ward_code, segments=len(ready.drafts), resident_segments=n_resident,
                 redactions=report["total"], raw_kept=ready.keep_raw)
    session.flush()
    return (Saved(transcript.id, True, len(ready.drafts), n_resident, report["total"]),
            {d.order: row.id for d, row in zip(ready.drafts, rows)})


def _transcript_places(gazetteer: places.Gazetteer, name: str, ward_code: str | None, held_at: str | None,
                       participants_live: str | None, location, problems: list[Problem]) -> list[tuple[str, str]]:
    """(IZ code, "held" / "lives") from the form, or from the file's own location when the form leaves "where
    held" empty; a place the form names outside the ward is a problem (appended to `problems`)."""
    where: list[tuple[str, str]] = []
    if not ward_code:
        return where
    for role, column, text in (("held", "held_at", held_at), ("lives", "participants_live", participants_live)):
        if (text or "").strip():
            try:
                where += [(iz, role) for iz in places.area_codes(gazetteer, text, ward_code)]
            except TriangulateError as exc:
                problems.append(Problem(name, None, column, *places.split_fix(str(exc))))
    if held_at is None and location:
        where += [(iz, "held") for iz in _places_named_in(gazetteer, str(location), ward_code)]
    return where


def _places_named_in(gazetteer: places.Gazetteer, text: str, ward_code: str) -> list[str]:
    """The IZs of the ward that a file's own "Location:" line names ("Pearce Institute, Govan Cross"); free
    text, so a place outside the ward or no place at all is simply not used."""
    from triangulate.core import place_mentions

    found: list[str] = []
    for mention in place_mentions.matcher_for(gazetteer).find(text):
        try:
            found += gazetteer.resolve_area(mention.name, ward_code).iz_codes
        except TriangulateError:
            continue
    return list(dict.fromkeys(found))


def _write_places(session: Session, transcript_id: int, ready: Prepared, rows: list[Segment]) -> None:
    """The transcript's places (TranscriptPlace), copied to every segment (SegmentPlace, source "transcript"),
    and the places each segment's redacted text mentions (SegmentPlace, source "mention")."""
    from triangulate.core import place_mentions

    for iz, role in dict.fromkeys(ready.places):
        session.add(TranscriptPlace(transcript_id=transcript_id, iz_code=iz, role=role))
    shared = list(dict.fromkeys(iz for iz, _ in ready.places))
    matcher = place_mentions.matcher_for(places.Gazetteer.load(session))
    found = matcher.find_many([row.text for row in rows])
    for row, mentions in zip(rows, found, strict=True):
        for iz in shared:
            session.add(SegmentPlace(segment_id=row.id, iz_code=iz, source="transcript"))
        for iz, words in dict.fromkeys((iz, m.text) for m in mentions for iz in m.iz_codes):
            session.add(SegmentPlace(segment_id=row.id, iz_code=iz, source="mention", mention=words))


def refresh_place_mentions(engine: Engine, actor: Actor) -> int:
    """Find the places every stored segment's (redacted) text mentions again, with the gazetteer as it is now
    (after a researcher adds a local name, or for transcripts saved before places existed). Replaces the
    segments' "mention" places; the transcripts' own places are kept. Returns the number of mention rows."""
    from sqlalchemy import delete

    from triangulate.core import place_mentions

    require(actor, "transcripts.analyse")
    with session_scope(engine) as session:
        matcher = place_mentions.matcher_for(places.Gazetteer.load(session))
        session.execute(delete(SegmentPlace).where(SegmentPlace.source == "mention"))
        added = 0
        last = 0
        while True:
            batch = session.exec(select(Segment.id, Segment.text).where(Segment.id > last)
                                 .order_by(Segment.id).limit(2000)).all()
            if not batch:
                break
            for (segment_id, _), mentions in zip(batch, matcher.find_many([t for _, t in batch]), strict=True):
                for iz, words in dict.fromkeys((iz, m.text) for m in mentions for iz in m.iz_codes):
                    session.add(SegmentPlace(segment_id=segment_id, iz_code=iz, source="mention", mention=words))
                    added += 1
            last = batch[-1][0]
        audit.record(session, actor, "analyse", "place_mentions", "", rows=added)
    return added


def save(engine: Engine, actor: Actor, item: Preview, **choices) -> Saved:
    """Store one previewed transcript: validated first (`prepare`), then one transaction or nothing.

    `residents`: the speaker labels (as written in the file) the researcher confirmed as residents; None
    takes the suggestion. Choices left as None fall back to the file's own metadata.
    """
    ready = prepare(engine, actor, item, **choices)
    if isinstance(ready, Saved):
        return ready
    with session_scope(engine) as session:
        saved, _ = write(session, actor, ready)
    return saved


def import_files(engine: Engine, actor: Actor, files: list[tuple[str, bytes, dict]], *,
                 illustrative: bool = False) -> list[Saved]:
    """Preview and save several files in one go (command line, demo, bench): spaCy runs once over all of them;
    each file's dict holds its `save` choices (ward, residents, title, …). Problems in any file are raised
    together before anything is saved."""
    items = previews(engine, actor, [(name, data) for name, data, _ in files])
    return [save(engine, actor, item, illustrative=illustrative, **{"residents": None, **choices})
            for item, (_, _, choices) in zip(items, files)]


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
    frame = pd.DataFrame(rows, columns=["id", "title", "ward", "held on", "method", "format", "words",
                                        "resident segments", "illustrative", "uploaded by", "consent basis"])
    if quotes_only(actor):  # a typed title can say more than a quote-reader needs: method, ward and date only
        frame["title"] = [metadata_redaction.neutral_title(m, w, d)
                          for m, w, d in zip(frame["method"], frame["ward"], frame["held on"])]
    return frame


def transcript_view(engine: Engine, actor: Actor, transcript_id: int) -> tuple[Transcript, pd.DataFrame]:
    """A whole (redacted) transcript in speaking order, for the viewer."""
    require(actor, "transcripts.read")
    with session_scope(engine) as session:
        transcript = get_or_not_found(session, Transcript, transcript_id, f"No transcript {transcript_id}.")
        rows = session.exec(select(Segment.order, Speaker.label, Segment.speaker_role, Segment.start_s,
                                   Segment.text, Issue.label)
                            .join(Speaker, Speaker.id == Segment.speaker_id, isouter=True)
                            .join(Issue, Issue.id == Segment.issue_id, isouter=True)
                            .where(Segment.transcript_id == transcript_id).order_by(Segment.order)).all()
        audit.record(session, actor, "read", "transcript", transcript_id)
    return transcript, pd.DataFrame(rows, columns=["order", "speaker", "role", "start (s)", "text", "issue"])


PLACEHOLDER = re.compile(r"\[(?:PERSON|PHONE|EMAIL|POSTCODE|NI NUMBER|DOB|ADDRESS|REDACTED) \d+\]")


RULE_NAMES = {"speaker": "names the file gives", "spacy_person": "names found in the text",
              "always_list": "always-redact list", "email": "e-mail addresses", "phone": "phone numbers",
              "postcode": "postcodes", "ni_number": "NI numbers", "dob": "dates of birth",
              "numeric_date": "dates", "address": "addresses", "spoken_phone": "phone numbers said aloud",
              "spoken_ni_number": "NI numbers said aloud", "spoken_date": "dates of birth said aloud",
              "dob_answer": "dates of birth given as answers"}


def redaction_summary(report: dict | None) -> str:
    """One sentence about a stored transcript's redactions, for the reader ("3 redactions: 2 names …")."""
    report = report or {}
    total = int(report.get("total", 0) or 0)
    if total == 0:
        return "No personal data was found to redact in this transcript when it was saved."
    by_rule = report.get("by_rule") or {}
    parts = ", ".join(f"{n} {RULE_NAMES.get(rule, rule.replace('_', ' '))}" for rule, n in
                      sorted(by_rule.items(), key=lambda kv: -kv[1]))
    noun = "redaction" if total == 1 else "redactions"
    return (f"{total} {noun} before saving" + (f" ({parts})" if parts else "")
            + ". Redactions are marked █[PERSON 1]█; the original words were never stored.")


def mark_redactions(text: str) -> str:
    """Redactions made visible in plain text (the viewer shows this in a code-free text block)."""
    return PLACEHOLDER.sub(lambda m: f"█{m.group(0)}█", text)


QUOTE_LIMIT = 20  # at most this many quotes for a role that may not read whole transcripts
QUOTES_PER_TRANSCRIPT = 5  # … and at most this many from any one transcript, none of them neighbours
SEARCH_COLUMNS = ["segment_id", "ward", "transcript", "issue", "text", "entities"]
QUOTE_COLUMNS = ["ward", "conversation", "issue", "text", "entities"]


def quotes_only(actor: Actor) -> bool:
    """True for roles that see quotes but may not read whole transcripts (officers, viewers)."""
    return not can(actor, "transcripts.read")


def search_segments(engine: Engine, actor: Actor, query: str, mode: str = "word", ward_code: str | None = None,
                    limit: int = 200) -> pd.DataFrame:
    """Resident segments containing a word, a lemma (any form: "bus" finds "buses"), or an entity.

    Researchers and leads get every match (up to `limit`) with the transcript's title. A role that may not
    read whole transcripts gets quotes, not transcripts: at most `QUOTE_LIMIT` (and `QUOTES_PER_TRANSCRIPT`
    per transcript), never two neighbouring segments of one transcript, taken in turn from each transcript,
    with only the neutral method/ward/date for where they came from and no segment ids. The cap lives here so
    that no page or export can lift it. `frame.attrs`: matched (how many segments matched), capped (bool).
    """
    require(actor, "quotes.read")
    capped = quotes_only(actor)
    columns = QUOTE_COLUMNS if capped else SEARCH_COLUMNS
    needle = (query or "").strip()
    if not needle:
        return _search_frame([], columns, 0, capped)
    if mode not in ("word", "lemma", "entity"):
        raise TriangulateError("Search by word, lemma or entity.")
    base = (select(Segment.id, Ward.name, Transcript.title, Issue.label, Segment.text, Segment.entities,
                   Segment.lemmas, Segment.transcript_id, Segment.order, Transcript.method, Transcript.held_on)
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
            return _search_frame([], columns, 0, capped)
        base = base.where(or_(*[Segment.lemmas.ilike(f"%{lemma}%") for lemma in lemmas]))
        keep = lambda row: all(lemma in row[6].split() for lemma in lemmas)  # noqa: E731
    else:
        low = needle.lower()
        keep = lambda row: any(low == e[0].lower() or low in e[0].lower().split() for e in row[5] or [])  # noqa: E731
    with Session(engine) as session:
        rows = [r for r in session.exec(base.order_by(Segment.id)) if keep(r)]
        if not capped:
            return _search_frame([r[:6] for r in rows[:limit]], columns, len(rows), False)
        neighbours = _resident_positions(session, {r[7] for r in rows})
    picked = _spread_quotes(rows, neighbours, min(limit, QUOTE_LIMIT))
    out = [(r[1], metadata_redaction.neutral_title(r[9], r[1], r[10]), r[3], r[4], r[5]) for r in picked]
    return _search_frame(out, columns, len(rows), True)


def _search_frame(rows: list, columns: list[str], matched: int, capped: bool) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    frame.attrs.update(matched=matched, capped=capped)
    return frame


def _resident_positions(session: Session, transcript_ids: set[int]) -> dict[int, int]:
    """segment id -> its place among its transcript's resident segments (0, 1, 2, … in speaking order)."""
    if not transcript_ids:
        return {}
    rows = session.exec(select(Segment.id, Segment.transcript_id)
                        .where(Segment.speaker_role == "resident", Segment.transcript_id.in_(transcript_ids))
                        .order_by(Segment.transcript_id, Segment.order, Segment.id)).all()
    positions, counters = {}, {}
    for seg_id, transcript_id in rows:
        positions[seg_id] = counters.get(transcript_id, 0)
        counters[transcript_id] = positions[seg_id] + 1
    return positions


def _spread_quotes(rows: list, positions: dict[int, int], limit: int) -> list:
    """Take matches in turn from each transcript, skipping any next to one already taken from it."""
    by_transcript: dict[int, list] = {}
    for row in rows:
        by_transcript.setdefault(row[7], []).append(row)
    taken: dict[int, set[int]] = {t: set() for t in by_transcript}
    queues = {t: list(v) for t, v in by_transcript.items()}
    picked: list = []
    while len(picked) < limit and any(queues.values()):
        for transcript_id in sorted(queues):
            queue = queues[transcript_id]
            while queue:
                row = queue.pop(0)
                place = positions.get(row[0], -10)
                if len(taken[transcript_id]) >= QUOTES_PER_TRANSCRIPT:
                    queue.clear()
                    break
                if any(abs(place - other) <= 1 for other in taken[transcript_id]):
                    continue
                taken[transcript_id].add(place)
                picked.append(row)
                break
            if len(picked) >= limit:
                break
    return picked


def search_csv(engine: Engine, actor: Actor, query: str, mode: str = "word", ward_code: str | None = None) -> str:
    """Every matching segment as CSV: for roles that may read whole transcripts only (a CSV of all matches
    would rebuild a transcript)."""
    require(actor, "transcripts.read")
    frame = search_segments(engine, actor, query, mode, ward_code)
    frame["entities"] = frame["entities"].map(lambda es: ", ".join(f"{t} ({label})" for t, label in es or []))
    return exports.csv_text(frame)


# --------------------------------------------------------------------------- illustrative data
DEMO_FOLDER = "demo/transcripts"
DEMO_FILES = {  # file -> what the researcher would type in the upload form (the rest is in the files)
    "govan_parents_focus_group.vtt": {"ward": "Govan", "title": "Parents' focus group, Govan community hub",
                                      "method": "focus group", "held_on": date(2025, 3, 11),
                                      "facilitator": "Laura Mitchell",
                                      "consent_basis": "Written consent; lawful basis public task (UK GDPR 6(1)(e))"},
    "govan_interview_elder_park.docx": {"held_at": "Elder Park"},
    "govan_cross_drop_in.txt": {"held_at": "Govan Cross"},
    "govan_young_parents_group.md": {},
    "calton_family_group.srt": {"ward": "Calton", "title": "Family group, Calton community centre",
                                "method": "focus group", "held_on": date(2025, 3, 4),
                                "facilitator": "Community research team",
                                "consent_basis": "Written consent; lawful basis public task (UK GDPR 6(1)(e))"},
    "calton_bridgeton_interview.txt": {},
    "springburn_robroyston_interview.md": {},
    "robroyston_drop_in.txt": {"held_at": "Robroyston"},
    "drumchapel_anniesland_focus_group.txt": {},
    "greater_pollok_interview.md": {},
}


def load_demo(engine: Engine, actor: Actor | None = None, *, fit_topics: bool = True) -> int:
    """Load the illustrative transcripts (fictional, labelled) and fit their topics. Idempotent.

    Without `fit_topics`, every segment gets its issue now and the topic fit is queued as an analysis job
    for the worker (`python -m triangulate worker`; `make run` starts one): what `init --demo` does, so that
    it neither imports BERTopic nor waits for UMAP."""
    from triangulate.core.config import PACKAGE_DATA
    from triangulate.core.permissions import SYSTEM
    from triangulate.residents import topics

    actor = actor or SYSTEM
    folder = PACKAGE_DATA / DEMO_FOLDER
    with session_scope(engine) as session:  # the wards, if the numbers step has not loaded them yet
        known = set(session.exec(select(Ward.code)).all())
        for code, name in nlp.WARDS.items():
            if code not in known:
                session.add(Ward(code=code, name=name))
    files = [(filename, (folder / filename).read_bytes(), meta) for filename, meta in DEMO_FILES.items()]
    added = sum(int(saved.created) for saved in import_files(engine, actor, files, illustrative=True))
    if fit_topics:
        topics.analyse(engine, actor)
    else:
        from triangulate.jobs import kinds

        topics.assign_issues(engine, actor)
        kinds.queue_analysis(engine, actor)
    return added
