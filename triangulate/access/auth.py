"""Local accounts: argon2 password hashes, lock-out after repeated failures, and the acting user."""
from __future__ import annotations

import os
import threading
from datetime import UTC, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, update
from sqlalchemy.engine import Engine
from sqlmodel import select

from schemas import User, utcnow
from triangulate.core import audit
from triangulate.core.db import session_scope
from triangulate.core.errors import SignInFailed, TriangulateError
from triangulate.core.permissions import ROLES, SYSTEM, Actor, require

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10

# OWASP's argon2id setting (19 MiB, 2 passes, 1 lane): the library default (64 MiB, 4 lanes) cost ~0.5 s
# and 64 MiB per sign-in, so a room of 20 signing in at once waited a minute on 2 cores. Hashes made with
# the old setting are re-hashed at their next sign-in (check_needs_rehash).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# At most one hash per core at a time: more only adds memory and makes every waiter slower.
_hashing = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


def actor_of(user: User) -> Actor:
    return Actor(username=user.username, role=user.role, id=user.id, display_name=user.display_name)


def active_account(engine: Engine, username: str) -> Actor:
    """The active account called `username` as the acting user (the command line's --as-user: whoever runs it
    operates the machine and its database already)."""
    with session_scope(engine) as session:
        user = session.exec(select(User).where(User.username == username.strip().lower())).first()
        if user is None or not user.active:
            raise TriangulateError(f"No active account called {username!r}; see `create-user`.")
        return actor_of(user)


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


# One message for every refusal (unknown user, inactive, wrong password, locked, too many tries from one
# place), so neither the words nor the time taken tell anyone which usernames exist.
REFUSAL = ("That username and password do not match an active account, or the account is locked for a while "
           "after repeated failures. Try again later, or ask an admin to check or unlock the account.")
# Failures from one source (browser address) before that source is refused outright for LOCKOUT.
MAX_FAILURES_PER_SOURCE = 20


def sign_in(engine: Engine, username: str, password: str, source: str | None = None) -> Actor:
    """Check a password; lock the account for LOCKOUT after MAX_FAILED_ATTEMPTS failures in a row.

    The password is always checked against a hash (a dummy one for unknown accounts) so the time taken is
    the same whoever asks. Failures are counted by a single UPDATE … RETURNING, so simultaneous wrong
    passwords all count; success clears the counter only if the account is not locked at that moment.
    """
    username = (username or "").strip().lower()
    who = Actor(username=username[:100] or "?", role="viewer")
    with session_scope(engine) as session:
        user = session.exec(select(User).where(User.username == username)).first()
        user_id = user.id if user is not None else None
        usable = user is not None and user.active and bool(user.password_hash)
        password_hash = user.password_hash if usable else _dummy_hash()
    source_blocked = _sources.blocked(source)
    correct = _verify(password_hash, password) and usable and not source_blocked
    now = utcnow()
    table = User.__table__
    with session_scope(engine) as session:
        if correct:
            unlocked = (table.c.locked_until.is_(None)) | (table.c.locked_until <= now)
            row = session.execute(update(table).where(table.c.id == user_id, table.c.active.is_(True), unlocked)
                                  .values(failed_attempts=0, locked_until=None).returning(table.c.id)).first()
            if row is not None:
                signed_in = session.get(User, user_id)
                session.refresh(signed_in)
                if _hasher.check_needs_rehash(signed_in.password_hash):
                    signed_in.password_hash = _hasher.hash(password)
                    session.add(signed_in)
                actor = actor_of(signed_in)
                audit.record(session, actor, "sign-in", "user", user_id, source=source or "")
                _sources.succeeded(source)
                return actor
            audit.record(session, who, "sign-in refused", "user", user_id, reason="locked", source=source or "")
        elif source_blocked:
            audit.record(session, who, "sign-in refused", "user", user_id or "", reason="source locked",
                         source=source or "")
        elif not usable:
            audit.record(session, who, "sign-in failed", "user", user_id or "", reason="unknown or inactive",
                         source=source or "")
            _sources.failed(source)
        else:
            _count_failure(session, user_id, now)
            audit.record(session, who, "sign-in failed", "user", user_id, reason="wrong password",
                         source=source or "")
            _sources.failed(source)
    raise SignInFailed(REFUSAL)


def _count_failure(session, user_id: int, now) -> None:
    """Add one failure atomically; the failure that reaches the limit locks the account and restarts the
    count. Failures while locked still count, so a locked account stays locked under a sustained attack."""
    table = User.__table__
    reached = table.c.failed_attempts + 1 >= MAX_FAILED_ATTEMPTS
    session.execute(update(table).where(table.c.id == user_id).values(
        failed_attempts=case((reached, 0), else_=table.c.failed_attempts + 1),
        locked_until=case((reached, now + LOCKOUT), else_=table.c.locked_until)).returning(table.c.failed_attempts))


class _SourceFailures:
    """Failed sign-ins per source address in this server process (Streamlit gives the browser's address)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, list] = {}

    def _recent(self, source: str) -> list:
        cutoff = utcnow() - LOCKOUT
        kept = [t for t in self._failures.get(source, []) if t > cutoff]
        self._failures[source] = kept
        return kept

    def blocked(self, source: str | None) -> bool:
        if not source:
            return False
        with self._lock:
            return len(self._recent(source)) >= MAX_FAILURES_PER_SOURCE

    def failed(self, source: str | None) -> None:
        if source:
            with self._lock:
                self._recent(source).append(utcnow())

    def succeeded(self, source: str | None) -> None:
        if source:
            with self._lock:
                self._failures.pop(source, None)


_sources = _SourceFailures()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("no account has this password")


def current(engine: Engine, actor: Actor) -> Actor | None:
    """The signed-in account as it is now (role, name), or None once it is deactivated or deleted.

    Called on every rerun of the app: one primary-key read, so a changed role or a deactivation takes
    effect at the next click, not at the next sign-in."""
    if actor.id is None:
        return actor
    with session_scope(engine) as session:
        row = session.execute(select(User.active, User.role, User.display_name, User.username)
                              .where(User.id == actor.id)).first()
    if row is None or not row.active:
        return None
    if (row.role, row.display_name, row.username) == (actor.role, actor.display_name, actor.username):
        return actor
    return Actor(username=row.username, role=row.role, id=actor.id, display_name=row.display_name)


def _verify(password_hash: str, password: str) -> bool:
    try:
        with _hashing:
            return _hasher.verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def _aware(moment):
    """SQLite hands back naive datetimes; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def hash_password(password: str) -> str:
    """The stored form of a password (Argon2id, the parameters sign-in verifies with)."""
    return _hasher.hash(password)


def is_locked(user: User, now) -> bool:
    """Is the account locked out (too many failed sign-ins) at `now`?"""
    return bool(user.locked_until and _aware(user.locked_until) > now)


def users(engine: Engine, actor: Actor) -> list[User]:
    require(actor, "users.manage")
    with session_scope(engine) as session:
        return list(session.exec(select(User).order_by(User.username)))


def has_users(engine: Engine) -> bool:
    with session_scope(engine) as session:
        return session.exec(select(User).limit(1)).first() is not None


__all__ = ["SYSTEM", "actor_of", "active_account", "create_user", "current", "hash_password", "is_locked", "sign_in",
           "users", "has_users"]
