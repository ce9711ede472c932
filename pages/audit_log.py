"""Audit log (admin): who did what to which record, when; filters, a daily chart, CSV export."""
from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

import ui
from triangulate import access

engine, me = ui.page("Audit log")
ui.stop_unless(ui.allowed("audit.read"), "Only admins read the audit log.")
st.caption("Sign-ins, creates, edits, deletes, exports and setting changes. Deleted text never appears here.")

options = access.audit_choices(engine, me)
ANY = "(any)"
c1, c2, c3, c4 = st.columns([1, 1, 1, 2])
who = c1.selectbox("Who", [ANY, *options["actor"]])
action = c2.selectbox("Did what", [ANY, *options["action"]])
entity = c3.selectbox("To what", [ANY, *options["entity"]])
today = date.today()
period = c4.date_input("When", value=(today - timedelta(days=30), today), max_value=today)
since, until = (period if isinstance(period, tuple) and len(period) == 2
                else (period[0], period[0]) if isinstance(period, tuple) and period else (None, None))

flt = access.AuditFilter(actor=None if who == ANY else who, action=None if action == ANY else action,
                         entity=None if entity == ANY else entity, since=since, until=until)
total = access.audit_count(engine, me, flt)
rows = access.audit_events(engine, me, flt)

if not rows:
    st.info("No events match these filters. Widen the dates or choose (any).")
    st.stop()

st.metric("Events", f"{total:,}")
if total > len(rows):
    st.caption(f"Showing the newest {len(rows):,}; the CSV export holds them all.")
chart = alt.Chart(pd.DataFrame(access.audit_per_day(rows))).mark_bar().encode(
    x=alt.X("day:T", title=None), y=alt.Y("events:Q", title="events"),
    color=alt.Color("action:N", title="action"), tooltip=["day:T", "action:N", "events:Q"]).properties(height=180)
st.altair_chart(chart, width="stretch")
frame = pd.DataFrame(rows).drop(columns=["id"])
frame["at"] = frame["at"].map(lambda t: t.strftime("%Y-%m-%d %H:%M:%S"))
st.dataframe(frame, hide_index=True, width="stretch")


def _csv() -> str:
    # generated only when clicked, so the export is audited once per download
    return access.audit_csv(engine, me, access.AuditFilter(**{**flt.__dict__, "limit": 10_000_000}))


st.download_button("Download CSV", data=_csv, file_name=f"triangulate-audit-{today.isoformat()}.csv",
                   mime="text/csv", icon=":material/download:")
