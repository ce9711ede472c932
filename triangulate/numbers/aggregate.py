"""Small-area values → ward values, done the way a statistician would (pure pandas, no database).

- counts (`sum`) add up;
- rates (`ratio`) are recomputed as Σ numerator / Σ denominator (× the unit's scale), never averaged;
- standardised ratios and rates with no published numerator (`population_weighted`) are weighted means, the
  weight being the stored denominator (a population);
- suppressed or missing values are left out, and how many were left out is reported per ward.

Intermediate-zone values are apportioned to wards by the share of each IZ's weight (children aged 0–15 when
known) living in data zones best-fitted to each ward: an estimate, and labelled as one.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from schemas.indicator_files import UNIT_SCALE

VALUE_COLUMNS = ["value", "numerator", "denominator", "n_areas", "n_suppressed"]


def scale_of(unit: str) -> float:
    return UNIT_SCALE.get(unit, 1.0)


def aggregate(rows: pd.DataFrame, aggregation: str, unit: str, by: str = "group") -> pd.DataFrame:
    """Aggregate `rows` (columns value, numerator, denominator, suppressed, weight, `by`) to one row per group.

    `weight` (default 1) is the apportioned share of each row that belongs to its group.
    """
    if rows.empty:
        return pd.DataFrame(columns=[by, *VALUE_COLUMNS])
    # numpy + bincount rather than a pandas groupby: this runs for every indicator on every cold page load
    keys, groups = pd.factorize(rows[by], sort=False)
    n = len(groups)
    value = rows["value"].to_numpy(dtype=float, na_value=np.nan)
    num = rows["numerator"].to_numpy(dtype=float, na_value=np.nan)
    den = rows["denominator"].to_numpy(dtype=float, na_value=np.nan)
    supp = rows["suppressed"].to_numpy(dtype=bool)
    w = rows["weight"].to_numpy(dtype=float) if "weight" in rows else np.ones(len(rows))
    if aggregation == "sum":
        usable = ~np.isnan(value) & ~supp
    elif aggregation == "ratio":
        usable = ~np.isnan(num) & ~np.isnan(den) & ~supp
    else:
        usable = ~np.isnan(value) & ~np.isnan(den) & ~supp

    def total(x):
        x = np.where(usable, x * w, 0.0)
        got = np.bincount(keys, weights=np.where(usable & ~np.isnan(x), 1.0, 0.0), minlength=n) > 0
        sums = np.bincount(keys, weights=np.nan_to_num(x), minlength=n)
        return np.where(got, sums, np.nan)

    n_areas = np.bincount(keys, minlength=n)
    n_supp = np.bincount(keys, weights=(~usable).astype(float), minlength=n).astype(int)
    s_num, s_den = total(num), total(den)
    with np.errstate(divide="ignore", invalid="ignore"):
        if aggregation == "sum":
            out_value = total(value)
            s_num = out_value
        elif aggregation == "ratio":
            out_value = s_num / s_den * scale_of(unit)
        elif aggregation == "population_weighted":
            out_value = total(value * den) / s_den
            s_num = np.full(n, np.nan)
        else:  # not aggregable (ranks, indices): no ward value
            out_value = np.full(n, np.nan)
    out_value = np.where(np.isfinite(out_value), out_value, np.nan)
    return pd.DataFrame({by: groups, "value": out_value, "numerator": s_num, "denominator": s_den,
                         "n_areas": n_areas, "n_suppressed": n_supp})


def iz_shares(datazones: pd.DataFrame, weights: pd.Series | None = None) -> pd.DataFrame:
    """(iz_code, ward_code, share): the share of each IZ's weight in each ward, via the DZ→ward lookup.

    `datazones` has columns code, iz_code, ward_code (and population); `weights` is indexed by DZ code
    (children 0–15 when available). Falls back to total population, then to equal shares.
    """
    dz = datazones[["code", "iz_code", "ward_code"]].copy()
    if weights is not None and not weights.empty:
        dz["w"] = dz["code"].map(weights).astype(float)
    elif "population" in datazones:
        dz["w"] = datazones["population"].astype(float)
    else:
        dz["w"] = np.nan
    dz["w"] = dz["w"].fillna(1.0)
    per = dz.groupby(["iz_code", "ward_code"], as_index=False)["w"].sum()
    total = per.groupby("iz_code")["w"].transform("sum")
    per["share"] = np.where(total > 0, per["w"] / total, 0.0)
    return per[["iz_code", "ward_code", "share"]]


def to_wards(rows: pd.DataFrame, level: str, aggregation: str, unit: str, dz_ward: pd.Series,
             shares: pd.DataFrame) -> pd.DataFrame:
    """Aggregate rows of one indicator at one area level to wards. `dz_ward` maps DZ code → ward code."""
    if level == "ward":
        out = rows.rename(columns={"area_code": "ward_code"}).copy()
        out["n_areas"] = 1
        out["n_suppressed"] = (out["suppressed"].astype(bool) | out["value"].isna()).astype(int)
        return out[["ward_code", *VALUE_COLUMNS]]
    if level == "datazone":
        df = rows.assign(ward_code=rows["area_code"].map(dz_ward)).dropna(subset=["ward_code"])
        return aggregate(df, aggregation, unit, by="ward_code")
    if level == "intermediate_zone":
        df = rows.merge(shares, left_on="area_code", right_on="iz_code", how="inner")
        df = df[df["share"] > 0].rename(columns={"share": "weight"})
        out = aggregate(df, aggregation, unit, by="ward_code")
        return out
    return pd.DataFrame(columns=["ward_code", *VALUE_COLUMNS])


def to_areas(rows: pd.DataFrame, level: str, aggregation: str, unit: str, dz_iz: pd.Series,
             members: pd.DataFrame) -> pd.DataFrame:
    """Aggregate rows of one indicator at one area level to areas below the ward (one row per `area_code`).

    `members` has columns iz_code, area_code: an intermediate zone is its own area, a neighbourhood is a set
    of them (an IZ may sit in more than one area). Data-zone rows reach their IZ through `dz_iz` (DZ code →
    IZ code) and are aggregated by the same rules as for wards; intermediate-zone rows are used as published
    for an area of one IZ, and aggregated by the same rules for an area of several. Ward or coarser rows give
    no value below the ward.
    """
    if level == "datazone":
        rows = rows.assign(iz_code=rows["area_code"].map(dz_iz)).dropna(subset=["iz_code"])
    elif level == "intermediate_zone":
        rows = rows.assign(iz_code=rows["area_code"])
    else:
        return pd.DataFrame(columns=["area_code", *VALUE_COLUMNS])
    df = rows.drop(columns=["area_code"]).merge(members[["iz_code", "area_code"]], on="iz_code", how="inner")
    out = aggregate(df, aggregation, unit, by="area_code")
    if level == "intermediate_zone" and not out.empty:
        # an area of one IZ keeps the published figure (a rate with no numerator stays a rate)
        size = members.groupby("area_code")["iz_code"].nunique()
        single = df[df["area_code"].map(size) == 1].drop_duplicates("area_code").set_index("area_code")
        as_published = out["area_code"].map(single["value"])
        usable = as_published.notna() & ~out["area_code"].map(single["suppressed"]).fillna(True).astype(bool)
        out["value"] = np.where(usable, as_published, out["value"])
    return out


def compare(wards: pd.DataFrame, city_value: float | None, polarity: str, is_count: bool = False) -> pd.DataFrame:
    """Add rank among wards (1 = worst, or highest when neutral) and the standardised gap to the city.

    z = (ward − city) / SD across wards; multiplied by −1 when higher is better, so positive always means
    worse than the city. For counts the city total is no yardstick for a ward, so the centre is the mean
    ward. For neutral indicators `z` is left empty and `z_raw` (positive = higher) is kept.
    """
    out = wards.copy()
    values = out["value"].astype(float)
    sign = -1.0 if polarity == "higher_better" else 1.0
    out["rank"] = (values * sign).rank(ascending=False, method="min")
    out["n_ranked"] = int(values.notna().sum())
    sd = float(values.std(ddof=0)) if values.notna().sum() > 1 else float("nan")
    has_city = city_value is not None and not pd.isna(city_value) and not is_count
    centre = city_value if has_city else float(values.mean())
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = (values - centre) / sd if sd and not np.isnan(sd) and sd > 0 else values * np.nan
    out["z_raw"] = raw
    out["z"] = np.nan if polarity == "neutral" else raw * sign
    return out
