"""AppTest for each residents page, on a copy of the demo database."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.apptest_helpers import run_page
from triangulate.permissions import Actor

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
    # AppTest cannot drive st.file_uploader: put a preview in session state the way the button does.
    from triangulate import db, residents

    engine = db.get_engine()
    data = b"Sam: Hello.\nJean: The damp in Ibrox is bad. Call me on 07700 900111.\nSam: Thanks.\n"
    at.session_state["upload_previews"] = residents.previews(engine, Actor("researcher", "researcher"),
                                                             [("new.txt", data)])
    at.run()
    assert not at.exception
    assert "07700 900111" in at.dataframe[1].value["found"].tolist()
    at.button(key="upload_save").click().run()
    assert not at.exception and any("Saved: transcript" in s.value for s in at.success)


def test_upload_page_refuses_an_officer(app_env):
    at = run_page("transcript_upload.py", Actor("officer", "officer"))
    assert not at.exception and at.warning and "cannot upload" in at.warning[0].value
