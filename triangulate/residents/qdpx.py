"""REFI-QDA project files (.qdpx): read one safely, write one that other QDA tools open.

A .qdpx is a zip holding one XML project file (`project.qde`, namespace `urn:QDA-XML:project:1.0`) and the
sources it names (`Sources/<guid>.txt`, addressed as `internal://<guid>.txt`). The parts Triangulate uses:

    <Project name origin>
      <Users><User guid name/></Users>
      <CodeBook><Codes><Code guid name isCodable color>…</Code></Codes></CodeBook>
      <Variables><Variable guid name typeOfVariable/></Variables>
      <Cases><Case guid name><VariableValue>…</VariableValue><SourceRef targetGUID/></Case></Cases>
      <Sources>
        <TextSource guid name plainTextPath="internal://….txt" | <PlainTextContent>…>
          <Description/> <PlainTextSelection guid startPosition endPosition creatingUser>
                           <Coding guid><CodeRef targetGUID/></Coding> <NoteRef targetGUID/>
                         </PlainTextSelection>
          <NoteRef/> <VariableValue><VariableRef targetGUID/><TextValue>…</TextValue></VariableValue>
        </TextSource>
        <PDFSource/> <AudioSource/> <VideoSource/> <PictureSource/>   (left out, with a message)
      </Sources>
      <Notes><Note guid name><PlainTextContent>…</PlainTextContent></Note></Notes>
    </Project>

Positions are character (code point) offsets into the source's plain text, end exclusive.

Exporters differ, and the reader takes each as it comes: the project file may have another name than
`project.qde` (MAXQDA), the sources folder may be `sources` (older QualCoder), a source may carry its text
inline as `<PlainTextContent>` instead of a file, GUIDs may be upper case or in braces (NVivo, MAXQDA), a
plain-text file may start with a byte-order mark (Windows exporters), several sources may share a name
(MAXQDA), and codes may be attached to a whole source (`<Coding>` directly under `<TextSource>`, ATLAS.ti).

Untrusted archives are bounded before anything is unpacked (size, entry count, unpacked size, one XML
file's size), paths that leave the archive are refused, and the XML is parsed with defusedxml (no DTD, no
entities). Nothing here touches the database: `read()` returns a `Project` or raises `ImportFailed`.
"""
from __future__ import annotations

import bisect
import io
import re
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from xml.etree.ElementTree import Element, SubElement, indent, tostring

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from triangulate.codebook import qdc
from triangulate.core.errors import ImportFailed, Problem

NAMESPACE = "urn:QDA-XML:project:1.0"
SCHEMA_LOCATION = f"{NAMESPACE} http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd"
MAX_ARCHIVE_BYTES = 100 * 1024 * 1024  # the upload itself
MAX_UNPACKED_BYTES = 250 * 1024 * 1024  # everything the zip says it holds, checked before reading any of it
MAX_ENTRIES = 5_000
MAX_XML_BYTES = 60 * 1024 * 1024
MAX_SOURCE_CHARS = 2_000_000  # one text source: a very long interview is ~200,000 characters
MAX_DEPTH = 200  # nested elements; a real project is < 15 deep
OTHER_SOURCES = {"PDFSource": "PDF", "AudioSource": "audio", "VideoSource": "video", "PictureSource": "picture"}


@dataclass
class Selection:
    guid: str
    start: int  # character offsets in the source's plain text, end exclusive
    end: int
    code_guids: list[str]
    coder: str = ""  # the creating user's name (or GUID when the project names no users)
    name: str = ""
    note: str = ""


@dataclass
class TextSource:
    guid: str
    name: str
    text: str
    selections: list[Selection] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)  # from the source and from every case holding it
    description: str = ""
    notes: list[str] = field(default_factory=list)
    whole_source_codes: list[str] = field(default_factory=list)


@dataclass
class Project:
    name: str
    origin: str
    codes: list[qdc.QdcCode]
    sources: list[TextSource]
    users: dict[str, str] = field(default_factory=dict)  # normal guid -> name
    notes: dict[str, str] = field(default_factory=dict)  # normal guid -> text (memos)
    left_out: list[str] = field(default_factory=list)  # what was not imported, and why
    description: str = ""

    def all_codes(self):
        for root in self.codes:
            yield from root.walk()


def _ns(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def normal_guid(guid: str | None) -> str:
    return (guid or "").strip().strip("{}").lower()


# --------------------------------------------------------------------------- reading
def read(filename: str, data: bytes) -> Project:
    """Open and check a .qdpx. Raises ImportFailed naming every problem (and the fix); changes nothing."""
    def fail(message: str, fix: str) -> ImportFailed:
        return ImportFailed([Problem(filename, None, None, message, fix)])

    if len(data) > MAX_ARCHIVE_BYTES:
        raise fail(f"the file is {len(data) / 1e6:.0f} MB; the limit is {MAX_ARCHIVE_BYTES // 2**20} MB",
                   "export the project without audio, video and PDF sources, or split it")
    if not data.startswith(b"PK"):
        raise fail("this is not a .qdpx project (a .qdpx is a zip archive)",
                   "export the project from your QDA software as REFI-QDA project (.qdpx)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise fail(f"the zip archive is damaged ({exc})", "export the project again") from None
    _check_entries(filename, entries)
    qde = [e for e in entries if e.filename.lower().endswith(".qde") and "/" not in e.filename.strip("/")]
    if not qde:
        raise fail("the archive holds no project file (project.qde)",
                   "choose a REFI-QDA project export (.qdpx), not a zip of other files")
    main = next((e for e in qde if e.filename == "project.qde"), qde[0])
    if main.file_size > MAX_XML_BYTES:
        raise fail(f"the project file is {main.file_size / 1e6:.0f} MB", "split the project into several exports")
    root = _parse_xml(filename, archive.read(main))
    names = {e.filename: e for e in entries}
    return _project(filename, root, lambda path: _source_bytes(filename, archive, names, path))


def _check_entries(filename: str, entries: list[zipfile.ZipInfo]) -> None:
    problems: list[Problem] = []
    if len(entries) > MAX_ENTRIES:
        problems.append(Problem(filename, None, None, f"the archive holds {len(entries)} files; the limit is "
                                f"{MAX_ENTRIES}", "export fewer sources at a time"))
    unpacked = sum(max(e.file_size, 0) for e in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        problems.append(Problem(filename, None, None, f"the archive unpacks to {unpacked / 1e6:.0f} MB; the limit "
                                f"is {MAX_UNPACKED_BYTES // 2**20} MB", "export the project without audio and video"))
    for entry in entries:
        path = PurePosixPath(entry.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", entry.filename):
            problems.append(Problem(filename, None, entry.filename, "this path leaves the archive",
                                    "export the project again; a REFI-QDA project keeps its sources inside it"))
    if problems:
        raise ImportFailed(problems[:20])


def _parse_xml(filename: str, data: bytes) -> Element:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ImportFailed([Problem(filename, None, "project.qde", f"the XML uses a forbidden construct "
                                    f"({type(exc).__name__}: entities or DTDs)",
                                    "export the project again; REFI-QDA needs no DTD or entities")]) from None
    except SafeET.ParseError as exc:
        raise ImportFailed([Problem(filename, None, "project.qde", f"the project file is not well-formed XML "
                                    f"({exc})", "export the project again")]) from None
    except RecursionError:
        raise ImportFailed([Problem(filename, None, "project.qde", "the XML is nested too deeply",
                                    "export the project again")]) from None
    if _too_deep(root):
        raise ImportFailed([Problem(filename, None, "project.qde", f"the XML is nested more than {MAX_DEPTH} "
                                    "levels deep", "export the project again")])
    if root.tag != _ns("Project"):
        found = root.tag.replace("{", "").replace("}", " ")
        raise ImportFailed([Problem(filename, None, "project.qde", f"the root element is {found!r}, not a "
                                    f"REFI-QDA <Project> in namespace {NAMESPACE}",
                                    "choose a REFI-QDA project (.qdpx) exported by a QDA tool")])
    return root


def _too_deep(root: Element) -> bool:
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in element)
    return False


def _source_bytes(filename: str, archive: zipfile.ZipFile, names: dict, path: str) -> bytes:
    """The bytes of `internal://x` (looked up in Sources/ or sources/, any case)."""
    if not path.startswith("internal://"):
        kind = path.split("://", 1)[0] if "://" in path else "unknown"
        raise ImportFailed([Problem(filename, None, path, f"this source is stored outside the archive ({kind} path)",
                                    "export the project with its sources embedded (internal)")])
    inner = path[len("internal://"):].lstrip("/")
    if ".." in PurePosixPath(inner).parts:
        raise ImportFailed([Problem(filename, None, path, "this source path leaves the archive",
                                    "export the project again")])
    wanted = {f"sources/{inner}".lower(), inner.lower()}
    for name, entry in names.items():
        if name.lower() in wanted:
            return archive.read(entry)
    raise ImportFailed([Problem(filename, None, path, "the project names a source file that is not in the archive",
                                "export the project again with its sources")])


def _text(element: Element | None) -> str:
    return "" if element is None else (element.text or "")


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _codes(filename: str, root: Element) -> list[qdc.QdcCode]:
    """The project's codebook, checked by the .qdc reader (same rules) after moving it to that namespace."""
    book = root.find(_ns("CodeBook"))
    if book is None or book.find(_ns("Codes")) is None or not len(book.find(_ns("Codes"))):
        return []
    copy = Element(f"{{{qdc.NAMESPACE}}}CodeBook")
    stack = [(book.find(_ns("Codes")), copy)]
    while stack:
        source, parent = stack.pop()
        target = SubElement(parent, f"{{{qdc.NAMESPACE}}}{source.tag.split('}', 1)[-1]}", dict(source.attrib))
        target.text = source.text
        if target.get("isCodable") is None and source.tag == _ns("Code"):
            target.set("isCodable", "true")  # some exporters leave the default out
        if target.get("color") and len(target.get("color")) == 4:  # #abc → #aabbcc
            target.set("color", "#" + "".join(ch * 2 for ch in target.get("color")[1:]))
        stack.extend((child, target) for child in reversed(list(source)))
    try:
        return qdc.parse(tostring(copy), filename).codes
    except ImportFailed as exc:
        raise ImportFailed([Problem(filename, None, "codebook", p.message, p.fix) for p in exc.problems]) from None


def _variables(root: Element) -> dict[str, str]:
    out = {}
    for variable in root.iter(_ns("Variable")):
        out[normal_guid(variable.get("guid"))] = variable.get("name") or ""
    return out


def _values(element: Element, variables: dict[str, str]) -> dict[str, str]:
    out = {}
    for value in element.findall(_ns("VariableValue")):
        ref = value.find(_ns("VariableRef"))
        name = variables.get(normal_guid(ref.get("targetGUID") if ref is not None else ""), "")
        data = next((child.text or "" for child in value if child.tag != _ns("VariableRef")), "")
        if name:
            out[name] = data.strip()
    return out


def _project(filename: str, root: Element, read_source) -> Project:
    problems: list[Problem] = []
    users = {normal_guid(u.get("guid")): (u.get("name") or u.get("id") or "") for u in root.iter(_ns("User"))}
    notes = {normal_guid(n.get("guid")): _text(n.find(_ns("PlainTextContent"))) for n in root.iter(_ns("Note"))}
    codes = _codes(filename, root)
    known_codes = {normal_guid(c.guid) for root_code in codes for c, _ in root_code.walk()}
    variables = _variables(root)
    case_values: dict[str, dict[str, str]] = {}
    for case in root.iter(_ns("Case")):
        values = _values(case, variables)
        if case.get("name"):
            values.setdefault("case", case.get("name"))
        for ref in case.findall(_ns("SourceRef")):
            case_values.setdefault(normal_guid(ref.get("targetGUID")), {}).update(values)
    project = Project(name=root.get("name") or "", origin=root.get("origin") or "", codes=codes, sources=[],
                      users=users, notes=notes, description=_text(root.find(_ns("Description"))))
    sources = root.find(_ns("Sources"))
    for element in list(sources) if sources is not None else []:
        kind = element.tag.split("}", 1)[-1]
        name = element.get("name") or element.get("guid") or "?"
        if kind in OTHER_SOURCES:
            project.left_out.append(f"{name}: a {OTHER_SOURCES[kind]} source (only text sources are imported)")
            continue
        if kind != "TextSource":
            project.left_out.append(f"{name}: an unknown source type <{kind}>")
            continue
        try:
            project.sources.append(_text_source(filename, element, read_source, users, notes, variables,
                                                case_values, known_codes))
        except ImportFailed as exc:
            problems.extend(exc.problems)
    if problems:
        raise ImportFailed(problems[:50])
    if not project.sources:
        raise ImportFailed([Problem(filename, None, None, "the project holds no text source to import" +
                                    (f" ({'; '.join(project.left_out[:3])})" if project.left_out else ""),
                                    "add the interview transcripts as text documents, then export again")])
    return project


def _text_source(filename, element, read_source, users, notes, variables, case_values, known_codes) -> TextSource:
    guid, name = element.get("guid") or "", element.get("name") or ""
    where = f"source {name or guid!r}"
    inline = element.find(_ns("PlainTextContent"))
    path = element.get("plainTextPath")
    if inline is not None:
        text = inline.text or ""
    elif path:
        text = _decode(read_source(path))
    else:
        raise ImportFailed([Problem(filename, None, where, "this text source has neither a plain-text file nor "
                                    "inline text (only rich text)", "export the project with plain-text copies "
                                    "of the documents (the REFI-QDA export option for plain text)")])
    text, moved = _normalise_newlines(text)
    if len(text) > MAX_SOURCE_CHARS:
        raise ImportFailed([Problem(filename, None, where, f"the source has {len(text):,} characters; the limit "
                                    f"is {MAX_SOURCE_CHARS:,}", "split the document into several sources")])
    problems: list[Problem] = []
    selections = []
    for sel in element.findall(_ns("PlainTextSelection")):
        problem = _selection_problem(sel, text, moved, known_codes)
        if problem:
            problems.append(Problem(filename, None, where, *problem))
            continue
        creator = normal_guid(sel.get("creatingUser") or sel.get("modifyingUser"))
        note = " ".join(notes.get(normal_guid(ref.get("targetGUID")), "") for ref in sel.findall(_ns("NoteRef")))
        selections.append(Selection(guid=sel.get("guid") or "", start=moved(int(sel.get("startPosition"))),
                                    end=moved(int(sel.get("endPosition"))), code_guids=_code_refs(sel),
                                    coder=users.get(creator, creator), name=sel.get("name") or "",
                                    note=(note.strip() or _text(sel.find(_ns("Description"))).strip())))
    if problems:
        raise ImportFailed(problems)
    values = {**case_values.get(normal_guid(guid), {}), **_values(element, variables)}
    note_guids = [normal_guid(r.get("targetGUID")) for r in element.findall(_ns("NoteRef"))]
    return TextSource(guid=guid, name=name, text=text, selections=selections, variables=values,
                      description=_text(element.find(_ns("Description"))).strip(),
                      notes=[notes[g] for g in note_guids if g in notes],
                      whole_source_codes=_code_refs(element))


def _code_refs(element) -> list[str]:
    """The code GUIDs an element (a source or a selection) is coded with."""
    return [normal_guid(ref.get("targetGUID")) for coding in element.findall(_ns("Coding"))
            for ref in coding.findall(_ns("CodeRef"))]


def _selection_problem(sel, text: str, moved, known_codes) -> tuple[str, str] | None:
    """(message, fix) when a selection's positions or codes cannot be read; None when it is sound."""
    try:
        start, end = moved(int(sel.get("startPosition", ""))), moved(int(sel.get("endPosition", "")))
    except ValueError:
        return (f"selection {sel.get('guid')} has no whole-number start/end position", "export the project again")
    if not 0 <= start < end <= len(text):
        return (f"selection {sel.get('guid')} runs from {start} to {end}, outside the text (0–{len(text)})",
                "export the project again; if it recurs, the exporting tool counted positions in another text "
                "than it saved")
    unknown = [g for g in _code_refs(sel) if g not in known_codes]
    if unknown:
        return (f"selection {sel.get('guid')} is coded with a code ({unknown[0]}) that the project's codebook "
                "does not define", "export the whole project, codebook included")
    return None


def _normalise_newlines(text: str):
    """Text with \\n line ends, and a function moving an offset counted in the original text (where a Windows
    exporter counts \\r\\n as two characters) to the same place in the normalised text."""
    removed = [m.start() for m in re.finditer("\r\n", text)]  # the \\r of each \\r\\n goes
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")

    def moved(offset: int) -> int:
        return offset - bisect.bisect_left(removed, offset)

    return normalised, moved


# --------------------------------------------------------------------------- writing
def new_guid() -> str:
    return str(uuid.uuid4())


def _add_code(parent: Element, code: qdc.QdcCode) -> None:
    element = qdc.code_element(parent, guid=code.guid, name=code.name, codable=code.codable, colour=code.colour,
                               description=code.description, keywords=code.keywords)
    for child in code.children:
        _add_code(element, child)


def _add_selection(element: Element, source: TextSource, sel: Selection, stamp: str,
                   user_guids: dict[str, str]) -> None:
    attrs = {"guid": sel.guid, "name": sel.name or source.text[sel.start:sel.end][:60],
             "startPosition": str(sel.start), "endPosition": str(sel.end), "creationDateTime": stamp}
    if sel.coder in user_guids:
        attrs["creatingUser"] = user_guids[sel.coder]
    sel_el = SubElement(element, "PlainTextSelection", attrs)
    if sel.note:
        SubElement(sel_el, "Description").text = sel.note
    for code_guid in sel.code_guids:
        coding = SubElement(sel_el, "Coding", {"guid": new_guid(), "creationDateTime": stamp})
        SubElement(coding, "CodeRef", {"targetGUID": code_guid})


def write(project: Project, now: datetime | None = None) -> bytes:
    """A .qdpx (zip bytes) with `project.qde` and one `Sources/<guid>.txt` per text source, elements in the
    order the Project 1.0 schema requires."""
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    user_guids = {name: guid for guid, name in project.users.items()}
    root = Element("Project", {"xmlns": NAMESPACE, "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                               "xsi:schemaLocation": SCHEMA_LOCATION, "name": project.name or "Triangulate project",
                               "origin": project.origin or "Triangulate", "creationDateTime": stamp})
    if project.users:
        users = SubElement(root, "Users")
        for guid, name in project.users.items():
            SubElement(users, "User", {"guid": guid, "name": name})
    codes_parent = SubElement(SubElement(root, "CodeBook"), "Codes")
    for code in project.codes:
        _add_code(codes_parent, code)
    names = sorted({k for s in project.sources for k in s.variables})
    variable_guids = {name: new_guid() for name in names}
    if names:
        variables = SubElement(root, "Variables")
        for name in names:
            SubElement(variables, "Variable", {"guid": variable_guids[name], "name": name, "typeOfVariable": "Text"})
    notes: dict[str, str] = {}
    sources = SubElement(root, "Sources")
    files: dict[str, str] = {}
    for source in project.sources:
        element = SubElement(sources, "TextSource", {"guid": source.guid, "name": source.name,
                                                     "plainTextPath": f"internal://{source.guid}.txt",
                                                     "creationDateTime": stamp})
        files[f"Sources/{source.guid}.txt"] = source.text
        if source.description:
            SubElement(element, "Description").text = source.description
        for sel in source.selections:
            _add_selection(element, source, sel, stamp, user_guids)
        for note in source.notes:
            guid = new_guid()
            notes[guid] = note
            SubElement(element, "NoteRef", {"targetGUID": guid})
        for name, value in sorted(source.variables.items()):
            value_el = SubElement(element, "VariableValue")
            SubElement(value_el, "VariableRef", {"targetGUID": variable_guids[name]})
            SubElement(value_el, "TextValue").text = value
    if notes:
        notes_el = SubElement(root, "Notes")
        for guid, text in notes.items():
            note_el = SubElement(notes_el, "Note", {"guid": guid, "name": text[:40], "creationDateTime": stamp})
            SubElement(note_el, "PlainTextContent").text = text
    if project.description:
        SubElement(root, "Description").text = project.description
    indent(root, space="  ")
    xml = b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(root, encoding="utf-8", xml_declaration=False)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", xml)
        for path, text in files.items():
            archive.writestr(path, text.encode("utf-8"))
    return out.getvalue()
