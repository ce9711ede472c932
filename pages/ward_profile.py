"""Ward profile: the ward against Glasgow and Scotland on every indicator, its rank, maps and sources."""
import streamlit as st

import ui
from triangulate import exports, numbers
from triangulate import numbers_charts as charts
from triangulate.db import session_scope

st.title("Ward profile")
ward = ui.ward_picker("Ward", key="profile_ward")
name = ui.ward_name(ward)

with ui.friendly_errors(), session_scope(ui.engine()) as session:
    frame = numbers.all_wards_indicator_frame(session)
    table = numbers.ward_indicator_table(session, ward)
    dz_all = numbers.datazone_values(session, "income_deprived_rate", ward)
    defs = numbers.indicators_frame(session)

if table.empty:
    st.info("No indicators are loaded yet. Import some on the Indicators page, or run "
            "`python -m triangulate init --demo`.")
    st.stop()

n_wards = int(table["n_ranked"].max())
st.write(f"**{name}** ({ward}) on {len(table)} indicators, against Glasgow City and Scotland. Ranks run from 1 "
         f"(worst of the {n_wards} wards; highest for neutral indicators) to {n_wards}. The standardised gap is "
         "(ward − Glasgow) ÷ the standard deviation across wards, signed so that positive is worse.")

st.subheader("Where the ward stands out")
st.altair_chart(charts.gap_chart(table), width="stretch")

shown = table.assign(
    ward_value=[charts.fmt(v, u) for v, u in zip(table["value"], table["unit"])],
    glasgow=[charts.fmt(v, u) for v, u in zip(table["city_value"], table["unit"])],
    scotland=[charts.fmt(v, u) for v, u in zip(table["scotland_value"], table["unit"])],
    rank_of=[f"{int(r)} of {int(n)}" if r == r else "–" for r, n in zip(table["rank"], table["n_ranked"])],
    issues=[", ".join(c) for c in table["issue_codes"]],
    suppressed=[f"{s} of {a}" for s, a in zip(table["n_suppressed"], table["n_areas"])],
)
st.dataframe(shown[["title", "ward_value", "glasgow", "scotland", "rank_of", "z", "period", "issues",
                    "suppressed", "source_level"]],
             hide_index=True, width="stretch",
             column_config={"title": "Indicator", "ward_value": name, "rank_of": "Rank",
                            "z": st.column_config.NumberColumn("Gap (SD, + = worse)", format="%.2f"),
                            "suppressed": "Areas suppressed / used", "source_level": "Built from"})
st.download_button("Download this table (CSV)", exports.csv_text(shown.drop(columns=["issue_codes"])),
                   f"ward_profile_{ward}.csv", "text/csv")

st.subheader("One indicator in detail")
options = list(table["indicator_key"])
labels = dict(zip(table["indicator_key"], table["title"]))
key = st.selectbox("Indicator", options, index=options.index("income_deprived_rate")
                   if "income_deprived_rate" in options else 0, format_func=labels.get, key="profile_indicator")
row = table[table["indicator_key"] == key].iloc[0]
left, right = st.columns(2)
with left:
    st.markdown(f"**{name}, Glasgow and Scotland**")
    st.altair_chart(charts.comparison_chart(row, name), width="stretch")
    if row["scotland_value"] is None or row["scotland_value"] != row["scotland_value"]:
        st.caption("No Scotland figure is loaded for this indicator.")
    st.markdown("**All 23 wards**")
    st.altair_chart(charts.ranking_chart(frame, key, ward), width="stretch")
with right:
    st.markdown(f"**Map of the wards** ({name} outlined)")
    st.altair_chart(charts.ward_map(frame, key, row["title"], ward), width="stretch")

with session_scope(ui.engine()) as session:
    dz = numbers.datazone_values(session, key, ward)
st.subheader(f"Data zones in {name}")
if dz["value"].notna().any():
    st.altair_chart(charts.datazone_map(dz, row["title"], row["unit"]), width="stretch")
    st.caption("Data zones outlined with a red dashed line fit the ward only fairly or uncertainly (the DZ→ward "
               "lookup is a best-fit overlay, not official).")
else:
    st.caption(f"{ui.md_escape(row['title'])} is not published for data zones (built from: {row['source_level']}); the map "
               "shows income deprivation instead.")
    st.altair_chart(charts.datazone_map(dz_all, "Income deprived", "fraction"), width="stretch")
flagged = dz[dz["fit_quality"] != "good"]
st.write(f"{len(dz)} data zones are assigned to {name}; {len(flagged)} of them fit only fairly or uncertainly:")
dz_view = dz.assign(value=[charts.fmt(v, row["unit"]) for v in dz["value"]])
st.dataframe(dz_view[["code", "name", "iz_name", "value", "fit_quality", "overlap_share", "second_ward_code",
                      "population"]].sort_values("overlap_share"),
             hide_index=True, width="stretch",
             column_config={"value": row["title"], "overlap_share": st.column_config.NumberColumn(
                 "Share inside the ward", format="percent"), "iz_name": "Intermediate zone",
                 "second_ward_code": "Runner-up ward", "population": "Population (mid-2020)"})

st.subheader("Sources and definitions")
sources = table[["indicator_key", "title", "source", "publisher", "period", "unit", "polarity", "aggregation"]].merge(
    defs[["key", "definition", "licence"]], left_on="indicator_key", right_on="key").drop(columns=["key"])
st.dataframe(sources, hide_index=True, width="stretch",
             column_config={"definition": st.column_config.TextColumn("Definition", width="large")})
ui.attribution()
