"""Where the evidence is: a ward's intermediate zones coloured by an indicator, with the officer insights and
resident segments placed in each; across the city, the "pockets" of child poverty with the evidence each
holds. Choosing an intermediate zone (on the map or in the list) opens its joint display."""
from __future__ import annotations

import pandas as pd
import streamlit as st

import ui
from triangulate import core, joint, numbers
from triangulate.core import escape_markdown as md

engine, actor = ui.page(
    "Where the evidence is",
    "Below the ward: each intermediate zone (IZ) on an indicator, and how much officer and resident "
    "evidence is placed in it. Click an IZ (or choose it below) to open its joint display.")


def _clicked(key: str) -> str | None:
    """The IZ code a click on the map chose (the chart's selection is kept in session state by its key)."""
    event = st.session_state.get(key)
    chosen = (event or {}).get("selection", {}).get(numbers.IZ_SELECTION) if isinstance(event, dict) else None
    if chosen is None and event is not None and hasattr(event, "selection"):
        chosen = event.selection.get(numbers.IZ_SELECTION)
    return chosen[0].get("iz_code") if chosen else None


def _open(iz_code: str, ward_code: str) -> None:
    st.session_state["ward_code"] = ward_code
    st.session_state["joint_area_request"] = iz_code
    st.switch_page("pages/joint_display.py")


with ui.friendly_errors():
    izs = numbers.iz_indicator_frame(engine)
    dzs = numbers.datazones(engine)
    offered = numbers.indicators_below_ward(engine)
    evidence = joint.evidence_per_iz(engine, actor)
if izs.empty or offered.empty:
    st.info("No indicator has values below the ward yet: load the default data (`python -m triangulate init`).")
    st.stop()

ward_tab, city_tab = st.tabs(["A ward's intermediate zones", "Pockets across the city"])
with ward_tab:
    ward_code = ui.ward_picker()
    ward = ui.ward_name(ward_code)
    keys = list(offered["indicator_key"])
    titles = dict(zip(offered["indicator_key"], offered["title"]))
    default = next((k for k in ("cilif_rate_0_15", "income_deprived_rate") if k in keys), keys[0])
    key = st.selectbox("Colour by", keys, index=keys.index(default), format_func=titles.get, key="evidence_map_key")
    mine = izs[(izs["ward_code"] == ward_code) & (izs["indicator_key"] == key)]
    if mine.empty:
        st.info(f"No intermediate zone has {md(ward)} as its best-fit ward.")
    else:
        clicked = _clicked("evidence_map_ward")
        st.vega_lite_chart(core.readable_spec(numbers.ward_iz_map(izs, dzs, key, ward_code, evidence,
                                                                  selected=clicked)),
                           width="stretch", on_select="rerun", selection_mode=numbers.IZ_SELECTION,
                           key="evidence_map_ward")
        st.caption("Numbers on the map: officer insights · resident segments placed in each IZ (“3 ins. · 12 seg.”). "
                   "A darker blue is a higher value; the outlined IZ is the one chosen.")
        table = joint.ward_iz_table(izs, evidence, ward_code, key)
        unit = table["unit"].iloc[0]
        view = pd.DataFrame({
            "Intermediate zone": table["iz_name"], titles[key]: [numbers.fmt(v, unit) for v in table["value"]],
            ward: [numbers.fmt(v, unit) for v in table["ward_value"]],
            "Glasgow": [numbers.fmt(v, unit) for v in table["city_value"]],
            "Rank in ward": [f"{int(r)} of {int(n)}" if pd.notna(r) else "–" for r, n in
                             zip(table["rank_in_ward"], table["n_in_ward"])],
            "Rank in Glasgow": [f"{int(r)} of {int(n)}" if pd.notna(r) else "–" for r, n in
                                zip(table["rank"], table["n_ranked"])],
            "Officer insights": table["insights"], "Resident segments": table["segments"]})
        st.dataframe(view, hide_index=True, width="stretch")
        codes = list(table["iz_code"])
        names = dict(zip(table["iz_code"], table["iz_name"]))
        pick = st.selectbox("Open the joint display for", codes, format_func=names.get,
                            index=codes.index(clicked) if clicked in codes else 0, key="evidence_map_pick")
        if clicked in codes and st.session_state.get("evidence_map_last") != clicked:
            st.session_state["evidence_map_last"] = clicked  # a click opens the IZ at once
            _open(clicked, ward_code)
        if st.button(f"Open the joint display for {names[pick]}", type="primary"):
            _open(pick, ward_code)
        with st.expander(f"{names[pick]} on every indicator, against {ward} and Glasgow"):
            with ui.friendly_errors():
                profile = numbers.iz_indicator_table(engine, pick)
            profile = profile[profile["value"].notna()]
            st.dataframe(pd.DataFrame({
                "Indicator": profile["title"],
                names[pick]: [numbers.fmt(v, u) for v, u in zip(profile["value"], profile["unit"])],
                ward: [numbers.fmt(v, u) for v, u in zip(profile["ward_value"], profile["unit"])],
                "Glasgow": [numbers.fmt(v, u) for v, u in zip(profile["city_value"], profile["unit"])],
                "Rank in ward (1 = worst)": [f"{int(r)} of {int(n)}" if pd.notna(r) else "–" for r, n in
                                             zip(profile["rank_in_ward"], profile["n_in_ward"])],
                "Rank in Glasgow": [f"{int(r)} of {int(n)}" if pd.notna(r) else "–" for r, n in
                                    zip(profile["rank"], profile["n_ranked"])],
                "Built from": profile["source_level"].map({"datazone": "data zones",
                                                           "intermediate_zone": "published by IZ"}),
                "Period": profile["period"]}), hide_index=True, width="stretch")

with city_tab:
    st.write("Pockets of child poverty: the city's 136 intermediate zones ranked, like the Booster wards, by scale "
             "(children in low-income families) and depth (that number per child aged 0–15), each standardised "
             "across the IZs, with the evidence placed in each.")
    w_scale = st.slider("Weight on scale (the rest on depth)", 0.0, 1.0, 0.5, 0.05, key="pockets_weight")
    top = st.number_input("Outline the top", 5, 136, 20, key="pockets_top")
    ranked = None
    with ui.friendly_errors():
        ranked = numbers.booster_pockets(engine, w_scale, 1 - w_scale, top=int(top))
    if ranked is None or ranked.empty:
        st.info("Children in low-income families are not loaded by intermediate zone.")
    else:
        clicked_city = _clicked("evidence_map_city")
        st.vega_lite_chart(core.readable_spec(numbers.pockets_map(ranked, dzs, evidence, clicked_city)),
                           width="stretch", on_select="rerun", selection_mode=numbers.IZ_SELECTION,
                           key="evidence_map_city")
        st.caption(f"Period {md(ranked['period'].iloc[0])}. Colour: the composite score in fifths of the city; "
                   "outlined: the top-ranked IZs; orange circles: evidence placed there (size = insights + segments; "
                   "the numbers are in the list).")
        listed = joint.pockets_table(ranked, evidence)
        st.dataframe(pd.DataFrame({
            "Rank": listed["rank"], "Intermediate zone": listed["iz_name"], "Ward": listed["ward_name"],
            "Children in low-income families": listed["children"].map(lambda v: numbers.fmt(v, "count")),
            "Per child aged 0–15": listed["rate"].map(lambda v: numbers.fmt(v, "fraction")),
            "Score": listed["score"].round(2), "Officer insights": listed["insights"],
            "Resident segments": listed["segments"]}), hide_index=True, width="stretch", height=420)
        st.latex(numbers.BOOSTER_FORMULA)
        city_codes = list(listed["iz_code"])
        city_names = {c: f"{n} ({w})" for c, n, w in zip(listed["iz_code"], listed["iz_name"], listed["ward_name"])}
        wards_of = dict(zip(listed["iz_code"], listed["ward_code"]))
        choice = st.selectbox("Open the joint display for", city_codes, format_func=city_names.get,
                              index=city_codes.index(clicked_city) if clicked_city in city_codes else 0,
                              key="pockets_pick")
        if clicked_city in city_codes and st.session_state.get("pockets_last") != clicked_city:
            st.session_state["pockets_last"] = clicked_city
            _open(clicked_city, wards_of[clicked_city])
        if st.button(f"Open the joint display for {city_names[choice]}", key="pockets_open"):
            _open(choice, wards_of[choice])
ui.attribution()
