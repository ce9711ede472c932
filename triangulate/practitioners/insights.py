"""Officer insights: create, edit own (with history), delete own, code (several coders), list, analyse.

Everything that returns insight text needs `insights.read_text`; aggregates need `matrix.read`.
Insight text is stored exactly as typed (HTML or script included) and must be shown as text.

For the joint display (signals)
-------------------------------
`coded_frame(session, ward_code=None)` returns, in ONE query, a pandas frame with one row per coding
that counts, no insight text:

    ward_code, issue_id, issue_code, stance, severity, insight_id, coder, is_consensus, weight,
    role_service, observed_on, illustrative

Rules: for an (insight, issue) pair that has a consensus coding (coder "consensus", is_consensus=True)
only the consensus row is kept — the settled coding wins over the individual coders; a consensus of
"not_coded" (coders agreed the issue is not in the insight) removes the pair altogether. Where several
coders coded a pair and nobody has settled it, each coder's row is kept with `weight` = 1 / (number of
rows of that pair), so `weight` sums to one per coded (insight, issue). Stances: problem,
not_a_problem, improving, worsening; severity 1–3. `insight_counts(session)` gives the number of
insights per ward (to tell "not raised" from "no data"). `coded_for_ward(session, ward_code)` returns
the same rows as (Insight, InsightCode) pairs for one ward.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from schemas import Insight, InsightCode, InsightPlace, InsightRevision, Issue, Ward, utcnow
from schemas.insight_files import MAX_TEXT, NOT_CODED, STANCES, CodeSpec, InsightFields
from triangulate.core import audit, places
from triangulate.core.db import get_or_not_found, session_scope
from triangulate.core.errors import NotFound, PermissionDenied, TriangulateError
from triangulate.core.permissions import Actor, can, require

CONSENSUS = "consensus"
EDITABLE = ("ward_code", "observed_on", "role_service", "text", "evidence_type", "families", "confidence")


class InvalidInsight(TriangulateError):
    """The form or call had problems; nothing was saved. `problems` maps field → message."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("Nothing was saved: " + "; ".join(f"{k}: {v}" for k, v in problems.items()))


@dataclass(frozen=True)
class Coding:
    issue_code: str
    issue_label: str
    stance: str
    severity: int
    coder: str
    is_consensus: bool


def content_hash(ward_code: str, observed_on: date, author: str, text: str) -> str:
    """Identity of an insight for idempotent imports: same ward, date, author and text = same insight."""
    canonical = "\x1f".join([ward_code, observed_on.isoformat(), author.strip().lower(), " ".join(text.split())])
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- validation helpers
def resolve_ward(session: Session, ward: str) -> tuple[str | None, str | None]:
    """(ward code, None), or (None, the problem and its fix): the one resolver, `places.resolve_ward`."""
    try:
        return places.Gazetteer.load(session).resolve_ward(ward), None
    except TriangulateError as exc:
        return None, str(exc)


def resolve_area_codes(session: Session, area: str | None, ward_code: str | None
                       ) -> tuple[tuple[str, ...], str | None]:
    """(IZ codes, None) for an optional area in the insight's ward, or ((), the problem and its fix)."""
    if not (area or "").strip() or ward_code is None:
        return (), None
    try:
        return places.area_codes(places.Gazetteer.load(session), area, ward_code), None
    except TriangulateError as exc:
        return (), str(exc)


def _replace_places(session: Session, insight_id: int, area: str | None, ward_code: str) -> bool:
    """Set the insight's places from `area` (None: keep them, "" clear them); keeping them after a change of
    ward is refused when they do not lie in the new ward. True when the places changed."""
    rows = list(session.exec(select(InsightPlace).where(InsightPlace.insight_id == insight_id)))
    if area is None:
        izs = places.zones()[0]
        outside = [r.iz_code for r in rows if r.iz_code in izs and izs[r.iz_code].ward_code != ward_code]
        if outside:
            raise InvalidInsight({"area": f"the insight's area ({', '.join(outside)}) is not in the new ward. Fix: "
                                          "choose an area in the new ward, or clear the area"})
        return False
    codes, problem = resolve_area_codes(session, area, ward_code)
    if problem:
        raise InvalidInsight({"area": problem})
    if {r.iz_code for r in rows} == set(codes):
        return False
    for row in rows:
        session.delete(row)
    session.flush()
    for iz in codes:
        session.add(InsightPlace(insight_id=insight_id, iz_code=iz, source="form"))
    return True


def places_of(session: Session, insight_ids: list[int]) -> dict[int, list[str]]:
    """Each insight's IZ codes (InsightPlace), for exports and the joint display."""
    out: dict[int, list[str]] = {}
    for start in range(0, len(insight_ids), 500):
        chunk = insight_ids[start:start + 500]
        for row in session.exec(select(InsightPlace).where(InsightPlace.insight_id.in_(chunk))):
            out.setdefault(row.insight_id, []).append(row.iz_code)
    return out


def active_issues_by_code(session: Session) -> dict[str, Issue]:
    return {i.code: i for i in session.exec(select(Issue).where(Issue.status == "active"))}


def check_codes(specs, issues_by_code: dict[str, Issue], allow_not_coded: bool = False) -> str | None:
    """The first problem with a list of CodeSpecs, or None."""
    seen = set()
    for spec in specs:
        if spec.issue not in issues_by_code:
            return (f"issue {spec.issue!r} is not in the codebook (or is retired); use one of its codes, "
                    "e.g. housing, food, fuel")
        if spec.stance == NOT_CODED and not allow_not_coded:
            return "'not_coded' is only for a consensus coding"
        if spec.issue in seen:
            return f"issue {spec.issue!r} is coded twice"
        seen.add(spec.issue)
    return None


def _validate_fields(**raw) -> InsightFields:
    try:
        return InsightFields(**raw)
    except ValidationError as exc:
        problems = {}
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "form"
            msg = err["msg"].removeprefix("Value error, ")
            if field == "text" and err["type"] == "string_too_long":
                msg = (f"the insight is {len(raw.get('text') or ''):,} characters; the limit is {MAX_TEXT:,}. "
                       "Shorten it or split it into two insights")
            elif err["type"] in ("string_too_short", "missing"):
                msg = "required: please fill it in"
            problems.setdefault(field, msg)
        raise InvalidInsight(problems) from None


def _as_specs(codes) -> list[CodeSpec]:
    out = []
    for c in codes or []:
        out.append(c if isinstance(c, CodeSpec) else CodeSpec(**c))
    return out


def _snapshot(session: Session, insight: Insight) -> dict:
    codes = session.exec(select(InsightCode, Issue).join(Issue, Issue.id == InsightCode.issue_id)
                         .where(InsightCode.insight_id == insight.id)).all()
    snap = {k: getattr(insight, k) for k in EDITABLE}
    snap["observed_on"] = insight.observed_on.isoformat()
    snap["codes"] = [{"issue": i.code, "stance": c.stance, "severity": c.severity, "coder": c.coder}
                     for c, i in codes]
    snap["area"] = sorted(session.exec(select(InsightPlace.iz_code).where(InsightPlace.insight_id == insight.id)))
    return snap


def _is_author(insight: Insight, actor: Actor) -> bool:
    return actor.id is not None and insight.author_id == actor.id


def _require_own(insight: Insight, actor: Actor, own_permission: str) -> None:
    if _is_author(insight, actor):
        require(actor, own_permission)
    elif not can(actor, "insights.edit_any"):
        raise PermissionDenied(f"{actor.username} may change only their own insights; insight "
                               f"#{insight.id} was written by {insight.author_name}.")


def set_codes(session: Session, insight_id: int, coder: str, specs, issues_by_code, is_consensus=False) -> int:
    """Replace `coder`'s codings of an insight with `specs`. Returns how many rows changed."""
    current = {c.issue_id: c for c in session.exec(select(InsightCode).where(
        InsightCode.insight_id == insight_id, InsightCode.coder == coder))}
    wanted = {issues_by_code[s.issue].id: s for s in specs}
    changed = 0
    for issue_id, row in current.items():
        if issue_id not in wanted:
            session.delete(row)
            changed += 1
    for issue_id, spec in wanted.items():
        row = current.get(issue_id)
        if row is None:
            session.add(InsightCode(insight_id=insight_id, issue_id=issue_id, stance=spec.stance,
                                    severity=spec.severity, coder=coder, is_consensus=is_consensus))
            changed += 1
        elif (row.stance, row.severity) != (spec.stance, spec.severity):
            row.stance, row.severity = spec.stance, spec.severity
            session.add(row)
            changed += 1
    return changed


# --------------------------------------------------------------------------- writing
def create(engine: Engine, actor: Actor, *, ward: str, observed_on, text: str, role_service: str,
           evidence_type: str, families: int | None = None, confidence: str = "medium", codes=(),
           client_token: str | None = None, illustrative: bool = False, area: str | None = None) -> Insight:
    """Record an insight written by `actor`, coded by `actor`. A repeated `client_token` (a double click)
    returns the insight already saved instead of a duplicate. `area` (optional) places it below the ward:
    an IZ or DZ code or name or a neighbourhood in that ward (`places.resolve_area`), kept as InsightPlace."""
    require(actor, "insights.create")
    fields = _validate_fields(ward=ward, observed_on=observed_on, author=actor.name, role_service=role_service,
                              evidence_type=evidence_type, families=families, confidence=confidence, text=text)
    try:
        specs = _as_specs(codes)
    except ValidationError as exc:
        raise InvalidInsight({"codes": exc.errors()[0]["msg"].removeprefix("Value error, ")}) from None
    if client_token:
        earlier = _by_token(engine, client_token)
        if earlier is not None:
            return earlier
    try:
        with session_scope(engine) as session:
            ward_code, ward_problem = resolve_ward(session, fields.ward)
            problems = {}
            if ward_code is None:
                problems["ward"] = ward_problem
            iz_codes, area_problem = resolve_area_codes(session, area, ward_code)
            if area_problem:
                problems["area"] = area_problem
            if fields.observed_on > date.today():
                problems["observed_on"] = "the date is in the future; use the date you saw it"
            by_code = active_issues_by_code(session)
            problem = check_codes(specs, by_code)
            if problem:
                problems["codes"] = problem
            if problems:
                raise InvalidInsight(problems)
            insight = Insight(ward_code=ward_code, author_id=actor.id, author_name=fields.author,
                              role_service=fields.role_service, observed_on=fields.observed_on, text=fields.text,
                              evidence_type=fields.evidence_type, families=fields.families,
                              confidence=fields.confidence, illustrative=illustrative, client_token=client_token,
                              content_hash=content_hash(ward_code, fields.observed_on, fields.author, fields.text))
            session.add(insight)
            session.flush()
            set_codes(session, insight.id, actor.username, specs, by_code)
            for iz in iz_codes:
                session.add(InsightPlace(insight_id=insight.id, iz_code=iz, source="form"))
            audit.record(session, actor, "create", "insight", insight.id, ward=ward_code,
                         codes=[s.issue for s in specs], **({"iz_codes": list(iz_codes)} if iz_codes else {}))
            return insight
    except IntegrityError:
        # Two submits raced past the token check; the first one won.
        earlier = _by_token(engine, client_token) if client_token else None
        if earlier is None:
            raise
        return earlier


def _by_token(engine: Engine, token: str) -> Insight | None:
    with session_scope(engine) as session:
        return session.exec(select(Insight).where(Insight.client_token == token)).first()


def edit(engine: Engine, actor: Actor, insight_id: int, codes=None, area: str | None = None, **changes) -> Insight:
    """Edit your own insight (`codes` replaces your own coding of it; `area` replaces where in the ward it sits,
    "" clears it). The previous version is kept in InsightRevision."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TriangulateError(f"These fields cannot be edited: {', '.join(sorted(unknown))}.")
    with session_scope(engine) as session:
        insight = _get(session, insight_id)
        _require_own(insight, actor, "insights.edit_own")
        current = {k: getattr(insight, k) for k in EDITABLE}
        merged = current | {k: v for k, v in changes.items()}
        fields = _validate_fields(ward=merged["ward_code"], observed_on=merged["observed_on"],
                                  author=insight.author_name, role_service=merged["role_service"],
                                  evidence_type=merged["evidence_type"], families=merged["families"],
                                  confidence=merged["confidence"], text=merged["text"])
        ward_code, ward_problem = resolve_ward(session, fields.ward)
        if ward_code is None:
            raise InvalidInsight({"ward": ward_problem})
        by_code = active_issues_by_code(session)
        specs = None
        if codes is not None:
            try:
                specs = _as_specs(codes)
            except ValidationError as exc:
                raise InvalidInsight({"codes": exc.errors()[0]["msg"].removeprefix("Value error, ")}) from None
            problem = check_codes(specs, by_code)
            if problem:
                raise InvalidInsight({"codes": problem})
        new = {"ward_code": ward_code, "observed_on": fields.observed_on, "role_service": fields.role_service,
               "text": fields.text, "evidence_type": fields.evidence_type, "families": fields.families,
               "confidence": fields.confidence}
        changed = [k for k in EDITABLE if new[k] != current[k]]
        before = _snapshot(session, insight)
        place_changes = _replace_places(session, insight.id, area, ward_code)
        code_changes = set_codes(session, insight.id, actor.username, specs, by_code) if specs is not None else 0
        if place_changes:
            changed.append("area")
        if not changed and not code_changes:
            return insight
        session.add(InsightRevision(insight_id=insight.id, edited_by=actor.username, snapshot=before))
        for key in changed:
            if key in new:
                setattr(insight, key, new[key])
        insight.updated_at = utcnow()
        insight.content_hash = content_hash(insight.ward_code, insight.observed_on, insight.author_name,
                                            insight.text)
        session.add(insight)
        audit.record(session, actor, "edit", "insight", insight.id, fields=changed, codes_changed=code_changes)
        return insight


def delete(engine: Engine, actor: Actor, insight_id: int) -> None:
    with session_scope(engine) as session:
        insight = _get(session, insight_id)
        _require_own(insight, actor, "insights.delete_own")
        for model in (InsightCode, InsightRevision, InsightPlace):
            for row in session.exec(select(model).where(model.insight_id == insight_id)).all():
                session.delete(row)
        session.flush()
        session.delete(insight)
        audit.record(session, actor, "delete", "insight", insight_id, ward=insight.ward_code)


def code(engine: Engine, actor: Actor, insight_id: int, codes) -> int:
    """Record `actor`'s own coding of an insight (anyone's insight): replaces their earlier coding."""
    require(actor, "insights.code")
    require(actor, "insights.read_text")
    try:
        specs = _as_specs(codes)
    except ValidationError as exc:
        raise InvalidInsight({"codes": exc.errors()[0]["msg"].removeprefix("Value error, ")}) from None
    if actor.username == CONSENSUS:
        raise TriangulateError("'consensus' is reserved for settled codings; use the agreement page.")
    with session_scope(engine) as session:
        insight = _get(session, insight_id)
        by_code = active_issues_by_code(session)
        problem = check_codes(specs, by_code)
        if problem:
            raise InvalidInsight({"codes": problem})
        changed = set_codes(session, insight.id, actor.username, specs, by_code)
        if changed:
            audit.record(session, actor, "code", "insight", insight.id, codes=[s.issue for s in specs])
        return changed


def _get(session: Session, insight_id: int) -> Insight:
    insight = get_or_not_found(session, Insight, int(insight_id),
                               f"There is no insight #{insight_id}; it may have been deleted.")
    return insight


# --------------------------------------------------------------------------- reading (text)
def get(engine: Engine, actor: Actor, insight_id: int) -> tuple[Insight, list[Coding]]:
    require(actor, "insights.read_text")
    with session_scope(engine) as session:
        insight = _get(session, insight_id)
        rows = session.exec(select(InsightCode, Issue).join(Issue, Issue.id == InsightCode.issue_id)
                            .where(InsightCode.insight_id == insight_id)
                            .order_by(InsightCode.coder, Issue.sort_order)).all()
        return insight, [Coding(i.code, i.label, c.stance, c.severity, c.coder, c.is_consensus) for c, i in rows]


def history(engine: Engine, actor: Actor, insight_id: int) -> list[InsightRevision]:
    """Earlier versions of an insight, newest first."""
    require(actor, "insights.read_text")
    with session_scope(engine) as session:
        return list(session.exec(select(InsightRevision).where(InsightRevision.insight_id == insight_id)
                                 .order_by(InsightRevision.edited_at.desc(), InsightRevision.id.desc())))


@dataclass
class Filters:
    wards: tuple[str, ...] = ()
    issues: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    mine_only: bool = False


def _filtered(query, f: Filters | None, actor: Actor | None = None):
    if f is None:
        return query
    if f.wards:
        query = query.where(Insight.ward_code.in_(f.wards))
    if f.roles:
        query = query.where(Insight.role_service.in_(f.roles))
    if f.date_from:
        query = query.where(Insight.observed_on >= f.date_from)
    if f.date_to:
        query = query.where(Insight.observed_on <= f.date_to)
    if f.mine_only and actor is not None:
        query = query.where(Insight.author_id == (actor.id if actor.id is not None else -1))
    return query


LIST_COLUMNS = ["id", "ward", "ward_code", "observed_on", "author", "role_service", "evidence_type", "families",
                "confidence", "text", "codes", "coders", "mine", "illustrative", "updated_at"]


def list_frame(engine: Engine, actor: Actor, filters: Filters | None = None) -> pd.DataFrame:
    """Insights with a one-line summary of their codes; two queries whatever the number of insights."""
    require(actor, "insights.read_text")
    with session_scope(engine) as session:
        # Plain column tuples, not ORM objects: several times faster for thousands of rows.
        query = _filtered(select(Insight.id, Ward.name, Insight.ward_code, Insight.observed_on, Insight.author_name,
                                 Insight.role_service, Insight.evidence_type, Insight.families, Insight.confidence,
                                 Insight.text, Insight.author_id, Insight.illustrative, Insight.updated_at)
                          .join(Ward, Ward.code == Insight.ward_code), filters, actor)
        rows = session.exec(query.order_by(Insight.observed_on.desc(), Insight.id.desc())).all()
        code_query = _filtered(select(InsightCode.insight_id, Issue.code, InsightCode.stance, InsightCode.severity,
                                      InsightCode.coder)
                               .join(Issue, Issue.id == InsightCode.issue_id)
                               .join(Insight, Insight.id == InsightCode.insight_id), filters, actor)
        codes = session.exec(code_query.order_by(InsightCode.coder, Issue.sort_order)).all()
    summary: dict[int, list[str]] = {}
    coders: dict[int, set[str]] = {}
    issue_sets: dict[int, set[str]] = {}
    for insight_id, issue_code, stance, severity, coder in codes:
        if stance != NOT_CODED:
            summary.setdefault(insight_id, []).append(f"{issue_code}:{stance}:{severity} [{coder}]")
            issue_sets.setdefault(insight_id, set()).add(issue_code)
        coders.setdefault(insight_id, set()).add(coder)
    wanted = set(filters.issues) if filters and filters.issues else None
    me = actor.id if actor.id is not None else object()
    records = [
        (i, ward_name, ward_code, observed_on, author, role, evidence, families, confidence, text,
         "; ".join(summary.get(i, [])), ", ".join(sorted(coders.get(i, ()))), author_id == me, illustrative, updated)
        for (i, ward_name, ward_code, observed_on, author, role, evidence, families, confidence, text, author_id,
             illustrative, updated) in rows
        if wanted is None or issue_sets.get(i, set()) & wanted]
    frame = pd.DataFrame.from_records(records, columns=LIST_COLUMNS)
    frame["families"] = frame["families"].astype("Int64")
    return frame


def roles_in_use(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return sorted(r for r in session.exec(select(Insight.role_service).distinct()) if r)


# --------------------------------------------------------------------------- aggregates (no text)
CODED_COLUMNS = ["ward_code", "issue_id", "issue_code", "stance", "severity", "insight_id", "coder",
                 "is_consensus", "weight", "role_service", "observed_on", "illustrative"]


def coded_frame(session: Session, ward_code: str | None = None, filters: Filters | None = None) -> pd.DataFrame:
    """The codings that count, consensus first (see the module docstring). One query; no insight text."""
    query = (select(Insight.ward_code, InsightCode.issue_id, Issue.code, InsightCode.stance, InsightCode.severity,
                    InsightCode.insight_id, InsightCode.coder, InsightCode.is_consensus, Insight.role_service,
                    Insight.observed_on, Insight.illustrative)
             .join(Insight, Insight.id == InsightCode.insight_id)
             .join(Issue, Issue.id == InsightCode.issue_id))
    if ward_code:
        query = query.where(Insight.ward_code == ward_code)
    query = _filtered(query, filters)
    rows = session.exec(query).all()
    frame = pd.DataFrame.from_records(
        [tuple(r) for r in rows],
        columns=["ward_code", "issue_id", "issue_code", "stance", "severity", "insight_id", "coder",
                 "is_consensus", "role_service", "observed_on", "illustrative"])
    if frame.empty:
        return pd.DataFrame(columns=CODED_COLUMNS)
    frame["is_consensus"] = frame["is_consensus"].astype(bool)
    settled = frame.groupby(["insight_id", "issue_id"])["is_consensus"].transform("any")
    frame = frame[~settled | frame["is_consensus"]]
    frame = frame[frame["stance"] != NOT_CODED].copy()
    frame["weight"] = 1.0 / frame.groupby(["insight_id", "issue_id"])["coder"].transform("size")
    return frame[CODED_COLUMNS].reset_index(drop=True)


def coded_for_ward(session: Session, ward_code: str) -> list[tuple[Insight, InsightCode]]:
    """The same rows as `coded_frame` for one ward, as (Insight, InsightCode) pairs."""
    frame = coded_frame(session, ward_code)
    if frame.empty:
        return []
    keep = set(zip(frame["insight_id"], frame["issue_id"], frame["coder"]))
    rows = session.exec(select(Insight, InsightCode).join(InsightCode, InsightCode.insight_id == Insight.id)
                        .where(Insight.ward_code == ward_code)).all()
    return [(i, c) for i, c in rows if (c.insight_id, c.issue_id, c.coder) in keep]


def insight_counts(session: Session) -> dict[str, int]:
    """Number of insights per ward (any coding or none)."""
    rows = session.exec(select(Insight.ward_code, func.count(Insight.id)).group_by(Insight.ward_code)).all()
    return {ward: int(n) for ward, n in rows}


def crosstab(engine: Engine, actor: Actor, filters: Filters | None = None) -> pd.DataFrame:
    """Issues × wards × stance: weighted number of coded insights and mean severity. Aggregates only."""
    require(actor, "matrix.read")
    with session_scope(engine) as session:
        frame = coded_frame(session, filters=filters)
        labels = {i.code: i.label for i in session.exec(select(Issue))}
        wards = {w.code: w.name for w in session.exec(select(Ward))}
    columns = ["issue_code", "issue", "ward_code", "ward", "stance", "insights", "mean_severity"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["wsev"] = frame["severity"] * frame["weight"]
    grouped = frame.groupby(["issue_code", "ward_code", "stance"], as_index=False).agg(
        insights=("weight", "sum"), wsev=("wsev", "sum"))
    grouped["mean_severity"] = (grouped["wsev"] / grouped["insights"]).round(2)
    grouped["insights"] = grouped["insights"].round(2)
    grouped["issue"] = grouped["issue_code"].map(labels)
    grouped["ward"] = grouped["ward_code"].map(wards)
    return grouped[columns]


def issue_ward_totals(table: pd.DataFrame, stance: str = "any") -> pd.DataFrame:
    """A crosstab (`crosstab`) summed over stances per (issue, ward): insights, and their mean severity weighted by
    the insights of each stance. `stance` keeps one stance only ("any": every stance)."""
    view = table if stance == "any" else table[table["stance"] == stance]
    cells = (view.assign(weighted=view["insights"] * view["mean_severity"])
             .groupby(["issue", "ward", "issue_code", "ward_code"], as_index=False)
             .agg(insights=("insights", "sum"), weighted=("weighted", "sum")))
    cells["mean_severity"] = (cells["weighted"] / cells["insights"]).round(2)
    return cells


def drill_down(engine: Engine, actor: Actor, ward_code: str, issue_code: str, stance: str | None = None,
               filters: Filters | None = None) -> pd.DataFrame:
    """The insights behind one crosstab cell, with text (needs insights.read_text)."""
    require(actor, "insights.read_text")
    with session_scope(engine) as session:
        frame = coded_frame(session, ward_code, filters)
    frame = frame[frame["issue_code"] == issue_code]
    if stance:
        frame = frame[frame["stance"] == stance]
    ids = set(frame["insight_id"])
    listing = list_frame(engine, actor, Filters(wards=(ward_code,)))
    listing = listing[listing["id"].isin(ids)]
    stance_by_id = frame.groupby("insight_id")["stance"].agg(lambda s: ", ".join(sorted(set(s))))
    listing = listing.assign(stance=listing["id"].map(stance_by_id))
    return listing[["id", "observed_on", "author", "role_service", "evidence_type", "stance", "codes", "text",
                    "illustrative"]]


STANCE_ORDER = list(STANCES)


def default_role(engine: Engine, actor: Actor) -> str:
    """The signed-in user's role or service, to prefill the form."""
    from schemas import User

    if actor.id is None:
        return ""
    with session_scope(engine) as session:
        user = session.get(User, actor.id)
        return user.service if user else ""


def readable(engine: Engine, actor: Actor, insight_id: int) -> tuple[Insight, list[Coding]] | None:
    """`get`, or None when it no longer exists (a page showing a stale selection)."""
    try:
        return get(engine, actor, insight_id)
    except NotFound:
        return None


def any_illustrative(engine: Engine) -> bool:
    """Whether fictional demo insights are in the database (pages then say so)."""
    with session_scope(engine) as session:
        return session.exec(select(Insight.id).where(Insight.illustrative == True).limit(1)).first() is not None  # noqa: E712
