"""Booster wards: a transparent ranking on the scale and depth of child poverty, with adjustable weights."""
import streamlit as st

import ui
from triangulate import core, numbers
from triangulate.core import headed

st.title("Booster wards")
engine = ui.engine()
st.write("Glasgow's Child Poverty Programme focuses on ten Booster Wards, \"the 10 areas of the city with the "
         "highest levels of child poverty\", chosen on the \"scale and depth of poverty\" (programme briefing). "
         "This page ranks the 23 wards on those two criteria so the choice can be seen and discussed.")

with ui.friendly_errors():
    periods = numbers.booster_periods(engine)
    default = numbers.booster_default_period(engine)

if not periods:
    st.info("The ranking needs DWP Children in Low Income Families (indicators cilif_children and "
            "cilif_rate_0_15). Run `python -m triangulate init --demo` to load them.")
    st.stop()

left, right = st.columns([1, 2])
with left:
    period = st.selectbox("Period", periods, index=periods.index(default) if default in periods else len(periods) - 1)
    w_scale = st.slider("Weight on scale (number of children)", 0.0, 1.0, 0.5, 0.05)
    w_depth = st.slider("Weight on depth (rate)", 0.0, 1.0, 0.5, 0.05)
    top_n = st.number_input("How many wards to pick", 1, 23, 10)
if w_scale + w_depth == 0:
    st.warning("Both weights are zero; set at least one above zero.")
    st.stop()

with ui.friendly_errors():
    ranked = numbers.booster_ranking(engine, w_scale, w_depth, period, top=int(top_n))

with right:
    st.markdown("**How the score is computed**")
    st.write("Score = w_s × z(scale) + w_d × z(depth): each ward's number of children in low-income families and its "
             "rate, each standardised across the 23 wards, weighted and added.")
    st.write(f"Scale: children in relative low income families (DWP, before housing costs), {period}, apportioned "
             "from intermediate zones to wards by children aged 0–15 (an estimate). Depth: that number ÷ children "
             "aged 0–15 (NRS mid-2020); the DWP count may include 16–19-year-olds, so the rate can overstate. "
             "z(x) = (x − mean of the 23 wards) ÷ their standard deviation. "
             f"Weights used: w_s = {ranked['w_scale'].iloc[0]:.2f}, w_d = {ranked['w_depth'].iloc[0]:.2f} "
             "(normalised to add to 1).")

# Short symbols, named in words underneath: the long formula was cut off in the column and on a phone.
st.latex(r"\text{score} = w_s \cdot z(C) + w_d \cdot z(C \div N)")
st.caption("C: children in relative low-income families in the ward; N: children aged 0–15 in the ward; "
           "w_s + w_d = 1.")
top = ranked[ranked["top"]]
st.subheader(f"The top {len(top)}")
ui.chart(numbers.booster_chart(top))
view = ranked.assign(children=ranked["children"].round(0), rate=ranked["rate"])
st.dataframe(view[["rank", "ward_name", "children", "rate", "z_scale", "z_depth", "score", "named_booster", "top"]],
             hide_index=True, width="stretch",
             column_config={"ward_name": "Ward", "children": st.column_config.NumberColumn("Children (scale)",
                                                                                          format="%d"),
                            "rate": st.column_config.NumberColumn("Rate (depth)", format="percent"),
                            "z_scale": st.column_config.NumberColumn("z scale", format="%.2f"),
                            "z_depth": st.column_config.NumberColumn("z depth", format="%.2f"),
                            "score": st.column_config.NumberColumn("Score", format="%.2f"),
                            "named_booster": "Named Booster Ward", "top": f"In computed top {int(top_n)}"})
st.download_button("Download the ranking (CSV)", core.csv_text(headed(view)), "booster_ranking.csv", "text/csv")

named = ranked[ranked["named_booster"]]
st.subheader("Named Booster Wards and the computed ranking")
st.write("The briefing does not list the ten Booster Wards; it places the programme's work with families in Govan, "
         "so Govan is the only ward marked as named. Replace this with the programme's own list when it is "
         "shared (Ward.booster).")
for r in named.itertuples():
    st.write(f"- **{r.ward_name}**: computed rank {r.rank} of {len(ranked)} "
             f"({'inside' if r.top else 'outside'} the computed top {int(top_n)}).")
ui.attribution()
