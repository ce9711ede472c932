"""AppTest for the admin pages: users, audit log, backup and retention."""
import pytest
from sqlmodel import select

from schemas import AuditEvent, User
from tests import security_data as data
from tests.apptest_helpers import run_page
from tests.conftest import actor
from triangulate.access import erasure
from triangulate.core import db
from triangulate.core.db import session_scope

ADMIN = actor("admin", "admin", id=1)


def by_label(widgets, label):
    return next(w for w in widgets if w.label == label)


def demo_engine_of(app_env):
    return db.make_engine(f"sqlite:///{app_env}")


@pytest.mark.parametrize("page", ["users.py", "audit_log.py", "data_admin.py"])
@pytest.mark.parametrize("role", ["lead", "researcher", "officer", "viewer"])
def test_admin_pages_refuse_other_roles(app_env, page, role):
    at = run_page(page, actor(role))
    assert not at.exception
    assert any("Only admins" in w.value for w in at.warning)
    assert not at.dataframe


def test_users_page_lists_accounts_and_adds_one(app_env):
    at = run_page("users.py", ADMIN)
    assert not at.exception
    listed = at.dataframe[0].value
    assert {"admin", "lead", "officer", "viewer"} <= set(listed["username"])
    by_label(at.text_input, "Username").input("ailsa.m")
    by_label(at.text_input, "Name as shown in the app").input("Ailsa M")
    by_label(at.text_input, "First password").input("a long enough password")
    by_label(at.text_input, "Repeat the password").input("a long enough password")
    by_label(at.button, "Add account").click()
    at.run()
    assert not at.exception
    assert any("Added ailsa.m (viewer)" in s.value for s in at.success)
    engine = demo_engine_of(app_env)
    with session_scope(engine) as s:
        assert s.exec(select(User).where(User.username == "ailsa.m")).one().role == "viewer"


def test_users_page_changes_a_role_only_after_confirmation(app_env):
    at = run_page("users.py", ADMIN)
    at.selectbox(key="user_to_change").select("viewer")
    at.run()
    by_label(at.selectbox, "New role").select("lead")
    at.run()
    assert by_label(at.button, "Change role").disabled
    at.checkbox(key="confirm_role").check()
    at.run()
    by_label(at.button, "Change role").click()
    at.run()
    assert not at.exception
    assert any("viewer is now a lead" in s.value for s in at.success)


def test_audit_log_page_filters_and_offers_csv(app_env):
    at = run_page("audit_log.py", ADMIN)
    assert not at.exception
    assert at.metric[0].value != "0"
    assert "create" in set(at.dataframe[0].value["action"])
    by_label(at.selectbox, "Did what").select("create")
    at.run()
    assert set(at.dataframe[0].value["action"]) == {"create"}
    assert at.get("download_button")


def test_data_admin_page_backs_up_sets_retention_and_erases(app_env):
    engine = demo_engine_of(app_env)
    transcript = data.transcript(engine, "Govan kitchen-table interview", [data.SECRET], "c-page")
    at = run_page("data_admin.py", ADMIN)
    assert not at.exception
    by_label(at.button, "Prepare a backup").click()
    at.run()
    assert not at.exception
    assert any("Backup ready" in s.value for s in at.success)

    by_label(at.toggle, "Keep raw (unredacted) uploads for a while").set_value(True)
    by_label(at.number_input, "Delete raw uploads after (days)").set_value(14)
    at.run()
    by_label(at.button, "Save retention setting").click()
    at.run()
    assert any("Raw uploads are kept for 14 day(s)" in m.value for m in at.markdown)

    assert by_label(at.button, "Erase transcript").disabled
    by_label(at.selectbox, "Transcript").set_value(transcript["id"])
    at.text_input(key="confirm_erase").input("DELETE")
    at.run()
    by_label(at.button, "Erase transcript").click()
    at.run()
    assert not at.exception
    assert any(f"Deleted transcript {transcript['id']}" in s.value for s in at.success)
    assert erasure.find_text_anywhere(engine, "Zebra-quartz-7731") == []

    at.text_input(key="probe").input("Zebra-quartz-7731")
    at.run()
    by_label(at.button, "Search the whole database").click()
    at.run()
    assert any("Not found anywhere" in s.value for s in at.success)
    with session_scope(engine) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.actor == "admin"))]
    assert {"export", "setting", "delete", "search"} <= set(actions)
