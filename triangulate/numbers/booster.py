"""Booster wards: rank wards on a composite of the scale and the depth of child poverty.

The briefing says Glasgow chose its ten Booster Wards on the "scale and depth of poverty". Here scale is the
number of children in relative low income families (DWP, before housing costs, apportioned from intermediate
zones) and depth is that number per child aged 0–15. Each is standardised across the 23 wards (z-score) and
the composite is the weighted sum, the weights normalised to add to 1.
"""
from __future__ import annotations

import pandas as pd
from sqlmodel import Session

from triangulate.numbers import ward_values as numbers

SCALE_KEY, DEPTH_KEY = "cilif_children", "cilif_rate_0_15"
FORMULA = (r"\text{score} = w_s \cdot z(\text{children in low-income families}) + w_d \cdot "
           r"z(\text{children in low-income families} \div \text{children aged 0–15}),\quad w_s + w_d = 1")


def periods(session: Session) -> list[str]:
    ind = numbers.indicators_frame(session)
    hit = ind[ind["key"] == SCALE_KEY]
    return list(hit["periods"].iloc[0]) if not hit.empty else []


def default_period(session: Session) -> str | None:
    """The latest period in which every ward has both components (a new partial import does not count)."""
    return _latest_complete_period(session, numbers.all_wards_indicator_frame)


def _latest_complete_period(session: Session, area_frame) -> str | None:
    """The latest period in which every area of `area_frame(session, periods)` has both components."""
    for period in reversed(periods(session)):
        frame = area_frame(session, {SCALE_KEY: period, DEPTH_KEY: period})
        part = frame[frame["indicator_key"].isin([SCALE_KEY, DEPTH_KEY])]
        if not part.empty and part["value"].notna().all() and (part["n_areas"] > 0).all():
            return period
    return None


def _z(s: pd.Series) -> pd.Series:
    sd = s.std(ddof=0)
    return (s - s.mean()) / sd if sd and sd > 0 else s * 0.0


def ranking(session: Session, w_scale: float = 0.5, w_depth: float = 0.5, period: str | None = None,
            top: int = 10) -> pd.DataFrame:
    """Every ward with its components, z-scores, weighted score and rank (1 = highest priority)."""
    ws, wd = _weights(w_scale, w_depth)
    period = period or default_period(session)
    override = {SCALE_KEY: period, DEPTH_KEY: period} if period else None
    df = numbers.all_wards_indicator_frame(session, override)
    wide = df[df["indicator_key"].isin([SCALE_KEY, DEPTH_KEY])].pivot(
        index=["ward_code", "ward_name", "booster"], columns="indicator_key", values="value").reset_index()
    if SCALE_KEY not in wide or DEPTH_KEY not in wide:
        return pd.DataFrame(columns=["rank", "ward_code", "ward_name", "children", "rate", "z_scale", "z_depth",
                                     "score", "named_booster", "top"])
    out = pd.DataFrame({"ward_code": wide["ward_code"], "ward_name": wide["ward_name"],
                        "children": wide[SCALE_KEY].astype(float), "rate": wide[DEPTH_KEY].astype(float),
                        "named_booster": wide["booster"].astype(bool)})
    return _scored(out, ws, wd, top, period)


def _weights(w_scale: float, w_depth: float) -> tuple[float, float]:
    if w_scale < 0 or w_depth < 0 or w_scale + w_depth <= 0:
        raise ValueError("weights must be non-negative and not both zero")
    total = w_scale + w_depth
    return w_scale / total, w_depth / total


def _scored(out: pd.DataFrame, ws: float, wd: float, top: int, period: str | None) -> pd.DataFrame:
    """The composite (one rule for wards and for pockets): z of scale and of depth across the areas ranked,
    weighted, highest score first."""
    out["z_scale"] = _z(out["children"])
    out["z_depth"] = _z(out["rate"])
    out["w_scale"], out["w_depth"] = ws, wd
    out["score"] = ws * out["z_scale"] + wd * out["z_depth"]
    out = out.sort_values("score", ascending=False, na_position="last").reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    out["top"] = (out["rank"] <= top) & out["score"].notna()
    out["period"] = period
    return out


def pockets_default_period(session: Session) -> str | None:
    """The latest period in which every intermediate zone has both components."""
    from triangulate.numbers import iz_values

    return _latest_complete_period(session, iz_values.iz_indicator_frame)


def pockets(session: Session, w_scale: float = 0.5, w_depth: float = 0.5, period: str | None = None,
            top: int = 20, ward_code: str | None = None) -> pd.DataFrame:
    """"Pockets" of child poverty: the city's 136 intermediate zones ranked by the Booster composite (scale =
    children in low-income families in the IZ, depth = that number per child aged 0–15; each standardised
    across the IZs). Columns as `ranking`, with iz_code, iz_name, ward_code, ward_name, rank_in_ward. With
    `ward_code`, only that ward's IZs are returned (ranked among all 136)."""
    from triangulate.numbers import iz_values

    ws, wd = _weights(w_scale, w_depth)
    period = period or pockets_default_period(session)
    override = {SCALE_KEY: period, DEPTH_KEY: period} if period else None
    df = iz_values.iz_indicator_frame(session, override)
    part = df[df["indicator_key"].isin([SCALE_KEY, DEPTH_KEY])]
    if part.empty or set(part["indicator_key"]) != {SCALE_KEY, DEPTH_KEY}:
        return pd.DataFrame(columns=["rank", "iz_code", "iz_name", "ward_code", "ward_name", "children", "rate",
                                     "z_scale", "z_depth", "score", "top", "rank_in_ward"])
    wide = part.pivot(index=["iz_code", "iz_name", "ward_code", "ward_name"], columns="indicator_key",
                      values="value").reset_index()
    out = pd.DataFrame({"iz_code": wide["iz_code"], "iz_name": wide["iz_name"], "ward_code": wide["ward_code"],
                        "ward_name": wide["ward_name"], "children": wide[SCALE_KEY].astype(float),
                        "rate": wide[DEPTH_KEY].astype(float)})
    out = _scored(out, ws, wd, top, period)
    out["rank_in_ward"] = out.groupby("ward_code")["score"].rank(ascending=False, method="min")
    if ward_code is not None:
        out = out[out["ward_code"] == ward_code].reset_index(drop=True)
    return out
