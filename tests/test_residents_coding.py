"""People's coding of resident segments: several coders, spans, none, consensus, CSV in and out, signals."""
from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, update
from sqlmodel import Session, select

from schemas import AuditEvent, ImportBatch, Segment, SegmentCode
from tests import joint_scenario as js
from triangulate.access import erasure
from triangulate.codebook import issues as codebook
from triangulate.core.errors import ImportFailed, NotFound, PermissionDenied, TriangulateError
from triangulate.core.permissions import SYSTEM, Actor
from triangulate.joint import convergence as cv
from triangulate.joint import signals
from triangulate.residents import coding, topics

ANNE, BEN, CARA = Actor("anne", "researcher"), Actor("ben", "researcher"), Actor("cara", "researcher")
LEAD, OFFICER, VIEWER = Actor("lee", "lead"), Actor("off", "officer"), Actor("view", "viewer")


def machine(engine, transcript_id: int, source: str = "model") -> list[int]:
    """Pretend the analysis assigned the transcript's segments (they keep their planted issue)."""
    with Session(engine) as s:
        s.execute(update(Segment).where(Segment.transcript_id == transcript_id).values(issue_source=source))
        s.commit()
        return list(s.exec(select(Segment.id).where(Segment.transcript_id == transcript_id).order_by(Segment.order)))


@pytest.fixture
def city(engine):
    ids = js.base(engine)
    govan = js.transcript(engine, js.GOVAN, [
        ("resident", ids["transport"], "The bus from Govan Cross never comes."),
        ("resident", ids["housing"], "Damp and black mould in the weans' room."),
        ("resident", ids["food"], "Yeah."),
        ("facilitator", None, "And what about childcare?"),
        ("resident", ids["childcare"], "Nursery hours do not fit my shifts and the fares are too dear."),
    ])
    calton = js.transcript(engine, js.CALTON, [("resident", ids["transport"], "Buses are fine here."),
                                               ("resident", ids["food"], "The food bank helps.")], title="calton")
    return {"ids": ids, "govan": machine(engine, govan), "calton": machine(engine, calton)}


def effective(engine, seg_id):
    with Session(engine) as s:
        seg = s.get(Segment, seg_id)
        return seg.issue_id, seg.issue_source


def test_one_coder_codes_issues_and_none_and_signals_follow(city, engine):
    ids, seg = city["ids"], city["govan"]
    status = coding.code_segment(engine, ANNE, seg[2], ["none"])
    assert status.state == "coded" and status.effective == "none"
    assert effective(engine, seg[2]) == (None, "manual")
    status = coding.code_segment(engine, ANNE, seg[4], ["childcare", "transport"])
    assert status.consensus == ("childcare", "transport") and effective(engine, seg[4]) == (ids["childcare"], "manual")
    # coding an issue replaces the coder's none, and none replaces the coder's issues
    coding.code_segment(engine, ANNE, seg[2], ["food"])
    assert effective(engine, seg[2]) == (ids["food"], "manual")
    coding.code_segment(engine, ANNE, seg[2], "none")
    with Session(engine) as s:
        assert [r.issue_id for r in s.exec(select(SegmentCode).where(SegmentCode.segment_id == seg[2]))] == [None]
    sig = {(x.ward_code, x.issue_code): x for x in signals.resident_signals(
        engine, signals.context(engine), signals.Thresholds())}
    # "Yeah." coded none counts in neither the ward's base nor the city's
    assert sig[(js.GOVAN, "food")].level == "silent"
    assert sig[(js.GOVAN, "transport")].evidence["ward_segments"] == 3
    assert sig[(js.GOVAN, "transport")].evidence["off_topic"] == 1
    assert sig[(js.CALTON, "food")].evidence["city_share"] == pytest.approx(1 / 5)


def test_machine_none_counts_nowhere_and_all_none_ward_is_silent(city, engine):
    with Session(engine) as s:
        s.execute(update(Segment).where(Segment.id.in_(city["calton"])).values(issue_id=None, issue_source="none"))
        s.commit()
    sig = {(x.ward_code, x.issue_code): x for x in signals.resident_signals(
        engine, signals.context(engine), signals.Thresholds())}
    assert sig[(js.CALTON, "transport")].level == "silent"
    assert "2 segment(s) about no issue not counted" in sig[(js.CALTON, "transport")].summary
    assert sig[(js.GOVAN, "transport")].evidence["city_share"] == pytest.approx(1 / 4)


def test_spans_add_up_per_coder_and_none_is_whole_segment(city, engine):
    seg = city["govan"][4]
    text = "Nursery hours do not fit my shifts and the fares are too dear."
    span = coding.span_of(text, "the fares are too dear")
    coding.code_segment(engine, ANNE, seg, ["childcare"])
    status = coding.code_segment(engine, ANNE, seg, ["transport"], span=span)
    assert status.coders["anne"] == ("childcare", "transport")
    frame = coding.codes_frame(engine, ANNE, [seg])
    assert list(frame["words"]) == ["", "the fares are too dear"]
    # coding the whole segment again keeps the span's code
    coding.code_segment(engine, ANNE, seg, ["employability"])
    assert coding.statuses(engine, ANNE, [seg])[seg].coders["anne"] == ("transport", "employability")
    with pytest.raises(TriangulateError, match="whole segment"):
        coding.code_segment(engine, ANNE, seg, ["none"], span=span)
    with pytest.raises(TriangulateError, match="not inside"):
        coding.code_segment(engine, ANNE, seg, ["food"], span=(5, 999))
    with pytest.raises(TriangulateError, match="not in this segment"):
        coding.span_of(text, "housing")


def test_coders_disagree_majority_and_settlement(city, engine):
    ids, seg = city["ids"], city["govan"][0]
    coding.code_segment(engine, ANNE, seg, ["transport"])
    status = coding.code_segment(engine, BEN, seg, ["safety"])
    assert status.disputed and status.consensus is None and status.state == "disputed"
    # both kept; meanwhile the first coder's code stands, and the machine does not learn from it
    assert effective(engine, seg) == (ids["transport"], "manual")
    with Session(engine) as s:
        assert seg not in {i for i, _ in coding.manual_codes(s)}
    listed = coding.disagreements(engine, LEAD)
    assert list(listed["segment_id"]) == [seg] and listed["codes"][0] == "anne: transport; ben: safety"
    status = coding.code_segment(engine, CARA, seg, ["safety"])  # a majority forms
    assert status.consensus == ("safety",) and status.state == "majority"
    assert effective(engine, seg) == (ids["safety"], "manual")
    with Session(engine) as s:
        assert (seg, "safety") in coding.manual_codes(s)
    status = coding.settle(engine, LEAD, seg, ["transport"])
    assert status.state == "settled" and effective(engine, seg) == (ids["transport"], "manual")
    assert coding.disagreements(engine, LEAD).empty
    assert not coding.disagreements(engine, LEAD, include_settled=True).empty
    # two coders agreeing on one issue of two: that issue is the consensus
    other = city["govan"][4]
    coding.code_segment(engine, ANNE, other, ["childcare", "transport"])
    status = coding.code_segment(engine, BEN, other, ["childcare"])
    assert status.consensus == ("childcare",) and status.differ


def test_clearing_every_code_returns_the_segment_to_the_machine(city, engine):
    seg = city["govan"][1]
    coding.code_segment(engine, ANNE, seg, ["debt"])
    coding.code_segment(engine, BEN, seg, ["debt"])
    coding.clear_codes(engine, ANNE, seg)
    assert coding.statuses(engine, ANNE, [seg])[seg].coders == {"ben": ("debt",)}
    from schemas import TopicModel

    with Session(engine) as s:
        s.add(TopicModel(method="bertopic", is_current=True, stale=False))
        s.commit()
    coding.clear_codes(engine, BEN, seg)
    assert effective(engine, seg) == (None, "")
    with Session(engine) as s:  # so the next `analyse` runs and assigns it, though no text changed
        assert s.exec(select(TopicModel)).one().stale
    # and the residents' column now says so, with how many segments wait
    matrix = cv.matrix(engine, SYSTEM, [js.GOVAN]).set_index("issue_code")
    assert set(matrix["residents"]) == {"not analysed"}
    summary = matrix.loc["housing", "residents_summary"]
    assert "1 of this ward's 4 resident segments and 1 across the city wait" in summary
    assert matrix.loc["housing", "numbers–residents"] == "no data"
    calton = cv.matrix(engine, SYSTEM, [js.CALTON]).set_index("issue_code")
    assert "0 of this ward's 2" in calton.loc["housing", "residents_summary"]
    assert signals.waiting_segments(engine) == {js.GOVAN: 1}


def test_permissions_and_bad_targets(city, engine):
    seg = city["govan"][0]
    for who in (OFFICER, VIEWER, LEAD):
        with pytest.raises(PermissionDenied):
            coding.code_segment(engine, who, seg, ["transport"])
    with pytest.raises(PermissionDenied):
        coding.settle(engine, OFFICER, seg, ["transport"])
    with pytest.raises(PermissionDenied):
        coding.segments_frame(engine, VIEWER)
    with pytest.raises(NotFound, match="erased"):
        coding.code_segment(engine, ANNE, 99999, ["transport"])
    with pytest.raises(TriangulateError, match="facilitator"):
        coding.code_segment(engine, ANNE, city["govan"][3], ["transport"])
    with pytest.raises(TriangulateError, match="not an issue code"):
        coding.code_segment(engine, ANNE, seg, ["buses"])
    with pytest.raises(TriangulateError, match="not both"):
        coding.code_segment(engine, ANNE, seg, ["none", "transport"])
    with pytest.raises(TriangulateError, match="at least one"):
        coding.code_segment(engine, ANNE, seg, [])
    codebook.retire(engine, SYSTEM, "language")
    with pytest.raises(TriangulateError, match="retired"):
        coding.code_segment(engine, ANNE, seg, ["language"])
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(SegmentCode)).one() == 0


def test_bulk_coding_is_all_or_nothing_and_can_skip_coded(city, engine):
    seg = city["govan"]
    coding.code_segment(engine, BEN, seg[0], ["safety"])
    with pytest.raises(TriangulateError, match="facilitators"):
        coding.code_segments(engine, ANNE, [seg[0], seg[3]], ["transport"])
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(SegmentCode)).one() == 1
    result = coding.code_segments(engine, ANNE, [seg[0], seg[1], seg[2]], ["housing"], skip_coded=True)
    assert result["coded"] == 2 and result["skipped"] == 1
    result = coding.code_segments(engine, ANNE, [seg[0]], ["housing"])
    assert result["disputed"] == [seg[0]]


def test_set_segment_issue_goes_through_coding(city, engine):
    ids, seg = city["ids"], city["govan"][0]
    topics.set_segment_issue(engine, ANNE, seg, ids["debt"])
    assert coding.statuses(engine, ANNE, [seg])[seg].coders == {"anne": ("debt",)}
    topics.set_segment_issue(engine, ANNE, seg, None)  # a person's `none`
    assert effective(engine, seg) == (None, "manual")
    coding.clear_codes(engine, ANNE, seg)  # taking the code back returns the segment to the machine
    assert effective(engine, seg) == (None, "")
    with pytest.raises(PermissionDenied):
        topics.set_segment_issue(engine, OFFICER, seg, ids["debt"])


def test_merged_issue_counts_as_its_survivor(city, engine):
    seg = city["govan"][1]
    coding.code_segment(engine, ANNE, seg, ["fuel"])
    coding.code_segment(engine, BEN, seg, ["housing"])
    assert coding.statuses(engine, ANNE, [seg])[seg].disputed
    codebook.merge(engine, SYSTEM, "fuel", "housing")
    with Session(engine) as s:
        assert coding.manual_codes(s) == [(seg, "housing")]


def test_erasing_a_transcript_removes_its_codes(city, engine):
    coding.code_segment(engine, ANNE, city["calton"][0], ["transport"])
    with Session(engine) as s:
        transcript_id = s.get(Segment, city["calton"][0]).transcript_id
    erasure.erase_transcript(engine, SYSTEM, transcript_id)
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(SegmentCode)).one() == 0


# --------------------------------------------------------------------------- CSV
def _csv(rows, header=("segment_id", "issue_code")) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_segments_export_has_exactly_the_contract_columns(city, engine):
    coding.code_segment(engine, ANNE, city["govan"][2], ["none"])
    frame = coding.segments_frame(engine, LEAD)
    assert list(frame.columns) == coding.EXPORT_COLUMNS
    assert len(frame) == 7
    row = frame.set_index("segment_id").loc[city["govan"][2]]
    assert row["issue_code"] == "" and row["issue_source"] == "manual" and row["speaker_role"] == "resident"
    assert frame.set_index("segment_id").loc[city["govan"][3], "speaker_role"] == "facilitator"
    assert set(frame["issue_source"]) <= {"manual", "model", "topic", "none", ""}
    govan = coding.segments_frame(engine, LEAD, js.GOVAN)
    assert set(govan["ward_code"]) == {js.GOVAN} and len(govan) == 5


def test_import_codes_round_trip_idempotent_and_audited(city, engine):
    seg = city["govan"]
    data = _csv([(seg[0], "transport"), (seg[0], "SAFETY "), (seg[2], "none"), (seg[1], "housing")])
    result = coding.import_codes(engine, ANNE, data, "codes.csv")
    assert (result.rows, result.segments, result.codes) == (4, 3, 4)
    assert coding.statuses(engine, ANNE, [seg[0]])[seg[0]].coders == {"anne": ("transport", "safety")}
    again = coding.import_codes(engine, ANNE, data, "codes.csv")
    assert again.already and again.codes == 4 and "before" in again.summary()
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(SegmentCode)).one() == 4
        batches = select(func.count()).select_from(ImportBatch).where(ImportBatch.kind == "segment_codes")
        assert s.exec(batches).one() == 1
        assert s.exec(select(AuditEvent).where(AuditEvent.entity == "segment_codes")).first().detail["codes"] == 4
    # another researcher disagrees: both kept, the summary names the disputed segment
    other = coding.import_codes(engine, BEN, _csv([(seg[1], "debt")]), "ben.csv")
    assert other.disputed == [seg[1]] and "settle" in other.summary()


def test_import_codes_bad_input_names_row_and_fix_and_saves_nothing(city, engine):
    seg = city["govan"]
    codebook.retire(engine, SYSTEM, "language")
    codebook.merge(engine, SYSTEM, "fuel", "housing")
    data = _csv([(seg[0], "transport"), (99999, "housing"), (seg[1], "buses"), (seg[2], "none"), (seg[2], "food"),
                 ("abc", "food"), (seg[4], "language"), (seg[4], "fuel"), (seg[3], "childcare"), (seg[4], "")])
    with pytest.raises(ImportFailed) as caught:
        coding.import_codes(engine, ANNE, data, "bad.csv")
    by_row = {p.row: p for p in caught.value.problems}
    assert "no segment 99999" in by_row[3].message and "erased" in by_row[3].message
    assert "'buses' is not an issue code" in by_row[4].message
    assert "both `none` (row 5)" in by_row[6].message and by_row[6].fix.startswith("keep either")
    assert "not a segment id" in by_row[7].message
    assert "retired" in by_row[8].message
    assert "merged into 'housing'" in by_row[9].message and "'housing'" in by_row[9].fix
    assert "facilitator" in by_row[10].message
    assert "no issue code" in by_row[11].message
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(SegmentCode)).one() == 0
        assert s.exec(select(func.count()).select_from(ImportBatch)).one() == 0
    for bad, words in ((b"", "empty"), (b"segment,code\n1,food\n", "no column segment_id, issue_code"),
                       (b"segment_id,issue_code\n", "no data rows"),
                       ("segment_id,issue_code\n1,f\xe9\n".encode("latin-1"), "UTF-8")):
        with pytest.raises(ImportFailed, match=words):
            coding.import_codes(engine, ANNE, bad, "bad.csv")
    with pytest.raises(PermissionDenied):
        coding.import_codes(engine, OFFICER, _csv([(seg[0], "transport")]), "x.csv")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300) | st.text(max_size=300).map(lambda t: ("segment_id,issue_code\n" + t).encode()))
def test_import_codes_never_crashes_or_half_saves(city, engine, data):
    try:
        coding.import_codes(engine, ANNE, data, "fuzz.csv")
    except ImportFailed as exc:
        assert exc.problems and all(p.file == "fuzz.csv" and p.fix for p in exc.problems)
        with Session(engine) as s:
            assert s.exec(select(func.count()).select_from(SegmentCode).where(SegmentCode.coder == "anne")).one() == 0
        return
    with Session(engine) as s:  # accepted: every code it saved is on a resident segment
        roles = s.exec(select(Segment.speaker_role).join(SegmentCode, SegmentCode.segment_id == Segment.id)).all()
        assert set(roles) <= {"resident"}
        s.execute(SegmentCode.__table__.delete())
        s.commit()


# --------------------------------------------------------------------------- command line
def test_cli_segments_and_code_segments(tmp_path, capsys, migrated_sqlite_template):
    import shutil

    from schemas import User
    from triangulate.cli import main
    from triangulate.core import db

    path = tmp_path / "cli.db"
    shutil.copy(migrated_sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = db.make_engine(url)
    ids = js.base(engine)
    seg = machine(engine, js.transcript(engine, js.GOVAN, [("resident", ids["food"], "The food bank, aye."),
                                                           ("facilitator", None, "Go on."),
                                                           ("resident", ids["debt"], "Yeah.")]))
    machine(engine, js.transcript(engine, js.CALTON, [("resident", ids["food"], "Food, aye.")], title="c"))
    with Session(engine) as s:
        s.add(User(username="val", role="viewer"))
        s.add(User(username="rae", role="researcher"))
        s.commit()
    assert main(["--database-url", url, "segments", "--format", "csv", "--ward", "govan"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0]) == coding.EXPORT_COLUMNS and len(rows) == 3
    assert [r["speaker_role"] for r in rows] == ["resident", "facilitator", "resident"]
    assert rows[0]["issue_code"] == "food" and rows[0]["issue_source"] == "model" and rows[1]["issue_code"] == ""
    codes = tmp_path / "codes.csv"
    codes.write_bytes(_csv([(seg[0], "food"), (seg[0], "debt"), (seg[2], "none")]))
    assert main(["--database-url", url, "--as-user", "rae", "code-segments", str(codes)]) == 0
    assert "3 code(s) on 2 segment(s)" in capsys.readouterr().out
    assert main(["--database-url", url, "segments", "--out", str(tmp_path / "all.csv")]) == 0
    again = list(csv.DictReader((tmp_path / "all.csv").open(encoding="utf-8")))
    assert len(again) == 4
    assert {r["segment_id"]: (r["issue_code"], r["issue_source"]) for r in again}[str(seg[2])] == ("", "manual")
    codes.write_bytes(_csv([(seg[1], "food"), (424242, "food")]))
    assert main(["--database-url", url, "--as-user", "rae", "code-segments", str(codes)]) == 1
    err = capsys.readouterr().err
    assert "nothing was saved" in err and "row 2" in err and "row 3" in err and "no segment 424242" in err
    assert main(["--database-url", url, "--as-user", "val", "code-segments", str(codes)]) == 1
    assert "may not" in capsys.readouterr().err
    assert main(["--database-url", url, "--as-user", "val", "segments"]) == 1
    # an unassigned segment: `matrix` says the residents are not analysed, and how many wait
    with Session(engine) as s:
        s.execute(update(Segment).where(Segment.id == seg[0]).values(issue_source="", issue_id=None))
        s.execute(SegmentCode.__table__.delete())
        s.commit()
    assert main(["--database-url", url, "matrix", "--ward", "Calton"]) == 0
    captured = capsys.readouterr()
    assert set(row["residents"] for row in csv.DictReader(io.StringIO(captured.out))) == {"not analysed"}
    assert "1 resident segment(s) (0 in this ward) wait" in captured.err
    engine.dispose()


def test_a_whole_topic_is_coded_leaving_peoples_codes(city, engine):
    from schemas import SegmentTopic, Topic, TopicModel

    seg = city["govan"]
    with Session(engine) as s:
        model = TopicModel(method="bertopic")
        s.add(model)
        s.flush()
        topic = Topic(model_id=model.id, number=0, label="buses")
        s.add(topic)
        s.flush()
        for seg_id in (seg[0], seg[3], seg[4], city["calton"][0]):
            s.add(SegmentTopic(segment_id=seg_id, model_id=model.id, topic_id=topic.id))
        s.commit()
        topic_id = topic.id
    assert coding.topic_segment_ids(engine, ANNE, topic_id) == sorted([seg[0], seg[4], city["calton"][0]])
    coding.code_segment(engine, BEN, seg[4], ["childcare"])
    result = coding.code_topic(engine, ANNE, topic_id, ["transport"])
    assert result["coded"] == 2 and result["skipped"] == 1
    assert coding.statuses(engine, ANNE, [seg[4]])[seg[4]].coders == {"ben": ("childcare",)}
    assert effective(engine, city["calton"][0]) == (city["ids"]["transport"], "manual")
