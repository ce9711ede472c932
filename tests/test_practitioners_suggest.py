"""Suggestions: ranked by similarity with a keyword boost, cached per codebook version."""
from __future__ import annotations

import pytest

from triangulate import codebook, suggest
from triangulate.permissions import SYSTEM

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
    assert found == sorted(found, key=lambda s: s.score, reverse=True)
    assert found[0].keyword_hits and "keywords" in found[0].explanation


def test_short_text_excluded_codes_and_cache_follows_codebook(book, as_role):
    assert suggest.suggest(book, "hi") == []
    assert "housing" not in [s.issue_code for s in suggest.suggest(
        book, "Damp and mould in overcrowded flats", exclude=("housing",))]
    suggest._issue_set.cache_clear()
    suggest.suggest(book, "Damp and mould in overcrowded flats")
    suggest.suggest(book, "Food bank referrals are up")
    assert suggest._issue_set.cache_info().misses == 1
    codebook.add_issue(book, as_role("researcher"), "period_poverty", "Period poverty",
                       "Cannot afford sanitary products.", ["pads", "tampons", "sanitary"], "cost_of_living")
    found = suggest.suggest(book, "Girls are missing school because they cannot afford pads or tampons.")
    assert suggest._issue_set.cache_info().misses == 2
    assert found[0].issue_code == "period_poverty"
