"""Triangulate: the Streamlit entry. Sign-in, navigation over pages/, and the current ward."""
from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import DBAPIError

import ui
from triangulate import access, demo
from triangulate.core import SignInFailed, explain
from ui.jobs import status as jobs_status

st.set_page_config(page_title="Triangulate", page_icon="🔺", layout="wide")

# section, file under pages/, title, icon, permission needed to see it (None: everyone signed in)
PAGES = [
    ("Overview", "home.py", "Home", ":material/home:", None),
    ("Overview", "ward_profile.py", "Ward profile", ":material/location_city:", None),
    ("Overview", "booster_wards.py", "Booster wards", ":material/leaderboard:", None),
    ("Overview", "places.py", "Places", ":material/map:", None),
    ("Joint display", "joint_display.py", "Joint display", ":material/join_inner:", "matrix.read"),
    ("Joint display", "across_wards.py", "Across wards", ":material/grid_view:", "matrix.read"),
    ("Joint display", "evidence_map.py", "Where the evidence is", ":material/map:", "matrix.read"),
    ("Joint display", "workshop.py", "Workshop mode", ":material/co_present:", "matrix.read"),
    ("Joint display", "data_needs.py", "Data needs", ":material/checklist:", "matrix.read"),
    ("Joint display", "hypotheses.py", "Hypotheses", ":material/science:", "matrix.read"),
    ("Joint display", "thresholds.py", "Thresholds", ":material/tune:", "matrix.read"),
    ("Numbers", "indicators.py", "Indicators", ":material/upload_file:", None),
    ("Practitioners", "insight_new.py", "Record an insight", ":material/edit_note:", "insights.create"),
    ("Practitioners", "insights.py", "Insights", ":material/list:", "insights.read_text"),
    ("Practitioners", "insight_analysis.py", "Issues × wards", ":material/table_chart:", "matrix.read"),
    ("Practitioners", "agreement.py", "Coder agreement", ":material/handshake:", "insights.read_text"),
    ("Practitioners", "codebook.py", "Codebook", ":material/account_tree:", None),
    ("Residents", "transcript_upload.py", "Upload transcripts", ":material/upload:", "transcripts.upload"),
    ("Residents", "project_import.py", "Import a coded project", ":material/folder_zip:", "transcripts.upload"),
    ("Residents", "transcripts.py", "Transcripts", ":material/description:", "transcripts.read"),
    ("Residents", "topics.py", "Topics", ":material/bubble_chart:", "quotes.read"),
    ("Residents", "segment_search.py", "Search what residents said", ":material/search:", "quotes.read"),
    ("Residents", "machine_check.py", "Check the machine", ":material/fact_check:", "machine_check.read"),
    ("Admin", "users.py", "Users", ":material/group:", "users.manage"),
    ("Admin", "audit_log.py", "Audit log", ":material/history:", "audit.read"),
    ("Admin", "data_admin.py", "Backup and retention", ":material/backup:", "backup"),
]


def oidc_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section (docs/oidc.md)."""
    return bool(st.secrets.load_if_toml_exists()) and "auth" in st.secrets


def client_address() -> str | None:
    """The browser's address as Streamlit sees it (None behind some proxies and in tests)."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else None


def sign_in_screen() -> None:
    st.title("Triangulate")
    st.write("Numbers, practitioners and residents, side by side, for Glasgow's wards.")
    with st.form("sign_in"):
        username = st.text_input("Username")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            with ui.friendly_errors():
                st.session_state["actor"] = access.sign_in(ui.engine(), username, password, source=client_address())
        except SignInFailed as exc:
            st.error(str(exc))
        if "actor" in st.session_state:
            st.rerun()
    if oidc_configured():
        st.divider()
        st.button("Sign in with your organisation account", on_click=st.login, icon=":material/badge:")
    names, password = demo.advertised_accounts(ui.engine())
    if names:
        accounts = ", ".join(f"`{n}`" for n in names)
        st.caption(f"Demo database: accounts {accounts} share the password `{password}` (see README). Replace "
                   "them before real use." if password else f"Demo database: accounts {accounts}.")
    ui.attribution()


def main() -> None:
    try:
        ui.engine()  # first run: migrate and fill the database before anything else draws
    except (OSError, DBAPIError) as exc:  # a read-only folder or a full disk: say what to fix
        message = explain(exc)
        if message is None:
            raise
        st.error(message)
        st.stop()
    actor = st.session_state.get("actor")
    if actor is None and oidc_configured() and st.user.is_logged_in and "oidc_refused" not in st.session_state:
        try:
            identity = access.identity_from_claims(st.user.to_dict())
            actor = st.session_state["actor"] = access.oidc_sign_in(ui.engine(), identity)
        except SignInFailed as exc:
            st.session_state["oidc_refused"] = str(exc)  # once per session, not one audit event per rerun
    if actor is None and "oidc_refused" in st.session_state:
        st.error(st.session_state["oidc_refused"])
        st.button("Sign out of the organisation account", on_click=st.logout)
        return
    if actor is not None:
        # Re-read the account at every rerun: a demotion or deactivation applies at the next click.
        actor = access.current_actor(ui.engine(), actor)
        if actor is None:
            st.session_state.clear()
            st.warning("Your account has been deactivated or removed, so you have been signed out. "
                       "Ask an admin if this is a mistake.")
        else:
            st.session_state["actor"] = actor
    if actor is None:
        st.navigation([st.Page(sign_in_screen, title="Sign in", icon=":material/login:")]).run()
        return
    sections: dict[str, list] = {}
    for section, file, title, icon, permission in PAGES:
        if permission is None or ui.allowed(permission):
            sections.setdefault(section, []).append(
                st.Page(f"pages/{file}", title=title, icon=icon, default=(file == "home.py")))
    with st.sidebar:
        st.markdown(f"**{actor.name}** · {actor.role}")
        if st.button("Sign out", key="sign_out"):
            st.session_state.clear()
            if oidc_configured() and st.user.is_logged_in:
                st.logout()
            st.rerun()
        jobs_status()  # queued, running and recent jobs, with progress and Cancel, on every page
    # Every page in view: a folded "View 7 more" hid the officers' and researchers' own pages.
    page = st.navigation(sections, expanded=True)
    if st.session_state.get("_shown_page") != page.url_path:  # a page was chosen: fold the menu on a phone
        st.session_state["_shown_page"] = page.url_path
        with st.sidebar:
            ui.close_sidebar_on_phone()
    page.run()


main()
