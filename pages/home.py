"""Home: what Triangulate is, which ward, and what data is loaded."""
import streamlit as st

import ui

st.title("🔺 Triangulate")
st.write("For a ward, on which issues do the **numbers**, the **practitioners** and the **residents** agree, "
         "partly agree, stay silent or disagree?")
ui.ward_picker("Choose a ward")
ui.attribution()
