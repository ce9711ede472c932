"""The numbers strand below the ward: every indicator for each of Glasgow's 136 intermediate zones (IZ), and
for any area made of IZs (a named neighbourhood), against its ward and the city.

The rules are the wards' (`triangulate.numbers.aggregate`): data-zone values are aggregated to IZs (counts
sum; rates from summed numerators and denominators; standardised ratios weighted by their population),
values published by IZ are used as they are, and an indicator stored only by ward or coarser has no value
below the ward. The city and Scotland figures are the ones the ward frame uses, so an IZ, its ward and the
city are compared on one footing.

An IZ's ward is its best-fit ward, as the gazetteer (`triangulate.core.places`) has it: the ward holding
the largest share of its population through the data-zone → ward lookup; `ward_share` keeps that share,
and `second_ward_code` the other ward of an IZ split across two. Ranks are 1 = worst (highest when
neutral), among the city's IZs and among the IZs of the same ward; z is (IZ − city) / SD across the city's
IZs, positive = worse (counts are centred on the mean IZ, as for wards).

Functions take a read-only SQLModel `Session`; results are cached with the ward frame's database state.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sqlmodel import Session

from triangulate.core.errors import NotFound
from triangulate.numbers import aggregate
from triangulate.numbers import ward_values as wv

LEVEL_ORDER = ("intermediate_zone", "datazone")  # an IZ value as published first, else built from its DZs
META_COLUMNS = ["indicator_id", "indicator_key", "title", "unit", "polarity", "aggregation", "source", "publisher",
                "issue_codes"]


def iz_wards(session: Session) -> pd.DataFrame:
    """One row per IZ: iz_code, iz_name, ward_code (best fit), ward_name, ward_share, second_ward_code,
    n_datazones."""
    state = wv.read_state(session)
    if "iz_wards" in state.computed:
        return state.computed["iz_wards"].copy()
    # by population, as the gazetteer (triangulate.core.places) fits an IZ to its ward: one answer everywhere
    shares = aggregate.iz_shares(state.dzs).sort_values(["iz_code", "share", "ward_code"],
                                                        ascending=[True, False, True])
    best = shares.drop_duplicates("iz_code").rename(columns={"share": "ward_share"})
    second = shares[shares.duplicated("iz_code")].drop_duplicates("iz_code")[["iz_code", "ward_code"]]
    names = state.dzs.groupby("iz_code").agg(iz_name=("iz_name", "first"), n_datazones=("code", "count"))
    out = (best.merge(second.rename(columns={"ward_code": "second_ward_code"}), on="iz_code", how="left")
           .merge(names, left_on="iz_code", right_index=True, how="left")
           .merge(state.wards[["ward_code", "ward_name"]], on="ward_code", how="left"))
    out = out[["iz_code", "iz_name", "ward_code", "ward_name", "ward_share", "second_ward_code", "n_datazones"]]
    out = out.sort_values(["ward_name", "iz_name"]).reset_index(drop=True)
    state.computed["iz_wards"] = out
    return out.copy()


def _members(iz_codes) -> pd.DataFrame:
    return pd.DataFrame({"iz_code": list(iz_codes), "area_code": list(iz_codes)})


def _values_at(state, ind: pd.Series, period: str, members: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """One indicator, one period, aggregated to the areas of `members` from the finest level stored."""
    vals = state.by_indicator.get(int(ind["id"]), state.values.iloc[0:0])
    vals = vals[vals["period"] == period]
    level = next((lv for lv in LEVEL_ORDER if (vals["area_level"] == lv).any()), None)
    if level is None:
        return pd.DataFrame(columns=["area_code", *aggregate.VALUE_COLUMNS]), ""
    dz_iz = state.dzs.set_index("code")["iz_code"]
    rows = vals[vals["area_level"] == level]
    return aggregate.to_areas(rows, level, ind["aggregation"], ind["unit"], dz_iz, members), level


def _iz_values(state, ind: pd.Series, period: str) -> pd.DataFrame:
    """One indicator, one period: a row per IZ with its value, the ward's and the city's, ranks and z."""
    cache_key = ("iz", int(ind["id"]), period)
    if cache_key in state.computed:
        return state.computed[cache_key]
    izs = state.computed.get("iz_wards")
    per_iz, level = _values_at(state, ind, period, _members(izs["iz_code"]))
    out = izs[["iz_code", "ward_code"]].merge(per_iz.rename(columns={"area_code": "iz_code"}), on="iz_code",
                                              how="left")
    out["n_areas"] = out["n_areas"].fillna(0).astype(int)
    out["n_suppressed"] = out["n_suppressed"].fillna(0).astype(int)
    wards = wv.ward_values_at(state, ind, period)
    city_value = wards["city_value"].iloc[0] if not wards.empty else None
    city_value = None if city_value is None or pd.isna(city_value) else float(city_value)
    out = aggregate.compare(out, city_value, ind["polarity"], is_count=ind["aggregation"] == "sum")
    sign = -1.0 if ind["polarity"] == "higher_better" else 1.0
    out["rank_in_ward"] = (out["value"] * sign).groupby(out["ward_code"]).rank(ascending=False, method="min")
    out["n_in_ward"] = out.groupby("ward_code")["value"].transform("count").astype(int)
    out["ward_value"] = out["ward_code"].map(wards.set_index("ward_code")["value"])
    out["city_value"] = city_value
    scotland = wards["scotland_value"].iloc[0] if not wards.empty else None
    out["scotland_value"] = None if scotland is None or pd.isna(scotland) else float(scotland)
    out["period"] = period
    out["source_level"] = level
    state.computed[cache_key] = out
    return out


def _meta(ind: pd.Series, n: int) -> dict:
    return dict(indicator_id=int(ind["id"]), indicator_key=ind["key"], title=ind["title"], unit=ind["unit"],
                polarity=ind["polarity"], aggregation=ind["aggregation"], source=ind["source"],
                publisher=ind["publisher"], issue_codes=[tuple(ind["issue_codes"])] * n)


def iz_indicator_frame(session: Session, periods: dict[str, str] | None = None) -> pd.DataFrame:
    """Long frame, one row per (indicator, IZ): value, numerator, denominator, n_areas, n_suppressed,
    ward_value, city_value, scotland_value, rank and n_ranked (among the city's IZs), rank_in_ward and
    n_in_ward (among the IZs of the same best-fit ward), z, z_raw, period, source_level (the level the value
    is built from; empty when the indicator is stored only by ward or coarser), the IZ's names and ward, and
    the indicator's metadata. `periods` overrides the period per indicator key (default: the latest)."""
    iz_wards(session)  # fills the state's IZ → ward table
    state = wv.read_state(session)
    cache_key = ("iz-all", tuple(sorted((periods or {}).items())))
    if cache_key in state.computed:
        return state.computed[cache_key].copy()
    frames = []
    for _, ind in state.indicators.iterrows():
        period = (periods or {}).get(ind["key"]) or wv.latest_period(state, ind)
        if period is None:
            continue
        values = _iz_values(state, ind, period)
        frames.append(values.assign(**_meta(ind, len(values))))
    if not frames:
        return pd.DataFrame(columns=["indicator_key", "iz_code", "iz_name", "ward_code", "value", "rank", "z"])
    df = pd.concat(frames, ignore_index=True)
    names = state.computed["iz_wards"][["iz_code", "iz_name", "ward_name", "ward_share", "second_ward_code"]]
    df = df.merge(names, on="iz_code", how="left")
    state.computed[cache_key] = df
    return df.copy()


def iz_indicator_table(session: Session, iz_code: str) -> pd.DataFrame:
    """The IZ on every indicator (one row per indicator), against its ward and the city, with its ranks."""
    frame = iz_indicator_frame(session)
    out = frame[frame["iz_code"] == iz_code].reset_index(drop=True)
    if out.empty and iz_code not in set(iz_wards(session)["iz_code"]):
        raise NotFound(f"No intermediate zone {iz_code!r} in Glasgow: the codes run S02001822–S02001957 "
                       "(see the Ward profile's map, or the places list).")
    return out


def area_indicator_frame(session: Session, areas: dict[str, tuple[str, ...]],
                         periods: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per (indicator, area) for areas made of IZs (`areas`: area code → its IZ codes): the area's
    value aggregated from its IZs' data by the same rules, city and Scotland values, and z against the city
    in SDs across the city's IZs (the yardstick of areas of that size; positive = worse). An area of one IZ
    gets exactly that IZ's row. An IZ with no data zones in the database adds nothing (the gazetteer,
    `core.places`, is where a name or code is checked).

    Several IZs are aggregated from the IZs' own sums (Σ numerator, Σ denominator, Σ value × denominator),
    which for counts, ratios and population-weighted values is exactly the aggregate of their data zones."""
    for code, izs in areas.items():
        if not izs:
            raise NotFound(f"Area {code!r} has no intermediate zone: an area is a set of IZ codes (S02…).")
    state = wv.read_state(session)
    cache_key = ("areas", tuple(sorted((c, tuple(izs)) for c, izs in areas.items())),
                 tuple(sorted((periods or {}).items())))
    if cache_key in state.computed:
        return state.computed[cache_key].copy()
    frame = iz_indicator_frame(session, periods)
    if frame.empty or not areas:
        return pd.DataFrame(columns=["indicator_key", "area_code", "value", "city_value", "z"])
    members = pd.DataFrame([(iz, code) for code, izs in areas.items() for iz in dict.fromkeys(izs)],
                           columns=["iz_code", "area_code"])
    size = members.groupby("area_code")["iz_code"].count()
    rows = frame[["indicator_id", "iz_code", "value", "numerator", "denominator", "aggregation", "unit"]].merge(
        members, on="iz_code")
    single = rows[rows["area_code"].map(size) == 1][["indicator_id", "area_code", "value"]]
    values = [single.assign(n_areas=1)]
    several = rows[rows["area_code"].map(size) > 1].assign(suppressed=False)
    for (aggregation, unit), part in several.groupby(["aggregation", "unit"]):
        part = part.assign(key=part["indicator_id"].astype(str) + "|" + part["area_code"])
        agg = aggregate.aggregate(part, aggregation, unit, by="key")
        ids = agg["key"].str.split("|", n=1, expand=True)
        values.append(pd.DataFrame({"indicator_id": ids[0].astype(int), "area_code": ids[1], "value": agg["value"],
                                    "n_areas": agg["n_areas"]}))
    values = pd.concat(values, ignore_index=True)
    indicators = frame.drop_duplicates("indicator_id")[[*META_COLUMNS, "city_value", "scotland_value", "period",
                                                        "source_level"]]
    out = indicators.merge(pd.DataFrame({"area_code": list(areas)}), how="cross").merge(
        values, on=["indicator_id", "area_code"], how="left")
    out["n_areas"] = out["n_areas"].fillna(0).astype(int)
    spread = frame.groupby("indicator_id")["value"].agg(sd=lambda v: v.std(ddof=0) if v.notna().sum() > 1 else np.nan,
                                                        mean="mean")
    out = out.merge(spread, left_on="indicator_id", right_index=True, how="left")
    use_mean = (out["aggregation"] == "sum") | out["city_value"].isna()
    centre = np.where(use_mean, out["mean"], out["city_value"].astype(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(out["sd"] > 0, (out["value"].astype(float) - centre) / out["sd"], np.nan)
    sign = np.where(out["polarity"] == "higher_better", -1.0, 1.0)
    out["z_raw"] = raw
    out["z"] = np.where(out["polarity"] == "neutral", np.nan, raw * sign)
    out = out.drop(columns=["sd", "mean"]).reset_index(drop=True)
    if len([k for k in state.computed if k[0] == "areas"]) < 64:  # a page's areas, not every combination ever
        state.computed[cache_key] = out
    return out.copy()


def datazones(session: Session) -> pd.DataFrame:
    """Every data zone with its IZ and ward (code, name, iz_code, iz_name, ward_code, fit_quality): what the
    IZ maps are drawn from."""
    return wv.read_state(session).dzs[["code", "name", "iz_code", "iz_name", "ward_code", "fit_quality"]].copy()


def indicators_below_ward(session: Session) -> pd.DataFrame:
    """The indicators that have values by IZ (key, title, unit, polarity), in the indicators' order."""
    frame = iz_indicator_frame(session)
    have = frame[frame["value"].notna()].drop_duplicates("indicator_key")
    return have[["indicator_key", "title", "unit", "polarity", "source_level"]].reset_index(drop=True)
