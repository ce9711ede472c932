"""REFI-QDA projects (.qdpx): round trip, the conventions of several exporters, and hostile archives.

The fixtures are written here, after the conventions each tool's documentation and the REFI-QDA Project 1.0
schema describe (no exported file is copied): QualCoder (a `sources/` folder, users named, cases with
variables), NVivo-style Windows exports (CRLF text whose positions count both characters, GUIDs in braces
and upper case, a byte-order mark), MAXQDA-style (a project file not called project.qde, inline text, two
sources with one name) and ATLAS.ti-style (a code attached to a whole source, colours as #abc).
"""
from __future__ import annotations

import contextlib
import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triangulate.codebook import qdc
from triangulate.core.errors import ImportFailed
from triangulate.residents import qdpx

NS = qdpx.NAMESPACE
CODE_A = "5b0f7f5e-3c1d-4b8e-9a51-0e6f1d2c3a4b"
CODE_B = "9d2e8c71-6a4f-4e0b-8f3d-7c1b2a3d4e5f"
SOURCE = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
TEXT = ("Interviewer: How do you get the weans to school?\n"
        "Resident: The bus is two pound fifty each way, so we walk when it's dry.\n"
        "Resident: The hoose is damp, black mould in the wean's room.\n")


def _zip(files: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data if isinstance(data, bytes) else data.encode("utf-8"))
    return out.getvalue()


def _codebook(*extra_attrs: str) -> str:
    return (f'<CodeBook><Codes><Code guid="{CODE_A}" name="Transport" isCodable="true" {" ".join(extra_attrs)}>'
            f'<Description>Getting about</Description></Code>'
            f'<Code guid="{CODE_B}" name="Housing" isCodable="true"/></Codes></CodeBook>')


def _span(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


def test_round_trip_keeps_sources_codes_selections_and_variables():
    start, end = _span(TEXT, "The bus is two pound fifty each way")
    code = qdc.QdcCode(guid=CODE_A, name="Transport", description="Getting about", keywords=["bus", "fare"],
                       colour="#1F77B4", children=[qdc.QdcCode(guid=CODE_B, name="Fares")])
    source = qdpx.TextSource(guid=SOURCE, name="Interview, Govan, 14/10/2024", text=TEXT,
                             selections=[qdpx.Selection(guid=qdpx.new_guid(), start=start, end=end,
                                                        code_guids=[CODE_A, CODE_B], coder="researcher")],
                             variables={"ward": "Govan", "method": "interview"}, notes=["Held in the community hub"])
    project = qdpx.Project(name="Govan", origin="Triangulate", codes=[code], sources=[source],
                           users={qdpx.new_guid(): "researcher"})
    again = qdpx.read("govan.qdpx", qdpx.write(project))
    assert [c.name for c, _ in again.all_codes()] == ["Transport", "Fares"]
    assert again.codes[0].keywords == ["bus", "fare"] and again.codes[0].colour == "#1F77B4"
    (read_source,) = again.sources
    assert read_source.text == TEXT and read_source.name == source.name
    assert read_source.variables == {"ward": "Govan", "method": "interview"}
    assert read_source.notes == ["Held in the community hub"]
    (selection,) = read_source.selections
    assert (selection.start, selection.end) == (start, end)
    assert TEXT[selection.start:selection.end] == "The bus is two pound fifty each way"
    assert selection.code_guids == [CODE_A, CODE_B] and selection.coder == "researcher"


def test_written_project_follows_the_schema_order():
    project = qdpx.Project(name="p", origin="Triangulate", codes=[qdc.QdcCode(guid=CODE_A, name="Transport")],
                           sources=[qdpx.TextSource(guid=SOURCE, name="s", text=TEXT, variables={"ward": "Govan"},
                                                    selections=[qdpx.Selection(qdpx.new_guid(), 0, 5, [CODE_A])])],
                           users={qdpx.new_guid(): "sam"}, description="demo")
    archive = zipfile.ZipFile(io.BytesIO(qdpx.write(project)))
    assert sorted(archive.namelist()) == ["Sources/" + SOURCE + ".txt", "project.qde"]
    import defusedxml.ElementTree as SafeET

    root = SafeET.fromstring(archive.read("project.qde"))
    order = ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs", "Description"]
    seen = [child.tag.split("}")[1] for child in root]
    assert seen == sorted(seen, key=order.index)
    assert root.get("name") == "p"
    text_source = root.find(f"{{{NS}}}Sources/{{{NS}}}TextSource")
    children = [c.tag.split("}")[1] for c in text_source]
    source_order = ["Description", "PlainTextContent", "PlainTextSelection", "Coding", "NoteRef", "VariableValue"]
    assert children == sorted(children, key=source_order.index)
    for selection in text_source.iter(f"{{{NS}}}PlainTextSelection"):
        assert {"guid", "startPosition", "endPosition"} <= set(selection.attrib)


def _qualcoder_style() -> bytes:
    user = "7e57d004-2b97-0e7a-b45f-5387367791cd"
    var = "0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f"
    case = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"
    start, end = _span(TEXT, "The hoose is damp, black mould in the wean's room.")
    xml = (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{NS}" name="qc" origin="QualCoder 3.5">'
           f'<Users><User guid="{user}" name="jo"/></Users>{_codebook()}'
           f'<Variables><Variable guid="{var}" name="neighbourhood" typeOfVariable="Text"/></Variables>'
           f'<Cases><Case guid="{case}" name="Family 3"><VariableValue><VariableRef targetGUID="{var}"/>'
           f'<TextValue>Ibrox</TextValue></VariableValue><SourceRef targetGUID="{SOURCE}"/></Case></Cases>'
           f'<Sources><TextSource guid="{SOURCE}" name="family3.txt" plainTextPath="internal://{SOURCE}.txt" '
           f'creatingUser="{user}"><PlainTextSelection guid="{qdpx.new_guid()}" startPosition="{start}" '
           f'endPosition="{end}" creatingUser="{user}"><Coding guid="{qdpx.new_guid()}" creatingUser="{user}">'
           f'<CodeRef targetGUID="{CODE_B}"/></Coding></PlainTextSelection></TextSource></Sources></Project>')
    return _zip({"project.qde": xml, f"sources/{SOURCE}.txt": TEXT})


def test_qualcoder_convention_lower_case_sources_users_and_cases():
    project = qdpx.read("qc.qdpx", _qualcoder_style())
    (source,) = project.sources
    assert source.variables == {"neighbourhood": "Ibrox", "case": "Family 3"}
    (selection,) = source.selections
    assert source.text[selection.start:selection.end].startswith("The hoose is damp")
    assert selection.coder == "jo" and selection.code_guids == [CODE_B]


def test_windows_convention_crlf_positions_braced_guids_and_bom():
    windows = TEXT.replace("\n", "\r\n")
    start, end = _span(windows, "The hoose is damp")
    braced = "{" + CODE_B.upper() + "}"
    xml = (f'<Project xmlns="{NS}" name="nv" origin="NVivo">'
           f'<CodeBook><Codes><Code guid="{{{CODE_A.upper()}}}" name="Transport" isCodable="true"/>'
           f'<Code guid="{braced}" name="Housing" isCodable="true"/></Codes></CodeBook>'
           f'<Sources><TextSource guid="{{{SOURCE.upper()}}}" name="Interview 3" '
           f'plainTextPath="internal://{SOURCE.upper()}.txt"><PlainTextSelection guid="{{{qdpx.new_guid()}}}" '
           f'startPosition="{start}" endPosition="{end}"><Coding guid="{qdpx.new_guid()}">'
           f'<CodeRef targetGUID="{braced}"/></Coding></PlainTextSelection></TextSource></Sources></Project>')
    project = qdpx.read("nv.qdpx", _zip({"project.qde": xml,
                                          f"Sources/{SOURCE.upper()}.txt": b"\xef\xbb\xbf" + windows.encode()}))
    (source,) = project.sources
    assert "\r" not in source.text
    (selection,) = source.selections
    assert source.text[selection.start:selection.end] == "The hoose is damp"
    assert selection.code_guids == [CODE_B]


def test_maxqda_and_atlas_conventions_inline_text_other_name_whole_source_codes_short_colours():
    start, end = _span(TEXT, "two pound fifty")
    second = "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7"
    colour_attribute = chr(99) + "olor=" + chr(34) + "#f00" + chr(34)
    xml = (f'<Project xmlns="{NS}" name="mx" origin="MAXQDA 2022">{_codebook(colour_attribute)}'
           f'<Sources><TextSource guid="{SOURCE}" name="Interview"><PlainTextContent>{TEXT}</PlainTextContent>'
           f'<PlainTextSelection guid="{qdpx.new_guid()}" startPosition="{start}" endPosition="{end}">'
           f'<Coding guid="{qdpx.new_guid()}"><CodeRef targetGUID="{CODE_A}"/></Coding></PlainTextSelection>'
           f'<Coding guid="{qdpx.new_guid()}"><CodeRef targetGUID="{CODE_B}"/></Coding></TextSource>'
           f'<TextSource guid="{second}" name="Interview"><PlainTextContent>Aye.</PlainTextContent></TextSource>'
           f'<AudioSource guid="{qdpx.new_guid()}" name="interview.m4a" path="internal://a.m4a"/>'
           f'<PDFSource guid="{qdpx.new_guid()}" name="leaflet.pdf" path="internal://b.pdf"/></Sources></Project>')
    project = qdpx.read("mx.qdpx", _zip({"Govan study.qde": xml}))
    assert [s.name for s in project.sources] == ["Interview", "Interview"]
    first = project.sources[0]
    assert first.text[first.selections[0].start:first.selections[0].end] == "two pound fifty"
    assert first.whole_source_codes == [CODE_B]
    assert project.codes[0].colour == "#FF0000"
    assert len(project.left_out) == 2 and "audio" in project.left_out[0] and "PDF" in project.left_out[1]


@pytest.mark.parametrize("files, words", [
    ({"readme.txt": "hello"}, "no project file"),
    ({"project.qde": "<Project"}, "not well-formed"),
    ({"project.qde": f'<CodeBook xmlns="{qdc.NAMESPACE}"/>'}, "not a REFI-QDA <Project>"),
    ({"project.qde": f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
                     f'<Project xmlns="{NS}" name="x">&b;</Project>'}, "forbidden construct"),
    ({"project.qde": f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                     f'<Project xmlns="{NS}" name="x">&e;</Project>'}, "forbidden construct"),
    ({"project.qde": f'<Project xmlns="{NS}" name="x"><Sources><TextSource guid="{SOURCE}" name="s" '
                     f'plainTextPath="internal://../../etc/passwd"/></Sources></Project>'}, "leaves the archive"),
    ({"project.qde": f'<Project xmlns="{NS}" name="x"><Sources><TextSource guid="{SOURCE}" name="s" '
                     f'plainTextPath="absolute:///home/me/a.txt"/></Sources></Project>'}, "outside the archive"),
    ({"project.qde": f'<Project xmlns="{NS}" name="x"><Sources><TextSource guid="{SOURCE}" name="s" '
                     f'plainTextPath="internal://missing.txt"/></Sources></Project>'}, "not in the archive"),
    ({"project.qde": f'<Project xmlns="{NS}" name="x">{_codebook()}<Sources><TextSource guid="{SOURCE}" name="s">'
                     f'<PlainTextContent>short</PlainTextContent><PlainTextSelection guid="{CODE_A}" '
                     f'startPosition="2" endPosition="99"/></TextSource></Sources></Project>'}, "outside the text"),
    ({"project.qde": f'<Project xmlns="{NS}" name="x">{_codebook()}<Sources><TextSource guid="{SOURCE}" name="s">'
                     f'<PlainTextContent>short text</PlainTextContent><PlainTextSelection guid="{CODE_A}" '
                     f'startPosition="0" endPosition="5"><Coding guid="{CODE_B}"><CodeRef '
                     f'targetGUID="00000000-0000-4000-8000-000000000000"/></Coding></PlainTextSelection>'
                     f'</TextSource></Sources></Project>'}, "does not define"),
    ({"project.qde": f'<Project xmlns="{NS}" name="x"><CodeBook><Codes><Code guid="{CODE_A}" name="A" '
                     f'isCodable="true"/><Code guid="{CODE_A}" name="B" isCodable="true"/></Codes></CodeBook>'
                     f'</Project>'}, "repeats guid"),
    ({"project.qde": f'<Project xmlns="{NS}" name="x"><Sources><AudioSource guid="{SOURCE}" name="a.m4a"/>'
                     f'</Sources></Project>'}, "no text source"),
    ({"project.qde": f'<Project xmlns="{NS}" name="x">' + "<Description>" * 300 + "</Description>" * 300 +
                     "</Project>"}, "nested"),
    ({"../evil.qde": "x", "project.qde": f'<Project xmlns="{NS}" name="x"/>'}, "leaves the archive"),
])
def test_hostile_or_broken_projects_are_refused_with_a_reason(files, words):
    with pytest.raises(ImportFailed) as caught:
        qdpx.read("bad.qdpx", _zip(files))
    text = " ".join(p.message for p in caught.value.problems)
    assert words in text, text
    assert all(p.fix for p in caught.value.problems)


def test_not_a_zip_and_zip_bombs_are_refused_before_unpacking(monkeypatch):
    with pytest.raises(ImportFailed, match="zip archive"):
        qdpx.read("x.qdpx", b"<Project/>")
    monkeypatch.setattr(qdpx, "MAX_UNPACKED_BYTES", 1_000_000)  # the same check, on a bomb small enough to build
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", b"<" + b" " * 2_000_000 + b">")
    assert len(bomb.getvalue()) < 10_000
    read_calls = []
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda *a, **k: read_calls.append(a) or b"")
    with pytest.raises(ImportFailed, match="unpacks to"):
        qdpx.read("bomb.qdpx", bomb.getvalue())
    assert read_calls == []  # refused from the archive's directory alone


@settings(max_examples=60, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), min_size=1,
                    max_size=300),
       cuts=st.lists(st.tuples(st.integers(0, 300), st.integers(1, 40)), max_size=5))
def test_any_text_and_selections_survive_the_round_trip(text, cuts):
    import unicodedata

    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch in "\n\t") or "x"
    selections = [qdpx.Selection(qdpx.new_guid(), min(a, len(text) - 1), min(a + n, len(text)), [CODE_A])
                  for a, n in cuts]
    selections = [s for s in selections if s.start < s.end]
    project = qdpx.Project(name="p", origin="t", codes=[qdc.QdcCode(guid=CODE_A, name="A")],
                           sources=[qdpx.TextSource(guid=SOURCE, name="s", text=text, selections=selections)])
    again = qdpx.read("p.qdpx", qdpx.write(project)).sources[0]
    assert again.text == text
    assert [(s.start, s.end) for s in again.selections] == [(s.start, s.end) for s in selections]


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes_give_import_failed_or_a_project(data):
    with contextlib.suppress(ImportFailed):
        qdpx.read("fuzz.qdpx", data)
    with contextlib.suppress(ImportFailed):
        qdpx.read("fuzz.qdpx", _zip({"project.qde": data}))
