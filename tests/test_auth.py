import pytest
from sqlmodel import select

from schemas import AuditEvent, User
from triangulate.access import auth
from triangulate.core.db import session_scope
from triangulate.core.errors import PermissionDenied, SignInFailed, TriangulateError
from triangulate.core.permissions import PERMISSIONS, ROLES, SYSTEM, Actor, can, require


def test_password_is_hashed_with_argon2_and_sign_in_works(engine):
    auth.create_user(engine, SYSTEM, "Jo.Officer", "a long enough password", "officer")
    with session_scope(engine) as s:
        user = s.exec(select(User)).one()
        assert user.username == "jo.officer"
        assert user.password_hash.startswith("$argon2")
        assert "a long enough password" not in user.password_hash
    actor = auth.sign_in(engine, "JO.OFFICER", "a long enough password")
    assert actor.role == "officer" and actor.id == user.id


def test_lock_out_after_repeated_failures(engine):
    auth.create_user(engine, SYSTEM, "lead", "a long enough password", "lead")
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(SignInFailed):
            auth.sign_in(engine, "lead", "wrong password!!")
    with pytest.raises(SignInFailed, match="locked"):
        auth.sign_in(engine, "lead", "a long enough password")  # right password, still locked
    with session_scope(engine) as s:
        actions = [e.action for e in s.exec(select(AuditEvent))]
    assert actions.count("sign-in failed") == auth.MAX_FAILED_ATTEMPTS
    assert "sign-in refused" in actions


def test_unknown_user_and_wrong_password_get_the_same_message(engine):
    auth.create_user(engine, SYSTEM, "lead", "a long enough password", "lead")
    with pytest.raises(SignInFailed) as unknown:
        auth.sign_in(engine, "nobody", "whatever password")
    with pytest.raises(SignInFailed) as wrong:
        auth.sign_in(engine, "lead", "whatever password")
    assert str(unknown.value) == str(wrong.value)


def test_only_admins_create_users_and_bad_input_is_refused(engine):
    with pytest.raises(PermissionDenied):
        auth.create_user(engine, Actor("lead", "lead"), "x", "a long enough password", "viewer")
    with pytest.raises(TriangulateError, match="at least"):
        auth.create_user(engine, SYSTEM, "x", "short", "viewer")
    with pytest.raises(TriangulateError, match="Unknown role"):
        auth.create_user(engine, SYSTEM, "x", "a long enough password", "superuser")
    auth.create_user(engine, SYSTEM, "x", "a long enough password", "viewer")
    with pytest.raises(TriangulateError, match="already"):
        auth.create_user(engine, SYSTEM, "X", "a long enough password", "viewer")


def test_admin_holds_every_permission_and_viewer_only_reads():
    admin, viewer = Actor("a", "admin"), Actor("v", "viewer")
    assert all(can(admin, p) for p in PERMISSIONS)
    assert {p for p in PERMISSIONS if can(viewer, p)} == {"quotes.read", "matrix.read", "machine_check.read"}
    with pytest.raises(PermissionDenied):
        require(None, "matrix.read")
    with pytest.raises(KeyError):
        can(admin, "no.such.permission")
    assert set(ROLES) == {"admin", "lead", "researcher", "officer", "viewer"}
