"""Coded projects in and out: a REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or QualCoder becomes
transcripts with the researchers' own codes, and what Triangulate holds goes back out as a .qdpx.

Import (`preview_project` → the researcher reviews → `save_project`):
- each text source goes through the same parse → redact → review as an upload (`residents.preview`);
- codes map to the codebook by GUID, then by name (label or code, any case); a code that matches nothing is
  proposed as a new issue, or the researcher maps it to an existing one, or leaves it out;
- each coded selection becomes a manual code (`SegmentCode`) of every resident segment it overlaps: on the
  whole segment when the selection covers it, else on the span, with the character offsets carried through
  redaction (a selection that begins or ends inside a redacted name is widened to the whole pseudonym, and
  said so); selections on an interviewer's words are left out, and said so;
- the coder of a selection is the person the project names (`jo (NVivo)`), so several coders stay apart and
  their disagreements show;
- cases' and sources' attributes fill the transcript's metadata (ward, date, method, facilitator), memos are
  kept as the transcript's notes (redacted like the text);
- every transcript, new issue and code is written in one transaction, or nothing.

Export (`export_project`): the redacted transcripts (one line per segment, `Speaker: words`), the codebook,
manual codes (the coder's name) and the machine's accepted codes (coder "Triangulate (model)" / "(topic)"),
and, for roles that may read them, officers' insights as text sources with their codes. A Triangulate export
imports back into Triangulate unchanged: same transcripts, codes and coded spans.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas import Insight, InsightCode, Issue, Segment, SegmentCode, Speaker, Transcript, Ward
from triangulate.codebook import issues as codebook
from triangulate.codebook import qdc
from triangulate.core import audit
from triangulate.core.db import session_scope
from triangulate.core.errors import ImportFailed, Problem
from triangulate.core.permissions import Actor, can, require
from triangulate.residents import coding, nlp, qdpx, segments
from triangulate.residents import store as residents

WHOLE_SEGMENT_SHARE = 0.9  # a selection covering this share of a segment codes the whole segment
MACHINE_CODER = "Triangulate ({source})"
KIND_VARIABLE = "Triangulate kind"  # marks what Triangulate wrote, so its own export imports back unchanged
RESIDENTS_VARIABLE = "Triangulate residents"
INSIGHT_KIND = "officer insight"
NEW, SKIP = "(new issue)", "(leave out)"
_PLACEHOLDER_LABEL = re.compile(r"^\[(?P<kind>[A-Z][A-Z ]*) (?P<n>\d+)\]$")


# --------------------------------------------------------------------------- import: preview
@dataclass
class CodedSpan:
    order: int  # the segment's order in its transcript
    code_guids: list[str]
    coder: str
    span: tuple[int, int] | None  # in the stored (redacted) text; None = the whole segment


@dataclass
class SourcePreview:
    source: qdpx.TextSource
    preview: residents.Preview
    ward: str = ""
    held_on: date | None = None
    method: str | None = None
    facilitator: str | None = None
    residents: list[str] | None = None  # None: the parser's suggestion
    warnings: list[str] = field(default_factory=list)

    def coded_spans(self, residents_chosen: list[str] | None = None) -> list[CodedSpan]:
        chosen = set(self.preview.suggested_residents(self.facilitator) if residents_chosen is None
                     else residents_chosen)
        spans, warnings = carry_selections(self.source, self.preview, chosen)
        self.warnings = [w for w in self.warnings if not w.startswith("selection")] + warnings
        return spans


@dataclass
class ProjectPreview:
    filename: str
    project: qdpx.Project
    sources: list[SourcePreview]
    code_map: dict[str, str]  # normal guid -> issue code, NEW or SKIP (the researcher may change each)
    left_out: list[str] = field(default_factory=list)

    def codes_frame(self):
        import pandas as pd

        rows = [{"code in the project": code.name, "guid": qdpx.normal_guid(code.guid),
                 "becomes": self.code_map.get(qdpx.normal_guid(code.guid), NEW),
                 "selections": sum(qdpx.normal_guid(code.guid) in sel.code_guids
                                   for s in self.sources for sel in s.source.selections)}
                for code, _ in self.project.all_codes()]
        return pd.DataFrame(rows, columns=["code in the project", "guid", "becomes", "selections"])


def preview_project(engine: Engine, actor: Actor, filename: str, data: bytes, *,
                    unlabelled: str | None = None, progress=None) -> ProjectPreview:
    """Read a .qdpx and preview every text source in memory (nothing is written)."""
    require(actor, "transcripts.upload")
    project = qdpx.read(filename, data)
    left_out = list(project.left_out)
    sources, problems = [], []
    texts = [s for s in project.sources if s.variables.get(KIND_VARIABLE) != INSIGHT_KIND]
    left_out += [f"{s.name}: an officer insight Triangulate exported (insights are not transcripts)"
                 for s in project.sources if s.variables.get(KIND_VARIABLE) == INSIGHT_KIND]
    for n, source in enumerate(texts):
        if progress:
            progress(n / max(len(texts), 1), f"Reading and redacting {n + 1} of {len(texts)}: {source.name}")
        name = _source_filename(source)
        try:
            item = residents.preview(engine, actor, name, source.text.encode("utf-8"), unlabelled=unlabelled)
        except ImportFailed as exc:
            problems.extend(Problem(filename, p.row, f"source {source.name!r}", p.message, p.fix)
                            for p in exc.problems)
            continue
        meta = _metadata(source.variables)
        listed = source.variables.get(RESIDENTS_VARIABLE)
        sources.append(SourcePreview(source, item, meta.get("ward", ""), meta.get("held_on"), meta.get("method"),
                                     meta.get("facilitator"),
                                     [r for r in listed.split("; ") if r] if listed is not None else None))
    if problems:
        raise ImportFailed(problems)
    with Session(engine) as session:
        code_map = match_codes(session, project)
    return ProjectPreview(filename, project, sources, code_map, left_out)


def _source_filename(source: qdpx.TextSource) -> str:
    stem = re.sub(r"\.(txt|docx?|rtf|md|pdf)$", "", source.name or source.guid, flags=re.I)
    return (stem.strip() or source.guid) + ".txt"


def match_codes(session: Session, project: qdpx.Project) -> dict[str, str]:
    """Each project code's issue: the same GUID, else the same name (label or code, any case), else NEW."""
    issues = list(session.exec(select(Issue)))
    by_guid = {qdpx.normal_guid(i.guid): i for i in issues}
    by_name = {}
    for issue in issues:
        by_name.setdefault(issue.label.strip().lower(), issue)
        by_name.setdefault(issue.code.lower(), issue)
    out = {}
    for code, _ in project.all_codes():
        guid = qdpx.normal_guid(code.guid)
        issue = by_guid.get(guid) or by_name.get(code.name.strip().lower())
        while issue is not None and issue.merged_into_id:
            issue = session.get(Issue, issue.merged_into_id)
        out[guid] = issue.code if issue is not None else NEW
    return out


def _metadata(variables: dict[str, str]) -> dict:
    out: dict = {}
    for name, value in variables.items():
        key = name.strip().lower()
        if not value:
            continue
        if "ward" in key:
            out.setdefault("ward", value)
        elif key in ("date", "held on", "interview date", "date of interview", "held_on"):
            parsed = _date(value)
            if parsed:
                out.setdefault("held_on", parsed)
        elif key in ("method", "type", "data collection", "interview type"):
            low = value.lower()
            method = ("focus group" if "focus" in low or "group" in low else "drop-in" if "drop" in low
                      else "interview" if "interview" in low else None)
            if method:
                out.setdefault("method", method)
        elif key in ("interviewer", "facilitator", "facilitated by"):
            out.setdefault("facilitator", value)
    return out


def _date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d %B %Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text.strip()[:19], fmt).date()
        except ValueError:
            continue
    return None


# --------------------------------------------------------------------------- selections → segments
def _turn_ranges(text: str, preview: residents.Preview) -> list[tuple[int, int]]:
    """Where each parsed turn's text sits in the source text (character offsets)."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    out = []
    for turn in preview.parsed.turns:
        number = min(max(turn.line, 1), len(lines))
        line = lines[number - 1]
        at = line.find(turn.text)
        if at < 0:
            at = line.find(turn.text[:30]) if turn.text[:30] else -1
        if at < 0:
            at = max(0, len(line) - len(turn.text))
        begin = starts[number - 1] + at
        out.append((begin, begin + len(turn.text)))
    return out


def _offset_map(turn: nlp.ProcessedTurn, start: int, end: int):
    """The stored text of the turn's original [start, end) (as `redact_slice` makes it) and a function that
    moves an original offset to the stored text: (offset, side) -> (stored offset, moved into a name?)."""
    original = turn._original
    pieces = []  # (original start, original end, stored start, stored end, is a redaction)
    cursor, length = start, 0
    for r in turn.redactions:
        if r.end <= start or r.start >= end:
            continue
        if r.start >= cursor:
            pieces.append((cursor, r.start, length, length + r.start - cursor, False))
            length += r.start - cursor
            pieces.append((r.start, r.end, length, length + len(r.pseudonym), True))
            length += len(r.pseudonym)
        cursor = max(cursor, r.end)
    if cursor < end:
        pieces.append((cursor, end, length, length + end - cursor, False))
        length += end - cursor
    raw = "".join(original[a:b] if not red else next(r.pseudonym for r in turn.redactions if r.start == a)
                  for a, b, _, _, red in pieces)
    lead = len(raw) - len(raw.lstrip())
    stored = raw.strip()

    def move(offset: int, side: str) -> tuple[int, bool]:
        for a, b, sa, sb, red in pieces:
            if a <= offset <= b:
                if red and a < offset < b:
                    return (sa if side == "start" else sb) - lead, True
                at = sa + (offset - a) if not red else (sa if offset == a else sb)
                return min(max(at - lead, 0), len(stored)), False
        return (0 if side == "start" else len(stored)), False

    return stored, move


def carry_selections(source: qdpx.TextSource, preview: residents.Preview, chosen: set[str]
                     ) -> tuple[list[CodedSpan], list[str]]:
    """Each coded selection onto the resident segments it overlaps. Returns (coded spans, warnings)."""
    ranges = _turn_ranges(source.text, preview)
    roles = ["resident" if t.speaker in chosen else "facilitator" for t in preview.parsed.turns]
    drafts = segments.build(preview.turns, roles, [(t.start_s, t.end_s) for t in preview.parsed.turns])
    out: list[CodedSpan] = []
    widened = on_facilitator = outside = 0
    for sel in source.selections:
        hit = False
        for d in drafts:
            begin = ranges[d.turn][0]
            a, b = begin + d.source_start, begin + d.source_end
            lo, hi = max(sel.start, a), min(sel.end, b)
            if hi <= lo:
                continue
            hit = True
            if d.role != "resident":
                on_facilitator += 1
                continue
            if (hi - lo) >= WHOLE_SEGMENT_SHARE * (b - a):
                out.append(CodedSpan(d.order, list(sel.code_guids), sel.coder, None))
                continue
            turn = preview.turns[d.turn]
            stored, move = _offset_map(turn, d.source_start, d.source_end)
            if stored != d.text:  # a piece of an over-long sentence: its exact place is not known
                out.append(CodedSpan(d.order, list(sel.code_guids), sel.coder, None))
                continue
            (s0, in0), (s1, in1) = move(lo - begin, "start"), move(hi - begin, "end")
            widened += int(in0 or in1)
            if s1 > s0:
                out.append(CodedSpan(d.order, list(sel.code_guids), sel.coder, (s0, s1)))
        outside += int(not hit)
    warnings = []
    if widened:
        warnings.append(f"selections: {widened} began or ended inside a redacted name and were widened to the "
                        "whole pseudonym")
    if on_facilitator:
        warnings.append(f"selections: {on_facilitator} covered an interviewer's or facilitator's words, which are "
                        "not coded (only residents' words are analysed)")
    if outside:
        warnings.append(f"selections: {outside} fell on header lines or blank text only and were left out")
    return out, warnings


# --------------------------------------------------------------------------- import: save
@dataclass
class ProjectSaved:
    transcripts: list[int]
    already: list[int]
    new_issues: list[str]
    codes: int
    left_out: list[str]


def save_project(engine: Engine, actor: Actor, pp: ProjectPreview, *, ward: str | None = None,
                 code_map: dict[str, str] | None = None, residents_by_source: dict[str, list[str]] | None = None,
                 illustrative: bool = False) -> ProjectSaved:
    """Store every source, new issue and code in one transaction, or nothing (ImportFailed names each problem).

    `code_map`: project code guid -> issue code, NEW (add it to the codebook) or SKIP; defaults to the
    preview's. `residents_by_source`: source guid -> speaker labels (as written) who are residents."""
    require(actor, "transcripts.upload")
    require(actor, "segments.code")
    choices = {**pp.code_map, **{qdpx.normal_guid(k): v for k, v in (code_map or {}).items()}}
    if NEW in choices.values():
        require(actor, "codebook.edit")
    problems: list[Problem] = []
    with Session(engine) as session:
        known = {i.code for i in session.exec(select(Issue))}
    for choice in choices.values():
        if choice not in (NEW, SKIP) and choice not in known:
            problems.append(Problem(pp.filename, None, "codes", f"{choice!r} is not an issue code in the codebook",
                                    f"map the code to an existing issue, to {NEW!r} or to {SKIP!r}"))
    prepared, spans = [], []
    for sp in pp.sources:
        chosen = (residents_by_source or {}).get(sp.source.guid, sp.residents)
        try:
            ready = residents.prepare(engine, actor, sp.preview, ward=ward or sp.ward or None, residents=chosen,
                                      held_on=sp.held_on, method=sp.method, facilitator=sp.facilitator,
                                      illustrative=illustrative)
        except ImportFailed as exc:
            problems.extend(Problem(pp.filename, p.row, f"source {sp.source.name!r}", p.message, p.fix)
                            for p in exc.problems)
            continue
        prepared.append((sp, ready))
        spans.append(sp.coded_spans(sorted(ready.chosen)) if isinstance(ready, residents.Prepared) else [])
    if problems:
        raise ImportFailed(problems)
    saved_ids, already, n_codes = [], [], 0
    with session_scope(engine) as session:
        issue_ids, created = _issue_ids(session, pp.project, choices)
        rows: list[SegmentCode] = []
        for (sp, ready), coded in zip(prepared, spans):
            if isinstance(ready, residents.Saved):
                already.append(ready.transcript_id)
                continue
            saved, by_order = residents.write(session, actor, ready)
            saved_ids.append(saved.transcript_id)
            notes = [*sp.source.notes, sp.source.description]
            transcript = session.get(Transcript, saved.transcript_id)
            transcript.notes = "\n\n".join(n for n in (redact_note(ready.item, x) for x in notes) if n)
            session.add(transcript)
            rows += _segment_codes(coded, issue_ids, by_order, actor)
        n_codes = coding.record_imported(session, rows)
        audit.record(session, actor, "import", "project", ",".join(map(str, saved_ids)) or "none",
                     format="REFI-QDA .qdpx", origin=pp.project.origin, transcripts=len(saved_ids),
                     already=len(already), new_issues=created, codes=n_codes)
    return ProjectSaved(saved_ids, already, created, n_codes, pp.left_out)


def _segment_codes(coded, issue_ids: dict[str, int], by_order: dict[int, int], actor: Actor) -> list[SegmentCode]:
    """The project's codings of one source as segment codes (codes mapped to no issue are left out)."""
    rows = []
    for c in coded:
        for guid in c.code_guids:
            issue_id = issue_ids.get(guid)
            if issue_id is not None:
                rows.append(SegmentCode(segment_id=by_order[c.order], issue_id=issue_id,
                                        coder=c.coder or actor.username, source="import",
                                        span_start=c.span[0] if c.span else None,
                                        span_end=c.span[1] if c.span else None))
    return rows


def redact_note(item: residents.Preview, text: str) -> str:
    """A memo as the transcript's note: redacted with the transcript's own names and pseudonyms."""
    from triangulate.residents import metadata_redaction

    text = (text or "").strip()
    return metadata_redaction.redact_label(item, text) if text else ""


def _issue_ids(session: Session, project: qdpx.Project, choices: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Project code guid -> issue id, adding NEW codes to the codebook under their parents."""
    by_code = {i.code: i for i in session.exec(select(Issue))}
    taken = set(by_code)
    order = max((i.sort_order for i in by_code.values()), default=0)
    out: dict[str, int] = {}
    created: list[str] = []
    for code, parent in project.all_codes():
        guid = qdpx.normal_guid(code.guid)
        choice = choices.get(guid, NEW)
        if choice == SKIP:
            continue
        if choice != NEW:
            out[guid] = by_code[choice].id
            continue
        order += 1
        parent_id = out.get(qdpx.normal_guid(parent.guid)) if parent else None
        guid_taken = session.exec(select(Issue.id).where(Issue.guid == code.guid)).first() is not None
        issue = Issue(code=codebook.slug(code.name, taken), label=code.name[:120], definition=code.description,
                      keywords=code.keywords, colour=code.colour, parent_id=parent_id,
                      guid=qdpx.new_guid() if guid_taken else code.guid,
                      status="active" if code.codable else "retired", sort_order=order)
        taken.add(issue.code)
        session.add(issue)
        session.flush()
        out[guid] = issue.id
        created.append(issue.code)
    return out, created


# --------------------------------------------------------------------------- export
def export_project(engine: Engine, actor: Actor) -> bytes:
    """Everything Triangulate holds that the actor may read, as a .qdpx (redacted text only)."""
    require(actor, "transcripts.read")
    with_insights = can(actor, "insights.read_text")
    with Session(engine) as session:
        forest = codebook.tree(session, include_retired=True)
        codes = [_qdc_code(node) for node in forest]
        guid_of = {i.id: i.guid for i in session.exec(select(Issue))}
        wards = {w.code: w.name for w in session.exec(select(Ward))}
        sources = [_transcript_source(session, t, guid_of, wards)
                   for t in session.exec(select(Transcript).order_by(Transcript.id))]
        if with_insights:
            sources += [_insight_source(session, i, guid_of, wards)
                        for i in session.exec(select(Insight).order_by(Insight.id))]
    coders = sorted({sel.coder for s in sources for sel in s.selections if sel.coder})
    project = qdpx.Project(name="Triangulate project", origin="Triangulate", codes=codes, sources=sources,
                           users={qdpx.new_guid(): name for name in coders},
                           description="Exported by Triangulate: redacted resident transcripts with people's and "
                                       "the machine's codes" + (", and officers' insights." if with_insights else "."))
    data = qdpx.write(project)
    with session_scope(engine) as session:
        audit.record(session, actor, "export", "project", "qdpx", transcripts=sum(
            1 for s in sources if s.variables.get(KIND_VARIABLE) != INSIGHT_KIND), insights_included=with_insights)
    return data


def _qdc_code(node: dict) -> qdc.QdcCode:
    issue: Issue = node["issue"]
    return qdc.QdcCode(guid=issue.guid, name=issue.label, description=issue.definition or "",
                       keywords=list(issue.keywords or []), colour=issue.colour, codable=issue.status == "active",
                       children=[_qdc_code(child) for child in node["children"]])


def _transcript_source(session: Session, transcript: Transcript, guid_of: dict, wards: dict) -> qdpx.TextSource:
    rows = session.exec(select(Segment, Speaker.label, Speaker.is_resident)
                        .join(Speaker, Speaker.id == Segment.speaker_id, isouter=True)
                        .where(Segment.transcript_id == transcript.id).order_by(Segment.order)).all()
    codes: dict[int, list[SegmentCode]] = {}
    ids = [seg.id for seg, _, _ in rows]
    for start in range(0, len(ids), 500):
        for code in session.exec(select(SegmentCode).where(SegmentCode.segment_id.in_(ids[start:start + 500]))
                                 .order_by(SegmentCode.id)):
            codes.setdefault(code.segment_id, []).append(code)
    lines, selections, cursor = [], [], 0
    residents_labels = []
    for seg, label, is_resident in rows:
        label = label or "Unlabelled"
        if is_resident and label not in residents_labels:
            residents_labels.append(label)
        prefix = f"{label}: "
        begin = cursor + len(prefix)
        for code in codes.get(seg.id, []):
            if code.issue_id is None:
                continue  # `none` is not a code in another tool's codebook
            a = begin + (code.span_start or 0)
            b = begin + (code.span_end if code.span_end is not None else len(seg.text))
            selections.append(qdpx.Selection(qdpx.new_guid(), a, b, [guid_of[code.issue_id]], coder=code.coder))
        if seg.issue_id is not None and seg.issue_source in ("model", "topic", "similarity") and seg.id not in codes:
            source = "topic" if seg.issue_source == "topic" else "model"
            selections.append(qdpx.Selection(qdpx.new_guid(), begin, begin + len(seg.text), [guid_of[seg.issue_id]],
                                             coder=MACHINE_CODER.format(source=source)))
        lines.append(prefix + seg.text)
        cursor += len(prefix) + len(seg.text) + 1
    variables = {"ward": wards.get(transcript.ward_code, transcript.ward_code), "method": transcript.method,
                 KIND_VARIABLE: "resident transcript", RESIDENTS_VARIABLE: "; ".join(residents_labels)}
    if transcript.held_on:
        variables["date"] = transcript.held_on.isoformat()
    return qdpx.TextSource(guid=qdpx.new_guid(), name=transcript.title, text="\n".join(lines) + "\n",
                           selections=selections, variables=variables,
                           notes=[transcript.notes] if transcript.notes else [])


def _insight_source(session: Session, insight: Insight, guid_of: dict, wards: dict) -> qdpx.TextSource:
    selections = [qdpx.Selection(qdpx.new_guid(), 0, len(insight.text), [guid_of[c.issue_id]],
                                 coder=c.coder, note=f"stance: {c.stance.replace('_', ' ')}; severity {c.severity}")
                  for c in session.exec(select(InsightCode).where(InsightCode.insight_id == insight.id)
                                        .order_by(InsightCode.id)) if insight.text]
    return qdpx.TextSource(guid=qdpx.new_guid(), name=f"Officer insight {insight.id}", text=insight.text,
                           selections=selections,
                           variables={"ward": wards.get(insight.ward_code, insight.ward_code),
                                      "date": insight.observed_on.isoformat(), "service": insight.role_service,
                                      KIND_VARIABLE: INSIGHT_KIND})
