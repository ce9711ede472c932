"""Home: what Triangulate is, the ward to look at, and what data is loaded from where."""
import streamlit as st

import ui
from triangulate import core, numbers
from triangulate.numbers import fmt

st.title("Triangulate")  # no emoji: servers often lack an emoji font (a blank box)
engine = ui.engine()
ui.record_insight_button()
st.write("For a ward in Glasgow, on which issues facing families do the **numbers**, the **practitioners** and "
         "the **residents** agree, partly agree, stay silent or disagree? Triangulate puts the three kinds of "
         "evidence side by side, issue by issue, so a workshop can see where they meet, where they clash and "
         "which data the programme still needs.")

c1, c2, c3 = st.columns(3)
c1.markdown("**Numbers**  \nReal public indicators for Glasgow's 23 wards and 746 data zones: deprivation, "
            "children in low-income families, overcrowding, health, attainment, access.")
c2.markdown("**Practitioners**  \nShort insights from community engagement officers, health visitors, housing and "
            "social-work staff, coded to a shared codebook of issues.")
c3.markdown("**Residents**  \nInterview and focus-group transcripts, redacted, split into speaker turns and "
            "grouped into topics mapped to the same issues.")



def _to_govan() -> None:
    st.session_state["ward_code"] = ui.DEFAULT_WARD
    st.session_state["home_ward"] = ui.DEFAULT_WARD


st.subheader("Choose a ward")
left, right = st.columns([2, 1])
with left:
    ward = ui.ward_picker("Ward (Govan is the default)", key="home_ward")
with right:
    st.write("")
    if ward != ui.DEFAULT_WARD:
        st.button("Back to Govan", key="home_govan", on_click=_to_govan)

with ui.friendly_errors():
    table = numbers.ward_indicator_table(engine, ward)
    sources = numbers.loaded_data_summary(engine)
n_wards = len(numbers.ward_names(engine))
fits = numbers.data_zone_fits(engine)
boosters = [name for _, name in numbers.booster_wards(engine)]

if table.empty:
    st.info("No indicators are loaded yet. Run `python -m triangulate init --demo`, or import some on the "
            "Indicators page.")
else:
    st.markdown(f"**{ui.ward_name(ward)}** at a glance (rank among the {n_wards} wards, 1 = worst):")
    # Two by two: four across cut the longer indicator names at a laptop's width.
    cols = [c for row in (st.columns(2), st.columns(2)) for c in row]
    for col, key in zip(cols, ["income_deprived_rate", "cilif_rate_0_15", "overcrowded_households_2022",
                               "employment_deprived_rate"]):
        row = table[table["indicator_key"] == key]
        if row.empty:
            continue
        r = row.iloc[0]
        col.metric(r["title"], fmt(r["value"], r["unit"]),
                   delta=f"Glasgow {fmt(r['city_value'], r['unit'])} · rank {int(r['rank'])}",
                   delta_color="off", help=r["source"] + " · " + r["period"])
    st.caption("The **Ward profile** page (in the menu: on a phone, the » at the top left) shows every indicator, "
               "its trend where more than one period is loaded, the maps and the sources.")

st.subheader("What data is loaded, and from where")
n_dz = sum(fits.values())
st.write(f"{n_wards} wards (ONS, December 2022 boundaries) and {n_dz} data zones (2011). Data zones are matched "
         f"to wards by a best-fit overlay, not an official lookup: {fits.get('good', 0)} fit well, "
         f"{fits.get('fair', 0)} fairly and {fits.get('uncertain', 0)} uncertainly (shown on the ward profile).")
if not sources.empty:
    st.dataframe(sources, hide_index=True, width="stretch")
    st.download_button("Download this list (CSV)", core.csv_text(sources), "triangulate_sources.csv",
                       "text/csv")
named = ", ".join(boosters) if boosters else "none"
st.caption(f"Booster Wards: the programme has ten, chosen on the scale and depth of child poverty; the briefing "
           f"names none of them, so only the ward it places its work in is marked here ({named}). The Booster "
           "wards page shows a transparent ranking on the same two criteria.")
st.info(ui.ILLUSTRATIVE, icon=":material/info:")
with st.expander("Provenance of the default data"):
    st.text((numbers.GLASGOW_DATA / "ATTRIBUTION.md").read_text(encoding="utf-8"))
ui.attribution()
