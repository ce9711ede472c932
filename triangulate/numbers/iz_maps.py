"""Maps of intermediate zones (IZ): a ward's IZs coloured by an indicator with the evidence placed in each
drawn over them, and the city's "pockets" of child poverty. Built here so tests can check them; pages draw.

There is no IZ boundary file in the repository, so IZs are drawn from their data zones (DZ nest exactly in
IZs): each DZ is filled with its IZ's colour, and the IZ's outline is the set of DZ edges that are not
shared with another DZ of the same IZ (the 2011 DZ boundaries share vertices, so shared edges match).
Every map that colours by a value also writes it (tooltip and table), and evidence counts are written as
numbers, not only drawn as sizes.
"""
from __future__ import annotations

import functools
from collections import Counter, defaultdict

import altair as alt
import pandas as pd

from triangulate.core import palette
from triangulate.numbers import charts, glasgow

SELECTION = "iz"  # the click selection's name: a page reads event.selection["iz"][0]["iz_code"]
IZ_OUTLINE = "#333333"
EVIDENCE_COLUMNS = ["iz_code", "insights", "segments"]


# --------------------------------------------------------------------------- geometry
def _rings(geometry: dict) -> list[list]:
    polys = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [ring for poly in polys for ring in poly]


def _ring_area_centroid(ring: list) -> tuple[float, float, float]:
    """Shoelace area and centroid of one ring (degrees: good enough to place a label)."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if a == 0:
        xs, ys = zip(*ring)
        return 0.0, sum(xs) / len(xs), sum(ys) / len(ys)
    return abs(a / 2), cx / (3 * a), cy / (3 * a)


def _chain(edges: list[tuple]) -> list[list]:
    """Undirected boundary edges joined into as few lines as a greedy walk gives."""
    nxt: dict[tuple, list[tuple]] = defaultdict(list)
    for p, q in edges:
        nxt[p].append(q)
        nxt[q].append(p)
    used: set[frozenset] = set()
    lines = []
    for p, q in edges:
        if frozenset((p, q)) in used:
            continue
        used.add(frozenset((p, q)))
        line = [p, q]
        while True:
            step = next((r for r in nxt[line[-1]] if frozenset((line[-1], r)) not in used), None)
            if step is None:
                break
            used.add(frozenset((line[-1], step)))
            line.append(step)
        lines.append([list(pt) for pt in line])
    return lines


@functools.lru_cache(maxsize=2)
def iz_geometry(dz_to_iz: tuple[tuple[str, str], ...]) -> dict[str, dict]:
    """Per IZ code: 'outline' (a MultiLineString), 'x', 'y' (a label point: the area-weighted centre of its
    largest DZ ring group), from the DZ boundaries and a (DZ code, IZ code) lookup."""
    iz_of = dict(dz_to_iz)
    edges: dict[str, Counter] = defaultdict(Counter)
    parts: dict[str, list] = defaultdict(list)
    for f in glasgow.geojson("datazones")["features"]:
        iz = iz_of.get(f["properties"]["DataZone"])
        if iz is None:
            continue
        for ring in _rings(f["geometry"]):
            parts[iz].append(_ring_area_centroid(ring))
            for a, b in zip(ring, ring[1:]):
                edges[iz][frozenset((tuple(a), tuple(b)))] += 1
    out = {}
    for iz, counted in edges.items():
        boundary = [tuple(e) for e, n in counted.items() if n == 1 and len(e) == 2]
        total = sum(a for a, _, _ in parts[iz]) or 1.0
        x = sum(a * cx for a, cx, _ in parts[iz]) / total
        y = sum(a * cy for a, _, cy in parts[iz]) / total
        out[iz] = {"outline": {"type": "MultiLineString", "coordinates": _chain(boundary)}, "x": x, "y": y}
    return out


def _frame(features: list[dict]) -> pd.DataFrame:
    """Features as a frame (columns type, geometry, properties, …): Altair writes a frame's rows once into
    the spec's datasets instead of deep-copying inline values at every layer (seconds for 746 data zones)."""
    return pd.DataFrame(features, columns=["type", "geometry", "properties", "iz_code"])


def _lookup(dzs: pd.DataFrame) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(zip(dzs["code"], dzs["iz_code"])))


# --------------------------------------------------------------------------- data for the charts
def _evidence(evidence: pd.DataFrame | None) -> pd.DataFrame:
    if evidence is None or evidence.empty:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    return evidence[EVIDENCE_COLUMNS]


def _iz_rows(values: pd.DataFrame, evidence: pd.DataFrame | None, unit: str) -> pd.DataFrame:
    """One row per IZ: iz_code, iz_name, value, shown, rank texts, insights, segments."""
    rows = values.merge(_evidence(evidence), on="iz_code", how="left")
    rows["insights"] = rows["insights"].fillna(0).astype(int)
    rows["segments"] = rows["segments"].fillna(0).astype(int)
    rows["shown"] = [charts.fmt(v, unit) for v in rows["value"]]
    return rows


def _fills(dzs: pd.DataFrame, rows: pd.DataFrame, selected: str | None) -> list[dict]:
    """DZ features carrying their IZ's value and names (top-level iz_code for the click selection)."""
    by_iz = rows.set_index("iz_code")
    iz_of = dict(zip(dzs["code"], dzs["iz_code"]))
    feats = []
    for f in charts.boundary_features("datazones"):
        iz = iz_of.get(f["properties"]["DataZone"])
        if iz is None or iz not in by_iz.index:
            continue
        r = by_iz.loc[iz]
        v = r.get("value")
        f["iz_code"] = iz
        f["properties"].update(iz_code=iz, iz_name=r["iz_name"], value=None if pd.isna(v) else float(v),
                               shown=r["shown"], insights=int(r["insights"]), segments=int(r["segments"]),
                               rank=r.get("rank_text", ""), chosen=iz == selected)
        feats.append(f)
    return feats


def _outlines(dzs: pd.DataFrame, codes, selected: str | None) -> list[dict]:
    geometry = iz_geometry(_lookup(dzs))
    return [{"type": "Feature", "geometry": geometry[c]["outline"], "properties": {"iz_code": c,
                                                                                   "chosen": c == selected}}
            for c in codes if c in geometry]


def _labels(dzs: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    geometry = iz_geometry(_lookup(dzs))
    out = rows[rows["iz_code"].isin(list(geometry))].copy()
    out["lon"] = [geometry[c]["x"] for c in out["iz_code"]]
    out["lat"] = [geometry[c]["y"] for c in out["iz_code"]]
    out["evidence"] = out["insights"] + out["segments"]
    out["label"] = [f"{i} ins. · {s} seg." for i, s in zip(out["insights"], out["segments"])]
    return out


def _rank_text(rank, n) -> str:
    return "" if rank is None or pd.isna(rank) else f"{int(rank)} of {int(n)}"


# --------------------------------------------------------------------------- charts
def ward_iz_map(iz_frame: pd.DataFrame, dzs: pd.DataFrame, key: str, ward_code: str,
                evidence: pd.DataFrame | None = None, selected: str | None = None) -> alt.LayerChart:
    """A ward's IZs coloured by indicator `key` (iz_values.iz_indicator_frame rows), each labelled with the
    insights and resident segments placed in it (`evidence`: iz_code, insights, segments); the `selected` IZ
    outlined in the selected colour. Clicking an IZ sets the selection named `SELECTION` to its iz_code."""
    values = iz_frame[(iz_frame["indicator_key"] == key) & (iz_frame["ward_code"] == ward_code)].copy()
    if values.empty:
        raise ValueError(f"no intermediate zone of ward {ward_code} has a row for indicator {key!r}")
    title, unit = values["title"].iloc[0], values["unit"].iloc[0]
    values["rank_text"] = [f"{_rank_text(r, n)} in the ward; {_rank_text(c, m)} in Glasgow" for r, n, c, m in
                           zip(values["rank_in_ward"], values["n_in_ward"], values["rank"], values["n_ranked"])]
    rows = _iz_rows(values[["iz_code", "iz_name", "value", "rank_text"]], evidence, unit)
    ward_dzs = dzs[dzs["iz_code"].isin(rows["iz_code"])]
    pick = alt.selection_point(name=SELECTION, fields=["iz_code"], on="click", clear="dblclick")
    scale = alt.Scale(scheme=palette.SEQUENTIAL)
    fills = alt.Chart(_frame(_fills(ward_dzs, rows, selected))).mark_geoshape(strokeWidth=0.6).encode(
        color=alt.Color("properties.value:Q", title=palette.wrap(title, 24).split("|"), scale=scale),
        stroke=alt.Stroke("properties.value:Q", scale=scale),  # DZ seams in their IZ's colour (one legend)
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.55)),
        tooltip=[alt.Tooltip("properties.iz_name:N", title="Intermediate zone"),
                 alt.Tooltip("properties.shown:N", title=title),
                 alt.Tooltip("properties.rank:N", title="Rank (1 = worst)"),
                 alt.Tooltip("properties.insights:Q", title="Officer insights placed here"),
                 alt.Tooltip("properties.segments:Q", title="Resident segments placed here")]).add_params(pick)
    outlines = _outlines(ward_dzs, rows["iz_code"], selected)
    lines = alt.Chart(_frame([f for f in outlines if not f["properties"]["chosen"]])).mark_geoshape(
        filled=False, stroke=IZ_OUTLINE, strokeWidth=1.2)
    chosen = alt.Chart(_frame([f for f in outlines if f["properties"]["chosen"]])).mark_geoshape(
        filled=False, stroke=palette.SELECTED_WARD, strokeWidth=3.5)
    labels = _labels(ward_dzs, rows)
    name = alt.Chart(labels).encode(longitude="lon:Q", latitude="lat:Q", text="iz_name:N")
    count = alt.Chart(labels).encode(longitude="lon:Q", latitude="lat:Q", text="label:N")
    layers = [fills, lines, chosen,
              name.mark_text(dy=-8, fontSize=palette.MIN_FONT, fontWeight="bold", stroke="white", strokeWidth=3),
              name.mark_text(dy=-8, fontSize=palette.MIN_FONT, fontWeight="bold", color="black"),
              count.mark_text(dy=8, fontSize=palette.MIN_FONT, stroke="white", strokeWidth=3),
              count.mark_text(dy=8, fontSize=palette.MIN_FONT, color="black")]
    return alt.layer(*layers).project(type="mercator").properties(height=460)


def pockets_map(ranked: pd.DataFrame, dzs: pd.DataFrame, evidence: pd.DataFrame | None = None,
                selected: str | None = None) -> alt.LayerChart:
    """The city's 136 IZs coloured by the pockets composite score (`booster.pockets`), the top-ranked
    outlined, a circle on every IZ that holds placed evidence sized by how much (its numbers in the tooltip).
    Clicking an IZ sets the selection named `SELECTION`."""
    values = ranked.rename(columns={"score": "value"}).copy()
    values["rank_text"] = [f"{int(r)} of {len(ranked)} (composite); {int(w)} in {n}" for r, w, n in
                           zip(values["rank"], values["rank_in_ward"].fillna(0), values["ward_name"])]
    rows = _iz_rows(values[["iz_code", "iz_name", "value", "rank_text"]], evidence, "score")
    rows["shown"] = [f"{v:+.2f}" if pd.notna(v) else "–" for v in rows["value"]]
    pick = alt.selection_point(name=SELECTION, fields=["iz_code"], on="click", clear="dblclick")
    # quintiles: one zone far above the rest would otherwise leave every other zone pale
    scale = alt.Scale(type="quantile", scheme={"name": palette.SEQUENTIAL, "count": 5})
    fills = alt.Chart(_frame(_fills(dzs, rows, selected))).mark_geoshape(strokeWidth=0.6).encode(
        color=alt.Color("properties.value:Q", title=["Pockets score", "(fifths of the city)"], scale=scale,
                        legend=alt.Legend(format="+.2f")),
        stroke=alt.Stroke("properties.value:Q", scale=scale, legend=alt.Legend(format="+.2f")),
        tooltip=[alt.Tooltip("properties.iz_name:N", title="Intermediate zone"),
                 alt.Tooltip("properties.shown:N", title="Score"),
                 alt.Tooltip("properties.rank:N", title="Rank"),
                 alt.Tooltip("properties.insights:Q", title="Officer insights placed here"),
                 alt.Tooltip("properties.segments:Q", title="Resident segments placed here")]).add_params(pick)
    top = set(ranked.loc[ranked["top"].astype(bool), "iz_code"])
    outlines = _outlines(dzs, rows["iz_code"], selected)
    ring = alt.Chart(_frame([f for f in outlines if f["properties"]["iz_code"] in top])).mark_geoshape(
        filled=False, stroke=IZ_OUTLINE, strokeWidth=1.6)
    chosen = alt.Chart(_frame([f for f in outlines if f["properties"]["chosen"]])).mark_geoshape(
        filled=False, stroke=palette.SELECTED_WARD, strokeWidth=3.5)
    labels = _labels(dzs, rows)
    held = labels[labels["evidence"] > 0]
    dots = alt.Chart(held).mark_circle(color=palette.ORANGE, stroke="black", strokeWidth=0.8, opacity=0.9).encode(
        longitude="lon:Q", latitude="lat:Q",
        size=alt.Size("evidence:Q", title=["Evidence placed", "(insights + segments)"],
                      scale=alt.Scale(range=[40, 600])),
        tooltip=[alt.Tooltip("iz_name:N", title="Intermediate zone"),
                 alt.Tooltip("insights:Q", title="Officer insights"),
                 alt.Tooltip("segments:Q", title="Resident segments")])
    wards = alt.Chart(_frame(charts.boundary_features("wards"))).mark_geoshape(filled=False, stroke="white",
                                                                       strokeWidth=1.5)
    return alt.layer(fills, wards, ring, chosen, dots).project(type="mercator").properties(height=560)
