"""REFI-QDA codebook (.qdc) import and export, so a codebook travels to and from NVivo, ATLAS.ti, MAXQDA,
QualCoder and Taguette.

The format is the REFI-QDA Codebook standard 1.0 (namespace `urn:QDA-XML:codebook:1.0`, schema
http://schema.qdasoftware.org/versions/Codebook/v1.0/Codebook.xsd):

    <CodeBook origin="…">                     root; `origin` optional
      <Codes>                                 required, one or more <Code>
        <Code guid="…" name="…" isCodable="true|false" color="#RRGGBB">   guid, name, isCodable required
          <Description>…</Description>        optional, before nested codes
          <Code …>…</Code>                    nested codes = hierarchy
        </Code>
      </Codes>
      <Sets>                                  optional: <Set guid name><Description/><MemberCode guid/></Set>
    </CodeBook>

A GUID is 8-4-4-4-12 hex digits, optionally in braces. Triangulate keeps every GUID: export → import
gives back the same tree. The standard has no field for seed keywords or for our short codes, so
keywords travel as a last line of the description, `Keywords: a; b; c` (other tools show it as text),
and an incoming code without a matching GUID gets a code made from its name.

Untrusted XML is parsed with defusedxml (no entity expansion, no external entities, no DTDs). A
malformed or foreign file is refused with the reasons, and nothing is written.
"""
from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, SubElement, indent, tostring

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from sqlalchemy.engine import Engine
from sqlmodel import select

from schemas import ImportBatch, Issue
from triangulate.codebook import issues as codebook
from triangulate.core import audit
from triangulate.core.db import session_scope
from triangulate.core.errors import ImportFailed, Problem
from triangulate.core.permissions import Actor, require

NAMESPACE = "urn:QDA-XML:codebook:1.0"
SCHEMA_LOCATION = f"{NAMESPACE} http://schema.qdasoftware.org/versions/Codebook/v1.0/Codebook.xsd"
GUID = re.compile(r"^(\{)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?(1)\})$")
RGB = re.compile(r"^#[0-9a-fA-F]{6}$")
KEYWORDS_LINE = re.compile(r"\n*^Keywords:\s*(?P<words>.*)\Z", re.MULTILINE)
MAX_BYTES = 5_000_000
# A codebook is a shallow tree of at most a few hundred codes; these bounds refuse a hostile file (a tree
# 3,000 deep overflowed Python's recursion) before any of it is read into codes.
MAX_DEPTH = 12
MAX_ELEMENTS = 20_000


@dataclass
class QdcElement:
    """What a code and a set have alike in a REFI-QDA codebook."""

    guid: str
    name: str
    description: str = ""


@dataclass
class QdcCode(QdcElement):
    keywords: list[str] = field(default_factory=list)
    colour: str | None = None
    codable: bool = True
    children: list[QdcCode] = field(default_factory=list)

    def walk(self, parent: QdcCode | None = None):
        yield self, parent
        for child in self.children:
            yield from child.walk(self)


@dataclass
class QdcSet(QdcElement):
    members: list[str] = field(default_factory=list)


@dataclass
class QdcCodebook:
    codes: list[QdcCode]
    sets: list[QdcSet] = field(default_factory=list)
    origin: str = ""

    def all_codes(self):
        for root in self.codes:
            yield from root.walk()


def normal_guid(guid: str) -> str:
    return guid.strip("{}").lower()


# --------------------------------------------------------------------------- export
def code_element(parent: Element, *, guid: str, name: str, codable: bool, colour: str | None, description: str,
                 keywords: list[str] | None) -> Element:
    """One <Code> as the Codebook 1.0 schema writes it; keywords ride in the description (`Keywords: a; b`), the
    way `parse` reads them back. Shared by the codebook (.qdc) and the project (.qdpx) exports."""
    attrs = {"guid": guid, "name": name, "isCodable": "true" if codable else "false"}
    if colour:
        attrs["color"] = colour
    element = SubElement(parent, "Code", attrs)
    if keywords:
        description = f"{description}\n\nKeywords: {'; '.join(keywords)}".strip()
    if description:
        SubElement(element, "Description").text = description
    return element


def export_xml(engine: Engine, include_retired: bool = False) -> bytes:
    """The active codebook (tree order) as a REFI-QDA .qdc document (UTF-8 bytes)."""
    with session_scope(engine) as session:
        forest = codebook.tree(session, include_retired=include_retired)
    root = Element("CodeBook", {"xmlns": NAMESPACE, "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                                "xsi:schemaLocation": SCHEMA_LOCATION, "origin": "Triangulate"})
    codes = SubElement(root, "Codes")

    def add(parent: Element, node: dict) -> None:
        issue: Issue = node["issue"]
        element = code_element(parent, guid=issue.guid, name=issue.label, codable=issue.status == "active",
                               colour=issue.colour, description=issue.definition or "", keywords=issue.keywords)
        for child in node["children"]:
            add(element, child)

    for node in forest:
        add(codes, node)
    indent(root, space="  ")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(root, encoding="utf-8", xml_declaration=False)


# --------------------------------------------------------------------------- parse and validate
def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _root(data: bytes, filename: str):
    """The file's XML root, safely parsed; ImportFailed when the file is no REFI-QDA codebook at all."""
    def fail(message: str, fix: str):
        return ImportFailed([Problem(filename, None, None, message, fix)])

    if not data or not data.strip():
        raise fail("the file is empty", "export the codebook again from your QDA software as a .qdc file")
    if len(data) > MAX_BYTES:
        raise fail(f"the file is larger than {MAX_BYTES // 1_000_000} MB, too large for a codebook",
                   "check that this is a .qdc codebook, not a .qdpx project")
    if data[:2] == b"PK":
        raise fail("this is a zip archive (probably a .qdpx project), not a .qdc codebook",
                   "export the codebook only (File → Export codebook → REFI-QDA .qdc)")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise fail(f"the XML uses a forbidden construct ({type(exc).__name__}: entities or DTDs)",
                   "export the codebook again; a REFI-QDA codebook needs no DTD or entities") from None
    except SafeET.ParseError as exc:
        raise fail(f"this is not well-formed XML ({exc})",
                   "export the codebook again from your QDA software as a .qdc file") from None
    elements = sum(1 for _ in root.iter())
    if elements > MAX_ELEMENTS:
        raise fail(f"the file holds {elements:,} XML elements; a codebook has at most {MAX_ELEMENTS:,}",
                   "check that this is a codebook; split a very large one into several")
    if root.tag != _q("CodeBook"):
        found = root.tag.replace("{", "").replace("}", " ")
        raise fail(f"the root element is {found!r}, not a REFI-QDA <CodeBook> in namespace {NAMESPACE}",
                   "choose a REFI-QDA codebook (.qdc) file")
    return root


class _CodeReader:
    """Reads <Code> elements (recursively), noting every problem and the GUIDs seen."""

    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[Problem] = []
        self.guids: set[str] = set()

    def problem(self, message: str, fix: str) -> None:
        self.problems.append(Problem(self.filename, None, None, message, fix))

    def read(self, element, path: str, depth: int = 1) -> QdcCode | None:
        if depth > MAX_DEPTH:
            self.problem(f"codes are nested more than {MAX_DEPTH} levels deep (at {path[:200]})",
                         f"flatten the code tree to at most {MAX_DEPTH} levels")
            return None
        guid, name, codable, colour = (element.get("guid"), element.get("name"), element.get("isCodable"),
                                       element.get("color"))
        where = f"code {name!r}" if name else f"a code at {path}"
        ok = self._attributes_ok(guid, name, codable, colour, path, where)
        description, children = self._contents(element, path, where, depth)
        if not ok:
            return None
        description = description.strip()
        keywords: list[str] = []
        match = KEYWORDS_LINE.search(description)
        if match:
            keywords = [w.strip() for w in re.split(r"[;,]", match.group("words")) if w.strip()]
            description = description[:match.start()].strip()
        return QdcCode(guid=guid, name=name.strip(), description=description, keywords=keywords,
                       colour=colour.upper() if colour else None, codable=codable in ("true", "1"),
                       children=children)

    def _attributes_ok(self, guid, name, codable, colour, path: str, where: str) -> bool:
        ok = True
        if not guid or not GUID.match(guid):
            self.problem(f"{where} has no valid guid (found {guid!r})", "give each <Code> a GUID such as "
                         "4d8f2a1c-0b5e-4c3f-9a7d-2e1f0c9b8a76")
            ok = False
        elif normal_guid(guid) in self.guids:
            self.problem(f"{where} repeats guid {guid}", "give each <Code> its own GUID")
            ok = False
        else:
            self.guids.add(normal_guid(guid))
        if not name or not name.strip():
            self.problem(f"a code at {path} has no name", "give each <Code> a name attribute")
            ok = False
        if codable not in ("true", "false", "1", "0"):
            self.problem(f"{where} has isCodable={codable!r}", "set isCodable to true or false")
            ok = False
        if colour is not None and not RGB.match(colour):
            self.problem(f"{where} has colour {colour!r}", "use #RRGGBB colours or leave colour out")
            ok = False
        return ok

    def _contents(self, element, path: str, where: str, depth: int) -> tuple[str, list[QdcCode]]:
        description, children, seen_code = "", [], False
        for child in element:
            if child.tag == _q("Description"):
                if seen_code or description:
                    self.problem(f"{where} has a misplaced or repeated <Description>",
                                 "put one <Description> before the nested codes")
                description = child.text or ""
            elif child.tag == _q("Code"):
                seen_code = True
                read = self.read(child, f"{path}/{child.get('name') or '?'}", depth + 1)
                if read:
                    children.append(read)
            elif child.tag != _q("NoteRef"):  # NoteRef: allowed in project files; notes are not imported
                self.problem(f"{where} contains an unexpected element <{_local(child.tag)}>",
                             "a <Code> holds only <Description> and nested <Code> elements")
        return description, children

    def sets(self, sets_el) -> list[QdcSet]:
        sets: list[QdcSet] = []
        for sets_parent in sets_el:
            for s in sets_parent:
                if s.tag != _q("Set") or not s.get("name") or not GUID.match(s.get("guid") or ""):
                    self.problem("a <Set> lacks a name or a valid guid",
                                 "give each <Set> a name and a GUID, or drop <Sets>")
                    continue
                members = []
                for m in s:
                    if m.tag == _q("MemberCode"):
                        if normal_guid(m.get("guid") or "") not in self.guids:
                            self.problem(f"set {s.get('name')!r} lists a code guid {m.get('guid')!r} that is not "
                                         "in <Codes>", "list only codes that the codebook defines")
                        members.append(m.get("guid"))
                desc = next((d.text or "" for d in s if d.tag == _q("Description")), "")
                sets.append(QdcSet(guid=s.get("guid"), name=s.get("name"), description=desc, members=members))
        return sets


def parse(data: bytes, filename: str = "codebook.qdc") -> QdcCodebook:
    """Parse and validate against the Codebook 1.0 schema's rules; raise ImportFailed with every problem."""
    root = _root(data, filename)
    reader = _CodeReader(filename)
    codes_el = [c for c in root if c.tag == _q("Codes")]
    sets_el = [c for c in root if c.tag == _q("Sets")]
    for other in root:
        if other.tag not in (_q("Codes"), _q("Sets")):
            reader.problem(f"<CodeBook> contains an unexpected element <{_local(other.tag)}>",
                           "a codebook holds <Codes> and optionally <Sets>")
    if len(codes_el) != 1:
        raise ImportFailed(reader.problems + [Problem(filename, None, None, "the codebook has no <Codes> element"
                                                      if not codes_el else "the codebook has more than one <Codes>",
                                                      "a REFI-QDA codebook has exactly one <Codes> element")])
    codes: list[QdcCode] = []
    for element in codes_el[0]:
        if element.tag != _q("Code"):
            reader.problem(f"<Codes> contains an unexpected element <{_local(element.tag)}>",
                           "<Codes> holds <Code> only")
            continue
        read = reader.read(element, element.get("name") or "?")
        if read:
            codes.append(read)
    if not codes and not reader.problems:
        reader.problem("<Codes> holds no <Code>", "a codebook needs at least one code")
    sets = reader.sets(sets_el)
    if reader.problems:
        raise ImportFailed(reader.problems)
    return QdcCodebook(codes=codes, sets=sets, origin=root.get("origin") or "")


def _local(tag: str) -> str:
    return tag.split("}", 1)[-1]


# --------------------------------------------------------------------------- import
def import_qdc(engine: Engine, actor: Actor, data: bytes, filename: str = "codebook.qdc") -> dict:
    """Merge a .qdc into the codebook in one transaction. Codes are matched by GUID (updated: name,
    description, keywords, colour, parent); unmatched codes are added. Issues absent from the file are left
    as they are. The same file twice changes nothing. Returns {added, updated, unchanged, sets, already}."""
    require(actor, "codebook.edit")
    book = parse(data, filename)
    checksum = hashlib.sha256(data).hexdigest()
    report = {"added": 0, "updated": 0, "unchanged": 0, "sets": len(book.sets), "already": False}
    with session_scope(engine) as session:
        if session.exec(select(ImportBatch).where(ImportBatch.kind == "codebook",
                                                  ImportBatch.checksum == checksum)).first():
            report["already"] = True
            return report
        existing = list(session.exec(select(Issue)))
        by_guid = {normal_guid(i.guid): i for i in existing}
        taken = {i.code for i in existing}
        order = max((i.sort_order for i in existing), default=0)
        ids: dict[str, int] = {}
        for code, parent in book.all_codes():
            order += 1
            parent_id = ids[normal_guid(parent.guid)] if parent else None
            issue = by_guid.get(normal_guid(code.guid))
            if issue is None:
                issue = Issue(code=codebook.slug(code.name, taken), label=code.name[:120],
                              definition=code.description, keywords=code.keywords, colour=code.colour,
                              parent_id=parent_id, guid=code.guid,
                              status="active" if code.codable else "retired", sort_order=order)
                taken.add(issue.code)
                session.add(issue)
                session.flush()
                report["added"] += 1
            else:
                new = (code.name[:120], code.description, code.keywords, code.colour, parent_id)
                old = (issue.label, issue.definition, list(issue.keywords or []), issue.colour, issue.parent_id)
                if new != old:
                    (issue.label, issue.definition, issue.keywords, issue.colour, issue.parent_id) = new
                    session.add(issue)
                    report["updated"] += 1
                else:
                    report["unchanged"] += 1
            ids[normal_guid(code.guid)] = issue.id
        session.add(ImportBatch(kind="codebook", filename=filename, checksum=checksum,
                                rows=report["added"] + report["updated"] + report["unchanged"],
                                imported_by=actor.username, report=dict(report)))
        audit.record(session, actor, "import", "codebook", filename, origin=book.origin, **{
            k: v for k, v in report.items() if k != "already"})
    return report


def new_guid() -> str:
    return str(uuid.uuid4())
