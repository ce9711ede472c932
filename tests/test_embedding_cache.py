"""The shipped embedding cache: vectors keyed by text hash and model, consulted before the model is asked.

A cache, never a source of truth: a changed text (another hash) or another model is computed as usual, and a
file that is not a well-formed cache is ignored. The demo's own file holds only the demo's texts.
"""
from __future__ import annotations

import numpy as np
import pytest
from sqlmodel import Session, select

from schemas import Embedding, Insight, Segment, Transcript
from triangulate.codebook import assignment
from triangulate.core import embeddings


@pytest.fixture
def computed(monkeypatch) -> list[str]:
    """Replace the model with a deterministic stand-in and record every text it is asked to embed."""
    asked: list[str] = []

    def fake_encode(texts, batch_size=64):
        asked.extend(texts)
        out = np.zeros((len(texts), embeddings.DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, len(text) % embeddings.DIM] = 1.0
        return out

    monkeypatch.setattr(embeddings, "encode", fake_encode)
    return asked


def cache_file(tmp_path, texts: list[str], model_name: str = embeddings.MODEL_NAME, name: str = "cache.npz"):
    vectors = np.random.default_rng(len(texts)).normal(size=(len(texts), embeddings.DIM)).astype(np.float32)
    path = tmp_path / name
    embeddings.write_cache_file(path, [embeddings.text_hash(t) for t in texts], vectors, model_name)
    return path, vectors


def test_cached_text_is_not_computed_and_lands_in_the_database(sqlite_engine, tmp_path, computed):
    path, vectors = cache_file(tmp_path, ["The bus to the hospital is two buses now."])
    got = embeddings.cached_encode(sqlite_engine, ["The bus to the hospital is two buses now."], shipped=(path,))
    assert computed == []
    np.testing.assert_array_equal(got[0], vectors[0])
    with Session(sqlite_engine) as session:
        stored = session.exec(select(Embedding)).all()
    assert [(r.text_hash, r.model) for r in stored] == [
        (embeddings.text_hash("The bus to the hospital is two buses now."), embeddings.MODEL_NAME)]
    # the next call finds it in the database even without the file
    embeddings.cached_encode(sqlite_engine, ["The bus to the hospital is two buses now."], shipped=())
    assert computed == []


def test_changed_text_is_computed(sqlite_engine, tmp_path, computed):
    path, vectors = cache_file(tmp_path, ["Rent went up again in March."])
    got = embeddings.cached_encode(sqlite_engine, ["Rent went up again in March.", "Rent went up again in April."],
                                   shipped=(path,))
    assert computed == ["Rent went up again in April."]
    np.testing.assert_array_equal(got[0], vectors[0])
    assert not np.array_equal(got[1], vectors[0])


def test_file_made_with_another_model_is_ignored(sqlite_engine, tmp_path, computed):
    path, vectors = cache_file(tmp_path, ["The food bank closes at two."], model_name="all-mpnet-base-v2")
    assert embeddings.read_cache_file(path) == {}
    got = embeddings.cached_encode(sqlite_engine, ["The food bank closes at two."], shipped=(path,))
    assert computed == ["The food bank closes at two."]
    assert not np.array_equal(got[0], vectors[0])


@pytest.mark.parametrize("damage", ["shape", "hash", "not a cache"])
def test_malformed_file_is_ignored(sqlite_engine, tmp_path, computed, damage):
    path = tmp_path / "broken.npz"
    text = "Nursery hours do not fit a shift."
    if damage == "shape":
        np.savez(path, model=np.array(embeddings.MODEL_NAME), hashes=np.array([embeddings.text_hash(text)]),
                 vectors=np.ones((1, 10), dtype=np.float32))
    elif damage == "hash":
        np.savez(path, model=np.array(embeddings.MODEL_NAME), hashes=np.array(["not-a-hash"]),
                 vectors=np.ones((1, embeddings.DIM), dtype=np.float32))
    else:
        path.write_bytes(b"PK\x03\x04 this is no numpy archive")
    assert embeddings.read_cache_file(path) == {}
    embeddings.cached_encode(sqlite_engine, [text], shipped=(path,))
    assert computed == [text]


def test_missing_file_is_no_error(sqlite_engine, tmp_path, computed):
    embeddings.cached_encode(sqlite_engine, ["School uniform grant came late."], shipped=(tmp_path / "none.npz",))
    assert computed == ["School uniform grant came late."]


def test_demo_file_holds_only_demo_texts_and_all_of_them(demo_engine):
    """Every vector in the shipped file is for a text the demo itself embeds (its fictional transcripts and
    officer insights, the default codebook, the off-topic prototypes), and the demo's resident segments are all
    in it: if this fails after changing demo texts, run scripts/build_demo_embeddings.py."""
    shipped = embeddings.read_cache_file(embeddings.SHIPPED_CACHES[0])
    assert shipped, "the demo's embedding cache is missing or unreadable"
    with Session(demo_engine) as session:
        segments = session.exec(select(Segment.text, Transcript.illustrative)
                                .join(Transcript, Transcript.id == Segment.transcript_id)
                                .where(Segment.speaker_role == "resident")).all()
        from triangulate.codebook import issues as codebook

        issue_texts = [t for i in codebook.issues(session) for t in assignment.issue_texts(i.label, i.definition,
                                                                                            i.keywords)]
        taught = [e.text for e in assignment.examples(session)]  # the demo's coded insights
        insights = session.exec(select(Insight.illustrative)).all()
    assert segments and all(illustrative for _, illustrative in segments)
    assert insights and all(insights)
    demo_texts = {embeddings.text_hash(t) for t, _ in segments}
    known = demo_texts | {embeddings.text_hash(t) for t in [*issue_texts, *taught, *assignment.offtopic_prototypes()]}
    assert set(shipped) <= known
    assert demo_texts <= set(shipped)


def test_demo_file_vectors_are_the_models(demo_engine):
    """A sample of the shipped vectors equals what the model computes now (the file is a cache, not a variant)."""
    shipped = embeddings.read_cache_file(embeddings.SHIPPED_CACHES[0])
    with Session(demo_engine) as session:
        texts = session.exec(select(Segment.text).where(Segment.speaker_role == "resident")
                             .order_by(Segment.id).limit(3)).all()
    fresh = embeddings.encode(list(texts))
    for text, vector in zip(texts, fresh):
        np.testing.assert_allclose(shipped[embeddings.text_hash(text)], vector, atol=1e-5)
