"""Codebook changes and REFI-QDA .qdc exchange."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from schemas import AuditEvent, Insight, InsightCode, Issue, Ward
from triangulate.codebook import issues as codebook
from triangulate.codebook import qdc
from triangulate.core import db
from triangulate.core.errors import ImportFailed, PermissionDenied
from triangulate.core.permissions import SYSTEM, Actor

RESEARCHER = Actor("sam", "researcher", id=1)


@pytest.fixture
def book(engine):
    codebook.load_default(engine, SYSTEM)
    return engine


def _tree_shape(engine):
    with db.session_scope(engine) as s:
        return [(d, i.guid, i.label, i.definition, list(i.keywords), i.colour) for d, i in codebook.flat_tree(s)]


def test_add_edit_rename_and_hierarchy(book):
    added = codebook.add_issue(book, RESEARCHER, "period_poverty", "Period poverty", "Products cost.",
                               "pads, tampons, pads", parent_code="cost_of_living")
    assert added.keywords == ["pads", "tampons"]
    codebook.rename(book, RESEARCHER, "period_poverty", "Period dignity")
    codebook.edit_issue(book, RESEARCHER, "period_poverty", parent_code="wellbeing", colour="#aa00bb")
    with db.session_scope(book) as s:
        issue = codebook.by_code(s, "period_poverty")
        assert issue.label == "Period dignity" and issue.colour == "#AA00BB"
        assert issue.parent_id == codebook.by_code(s, "wellbeing").id
        assert s.exec(select(AuditEvent).where(AuditEvent.entity == "issue")).all()
    with pytest.raises(codebook.CodebookError, match="already used"):
        codebook.add_issue(book, RESEARCHER, "housing", "Again")
    with pytest.raises(codebook.CodebookError, match="own sub-issues"):
        codebook.edit_issue(book, RESEARCHER, "cost_of_living", parent_code="housing")
    with pytest.raises(codebook.CodebookError, match="Code"):
        codebook.add_issue(book, RESEARCHER, "Bad Code!", "x")


def test_merge_moves_codings_and_retires(book):
    with db.session_scope(book) as s:
        s.add(Ward(code="S13002971", name="Govan"))
        s.flush()
        fuel, housing = codebook.by_code(s, "fuel"), codebook.by_code(s, "housing")
        a = Insight(ward_code="S13002971", author_name="x", role_service="r", observed_on=date(2026, 1, 1),
                    text="t", evidence_type="direct observation")
        s.add(a)
        s.flush()
        s.add_all([InsightCode(insight_id=a.id, issue_id=fuel.id, stance="problem", coder="jo"),
                   InsightCode(insight_id=a.id, issue_id=fuel.id, stance="problem", coder="priya"),
                   InsightCode(insight_id=a.id, issue_id=housing.id, stance="worsening", coder="priya")])
        housing_id = housing.id
    moved = codebook.merge(book, RESEARCHER, "fuel", "housing")
    assert moved["codings"] == 1 and moved["codings_dropped_as_duplicates"] == 1
    with db.session_scope(book) as s:
        codes = s.exec(select(InsightCode)).all()
        assert {(c.coder, c.issue_id, c.stance) for c in codes} == {("jo", housing_id, "problem"),
                                                                     ("priya", housing_id, "worsening")}
        fuel = codebook.by_code(s, "fuel")
        assert fuel.status == "retired" and fuel.merged_into_id == housing_id
        assert "prepayment" in codebook.by_code(s, "housing").keywords
        assert fuel not in codebook.issues(s)


def test_retire_keeps_history_and_refuses_parents(book):
    with pytest.raises(codebook.CodebookError, match="sub-issues"):
        codebook.retire(book, RESEARCHER, "cost_of_living")
    codebook.retire(book, RESEARCHER, "language")
    with db.session_scope(book) as s:
        assert "language" not in {i.code for i in codebook.issues(s)}
        assert "language" in {i.code for i in codebook.issues(s, include_retired=True)}
    codebook.restore(book, RESEARCHER, "language")


@pytest.mark.parametrize("call", [
    lambda e, a: codebook.add_issue(e, a, "new_one", "New"),
    lambda e, a: codebook.edit_issue(e, a, "food", label="Food"),
    lambda e, a: codebook.merge(e, a, "fuel", "food"),
    lambda e, a: codebook.retire(e, a, "food"),
    lambda e, a: qdc.import_qdc(e, a, qdc.export_xml(e)),
])
@pytest.mark.parametrize("role", ["officer", "lead", "viewer"])
def test_codebook_changes_need_permission(book, call, role):
    with pytest.raises(PermissionDenied):
        call(book, Actor(role, role))


def test_qdc_round_trip_keeps_tree_and_guids(book, tmp_path, migrated_sqlite_template):
    codebook.edit_issue(book, RESEARCHER, "food", colour="#112233")
    exported = qdc.export_xml(book)
    assert b'xmlns="urn:QDA-XML:codebook:1.0"' in exported
    parsed = qdc.parse(exported)
    assert len(list(parsed.all_codes())) == 22
    import shutil
    path = tmp_path / "other.db"
    shutil.copy(migrated_sqlite_template, path)
    other = db.make_engine(f"sqlite:///{path}")
    report = qdc.import_qdc(other, RESEARCHER, exported, "cb.qdc")
    assert report["added"] == 22
    assert _tree_shape(other) == _tree_shape(book)
    assert qdc.export_xml(other) == exported
    assert qdc.import_qdc(other, RESEARCHER, exported, "cb.qdc")["already"] is True


def test_qdc_import_updates_by_guid(book):
    text = qdc.export_xml(book).decode()
    with db.session_scope(book) as s:
        guid = codebook.by_code(s, "food").guid
    text = text.replace('name="Food insecurity"', 'name="Food and hunger"')
    report = qdc.import_qdc(book, RESEARCHER, text.encode())
    assert report["updated"] == 1 and report["added"] == 0
    with db.session_scope(book) as s:
        assert s.exec(select(Issue).where(Issue.guid == guid)).one().label == "Food and hunger"


def test_qdc_from_another_tool(engine):
    foreign = b"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="QualCoder">
 <Codes>
  <Code guid="{4D8F2A1C-0B5E-4C3F-9A7D-2E1F0C9B8A76}" name="Money" isCodable="false" color="#FF0000">
   <Description>Anything about money</Description>
   <Code guid="5d8f2a1c-0b5e-4c3f-9a7d-2e1f0c9b8a76" name="2 Debt &amp; loans" isCodable="true"/>
  </Code>
 </Codes>
 <Sets><Set guid="6d8f2a1c-0b5e-4c3f-9a7d-2e1f0c9b8a76" name="S">
   <MemberCode guid="5d8f2a1c-0b5e-4c3f-9a7d-2e1f0c9b8a76"/></Set></Sets>
</CodeBook>"""
    report = qdc.import_qdc(engine, RESEARCHER, foreign, "qualcoder.qdc")
    assert report == {"added": 2, "updated": 0, "unchanged": 0, "sets": 1, "already": False}
    with db.session_scope(engine) as s:
        child = s.exec(select(Issue).where(Issue.label == "2 Debt & loans")).one()
        assert child.code == "i_2_debt_loans" and child.parent_id is not None


BAD = {
    b"": "empty",
    b"PK\x03\x04zip": "zip archive",
    b"<CodeBook><Codes/></CodeBook>": "namespace",
    b"<html><body>hi</body></html>": "not a REFI-QDA",
    b"<CodeBook xmlns='urn:QDA-XML:codebook:1.0'><Codes><Code name='a' isCodable='true'/></Codes></CodeBook>":
        "no valid guid",
    b"<CodeBook xmlns='urn:QDA-XML:codebook:1.0'></CodeBook>": "no <Codes>",
    b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><x>&a;</x>": "forbidden",
    b"<CodeBook xmlns='urn:QDA-XML:codebook:1.0'><Codes><Code guid='4d8f2a1c-0b5e-4c3f-9a7d-2e1f0c9b8a76' "
    b"name='a' isCodable='maybe'/></Codes></CodeBook>": "isCodable",
    b"<not xml": "well-formed",
}


@pytest.mark.parametrize("data,message", list(BAD.items()))
def test_malformed_or_foreign_qdc_is_refused_and_nothing_written(engine, data, message):
    with pytest.raises(ImportFailed, match=message):
        qdc.import_qdc(engine, RESEARCHER, data, "bad.qdc")
    with db.session_scope(engine) as s:
        assert s.exec(select(Issue)).all() == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode) |
       st.builds(lambda name, guid: f"<CodeBook xmlns='urn:QDA-XML:codebook:1.0'><Codes><Code guid='{guid}' "
                                    f"name='{name}' isCodable='true'/></Codes></CodeBook>".encode(),
                 st.text(alphabet="ab<>&'\" ", max_size=8), st.text(alphabet="0123456789abcdef-{}", max_size=40)))
def test_qdc_parser_raises_only_documented_errors(sqlite_engine, data):
    try:
        book = qdc.parse(data)
    except ImportFailed as exc:
        assert exc.problems and all(p.fix for p in exc.problems)
        return
    assert list(book.all_codes())
