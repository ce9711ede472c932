"""The IZ maps are built in the library: checked here as Vega-Lite specs (what the page draws)."""
import pandas as pd
from sqlmodel import Session

from tests import area_scenario as sc
from tests import joint_scenario as js
from triangulate.core import palette, places
from triangulate.core.permissions import SYSTEM
from triangulate.joint import areas
from triangulate.numbers import glasgow, iz_maps, iz_values


def _datasets(spec: dict) -> list[list[dict]]:
    return list(spec.get("datasets", {}).values())


def test_an_iz_outline_is_its_data_zones_outer_edges():
    izs, dzs = places.zones()
    lookup = tuple(sorted((code, dz.iz_code) for code, dz in dzs.items()))
    geometry = iz_maps.iz_geometry(lookup)
    assert len(geometry) == 136
    ibrox = geometry[sc.IBROX]
    edges = sum(len(line) - 1 for line in ibrox["outline"]["coordinates"])
    inner = sum(len(ring) - 1 for f in glasgow.geojson("datazones")["features"]
                if dzs[f["properties"]["DataZone"]].iz_code == sc.IBROX for ring in iz_maps._rings(f["geometry"]))
    assert 0 < edges < inner  # edges shared by two of its data zones are gone
    lon, lat = ibrox["x"], ibrox["y"]
    assert -4.40 < lon < -4.25 and 55.83 < lat < 55.88  # the label sits in Ibrox, south of the Clyde


def test_the_ward_map_writes_the_evidence_on_each_iz_and_selects_by_click(engine):
    sc.plant(engine)
    with Session(engine) as s:
        frame = iz_values.iz_indicator_frame(s)
        dzs = iz_values.datazones(s)
    evidence = areas.evidence_per_iz(engine, SYSTEM)
    spec = palette.readable_spec(iz_maps.ward_iz_map(frame, dzs, "overcrowded_dz", js.GOVAN, evidence,
                                                     selected=sc.IBROX))
    rows = [r for data in _datasets(spec) for r in data if isinstance(r, dict)]
    labels = {r["iz_name"]: r["label"] for r in rows if "label" in r}
    assert labels["Ibrox"] == "3 ins. · 18 seg." and labels["Drumoyne and Shieldhall"] == "0 ins. · 0 seg."
    fills = [r for r in rows if r.get("type") == "Feature" and "value" in r.get("properties", {})]
    assert {r["iz_code"] for r in fills} == set(places.izs_of_ward(js.GOVAN))
    ibrox = next(r for r in fills if r["iz_code"] == sc.IBROX)["properties"]
    assert ibrox["value"] == 0.4 and ibrox["shown"] == "40.0%" and ibrox["rank"].startswith("1 of 5 in the ward")
    params = spec.get("params", []) + [p for layer in spec["layer"] for p in layer.get("params", [])]
    assert [p["name"] for p in params] == [iz_maps.SELECTION] and params[0]["select"]["fields"] == ["iz_code"]
    chosen = [layer for layer in spec["layer"] if layer.get("mark", {}).get("stroke") == palette.SELECTED_WARD]
    assert len(chosen) == 1


def test_the_pockets_map_circles_only_izs_holding_evidence():
    ranked = pd.DataFrame({"rank": [1, 2], "iz_code": [sc.IBROX, sc.DRUMOYNE], "iz_name": ["Ibrox", "Drumoyne"],
                           "ward_code": [js.GOVAN] * 2, "ward_name": ["Govan"] * 2, "score": [1.5, -0.2],
                           "top": [True, False], "rank_in_ward": [1, 2]})
    izs, zone_dzs = places.zones()
    dzs = pd.DataFrame([(c, d.iz_code) for c, d in zone_dzs.items() if d.iz_code in (sc.IBROX, sc.DRUMOYNE)],
                       columns=["code", "iz_code"])
    evidence = pd.DataFrame({"iz_code": [sc.IBROX], "insights": [2], "segments": [5]})
    spec = palette.readable_spec(iz_maps.pockets_map(ranked, dzs, evidence))
    circles = [r for data in _datasets(spec) for r in data if isinstance(r, dict) and "evidence" in r]
    assert [(r["iz_name"], r["evidence"]) for r in circles] == [("Ibrox", 7)]
