"""Altair charts of the numbers strand (built here so tests can check them; pages only draw them)."""
from __future__ import annotations

import copy
import functools

import altair as alt
import pandas as pd

from triangulate.core import palette
from triangulate.numbers import glasgow

UNCERTAIN_COLOUR = palette.BLACK  # dashed black: distinct from every map colour


@functools.lru_cache(maxsize=4)
def _rewound_layer(layer: str) -> tuple:
    """A boundary layer rewound once per process (deep-copying 746 data zones on every page run was slow)."""
    return tuple(_rewound(glasgow.geojson(layer)["features"]))


def boundary_features(layer: str) -> list[dict]:
    """Fresh feature dicts (own properties, shared geometry) to annotate for one chart."""
    return [{**f, "properties": dict(f["properties"])} for f in _rewound_layer(layer)]


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
    feats = boundary_features("wards")
    for f in feats:
        code = f["properties"]["ward_code"]
        v = values["value"].get(code) if code in values.index else None
        f["properties"].update(value=None if v is None or pd.isna(v) else float(v), shown=fmt(v, unit),
                               rank=None if code not in values.index or pd.isna(values["rank"].get(code))
                               else int(values["rank"].get(code)), chosen=code == highlight)
    base = alt.Chart(alt.Data(values=feats)).mark_geoshape(stroke="white", strokeWidth=0.8).encode(
        color=alt.Color("properties.value:Q", title=title, scale=alt.Scale(scheme=palette.SEQUENTIAL)),
        tooltip=[alt.Tooltip("properties.ward_name:N", title="Ward"),
                 alt.Tooltip("properties.shown:N", title=title),
                 alt.Tooltip("properties.rank:Q", title="Rank (1 = worst)")])
    outline = alt.Chart(alt.Data(values=[f for f in feats if f["properties"]["chosen"]])).mark_geoshape(
        fill=None, stroke=palette.SELECTED_WARD, strokeWidth=3)
    return (base + outline).project(type="mercator").properties(height=420)


def datazone_map(dz: pd.DataFrame, title: str, unit: str) -> alt.Chart:
    """Choropleth of one ward's data zones; uncertain fits outlined in red and said so in the tooltip."""
    rows = dz.set_index("code")
    feats = [f for f in boundary_features("datazones") if f["properties"]["DataZone"] in rows.index]
    for f in feats:
        r = rows.loc[f["properties"]["DataZone"]]
        v = r.get("value")
        f["properties"].update(value=None if v is None or pd.isna(v) else float(v), shown=fmt(v, unit),
                               fit=f"{r['fit_quality']} ({r['overlap_share']:.0%} inside the ward)",
                               uncertain=r["fit_quality"] != "good")
    base = alt.Chart(alt.Data(values=feats)).mark_geoshape(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color("properties.value:Q", title=title, scale=alt.Scale(scheme=palette.SEQUENTIAL)),
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
    """The ward's standardised gap to Glasgow on each indicator (positive = worse than the city). Every
    indicator is labelled in full (wrapped), and each bar carries a glyph and words as well as colour."""
    df = table[table["z"].notna()].copy()
    worse_word = f"{palette.WORSE_GLYPH} worse than Glasgow"
    better_word = f"{palette.BETTER_GLYPH} better than Glasgow"
    df["direction"] = df["z"].map(lambda z: worse_word if z > 0 else better_word)
    df["rank_text"] = df.apply(lambda r: f"{int(r['rank'])} of {int(r['n_ranked'])}", axis=1)
    df["label"] = df["title"].map(palette.wrap)
    df["bar_text"] = [f"{palette.WORSE_GLYPH if z > 0 else palette.BETTER_GLYPH} {z:+.2f}" for z in df["z"]]
    order = list(df.sort_values("z", ascending=False)["label"])
    lines = max((lbl.count("|") + 1 for lbl in order), default=1)
    # Room on the right for the value written after the longest bar (about 45 % of the largest gap).
    top = max(float(df["z"].max()) if not df.empty else 1.0, 0.0)
    low = min(float(df["z"].min()) if not df.empty else 0.0, 0.0)
    domain = [low - 0.05 * (top - low), top + 0.45 * max(top - low, 0.5)]
    y = alt.Y("label:N", sort=order, title=None, axis=palette.wrapped_axis())
    bars = alt.Chart(df).mark_bar().encode(
        y=y, x=alt.X("z:Q", title=["Standardised gap to Glasgow", "(SDs across wards; + = worse)"],
                     scale=alt.Scale(domain=domain, nice=False)),
        color=alt.Color("direction:N", scale=alt.Scale(domain=[worse_word, better_word],
                                                       range=[palette.WORSE, palette.BETTER]), legend=None),
        tooltip=[alt.Tooltip("title:N", title="Indicator"), alt.Tooltip("z:Q", format=".2f", title="Gap (SD)"),
                 alt.Tooltip("rank_text:N", title="Rank")])
    # Each value is written just right of the bar's end, or of zero for a bar that points left, so it never
    # runs into the indicator names. Colour is not needed to read it: the glyph says worse or better.
    df["text_at"] = df["z"].clip(lower=0)
    text = alt.Chart(df).mark_text(fontSize=palette.MIN_FONT, dx=4, align="left").encode(
        y=y, x="text_at:Q", text="bar_text:N")
    return (bars + text).properties(height=alt.Step(max(24, 16 * lines + 8)))


def comparison_chart(row: pd.Series, ward_name: str) -> alt.Chart:
    """Ward, Glasgow and Scotland on one indicator, each bar with its value written on it."""
    df = pd.DataFrame([{"area": ward_name, "value": row["value"], "colour": palette.SELECTED_WARD},
                       {"area": "Glasgow City", "value": row["city_value"], "colour": palette.GLASGOW},
                       {"area": "Scotland", "value": row["scotland_value"], "colour": palette.SCOTLAND}])
    df = df[df["value"].notna()]
    df["shown"] = df["value"].map(lambda v: fmt(v, row["unit"]))
    base = alt.Chart(df).encode(y=alt.Y("area:N", sort=None, title=None, axis=palette.wrapped_axis()))
    room = alt.Scale(domain=[min(0.0, float(df["value"].min())), float(df["value"].max()) * 1.3]) \
        if not df.empty and df["value"].max() > 0 else alt.Undefined  # room for the value after each bar
    bars = base.mark_bar().encode(x=alt.X("value:Q", title=palette.wrap(row["title"], 34).split("|"), scale=room),
                                  color=alt.Color("colour:N", scale=None), tooltip=["area", alt.Tooltip(
                                      "shown:N", title="value")])
    text = base.mark_text(align="left", dx=4, fontSize=palette.MIN_FONT).encode(x="value:Q", text="shown:N")
    return (bars + text).properties(height=alt.Step(30))


def ranking_chart(frame: pd.DataFrame, key: str, ward_code: str) -> alt.Chart:
    """All wards on one indicator, worst first; the selected ward in the selected-ward colour and named in
    bold, Glasgow's value as a labelled line."""
    df = frame[frame["indicator_key"] == key].copy()
    df = df[df["value"].notna()]
    df["this ward"] = df["ward_code"] == ward_code
    df["shown"] = df.apply(lambda r: fmt(r["value"], r["unit"]), axis=1)
    df["label"] = [f"▶ {n}" if mine else n for n, mine in zip(df["ward_name"], df["this ward"])]
    title = df["title"].iloc[0] if not df.empty else ""
    order = list(df.sort_values("value", ascending=False)["label"])
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=0, labelOverlap=False))
    base = alt.Chart(df).encode(y=y)
    room = alt.Scale(domain=[min(0.0, float(df["value"].min())), float(df["value"].max()) * 1.3]) \
        if not df.empty and df["value"].max() > 0 else alt.Undefined  # room for the value after each bar
    bars = base.mark_bar().encode(
        x=alt.X("value:Q", title=palette.wrap(title, 34).split("|"), scale=room),
        color=alt.condition("datum['this ward']", alt.value(palette.SELECTED_WARD), alt.value(palette.OTHER_WARDS)),
        tooltip=[alt.Tooltip("ward_name:N", title="Ward"), alt.Tooltip("shown:N", title="Value"),
                 alt.Tooltip("rank:Q", title="Rank")])
    text = base.mark_text(align="left", dx=4, fontSize=palette.MIN_FONT).encode(x="value:Q", text="shown:N")
    layers = bars + text
    city = df["city_value"].dropna()
    if not city.empty:
        line = pd.DataFrame({"value": [float(city.iloc[0])],
                             "label": [f"Glasgow {fmt(city.iloc[0], df['unit'].iloc[0])}"]})
        rule = alt.Chart(line).mark_rule(color=palette.GLASGOW, strokeDash=[6, 3], strokeWidth=2).encode(x="value:Q")
        rule_text = alt.Chart(line).mark_text(color=palette.GLASGOW, align="left", dx=4, dy=-6, y=0,
                                              fontSize=palette.MIN_FONT, fontWeight="bold").encode(
            x="value:Q", text="label:N")
        layers = layers + rule + rule_text
    return layers.properties(height=alt.Step(22))


def trend_chart(over_time: pd.DataFrame, ward_name: str, title: str, unit: str) -> alt.Chart:
    """The ward's line against Glasgow's (and Scotland's where loaded) over the stored periods. Lines differ
    in colour, dash and point shape, and each is named at its last point. A count is drawn for the ward only:
    against the city's total its line would lie flat on the axis (the sentence gives its share instead)."""
    series = [("ward", ward_name, palette.SELECTED_WARD, "circle", []),
              ("city", "Glasgow City", palette.GLASGOW, "square", [6, 3]),
              ("scotland", "Scotland", palette.SCOTLAND, "triangle-up", [2, 2])]
    if unit == "count":
        series = series[:1]
    rows = []
    for column, name, *_ in series:
        if column in over_time:
            for period, value in zip(over_time["period"], over_time[column]):
                if value is not None and value == value:
                    rows.append({"period": period, "area": name, "value": float(value), "shown": fmt(value, unit)})
    df = pd.DataFrame(rows, columns=["period", "area", "value", "shown"])
    present = [s for s in series if s[1] in set(df["area"])]
    periods = list(over_time["period"])
    # Periods turned 45°: eight of them fit a phone's width without touching, and none is shortened.
    x = alt.X("period:N", sort=periods, title=None,
              axis=alt.Axis(labelAngle=-45, labelLimit=0, labelOverlap=False, labelFontSize=palette.MIN_FONT))
    colour_scale = alt.Scale(domain=[s[1] for s in present], range=[s[2] for s in present])
    colour = alt.Color("area:N", title=None, legend=alt.Legend(orient="top"), scale=colour_scale)
    lines = alt.Chart(df).mark_line(strokeWidth=2.5).encode(
        x=x, y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False),
                     axis=alt.Axis(format=".0%" if unit == "fraction" else ",~r")),
        color=colour, strokeDash=alt.StrokeDash("area:N", legend=None, scale=alt.Scale(
            domain=[s[1] for s in present], range=[s[4] for s in present])))
    points = alt.Chart(df).mark_point(filled=True, size=70).encode(
        x=x, y="value:Q", color=colour, shape=alt.Shape("area:N", legend=None, scale=alt.Scale(
            domain=[s[1] for s in present], range=[s[3] for s in present])),
        tooltip=[alt.Tooltip("area:N", title="Area"), alt.Tooltip("period:N", title="Period"),
                 alt.Tooltip("shown:N", title="Value")])
    last = df[df["period"] == (periods[-1] if periods else None)]
    ends = alt.Chart(last).mark_text(align="left", dx=8, fontSize=palette.MIN_FONT).encode(
        x=x, y="value:Q", text="shown:N", color=alt.Color("area:N", scale=colour_scale, legend=None))
    # Streamlit fits the whole chart (legend and turned period labels too) into this height.
    # Padding on the right for the values written after the last period.
    return (lines + points + ends).properties(height=400, padding={"left": 5, "top": 5, "right": 56, "bottom": 5})


def booster_chart(ranked: pd.DataFrame) -> alt.Chart:
    """Each top ward's composite score split into its scale and depth parts, every ward named, the score
    written at the end of its bar."""
    df = ranked.copy()
    df["scale part"] = df["w_scale"] * df["z_scale"]
    df["depth part"] = df["w_depth"] * df["z_depth"]
    df["label"] = [f"{int(r)}. {n}" for r, n in zip(df["rank"], df["ward_name"])]
    order = list(df.sort_values("score", ascending=False)["label"])
    long = df.melt(id_vars=["label", "ward_name", "score", "rank"], value_vars=["scale part", "depth part"],
                   var_name="component", value_name="contribution")
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=0, labelOverlap=False))
    ends = df[["scale part", "depth part"]].clip(lower=0).sum(axis=1)
    lows = df[["scale part", "depth part"]].clip(upper=0).sum(axis=1)
    room = alt.Scale(domain=[min(0.0, float(lows.min())), float(ends.max()) * 1.45]) \
        if not df.empty and ends.max() > 0 else alt.Undefined  # room for "score 1.23" after each bar
    bars = alt.Chart(long).mark_bar().encode(
        y=y, x=alt.X("contribution:Q", title="Contribution to the composite score", scale=room),
        color=alt.Color("component:N", title=None, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=["scale part", "depth part"], range=[palette.BLUE, palette.ORANGE])),
        tooltip=[alt.Tooltip("ward_name:N", title="Ward"), alt.Tooltip("component:N", title="Part"),
                 alt.Tooltip("contribution:Q", format=".2f"), alt.Tooltip("score:Q", format=".2f"), "rank"])
    df["end"] = df[["scale part", "depth part"]].clip(lower=0).sum(axis=1)
    df["score_text"] = df["score"].map(lambda v: f"score {v:.2f}")
    text = alt.Chart(df).mark_text(align="left", dx=4, fontSize=palette.MIN_FONT).encode(
        y=y, x="end:Q", text="score_text:N")
    return (bars + text).properties(height=alt.Step(26))
