"""Retention, account administration, the audit view and OIDC sign-in: behaviour and role boundaries."""
import csv
import io
from datetime import date, timedelta

import pytest
from sqlmodel import select

from schemas import AuditEvent, RawUpload, User
from tests import security_data as data
from tests.conftest import actor
from triangulate.access import audit_view, auth, oidc, retention
from triangulate.access import users as users_admin
from triangulate.core.db import session_scope
from triangulate.core.errors import NotFound, PermissionDenied, SignInFailed, TriangulateError
from triangulate.core.permissions import ROLES, SYSTEM

ADMIN = actor("admin", "boss")
NOT_ADMIN = [r for r in ROLES if r != "admin"]


def events(engine, **where):
    with session_scope(engine) as s:
        rows = s.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    return [e for e in rows if all(getattr(e, k) == v for k, v in where.items())]


# --------------------------------------------------------------------------- retention
def test_retention_deletes_only_raw_uploads_older_than_n_days(engine):
    data.base(engine)
    old = data.transcript(engine, "old", ["Old words from a resident about damp."], "c-old",
                          uploaded_at=data.days_ago(40))
    new = data.transcript(engine, "new", ["New words from a resident about buses."], "c-new",
                          uploaded_at=data.days_ago(5))
    assert retention.policy(engine) == retention.RetentionPolicy(False, 30)
    retention.set_policy(engine, ADMIN, True, 30)
    assert retention.keep_raw_uploads(engine)
    assert retention.due(engine, ADMIN) == 1
    assert retention.apply_retention(engine, ADMIN) == 1
    with session_scope(engine) as s:
        assert [r.transcript_id for r in s.exec(select(RawUpload))] == [new["id"]]
    # "now" can be given: 26 days later the second upload is due too
    assert retention.apply_retention(engine, ADMIN, now=data.days_ago(-26)) == 1
    assert old["id"] != new["id"]
    setting, first, second = [e for e in events(engine) if e.action in ("setting", "delete")]
    assert setting.detail["after"] == {"keep_raw_uploads": True, "raw_upload_days": 30}
    assert first.detail["deleted"] == 1 and second.entity == "rawupload"


def test_retention_days_must_be_sensible(engine):
    for bad in (0, -3, 99999, 2.5, True, "30"):
        with pytest.raises(TriangulateError):
            retention.set_policy(engine, ADMIN, True, bad)


@pytest.mark.parametrize("role", NOT_ADMIN)
def test_only_admins_manage_retention(engine, role):
    for call in (lambda: retention.set_policy(engine, actor(role), True, 10),
                 lambda: retention.apply_retention(engine, actor(role)),
                 lambda: retention.due(engine, actor(role))):
        with pytest.raises(PermissionDenied):
            call()


# --------------------------------------------------------------------------- accounts
def make_users(engine):
    auth.create_user(engine, SYSTEM, "boss", "a long enough password", "admin")
    auth.create_user(engine, SYSTEM, "jo", "a long enough password", "officer")


def test_admin_changes_role_deactivates_unlocks_and_resets_password(engine):
    make_users(engine)
    users_admin.change_role(engine, ADMIN, "jo", "researcher")
    assert auth.sign_in(engine, "jo", "a long enough password").role == "researcher"

    users_admin.set_active(engine, ADMIN, "jo", False)
    with pytest.raises(SignInFailed):
        auth.sign_in(engine, "jo", "a long enough password")
    users_admin.set_active(engine, ADMIN, "jo", True)

    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(SignInFailed):
            auth.sign_in(engine, "jo", "not the password")
    assert [a.locked for a in users_admin.accounts(engine, ADMIN) if a.username == "jo"] == [True]
    users_admin.unlock(engine, ADMIN, "jo")
    assert auth.sign_in(engine, "jo", "a long enough password")

    users_admin.reset_password(engine, ADMIN, "jo", "a brand new passphrase")
    with pytest.raises(SignInFailed):
        auth.sign_in(engine, "jo", "a long enough password")
    assert auth.sign_in(engine, "jo", "a brand new passphrase").username == "jo"
    changes = [e.detail.get("change") for e in events(engine, actor="boss", entity="user")]
    assert changes == ["role", "deactivate", "reactivate", "unlock", "password reset"]
    assert all("passphrase" not in str(e.detail) for e in events(engine))


def test_admin_cannot_lock_out_the_last_admin_or_themselves(engine):
    make_users(engine)
    with pytest.raises(TriangulateError, match="last active admin"):
        users_admin.change_role(engine, ADMIN, "boss", "lead")
    with pytest.raises(TriangulateError, match="own account"):
        users_admin.set_active(engine, ADMIN, "boss", False)
    with pytest.raises(TriangulateError, match="at least"):
        users_admin.reset_password(engine, ADMIN, "jo", "short")
    with pytest.raises(TriangulateError, match="Unknown role"):
        users_admin.change_role(engine, ADMIN, "jo", "root")
    with pytest.raises(NotFound):
        users_admin.unlock(engine, ADMIN, "nobody")


@pytest.mark.parametrize("role", NOT_ADMIN)
def test_only_admins_administer_accounts(engine, role):
    make_users(engine)
    someone = actor(role)
    for call in (lambda: users_admin.accounts(engine, someone),
                 lambda: users_admin.change_role(engine, someone, "jo", "admin"),
                 lambda: users_admin.set_active(engine, someone, "boss", False),
                 lambda: users_admin.unlock(engine, someone, "jo"),
                 lambda: users_admin.reset_password(engine, someone, "boss", "a long enough password2"),
                 lambda: oidc.set_auto_provision(engine, someone, True),
                 lambda: oidc.invite(engine, someone, "jo", "jo@glasgow.gov.uk")):
        with pytest.raises(PermissionDenied):
            call()
    assert {u.role for u in users_admin.accounts(engine, ADMIN)} == {"admin", "officer"}


# --------------------------------------------------------------------------- audit view
def test_audit_view_filters_and_exports_csv(engine):
    make_users(engine)
    auth.sign_in(engine, "jo", "a long enough password")
    with pytest.raises(SignInFailed):
        auth.sign_in(engine, "jo", "wrong password")
    with session_scope(engine) as s:
        s.add(AuditEvent(actor="jo", action="edit", entity="insight", entity_id="7",
                         detail={"text": "=HYPERLINK(\"http://evil\")"}, at=data.days_ago(10)))
    everything = audit_view.events(engine, ADMIN)
    assert len(everything) == 5
    assert [e["action"] for e in audit_view.events(engine, ADMIN, audit_view.AuditFilter(actor="jo"))] == \
        ["sign-in failed", "sign-in", "edit"]
    assert len(audit_view.events(engine, ADMIN, audit_view.AuditFilter(entity="insight"))) == 1
    recent = audit_view.AuditFilter(since=date.today() - timedelta(days=1), until=date.today())
    assert audit_view.count(engine, ADMIN, recent) == 4
    old = audit_view.AuditFilter(until=date.today() - timedelta(days=5))
    assert [e["entity_id"] for e in audit_view.events(engine, ADMIN, old)] == ["7"]
    assert set(audit_view.choices(engine, ADMIN)["action"]) == {"create", "sign-in", "sign-in failed", "edit"}
    assert sum(r["events"] for r in audit_view.per_day(everything)) == 5

    text = audit_view.export_csv(engine, ADMIN, audit_view.AuditFilter(actor="jo"))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["action"] for r in rows] == ["sign-in failed", "sign-in", "edit"]
    assert rows[2]["detail"].startswith("{")  # the formula is inside JSON, never a leading '='
    export = events(engine, action="export")[-1]
    assert export.entity == "auditevent" and export.detail["filter"] == {"actor": "jo", "limit": 5000}


def test_csv_cells_that_look_like_formulas_are_neutralised(engine):
    with session_scope(engine) as s:
        s.add(AuditEvent(actor="=cmd|' /C calc'!A0", action="edit"))
    text = audit_view.export_csv(engine, ADMIN)
    assert "'=cmd" in text


@pytest.mark.parametrize("role", NOT_ADMIN)
def test_only_admins_read_the_audit_log(engine, role):
    for call in (audit_view.events, audit_view.count, audit_view.choices, audit_view.export_csv):
        with pytest.raises(PermissionDenied):
            call(engine, actor(role))


# --------------------------------------------------------------------------- OIDC
CLAIMS = {"iss": "https://login.microsoftonline.com/tenant/v2.0", "sub": "abc123", "email": "Jo.Smith@glasgow.gov.uk",
          "name": "Jo Smith", "email_verified": True, "is_logged_in": True}


def test_oidc_refuses_unknown_people_unless_auto_provisioning_is_on(engine):
    make_users(engine)
    identity = oidc.identity_from_claims(CLAIMS)
    with pytest.raises(SignInFailed, match="no Triangulate account"):
        oidc.sign_in(engine, identity)
    oidc.set_auto_provision(engine, ADMIN, True)
    first = oidc.sign_in(engine, identity)
    assert (first.username, first.role, first.display_name) == ("jo.smith", "viewer", "Jo Smith")
    again = oidc.sign_in(engine, identity)
    assert again.id == first.id
    other = oidc.sign_in(engine, oidc.identity_from_claims({**CLAIMS, "sub": "zzz"}))
    assert other.username == "jo.smith2"
    actions = [e.action for e in events(engine)]
    assert actions.count("sign-in") == 3 and "sign-in failed" in actions


def test_oidc_invite_links_an_existing_account_on_verified_email_only(engine):
    make_users(engine)
    oidc.invite(engine, ADMIN, "jo", "jo.smith@glasgow.gov.uk")
    with pytest.raises(SignInFailed):
        oidc.sign_in(engine, oidc.identity_from_claims({**CLAIMS, "email_verified": False}))
    signed = oidc.sign_in(engine, oidc.identity_from_claims(CLAIMS))
    assert (signed.username, signed.role) == ("jo", "officer")
    with session_scope(engine) as s:
        assert s.exec(select(User).where(User.username == "jo")).one().oidc_subject == \
            f"{CLAIMS['iss']}|{CLAIMS['sub']}"
    users_admin.set_active(engine, ADMIN, "jo", False)
    with pytest.raises(SignInFailed, match="deactivated"):
        oidc.sign_in(engine, oidc.identity_from_claims(CLAIMS))


def test_oidc_claims_without_issuer_or_subject_are_refused():
    with pytest.raises(SignInFailed):
        oidc.identity_from_claims({"email": "x@y.z"})
