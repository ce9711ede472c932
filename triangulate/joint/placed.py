"""The placement rule as queries: the evidence placed in areas below the ward, keyed by area.

An insight is in area A if it has an InsightPlace row whose iz_code is in A.iz_codes; a resident segment is
in A if it has a SegmentPlace row in A.iz_codes (its transcript's places, copied to every segment, or a
place its words mention). Where a piece of evidence lies in the area is all that counts: not the ward it
was recorded under (an IZ split across two wards takes its insights from both). A piece placed in two IZs
of one area counts once for that area.

Each reader returns the frame `joint.signals` reads for wards, with the area's code in the `ward_code`
column, so the strands' rules run unchanged on areas (signals re-labels them afterwards).
"""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from schemas import Insight, InsightCode, InsightPlace, Segment, SegmentPlace, Transcript


def _by_area(frame: pd.DataFrame, areas: Iterable, key: list[str]) -> pd.DataFrame:
    """Rows with an `iz_code` repeated once per area holding that IZ (the area's code in `ward_code`), each
    piece of evidence once per area."""
    holders: dict[str, list[str]] = {}
    for area in areas:
        for iz in area.iz_codes:
            holders.setdefault(iz, []).append(area.code)
    if all(len(codes) == 1 for codes in holders.values()):  # IZs in one area each (every IZ on its own)
        frame = frame.assign(ward_code=frame["iz_code"].map({iz: codes[0] for iz, codes in holders.items()}))
    else:
        frame = frame.assign(ward_code=frame["iz_code"].map(holders)).explode("ward_code")
    frame = frame.dropna(subset=["ward_code"]).drop(columns=["iz_code"])
    return frame.drop_duplicates(key + ["ward_code"]).reset_index(drop=True)


def _izs(areas) -> list[str]:
    return sorted({iz for area in areas for iz in area.iz_codes})


def insight_codes(engine: Engine, areas) -> pd.DataFrame:
    """As signals._insight_codes: one row per (insight, coding) placed in each area (uncoded insights too)."""
    stmt = (select(Insight.id.label("insight_id"), InsightPlace.iz_code, Insight.text, InsightCode.id.label("code_id"),
                   InsightCode.issue_id, InsightCode.stance, InsightCode.severity, InsightCode.coder,
                   InsightCode.is_consensus)
            .join(InsightPlace, InsightPlace.insight_id == Insight.id)
            .join(InsightCode, InsightCode.insight_id == Insight.id, isouter=True)
            .where(InsightPlace.iz_code.in_(_izs(areas))))
    with engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    frame = _by_area(frame, areas, ["insight_id", "code_id"])
    return frame.drop(columns=["code_id"])


def resident_counts(engine: Engine, areas) -> pd.DataFrame:
    """As signals._resident_counts, per area: resident segments by (issue_id, issue_source)."""
    stmt = (select(Segment.id, SegmentPlace.iz_code, Segment.issue_id, Segment.issue_source)
            .join(SegmentPlace, SegmentPlace.segment_id == Segment.id)
            .where(Segment.speaker_role == "resident", SegmentPlace.iz_code.in_(_izs(areas))))
    with engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    frame = _by_area(frame, areas, ["id"])
    frame["issue_source"] = frame["issue_source"].fillna("")
    return (frame.groupby(["ward_code", "issue_id", "issue_source"], dropna=False).size().reset_index(name="n"))


def resident_segments(engine: Engine, areas) -> pd.DataFrame:
    """As signals._resident_segments, per area: resident segments with an issue, their text and entities."""
    stmt = (select(Segment.id, SegmentPlace.iz_code, Segment.issue_id, Segment.text, Segment.entities)
            .join(SegmentPlace, SegmentPlace.segment_id == Segment.id)
            .where(Segment.speaker_role == "resident", Segment.issue_id.is_not(None),
                   SegmentPlace.iz_code.in_(_izs(areas))))
    with engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    return _by_area(frame, areas, ["id"])[["id", "ward_code", "issue_id", "text", "entities"]]


def waiting(counts: pd.DataFrame) -> dict[str, int]:
    """Segments not yet given an issue by the current analysis (issue_source ""), per key of `counts`."""
    rows = counts[counts["issue_source"].fillna("") == ""]
    return {w: int(n) for w, n in rows.groupby("ward_code")["n"].sum().items()}


# --------------------------------------------------------------------------- how much evidence sits where
def per_iz(engine: Engine, ward_code: str | None = None) -> pd.DataFrame:
    """Placed evidence per IZ: iz_code, insights, segments (resident segments), transcripts. With
    `ward_code`, only evidence recorded under that ward (all IZs it is placed in are kept)."""
    ins = select(InsightPlace.iz_code, func.count(func.distinct(InsightPlace.insight_id)).label("insights")) \
        .join(Insight, Insight.id == InsightPlace.insight_id).group_by(InsightPlace.iz_code)
    seg = (select(SegmentPlace.iz_code, func.count(func.distinct(SegmentPlace.segment_id)).label("segments"),
                  func.count(func.distinct(Segment.transcript_id)).label("transcripts"))
           .join(Segment, Segment.id == SegmentPlace.segment_id)
           .join(Transcript, Transcript.id == Segment.transcript_id)
           .where(Segment.speaker_role == "resident").group_by(SegmentPlace.iz_code))
    if ward_code is not None:
        ins = ins.where(Insight.ward_code == ward_code)
        seg = seg.where(Transcript.ward_code == ward_code)
    with engine.connect() as conn:
        a = pd.read_sql(ins, conn)
        b = pd.read_sql(seg, conn)
    out = a.merge(b, on="iz_code", how="outer")
    for col in ("insights", "segments", "transcripts"):
        out[col] = out[col].fillna(0).astype(int) if col in out else 0
    return out[["iz_code", "insights", "segments", "transcripts"]].sort_values("iz_code").reset_index(drop=True)


def in_area(engine: Engine, area) -> dict:
    """How much evidence sits in one area: insights, resident segments (by how they were placed), the
    transcripts and wards they come from."""
    izs = list(area.iz_codes)
    with engine.connect() as conn:
        insights = pd.read_sql(select(func.distinct(InsightPlace.insight_id).label("id"), Insight.ward_code)
                               .join(Insight, Insight.id == InsightPlace.insight_id)
                               .where(InsightPlace.iz_code.in_(izs)), conn)
        segments = pd.read_sql(select(SegmentPlace.segment_id, SegmentPlace.source, Segment.transcript_id,
                                      Transcript.ward_code)
                               .join(Segment, Segment.id == SegmentPlace.segment_id)
                               .join(Transcript, Transcript.id == Segment.transcript_id)
                               .where(SegmentPlace.iz_code.in_(izs), Segment.speaker_role == "resident"), conn)
    by_source = segments.drop_duplicates(["segment_id", "source"]).groupby("source")["segment_id"].nunique()
    return {"insights": int(insights["id"].nunique()), "segments": int(segments["segment_id"].nunique()),
            "segments_from_transcript_places": int(by_source.get("transcript", 0)),
            "segments_from_mentions": int(by_source.get("mention", 0)),
            "transcripts": int(segments["transcript_id"].nunique()),
            "insight_wards": sorted(set(insights["ward_code"])), "segment_wards": sorted(set(segments["ward_code"]))}


def unplaced(engine: Engine, ward_code: str) -> dict:
    """The ward's evidence with no place below the ward: it counts for the whole ward only."""
    with engine.connect() as conn:
        ins_all = conn.execute(select(func.count()).select_from(Insight).where(Insight.ward_code == ward_code)).scalar()
        ins_placed = conn.execute(select(func.count(func.distinct(InsightPlace.insight_id)))
                                  .join(Insight, Insight.id == InsightPlace.insight_id)
                                  .where(Insight.ward_code == ward_code)).scalar()
        seg_all = conn.execute(select(func.count()).select_from(Segment)
                               .join(Transcript, Transcript.id == Segment.transcript_id)
                               .where(Transcript.ward_code == ward_code, Segment.speaker_role == "resident")).scalar()
        seg_placed = conn.execute(select(func.count(func.distinct(SegmentPlace.segment_id)))
                                  .join(Segment, Segment.id == SegmentPlace.segment_id)
                                  .join(Transcript, Transcript.id == Segment.transcript_id)
                                  .where(Transcript.ward_code == ward_code, Segment.speaker_role == "resident")
                                  ).scalar()
    return {"insights": int(ins_all or 0), "insights_unplaced": int((ins_all or 0) - (ins_placed or 0)),
            "segments": int(seg_all or 0), "segments_unplaced": int((seg_all or 0) - (seg_placed or 0))}
