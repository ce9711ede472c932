"""Fills an empty database with the embedded default: Glasgow's real public data, the default codebook,
demo accounts, and the illustrative (fictional, clearly labelled) insights and transcripts."""
from __future__ import annotations

import os
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import select

from schemas import Setting, User
from triangulate.access import auth
from triangulate.codebook import issues as codebook
from triangulate.core import db
from triangulate.core.permissions import SYSTEM

__all__ = ["advertised_accounts", "load"]  # what app.py and the command line may call

# Demo accounts, one per role, exist only in a database filled with `init --demo`.
PUBLIC_DEMO_PASSWORD = "triangulate-demo"
DEMO_PASSWORD = os.environ.get("TRIANGULATE_DEMO_PASSWORD", PUBLIC_DEMO_PASSWORD)
# Written by `init --demo` (and the first-run fill) with the demo accounts: the sign-in page names them
# only on such a database, never on one whose accounts were made by an admin.
DEMO_MARKER = "demo_accounts"
DEMO_USERS = [
    ("admin", "admin", "Demo admin", "Programme data team"),
    ("lead", "lead", "Demo lead (Aileen)", "Child Poverty Programme lead"),
    ("researcher", "researcher", "Demo researcher (Sam)", "Community research"),
    ("officer", "officer", "Demo officer (Jo)", "Community engagement officer"),
    ("healthvisitor", "officer", "Demo health visitor (Priya)", "Health visiting"),
    ("viewer", "viewer", "Demo viewer", "Elected member"),
]


def _users(engine: Engine) -> None:
    for username, role, name, service in DEMO_USERS:
        auth.create_user(engine, SYSTEM, username, DEMO_PASSWORD, role, name, service)
    with db.session_scope(engine) as session:
        session.add(Setting(key=DEMO_MARKER, value={"usernames": [u[0] for u in DEMO_USERS],
                                                    "public_password": DEMO_PASSWORD == PUBLIC_DEMO_PASSWORD},
                            updated_by=SYSTEM.username))


def advertised_accounts(engine: Engine) -> tuple[list[str], str | None]:
    """The demo usernames still active, and the password if it is the public one, on a database made by
    `init --demo`; ([], None) on any other database."""
    with db.session_scope(engine) as session:
        marker = session.get(Setting, DEMO_MARKER)
        if marker is None:
            return [], None
        names = marker.value.get("usernames", [])
        active = list(session.exec(select(User.username).where(User.username.in_(names),
                                                                User.active.is_(True))))
    password = PUBLIC_DEMO_PASSWORD if marker.value.get("public_password") else None
    return [n for n in names if n in active], password


def _glasgow(engine: Engine) -> None:
    from triangulate.numbers import glasgow

    glasgow.load_default(engine, SYSTEM)


def _insights(engine: Engine) -> None:
    from triangulate.practitioners import importing as insight_import

    insight_import.load_demo(engine, SYSTEM)


def _transcripts(engine: Engine, fit_topics: bool = True) -> None:
    # Imported here: the residents strand loads spaCy, torch and BERTopic, which nothing else needs.
    from triangulate.residents import store as residents

    residents.load_demo(engine, SYSTEM, fit_topics=fit_topics)


def _transcripts_topics_queued(engine: Engine) -> None:
    _transcripts(engine, fit_topics=False)


def public_steps() -> list[tuple[str, Callable[[Engine], object]]]:
    """What real use starts from: the default codebook and Glasgow's real public geography and indicators."""
    return [
        ("Codebook: default child-poverty issues", lambda e: codebook.load_default(e, SYSTEM)),
        ("Glasgow: 23 wards, 746 data zones, real indicators", _glasgow),
    ]


def steps(fit_topics: bool = True) -> list[tuple[str, Callable[[Engine], object]]]:
    """The demo's loading steps, in order (wards before insights, accounts before their insights). Without
    `fit_topics` the transcripts' issues are assigned and their topic fit is queued for the worker."""
    transcripts = (("Illustrative resident transcripts (fictional), topics fitted", _transcripts) if fit_topics
                   else ("Illustrative resident transcripts (fictional), issues assigned; topics queued for the "
                         "worker", _transcripts_topics_queued))
    return [
        *public_steps(),
        ("Demo accounts (one per role)", _users),
        ("Illustrative officer insights (fictional)", _insights),
        transcripts,
    ]


def load(engine: Engine, progress: Callable[[str], None] | None = None, *, demo: bool = True,
         fit_topics: bool = True) -> bool:
    """Load into a new database: with `demo`, everything; without, only the public data real use starts from
    (codebook, wards, data zones, indicators). `--demo` after a plain `init` adds the demo's own parts, but
    only while the database holds no account and no evidence of its own. Returns False if nothing loaded.

    Without `fit_topics` the demo's topics are not fitted here: each resident segment gets its issue (what the
    joint display and every verdict read), and an analysis job is queued for the worker to fit the topics
    (`init --demo` without `--wait`: it then needs neither BERTopic nor UMAP)."""
    db.upgrade(engine)
    if auth.has_users(engine):
        return False
    todo = steps(fit_topics) if demo else public_steps()
    if not db.is_empty(engine):
        if not demo or _holds_evidence(engine):
            return False
        todo = steps(fit_topics)[len(public_steps()):]
    if any(step is _transcripts for _, step in todo):
        # UMAP's numba code compiles in another process while this one parses the transcripts; the topic
        # fit then loads it from the data folder's cache (triangulate.residents.umap_cache).
        from triangulate.residents import umap_cache

        umap_cache.start_background()
    for label, step in todo:
        if progress:
            progress(label)
        step(engine)
    return True


def _holds_evidence(engine: Engine) -> bool:
    from sqlmodel import Session, select

    from schemas import Insight, Transcript

    with Session(engine) as session:
        return any(session.exec(select(table.id).limit(1)).first() is not None for table in (Insight, Transcript))
