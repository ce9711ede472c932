"""The evidence behind a verdict: the indicator chart (ward against city), the officers' insights and the
residents' quotes (redacted text only). Text is read under permission and the read is audited; a role
without `insights.read_text` sees how many insights there are and how they were coded, not what they say.
"""
from __future__ import annotations

import json
import threading

import altair as alt
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from schemas import Insight, InsightCode, InsightPlace, Issue, Segment, SegmentPlace, Transcript
from triangulate.core import audit
from triangulate.core.db import session_scope
from triangulate.core.permissions import Actor, can, require
from triangulate.joint import examples as ex


def indicator_frame(engine: Engine, ward_code: str, issue_code: str, include_parent: bool = False) -> pd.DataFrame:
    """Every ward's latest value on the indicators linked to the issue, the chosen ward marked, and the city."""
    from sqlmodel import Session

    from triangulate.numbers import ward_values as numbers

    with Session(engine) as session:
        codes = _issue_codes(session, issue_code, include_parent)
        frame = numbers.all_wards_indicator_frame(session)
    if frame.empty:
        return frame
    frame = _linked(frame, codes)
    if frame.empty:
        return frame
    name_col = "ward_name" if "ward_name" in frame.columns else "name" if "name" in frame.columns else "ward_code"
    wards = frame.assign(place=frame[name_col], role=["this ward" if c == ward_code else "other wards"
                                                      for c in frame["ward_code"]])
    return _with_city([wards], frame)


def area_indicator_frame(engine: Engine, area, issue_code: str, include_parent: bool = False) -> pd.DataFrame:
    """As `indicator_frame` for an area below the ward (a places.Area): the area's value on each indicator
    linked to the issue (role "this area"), every IZ of the city ("other areas") and the city."""
    from sqlmodel import Session

    from triangulate.numbers import iz_values

    with Session(engine) as session:
        codes = _issue_codes(session, issue_code, include_parent)
        izs = iz_values.iz_indicator_frame(session)
        mine = iz_values.area_indicator_frame(session, {area.code: area.iz_codes})
    izs, mine = _linked(izs, codes), _linked(mine, codes)
    if mine.empty:
        return mine
    # a neighbourhood's own IZs stay among the dots; a single IZ is the diamond, not a dot as well
    others = izs if len(area.iz_codes) > 1 else izs[izs["iz_code"] != area.iz_codes[0]]
    others = others.assign(place=others["iz_name"], role="other areas")
    here = mine.assign(place=area.name, role="this area")
    return _with_city([here, others[others["title"].isin(set(here["title"]))]], mine)


def _with_city(parts: list[pd.DataFrame], frame: pd.DataFrame) -> pd.DataFrame:
    """The places' rows and, once per indicator, the city's value (role "city"), in the charts' columns."""
    city = (frame.dropna(subset=["city_value"]).drop_duplicates("title")
            .assign(place="Glasgow City", role="city", value=lambda d: d["city_value"]))
    out = pd.concat([*parts, city], ignore_index=True)
    return out[["title", "place", "role", "value", "period", "source", "unit", "polarity"]]


def _linked(frame: pd.DataFrame, codes: set[str]) -> pd.DataFrame:
    """Rows of indicators linked to any of the issue codes, with a value, counts left out."""
    return frame[frame["issue_codes"].map(lambda cs: bool(codes & set(cs))) & frame["value"].notna()
                 & (frame["aggregation"] != "sum")]


def _issue_codes(session, issue_code: str, include_parent: bool) -> set[str]:
    codes = {issue_code}
    if include_parent:
        parent = session.exec(select(Issue.parent_id).where(Issue.code == issue_code)).first()
        parent = parent[0] if isinstance(parent, tuple) else parent
        if parent:
            codes.add(session.get(Issue, parent).code)
    return codes


def indicator_chart(frame: pd.DataFrame, ward_name: str, roles: tuple[str, str] = ("this ward", "other wards"),
                    others: str = "every ward") -> alt.Chart | None:
    """Each indicator: every ward as a dot, this ward large and labelled, the city as a line. For an area
    below the ward: roles ("this area", "other areas") and others "every intermediate zone"."""
    if frame is None or frame.empty:
        return None
    data = frame[["title", "place", "role", "value", "period", "source"]].copy()
    this, other = roles
    colour = alt.Color("role:N", title=None,
                       scale=alt.Scale(domain=[this, other], range=["#D55E00", "#999999"]))
    base = alt.Chart().encode(x=alt.X("value:Q", title=None, scale=alt.Scale(zero=False)))
    dots = base.mark_point(filled=True).encode(
        color=colour,
        shape=alt.Shape("role:N", scale=alt.Scale(domain=[this, other], range=["diamond", "circle"]),
                        title=None),
        size=alt.condition(alt.datum.role == this, alt.value(220), alt.value(50)),
        tooltip=["place:N", alt.Tooltip("value:Q", format=".3~g"), "period:N", "source:N"],
    ).transform_filter(alt.datum.role != "city")
    label = base.mark_text(dy=-14, fontWeight="bold").encode(text=alt.value(ward_name)).transform_filter(
        alt.datum.role == this)
    city = base.mark_tick(color="black", thickness=3, size=30).encode(
        tooltip=[alt.Tooltip("value:Q", format=".3~g", title="Glasgow City")]).transform_filter(
        alt.datum.role == "city")
    return alt.layer(dots, label, city, data=data).properties(width=460, height=60).facet(
        row=alt.Row("title:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left", labelLimit=320,
                                                               labelOrient="top", labelFontWeight="bold")),
    ).resolve_scale(x="independent").properties(
        title=f"{ward_name} (diamond) against {others} (dots) and the city (black tick)")


# indicator_chart's spec per (roles, others), built around a placeholder name with no data: building the altair
# objects costs more than the rest of a report's chart (deep copies of every channel), and only the name and the
# data change from one chart to the next. No people's text: a placeholder and the chart's fixed words.
_SPEC_TEMPLATES: dict[tuple, str] = {}
_SPEC_LOCK = threading.Lock()
_PLACEHOLDER = "\ue000name\ue000"  # private-use characters: in no real place name
_CHART_COLUMNS = ["title", "place", "role", "value", "period", "source"]


def indicator_spec(frame: pd.DataFrame, ward_name: str, roles: tuple[str, str] = ("this ward", "other wards"),
                   others: str = "every ward") -> dict | None:
    """`indicator_chart(...).to_dict()` with its data inline, for the report: the same chart, without
    building the altair objects again for every issue."""
    if frame is None or frame.empty:
        return None
    key = (tuple(roles), others)
    with _SPEC_LOCK:
        template = _SPEC_TEMPLATES.get(key)
    if template is None:
        spec = indicator_chart(frame.head(1), _PLACEHOLDER, roles, others).to_dict(validate=False)
        spec.pop("datasets", None)
        spec.pop("data", None)
        template = json.dumps(spec, ensure_ascii=False)
        with _SPEC_LOCK:
            _SPEC_TEMPLATES[key] = template
    spec = json.loads(template.replace(_PLACEHOLDER, json.dumps(ward_name)[1:-1]))
    data = frame[_CHART_COLUMNS]
    spec["data"] = {"values": json.loads(data.to_json(orient="records", date_format="iso"))}
    return spec


def _placed_in(stmt, area, ward_condition, place_table, key):
    """The statement limited to the ward, or, for an area below the ward, to evidence placed there."""
    if area is None or area.kind == "ward":
        return stmt.where(ward_condition)
    placed = select(place_table.insight_id if key == "insight" else place_table.segment_id).where(
        place_table.iz_code.in_(list(area.iz_codes)))
    return stmt.where((Insight.id if key == "insight" else Segment.id).in_(placed))


def _target(ward_code: str, issue_code: str, area) -> str:
    return f"{ward_code}/{issue_code}" if area is None or area.kind == "ward" else \
        f"{ward_code}/{area.code}/{issue_code}"


def officer_insights(engine: Engine, actor: Actor, ward_code: str, issue_code: str,
                     insight_ids: list[int] | None = None, audited: bool = True, area=None) -> pd.DataFrame:
    """The ward's insights coded to the issue (with `area`, a places.Area below the ward: the insights placed
    there): full text for roles that may read it, else counts only.
    `audited=False` only for callers that audit the read themselves (the report's export event)."""
    require(actor, "matrix.read")
    stmt = (select(Insight.id, Insight.text, Insight.role_service, Insight.observed_on, Insight.illustrative,
                   InsightCode.stance, InsightCode.severity, InsightCode.coder, InsightCode.is_consensus)
            .join(InsightCode, InsightCode.insight_id == Insight.id)
            .join(Issue, Issue.id == InsightCode.issue_id)
            .where(Issue.code == issue_code))
    stmt = _placed_in(stmt, area, Insight.ward_code == ward_code, InsightPlace, "insight")
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
            audit.record(session, actor, "read", "insights", _target(ward_code, issue_code, area), count=len(frame))
    columns = ["id", "observed_on", "role_service", "stance", "severity", "text", "illustrative"]
    return frame[columns].reset_index(drop=True)


def resident_quotes(engine: Engine, actor: Actor, ward_code: str, issue_code: str, limit: int = 5,
                    stems: frozenset | set | None = None, audited: bool = True, area=None) -> pd.DataFrame:
    """The strongest redacted resident quotes on the issue: those carrying most of the strand's examples.
    With `area` (a places.Area below the ward), from the segments placed there."""
    require(actor, "quotes.read")
    stmt = (select(Segment.id, Segment.text, Segment.terms, Transcript.title, Transcript.method,
                   Transcript.illustrative)
            .join(Transcript, Transcript.id == Segment.transcript_id)
            .join(Issue, Issue.id == Segment.issue_id)
            .where(Issue.code == issue_code, Segment.speaker_role == "resident"))
    stmt = _placed_in(stmt, area, Transcript.ward_code == ward_code, SegmentPlace, "segment")
    with engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    if frame.empty:
        return frame
    stems = set(stems or ())
    # the terms stored at import (the ones the strand's examples were counted from); worked out only for rows
    # written without them
    frame["examples"] = [len(stems & (ex.decode(stored).keys() if stored is not None else ex.terms(text).keys()))
                         for text, stored in zip(frame["text"], frame["terms"])]
    frame["words"] = frame["text"].str.split().str.len()
    # many examples first; among equals, quotes of a readable length (8–60 words) before very short ones
    frame["readable"] = frame["words"].between(8, 60)
    frame = frame.sort_values(["examples", "readable", "words"], ascending=[False, False, False]).head(limit)
    if audited:
        with session_scope(engine) as session:
            audit.record(session, actor, "read", "quotes", _target(ward_code, issue_code, area), count=len(frame))
    return frame[["id", "text", "title", "method", "illustrative", "examples"]].reset_index(drop=True)
