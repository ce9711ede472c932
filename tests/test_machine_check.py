"""Check the machine: stratified blind sample, per-issue agreement figures, history, flags."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score, precision_recall_fscore_support
from sqlalchemy import update
from sqlmodel import Session, select

from schemas import MachineCheck, MachineCheckItem, Segment, SegmentCode
from tests import joint_scenario as js
from triangulate.core.errors import NotFound, PermissionDenied, TriangulateError
from triangulate.core.permissions import Actor
from triangulate.joint import thresholds as th
from triangulate.residents import coding
from triangulate.residents import machine_check as mc

ANNE, LEAD = Actor("anne", "researcher"), Actor("lee", "lead")
VIEWER, OFFICER = Actor("v", "viewer"), Actor("o", "officer")


@pytest.fixture
def corpus(engine):
    """Govan: 12 transport, 6 housing, 3 none (machine), 2 coded by a person, 1 not analysed."""
    ids = js.base(engine)
    turns = ([("resident", ids["transport"], f"The bus was late, day {i}.") for i in range(12)]
             + [("resident", ids["housing"], f"Damp in the flat, room {i}.") for i in range(6)]
             + [("resident", None, f"Yeah {i}.") for i in range(3)]
             + [("resident", ids["food"], f"Food bank {i}.") for i in range(3)]
             + [("facilitator", None, "Tell me more.")])
    tid = js.transcript(engine, js.GOVAN, turns)
    with Session(engine) as s:
        segs = list(s.exec(select(Segment).where(Segment.transcript_id == tid).order_by(Segment.order)))
        for seg in segs[:21]:
            seg.issue_source = "model" if seg.issue_id else "none"
            s.add(seg)
        segs[23].issue_source, segs[23].issue_id = "", None  # not analysed
        s.add(segs[23])
        s.commit()
        ids_by_order = [seg.id for seg in segs]
    coding.code_segment(engine, ANNE, ids_by_order[21], ["food"])  # people's codes are not checked again
    coding.code_segment(engine, ANNE, ids_by_order[22], ["food"])
    return {"ids": ids, "segments": ids_by_order}


def test_allocate_equal_shares_capped_then_proportional():
    assert mc.allocate({"a": 100, "b": 3, "c": 10}, 15) == {"a": 6, "b": 3, "c": 6}
    assert mc.allocate({"a": 2, "b": 2}, 10) == {"a": 2, "b": 2}
    assert sum(mc.allocate({"a": 50, "b": 40, "c": 1}, 30).values()) == 30


@given(st.dictionaries(st.sampled_from("abcdefgh"), st.integers(1, 60), min_size=1), st.integers(1, 200))
def test_allocate_never_exceeds_a_stratum_or_the_request(sizes, n):
    take = mc.allocate(sizes, n)
    assert sum(take.values()) == min(n, sum(sizes.values()))
    assert all(0 < k <= sizes[s] for s, k in take.items())
    if n >= len(sizes):
        assert set(take) == set(sizes)  # every stratum checked


def test_sample_is_stratified_blind_seeded_and_skips_people_and_unanalysed(corpus, engine):
    check_id = mc.start(engine, ANNE, size=9, seed=7)
    with Session(engine) as s:
        check = s.get(MachineCheck, check_id)
        items = list(s.exec(select(MachineCheckItem).where(MachineCheckItem.check_id == check_id)
                            .order_by(MachineCheckItem.position)))
    assert check.strata == {"transport": 12, "housing": 6, "none": 3}
    assert sorted(i.stratum for i in items) == ["housing"] * 3 + ["none"] * 3 + ["transport"] * 3
    sampled = {i.segment_id for i in items}
    assert not sampled & set(corpus["segments"][21:])
    again = mc.start(engine, ANNE, size=9, seed=7)
    with Session(engine) as s:
        same = [i.segment_id for i in s.exec(select(MachineCheckItem).where(MachineCheckItem.check_id == again)
                                             .order_by(MachineCheckItem.position))]
    assert same == [i.segment_id for i in items]
    item = mc.next_item(engine, ANNE, check_id)
    assert item.position == 1 and item.total == 9 and item.coded == 0
    assert not any(hasattr(item, name) for name in ("stratum", "machine_issue_id", "issue_code"))
    assert mc.open_check(engine, ANNE) == again


def test_coding_the_sample_gives_figures_history_and_flags(corpus, engine):
    ids = corpus["ids"]
    check_id = mc.start(engine, ANNE, size=21, seed=1)
    truth = {}
    with Session(engine) as s:
        for item in s.exec(select(MachineCheckItem).where(MachineCheckItem.check_id == check_id)):
            truth[item.segment_id] = item.stratum
    # the researcher agrees on transport and none, and says two of the six housing segments are about debt
    housing = sorted(seg for seg, stratum in truth.items() if stratum == "housing")
    while (item := mc.next_item(engine, ANNE, check_id)) is not None:
        code = truth[item.segment_id]
        mc.answer(engine, ANNE, check_id, item.item_id, ["debt"] if item.segment_id in housing[:2] else [code])
    assert mc.progress(engine, LEAD, check_id) == (21, 21)
    results = mc.finish(engine, ANNE, check_id)
    issues = results["issues"]
    assert issues["transport"]["kappa"] == 1.0 and issues["transport"]["f1"] == 1.0
    assert issues["housing"]["precision"] == pytest.approx(4 / 6, abs=1e-4) and issues["housing"]["recall"] == 1.0
    assert issues["debt"]["recall"] == 0.0 and issues["debt"]["precision"] is None
    assert issues["none"]["kappa"] == 1.0
    assert results["accuracy"] == pytest.approx(19 / 21, abs=1e-4)
    # the answers are also the researcher's manual codes
    with Session(engine) as s:
        seg = s.get(Segment, housing[0])
        assert (seg.issue_id, seg.issue_source) == (ids["debt"], "manual")
        assert s.exec(select(SegmentCode.source).where(SegmentCode.segment_id == housing[0])).one() == "check"
    history = mc.history(engine, VIEWER)
    assert list(history["check_id"]) == [check_id] and history["segments checked"][0] == 21
    # housing: 6 machine yes, 4 agreed, 15 both no → κ = (19/21 − 279/441) / (1 − 279/441) ≈ 0.74
    assert issues["housing"]["kappa"] == pytest.approx((19 / 21 - 279 / 441) / (1 - 279 / 441), abs=1e-3)
    strict = th.Thresholds(machine_check_min_segments=5, machine_check_min_kappa=0.8)
    flags = mc.flags(engine, LEAD, strict)
    assert flags["transport"].status == "verified" and flags["transport"].short == "✓ verified (κ 1.00)"
    assert flags["housing"].status == "below threshold" and "κ ≥ 0.80 needed" in flags["housing"].sentence
    assert flags["childcare"].status == "unchecked" and "unchecked" in flags["childcare"].sentence
    assert flags["debt"].status == "unchecked"  # only 2 segments: fewer than 5
    assert mc.flags(engine, LEAD, th.Thresholds(machine_check_min_segments=5))["housing"].status == "verified"
    frame = mc.issue_figures(engine, LEAD)
    assert {"transport", "housing", "debt", "none"} <= set(frame["issue_code"])
    with pytest.raises(TriangulateError, match="finished"):
        mc.answer(engine, ANNE, check_id, item_id=1, issue_codes=["food"])


def test_figures_match_scikit_learn_when_unweighted():
    items = [("a", "a", ("a",)), ("a", "a", ("b",)), ("b", "b", ("b",)), ("b", "b", ("a", "b")),
             ("none", "none", ("none",)), ("none", "none", ("a",))]
    strata = {"a": 2, "b": 2, "none": 2}  # every item weighs 1
    result = mc.figures(items, strata)
    machine = [m for _, m, _ in items]
    human = [m if m in h else h[0] for _, m, h in items]
    assert result["kappa"] == pytest.approx(cohen_kappa_score(machine, human), abs=1e-4)
    for c in ("a", "b"):
        y_m = [m == c for m in machine]
        y_h = [c in h for _, _, h in items]
        p, r, f, _ = precision_recall_fscore_support(y_h, y_m, average="binary", zero_division=0)
        measured = (result["issues"][c]["precision"], result["issues"][c]["recall"])
        assert measured == (pytest.approx(p, abs=1e-4), pytest.approx(r, abs=1e-4))
        assert result["issues"][c]["kappa"] == pytest.approx(cohen_kappa_score(y_m, y_h), abs=1e-4)


def test_figures_weight_items_by_stratum_size():
    # one wrong item in a big stratum weighs more than one right item in a small one
    items = [("a", "a", ("a",)), ("b", "b", ("a",))]
    assert mc.figures(items, {"a": 1, "b": 9})["accuracy"] == pytest.approx(0.1)
    assert mc.figures(items, {"a": 9, "b": 1})["accuracy"] == pytest.approx(0.9)


def test_permissions_and_bad_requests(corpus, engine):
    for who in (LEAD, VIEWER, OFFICER):
        with pytest.raises(PermissionDenied):
            mc.start(engine, who)
    with pytest.raises(PermissionDenied):
        mc.history(engine, OFFICER)
    with pytest.raises(PermissionDenied):
        mc.flags(engine, OFFICER)
    with pytest.raises(TriangulateError, match="1 to 2,000"):
        mc.start(engine, ANNE, size=0)
    check_id = mc.start(engine, ANNE, size=3, seed=2)
    with pytest.raises(TriangulateError, match="at least one"):
        mc.finish(engine, ANNE, check_id)
    with pytest.raises(NotFound):
        mc.answer(engine, ANNE, check_id, 999999, ["food"])
    with pytest.raises(NotFound):
        mc.next_item(engine, ANNE, 424242)
    item = mc.next_item(engine, ANNE, check_id)
    with pytest.raises(TriangulateError, match="not both"):
        mc.answer(engine, ANNE, check_id, item.item_id, ["none", "food"])
    with Session(engine) as s:
        s.execute(update(Segment).values(issue_source="manual"))
        s.commit()
    with pytest.raises(TriangulateError, match="run the analysis"):
        mc.start(engine, ANNE, size=3)


def test_report_flags_residents_verdicts_and_gives_the_figures_in_a_methods_section(corpus, engine):
    from triangulate.joint import report

    check_id = mc.start(engine, ANNE, size=21, seed=3)
    while (item := mc.next_item(engine, ANNE, check_id)) is not None:
        with Session(engine) as s:
            stratum = s.get(MachineCheckItem, item.item_id).stratum
        mc.answer(engine, ANNE, check_id, item.item_id, [stratum])
    mc.finish(engine, ANNE, check_id)
    data = report.build(engine, LEAD, js.GOVAN)
    checked = data.checks.set_index("issue_code")
    assert checked.loc["transport", "status"] == "✓ verified (κ 1.00)"
    assert checked.loc["childcare", "status"] == "⚠ unchecked"
    # one Govan segment is not analysed: the residents' column says so, at the top of the report
    assert set(data.matrix["residents"]) == {"not analysed"} and "1 of this ward's" in data.waiting
    html = report.render_html(data)
    assert "Methods: how far the residents" in html and "Residents checked" in html
    assert f"check {check_id} by anne" in html and "κ 1.00" in html and "Residents not analysed" in html
    assert report.render_pdf(data).startswith(b"%PDF")  # the PDF's methods section renders (compressed text)
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(report.render_xlsx(data)))
    assert "Machine check" in book.sheetnames


def test_erasing_a_transcript_removes_its_sampled_items_but_keeps_finished_figures(corpus, engine):
    from triangulate.access import erasure
    from triangulate.core.permissions import SYSTEM

    done = mc.start(engine, ANNE, size=3, seed=5)
    item = mc.next_item(engine, ANNE, done)
    mc.answer(engine, ANNE, done, item.item_id, ["transport"])
    mc.finish(engine, ANNE, done)
    open_id = mc.start(engine, ANNE, size=3, seed=6)
    with Session(engine) as s:
        transcript_id = s.get(Segment, corpus["segments"][0]).transcript_id
    erasure.erase_transcript(engine, SYSTEM, transcript_id)
    with Session(engine) as s:
        assert s.exec(select(MachineCheckItem)).all() == []
    assert mc.next_item(engine, ANNE, open_id) is None
    assert list(mc.history(engine, LEAD)["check_id"]) == [done]  # aggregate figures, no text: kept
