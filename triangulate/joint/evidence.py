"""The evidence behind a verdict: the indicator chart (ward against city), the officers' insights and the
residents' quotes (redacted text only). Text is read under permission and the read is audited; a role
without `insights.read_text` sees how many insights there are and how they were coded, not what they say.
"""
from __future__ import annotations

import altair as alt
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from schemas import Insight, InsightCode, Issue, Segment, Transcript
from triangulate.core import audit
from triangulate.core.db import session_scope
from triangulate.core.permissions import Actor, can, require
from triangulate.joint import examples as ex


def indicator_frame(engine: Engine, ward_code: str, issue_code: str, include_parent: bool = False) -> pd.DataFrame:
    """Every ward's latest value on the indicators linked to the issue, the chosen ward marked, and the city."""
    from sqlmodel import Session

    from triangulate.numbers import ward_values as numbers

    with Session(engine) as session:
        codes = {issue_code}
        if include_parent:
            parent = session.exec(select(Issue.parent_id).where(Issue.code == issue_code)).first()
            parent = parent[0] if isinstance(parent, tuple) else parent
            if parent:
                codes.add(session.get(Issue, parent).code)
        frame = numbers.all_wards_indicator_frame(session)
    if frame.empty:
        return frame
    frame = frame[frame["issue_codes"].map(lambda cs: bool(codes & set(cs))) & frame["value"].notna()
                  & (frame["aggregation"] != "sum")]
    if frame.empty:
        return frame
    name_col = "ward_name" if "ward_name" in frame.columns else "name" if "name" in frame.columns else "ward_code"
    wards = frame.assign(place=frame[name_col], role=["this ward" if c == ward_code else "other wards"
                                                      for c in frame["ward_code"]])
    city = (frame.dropna(subset=["city_value"]).drop_duplicates("title")
            .assign(place="Glasgow City", role="city", value=lambda d: d["city_value"]))
    out = pd.concat([wards, city], ignore_index=True)
    return out[["title", "place", "role", "value", "period", "source", "unit", "polarity"]]


def indicator_chart(frame: pd.DataFrame, ward_name: str) -> alt.Chart | None:
    """Each indicator: every ward as a dot, this ward large and labelled, the city as a line."""
    if frame is None or frame.empty:
        return None
    data = frame[["title", "place", "role", "value", "period", "source"]].copy()
    colour = alt.Color("role:N", title=None,
                       scale=alt.Scale(domain=["this ward", "other wards"], range=["#D55E00", "#999999"]))
    base = alt.Chart().encode(x=alt.X("value:Q", title=None, scale=alt.Scale(zero=False)))
    dots = base.mark_point(filled=True).encode(
        color=colour,
        shape=alt.Shape("role:N", scale=alt.Scale(domain=["this ward", "other wards"], range=["diamond", "circle"]),
                        title=None),
        size=alt.condition(alt.datum.role == "this ward", alt.value(220), alt.value(50)),
        tooltip=["place:N", alt.Tooltip("value:Q", format=".3~g"), "period:N", "source:N"],
    ).transform_filter(alt.datum.role != "city")
    label = base.mark_text(dy=-14, fontWeight="bold").encode(text=alt.value(ward_name)).transform_filter(
        alt.datum.role == "this ward")
    city = base.mark_tick(color="black", thickness=3, size=30).encode(
        tooltip=[alt.Tooltip("value:Q", format=".3~g", title="Glasgow City")]).transform_filter(
        alt.datum.role == "city")
    return alt.layer(dots, label, city, data=data).properties(width=460, height=60).facet(
        row=alt.Row("title:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left", labelLimit=320,
                                                               labelOrient="top", labelFontWeight="bold")),
    ).resolve_scale(x="independent").properties(
        title=f"{ward_name} (diamond) against every ward (dots) and the city (black tick)")


def officer_insights(engine: Engine, actor: Actor, ward_code: str, issue_code: str,
                     insight_ids: list[int] | None = None, audited: bool = True) -> pd.DataFrame:
    """The ward's insights coded to the issue: full text for roles that may read it, else counts only.
    `audited=False` only for callers that audit the read themselves (the report's export event)."""
    require(actor, "matrix.read")
    stmt = (select(Insight.id, Insight.text, Insight.role_service, Insight.observed_on, Insight.illustrative,
                   InsightCode.stance, InsightCode.severity, InsightCode.coder, InsightCode.is_consensus)
            .join(InsightCode, InsightCode.insight_id == Insight.id)
            .join(Issue, Issue.id == InsightCode.issue_id)
            .where(Insight.ward_code == ward_code, Issue.code == issue_code))
    with engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    if frame.empty:
        return frame
    # one line per insight: the consensus coding when there is one, else the first coder's
    frame = frame.sort_values(["id", "is_consensus"], ascending=[True, False]).drop_duplicates("id")
    if insight_ids:
        rank = {i: n for n, i in enumerate(insight_ids)}
        frame = frame.assign(_r=frame["id"].map(rank).fillna(len(rank))).sort_values("_r").drop(columns="_r")
    if not can(actor, "insights.read_text"):
        return (frame.groupby(["stance", "severity"]).size().reset_index(name="insights")
                .sort_values(["stance", "severity"], ascending=[True, False]).reset_index(drop=True))
    if audited:
        with session_scope(engine) as session:
            audit.record(session, actor, "read", "insights", f"{ward_code}/{issue_code}", count=len(frame))
    return frame[["id", "observed_on", "role_service", "stance", "severity", "text", "illustrative"]].reset_index(drop=True)


def resident_quotes(engine: Engine, actor: Actor, ward_code: str, issue_code: str, limit: int = 5,
                    stems: frozenset | set | None = None, audited: bool = True) -> pd.DataFrame:
    """The strongest redacted resident quotes on the issue: those carrying most of the strand's examples."""
    require(actor, "quotes.read")
    stmt = (select(Segment.id, Segment.text, Transcript.title, Transcript.method, Transcript.illustrative)
            .join(Transcript, Transcript.id == Segment.transcript_id)
            .join(Issue, Issue.id == Segment.issue_id)
            .where(Transcript.ward_code == ward_code, Issue.code == issue_code, Segment.speaker_role == "resident"))
    with engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    if frame.empty:
        return frame
    stems = set(stems or ())
    frame["examples"] = [len(stems & set(ex.terms(t))) for t in frame["text"]]
    frame["words"] = frame["text"].str.split().str.len()
    # many examples first; among equals, quotes of a readable length (8–60 words) before very short ones
    frame["readable"] = frame["words"].between(8, 60)
    frame = frame.sort_values(["examples", "readable", "words"], ascending=[False, False, False]).head(limit)
    if audited:
        with session_scope(engine) as session:
            audit.record(session, actor, "read", "quotes", f"{ward_code}/{issue_code}", count=len(frame))
    return frame[["id", "text", "title", "method", "illustrative", "examples"]].reset_index(drop=True)
