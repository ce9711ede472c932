"""A planted scenario below the ward: Govan's five intermediate zones with evidence placed in some of them.

On top of `joint_scenario.plant_govan` (which records everything under the ward): Govan's real data zones;
an overcrowding indicator by data zone that is high in Ibrox only; the three housing insights placed in
Ibrox, the two transport "not a problem" insights in Govan and Linthouse (one of them also in Ibrox East
and Cessnock); the Govan parents' focus group held in Ibrox (its places copied to every segment) and one
Calton drop-in turn mentioning Ibrox. Drumoyne and Shieldhall holds nothing.
"""
from __future__ import annotations

from sqlmodel import select

from schemas import (
    DataZone,
    Indicator,
    IndicatorIssue,
    IndicatorValue,
    Insight,
    InsightPlace,
    Segment,
    SegmentPlace,
    Transcript,
    TranscriptPlace,
)
from tests import joint_scenario as js
from triangulate.core import places
from triangulate.core.db import session_scope

DRUMOYNE, GOVAN_LINTHOUSE, IBROX, IBROX_EAST, KINNING = (
    "S02001855", "S02001856", "S02001859", "S02001860", "S02001861")


def plant(engine) -> dict[str, int]:
    ids = js.plant_govan(engine)
    izs, dzs = places.zones()
    with session_scope(engine) as s:
        ind = Indicator(key="overcrowded_dz", title="Overcrowded households (by data zone)", source="Planted",
                        publisher="Test", period="2020")
        s.add(ind)
        s.flush()
        s.add(IndicatorIssue(indicator_id=ind.id, issue_code="housing"))
        for code in govan_datazones_rows(s):
            num = 40.0 if dzs[code].iz_code == IBROX else 10.0
            s.add(IndicatorValue(indicator_id=ind.id, area_code=code, area_level="datazone", period="2020",
                                 value=num / 100, numerator=num, denominator=100.0))
        s.add(IndicatorValue(indicator_id=ind.id, area_code="S12000049", area_level="council", period="2020",
                             value=0.15))
        insights = {i.text: i.id for i in s.exec(select(Insight).where(Insight.ward_code == js.GOVAN))}
        for text, iid in insights.items():
            if "mould" in text.lower() or "overcrowd" in text.lower():
                s.add(InsightPlace(insight_id=iid, iz_code=IBROX, source="form"))
            if "Transport is not an issue" in text or "Nobody raises travel" in text:
                s.add(InsightPlace(insight_id=iid, iz_code=GOVAN_LINTHOUSE, source="form"))
            if "Transport is not an issue" in text:
                s.add(InsightPlace(insight_id=iid, iz_code=IBROX_EAST, source="suggested"))
        focus = s.exec(select(Transcript).where(Transcript.title == "Govan parents' focus group")).one()
        s.add(TranscriptPlace(transcript_id=focus.id, iz_code=IBROX, role="held"))
        for seg in s.exec(select(Segment).where(Segment.transcript_id == focus.id)):
            s.add(SegmentPlace(segment_id=seg.id, iz_code=IBROX, source="transcript"))
        calton = s.exec(select(Transcript).where(Transcript.title == "Calton drop-in")).one()
        first = s.exec(select(Segment).where(Segment.transcript_id == calton.id).order_by(Segment.order)).first()
        s.add(SegmentPlace(segment_id=first.id, iz_code=IBROX, source="mention", mention="Ibrox"))
    return ids


def govan_datazones_rows(session) -> list[str]:
    izs, dzs = places.zones()
    codes = []
    for code, dz in dzs.items():
        if izs[dz.iz_code].ward_code == js.GOVAN:
            session.add(DataZone(code=code, name=dz.name, iz_code=dz.iz_code, iz_name=izs[dz.iz_code].name,
                                 ward_code=js.GOVAN, population=500))
            codes.append(code)
    session.flush()
    return codes
