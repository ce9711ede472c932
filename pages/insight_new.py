"""Record an insight: what an officer saw in a ward, coded with issues from the codebook."""
from __future__ import annotations

import uuid
from datetime import date

import streamlit as st

import ui
from schemas.insight_files import CONFIDENCE, EVIDENCE_TYPES, MAX_TEXT, STANCE_LABELS, STANCES
from triangulate.codebook import issues as codebook
from triangulate.core import places
from triangulate.core.db import session_scope
from triangulate.practitioners import insights, suggest

st.title("Record an insight")
actor = ui.actor()
if not ui.allowed("insights.create"):
    st.info("Recording insights is for officers. You can read them on the Insights page.")
    st.stop()
engine = ui.engine()
state = st.session_state
state.setdefault("insight_token", uuid.uuid4().hex)
state.setdefault("chosen_codes", [])

if state.pop("insight_reset", False):  # after a save: a clean form and a new token
    state["insight_text"] = ""
    state["chosen_codes"] = []
    state["insight_token"] = uuid.uuid4().hex
if "insight_saved" in state:
    st.success(state.pop("insight_saved"))

with session_scope(engine) as session:
    leaves = codebook.leaf_issues(session)
labels = {i.code: i.label for i in leaves}
definitions = {i.code: i.definition for i in leaves}

left, right = st.columns([3, 2])
with left:
    ward = ui.ward_picker("Ward", key="insight_ward")
    text = st.text_area("What did you see or hear?", key="insight_text", height=200, max_chars=MAX_TEXT,
                        placeholder="e.g. Three families on Langlands Road showed me mould in the children's "
                                    "bedrooms this month…",
                        help="Plain text. Anything you type is stored and shown as text. Press Ctrl+Enter "
                             "to see suggested issues.")
    areas = places.areas_in_ward(engine, ward)
    suggested = places.suggest_area(engine, text, ward)
    area_options = [None, *areas]
    area_index = next((k for k, a in enumerate(area_options) if a and suggested
                       and a.iz_codes == suggested.iz_codes), 0)
    area = st.selectbox("Where in the ward (optional)", area_options, index=area_index,
                        format_func=lambda a: "The whole ward / not sure" if a is None else
                        f"{a.name} ({'neighbourhood' if a.kind == 'neighbourhood' else a.code})",
                        help="An intermediate zone or a named neighbourhood of this ward. Suggested from the "
                             "places your text mentions; the joint display can then answer for that area.")
    if suggested is not None:
        st.caption(f"Suggested from your text: {ui.md_escape(suggested.name)}.")


def _add(code: str) -> None:
    if code not in state["chosen_codes"]:
        state["chosen_codes"] = [*state["chosen_codes"], code]


with right:
    st.subheader("Suggested issues")
    if len((text or "").split()) < suggest.MIN_WORDS:
        st.caption("Write a sentence or two and suggestions from the codebook appear here. "
                   "Nothing is added until you click Add.")
    else:
        with st.spinner("Finding matching issues…"):
            found = suggest.suggest(engine, text, exclude=tuple(state["chosen_codes"]), codes=tuple(labels))
        st.caption("The three closest issues, best first. The score ranks them; it is not a probability "
                   "that the issue is right.")
        for s in found:
            c1, c2 = st.columns([4, 1])
            c1.text(f"{s.rank}. {s.issue_label} · score {s.score:.2f}")
            c1.caption(s.explanation)
            c2.button("Add", key=f"add_{s.issue_code}", on_click=_add, args=(s.issue_code,))

st.subheader("Codes")
chosen = st.multiselect("Issues this insight is about", list(labels), key="chosen_codes",
                        format_func=lambda c: labels.get(c, c),
                        help="From the shared codebook. Each gets a stance and a severity.")
codes = []
for code in chosen:
    c1, c2, c3 = st.columns([2, 2, 1])
    c1.text(labels[code])
    c1.caption(definitions.get(code, "")[:160])
    stance = c2.selectbox("Stance", STANCES, key=f"stance_{code}", format_func=STANCE_LABELS.get)
    severity = c3.select_slider("Severity", options=[1, 2, 3], value=2, key=f"severity_{code}",
                                help="1 = minor, 3 = serious")
    codes.append({"issue": code, "stance": stance, "severity": severity})

with st.form("insight_details"):
    c1, c2 = st.columns(2)
    observed_on = c1.date_input("Date observed", value=date.today(), max_value=date.today(), format="DD/MM/YYYY")
    role = c2.text_input("Your role or service", value=insights.default_role(engine, actor),
                         placeholder="e.g. Health visiting")
    c1, c2, c3 = st.columns(3)
    evidence = c1.selectbox("Evidence", EVIDENCE_TYPES, format_func=str.capitalize)
    families = c2.number_input("How many families it concerns", min_value=0, max_value=100_000, value=None,
                               step=1, placeholder="optional")
    confidence = c3.select_slider("Confidence", options=CONFIDENCE, value="medium")
    st.caption(f"Written by **{ui.md_escape(actor.name)}**. You can edit it later on the Insights page; edits are kept in "
               "its history.")
    submitted = st.form_submit_button("Save insight", type="primary")

if submitted:
    with ui.friendly_errors():
        saved = insights.create(engine, actor, ward=ward, observed_on=observed_on, text=text or "",
                                role_service=role, evidence_type=evidence,
                                families=int(families) if families is not None else None,
                                confidence=confidence, codes=codes, client_token=state["insight_token"],
                                area=(area.code if area.kind != "neighbourhood" else area.name) if area else None)
        state["insight_saved"] = (f"Saved insight #{saved.id} for {ui.ward_name(saved.ward_code)} with "
                                  f"{len(codes)} code(s). Thank you.")
        state["insight_reset"] = True
        st.rerun()
