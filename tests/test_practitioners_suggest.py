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


# --------------------------------------------------------------------------- the query's first tokens only
LONG_HOUSING = (
    "Three more families on Langlands Road this month with black mould in the children's bedrooms and water coming "
    "through the ceiling. The flats are overcrowded: two bedrooms, five children, a baby in a travel cot in the "
    "living room. Repairs were reported to the housing association in the spring and nobody has come out; one mum "
    "has been on the transfer list for four years and was told there is nothing bigger in the area. "
    + "She wipes the walls down every morning, the landlord says it is condensation and to open the windows. " * 8
    + "The health visitor says the wee one's chest is worse and the family are asking about homeless applications.")


def test_the_query_is_read_up_to_query_tokens_and_a_long_housing_insight_ranks_housing_first(book, monkeypatch):
    from triangulate.core import embeddings

    assert len(LONG_HOUSING.split()) > 200
    asked = []
    real = embeddings.encode

    def spy(texts, batch_size=64, max_tokens=None):
        asked.append(max_tokens)
        return real(texts, batch_size, max_tokens)

    monkeypatch.setattr(embeddings, "encode", spy)
    found = suggest.suggest(book, LONG_HOUSING)
    assert asked[-1] == suggest.QUERY_TOKENS
    assert found[0].issue_code == "housing" and "mould" in found[0].keyword_hits


def test_max_tokens_reads_the_first_tokens_as_the_model_would_and_leaves_short_texts_alone():
    """The text is cut (the shared model is never reconfigured): the same vector as the model given that maximum
    length, and a text within it gets exactly its full vector."""
    import numpy as np

    from triangulate.core import embeddings

    short = "Damp and mould in overcrowded flats."
    assert np.array_equal(embeddings.encode([short], max_tokens=32), embeddings.encode([short]))
    tokenizer = embeddings.model().tokenizer
    cut = embeddings._first_tokens(tokenizer, LONG_HOUSING, 30)
    assert LONG_HOUSING.startswith(cut) and len(cut) < len(LONG_HOUSING) // 5
    assert len(tokenizer(cut, add_special_tokens=False)["input_ids"]) == 30
    model = embeddings.model()
    full_length = model.max_seq_length
    try:
        model.max_seq_length = 32
        by_model = model.encode([LONG_HOUSING], normalize_embeddings=True, convert_to_numpy=True)
    finally:
        model.max_seq_length = full_length
    got = embeddings.encode([LONG_HOUSING], max_tokens=32)
    assert float(got[0] @ by_model[0]) > 0.9999
    assert float(got[0] @ embeddings.encode([LONG_HOUSING])[0]) < 0.999  # the cut changed what was read
    assert model.max_seq_length == full_length
