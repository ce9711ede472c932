"""Ward profile: the ward against Glasgow and Scotland on every indicator, its rank, maps and sources."""
import streamlit as st

import ui
from triangulate import core, numbers
from triangulate.core import headed, label

st.title("Ward profile")
engine = ui.engine()
ward = ui.ward_picker("Ward", key="profile_ward")
name = ui.ward_name(ward)

with ui.friendly_errors():
    frame = numbers.all_wards_indicator_frame(engine)
    table = numbers.ward_indicator_table(engine, ward)
    dz_all = numbers.datazone_values(engine, "income_deprived_rate", ward)
    defs = numbers.indicators_frame(engine)
    trend_keys = numbers.indicators_with_trends(engine)
    trends = {k: (numbers.indicator_over_time(engine, k, ward), numbers.trend_against_city(engine, k, ward, name))
              for k in trend_keys}

ui.stop_if_empty(table, "No indicators are loaded yet. Import some on the Indicators page, or run "
                        "`python -m triangulate init --demo`.")

n_wards = int(table["n_ranked"].max())
st.write(f"**{name}** ({ward}) on {len(table)} indicators, against Glasgow City and Scotland. Ranks run from 1 "
         f"(worst of the {n_wards} wards; highest for neutral indicators) to {n_wards}. The standardised gap is "
         "(ward − Glasgow) ÷ the standard deviation across wards, signed so that positive is worse.")

st.subheader("Where the ward stands out")
st.caption(f"{core.WORSE_GLYPH} worse than Glasgow · {core.BETTER_GLYPH} better than Glasgow. Neutral "
           "indicators (population, shares with no better or worse) have no bar.")
ui.chart(numbers.gap_chart(table))

st.subheader("Over time")
if not trends:
    st.info("Every indicator loaded has one period only, so there is no trend to draw yet. Import more periods "
            "on the Indicators page.")
else:
    one_period = len(table) - len([k for k in trends if k in set(table["indicator_key"])])
    st.caption(f"{len(trends)} indicator(s) are loaded for more than one period; the other {max(one_period, 0)} "
               f"have one period only. {name} is drawn in its own colour in every chart; Glasgow dashed, "
               "Scotland dotted where loaded.")
    titles = dict(zip(defs["key"], defs["title"]))
    units = dict(zip(defs["key"], defs["unit"]))
    for left_key, right_key in zip(list(trends)[0::2], [*list(trends)[1::2], None]):
        cols = st.columns(2)
        for col, key_ in zip(cols, (left_key, right_key)):
            if key_ is None:
                continue
            over_time, summary = trends[key_]
            with col:
                st.markdown(f"**{ui.md_escape(titles[key_])}**")
                ui.chart(numbers.trend_chart(over_time, name, titles[key_], units[key_]))
                st.write(ui.md_escape(summary.sentence))

shown = table.assign(
    ward_value=[numbers.fmt(v, u) for v, u in zip(table["value"], table["unit"])],
    glasgow=[numbers.fmt(v, u) for v, u in zip(table["city_value"], table["unit"])],
    scotland=[numbers.fmt(v, u) for v, u in zip(table["scotland_value"], table["unit"])],
    rank_of=[f"{int(r)} of {int(n)}" if r == r else "–" for r, n in zip(table["rank"], table["n_ranked"])],
    issues=[", ".join(ui.issue_label(c) for c in codes) for codes in table["issue_codes"]],
    suppressed=[f"{s} of {a}" for s, a in zip(table["n_suppressed"], table["n_areas"])],
    source_level=[label(v) for v in table["source_level"]],
)
columns = ["title", "ward_value", "glasgow", "scotland", "rank_of", "z", "period", "issues", "suppressed",
           "source_level"]
names = {"title": "Indicator", "ward_value": name, "glasgow": "Glasgow", "scotland": "Scotland", "rank_of": "Rank",
         "z": "Gap (SD, + = worse)", "period": "Period", "issues": "Issues", "suppressed": "Areas suppressed / used",
         "source_level": "Built from"}
st.dataframe(shown[columns], hide_index=True, width="stretch",
             column_config={"title": st.column_config.TextColumn("Indicator", width="large"), "ward_value": name,
                            "rank_of": "Rank", "glasgow": "Glasgow", "scotland": "Scotland", "period": "Period",
                            "issues": "Issues",
                            "z": st.column_config.NumberColumn("Gap (SD, + = worse)", format="%.2f"),
                            "suppressed": "Areas suppressed / used", "source_level": "Built from"})
st.download_button("Download this table (CSV)", core.csv_text(shown[columns].rename(columns=names)),
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
    ui.chart(numbers.comparison_chart(row, name))
    if row["scotland_value"] is None or row["scotland_value"] != row["scotland_value"]:
        st.caption("No Scotland figure is loaded for this indicator.")
    st.markdown(f"**All {n_wards} wards** (▶ {name}; dashed line: Glasgow)")
    ui.chart(numbers.ranking_chart(frame, key, ward))
with right:
    st.markdown(f"**Map of the wards** ({name} outlined)")
    ui.chart(numbers.ward_map(frame, key, row["title"], ward))

dz = numbers.datazone_values(engine, key, ward)
st.subheader(f"Data zones in {name}")
if dz["value"].notna().any():
    ui.chart(numbers.datazone_map(dz, row["title"], row["unit"]))
    st.caption("Data zones outlined with a black dashed line fit the ward only fairly or uncertainly (the DZ→ward "
               "lookup is a best-fit overlay, not official).")
else:
    st.caption(f"{ui.md_escape(row['title'])} is not published for data zones (built from: {row['source_level']}); "
               "the map shows income deprivation instead.")
    ui.chart(numbers.datazone_map(dz_all, "Income deprived", "fraction"))
flagged = dz[dz["fit_quality"] != "good"]
st.write(f"{len(dz)} data zones are assigned to {name}; {len(flagged)} of them fit only fairly or uncertainly:")
dz_view = dz.assign(value=[numbers.fmt(v, row["unit"]) for v in dz["value"]],
                    fit_quality=dz["fit_quality"].map(label), second_ward_code=dz["second_ward_code"].map(
                        lambda c: ui.ward_name(c) if isinstance(c, str) and c else "–"))
st.dataframe(dz_view[["code", "name", "iz_name", "value", "fit_quality", "overlap_share", "second_ward_code",
                      "population"]].sort_values("overlap_share"),
             hide_index=True, width="stretch",
             column_config={"code": "Code", "name": "Data zone", "fit_quality": "Fit to the ward",
                            "value": row["title"], "overlap_share": st.column_config.NumberColumn(
                 "Share inside the ward", format="percent"), "iz_name": "Intermediate zone",
                 "second_ward_code": "Runner-up ward", "population": "Population (mid-2020)"})

st.subheader("Sources and definitions")
sources = table[["indicator_key", "title", "source", "publisher", "period", "unit", "polarity", "aggregation"]].merge(
    defs[["key", "definition", "licence"]], left_on="indicator_key", right_on="key").drop(columns=["key"])
sources = sources.assign(**{c: sources[c].map(label) for c in ("unit", "polarity", "aggregation")})
st.dataframe(headed(sources), hide_index=True, width="stretch",
             column_config={"Definition": st.column_config.TextColumn("Definition", width="large")})
ui.long_text_detail(sources, "title", "definition", "Read one definition in full", key="profile_definition")
ui.attribution()
