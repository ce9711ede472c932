"""Officers' suggestions: always the top three with scores, from the codebook and what people coded."""
from __future__ import annotations

from datetime import date

import pytest

from triangulate.codebook import issues as codebook
from triangulate.core.permissions import SYSTEM
from triangulate.practitioners import insights, suggest

pytestmark = pytest.mark.slow


@pytest.fixture
def book(sqlite_engine):
    codebook.load_default(sqlite_engine, SYSTEM)
    return sqlite_engine


@pytest.mark.parametrize("text,expected", [
    ("Three families on Langlands Road have black mould in the kids' bedrooms and the flat is overcrowded.",
     "housing"),
    ("More parents asking for food bank referrals; they skip meals so the children can eat.", "food"),
    ("Families on prepayment meters are going without heating when the top-up runs out.", "fuel"),
    ("The subway and buses are good here; nobody mentions travel as a barrier.", "transport"),
    ("Nursery hours finish before the shift ends and the after-school club is too dear.", "childcare"),
])
def test_top_suggestion_is_the_obvious_issue(book, text, expected):
    found = suggest.suggest(book, text)
    assert found[0].issue_code == expected
    assert len(found) == 3 and [s.rank for s in found] == [1, 2, 3]
    assert found == sorted(found, key=lambda s: s.score, reverse=True)
    assert found[0].keyword_hits and "keywords" in found[0].explanation


def test_always_three_even_for_vague_text_and_limits(book):
    assert suggest.suggest(book, "hi") == []
    vague = suggest.suggest(book, "It has been a long few months for everyone round here.")
    assert len(vague) == 3  # no absolute cut-off hides the ranking
    assert "housing" not in [s.issue_code for s in suggest.suggest(
        book, "Damp and mould in overcrowded flats", exclude=("housing",))]
    only = suggest.suggest(book, "Damp and mould in overcrowded flats", codes=("fuel", "food", "transport"))
    assert {s.issue_code for s in only} == {"fuel", "food", "transport"}


def test_new_issue_and_officers_codes_teach_the_suggestions(book, as_role):
    codebook.add_issue(book, as_role("researcher"), "period_poverty", "Period poverty",
                       "Cannot afford sanitary products.", ["pads", "tampons", "sanitary"], "cost_of_living")
    found = suggest.suggest(book, "Girls are missing school because they cannot afford pads or tampons.")
    assert found[0].issue_code == "period_poverty"
    text = "The lifts in the high flats have been broken for weeks and pram users are stuck upstairs."
    before = [s.issue_code for s in suggest.suggest(book, text)]
    officer = as_role("officer")
    ward = insights_ward(book)
    for k, phrase in enumerate(["The lift in the tower block is broken again, mums carry prams up nine floors.",
                                "Broken lifts in the multis: a family with a wheelchair cannot get out.",
                                "Lift out of order for a month in the high rise, the elderly are trapped."]):
        insights.create(book, officer, ward=ward, observed_on=date(2026, 1, 1 + k), text=phrase,
                        role_service="Housing", evidence_type="direct observation", families=None,
                        confidence="medium", codes=[{"issue": "safety", "stance": "problem", "severity": 2}],
                        client_token=f"t{k}")
    after = [s.issue_code for s in suggest.suggest(book, text)]
    assert after.index("safety") < (before.index("safety") if "safety" in before else 3)


def insights_ward(engine) -> str:
    from sqlmodel import Session, select

    from schemas import Ward

    with Session(engine) as session:
        ward = session.exec(select(Ward)).first()
        if ward is None:
            session.add(Ward(code="S13002971", name="Govan"))
            session.commit()
            return "S13002971"
        return ward.code


# --------------------------------------------------------------------------- the interactive model
@pytest.fixture
def mpnet_chosen(monkeypatch):
    """The default install's setting (mpnet chosen) without loading mpnet: asking for it fails the test."""
    from triangulate.core import embeddings

    monkeypatch.setattr(embeddings, "EMBEDDER", "mpnet")
    monkeypatch.setattr(embeddings, "MODEL_NAME", embeddings.MODELS["mpnet"][0])
    monkeypatch.setattr(embeddings, "DIM", embeddings.MODELS["mpnet"][1])

    def no_mpnet():
        raise AssertionError("the suggestions asked for the chosen (batch) model")

    monkeypatch.setattr(embeddings, "model", no_mpnet)
    monkeypatch.setattr(suggest, "_cache", {})


def test_suggestions_run_the_interactive_model_for_query_and_prototypes(book, mpnet_chosen):
    from sqlmodel import Session, select

    from schemas import Embedding

    assert suggest.INTERACTIVE_EMBEDDER == "minilm"
    suggest.warm(book)
    found = suggest.suggest(book, "Three families on Langlands Road have black mould in the kids' bedrooms and "
                                  "the flat is overcrowded; the housing association has not come out.")
    assert found[0].issue_code == "housing"
    assert suggest.machine(book).assigner.embedder == "minilm"
    with Session(book) as session:
        stored = set(session.exec(select(Embedding.model, Embedding.dim)).all())
    assert stored == {("all-MiniLM-L6-v2", 384)}  # codebook and off-topic prototypes: MiniLM only


def test_the_assigner_never_mixes_models_vectors(book, monkeypatch, tmp_path):
    """Batch assignment keeps the chosen model, the suggestions theirs; each assigner holds one model's vectors and
    the database one row per text and model."""
    import numpy as np
    from sqlmodel import Session, select

    from schemas import Embedding
    from triangulate.codebook import assignment
    from triangulate.core import embeddings

    monkeypatch.setattr(embeddings, "EMBEDDER", "mpnet")
    monkeypatch.setattr(embeddings, "SHIPPED_CACHES", ())  # every vector computed, by the model asked for
    monkeypatch.setattr(embeddings, "shipped_demo_file", lambda stem, model_name=None: tmp_path / "none.npz")
    asked: list[str] = []

    def fake_encode(texts, batch_size=64, embedder=None):
        key = embedder or embeddings.EMBEDDER
        asked.append(key)
        dim = embeddings.MODELS[key][1]
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, len(text) % dim] = 1.0
        return out

    monkeypatch.setattr(embeddings, "encode", fake_encode)
    batch, _ = assignment.for_database(book)
    assert set(asked) == {"mpnet"} and batch.embedder == "mpnet"
    asked.clear()
    interactive, _ = assignment.for_database(book, embedder="minilm")
    assert set(asked) == {"minilm"} and interactive.embedder == "minilm"
    assert interactive._definition.shape[1] == 384 and batch._definition.shape[1] == 768
    assert {v.shape[1] for v in interactive._keywords + [interactive._none_protos]} == {384}
    with Session(book) as session:
        rows = session.exec(select(Embedding.text_hash, Embedding.model, Embedding.dim)).all()
    assert {(m, d) for _, m, d in rows} == {("all-mpnet-base-v2", 768), ("all-MiniLM-L6-v2", 384)}
    assert len(rows) == len({(h, m) for h, m, _ in rows}) == 2 * len({h for h, _, _ in rows})
    with pytest.raises(ValueError):  # a vector of the other model cannot be scored
        interactive.top_k(fake_encode(["Damp and mould in overcrowded flats"], embedder="mpnet"))


def test_the_demos_shipped_minilm_file_covers_the_suggestions_codebook(book, mpnet_chosen, monkeypatch):
    """On the default install (mpnet chosen) the demo's MiniLM file serves the suggestions' codebook vectors."""
    from sqlmodel import Session

    from triangulate.codebook import assignment
    from triangulate.core import embeddings

    computed: list[str] = []
    monkeypatch.setattr(embeddings, "encode", lambda texts, batch_size=64, embedder=None: computed.extend(texts))
    with Session(book) as session:
        texts = [t for i in codebook.issues(session) for t in assignment.issue_texts(i.label, i.definition, i.keywords)]
    embeddings.cached_encode(book, texts + list(assignment.offtopic_prototypes()), embedder="minilm")
    assert computed == []
