"""Planted scenarios for the joint display's tests: rows written straight into the shared tables.

`plant_govan` builds a small city (five wards) where Govan must show, for reasons a reader can follow:
housing agreement, food partial agreement, childcare silence, transport dissonance; Maryhill has no
insights and no transcripts (no data).
"""
from __future__ import annotations

import hashlib
from datetime import date

from sqlmodel import select

from schemas import (
    Indicator,
    IndicatorIssue,
    IndicatorValue,
    Insight,
    InsightCode,
    Issue,
    Segment,
    Speaker,
    Transcript,
    Ward,
)
from triangulate.codebook import issues as codebook
from triangulate.core.db import session_scope
from triangulate.core.permissions import SYSTEM

GOVAN, CALTON, LINN, HILLHEAD, MARYHILL = "S13002971", "S13002975", "S13002967", "S13002977", "S13002981"
WARDS = {GOVAN: "Govan", CALTON: "Calton", LINN: "Linn", HILLHEAD: "Hillhead", MARYHILL: "Maryhill"}


def base(engine, wards: dict[str, str] | None = None) -> dict[str, int]:
    """Wards and the default codebook; returns issue code → id."""
    with session_scope(engine) as s:
        for code, name in (wards or WARDS).items():
            if s.get(Ward, code) is None:
                s.add(Ward(code=code, name=name, booster=code in (GOVAN, CALTON)))
    codebook.load_default(engine, SYSTEM)
    with session_scope(engine) as s:
        return {i.code: i.id for i in s.exec(select(Issue))}


def indicator(engine, key: str, title: str, issue_code: str, ward_values: dict[str, float],
              city: float | None, polarity: str = "higher_worse", period: str = "2020") -> int:
    with session_scope(engine) as s:
        ind = Indicator(key=key, title=title, source="Planted test source", publisher="Test", period=period,
                        polarity=polarity)
        s.add(ind)
        s.flush()
        s.add(IndicatorIssue(indicator_id=ind.id, issue_code=issue_code))
        for code, value in ward_values.items():
            s.add(IndicatorValue(indicator_id=ind.id, area_code=code, area_level="ward", period=period, value=value))
        if city is not None:
            s.add(IndicatorValue(indicator_id=ind.id, area_code="S12000049", area_level="council", period=period,
                                 value=city))
        return ind.id


def insight(engine, ward: str, text: str, codes: list[tuple[int, str, int, str]] | None = None,
            author: str = "Morag Test") -> int:
    """codes: (issue_id, stance, severity, coder); coder 'consensus' marks a consensus coding."""
    with session_scope(engine) as s:
        row = Insight(ward_code=ward, author_name=author, role_service="Community engagement officer",
                      observed_on=date(2025, 3, 1), text=text, evidence_type="direct observation",
                      illustrative=True)
        s.add(row)
        s.flush()
        for issue_id, stance, severity, coder in codes or []:
            s.add(InsightCode(insight_id=row.id, issue_id=issue_id, stance=stance, severity=severity, coder=coder,
                              is_consensus=coder == "consensus"))
        return row.id


def transcript(engine, ward: str, turns: list[tuple[str, int | None, str]], title: str = "Focus group") -> int:
    """turns: (speaker_role, issue_id, redacted text)."""
    body = "|".join(t for _, _, t in turns) + ward + title
    with session_scope(engine) as s:
        tr = Transcript(ward_code=ward, title=title, checksum=hashlib.sha256(body.encode()).hexdigest(),
                        illustrative=True)
        s.add(tr)
        s.flush()
        res = Speaker(transcript_id=tr.id, label="[PERSON 1]", is_resident=True)
        fac = Speaker(transcript_id=tr.id, label="Interviewer", is_resident=False)
        s.add(res)
        s.add(fac)
        s.flush()
        for order, (role, issue_id, text) in enumerate(turns):
            s.add(Segment(transcript_id=tr.id, speaker_id=res.id if role == "resident" else fac.id,
                          speaker_role=role, order=order, text=text,
                          text_hash=hashlib.sha256(f"{order}{text}".encode()).hexdigest(), issue_id=issue_id,
                          issue_source="manual"))
        return tr.id


def plant_govan(engine) -> dict[str, int]:
    ids = base(engine)
    housing, food, childcare, transport, fuel = (ids[c] for c in ("housing", "food", "childcare", "transport", "fuel"))
    indicator(engine, "overcrowded_rate", "Overcrowded households", "housing",
              {GOVAN: 0.30, CALTON: 0.16, LINN: 0.10, HILLHEAD: 0.12, MARYHILL: 0.13}, city=0.15)
    indicator(engine, "pt_gp", "Public transport travel time to a GP (minutes)", "transport",
              {GOVAN: 7.0, CALTON: 9.0, LINN: 14.0, HILLHEAD: 10.0, MARYHILL: 12.0}, city=11.0)
    for text in ("Three families in the Langlands Road flats have damp and black mould in the bedrooms; "
                 "overcrowded flats, with kids sharing a bed.",
                 "Overcrowding is the worst I have seen: mould on the walls and damp coming through, the "
                 "housing association slow to do repairs in Langlands Road.",
                 "Damp and mould again, a toddler with a chest infection; the family is overcrowded in a "
                 "one-bedroom flat."):
        insight(engine, GOVAN, text, [(housing, "problem", 3, "officer"), (housing, "problem", 3, "consensus")])
    for text in ("Food bank referrals doubled since the autumn; parents skipping meals so the weans can eat.",
                 "The pantry at the church ran out of tins again; food bank vouchers are being rationed.",
                 "Families asking for food bank referrals for the first time, working parents too."):
        insight(engine, GOVAN, text, [(food, "problem", 3, "officer")])
    for text in ("Transport is not an issue in Govan: the subway and the buses are good, families get to the "
                 "hospital and town easily.",
                 "Nobody raises travel with me; the subway station is on the doorstep."):
        insight(engine, GOVAN, text, [(transport, "not_a_problem", 2, "officer")])
    insight(engine, GOVAN, "Prepayment meters: families self-disconnecting and sitting in the cold.",
            [(fuel, "problem", 3, "officer")])
    insight(engine, CALTON, "Childcare costs keep lone parents from taking shifts.", [(childcare, "problem", 2, "o2")])
    insight(engine, CALTON, "Damp flats in the east end.", [(housing, "problem", 1, "o2")])
    insight(engine, LINN, "Benefit checks at the school gate are busy.", [])

    resident = "resident"
    transcript(engine, GOVAN, [
        ("facilitator", None, "Can you tell me about your house?"),
        (resident, housing, "The damp in our flat on Langlands Road is that bad, black mould behind the wardrobe."),
        (resident, housing, "We're overcrowded, four of us in one bedroom, the mould gets in the weans' chests."),
        (resident, housing, "I've been on the waiting list six years, the damp never gets fixed."),
        (resident, housing, "Mould on every wall, and the housing association just paint over it."),
        (resident, housing, "Overcrowded is the word, the damp, the mould, the lot."),
        (resident, food, "Sometimes I'll skip my tea so the wean gets something decent."),
        (resident, childcare, "The nursery hours don't fit any job I can get."),
        (resident, childcare, "After-school club is forty pound a week, I cannae pay that."),
        (resident, childcare, "Nursery finishes at twelve, how am I meant to work?"),
        (resident, childcare, "Childcare costs more than I'd earn."),
        (resident, transport, "The bus fares are a joke, four pound to get into town and back."),
        (resident, transport, "The buses never turn up, the 23 just disappears off the app."),
        (resident, transport, "Unreliable buses, I've been late for work three times this month."),
        (resident, transport, "Bus fares went up again and the service got worse."),
        (resident, transport, "You wait an hour for a bus that's meant to come every ten minutes."),
        (resident, fuel, "The prepayment meter eats everything, we sit in the cold."),
        (resident, None, "Aye, that's about it really."),
    ], "Govan parents' focus group")
    transcript(engine, CALTON, [
        (resident, housing, "The flat's damp but the landlord's fine about repairs."),
        (resident, food, "Food's dear now, we shop at the cheap place."),
        (resident, None, "Nothing else to say."),
        (resident, None, "It's alright round here."),
        (resident, childcare, "My mum does the childcare."),
        (resident, None, "Just getting by."),
    ], "Calton drop-in")
    transcript(engine, LINN, [(resident, None, "The park is lovely."), (resident, None, "Quiet here."),
                              (resident, food, "The school meals are good.")], "Linn interview")
    return ids
