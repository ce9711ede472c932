"""Users (admin): who has an account, with which role; add, change role, deactivate, unlock, reset password."""
import pandas as pd
import streamlit as st

import ui
from triangulate import access
from triangulate.core import ROLE_DESCRIPTIONS, ROLES

engine, me = ui.page("Users")
ui.stop_unless(ui.allowed("users.manage"), "Only admins manage accounts.")

accounts = access.accounts(engine, me)
active = [a for a in accounts if a.active]
c1, c2, c3 = st.columns(3)
c1.metric("Accounts", len(accounts))
c2.metric("Active", len(active))
c3.metric("Locked out now", sum(a.locked for a in accounts))
st.dataframe(pd.DataFrame([{"username": a.username, "name": a.display_name, "role": a.role, "service": a.service,
                            "active": a.active, "locked": a.locked, "signs in with": a.sign_in,
                            "created": a.created_at.date()} for a in accounts]),
             hide_index=True, width="stretch")
with st.expander("What each role may do"):
    st.dataframe(pd.DataFrame([{"role": r, "may": ROLE_DESCRIPTIONS[r]} for r in ROLES]), hide_index=True,
                 width="stretch")

add, change, organisation = st.tabs(["Add an account", "Change an account", "Organisation sign-in (OIDC)"])

with add, st.form("add_user", clear_on_submit=True):
    username = st.text_input("Username", help="letters, digits, '.', '-' or '_'; e.g. jo.smith")
    name = st.text_input("Name as shown in the app")
    role = st.selectbox("Role", ROLES, index=ROLES.index("viewer"), format_func=str.capitalize)
    service = st.text_input("Role or service", placeholder="e.g. Health visiting, Housing options")
    password = st.text_input("First password", type="password",
                             help=f"at least {access.MIN_PASSWORD_LENGTH} characters; give it to them in person")
    repeat = st.text_input("Repeat the password", type="password")
    if st.form_submit_button("Add account", type="primary"):
        if password != repeat:
            st.error("The two passwords differ; type them again.")
        else:
            with ui.friendly_errors():
                created = access.create_user(engine, me, username, password, role, name, service)
                st.success(f"Added {created.username} ({created.role}).")

with change:
    if not accounts:
        st.info("No accounts yet.")
    else:
        names = [a.username for a in accounts]
        chosen = st.selectbox("Account", names, key="user_to_change")
        account = next(a for a in accounts if a.username == chosen)
        st.caption(f"{ui.md_escape(account.display_name)} · {account.role}"
                   f" · {'active' if account.active else 'deactivated'}"
                   f"{' · locked out' if account.locked else ''} · signs in with {account.sign_in}")
        action = st.radio("What to do", ["Change role", "Deactivate or reactivate", "Unlock", "Reset password"],
                          horizontal=True, key="user_action")
        if action == "Change role":
            new_role = st.selectbox("New role", ROLES, index=ROLES.index(account.role), format_func=str.capitalize)
            st.caption(ROLE_DESCRIPTIONS[new_role])
            sure = st.checkbox(f"Yes, make {chosen} a {new_role}", key="confirm_role")
            if st.button("Change role", disabled=not sure or new_role == account.role):
                with ui.friendly_errors():
                    access.change_role(engine, me, chosen, new_role)
                    st.success(f"{chosen} is now a {new_role}.")
        elif action == "Deactivate or reactivate":
            verb = "Deactivate" if account.active else "Reactivate"
            st.write("A deactivated account cannot sign in; its insights and history stay."
                     if account.active else "Reactivating lets this account sign in again.")
            sure = st.checkbox(f"Yes, {verb.lower()} {chosen}", key="confirm_active")
            if st.button(verb, disabled=not sure):
                with ui.friendly_errors():
                    access.set_active(engine, me, chosen, not account.active)
                    st.success(f"{chosen} {'deactivated' if account.active else 'reactivated'}.")
        elif action == "Unlock":
            st.write("Lifts the lock-out after too many failed sign-ins." if account.locked
                     else "This account is not locked out.")
            if st.button("Unlock", disabled=not account.locked):
                with ui.friendly_errors():
                    access.unlock(engine, me, chosen)
                    st.success(f"{chosen} can sign in again.")
        else:
            with st.form("reset_password", clear_on_submit=True):
                new = st.text_input("New password", type="password")
                again = st.text_input("Repeat the new password", type="password")
                sure = st.checkbox(f"Yes, replace {chosen}'s password")
                if st.form_submit_button("Reset password"):
                    if not sure:
                        st.warning("Tick the box to confirm.")
                    elif new != again:
                        st.error("The two passwords differ; type them again.")
                    else:
                        with ui.friendly_errors():
                            access.reset_password(engine, me, chosen, new)
                            st.success(f"Password reset for {chosen}. Tell them in person, not by e-mail.")

with organisation:
    st.write("If the council's identity provider is configured (see docs/oidc.md), people can sign in with "
             "their organisation account. Link them here by inviting their existing account by e-mail.")
    enabled = access.auto_provision(engine)
    wanted = st.toggle("Create a viewer account for anyone who signs in with the organisation", value=enabled,
                       help="Off: only invited accounts may sign in. Viewers see aggregates and redacted quotes.")
    if wanted != enabled and st.button("Save sign-in setting"):
        with ui.friendly_errors():
            access.set_auto_provision(engine, me, wanted)
            st.success("Saved.")
    with st.form("invite"):
        who = st.selectbox("Account", [a.username for a in accounts]) if accounts else None
        email = st.text_input("Their organisation e-mail", placeholder="name@glasgow.gov.uk")
        if st.form_submit_button("Invite") and who:
            with ui.friendly_errors():
                access.invite(engine, me, who, email)
                st.success(f"{who} will be linked the first time {ui.md_escape(email.strip().lower())} signs in.")
