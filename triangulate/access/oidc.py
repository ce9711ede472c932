"""Sign-in through the council's identity provider (OpenID Connect), as an option beside local accounts.

Streamlit's `st.login` does the OIDC flow (configured in `.streamlit/secrets.toml`, see docs/oidc.md) and
hands app.py the identity claims in `st.user`. This module decides who that identity is here:

1. An account already linked to the identity (`User.oidc_subject == "<issuer>|<subject>"`) signs in.
2. An account an admin invited by e-mail (`invite`) is linked on its first sign-in, if the provider says
   the address is verified.
3. Otherwise, only if an admin turned on auto-provisioning, a new *viewer* account is created (the
   least-privileged role; an admin raises it). Else the sign-in is refused.
Inactive accounts are refused. Every outcome is audited.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from schemas import Setting, User, utcnow
from triangulate.access.auth import actor_of
from triangulate.core import audit
from triangulate.core.db import session_scope
from triangulate.core.errors import NotFound, SignInFailed, TriangulateError
from triangulate.core.permissions import SYSTEM, Actor, require

KEY = "oidc"
PENDING = "pending-email:"
PROVISIONED_ROLE = "viewer"


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    email: str = ""
    name: str = ""
    email_verified: bool = False

    @property
    def key(self) -> str:
        return f"{self.issuer}|{self.subject}"


def identity_from_claims(claims: Mapping[str, Any]) -> Identity:
    """Build an Identity from the ID-token claims Streamlit exposes (`st.user.to_dict()`)."""
    issuer, subject = str(claims.get("iss") or "").strip(), str(claims.get("sub") or "").strip()
    if not issuer or not subject:
        raise SignInFailed("The identity provider did not say who you are (no issuer or subject). Ask your "
                           "administrator to check the OIDC settings.")
    email = str(claims.get("email") or claims.get("preferred_username") or "").strip().lower()
    verified = claims.get("email_verified")
    return Identity(issuer=issuer, subject=subject, email=email, name=str(claims.get("name") or "").strip(),
                    email_verified=verified is True or str(verified).lower() == "true")


# --------------------------------------------------------------------------- settings
def auto_provision(engine: Engine) -> bool:
    with session_scope(engine) as session:
        setting = session.get(Setting, KEY)
        return bool(setting and setting.value.get("auto_provision"))


def set_auto_provision(engine: Engine, actor: Actor, enabled: bool) -> None:
    require(actor, "users.manage")
    with session_scope(engine) as session:
        setting = session.get(Setting, KEY) or Setting(key=KEY)
        before = dict(setting.value or {})
        setting.value = {**before, "auto_provision": bool(enabled)}
        setting.updated_by, setting.updated_at = actor.username, utcnow()
        session.add(setting)
        audit.record(session, actor, "setting", "setting", KEY, before=before, after=setting.value)


def invite(engine: Engine, actor: Actor, username: str, email: str) -> None:
    """Let an existing account be claimed by the person who signs in with this (verified) e-mail."""
    require(actor, "users.manage")
    email = email.strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise TriangulateError(f"{email!r} is not an e-mail address.")
    with session_scope(engine) as session:
        user = session.exec(select(User).where(User.username == username.strip().lower())).first()
        if user is None:
            raise NotFound(f"There is no account called {username!r}.")
        if user.oidc_subject and not user.oidc_subject.startswith(PENDING):
            raise TriangulateError(f"{user.username} is already linked to an organisation sign-in.")
        if session.exec(select(User).where(User.oidc_subject == PENDING + email, User.id != user.id)).first():
            raise TriangulateError(f"Another account is already invited as {email}.")
        user.oidc_subject = PENDING + email
        session.add(user)
        audit.record(session, actor, "edit", "user", user.id, username=user.username, change="oidc invite")


# --------------------------------------------------------------------------- sign-in
def sign_in(engine: Engine, identity: Identity) -> Actor:
    """The acting user for an identity the provider vouched for; see the module docstring."""
    refusal: SignInFailed | None = None
    with session_scope(engine) as session:
        who = Actor(username=identity.email or identity.subject, role="viewer")
        user = session.exec(select(User).where(User.oidc_subject == identity.key)).first()
        if user is None and identity.email and identity.email_verified:
            user = session.exec(select(User).where(User.oidc_subject == PENDING + identity.email)).first()
            if user is not None:
                user.oidc_subject = identity.key
                session.add(user)
                audit.record(session, actor_of(user), "edit", "user", user.id, change="oidc linked",
                             issuer=identity.issuer)
        if user is None:
            setting = session.get(Setting, KEY)
            if setting and setting.value.get("auto_provision"):
                user = User(username=_free_username(session, identity), role=PROVISIONED_ROLE,
                            display_name=identity.name or identity.email or "New user",
                            oidc_subject=identity.key, password_hash=None)
                session.add(user)
                session.flush()
                audit.record(session, SYSTEM, "create", "user", user.id, username=user.username,
                             role=PROVISIONED_ROLE, via="oidc auto-provisioning", issuer=identity.issuer)
            else:
                audit.record(session, who, "sign-in failed", "user", "", reason="no linked account",
                             via="oidc", issuer=identity.issuer)
                refusal = SignInFailed("You signed in with your organisation, but there is no Triangulate "
                                       "account for you yet. Ask an admin to invite you.")
        if user is not None:
            if not user.active:
                audit.record(session, who, "sign-in refused", "user", user.id, reason="inactive", via="oidc")
                refusal = SignInFailed("Your Triangulate account is deactivated. Ask an admin.")
            else:
                actor = actor_of(user)
                audit.record(session, actor, "sign-in", "user", user.id, via="oidc")
    if refusal is not None:
        raise refusal
    return actor


def _free_username(session, identity: Identity) -> str:
    base = re.sub(r"[^a-z0-9._-]", "", (identity.email.split("@")[0] if identity.email else "user").lower())
    base = base or "user"
    candidate, n = base, 1
    while session.exec(select(User.id).where(User.username == candidate)).first() is not None:
        n += 1
        candidate = f"{base}{n}"
    return candidate
