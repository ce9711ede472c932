"""Local accounts: argon2 password hashes, lock-out after repeated failures, and the acting user."""
from __future__ import annotations

from datetime import timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlmodel import select

from schemas import User, utcnow
from triangulate import audit
from triangulate.db import session_scope
from triangulate.errors import SignInFailed, TriangulateError
from triangulate.permissions import ROLES, SYSTEM, Actor, require

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


def actor_of(user: User) -> Actor:
    return Actor(username=user.username, role=user.role, id=user.id, display_name=user.display_name)


def create_user(engine: Engine, actor: Actor, username: str, password: str | None, role: str,
                display_name: str = "", service: str = "") -> Actor:
    """Create a local account. The first account on an empty database may be created by SYSTEM."""
    require(actor, "users.manage")
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise TriangulateError("A username is letters, digits, '.', '-' or '_' only; choose another.")
    if role not in ROLES:
        raise TriangulateError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise TriangulateError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    with session_scope(engine) as session:
        if session.exec(select(User).where(User.username == username)).first():
            raise TriangulateError(f"There is already an account called {username!r}.")
        user = User(username=username, role=role, display_name=display_name or username,
                    service=service, password_hash=_hasher.hash(password) if password else None)
        session.add(user)
        session.flush()
        audit.record(session, actor, "create", "user", user.id, username=username, role=role)
        return actor_of(user)


def sign_in(engine: Engine, username: str, password: str) -> Actor:
    """Check a password; lock the account for a while after MAX_FAILED_ATTEMPTS failures in a row.

    Failures are committed (counter, audit event) before the refusal is raised.
    """
    username = (username or "").strip().lower()
    # One message for every failure, so it cannot be used to find out which usernames exist.
    refusal: SignInFailed | None = SignInFailed("That username and password do not match an active account.")
    with session_scope(engine) as session:
        user = session.exec(select(User).where(User.username == username)).first()
        who = Actor(username=username or "?", role="viewer")
        now = utcnow()
        if user is None or not user.active or not user.password_hash:
            audit.record(session, who, "sign-in failed", "user", "", reason="unknown or inactive")
        elif user.locked_until and _aware(user.locked_until) > now:
            audit.record(session, who, "sign-in refused", "user", user.id, reason="locked")
            minutes = int((_aware(user.locked_until) - now).total_seconds() // 60) + 1
            refusal = SignInFailed(f"Too many failed attempts: this account is locked for {minutes} more "
                                   "minute(s). An admin can unlock it sooner.")
        elif not _verify(user.password_hash, password):
            user.failed_attempts += 1
            if user.failed_attempts >= MAX_FAILED_ATTEMPTS:
                user.locked_until = now + LOCKOUT
                user.failed_attempts = 0
            session.add(user)
            audit.record(session, who, "sign-in failed", "user", user.id, reason="wrong password")
        else:
            user.failed_attempts = 0
            user.locked_until = None
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            session.add(user)
            actor = actor_of(user)
            audit.record(session, actor, "sign-in", "user", user.id)
            refusal = None
    if refusal is not None:
        raise refusal
    return actor


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def _aware(moment):
    """SQLite hands back naive datetimes; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def users(engine: Engine, actor: Actor) -> list[User]:
    require(actor, "users.manage")
    with session_scope(engine) as session:
        return list(session.exec(select(User).order_by(User.username)))


def has_users(engine: Engine) -> bool:
    with session_scope(engine) as session:
        return session.exec(select(User).limit(1)).first() is not None


__all__ = ["SYSTEM", "actor_of", "create_user", "sign_in", "users", "has_users"]
