"""Altair charts of the numbers strand (built here so tests can check them; pages only draw them)."""
from __future__ import annotations

import copy

import altair as alt
import pandas as pd

from triangulate import glasgow

UNCERTAIN_COLOUR = "#d62728"


def _rewound(features: list[dict]) -> list[dict]:
    """RFC 7946 rings wind counter-clockwise; d3-geo (Vega) reads that as 'everything but the polygon'.
    Reversing every ring gives d3 the clockwise exteriors it expects."""
    out = copy.deepcopy(features)
    for f in out:
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        for poly in polys:
            for ring in poly:
                ring.reverse()
    return out


def fmt(value, unit: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    if unit == "fraction":
        return f"{value:.1%}"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "percent":
        return f"{value:.1f}%"
    return f"{value:,.1f}"


def ward_map(frame: pd.DataFrame, key: str, title: str, highlight: str | None = None) -> alt.Chart:
    """Choropleth of the 23 wards on one indicator; `frame` is all_wards_indicator_frame."""
    values = frame[frame["indicator_key"] == key].set_index("ward_code")
    unit = values["unit"].iloc[0] if not values.empty else ""
    feats = _rewound(glasgow.geojson("wards")["features"])
    for f in feats:
        code = f["properties"]["ward_code"]
        v = values["value"].get(code) if code in values.index else None
        f["properties"].update(value=None if v is None or pd.isna(v) else float(v), shown=fmt(v, unit),
                               rank=None if code not in values.index or pd.isna(values["rank"].get(code))
                               else int(values["rank"].get(code)), chosen=code == highlight)
    base = alt.Chart(alt.Data(values=feats)).mark_geoshape(stroke="white", strokeWidth=0.8).encode(
        color=alt.Color("properties.value:Q", title=title, scale=alt.Scale(scheme="orangered")),
        tooltip=[alt.Tooltip("properties.ward_name:N", title="Ward"),
                 alt.Tooltip("properties.shown:N", title=title),
                 alt.Tooltip("properties.rank:Q", title="Rank (1 = worst)")])
    outline = alt.Chart(alt.Data(values=[f for f in feats if f["properties"]["chosen"]])).mark_geoshape(
        fill=None, stroke="black", strokeWidth=2.5)
    return (base + outline).project(type="mercator").properties(height=420)


def datazone_map(dz: pd.DataFrame, title: str, unit: str) -> alt.Chart:
    """Choropleth of one ward's data zones; uncertain fits outlined in red and said so in the tooltip."""
    rows = dz.set_index("code")
    feats = [f for f in _rewound(glasgow.geojson("datazones")["features"])
             if f["properties"]["DataZone"] in rows.index]
    for f in feats:
        r = rows.loc[f["properties"]["DataZone"]]
        v = r.get("value")
        f["properties"].update(value=None if v is None or pd.isna(v) else float(v), shown=fmt(v, unit),
                               fit=f"{r['fit_quality']} ({r['overlap_share']:.0%} inside the ward)",
                               uncertain=r["fit_quality"] != "good")
    base = alt.Chart(alt.Data(values=feats)).mark_geoshape(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color("properties.value:Q", title=title, scale=alt.Scale(scheme="orangered")),
        tooltip=[alt.Tooltip("properties.DZname:N", title="Data zone"),
                 alt.Tooltip("properties.DataZone:N", title="Code"),
                 alt.Tooltip("properties.shown:N", title=title),
                 alt.Tooltip("properties.fit:N", title="Fit to ward")])
    flagged = [f for f in feats if f["properties"]["uncertain"]]
    layers = base
    if flagged:
        layers = base + alt.Chart(alt.Data(values=flagged)).mark_geoshape(
            fill=None, stroke=UNCERTAIN_COLOUR, strokeWidth=2, strokeDash=[4, 2]).encode(
            tooltip=[alt.Tooltip("properties.DZname:N", title="Data zone"),
                     alt.Tooltip("properties.fit:N", title="Fit to ward (not good)")])
    return layers.project(type="mercator").properties(height=420)


def gap_chart(table: pd.DataFrame) -> alt.Chart:
    """The ward's standardised gap to Glasgow on each indicator (positive = worse than the city)."""
    df = table[table["z"].notna()].copy()
    df["direction"] = df["z"].map(lambda z: "worse than Glasgow" if z > 0 else "better than Glasgow")
    df["rank_text"] = df.apply(lambda r: f"{int(r['rank'])} of {int(r['n_ranked'])}", axis=1)
    return alt.Chart(df).mark_bar().encode(
        y=alt.Y("title:N", sort="-x", title=None),
        x=alt.X("z:Q", title="Standardised gap to Glasgow (SDs across wards; + = worse)"),
        color=alt.Color("direction:N", scale=alt.Scale(domain=["worse than Glasgow", "better than Glasgow"],
                                                       range=["#d95f02", "#1b9e77"]), title=None),
        tooltip=["title", alt.Tooltip("z:Q", format=".2f"), alt.Tooltip("rank_text:N", title="Rank")],
    ).properties(height=max(200, 22 * len(df)))


def comparison_chart(row: pd.Series, ward_name: str) -> alt.Chart:
    """Ward, Glasgow and Scotland on one indicator."""
    df = pd.DataFrame([{"area": ward_name, "value": row["value"]},
                       {"area": "Glasgow City", "value": row["city_value"]},
                       {"area": "Scotland", "value": row["scotland_value"]}]).dropna()
    df["shown"] = df["value"].map(lambda v: fmt(v, row["unit"]))
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("value:Q", title=row["title"]), y=alt.Y("area:N", sort=None, title=None),
        color=alt.Color("area:N", legend=None, scale=alt.Scale(range=["#d95f02", "#7570b3", "#999999"])),
        tooltip=["area", alt.Tooltip("shown:N", title="value")]).properties(height=130)


def ranking_chart(frame: pd.DataFrame, key: str, ward_code: str) -> alt.Chart:
    df = frame[frame["indicator_key"] == key].copy()
    df["this ward"] = df["ward_code"] == ward_code
    df["shown"] = df.apply(lambda r: fmt(r["value"], r["unit"]), axis=1)
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("value:Q", title=df["title"].iloc[0] if not df.empty else ""),
        y=alt.Y("ward_name:N", sort="-x", title=None),
        color=alt.condition("datum['this ward']", alt.value("#d95f02"), alt.value("#bbbbbb")),
        tooltip=[alt.Tooltip("ward_name:N", title="Ward"), alt.Tooltip("shown:N", title="Value"),
                 alt.Tooltip("rank:Q", title="Rank")]).properties(height=460)


def booster_chart(ranked: pd.DataFrame) -> alt.Chart:
    df = ranked.copy()
    df["scale part"] = df["w_scale"] * df["z_scale"]
    df["depth part"] = df["w_depth"] * df["z_depth"]
    long = df.melt(id_vars=["ward_name", "score", "rank"], value_vars=["scale part", "depth part"],
                   var_name="component", value_name="contribution")
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y("ward_name:N", sort=alt.EncodingSortField("score", order="descending"), title=None),
        x=alt.X("contribution:Q", title="Contribution to the composite score"),
        color=alt.Color("component:N", title=None),
        tooltip=["ward_name", "component", alt.Tooltip("contribution:Q", format=".2f"),
                 alt.Tooltip("score:Q", format=".2f"), "rank"]).properties(height=max(200, 24 * df.shape[0]))
