"""Areas below the ward for the joint display: which areas a ward offers, resolving a name or code to one,
and saying how much evidence sits in it (for the page, the CLI and the report).

The gazetteer (`triangulate.core.places`) decides what a name means; evidence is placed by intermediate
zone, so a data zone answers for the IZ it lies in (and says so).
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas import Ward
from triangulate.core import places
from triangulate.core.permissions import Actor, require
from triangulate.joint import placed


def choices(engine: Engine, ward_code: str, ward_name: str) -> list[places.Area]:
    """The whole ward first, then its IZs and the named neighbourhoods lying mostly in it."""
    return [places.ward_area(ward_code, ward_name), *places.areas_in_ward(engine, ward_code)]


def resolve(engine: Engine, ward_code: str, text: str) -> tuple[places.Area, str]:
    """The area a name or code means inside the ward, and a note when it was widened (a data zone → its IZ).
    Raises the gazetteer's NotFound / AmbiguousPlace / PlaceMismatch, each naming the fix."""
    area = places.resolve_area(engine, text, ward_code)
    if area.kind == "dz":
        iz = places.iz_area(area.iz_codes[0])
        note = (f"{area.name} ({area.code}) is a data zone; evidence is placed by intermediate zone, so this is "
                f"its IZ, {iz.name} ({iz.code}).")
        return places.Area(iz.code, iz.name, "iz", ward_code, iz.iz_codes, iz.fit_quality, iz.source), note
    return area, ""


def evidence_per_iz(engine: Engine, actor: Actor, ward_code: str | None = None) -> pd.DataFrame:
    """Placed officer insights and resident segments per IZ (counts only): iz_code, insights, segments,
    transcripts. With `ward_code`, evidence recorded under that ward."""
    require(actor, "matrix.read")
    return placed.per_iz(engine, ward_code)


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def evidence_statement(engine: Engine, actor: Actor, area: places.Area, ward_name: str) -> dict:
    """How much evidence sits in the area, as counts and a sentence: the area's insights and resident
    segments (by transcript place and by mention), against the ward's, and how much of the ward's evidence
    has no place below the ward (it counts for the whole ward only)."""
    require(actor, "matrix.read")
    here = placed.in_area(engine, area)
    ward = placed.unplaced(engine, area.ward_code)
    if area.kind == "ward":
        sentence = (f"{ward_name} holds {_n(ward['insights'], 'officer insight')} and "
                    f"{_n(ward['segments'], 'resident segment')}; {ward['insights_unplaced']:,} insight(s) and "
                    f"{ward['segments_unplaced']:,} segment(s) have no place below the ward.")
        return {**here, **{f"ward_{k}": v for k, v in ward.items()}, "sentence": sentence}
    parts = [f"{area.name} holds {_n(here['insights'], 'officer insight')} and "
             f"{_n(here['segments'], 'resident segment')}"]
    if here["segments"]:
        parts.append(f" (from {_n(here['transcripts'], 'transcript')}: {here['segments_from_transcript_places']:,} "
                     "through where their conversation was held or its participants live, "
                     f"{here['segments_from_mentions']:,} by mentioning a place in it; a segment can be both)")
    parts.append(f", of {ward_name}'s {ward['insights']:,} insights and {ward['segments']:,} resident segments. ")
    if not here["insights"] and not here["segments"]:
        parts.append("Nothing is placed here yet, so officers and residents show as no data. ")
    parts.append(f"{ward['insights_unplaced']:,} of {ward_name}'s insights and {ward['segments_unplaced']:,} of its "
                 "segments have no place below the ward: they count for the whole ward only.")
    others = sorted((set(here["insight_wards"]) | set(here["segment_wards"])) - {area.ward_code})
    if others:
        with Session(engine) as session:
            names = {w.code: w.name for w in session.exec(select(Ward).where(Ward.code.in_(others)))}
        listed = ", ".join(names.get(c, c) for c in others)
        parts.append(f" Some evidence here was recorded under another ward ({listed}): the area, not "
                     "the ward it was filed under, is what counts.")
    return {**here, **{f"ward_{k}": v for k, v in ward.items()}, "sentence": "".join(parts)}


def ward_iz_table(iz_frame: pd.DataFrame, evidence: pd.DataFrame, ward_code: str, key: str) -> pd.DataFrame:
    """A ward's IZs on one indicator (`numbers.iz_values.iz_indicator_frame` rows) with the evidence placed
    in each (`evidence_per_iz`): iz_code, iz_name, value, ward_value, city_value, rank_in_ward, n_in_ward,
    rank, n_ranked, unit, insights, segments; worst first."""
    rows = iz_frame[(iz_frame["ward_code"] == ward_code) & (iz_frame["indicator_key"] == key)]
    return _with_evidence(rows, evidence).sort_values(["rank_in_ward", "iz_name"]).reset_index(drop=True)[
        ["iz_code", "iz_name", "value", "ward_value", "city_value", "rank_in_ward", "n_in_ward", "rank", "n_ranked",
         "unit", "insights", "segments"]]


def pockets_table(ranked: pd.DataFrame, evidence: pd.DataFrame) -> pd.DataFrame:
    """`numbers.booster.pockets` with the evidence placed in each IZ (insights, segments), in rank order."""
    return _with_evidence(ranked, evidence).sort_values("rank").reset_index(drop=True)


def _with_evidence(rows: pd.DataFrame, evidence: pd.DataFrame) -> pd.DataFrame:
    out = rows.merge(evidence[["iz_code", "insights", "segments"]], on="iz_code", how="left")
    out["insights"] = out["insights"].fillna(0).astype(int)
    out["segments"] = out["segments"].fillna(0).astype(int)
    return out
