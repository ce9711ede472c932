"""AppTest for each residents page, on a copy of the demo database."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.apptest_helpers import run_page
from triangulate.core.permissions import Actor

pytestmark = pytest.mark.slow
DEMO = Path(__file__).resolve().parent.parent / "triangulate" / "data" / "demo" / "transcripts"


def test_topics_page_shows_topics_quotes_and_mapping(app_env):
    at = run_page("topics.py", Actor("researcher", "researcher"), timeout=180)
    assert not at.exception
    assert any("BERTopic topics" in c.value for c in at.caption)
    assert len(at.dataframe) >= 1 and at.button(key="topics_confirm")
    assert any("“" in t.value for t in at.text)  # representative quotes


def test_topics_page_for_a_viewer_has_no_mapping_controls(app_env):
    at = run_page("topics.py", Actor("viewer", "viewer"), timeout=180)
    assert not at.exception and not [b for b in at.button if b.key in ("topics_confirm", "topics_run")]


def test_transcripts_page_shows_govan_transcripts_with_redactions(app_env):
    at = run_page("transcripts.py", Actor("lead", "lead"), ward_code="S13002971", timeout=120)
    assert not at.exception
    body = "\n".join(t.value for t in at.text)
    assert "█[PERSON" in body and "Govan" in body and "07700" not in body
    assert at.dataframe[0].value["ward"].eq("Govan").all()


def test_segment_search_finds_mould(app_env):
    at = run_page("segment_search.py", Actor("viewer", "viewer"), timeout=120)
    assert not at.exception
    at.text_input(key="search_q").set_value("mould").run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert len(frame) >= 3 and frame["text"].str.contains("mould", case=False).all()


def test_upload_page_previews_and_saves(app_env):
    at = run_page("transcript_upload.py", Actor("researcher", "researcher"), timeout=120)
    assert not at.exception
    assert any("Nothing is saved until you confirm" in i.value for i in at.info)
    from triangulate.residents import store as _residents
    assert any(f"up to {_residents.MAX_UPLOAD_MB} MB each" in m.value for m in at.markdown)  # the one limit
    # AppTest cannot drive st.file_uploader: put a preview in session state the way the button does.
    from triangulate.core import db
    from triangulate.residents import store as residents

    engine = db.get_engine()
    data = (b"Interviewer: Hello Jean.\nJean Laird: The damp in Ibrox is bad. Call me on 07700 900111. "
            b"The damp is in every room.\nInterviewer: Thanks.\n")
    at.session_state["upload_previews"] = residents.previews(engine, Actor("researcher", "researcher"),
                                                             [("jean_laird.txt", data)])
    at.run()
    assert not at.exception
    assert "07700 900111" in at.dataframe[1].value["found"].tolist()
    assert at.tabs[0].label == "Redactions (2)"  # Jean, the phone
    # The whole text as it will be stored, escaped, each redaction highlighted with what it replaced.
    text = next(m.value for m in at.markdown if "orange-background" in m.value)
    assert r":orange-background[\[PHONE 1\] ‹07700 900111›]" in text and "The damp in Ibrox is bad" in text
    assert r"\[PERSON 1\]" in text and "Jean Laird" not in text.replace("‹Jean›", "")
    # Nothing ticked but the suggestion; the title names no one.
    assert at.multiselect(key="speakers_0").value == ["Jean Laird"]
    title = next(t for t in at.text_input if t.label == "Title of jean_laird.txt")
    assert title.value.startswith("Interview, Govan")
    # A correction for this file only: redact "damp" everywhere, keep nothing else.
    at.text_area(key="redact_typed_0").input("damp")
    next(b for b in at.button if b.label == "Redact this file again").click().run()
    assert not at.exception
    text = next(m.value for m in at.markdown if "orange-background" in m.value)
    assert "The damp" not in text and r"\[REDACTED 1\] ‹damp›" in text
    assert any("Redacted again" in s.value and "4 redactions" in s.value for s in at.success)
    at.button(key="upload_save").click().run()
    assert not at.exception and any("Saved: transcript" in s.value for s in at.success)
    from sqlmodel import Session, select

    from schemas import Segment, Transcript
    with Session(engine) as session:
        stored = session.exec(select(Transcript).order_by(Transcript.id.desc())).first()
        texts = " ".join(s.text for s in session.exec(select(Segment).where(Segment.transcript_id == stored.id)))
    assert stored.title == title.value and stored.source_filename == "[PERSON 1].txt"
    assert "damp" not in texts and "Ibrox" in texts


def test_segment_search_caps_a_viewer_and_lets_a_researcher_download(app_env):
    at = run_page("segment_search.py", Actor("viewer", "viewer"), timeout=120)
    at.text_input(key="search_q").set_value("the").run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert 0 < len(frame) <= 20 and "segment_id" not in frame.columns and "transcript" not in frame.columns
    assert any("quotes, not whole transcripts" in c.value for c in at.caption)
    assert not at.get("download_button")
    at = run_page("segment_search.py", Actor("researcher", "researcher"), timeout=120)
    at.text_input(key="search_q").set_value("the").run()
    assert not at.exception and len(at.dataframe[0].value) > 20 and at.get("download_button")


def test_transcripts_page_lists_but_does_not_open_for_a_viewer(app_env):
    at = run_page("transcripts.py", Actor("viewer", "viewer"), ward_code="S13002971", timeout=120)
    assert not at.exception
    assert any("quotes, not whole transcripts" in i.value for i in at.info)
    assert not at.text and not [s for s in at.selectbox if s.key == "transcripts_open"]  # nothing to open
    assert at.dataframe[0].value["title"].str.match(r"^(Interview|Focus group|Drop-in), Govan").all()


def test_upload_page_refuses_an_officer(app_env):
    at = run_page("transcript_upload.py", Actor("officer", "officer"))
    assert not at.exception and at.warning and "cannot upload" in at.warning[0].value


def test_topics_page_says_the_topics_are_coming_while_an_analysis_is_queued(app_env, demo_db_path):
    """`init --demo` leaves the topics to the worker: until it has fitted them the page says so, to every reader."""
    from sqlalchemy import update

    from schemas import TopicModel
    from triangulate import jobs
    from triangulate.core import SYSTEM, db

    engine = db.make_engine(f"sqlite:///{demo_db_path}")
    with db.session_scope(engine) as session:
        session.execute(update(TopicModel).values(is_current=False))
    job = jobs.queue_analysis(engine, SYSTEM)
    engine.dispose()
    at = run_page("topics.py", Actor("viewer", "viewer"), timeout=180)
    assert not at.exception
    assert any(f"analysis job {job.id}" in i.value and "waiting for a worker" in i.value for i in at.info)
