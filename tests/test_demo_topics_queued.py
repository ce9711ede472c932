"""`init --demo` without `--wait`: the demo's topic fit is a job for the worker, and nothing else changes.

Every resident segment gets the same issue as the inline load gives (verdicts and the joint display read issues,
not topics), an analysis job waits for the worker, and once the worker has run it the topics are the inline
load's. The session's `demo_template` is the inline load (`demo.load(engine)`, topics fitted before it returns).
"""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from schemas import Job, Segment, Topic, TopicIssue, TopicModel
from tests.conftest import actor
from triangulate import demo, jobs
from triangulate.core import db
from triangulate.core.errors import PermissionDenied


def _issues(engine) -> list[tuple]:
    with Session(engine) as session:
        return list(session.exec(select(Segment.id, Segment.text, Segment.speaker_role, Segment.issue_id,
                                        Segment.issue_source).order_by(Segment.id)).all())


def _topics(engine) -> list[tuple]:
    with Session(engine) as session:
        topics = session.exec(select(Topic.number, Topic.label, Topic.keywords, Topic.size, Topic.quotes)
                              .join(TopicModel, TopicModel.id == Topic.model_id)
                              .where(TopicModel.is_current.is_(True)).order_by(Topic.number)).all()
        suggested = session.exec(select(Topic.number, TopicIssue.issue_id, TopicIssue.status)
                                 .join(TopicIssue, TopicIssue.topic_id == Topic.id).order_by(Topic.number)).all()
    return [tuple(t) for t in topics] + [tuple(s) for s in suggested]


@pytest.fixture
def queued_demo(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIANGULATE_DATA_DIR", str(tmp_path / "data"))
    engine = db.make_engine(f"sqlite:///{tmp_path / 'queued.db'}")
    assert demo.load(engine, fit_topics=False)
    yield engine
    engine.dispose()


def test_queued_topics_leave_every_issue_as_the_inline_load_and_the_worker_fits_the_same_topics(
        queued_demo, demo_template):
    inline = db.make_engine(f"sqlite:///{demo_template}")
    try:
        assert _issues(queued_demo) == _issues(inline)
        with Session(queued_demo) as session:
            assert session.exec(select(TopicModel)).first() is None
            waiting = session.exec(select(Job)).all()
        assert [(j.kind, j.status) for j in waiting] == [("analysis", "queued")]
        under_way = jobs.analysis_under_way(queued_demo, actor("viewer"))
        assert under_way is not None and under_way.id == waiting[0].id
        with pytest.raises(PermissionDenied):
            jobs.analysis_under_way(queued_demo, None)

        done = jobs.run_next(queued_demo)  # what the worker does, in this process
        assert done is not None and done.status == "done", done.error if done else None
        assert jobs.analysis_under_way(queued_demo, actor("viewer")) is None
        assert _topics(queued_demo) == _topics(inline)
        assert _issues(queued_demo) == _issues(inline)
    finally:
        inline.dispose()
