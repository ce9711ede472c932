"""Topics on the illustrative transcripts: guided BERTopic, Govan's pattern, reproducible across processes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from schemas import Segment, TopicModel
from triangulate import residents, topics
from triangulate.permissions import Actor

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
VIEWER = Actor("view", "viewer")

SCRIPT = """
import json, sys
from sqlmodel import Session, select
from triangulate import db, topics
from triangulate.permissions import SYSTEM
from schemas import SegmentTopic, Topic
engine = db.make_engine(sys.argv[1])
result = topics.analyse(engine, SYSTEM, force=True)
with Session(engine) as s:
    rows = s.exec(select(SegmentTopic.segment_id, Topic.number, Topic.keywords)
                  .join(Topic, Topic.id == SegmentTopic.topic_id)
                  .where(SegmentTopic.model_id == result.model_id).order_by(SegmentTopic.segment_id)).all()
print(json.dumps([[a, b, c] for a, b, c in rows]))
"""


def test_demo_topics_are_fitted_and_govan_shows_its_pattern(demo_engine):
    model = topics.current_model(demo_engine)
    assert model is not None and model.method == "bertopic" and not model.stale
    assert Path(model.path, "triangulate.json").exists() and model.versions["bertopic"]
    assert model.settings["umap"]["random_state"] == 42
    with Session(demo_engine) as session:
        frame = residents.resident_segments_frame(session)
        assert session.exec(select(Segment).where(Segment.speaker_role == "resident",
                                                  Segment.issue_id.is_(None))).first() is None
    assert frame["illustrative"].all()
    govan = frame[frame["ward_code"] == "S13002971"]["issue_code"].value_counts(normalize=True)
    city = frame["issue_code"].value_counts(normalize=True)
    for prominent in ("housing", "childcare", "transport"):
        assert govan.get(prominent, 0) > city[prominent], prominent
    assert 0 < govan.get("food", 0) < city["food"]  # mentioned, not prominent
    assert govan.get("fuel", 0) > 0
    sizes = topics.topic_ward_sizes(demo_engine, VIEWER)
    assert set(sizes["ward"]) >= {"Govan", "Calton", "Springburn/Robroyston", "Drumchapel/Anniesland",
                                  "Greater Pollok"}
    quotes = topics.topic_quotes(demo_engine, VIEWER, int(topics.topics_frame(demo_engine, VIEWER)["topic_id"][0]))
    assert quotes and all("[PERSON" not in q["text"] or "]" in q["text"] for q in quotes)
    assert "issue_code" in topics.topics_csv(demo_engine, VIEWER).splitlines()[0]


def test_same_segments_give_same_topics_in_a_new_process(demo_db_path, tmp_path):
    outputs = []
    for k in range(2):
        copy = tmp_path / f"copy{k}.db"
        shutil.copy(demo_db_path, copy)
        env = {**os.environ, "TRIANGULATE_DATA_DIR": str(tmp_path / f"data{k}"), "PYTHONPATH": str(ROOT)}
        run = subprocess.run([sys.executable, "-c", SCRIPT, f"sqlite:///{copy}"], capture_output=True, text=True,
                             env=env, timeout=600, cwd=ROOT)
        assert run.returncode == 0, run.stderr[-2000:]
        outputs.append(json.loads(run.stdout.strip().splitlines()[-1]))
    assert outputs[0] == outputs[1] and len(outputs[0]) > 50
