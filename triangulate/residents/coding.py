"""People's codes on resident segments: several coders, spans, `none`, the consensus, and CSV in and out.

A researcher codes a resident segment, or a span of its (redacted) text, with one or more issues, or with
`none` (about no issue in the codebook). Every coder's codes are kept (`SegmentCode` rows):

- for one coder, `none` is exclusive: coding `none` removes their issue codes on that segment and coding
  an issue removes their `none`; coding the whole segment again replaces their whole-segment codes, coding a
  span replaces their codes on that same span; the coder's issues on a segment are the union over spans.
- the **consensus** of a segment: a settled coding (coder "consensus", recorded by `settle`) wins;
  otherwise an issue (or `none`) is in the consensus when more than half of the segment's coders gave it;
  one coder is their own consensus. Two coders with different issues have no consensus: the segment is
  *disputed* and listed by `disagreements` until someone settles it or a third coder makes a majority.
- the **effective issue** (`Segment.issue_id`, issue_source "manual", what signals count) is the consensus
  issue coded first; consensus `none` gives issue_id NULL. A disputed segment keeps the first coder's first
  code meanwhile. When every code of a segment is removed it goes back to the machine: issue_source ""
  (waiting for the next analysis; the current topic model is marked stale so that the analysis runs),
  never a stale manual code.
- an issue retired by a merge counts as the issue it was merged into.

Manual codes are what the machine learns from: `manual_codes(session)` gives (segment id, issue code or
None) per consensus issue. `segments_frame`/`import_codes` are the command line's CSV contract.
"""
from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import delete, update
from sqlmodel import Session, select

from schemas import ImportBatch, Issue, Segment, SegmentCode, SegmentTopic, TopicModel, Transcript
from triangulate.core import audit
from triangulate.core.db import get_or_not_found, session_scope
from triangulate.core.errors import ImportFailed, Problem, TriangulateError
from triangulate.core.permissions import Actor, require

NONE = "none"
CONSENSUS = "consensus"
EXPORT_COLUMNS = ["segment_id", "transcript_id", "ward_code", "speaker_role", "text", "issue_code", "issue_source"]
IMPORT_COLUMNS = ["segment_id", "issue_code"]
# issue_source as the CSV contract names it; "similarity" is the older name of the machine's own assignment
EXPORT_SOURCE = {"manual": "manual", "model": "model", "similarity": "model", "topic": "topic", "none": "none", "": ""}
EXPORT_ROLE = {"resident": "resident", "facilitator": "facilitator"}


# --------------------------------------------------------------------------- the codebook, as coding sees it
@dataclass
class Codebook:
    by_id: dict[int, Issue]
    by_code: dict[str, Issue]  # lower-cased code -> issue

    def survivor(self, issue_id: int | None) -> int | None:
        """An issue merged into another counts as the other (following chains of merges)."""
        seen = set()
        while issue_id is not None and issue_id not in seen:
            seen.add(issue_id)
            issue = self.by_id.get(issue_id)
            if issue is None or not issue.merged_into_id:
                return issue_id
            issue_id = issue.merged_into_id
        return issue_id

    def code(self, issue_id: int | None) -> str:
        return NONE if issue_id is None else self.by_id[issue_id].code

    def problem_with(self, text: str) -> tuple[str, str] | None:
        """(message, fix) when `text` is not an active issue code or `none`; None when it is fine."""
        value = (text or "").strip()
        if not value:
            return "no issue code", f"write an issue code from the codebook, or `{NONE}` for a segment about no issue"
        if value.lower() == NONE:
            return None
        issue = self.by_code.get(value.lower())
        if issue is None:
            close = [c for c in self.by_code if value.lower() in c or c in value.lower()]
            hint = f" (did you mean {', '.join(sorted(close)[:3])}?)" if close else ""
            return (f"{value!r} is not an issue code in the codebook{hint}",
                    "use a code from the Codebook page or `python -m triangulate export-codebook`, or `none`")
        if issue.status != "active":
            target = self.by_id.get(self.survivor(issue.id)) if issue.merged_into_id else None
            if target is not None and target.status == "active":
                return f"issue {issue.code!r} was merged into {target.code!r}", f"write {target.code!r} instead"
            return f"issue {issue.code!r} is retired", "use an active issue, or restore it on the Codebook page first"
        return None

    def resolve(self, text: str) -> int | None:
        value = text.strip().lower()
        return None if value == NONE else self.by_code[value].id


def codebook_of(session: Session) -> Codebook:
    issues = list(session.exec(select(Issue)))
    return Codebook({i.id: i for i in issues}, {i.code.lower(): i for i in issues})


def issue_ids_of(book: Codebook, issue_codes) -> list[int | None]:
    """Issue codes (or `none`) as ids, in the order given, without repeats; a clear error otherwise."""
    codes = [issue_codes] if isinstance(issue_codes, str) else list(issue_codes or [])
    if not codes:
        raise TriangulateError(f"Choose at least one issue, or `{NONE}` for a segment about no issue.")
    for code in codes:
        problem = book.problem_with(str(code))
        if problem:
            raise TriangulateError(f"{problem[0][0].upper()}{problem[0][1:]}: {problem[1]}.")
    ids = list(dict.fromkeys(book.resolve(str(c)) for c in codes))
    if None in ids and len(ids) > 1:
        raise TriangulateError(f"A segment is either about no issue (`{NONE}`) or about issues, not both: "
                               f"choose `{NONE}` alone or only issues.")
    return ids


# --------------------------------------------------------------------------- consensus
@dataclass
class SegmentStatus:
    """A segment's people's codes: each coder's issues, the consensus, and whether coders differ."""

    segment_id: int
    coders: dict[str, tuple[str, ...]] = field(default_factory=dict)  # coder -> issue codes ("none")
    settled: tuple[str, ...] | None = None  # the settled coding, if any
    consensus: tuple[str, ...] | None = None  # None when disputed (no majority) or not coded
    effective: str | None = None  # the issue code the signals count ("none" for none), None when not coded

    @property
    def coded(self) -> bool:
        return bool(self.coders) or self.settled is not None

    @property
    def differ(self) -> bool:
        """Coders gave different codes (even if a majority or a settlement decides)."""
        return len({frozenset(v) for v in self.coders.values()}) > 1

    @property
    def disputed(self) -> bool:
        return self.coded and self.consensus is None

    @property
    def state(self) -> str:
        if not self.coded:
            return "not coded"
        if self.settled is not None:
            return "settled"
        if self.consensus is None:
            return "disputed"
        return "majority" if self.differ else ("agreed" if len(self.coders) > 1 else "coded")

    def describe(self) -> str:
        people = "; ".join(f"{c}: {', '.join(v)}" for c, v in self.coders.items())
        if self.settled is not None:
            return f"settled as {', '.join(self.settled)}" + (f" ({people})" if people else "")
        return people


def _statuses(session: Session, book: Codebook, segment_ids) -> dict[int, tuple[SegmentStatus, list]]:
    """Per coded segment: its status and the effective ids ([first id] or [None])."""
    ids = sorted({int(i) for i in segment_ids})
    rows: list[SegmentCode] = []
    for start in range(0, len(ids), 500):
        rows += session.exec(select(SegmentCode).where(SegmentCode.segment_id.in_(ids[start:start + 500]))
                             .order_by(SegmentCode.id)).all()
    by_segment: dict[int, list[SegmentCode]] = {}
    for row in rows:
        by_segment.setdefault(row.segment_id, []).append(row)
    out = {}
    for seg_id, codes in by_segment.items():
        first_seen: dict[int | None, int] = {}  # issue -> first row id: "coded first" orders the consensus
        per_coder: dict[str, list[int | None]] = {}
        settled: list[int | None] = []
        for row in codes:
            issue = book.survivor(row.issue_id)
            first_seen.setdefault(issue, row.id)
            target = settled if row.coder == CONSENSUS else per_coder.setdefault(row.coder, [])
            if issue not in target:
                target.append(issue)
        if settled:
            chosen = settled
        else:
            n = len(per_coder)
            votes = Counter(i for issues in per_coder.values() for i in issues)
            chosen = sorted((i for i, v in votes.items() if v * 2 > n), key=lambda i: first_seen[i]) or None
        status = SegmentStatus(seg_id, {c: tuple(book.code(i) for i in v) for c, v in per_coder.items()},
                               tuple(book.code(i) for i in settled) if settled else None,
                               tuple(book.code(i) for i in chosen) if chosen else None)
        # Meanwhile a disputed segment keeps the first coder's first code.
        effective = chosen or [next(iter(per_coder.values()))[0]]
        status.effective = book.code(effective[0])
        out[seg_id] = (status, effective)
    return out


def sync_statuses(session: Session, book: Codebook, segment_ids) -> dict[int, SegmentStatus]:
    """Set each segment's effective issue from its codes (the one place that writes issue_source "manual")."""
    ids = sorted({int(i) for i in segment_ids})
    statuses = _statuses(session, book, ids)
    returned = 0
    for start in range(0, len(ids), 500):
        for segment in session.exec(select(Segment).where(Segment.id.in_(ids[start:start + 500]))).all():
            found = statuses.get(segment.id)
            if found is not None:
                segment.issue_id, segment.issue_source = found[1][0], "manual"
            elif segment.issue_source == "manual":  # every code removed: back to the machine
                segment.issue_id, segment.issue_source = None, ""
                returned += 1
            session.add(segment)
    if returned:  # the next analysis must assign them, even though no segment's text changed
        session.execute(update(TopicModel).where(TopicModel.is_current.is_(True)).values(stale=True))
    session.flush()
    return {i: s for i, (s, _) in statuses.items()}


def replace_codes(session: Session, coder: str, segment_id: int, issue_ids: list[int | None],
                  span: tuple[int, int] | None, source: str) -> None:
    """One coder's codes on one segment (see the module docstring for what is replaced). Library-internal: the
    caller has checked the acting user (coding here, the machine check in machine_check)."""
    mine = select(SegmentCode).where(SegmentCode.segment_id == segment_id, SegmentCode.coder == coder)
    existing = session.exec(mine).all()
    for row in existing:
        same_span = (row.span_start, row.span_end) == (span or (None, None))
        if issue_ids == [None] or row.issue_id is None or same_span:
            session.delete(row)
    session.flush()
    for issue_id in issue_ids:
        session.add(SegmentCode(segment_id=segment_id, issue_id=issue_id, coder=coder, source=source,
                                span_start=span[0] if span else None, span_end=span[1] if span else None))
    session.flush()


def _resident_segment(session: Session, segment_id) -> Segment:
    segment = get_or_not_found(session, Segment, int(segment_id),
                               f"There is no segment {segment_id}: it does not exist or was erased.")
    if segment.speaker_role != "resident":
        raise TriangulateError(f"Segment {segment_id} is a facilitator's turn: only residents' words are coded.")
    return segment


def span_of(text: str, phrase: str) -> tuple[int, int]:
    """The character span of `phrase` in a segment's text (first occurrence, any case)."""
    needle = (phrase or "").strip()
    at = text.lower().find(needle.lower()) if needle else -1
    if at < 0:
        raise TriangulateError("Those words are not in this segment; copy them exactly from its text "
                               "(redaction placeholders such as [PERSON 1] included).")
    return at, at + len(needle)


def _check_span(segment: Segment, span, issue_ids) -> tuple[int, int] | None:
    if span is None:
        return None
    start, end = int(span[0]), int(span[1])
    if not 0 <= start < end <= len(segment.text):
        raise TriangulateError(f"The span {start}–{end} is not inside segment {segment.id} "
                               f"({len(segment.text)} characters).")
    if issue_ids == [None]:
        raise TriangulateError(f"`{NONE}` applies to a whole segment, not to a span: "
                               "clear the span or choose an issue.")
    return start, end


# --------------------------------------------------------------------------- coding
def code_segment(engine, actor: Actor, segment_id: int, issue_codes, *, span: tuple[int, int] | None = None,
                 source: str = "manual") -> SegmentStatus:
    """The actor's codes on one resident segment (or on the span `span` of its text)."""
    require(actor, "segments.code")
    with session_scope(engine) as session:
        book = codebook_of(session)
        issue_ids = issue_ids_of(book, issue_codes)
        segment = _resident_segment(session, segment_id)
        span = _check_span(segment, span, issue_ids)
        replace_codes(session, actor.username, segment.id, issue_ids, span, source)
        status = sync_statuses(session, book, [segment.id])[segment.id]
        audit.record(session, actor, "code", "segment", segment.id, issues=[book.code(i) for i in issue_ids],
                     span=list(span) if span else None, source=source, state=status.state)
    return status


def record_imported(session: Session, rows: list[SegmentCode]) -> int:
    """Codes brought in from another tool (a .qdpx) on segments created in the same transaction: added as
    they are (one row per coder, issue and span; repeats dropped), then each segment's effective issue set.
    The caller has checked the permissions and the segments. Returns the number of codes added."""
    seen, added = set(), 0
    for row in rows:
        key = (row.segment_id, row.coder, row.issue_id, row.span_start, row.span_end)
        if key in seen:
            continue
        seen.add(key)
        session.add(row)
        added += 1
    session.flush()
    if added:
        sync_statuses(session, codebook_of(session), {row.segment_id for row in rows})
    return added


def code_segments(engine, actor: Actor, segment_ids, issue_codes, *, skip_coded: bool = False) -> dict:
    """The same codes on many resident segments (a search result, a topic): all or nothing.

    `skip_coded` leaves alone segments any person has coded already. Returns counts."""
    require(actor, "segments.code")
    ids = sorted({int(i) for i in segment_ids})
    if not ids:
        raise TriangulateError("No segments to code: search for some, or choose a topic with segments.")
    with session_scope(engine) as session:
        book = codebook_of(session)
        issue_ids = issue_ids_of(book, issue_codes)
        segments = {}
        for start in range(0, len(ids), 500):
            for s in session.exec(select(Segment).where(Segment.id.in_(ids[start:start + 500]))).all():
                segments[s.id] = s
        missing = [i for i in ids if i not in segments]
        facilitator = [i for i in ids if i in segments and segments[i].speaker_role != "resident"]
        if missing or facilitator:
            raise TriangulateError(
                "Nothing was coded: " + "; ".join(filter(None, [
                    f"no segment {', '.join(map(str, missing[:10]))} (erased or never existed)" if missing else "",
                    f"segment {', '.join(map(str, facilitator[:10]))} are facilitators' turns" if facilitator else ""]))
                + ". Search again and code the resident segments shown.")
        if skip_coded:
            coded = set(_statuses(session, book, ids))
            ids = [i for i in ids if i not in coded]
        for seg_id in ids:
            replace_codes(session, actor.username, seg_id, issue_ids, None, "manual")
        statuses = sync_statuses(session, book, ids)
        disputed = sorted(i for i, s in statuses.items() if s.disputed)
        audit.record(session, actor, "code", "segments", f"{len(ids)} segments", segment_ids=ids[:1000],
                     issues=[book.code(i) for i in issue_ids], disputed=len(disputed))
    return {"coded": len(ids), "skipped": len(segments) - len(ids), "disputed": disputed}


def topic_segment_ids(engine, actor: Actor, topic_id: int) -> list[int]:
    """A topic's resident segments (for coding them in bulk)."""
    require(actor, "quotes.read")
    with Session(engine) as session:
        return [int(i) for i in session.exec(
            select(SegmentTopic.segment_id).join(Segment, Segment.id == SegmentTopic.segment_id)
            .where(SegmentTopic.topic_id == int(topic_id), Segment.speaker_role == "resident")
            .order_by(SegmentTopic.segment_id)).all()]


def code_topic(engine, actor: Actor, topic_id: int, issue_codes, *, skip_coded: bool = True) -> dict:
    """Code every resident segment of a topic; by default those a person coded already are left alone."""
    return code_segments(engine, actor, topic_segment_ids(engine, actor, topic_id), issue_codes,
                         skip_coded=skip_coded)


def clear_codes(engine, actor: Actor, segment_id: int) -> SegmentStatus | None:
    """Remove the actor's own codes on a segment (other coders' codes stay)."""
    require(actor, "segments.code")
    with session_scope(engine) as session:
        book = codebook_of(session)
        segment = _resident_segment(session, segment_id)
        removed = session.execute(delete(SegmentCode).where(SegmentCode.segment_id == segment.id,
                                                            SegmentCode.coder == actor.username)).rowcount
        status = sync_statuses(session, book, [segment.id]).get(segment.id)
        audit.record(session, actor, "delete", "segment_codes", segment.id, removed=removed or 0)
    return status


def settle(engine, actor: Actor, segment_id: int, issue_codes) -> SegmentStatus:
    """Record the code the coders agreed on (a meeting's decision); it outweighs every individual code.
    An empty list removes the settlement."""
    require(actor, "segments.settle")
    with session_scope(engine) as session:
        book = codebook_of(session)
        segment = _resident_segment(session, segment_id)
        if issue_codes:
            replace_codes(session, CONSENSUS, segment.id, issue_ids_of(book, issue_codes), None, "consensus")
            issues = [book.code(i) for i in issue_ids_of(book, issue_codes)]
        else:
            session.execute(delete(SegmentCode).where(SegmentCode.segment_id == segment.id,
                                                      SegmentCode.coder == CONSENSUS))
            issues = []
        status = sync_statuses(session, book, [segment.id]).get(segment.id) or SegmentStatus(segment.id)
        audit.record(session, actor, "settle", "segment", segment.id, issues=issues)
    return status


# --------------------------------------------------------------------------- reading
def statuses(engine, actor: Actor, segment_ids) -> dict[int, SegmentStatus]:
    """Each coded segment's status (segments nobody coded are absent); names the coders."""
    require(actor, "transcripts.read")
    with Session(engine) as session:
        return {i: s for i, (s, _) in _statuses(session, codebook_of(session), segment_ids).items()}


def transcript_segments(engine, actor: Actor, transcript_id: int) -> pd.DataFrame:
    """A transcript's segments with their ids, effective issue and people's codes (for coding in the viewer)."""
    require(actor, "transcripts.read")
    columns = ["segment_id", "order", "role", "text", "issue_code", "issue_source", "codes", "state"]
    with Session(engine) as session:
        rows = session.exec(select(Segment.id, Segment.order, Segment.speaker_role, Segment.text, Issue.code,
                                   Segment.issue_source)
                            .join(Issue, Issue.id == Segment.issue_id, isouter=True)
                            .where(Segment.transcript_id == int(transcript_id)).order_by(Segment.order)).all()
        found = _statuses(session, codebook_of(session), [r[0] for r in rows])
    out = []
    for seg_id, order, role, text, code, source in rows:
        status = found.get(seg_id, (SegmentStatus(seg_id), None))[0]
        out.append([seg_id, order, role, text, code or "", source, status.describe(), status.state])
    return pd.DataFrame(out, columns=columns)


def codes_frame(engine, actor: Actor, segment_ids) -> pd.DataFrame:
    """Every person's code on the given segments, with the words of a coded span."""
    require(actor, "transcripts.read")
    ids = sorted({int(i) for i in segment_ids})
    columns = ["segment_id", "coder", "issue_code", "span", "words", "source", "created_at"]
    with Session(engine) as session:
        rows = session.exec(select(SegmentCode, Segment.text, Issue.code)
                            .join(Segment, Segment.id == SegmentCode.segment_id)
                            .join(Issue, Issue.id == SegmentCode.issue_id, isouter=True)
                            .where(SegmentCode.segment_id.in_(ids or [-1])).order_by(SegmentCode.id)).all()
    return pd.DataFrame([[c.segment_id, c.coder, code or NONE,
                          f"{c.span_start}–{c.span_end}" if c.span_start is not None else "whole segment",
                          text[c.span_start:c.span_end] if c.span_start is not None else "", c.source, c.created_at]
                         for c, text, code in rows], columns=columns)


def disagreements(engine, actor: Actor, ward_code: str | None = None, include_settled: bool = False) -> pd.DataFrame:
    """Segments whose coders gave different codes: each coder's codes, the consensus (if any), the text."""
    require(actor, "transcripts.read")
    columns = ["segment_id", "ward_code", "transcript_id", "state", "codes", "consensus", "effective", "text"]
    with Session(engine) as session:
        query = (select(SegmentCode.segment_id).join(Segment, Segment.id == SegmentCode.segment_id)
                 .join(Transcript, Transcript.id == Segment.transcript_id).distinct())
        if ward_code:
            query = query.where(Transcript.ward_code == ward_code)
        ids = session.exec(query).all()
        found = _statuses(session, codebook_of(session), ids)
        keep = [s for s, _ in found.values() if s.differ and (include_settled or s.settled is None)]
        info = {r[0]: r[1:] for r in session.exec(
            select(Segment.id, Transcript.ward_code, Segment.transcript_id, Segment.text)
            .join(Transcript, Transcript.id == Segment.transcript_id)
            .where(Segment.id.in_([s.segment_id for s in keep] or [-1])))}
    rows = [[s.segment_id, *info[s.segment_id][:2], s.state, s.describe(), ", ".join(s.consensus or ()),
             s.effective, info[s.segment_id][2]] for s in keep]
    return pd.DataFrame(rows, columns=columns).sort_values("segment_id").reset_index(drop=True)


def manual_codes(session: Session) -> list[tuple[int, str | None]]:
    """What people's coding teaches the machine: (segment id, issue code or None for `none`), one row per
    consensus issue of each resident segment. Disputed segments are left out until settled; segments set
    "manual" without SegmentCode rows (older data) count with their effective issue."""
    book = codebook_of(session)
    coded_ids = session.exec(select(SegmentCode.segment_id).distinct()).all()
    out: list[tuple[int, str | None]] = []
    for seg_id, (status, _) in sorted(_statuses(session, book, coded_ids).items()):
        for code in status.consensus or ():
            out.append((seg_id, None if code == NONE else code))
    coded = set(coded_ids)
    for seg_id, issue_id in session.exec(select(Segment.id, Segment.issue_id)
                                         .where(Segment.issue_source == "manual",
                                                Segment.speaker_role == "resident").order_by(Segment.id)).all():
        if seg_id not in coded:
            out.append((seg_id, None if issue_id is None else book.code(book.survivor(issue_id))))
    return out


# --------------------------------------------------------------------------- CSV: segments out, codes in
def segments_frame(engine, actor: Actor, ward_code: str | None = None) -> pd.DataFrame:
    """One row per segment (residents' and facilitators'), the command line's `segments` contract."""
    require(actor, "transcripts.read")
    query = (select(Segment.id, Segment.transcript_id, Transcript.ward_code, Segment.speaker_role, Segment.text,
                    Issue.code, Segment.issue_source)
             .join(Transcript, Transcript.id == Segment.transcript_id)
             .join(Issue, Issue.id == Segment.issue_id, isouter=True))
    if ward_code:
        query = query.where(Transcript.ward_code == ward_code)
    with session_scope(engine) as session:
        rows = session.exec(query.order_by(Segment.transcript_id, Segment.order, Segment.id)).all()
        audit.record(session, actor, "export", "segments", ward_code or "all", rows=len(rows))
    return pd.DataFrame([[seg_id, t_id, ward, EXPORT_ROLE.get(role, "other"), text, code or "",
                          EXPORT_SOURCE.get(source, source)]
                         for seg_id, t_id, ward, role, text, code, source in rows], columns=EXPORT_COLUMNS)


@dataclass
class CodeImport:
    filename: str
    rows: int
    segments: int
    codes: int
    disputed: list[int] = field(default_factory=list)  # segments where this coder now differs from another
    already: bool = False  # this coder imported the same file before: nothing changed

    def summary(self) -> str:
        if self.already:
            return f"{self.filename}: you imported this file before; your codes are unchanged."
        text = (f"{self.filename}: {self.codes} code(s) on {self.segments} segment(s) from {self.rows} row(s) "
                "saved as your manual codes.")
        if self.disputed:
            shown = ", ".join(map(str, self.disputed[:20])) + (" …" if len(self.disputed) > 20 else "")
            text += (f" {len(self.disputed)} segment(s) now disagree with another researcher's codes with no "
                     f"majority ({shown}); both are kept: settle them on Check the machine.")
        return text


def _read_rows(filename: str, data: bytes) -> tuple[list[tuple[int, dict]], list[Problem]]:
    """(spreadsheet row number, {column: value}) for each data row, or the problems that stop reading."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [Problem(filename, None, None, f"not UTF-8 text (byte {exc.start})",
                            "save the file as CSV UTF-8 (Excel: File › Save As › CSV UTF-8)")]
    if not text.strip():
        return [], [Problem(filename, None, None, "the file is empty",
                            "give a header row `segment_id,issue_code` and one row per code")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
        missing = [c for c in IMPORT_COLUMNS if c not in header]
        if missing:
            return [], [Problem(filename, 1, ", ".join(missing), f"no column {', '.join(missing)} in the header",
                                "the first row must name the columns segment_id and issue_code")]
        index = {c: header.index(c) for c in IMPORT_COLUMNS}
        rows = []
        for number, record in enumerate(reader, start=2):
            if not any(v.strip() for v in record):
                continue
            rows.append((number, {c: (record[i].strip() if i < len(record) else "") for c, i in index.items()}))
    except csv.Error as exc:
        return [], [Problem(filename, reader.line_num, None, f"not readable as CSV ({exc})",
                            "save it again as CSV; quote any value that contains a comma or a line break")]
    if not rows:
        return [], [Problem(filename, None, None, "no data rows under the header", "add one row per code")]
    return rows, []


def plan_import(session: Session, filename: str, data: bytes) -> tuple[dict[int, list[int | None]], int, list[Problem]]:
    """Validate a codes CSV against the database: ({segment id: issue ids}, rows, problems). Writes nothing."""
    rows, problems = _read_rows(filename, data)
    if problems:
        return {}, 0, problems
    book = codebook_of(session)
    wanted: dict[int, list[tuple[int, int | None]]] = {}  # segment -> [(row, issue id)]
    for number, values in rows:
        raw_id = values["segment_id"]
        try:
            seg_id = int(float(raw_id)) if raw_id and float(raw_id).is_integer() else None
            seg_id = seg_id if seg_id is not None and 0 < seg_id < 2 ** 31 else None
        except (ValueError, OverflowError):
            seg_id = None
        if seg_id is None:
            problems.append(Problem(filename, number, "segment_id", f"{raw_id!r} is not a segment id",
                                    "use the whole-number segment_id from `python -m triangulate segments`"))
        issue_problem = book.problem_with(values["issue_code"])
        if issue_problem:
            problems.append(Problem(filename, number, "issue_code", *issue_problem))
        if seg_id is not None and not issue_problem:
            wanted.setdefault(seg_id, []).append((number, book.resolve(values["issue_code"])))
    ids = sorted(wanted)
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        found.update(session.exec(select(Segment.id, Segment.speaker_role)
                                  .where(Segment.id.in_(ids[start:start + 500]))).all())
    for seg_id, entries in wanted.items():
        first_row = entries[0][0]
        if seg_id not in found:
            problems.append(Problem(filename, first_row, "segment_id",
                                    f"there is no segment {seg_id}: it does not exist or was erased",
                                    "export the current segments with `python -m triangulate segments --format csv` "
                                    "and use their segment_id; drop rows for erased transcripts"))
        elif found[seg_id] != "resident":
            problems.append(Problem(filename, first_row, "segment_id",
                                    f"segment {seg_id} is a facilitator's turn; only residents' words are coded",
                                    "remove the row (speaker_role must be resident)"))
        nones = [r for r, i in entries if i is None]
        issues = [r for r, i in entries if i is not None]
        if nones and issues:
            problems.append(Problem(filename, issues[0], "issue_code",
                                    f"segment {seg_id} is coded both `{NONE}` (row {nones[0]}) and with an issue "
                                    f"(row {issues[0]})",
                                    f"keep either the `{NONE}` row or the issue rows for this segment"))
    plan = {seg_id: list(dict.fromkeys(i for _, i in entries)) for seg_id, entries in wanted.items()}
    return plan, len(rows), problems


def import_codes(engine, actor: Actor, data: bytes, filename: str) -> CodeImport:
    """Save a CSV of `segment_id, issue_code` rows as the actor's manual codes: every row is checked first;
    then one transaction, audited, or nothing. Each listed segment's whole-segment codes by this coder are
    replaced by the file's (so importing the same file twice changes nothing)."""
    require(actor, "segments.code")
    # Codes are the coder's own: the same file from two researchers is two imports, from one researcher one.
    checksum = hashlib.sha256(data + b"\0" + actor.username.encode()).hexdigest()
    with session_scope(engine) as session:
        plan, n_rows, problems = plan_import(session, filename, data)
        if problems:
            raise ImportFailed(problems)
        before = session.exec(select(ImportBatch).where(ImportBatch.kind == "segment_codes",
                                                        ImportBatch.checksum == checksum)).first()
        if before is not None:  # imported before by this coder: nothing to change
            report = before.report or {}
            return CodeImport(filename, n_rows, report.get("segments", len(plan)), report.get("codes", 0), [],
                              already=True)
        book = codebook_of(session)
        for seg_id, issue_ids in sorted(plan.items()):
            replace_codes(session, actor.username, seg_id, issue_ids, None, "manual")
        found = sync_statuses(session, book, plan)
        disputed = sorted(i for i, s in found.items() if s.disputed)
        result = CodeImport(filename, n_rows, len(plan), sum(len(v) for v in plan.values()), disputed)
        session.add(ImportBatch(kind="segment_codes", filename=filename, checksum=checksum,
                                rows=n_rows, imported_by=actor.username,
                                report={"segments": result.segments, "codes": result.codes, "disputed": len(disputed)}))
        audit.record(session, actor, "import", "segment_codes", filename, rows=n_rows, segments=result.segments,
                     codes=result.codes, disputed=len(disputed))
    return result
