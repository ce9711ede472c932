"""REFI-QDA projects through the product: a coded project from another tool becomes redacted transcripts with
the researchers' own codes on the right segments; Triangulate's export imports back unchanged."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlmodel import Session, func, select

from schemas import Issue, Segment, SegmentCode, Transcript
from tests import joint_scenario as js
from triangulate.codebook import qdc
from triangulate.core.errors import ImportFailed, PermissionDenied
from triangulate.core.permissions import Actor
from triangulate.residents import projects, qdpx

pytestmark = pytest.mark.slow  # spaCy redacts every source

SAM = Actor("sam", "researcher")
HOUSING_GUID = "11111111-2222-4333-8444-555555555555"
BUS_GUID = "66666666-7777-4888-9999-aaaaaaaaaaaa"
TEXT = ("Interviewer: How is the flat these days?\n"
        "Respondent: See the hoose, it's damp, there's black mould in the wean's room and Moira Kerr next door "
        "has the same. The landlord just says open a windae.\n"
        "Interviewer: And getting about?\n"
        "Respondent: The bus fae Govan Cross is two pound fifty each way, so we walk when it's dry.\n")


def _nvivo_style_project(text: str = TEXT, extra_code: bool = False) -> bytes:
    def span(words: str) -> tuple[int, int]:
        at = text.index(words)
        return at, at + len(words)

    damp = span("it's damp, there's black mould in the wean's room")
    bus = span("The bus fae Govan Cross is two pound fifty each way, so we walk when it's dry.")
    into_name = (text.index("Kerr next door"), text.index("Kerr next door") + len("Kerr next door"))
    codes = [qdc.QdcCode(guid=HOUSING_GUID.upper(), name="Housing"),  # matched by name (any case)
             qdc.QdcCode(guid=BUS_GUID, name="Bus fares", description="What buses cost")]
    if extra_code:
        codes.append(qdc.QdcCode(guid="bbbbbbbb-cccc-4ddd-8eee-ffffffffffff", name="Transport"))
    source = qdpx.TextSource(
        guid="12345678-1234-4234-8234-123456789012", name="Interview with Moira Kerr.docx", text=text,
        selections=[qdpx.Selection(qdpx.new_guid(), *damp, [HOUSING_GUID], coder="jo (NVivo)"),
                    qdpx.Selection(qdpx.new_guid(), *bus, [BUS_GUID], coder="jo (NVivo)"),
                    qdpx.Selection(qdpx.new_guid(), *into_name, [HOUSING_GUID], coder="al (NVivo)"),
                    qdpx.Selection(qdpx.new_guid(), 0, 20, [BUS_GUID], coder="jo (NVivo)")],  # the interviewer
        variables={"Ward": "Govan", "Interview date": "2024-10-14"}, notes=["Moira asked for a copy."])
    return qdpx.write(qdpx.Project(name="Govan study", origin="NVivo 14", codes=codes, sources=[source],
                                   users={qdpx.new_guid(): "jo (NVivo)", qdpx.new_guid(): "al (NVivo)"}))


def _codes(engine) -> list[tuple[str, str, str, str]]:
    """(coder, issue code, coded words, segment text) for every code, in a stable order."""
    with Session(engine) as s:
        rows = s.exec(select(SegmentCode, Segment.text, Issue.code).join(Segment, Segment.id == SegmentCode.segment_id)
                      .join(Issue, Issue.id == SegmentCode.issue_id).order_by(Segment.order, SegmentCode.id)).all()
    return [(c.coder, code, text[c.span_start:c.span_end] if c.span_start is not None else "(whole)", text)
            for c, text, code in rows]


def test_a_coded_project_becomes_redacted_transcripts_with_the_researchers_codes(engine):
    js.base(engine)
    pp = projects.preview_project(engine, SAM, "govan.qdpx", _nvivo_style_project())
    assert pp.code_map[HOUSING_GUID.lower()] == "housing"
    assert pp.code_map[BUS_GUID] == projects.NEW
    (sp,) = pp.sources
    assert sp.ward == "Govan" and str(sp.held_on) == "2024-10-14"
    saved = projects.save_project(engine, SAM, pp)
    assert len(saved.transcripts) == 1 and saved.new_issues == ["bus_fares"]
    codes = _codes(engine)
    by_words = {(coder, code): words for coder, code, words, _ in codes}
    assert by_words[("jo (NVivo)", "housing")] == "it's damp, there's black mould in the wean's room"
    assert by_words[("jo (NVivo)", "bus_fares")] == "(whole)"  # the selection is the whole segment
    # A selection that began inside a redacted name is widened to the pseudonym, never to the name.
    al = by_words[("al (NVivo)", "housing")]
    assert al.startswith("[PERSON") and "Kerr" not in al
    assert all(coder != "jo (NVivo)" or code != "bus_fares" or "Interviewer" not in text
               for coder, code, _, text in codes)
    assert any("widened" in w for w in sp.warnings) and any("interviewer" in w for w in sp.warnings)
    with Session(engine) as s:
        transcript = s.exec(select(Transcript)).one()
        assert "Kerr" not in transcript.notes and "copy" in transcript.notes
        assert "Kerr" not in transcript.title and "Kerr" not in transcript.source_filename
        housing = s.exec(select(Segment).where(Segment.text.contains("mould"))).one()
        assert housing.issue_source == "manual"


def test_nothing_is_saved_when_one_source_cannot_be(engine):
    js.base(engine)
    pp = projects.preview_project(engine, SAM, "govan.qdpx", _nvivo_style_project())
    pp.sources[0].ward = ""
    with pytest.raises(ImportFailed) as caught:
        projects.save_project(engine, SAM, pp, code_map={BUS_GUID: "not_a_code"})
    messages = " ".join(p.message for p in caught.value.problems)
    assert "not_a_code" in messages and "ward" in messages
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Transcript)).one() == 0
        assert s.exec(select(func.count()).select_from(Issue).where(Issue.code == "bus_fares")).one() == 0


def test_codes_can_be_mapped_or_left_out(engine):
    js.base(engine)
    pp = projects.preview_project(engine, SAM, "govan.qdpx", _nvivo_style_project())
    projects.save_project(engine, SAM, pp, code_map={BUS_GUID: "transport", HOUSING_GUID: projects.SKIP})
    codes = {code for _, code, _, _ in _codes(engine)}
    assert codes == {"transport"}


def test_only_researchers_import_and_viewers_cannot_export(engine):
    js.base(engine)
    with pytest.raises(PermissionDenied):
        projects.preview_project(engine, Actor("off", "officer"), "p.qdpx", _nvivo_style_project())
    with pytest.raises(PermissionDenied):
        projects.export_project(engine, Actor("v", "viewer"))


def test_triangulate_export_imports_back_unchanged(engine, tmp_path):
    js.base(engine)
    projects.save_project(engine, SAM, projects.preview_project(engine, SAM, "govan.qdpx", _nvivo_style_project()))
    exported = projects.export_project(engine, SAM)
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        assert "project.qde" in archive.namelist()
        assert "Kerr" not in archive.read("project.qde").decode() + "".join(
            archive.read(n).decode() for n in archive.namelist() if n.startswith("Sources/"))
    with Session(engine) as s:
        before_segments = [(seg.order, seg.speaker_role, seg.text) for seg in
                           s.exec(select(Segment).order_by(Segment.transcript_id, Segment.order))]
    before_codes = _codes(engine)

    from triangulate.core import db

    other = db.make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    db.upgrade(other)
    js.base(other)
    pp = projects.preview_project(other, SAM, "export.qdpx", exported)
    with Session(other) as s:
        known = {i.code for i in s.exec(select(Issue))}
    assert [c for c in pp.code_map.values() if c not in known] == [projects.NEW]  # only "Bus fares" is new
    projects.save_project(other, SAM, pp)
    with Session(other) as s:
        after_segments = [(seg.order, seg.speaker_role, seg.text) for seg in
                          s.exec(select(Segment).order_by(Segment.transcript_id, Segment.order))]
    assert after_segments == before_segments
    assert _codes(other) == before_codes
    other.dispose()


def test_round_trip_keeps_pseudonymised_speakers_and_numbers_new_names_after_them(engine, tmp_path):
    js.base(engine)
    text = ("Laura: How are you managing, Moira?\n"
            "Moira: Och, no bad. My wee boy Jayden needs new shoes and the Scottish Child Payment helps.\n"
            "Laura: And Tam?\n"
            "Moira: Tam's on the sick since his back went. Phone me on 07700 900123.\n")
    code = qdc.QdcCode(guid=HOUSING_GUID, name="Cost of the school day")
    at = text.index("My wee boy")
    source = qdpx.TextSource(guid=qdpx.new_guid(), name="Moira", text=text, selections=[
        qdpx.Selection(qdpx.new_guid(), at, at + len("My wee boy Jayden needs new shoes"), [HOUSING_GUID], "jo")])
    data = qdpx.write(qdpx.Project(name="p", origin="QualCoder", codes=[code], sources=[source]))
    pp = projects.preview_project(engine, SAM, "p.qdpx", data)
    assert pp.code_map[HOUSING_GUID] == "school_costs"
    projects.save_project(engine, SAM, pp, ward="Govan", residents_by_source={source.guid: ["Moira"]})
    exported = projects.export_project(engine, SAM)
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        body = "".join(archive.read(n).decode() for n in archive.namelist())
    assert not any(name in body for name in ("Laura", "Moira", "Jayden", "Tam", "07700"))

    from triangulate.core import db

    other = db.make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    db.upgrade(other)
    js.base(other)
    again = projects.preview_project(other, SAM, "export.qdpx", exported)
    assert again.sources[0].residents == ["[PERSON 2]"]
    assert again.sources[0].preview.redactions == []  # nothing left to redact, placeholders kept as they are
    projects.save_project(other, SAM, again)
    with Session(engine) as s, Session(other) as t:
        first = [(x.order, x.speaker_role, x.text) for x in s.exec(select(Segment).order_by(Segment.order))]
        second = [(x.order, x.speaker_role, x.text) for x in t.exec(select(Segment).order_by(Segment.order))]
    assert first == second and "[PERSON 3] needs new shoes" in first[1][2]
    assert _codes(other) == _codes(engine)
    other.dispose()


def test_command_line_imports_and_exports_a_project(tmp_path):
    import os
    import subprocess
    import sys

    from triangulate.core import db

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    js.base(engine)
    engine.dispose()
    project = tmp_path / "govan.qdpx"
    project.write_bytes(_nvivo_style_project())
    env = {**os.environ, "DATABASE_URL": url, "TRIANGULATE_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "triangulate", *args], env=env, capture_output=True, text=True,
                              timeout=600)

    dry = run("import-project", str(project), "--dry-run", "--map", "Bus fares=transport")
    assert dry.returncode == 0, dry.stderr
    assert "code 'Bus fares' → transport" in dry.stderr and "nothing saved" in dry.stdout
    bad = run("import-project", str(project), "--map", "Nonsense=transport")
    assert bad.returncode == 1 and "CODE=ISSUE" in bad.stderr
    done = run("import-project", str(project), "--map", "Bus fares=transport")
    assert done.returncode == 0, done.stderr
    assert "1 transcript(s) saved" in done.stdout and "new issues: none" in done.stdout
    out = tmp_path / "out.qdpx"
    exported = run("export-project", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert qdpx.read("out.qdpx", out.read_bytes()).sources


def test_project_page_reviews_and_saves_a_project(app_env):
    """The page as a researcher uses it: the codes table, each document's residents, save (AppTest cannot upload
    a file, so the preview is made by the library, as the page's button does)."""
    from tests.apptest_helpers import run_page
    from tests.conftest import actor
    from triangulate.core import db

    engine = db.get_engine()
    researcher = actor("researcher")
    pp = projects.preview_project(engine, researcher, "govan.qdpx", _nvivo_style_project())
    at = run_page("project_import.py", researcher, qdpx_preview_state=pp)
    assert not at.exception
    redactions = at.dataframe[-1].value
    assert "Moira Kerr" in set(redactions["found"]) and not any("Kerr" in t.value for t in at.text[1:])
    assert at.multiselect(key="qdpx_res_0").value == ["Respondent"]
    at.button(key="qdpx_save").click().run()
    assert not at.exception
    assert any("Saved 1 transcript(s)" in s.value for s in at.success)


def test_project_page_refuses_officers_and_codebook_offers_the_export(app_env):
    from tests.apptest_helpers import run_page
    from tests.conftest import actor

    at = run_page("project_import.py", actor("officer"))
    assert not at.exception and any("cannot import" in w.value for w in at.warning)
    lead = run_page("codebook.py", actor("lead"))
    assert not lead.exception
    lead.button(key="qdpx_prepare").click().run()
    assert not lead.exception
    assert lead.session_state["qdpx_export"][:2] == b"PK"
    viewer = run_page("codebook.py", actor("viewer"))
    assert not any(b.key == "qdpx_prepare" for b in viewer.button)
