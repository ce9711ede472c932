"""Per (ward, issue, strand): a level, its strength, and the specific examples the strand offers.

The rules (every number comes from `thresholds.Thresholds`):

**Numbers** — for each indicator linked to the issue (`IndicatorIssue.issue_code = Issue.code`; the
parent issue's indicators too when `numbers_use_parent_indicators` is on and the issue has none of its
own), take the latest ward value (all-population breakdown) and the city value (the council row, else
aggregated city value). Ward values come from the numbers strand (`numbers.all_wards_indicator_frame`:
data zones aggregated to wards). The standardised gap is (ward − city) / SD of the ward values, signed so
that positive is worse (`higher_better` flips it; `neutral` indicators and counts are left out). The
issue's gap is the mean over its indicators.
*elevated* ≥ +numbers_elevated_sd · *lower* ≤ −numbers_elevated_sd · *typical* between ·
*no data* when no linked indicator has a ward value. Prominence: high when elevated.

**Practitioners** — each insight in the ward coded to the issue contributes stance weight × severity
(problem, worsening, improving count for; not_a_problem counts against). When an insight has a
consensus coding for the issue, that alone counts; otherwise each coder's coding counts 1/n.
*no data* — the ward has no insights at all · *not raised* — insights exist, none on this issue ·
*contradicted* — the weight against exceeds the weight for · *raised* otherwise, strongly (prominence
high) when the net score reaches practitioners_strong_score.

**Residents** — resident (not facilitator) segments of the ward's transcripts whose issue is this one,
as a share of the ward's resident segments that are about some issue, against the same share city-wide.
Segments about no issue (issue_id NULL: the machine's or a person's `none`) count neither in a ward's
shares nor the city's: a ward whose interviews are full of "yeah" and "thank you" is not made to look
quieter on every issue.
*not analysed* — some resident segment (anywhere: the city share needs them all) has not been assigned by
the current analysis (issue_source ""); the summary says how many wait, in this ward and in all ·
*no data* — no resident segments in the ward · *silent* — none on this issue (or every segment is about no
issue) · *prominent* — at least residents_prominent_min_segments and a share ≥ residents_prominent_ratio ×
city share or ≥ residents_prominent_share · *mentioned* otherwise.

One query per strand reads all wards at once (plus one count query for the residents' city share), so
the whole city costs about what one ward does.

**An area below the ward** (`area=`: an IZ or a named neighbourhood, `triangulate.core.places.Area`; or a
list of areas, answered together) — the same rules and thresholds, each strand restricted to the evidence
placed there (`joint.placed`: an insight or segment is in the area if it has a place row in the area's
IZs): numbers from the IZ-level values (`numbers.iz_values`; the gap in SDs across the city's IZs);
practitioners from the insights placed there (*no data*: none placed there); residents from the resident
segments placed there, against the city-wide share (*no data*: none placed there). Each signal keeps its
ward in `ward_code` and the area in `area_code`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd
from sqlalchemy import String, and_, case, func, literal_column, select
from sqlalchemy import cast as sa_cast
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import Engine

from schemas import IndicatorIssue, Insight, InsightCode, Issue, Segment, Transcript, Ward
from triangulate.core.permissions import Actor, may_read_insight_text, require
from triangulate.joint import examples as ex
from triangulate.joint import placed
from triangulate.joint.thresholds import Thresholds
from triangulate.practitioners.insights import NOT_CODED

STRANDS = ("numbers", "practitioners", "residents")
LEVELS = {
    "numbers": ("elevated", "typical", "lower", "no data"),
    "practitioners": ("raised", "not raised", "contradicted", "no data"),
    "residents": ("prominent", "mentioned", "silent", "no data", "not analysed"),
}
STANCES_FOR = ("problem", "worsening", "improving")
STANCE_AGAINST = "not_a_problem"


@dataclass
class Signal:
    ward_code: str
    issue_code: str
    strand: str
    level: str
    strength: float | None = None  # SD gap / net weighted score / ratio to city share
    prominence: str | None = None  # high / low for a strand that covers the issue
    summary: str = ""  # plain English, with the numbers
    examples: list[str] = field(default_factory=list)  # surface forms, most frequent first
    stems: frozenset = frozenset()  # the most frequent examples' stems: what two qualitative strands compare
    all_stems: frozenset = frozenset()  # every example's stem: what the numbers' indicator names are sought in
    evidence: dict = field(default_factory=dict)
    area_code: str | None = None  # the area below the ward the signal is for (None: the whole ward)


@dataclass
class Context:
    """What the rules need about places and the codebook (read once)."""

    wards: dict[str, str]  # code -> name (area code -> area name when areas are asked for)
    issues: pd.DataFrame  # id, code, label, parent_code, keywords (leaf, active issues in codebook order)
    areas: dict | None = None  # area code -> places.Area, when the signals are for areas below the ward
    place: str = "ward"  # how the summaries name the place: "ward" or "area"


def areas_of(area) -> list | None:
    """`area=` as a list of areas below the ward; None for no area or a whole ward."""
    if area is None:
        return None
    listed = [area] if hasattr(area, "iz_codes") else list(area)
    listed = [a for a in listed if a.kind != "ward"]
    return listed or None


def context(engine: Engine, ward_codes: list[str] | None = None, area=None) -> Context:
    with engine.connect() as conn:
        wards = pd.read_sql(select(Ward.code, Ward.name).order_by(Ward.name), conn)
        issues = pd.read_sql(select(Issue.id, Issue.code, Issue.label, Issue.parent_id, Issue.keywords,
                                    Issue.sort_order, Issue.status), conn)
    issues = issues[issues["status"] == "active"].sort_values(["sort_order", "id"])
    parents = set(issues["parent_id"].dropna().astype(int))
    code_of = dict(zip(issues["id"], issues["code"]))
    issues["parent_code"] = issues["parent_id"].map(lambda p: code_of.get(int(p)) if pd.notna(p) else None)
    leaves = issues[~issues["id"].isin(parents)].reset_index(drop=True)
    ward_map = dict(zip(wards["code"], wards["name"]))
    if ward_codes is not None:
        ward_map = {c: ward_map.get(c, c) for c in ward_codes}
    leaves = leaves[["id", "code", "label", "parent_code", "keywords"]]
    areas = areas_of(area)
    if areas:
        return Context({a.code: a.name for a in areas}, leaves, {a.code: a for a in areas}, "area")
    return Context(ward_map, leaves)


# --------------------------------------------------------------------------- numbers
def _indicator_gaps(engine: Engine, areas: dict | None = None) -> pd.DataFrame:
    """Per (indicator, ward): value, city value and the standardised gap (positive = worse), from the numbers
    strand's ward values (data zones aggregated to wards). Counts are left out: a ward's count measures its
    size as much as its need."""
    from sqlmodel import Session

    from triangulate.numbers import ward_values as numbers

    with Session(engine) as session:
        if areas:  # per area (its code in ward_code) from the IZ-level values
            from triangulate.numbers import iz_values

            frame = iz_values.area_indicator_frame(session, {c: a.iz_codes for c, a in areas.items()})
            frame = frame.rename(columns={"area_code": "ward_code"})
        else:
            frame = numbers.all_wards_indicator_frame(session)
    columns = ["indicator_id", "ward_code", "title", "source", "unit", "polarity", "period", "value", "city", "gap_sd"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = frame[(frame["polarity"] != "neutral") & (frame["aggregation"] != "sum")
                  & frame["z"].notna() & frame["value"].notna()]
    frame = frame.rename(columns={"city_value": "city", "z": "gap_sd"})
    return frame[columns].reset_index(drop=True)


def _indicator_links(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(select(IndicatorIssue.indicator_id, IndicatorIssue.issue_code), conn)


def numbers_signals(engine: Engine, ctx: Context, t: Thresholds) -> list[Signal]:
    gaps = _indicator_gaps(engine, ctx.areas)
    links = _indicator_links(engine)
    by_issue: dict[str, list[int]] = {}
    for indicator_id, code in zip(links["indicator_id"], links["issue_code"]):
        by_issue.setdefault(code, []).append(int(indicator_id))
    # (ward, indicator) → its gap row, read once; the loops below touch only Python objects
    rows = {(r.ward_code, int(r.indicator_id)): r for r in gaps.itertuples(index=False) if r.ward_code in ctx.wards}
    out = []
    for issue in ctx.issues.itertuples():
        own = by_issue.get(issue.code, [])
        via = ""
        if not own and t.numbers_use_parent_indicators and issue.parent_code:
            own, via = by_issue.get(issue.parent_code, []), issue.parent_code
        for ward_code in ctx.wards:
            g = [rows[(ward_code, i)] for i in own if (ward_code, i) in rows]
            if not g:
                why = ("no indicator is linked to this issue" if not own
                       else f"no linked indicator has a value for this {ctx.place}")
                out.append(Signal(ward_code, issue.code, "numbers", "no data", summary=f"No data: {why}."))
                continue
            gap = sum(r.gap_sd for r in g) / len(g)
            level = ("elevated" if gap >= t.numbers_elevated_sd else
                     "lower" if gap <= -t.numbers_elevated_sd else "typical")
            parts = "; ".join(
                f"{r.title} {r.value:.3g} vs " + (f"city {r.city:.3g}" if pd.notna(r.city) else "the mean ward")
                + f" ({r.gap_sd:+.1f} SD)" for r in g)
            summary = (f"{level.capitalize()}: mean standardised gap {gap:+.2f} SD"
                       + (" across the city's intermediate zones" if ctx.areas else "")
                       + f" (worse is positive; threshold "
                       f"±{t.numbers_elevated_sd:g}) over {len(g)} indicator(s)"
                       f"{' of the parent issue ' + via if via else ''}: {parts}.")
            titles = list(dict.fromkeys(r.title for r in g))
            out.append(Signal(ward_code, issue.code, "numbers", level, round(gap, 3),
                              "high" if level == "elevated" else "low", summary, titles,
                              frozenset(ex.title_terms(titles)), frozenset(ex.title_terms(titles)),
                              {"indicators": [r._asdict() for r in g], "via_parent": via}))
    return out


# --------------------------------------------------------------------------- practitioners
_CODE_COLUMNS = ["insight_id", "ward_code", "issue_id", "stance", "severity", "coder", "is_consensus"]


def _insight_codes(engine: Engine, ward_codes) -> tuple[pd.DataFrame, dict[int, str | None]]:
    """Every insight with its codes (one row per code; an uncoded insight once), and each insight's stored
    terms. Plain tuples from the driver: at a city's scale pandas' own SQL reader costs more than the rules."""
    stmt = (select(Insight.id.label("insight_id"), Insight.ward_code, InsightCode.issue_id, InsightCode.stance,
                   InsightCode.severity, InsightCode.coder, InsightCode.is_consensus)
            .join(InsightCode, InsightCode.insight_id == Insight.id, isouter=True))
    terms = select(Insight.id, Insight.terms)
    if ward_codes is not None:
        stmt = stmt.where(Insight.ward_code.in_(list(ward_codes)))
        terms = terms.where(Insight.ward_code.in_(list(ward_codes)))
    frame = pd.DataFrame.from_records(_driver_rows(engine, stmt), columns=_CODE_COLUMNS)
    return frame, dict(_driver_rows(engine, terms))


def _driver_rows(engine: Engine, stmt) -> list[tuple]:
    """The rows of a read-only SELECT as the database driver gives them (plain tuples): at a city's scale,
    building a result row object per row costs more than the query. Values are bound as literals (the
    statements here hold only ward codes and fixed words)."""
    sql = str(stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(sql)
            return cursor.fetchall()
        finally:
            cursor.close()


def practitioner_signals(engine: Engine, ctx: Context, t: Thresholds, ward_codes=None) -> list[Signal]:
    if ctx.areas:
        frame = placed.insight_codes(engine, ctx.areas.values())
        stored_terms = _stored_insight_terms(engine, frame["insight_id"].unique().tolist())
    else:
        frame, stored_terms = _insight_codes(engine, ward_codes)
    insights_per_ward = frame.groupby("ward_code")["insight_id"].nunique().to_dict()
    coded = frame.dropna(subset=["issue_id"]).copy()
    weights = {"problem": t.stance_weight_problem, "worsening": t.stance_weight_worsening,
               "improving": t.stance_weight_improving, "not_a_problem": -t.stance_weight_not_a_problem}
    # (ward, issue id) → [(insight id, score)], one entry per insight
    scored: dict[tuple[str, int], list[tuple[int, float]]] = {}
    if not coded.empty:
        coded["issue_id"] = coded["issue_id"].astype(int)
        coded["consensus"] = coded["is_consensus"].fillna(False).astype(bool) | (coded["coder"] == "consensus")
        # Consensus coding wins: drop individual codings of an (insight, issue) that has a consensus one.
        has_consensus = coded.groupby(["insight_id", "issue_id"])["consensus"].transform("any")
        coded = coded[~has_consensus | coded["consensus"]]
        # A consensus "not_coded" means the coders settled that the insight is not about this issue.
        coded = coded[coded["stance"] != NOT_CODED].copy()
        # per place too: with areas, an insight placed in two of them has its codings once in each
        coded["n_coders"] = coded.groupby(["ward_code", "insight_id", "issue_id"])["coder"].transform("count")
        coded["score"] = (coded["stance"].map(weights).astype(float).fillna(0.0) * coded["severity"].clip(1, 3)
                          / coded["n_coders"])
        per_insight = coded.groupby(["ward_code", "issue_id", "insight_id"], sort=False)["score"].sum().reset_index()
        # plain lists, not the Series' items: a city has ~100,000 (insight, issue) pairs
        for ward_code, issue_id, insight_id, score in zip(*(per_insight[c].tolist() for c in per_insight.columns)):
            scored.setdefault((ward_code, int(issue_id)), []).append((int(insight_id), float(score)))
    out = []
    for issue in ctx.issues.itertuples():
        for ward_code in ctx.wards:
            n_ward = insights_per_ward.get(ward_code, 0)
            if n_ward == 0:
                out.append(Signal(ward_code, issue.code, "practitioners", "no data",
                                  summary=f"No data: no officer insights have been {_recorded(ctx)}."))
                continue
            items = scored.get((ward_code, int(issue.id)))
            if not items:
                out.append(Signal(ward_code, issue.code, "practitioners", "not raised", 0.0, None,
                                  f"Not raised: none of the {ctx.place}'s {n_ward} insight(s) is coded to this "
                                  "issue.",
                                  evidence={"insights_in_ward": n_ward}))
                continue
            pro = [(i, v) for i, v in items if v > 0]
            con = [(i, v) for i, v in items if v < 0]
            support, against = sum(v for _, v in pro), -sum(v for _, v in con)
            net = support - against
            if against > support:
                level, prominence = "contradicted", "high" if against >= t.practitioners_strong_score else "low"
                summary = (f"Contradicted: {len(con)} insight(s) say it is not a problem here (weight {against:.1f}) "
                           f"against {len(pro)} that raise it (weight {support:.1f}).")
                chosen = con
            else:
                level = "raised"
                prominence = "high" if net >= t.practitioners_strong_score else "low"
                strongly = "strongly" if prominence == "high" else "but not strongly"
                summary = (f"Raised {strongly}: {len(pro)} insight(s) of the {ctx.place}'s {n_ward} coded to this "
                           "issue, "
                           f"weighted score {net:.1f} (stance × severity; strong at ≥ {t.practitioners_strong_score:g})"
                           + (f"; {len(con)} say it is not a problem." if con else "."))
                chosen = pro
            chosen = sorted(chosen, key=lambda iv: -abs(iv[1]))
            top, mentioned = ex.summarise([_insight_terms(engine, stored_terms, i) for i, _ in chosen],
                                          t.examples_per_strand)
            out.append(Signal(ward_code, issue.code, "practitioners", level, round(net, 3), prominence, summary,
                              [form for _, form, _ in top], frozenset(s for s, _, _ in top), mentioned,
                              {"insight_ids": [i for i, _ in chosen], "insights_in_ward": n_ward,
                               "for": len(pro), "against": len(con), "support": support, "against_weight": against}))
    return out


def _recorded(ctx: Context) -> str:
    return "placed in this area" if ctx.areas else "recorded for this ward"


def _stored_insight_terms(engine: Engine, insight_ids: list) -> dict[int, str | None]:
    """The stored terms of the given insights (an area's: the placed ones)."""
    if not insight_ids:
        return {}
    return dict(_driver_rows(engine, select(Insight.id, Insight.terms).where(
        Insight.id.in_([int(i) for i in insight_ids]))))


def _insight_terms(engine: Engine, stored: dict, insight_id: int) -> str:
    """The insight's terms as stored with its text (`Insight.terms`); worked out from the text for a row
    written outside the ORM, which has none stored."""
    doc = stored.get(insight_id)
    if isinstance(doc, str):
        return doc
    with engine.connect() as conn:
        return ex.encode(ex.terms(conn.execute(select(Insight.text).where(Insight.id == insight_id)).scalar()))


# --------------------------------------------------------------------------- residents
def _segment_terms(engine: Engine, segment_id: int) -> str:
    """A segment's terms for a row written outside the ORM, which has none stored (`Segment.terms`)."""
    with engine.connect() as conn:
        row = conn.execute(select(Segment.text, Segment.entities).where(Segment.id == segment_id)).one()
    return ex.encode(ex.segment_terms(row.text, row.entities))


def _resident_counts(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(_count_statement(), conn)


def waiting_segments(engine: Engine, counts: pd.DataFrame | None = None) -> dict[str, int]:
    """Resident segments the current analysis has not assigned (issue_source ""), per ward code (from
    `counts`, the resident segment counts, when already read)."""
    counts = _resident_counts(engine) if counts is None else counts
    waiting = counts[counts["issue_source"].fillna("") == ""]
    return {w: int(n) for w, n in waiting.groupby("ward_code")["n"].sum().items()}


NOT_ANALYSED_FIX = ("run the analysis (Topics page, researchers; or `python -m triangulate analyse`) before "
                    "reading the residents' verdicts")


REST_OF_CITY = "~rest of city"  # the counts of the wards not asked for, as one place (never a ward code)


def _resident_segments(engine: Engine, ward_codes) -> tuple[pd.DataFrame, dict]:
    """The resident segments' counts per (ward code, issue id, issue source), and per (ward code, issue id) of
    the wards asked for, the ids of the segments about that issue and their stored terms joined by the database
    (one row per group, not per segment: at a city's scale the rows cost more than the counting).

    For the whole city one pass does both. For a few wards, the counts are the wards' own plus the rest of the
    city's as one place (`REST_OF_CITY`): the city's shares and waiting segments need every segment, but not
    per ward, so they come in index order from `ix_segment_city_counts` with no join (at 10x, 0.010 s against
    0.061 s for the per-ward counts) and only the wards' own rows are read."""
    if ward_codes is None:
        rows = _driver_rows(engine, _groups_statement(engine, None))
        counts = pd.DataFrame([r[:4] for r in rows], columns=["ward_code", "issue_id", "issue_source", "n"])
    else:
        # the wards' transcripts first: filtering segments by transcript id keeps SQLite's planner (which has
        # no statistics) on ix_segment_counted rather than scanning the city's index by speaker role
        transcripts = [i for (i,) in _driver_rows(engine, select(Transcript.id).where(
            Transcript.ward_code.in_(list(ward_codes))))]
        rows = _driver_rows(engine, _groups_statement(engine, ward_codes, transcripts))
        counts = _wards_and_rest(engine, transcripts)
    counts["issue_id"] = pd.to_numeric(counts["issue_id"]).astype(float)
    groups: dict[tuple[str, int], tuple[list[int], list[str]]] = {}
    for ward_code, issue_id, _source, _n, id_list, joined, n_stored, n_wanted in rows:
        if not n_wanted:
            continue
        segment_ids = [int(i) for i in id_list.split(",")]
        if n_stored < n_wanted:  # rows written outside the ORM have no terms stored: work theirs out
            joined = "\n".join(_segment_terms(engine, i) for i in segment_ids)
        held_ids, held_docs = groups.setdefault((ward_code, int(issue_id)), ([], []))
        held_ids.extend(segment_ids)
        held_docs.append(joined or "")
    return counts, groups


def _wards_and_rest(engine: Engine, transcripts: list[int]) -> pd.DataFrame:
    """Resident segments per (ward code, issue id, issue source) for the wards asked for (of their `transcripts`),
    and the rest of the city's under `REST_OF_CITY`: the city's counts less the wards' own."""
    city = select(Segment.issue_id, Segment.issue_source, func.count()).where(Segment.speaker_role == "resident")
    city = city.group_by(Segment.issue_id, Segment.issue_source)
    wards = _count_statement().where(Segment.transcript_id.in_(transcripts))
    rest: dict[tuple, int] = {(i, s): n for i, s, n in _driver_rows(engine, city)}
    own = _driver_rows(engine, wards)
    for _ward, issue_id, source, n in own:
        rest[(issue_id, source)] -= n
    rows = list(own) + [(REST_OF_CITY, i, s, n) for (i, s), n in rest.items() if n]
    return pd.DataFrame(rows, columns=["ward_code", "issue_id", "issue_source", "n"])


def _count_statement():
    """Resident segments per (ward code, issue id, issue source): answered from the covering index alone."""
    return (select(Transcript.ward_code, Segment.issue_id, Segment.issue_source, func.count().label("n"))
            .join(Transcript, Transcript.id == Segment.transcript_id)
            .where(Segment.speaker_role == "resident")
            .group_by(Transcript.ward_code, Segment.issue_id, Segment.issue_source))


def _groups_statement(engine: Engine, ward_codes, transcripts: list[int] | None = None):
    """Per (ward code, issue id, issue source): the count, and for segments with an issue in the wards asked
    for (all when None; `transcripts`, their transcripts' ids), their ids and stored terms joined, and how many
    have terms stored."""
    wanted = Segment.issue_id.is_not(None)
    if ward_codes is not None:
        wanted = and_(wanted, Transcript.ward_code.in_(list(ward_codes)))
    segment_id, terms = case((wanted, Segment.id)), case((wanted, Segment.terms))
    if engine.dialect.name == "postgresql":  # in SQLite's order (its index's: transcript, then row), not by chance
        ids = func.string_agg(sa_cast(segment_id, String),
                              aggregate_order_by(literal_column("','"), Segment.transcript_id, Segment.id))
        docs = func.string_agg(terms, aggregate_order_by(literal_column("E'\\n'"), Segment.transcript_id, Segment.id))
    else:
        ids, docs = func.group_concat(segment_id, ","), func.group_concat(terms, literal_column("char(10)"))
    stmt = (select(Transcript.ward_code, Segment.issue_id, Segment.issue_source, func.count(), ids, docs,
                   func.count(terms), func.count(segment_id))
            .join(Transcript, Transcript.id == Segment.transcript_id)
            .where(Segment.speaker_role == "resident"))
    if ward_codes is not None:
        stmt = stmt.where(wanted)
    if transcripts is not None:
        stmt = stmt.where(Segment.transcript_id.in_(transcripts))
    return stmt.group_by(Transcript.ward_code, Segment.issue_id, Segment.issue_source)


def _placed_groups(engine: Engine, ctx: Context) -> dict[tuple[str, int], tuple[list[int], list[str]]]:
    """Per (area code, issue id): the ids of the resident segments placed in the area and their terms."""
    segments = placed.resident_segments(engine, ctx.areas.values())
    groups: dict[tuple[str, int], tuple[list[int], list[str]]] = {}
    for seg_id, area_code, issue_id, text, ents in zip(segments["id"], segments["ward_code"], segments["issue_id"],
                                                       segments["text"], segments["entities"]):
        ids, docs = groups.setdefault((area_code, int(issue_id)), ([], []))
        ids.append(int(seg_id))
        docs.append(ex.encode(ex.segment_terms(text, ents)))
    return groups


def resident_signals(engine: Engine, ctx: Context, t: Thresholds, ward_codes=None) -> list[Signal]:
    counts, seg_groups = _resident_segments(engine, ward_codes)
    waiting = placed.waiting(counts)  # = waiting_segments(engine), without reading the counts twice
    waiting_city = sum(waiting.values())
    on_issue = counts.dropna(subset=["issue_id"])
    city_total = float(on_issue["n"].sum())
    city_issue = on_issue.groupby("issue_id")["n"].sum().to_dict()
    if ctx.areas:  # the place's counts from the segments placed in each area; the city's stay city-wide
        counts = placed.resident_counts(engine, ctx.areas.values())
        waiting = placed.waiting(counts)
        on_issue = counts.dropna(subset=["issue_id"])
    ward_all = counts.groupby("ward_code")["n"].sum().to_dict()
    ward_total = on_issue.groupby("ward_code")["n"].sum().to_dict()  # segments about some issue: the base
    ward_issue = {(w, int(i)): int(n) for w, i, n in zip(on_issue["ward_code"], on_issue["issue_id"], on_issue["n"])}
    if ctx.areas:
        seg_groups = _placed_groups(engine, ctx)
    out = []
    for issue in ctx.issues.itertuples():
        city_share = city_issue.get(issue.id, 0) / city_total if city_total else 0.0
        for ward_code in ctx.wards:
            heard = ward_all.get(ward_code, 0)
            if heard == 0:
                out.append(Signal(ward_code, issue.code, "residents", "no data",
                                  summary="No data: no resident speech has been "
                                  + ("placed in this area." if ctx.areas else "transcribed for this ward.")))
                continue
            if waiting_city:
                here = waiting.get(ward_code, 0)
                out.append(Signal(ward_code, issue.code, "residents", "not analysed",
                                  summary=(f"Not analysed: {here} of this {ctx.place}'s {heard} resident segments and "
                                           f"{waiting_city} across the city wait for the analysis to give them an "
                                           f"issue (shares would be computed from part of the corpus); "
                                           f"{NOT_ANALYSED_FIX}."),
                                  evidence={"waiting": here, "waiting_city": waiting_city, "ward_segments": heard}))
                continue
            total = ward_total.get(ward_code, 0)
            n = ward_issue.get((ward_code, int(issue.id)), 0)
            out.append(_residents_on_issue(ctx, t, ward_code, issue.code, n, total, heard, city_share,
                                           seg_groups.get((ward_code, int(issue.id)), ([], []))))
    return out


def _residents_on_issue(ctx: Context, t: Thresholds, ward_code: str, issue_code: str, n: int, total: int, heard: int,
                        city_share: float, group: tuple[list[int], list[str]]) -> Signal:
    """The residents' signal for one place and issue once its speech is analysed: silent, mentioned or
    prominent, from `n` segments on the issue of the place's `total` about any issue (`heard` in all), with
    the salient words of the segments in `group` (their ids and stored terms) as examples."""
    off_topic = heard - total
    share = n / total if total else 0.0
    ratio = share / city_share if city_share else None
    numbers = (f"{n} of the {ctx.place}'s {total} resident segments about an issue ({share:.0%}) against "
               f"{city_share:.0%} city-wide" + (f" (×{ratio:.1f})" if ratio is not None and n else "")
               + (f"; {off_topic} segment(s) about no issue not counted" if off_topic else ""))
    if n == 0:
        return Signal(ward_code, issue_code, "residents", "silent", 0.0, None, f"Silent: {numbers}.",
                      evidence={"segments": 0, "ward_segments": total, "off_topic": off_topic,
                                "share": 0.0, "city_share": city_share})
    prominent = n >= t.residents_prominent_min_segments and (
        (ratio is not None and ratio >= t.residents_prominent_ratio) or share >= t.residents_prominent_share)
    level = "prominent" if prominent else "mentioned"
    rule = (f"prominent needs ≥ {t.residents_prominent_min_segments} segments and ≥ "
            f"×{t.residents_prominent_ratio:g} the city share or ≥ {t.residents_prominent_share:.0%} of the "
            f"{ctx.place}'s")
    ids, docs = group
    top, mentioned = ex.summarise(docs, t.examples_per_strand)
    return Signal(ward_code, issue_code, "residents", level, round(ratio, 3) if ratio else None,
                  "high" if prominent else "low", f"{level.capitalize()}: {numbers}; {rule}.",
                  [form for _, form, _ in top], frozenset(s for s, _, _ in top), mentioned,
                  {"segment_ids": ids, "segments": n, "ward_segments": total, "off_topic": off_topic,
                   "share": share, "city_share": city_share})


# --------------------------------------------------------------------------- all strands
def compute(engine: Engine, actor: Actor, thresholds: Thresholds | None = None,
            ward_codes: list[str] | None = None, area=None) -> list[Signal]:
    """Every strand's signal for every leaf issue in the given wards (all wards when None), as the acting user may
    see it: the officers' example words only for a role that may read insight text."""
    require(actor, "matrix.read")
    withhold = withheld_strands(actor)
    return [without_words(s) if s.strand in withhold else s for s in unrestricted(engine, thresholds, ward_codes, area)]


def withheld_strands(actor: Actor) -> frozenset[str]:
    """Strands whose words the actor may not see. The practitioners' examples are words of unredacted insight
    text (places, services, perhaps a name), so they follow the insight-text permission."""
    return frozenset() if may_read_insight_text(actor) else frozenset({"practitioners"})


def without_words(signal: Signal) -> Signal:
    """The signal without its example words (the level, strength and summary stay)."""
    return replace(signal, examples=[], stems=frozenset(), all_stems=frozenset())


def unrestricted(engine: Engine, thresholds: Thresholds | None = None,
                 ward_codes: list[str] | None = None, area=None) -> list[Signal]:
    """Every strand's signal with every strand's words, for judging, in the given wards (all when None) or, with
    `area` (an Area below the ward, or a list of them), in each area from the evidence placed there.
    Library-internal: the verdicts need the words whoever asks; `compute` and `convergence.cells` withhold what
    the acting user may not read."""
    t = thresholds or Thresholds()
    ctx = context(engine, ward_codes, area)
    # One strand after the other: reading the residents' rows on a second thread while the practitioners' codes
    # are scored saved a fifth of the wall-clock time at 10x (0.99 s against 1.21 s for all wards) but held both
    # strands' rows at once, 12 MB more at the peak, past the page process's 500 MB budget (bench_joint.py).
    out = (numbers_signals(engine, ctx, t) + practitioner_signals(engine, ctx, t, ward_codes)
           + resident_signals(engine, ctx, t, ward_codes))
    for s in out if ctx.areas else ():  # the rules ran with the area's code as the place: give it its ward
        s.area_code, s.ward_code = s.ward_code, ctx.areas[s.ward_code].ward_code
    return out


def frame(signals: list[Signal]) -> pd.DataFrame:
    """The signals as a table (one row per ward × issue × strand)."""
    return pd.DataFrame([{"ward_code": s.ward_code, "issue_code": s.issue_code, "strand": s.strand,
                          "level": s.level, "strength": s.strength, "prominence": s.prominence,
                          "summary": s.summary, "examples": ", ".join(s.examples)} for s in signals])
