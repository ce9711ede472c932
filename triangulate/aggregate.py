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
    df = rows.copy()
    if "weight" not in df:
        df["weight"] = 1.0
    df["n_areas"] = 1
    if aggregation == "sum":
        usable = df["value"].notna() & ~df["suppressed"].astype(bool)
    elif aggregation == "ratio":
        usable = df["numerator"].notna() & df["denominator"].notna() & ~df["suppressed"].astype(bool)
    else:
        usable = df["value"].notna() & df["denominator"].notna() & ~df["suppressed"].astype(bool)
    df["n_suppressed"] = (~usable).astype(int)
    w = df["weight"].astype(float)
    df["num_w"] = np.where(usable, df["numerator"].astype(float) * w, np.nan)
    df["den_w"] = np.where(usable, df["denominator"].astype(float) * w, np.nan)
    df["val_w"] = np.where(usable, df["value"].astype(float) * w, np.nan)
    df["wv"] = np.where(usable, df["value"].astype(float) * df["denominator"].astype(float) * w, np.nan)
    g = df.groupby(by, sort=False)
    out = pd.DataFrame({
        "n_areas": g["n_areas"].sum(),
        "n_suppressed": g["n_suppressed"].sum(),
        "numerator": g["num_w"].sum(min_count=1),
        "denominator": g["den_w"].sum(min_count=1),
    })
    if aggregation == "sum":
        out["value"] = g["val_w"].sum(min_count=1)
        out["numerator"] = out["value"]
    elif aggregation == "ratio":
        with np.errstate(divide="ignore", invalid="ignore"):
            out["value"] = out["numerator"] / out["denominator"] * scale_of(unit)
    elif aggregation == "population_weighted":
        with np.errstate(divide="ignore", invalid="ignore"):
            out["value"] = g["wv"].sum(min_count=1) / out["denominator"]
        out["numerator"] = np.nan
    else:  # not aggregable (ranks, indices): no ward value
        out["value"] = np.nan
    out["value"] = out["value"].replace([np.inf, -np.inf], np.nan)
    return out.reset_index()[[by, *VALUE_COLUMNS]]


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
