"""Account administration for admins: change role, deactivate, reactivate, unlock, reset password.

Every change is audited; none can leave the project without an active admin, and no admin can lock
themselves out by deactivating or demoting their own account.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas import User, utcnow
from triangulate.access.auth import MIN_PASSWORD_LENGTH, hash_password, is_locked
from triangulate.core import audit
from triangulate.core.db import session_scope
from triangulate.core.errors import NotFound, TriangulateError
from triangulate.core.permissions import ROLES, Actor, require


@dataclass(frozen=True)
class Account:
    """What the users screen shows: never the password hash."""

    id: int
    username: str
    display_name: str
    role: str
    service: str
    active: bool
    locked: bool
    sign_in: str  # "password", "organisation (OIDC)", "both", "invited (OIDC)", "none"
    created_at: datetime


def accounts(engine: Engine, actor: Actor) -> list[Account]:
    require(actor, "users.manage")
    now = utcnow()
    with session_scope(engine) as session:
        return [Account(u.id, u.username, u.display_name, u.role, u.service, u.active,
                        is_locked(u, now), _sign_in_kind(u), u.created_at)
                for u in session.exec(select(User).order_by(User.username))]


def _sign_in_kind(user: User) -> str:
    oidc = user.oidc_subject or ""
    if oidc.startswith("pending-email:"):
        return "invited (OIDC)" + (" + password" if user.password_hash else "")
    if oidc and user.password_hash:
        return "both"
    if oidc:
        return "organisation (OIDC)"
    return "password" if user.password_hash else "none"


def _user(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        raise NotFound(f"There is no account called {username!r}.")
    return user


def _active_admins(session: Session) -> int:
    return len(session.exec(select(User.id).where(User.role == "admin", User.active == True)).all())  # noqa: E712


def change_role(engine: Engine, actor: Actor, username: str, role: str) -> None:
    require(actor, "users.manage")
    if role not in ROLES:
        raise TriangulateError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    with session_scope(engine) as session:
        user = _user(session, username)
        if user.role == role:
            return
        if user.role == "admin" and user.active and _active_admins(session) <= 1:
            raise TriangulateError("This is the last active admin; make another admin first.")
        if user.username == actor.username and user.role == "admin":
            raise TriangulateError("You cannot remove your own admin role; ask another admin.")
        before, user.role = user.role, role
        session.add(user)
        audit.record(session, actor, "edit", "user", user.id, username=user.username, change="role",
                     before=before, after=role)


def set_active(engine: Engine, actor: Actor, username: str, active: bool) -> None:
    """Deactivate (cannot sign in; keeps their history) or reactivate an account."""
    require(actor, "users.manage")
    with session_scope(engine) as session:
        user = _user(session, username)
        if user.active == active:
            return
        if not active:
            if user.username == actor.username:
                raise TriangulateError("You cannot deactivate your own account; ask another admin.")
            if user.role == "admin" and _active_admins(session) <= 1:
                raise TriangulateError("This is the last active admin; make another admin first.")
        user.active = active
        session.add(user)
        audit.record(session, actor, "edit", "user", user.id, username=user.username,
                     change="reactivate" if active else "deactivate")


def unlock(engine: Engine, actor: Actor, username: str) -> None:
    """Lift a lock-out after too many failed sign-ins."""
    require(actor, "users.manage")
    with session_scope(engine) as session:
        user = _user(session, username)
        user.locked_until, user.failed_attempts = None, 0
        session.add(user)
        audit.record(session, actor, "edit", "user", user.id, username=user.username, change="unlock")


def reset_password(engine: Engine, actor: Actor, username: str, new_password: str) -> None:
    """Set a new password (the admin tells the person out of band); also lifts any lock-out."""
    require(actor, "users.manage")
    if len(new_password or "") < MIN_PASSWORD_LENGTH:
        raise TriangulateError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    with session_scope(engine) as session:
        user = _user(session, username)
        user.password_hash = hash_password(new_password)
        user.locked_until, user.failed_attempts = None, 0
        session.add(user)
        audit.record(session, actor, "edit", "user", user.id, username=user.username, change="password reset")
