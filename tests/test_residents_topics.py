"""Topics and issues on the illustrative transcripts: every segment gets an issue or none, topics do not
collapse, a topic's suggestion is its segments' majority, codes apply without a refit, reproducible."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import Session, select

from schemas import Issue, Segment, SegmentTopic, Topic, TopicIssue
from tests.apptest_helpers import run_page
from triangulate.codebook import issues as codebook
from triangulate.core.permissions import Actor
from triangulate.residents import store as residents
from triangulate.residents import topics

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
VIEWER = Actor("view", "viewer")
RESEARCHER = Actor("res", "researcher")

SCRIPT = """
import json, sys
from sqlmodel import Session, select
from triangulate.core import db
from triangulate.residents import topics
from triangulate.core.permissions import SYSTEM
from schemas import Segment, SegmentTopic, Topic
engine = db.make_engine(sys.argv[1])
result = topics.analyse(engine, SYSTEM, force=True)
with Session(engine) as s:
    rows = s.exec(select(SegmentTopic.segment_id, Topic.number, Topic.keywords)
                  .join(Topic, Topic.id == SegmentTopic.topic_id)
                  .where(SegmentTopic.model_id == result.model_id).order_by(SegmentTopic.segment_id)).all()
    issues = s.exec(select(Segment.id, Segment.issue_id, Segment.issue_source).order_by(Segment.id)).all()
print(json.dumps([[[a, b, c] for a, b, c in rows], [list(i) for i in issues]]))
"""


def test_demo_segments_get_an_issue_or_none_and_topics_do_not_collapse(demo_engine):
    model = topics.current_model(demo_engine)
    assert model is not None and model.method == "bertopic" and not model.stale
    assert Path(model.path, "triangulate.json").exists() and model.versions["bertopic"]
    assert model.settings["umap"]["random_state"] == 42 and model.settings["seeded"] is False
    with Session(demo_engine) as session:
        segs = session.exec(select(Segment).where(Segment.speaker_role == "resident")).all()
        members = session.exec(select(SegmentTopic.topic_id, SegmentTopic.segment_id)
                               .where(SegmentTopic.model_id == model.id)).all()
        suggested = session.exec(select(TopicIssue).join(Topic, Topic.id == TopicIssue.topic_id)
                                 .where(Topic.model_id == model.id, TopicIssue.status == "suggested")).all()
    assert {s.issue_source for s in segs} <= {"model", "none", "topic", "manual"}  # nothing left unanalysed
    assert all((s.issue_id is None) == (s.issue_source == "none") for s in segs if s.issue_source != "manual")
    sizes = Counter(t for t, _ in members)
    assert len(sizes) >= 3 and max(sizes.values()) <= len(members) / 3
    issue_of = {s.id: s.issue_id for s in segs}
    for mapping in suggested:  # a topic's suggestion is the most common issue among its segments
        votes = Counter(issue_of[s] for t, s in members if t == mapping.topic_id)
        assert votes[mapping.issue_id] == max(votes.values())
        assert mapping.confidence == pytest.approx(votes[mapping.issue_id] / sum(votes.values()), abs=1e-3)
    with Session(demo_engine) as session:
        frame = residents.resident_segments_frame(session)
    assert frame["illustrative"].all()
    govan = frame[frame["ward_code"] == "S13002971"]["issue_code"].value_counts(normalize=True)
    city = frame["issue_code"].value_counts(normalize=True)
    for prominent in ("housing", "childcare"):
        assert govan.get(prominent, 0) > city[prominent], prominent
    assert topics.topic_quotes(demo_engine, VIEWER, int(topics.topics_frame(demo_engine, VIEWER)["topic_id"][0]))
    assert "issue_code" in topics.topics_csv(demo_engine, VIEWER).splitlines()[0]


def test_codes_apply_without_refitting_topics_and_are_never_overwritten(demo_engine):
    before = topics.current_model(demo_engine)
    with Session(demo_engine) as session:
        segs = session.exec(select(Segment).where(Segment.speaker_role == "resident", Segment.issue_source == "model")
                            .order_by(Segment.id)).all()[:3]
        ids = {i.code: i.id for i in codebook.issues(session)}
    coded = {segs[0].id: ids["debt"], segs[1].id: None, segs[2].id: ids["cost_of_living"]}  # a parent, and none
    for seg_id, issue_id in coded.items():
        topics.set_segment_issue(demo_engine, RESEARCHER, seg_id, issue_id)
    result = topics.analyse(demo_engine, RESEARCHER)
    assert result.method == "unchanged" and result.model_id == before.id and result.reassigned
    assert result.examples >= 3 and result.manual >= 3
    with Session(demo_engine) as session:
        for seg_id, issue_id in coded.items():
            seg = session.get(Segment, seg_id)
            assert (seg.issue_id, seg.issue_source) == (issue_id, "manual")
    again = topics.analyse(demo_engine, RESEARCHER)
    assert again.method == "unchanged" and not again.reassigned
    outcomes = topics.issue_outcomes(demo_engine, VIEWER)
    assert outcomes["manual"] == 2 and outcomes["waiting"] == 0 and outcomes["total"] == sum(
        v for k, v in outcomes.items() if k != "total")


def test_same_segments_and_codes_give_same_topics_and_issues_in_a_new_process(demo_db_path, tmp_path):
    outputs = []
    for k in range(2):
        copy = tmp_path / f"copy{k}.db"
        shutil.copy(demo_db_path, copy)
        env = {**os.environ, "TRIANGULATE_DATA_DIR": str(tmp_path / f"data{k}"), "PYTHONPATH": str(ROOT)}
        run = subprocess.run([sys.executable, "-c", SCRIPT, f"sqlite:///{copy}"], capture_output=True, text=True,
                             env=env, timeout=900, cwd=ROOT)
        assert run.returncode == 0, run.stderr[-2000:]
        outputs.append(json.loads(run.stdout.strip().splitlines()[-1]))
    assert outputs[0] == outputs[1] and len(outputs[0][0]) > 50


def test_mapping_box_shows_and_saves_the_selected_topics_own_issue(app_env, demo_engine):
    frame = topics.topics_frame(demo_engine, VIEWER)
    mapped = frame[frame["issue_code"] != ""]
    first, second = (int(t) for t in mapped["topic_id"].iloc[:2])
    with Session(demo_engine) as session:
        code_of = dict(session.exec(select(Issue.id, Issue.code)).all())
    at = run_page("topics.py", Actor("researcher", "researcher"), timeout=300)
    assert not at.exception
    at.selectbox(key="topics_pick").set_value(first).run()
    chosen = at.selectbox(key=f"topics_issue_{first}").value
    assert code_of[chosen] == mapped.set_index("topic_id").loc[first, "issue_code"]
    at.selectbox(key="topics_pick").set_value(second).run()
    box = at.selectbox(key=f"topics_issue_{second}")
    own = mapped.set_index("topic_id").loc[second, "issue_code"]
    assert code_of[box.value] == own  # not the first topic's issue left over
    at.button(key="topics_confirm").click().run()
    assert not at.exception
    after = topics.topics_frame(demo_engine, VIEWER).set_index("topic_id")
    assert after.loc[second, "status"] == "confirmed" and after.loc[second, "issue_code"] == own
    assert after.loc[first, "status"] == "suggested"
