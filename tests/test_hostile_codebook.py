"""Hostile input to the REFI-QDA codebook (.qdc) parser and importer, and to the codebook's own forms.

Generated files: valid codebooks with hostile names and descriptions, the same mutated (a byte changed,
an element renamed, an attribute dropped), truncated XML, entity bombs and DTDs, random bytes and
other encodings. The only refusal allowed is ImportFailed (file, fix) / CodebookError; after a refusal
the database is unchanged. Accepted labels and definitions are stored verbatim.
"""
from __future__ import annotations

import uuid
from xml.etree.ElementTree import Element, SubElement, tostring

from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from schemas import Issue
from tests.hostile_support import FAST, HOSTILE, REFUSED, attempt, hostile_text, ready
from triangulate.codebook import issues as codebook
from triangulate.codebook import qdc
from triangulate.core.db import session_scope
from triangulate.core.errors import TriangulateError
from triangulate.core.permissions import Actor

NAME, FORM = "codebook .qdc importer", "codebook forms (add_issue / edit_issue)"
RESEARCHER = Actor("researcher", "researcher", id=3)
NS = qdc.NAMESPACE
# XML 1.0 cannot carry most control characters: a QDA program could never export them.
xml_text = hostile_text.map(lambda t: "".join(ch for ch in t if ch in "\t\n\r" or (ch >= " " and ch not in
                                                                                    "\ufffe\uffff")))
guid = st.one_of(st.uuids().map(str), st.sampled_from(["{0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0}", "not-a-guid", "",
                                                       "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"]))
colour = st.one_of(st.none(), st.sampled_from(["#1F77B4", "#abcdef", "red", "#12345", "javascript:x"]))


@st.composite
def code_tree(draw, depth=0):
    code = {"guid": draw(guid), "name": draw(st.one_of(xml_text, st.sampled_from(["Housing", "Food", ""]))),
            "codable": draw(st.sampled_from(["true", "false", "1", "maybe"])), "colour": draw(colour),
            "description": draw(st.one_of(st.none(), xml_text,
                                          xml_text.map(lambda t: f"{t}\n\nKeywords: damp; <b>mould</b>; '--"))),
            "children": draw(st.lists(code_tree(depth + 1), max_size=2)) if depth < 2 else []}
    return code


def _element(parent: Element, code: dict) -> None:
    attrs = {"guid": code["guid"], "name": code["name"], "isCodable": code["codable"]}
    if code["colour"]:
        attrs["color"] = code["colour"]
    el = SubElement(parent, "Code", attrs)
    if code["description"] is not None:
        SubElement(el, "Description").text = code["description"]
    for child in code["children"]:
        _element(el, child)


def document(codes: list[dict], origin: str = "NVivo") -> bytes:
    root = Element("CodeBook", {"xmlns": NS, "origin": origin})
    parent = SubElement(root, "Codes")
    for code in codes:
        _element(parent, code)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(root, encoding="utf-8")


def _walk(codes):
    for c in codes:
        yield c
        yield from _walk(c["children"])


def _try(engine, data: bytes, filename: str = "book.qdc", codes: list[dict] | None = None) -> None:
    report = attempt(engine, NAME, lambda: qdc.import_qdc(engine, RESEARCHER, data, filename), filename)
    if report is not REFUSED and codes and not report["already"]:
        with session_scope(engine) as s:
            by_guid = {qdc.normal_guid(i.guid): i for i in s.exec(select(Issue))}
        for c in _walk(codes):
            issue = by_guid[qdc.normal_guid(c["guid"])]
            assert issue.label == c["name"].strip()[:120], "a code's name was not stored verbatim"
            if c["description"] and "Keywords:" not in c["description"]:
                # XML 1.0 §2.11: a parser turns a raw \r (or \r\n) in element text into \n.
                expected = c["description"].replace("\r\n", "\n").replace("\r", "\n").strip()
                assert issue.definition == expected


@settings(max_examples=400, **FAST)
@given(codes=st.lists(code_tree(), min_size=1, max_size=3), origin=xml_text)
@example(codes=[{"guid": "6f3b3f0e-1c1a-4c55-9a7e-1d2f3a4b5c6d", "name": h[:200], "codable": "true",
                 "colour": "#1F77B4", "description": HOSTILE[-1 - i], "children": []}
                for i, h in enumerate(HOSTILE[:6])][:1], origin="<script>alert(1)</script>")
@example(codes=[{"guid": "e3e70682-c209-4cac-629f-6fbed82c07cd", "name": "<script>alert(1)</script>",
                 "codable": "true", "colour": None, "description": "<script>alert(1)</script>\r0", "children": []}],
         origin="x")
def test_generated_codebooks_with_hostile_text(sqlite_engine, codes, origin):
    ready(sqlite_engine)
    # Fresh GUIDs for valid ones, so accepted codes are new and their text can be checked verbatim.
    for c in _walk(codes):
        if qdc.GUID.match(c["guid"]):
            c["guid"] = str(uuid.uuid4())
    _try(sqlite_engine, document(codes, origin), codes=codes)


@st.composite
def mutated(draw):
    codes = draw(st.lists(code_tree(), min_size=1, max_size=3))
    data = bytearray(document(codes))
    how = draw(st.sampled_from(["byte", "truncate", "delete", "insert", "rename", "encoding", "namespace"]))
    if how == "byte" and data:
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    elif how == "truncate":
        data = data[:draw(st.integers(0, len(data)))]
    elif how == "delete" and data:
        start = draw(st.integers(0, len(data) - 1))
        del data[start:start + draw(st.integers(1, 40))]
    elif how == "insert":
        at = draw(st.integers(0, len(data)))
        data[at:at] = draw(st.sampled_from([b"<Code/>", b"<Foo>", b"&xxe;", b"<!-- x -->", b"]]>", b"\x00", b"\xff\xfe",
                                            b'<Set guid="x" name="y"/>', b"<Description>d</Description>"]))
    elif how == "rename":
        data = bytes(data).replace(draw(st.sampled_from([b"Codes", b"Code ", b"CodeBook", b"Description"])),
                                   draw(st.sampled_from([b"Cods", b"Set ", b"codebook", b"Desc", b""])), 1)
    elif how == "encoding":
        text = bytes(data).decode("utf-8")
        enc = draw(st.sampled_from(["utf-16", "cp1252", "latin-1"]))
        data = text.replace('encoding="utf-8"', f'encoding="{enc}"').encode(enc, errors="replace")
    elif how == "namespace":
        data = bytes(data).replace(NS.encode(), draw(st.sampled_from([b"urn:other", b"", b"urn:QDA-XML:project:1.0"])))
    return bytes(data)


@settings(max_examples=400, **FAST)
@given(data=mutated())
def test_mutated_valid_codebooks(sqlite_engine, data):
    ready(sqlite_engine)
    _try(sqlite_engine, data)


BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="6f3b3f0e-1c1a-4c55-9a7e-1d2f3a4b5c6d" '
        b'name="&lol2;" isCodable="true"/></Codes></CodeBook>')
XXE = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="6f3b3f0e-1c1a-4c55-9a7e-1d2f3a4b5c6d" '
       b'name="&xxe;" isCodable="true"/></Codes></CodeBook>')


@settings(max_examples=200, **FAST)
@given(data=st.one_of(st.binary(max_size=1500), st.sampled_from([BOMB, XXE, b"PK\x03\x04zip", b"   ", b""]),
                      st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
                      st.text(max_size=200).map(
                          lambda t: f"<CodeBook xmlns='{NS}'>{t}".encode("utf-8", "surrogatepass"))))
@example(data=BOMB)
@example(data=XXE)
def test_random_bytes_bombs_and_entities(sqlite_engine, data):
    ready(sqlite_engine)
    _try(sqlite_engine, data)


@settings(max_examples=40, **FAST)
@given(codes=st.lists(code_tree(), min_size=1, max_size=2))
def test_each_backend(engine, codes):
    ready(engine)
    for c in _walk(codes):
        if qdc.GUID.match(c["guid"]):
            c["guid"] = str(uuid.uuid4())
    _try(engine, document(codes), codes=codes)


@settings(max_examples=150, **FAST)
@given(label=hostile_text, definition=hostile_text, keywords=st.lists(hostile_text, max_size=3),
       code=st.sampled_from(["hostile_a", "hostile_b", "Bad Code", "x"]), colour=colour)
def test_codebook_forms_keep_hostile_labels_verbatim(sqlite_engine, label, definition, keywords, code, colour):
    ready(sqlite_engine)

    def add_or_edit():
        with session_scope(sqlite_engine) as s:
            exists = s.exec(select(Issue).where(Issue.code == code)).first() is not None
        if exists:
            return codebook.edit_issue(sqlite_engine, RESEARCHER, code, label=label, definition=definition,
                                       keywords=keywords, colour=colour)
        return codebook.add_issue(sqlite_engine, RESEARCHER, code, label, definition=definition, keywords=keywords,
                                  colour=colour)

    if attempt(sqlite_engine, FORM, add_or_edit, refusal=TriangulateError) is REFUSED:
        return
    with session_scope(sqlite_engine) as s:
        issue = s.exec(select(Issue).where(Issue.code == code)).one()
    assert issue.label == label.strip()
    assert issue.definition == definition.strip()
