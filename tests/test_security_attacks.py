"""Issue 12: what an attacker with an account (or none) could do, and the root fixes (both backends)."""
from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from schemas import AuditEvent, Insight, InsightCode, User, Ward
from triangulate.access import auth
from triangulate.codebook import issues as codebook
from triangulate.core import db
from triangulate.core.errors import ImportFailed, SignInFailed
from triangulate.core.permissions import SYSTEM
from triangulate.practitioners import importing as insight_import

HEADER = ["ward", "date", "author", "role_service", "evidence_type", "families", "confidence", "text", "codes",
          "coder"]
PASSWORD = "a long enough password"


def _csv(*rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture
def officers(engine):
    codebook.load_default(engine, SYSTEM)
    with db.session_scope(engine) as s:
        s.add(Ward(code="S13002971", name="Govan"))
    jo = auth.create_user(engine, SYSTEM, "jo", PASSWORD, "officer", display_name="Jo Reid")
    hv = auth.create_user(engine, SYSTEM, "healthvisitor", PASSWORD, "officer", display_name="Hana Visser")
    sam = auth.create_user(engine, SYSTEM, "sam", PASSWORD, "researcher")
    return engine, jo, hv, sam


# --------------------------------------------------------------------------- 1 forged authorship
def test_an_officer_cannot_import_as_another_officer_or_replace_their_coding(officers):
    engine, jo, hv, _ = officers
    theirs = ["Govan", "2026-03-14", "Hana Visser", "Health visiting", "caseload pattern", "", "high",
              "Damp in every flat.", "housing:problem:3", ""]
    insight_import.import_file(engine, hv, _csv(theirs), "hv.csv")
    forged = ["Govan", "2026-03-15", "healthvisitor", "Health visiting", "caseload pattern", "", "high",
              "Words put in her mouth.", "housing:problem:1", ""]
    recoded = theirs[:8] + ["transport:not_a_problem:1", "healthvisitor"]
    with pytest.raises(ImportFailed) as refused:
        insight_import.import_file(engine, jo, _csv(forged, recoded), "jo.csv")
    columns = {(p.row, p.column) for p in refused.value.problems}
    assert {(2, "author"), (3, "author"), (3, "coder")} <= columns
    with db.session_scope(engine) as s:
        codes = [(c.coder, c.stance, c.severity) for c in s.exec(select(InsightCode))]
        assert len(s.exec(select(Insight)).all()) == 1
    assert codes == [("healthvisitor", "problem", 3)]


def test_an_officer_import_is_their_own_and_the_audit_lists_what_it_added(officers):
    engine, jo, _, _ = officers
    rows = [["Govan", "2026-03-14", "", "Community", "direct observation", "", "", "Mould again.",
             "housing:problem:2", ""],
            ["Govan", "2026-03-14", "JO", "Community", "direct observation", "", "", "Buses late.", "", "jo"]]
    insight_import.import_file(engine, jo, _csv(*rows), "mine.csv")
    with db.session_scope(engine) as s:
        mine = s.exec(select(Insight)).all()
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "import")).one()
    assert {(i.author_id, i.author_name) for i in mine} == {(jo.id, "Jo Reid")}
    assert sorted(event.detail["insights_added"]) == sorted(i.id for i in mine)
    assert [c["coder"] for c in event.detail["codings_changed"]] == ["jo"]


def test_a_researcher_may_import_for_named_practitioners(officers):
    engine, _, hv, sam = officers
    row = ["Govan", "2026-03-14", "Hana Visser", "Health visiting", "caseload pattern", "", "", "Damp.",
           "housing:problem:3", "healthvisitor"]
    insight_import.import_file(engine, sam, _csv(row), "returns.csv")
    with db.session_scope(engine) as s:
        insight = s.exec(select(Insight)).one()
        coding = s.exec(select(InsightCode)).one()
    assert insight.author_id == hv.id and coding.coder == "healthvisitor"


# --------------------------------------------------------------------------- 2, 3 lock-out race, enumeration
def _attempt(engine, username, password, source=None):
    try:
        auth.sign_in(engine, username, password, source=source)
        return "ok"
    except SignInFailed as exc:
        return str(exc)


def test_simultaneous_wrong_passwords_all_count_and_lock_the_account(engine):
    auth.create_user(engine, SYSTEM, "lead", PASSWORD, "lead")
    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(pool.map(lambda n: _attempt(engine, "lead", f"wrong guess {n}"), range(30)))
    assert "ok" not in answers
    with db.session_scope(engine) as s:
        user = s.exec(select(User)).one()
        failures = s.exec(select(AuditEvent).where(AuditEvent.action == "sign-in failed")).all()
    assert user.locked_until is not None
    assert len(failures) == 30  # every attempt was checked and counted, none lost to the race
    assert _attempt(engine, "lead", PASSWORD) == auth.REFUSAL  # the right password, too late


def test_unknown_and_real_accounts_are_refused_alike_and_both_pay_for_a_hash(engine, monkeypatch):
    auth.create_user(engine, SYSTEM, "lead", PASSWORD, "lead")
    auth.create_user(engine, SYSTEM, "gone", PASSWORD, "officer")
    with db.session_scope(engine) as s:
        s.exec(select(User).where(User.username == "gone")).one().active = False
    hashes_checked = []
    real_verify = auth._verify
    monkeypatch.setattr(auth, "_verify", lambda h, p: hashes_checked.append(h) or real_verify(h, p))
    answers = {name: {_attempt(engine, name, "wrong password!!") for _ in range(auth.MAX_FAILED_ATTEMPTS + 1)}
               for name in ("lead", "nobody", "gone")}
    assert answers == {name: {auth.REFUSAL} for name in answers}  # locked or not, known or not: one message
    assert len(hashes_checked) == 3 * (auth.MAX_FAILED_ATTEMPTS + 1)


def test_one_source_guessing_many_accounts_is_stopped(engine):
    auth.create_user(engine, SYSTEM, "lead", PASSWORD, "lead")
    for n in range(auth.MAX_FAILURES_PER_SOURCE):
        _attempt(engine, f"user{n}", "guess", source="203.0.113.9")
    assert _attempt(engine, "lead", PASSWORD, source="203.0.113.9") == auth.REFUSAL
    assert _attempt(engine, "lead", PASSWORD, source="198.51.100.1") == "ok"


# --------------------------------------------------------------------------- 4 sessions outlive rights
def test_the_signed_in_account_is_read_again_so_a_demotion_or_deactivation_applies_at_once(engine):
    officer = auth.create_user(engine, SYSTEM, "jo", PASSWORD, "officer")
    assert auth.current(engine, officer) == officer
    with db.session_scope(engine) as s:
        s.get(User, officer.id).role = "viewer"
    assert auth.current(engine, officer).role == "viewer"
    with db.session_scope(engine) as s:
        s.get(User, officer.id).active = False
    assert auth.current(engine, officer) is None



# --------------------------------------------------------------------------- 11 demo accounts advertised
def test_demo_accounts_are_advertised_only_on_a_demo_database(engine, demo_engine):
    from triangulate import demo
    auth.create_user(engine, SYSTEM, "realadmin", PASSWORD, "admin")
    assert demo.advertised_accounts(engine) == ([], None)
    names, password = demo.advertised_accounts(demo_engine)
    assert "lead" in names and password == "triangulate-demo"
    with db.session_scope(demo_engine) as s:
        s.exec(select(User).where(User.username == "lead")).one().active = False
    assert "lead" not in demo.advertised_accounts(demo_engine)[0]


def test_the_sign_in_page_of_a_real_database_names_no_demo_account(tmp_path, monkeypatch, migrated_sqlite_template):
    import shutil

    from streamlit.testing.v1 import AppTest

    from tests.apptest_helpers import ROOT, point_app_at
    path = tmp_path / "real.db"
    shutil.copy(migrated_sqlite_template, path)
    real = db.make_engine(f"sqlite:///{path}")
    with db.session_scope(real) as s:
        s.add(Ward(code="S13002971", name="Govan"))  # not empty: the app must not fill it with the demo
    auth.create_user(real, SYSTEM, "realadmin", PASSWORD, "admin")
    point_app_at(path, monkeypatch, tmp_path)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    shown = " ".join(c.value for c in at.caption)
    assert "triangulate-demo" not in shown and "Demo database" not in shown
    import streamlit as st

    db.get_engine.cache_clear()
    st.cache_resource.clear()
