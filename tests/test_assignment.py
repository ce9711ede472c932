"""assignment: pure vectors in, issue codes (or off-topic) out — off-topic rules, ranks and margins,
parents, learning from examples, determinism. Hand-made vectors: no model is loaded."""
from __future__ import annotations

import numpy as np
import pytest

from triangulate.codebook import assignment

DIM = 16


def axis(k: int, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    v[k] = 1.0
    if noise:
        v += np.random.default_rng(seed).normal(0, noise, DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def mix(*parts) -> np.ndarray:
    v = sum(w * axis(k) for k, w in parts)
    return v / np.linalg.norm(v)


# A codebook in miniature: costs of living (axis 0) with housing (1) and fuel (2); transport (3) alone.
ISSUES = [
    assignment.IssueVectors("cost_of_living", None, axis(0), np.vstack([axis(0), mix((0, 1), (1, .3))]),
                            ("prices", "skint")),
    assignment.IssueVectors("housing", "cost_of_living", axis(1), np.vstack([axis(1), mix((1, 1), (0, .2))]),
                            ("damp", "rent")),
    assignment.IssueVectors("fuel", "cost_of_living", axis(2), np.vstack([axis(2)]), ("heating",)),
    assignment.IssueVectors("transport", None, axis(3), np.vstack([axis(3)]), ("bus", "fares")),
]
OFF = np.vstack([axis(7), axis(8)])  # what small talk looks like


def machine(vectors=(), labels=(), **settings):
    return assignment.fit(np.array(vectors, dtype=np.float32).reshape(-1, DIM), list(labels), ISSUES, OFF,
                          settings=settings)


@pytest.mark.parametrize("text,reason", [
    ("Yeah.", "filler"), ("Uh huh.", "filler"), ("Thank you.", "filler"), ("Mm-hm, aye.", "filler"),
    ("Och, I don't know.", "filler"), ("And box 4,", "short"),
    ("Can you tell me a bit more about where you live?", "prompt"),
    ("Is there anything else you'd like to add?", "prompt"),
])
def test_talk_about_nothing_is_off_topic_by_rule(text, reason):
    assert assignment.offtopic_reason(text, assignment.keyword_vocabulary([["damp", "bus pass"]])) == reason
    decision = machine().predict(axis(1)[None, :], [text])[0]  # even when the vector looks like housing
    assert decision.issue_code is None and decision.reason == f"rule:{reason}"


@pytest.mark.parametrize("text", ["Damp.", "The buses.", "I don't feel safe in my own house at night.",
                                  "Do you know how long the waiting list is for a bigger flat?"])
def test_a_concern_in_few_words_is_not_off_topic_by_rule(text):
    vocabulary = assignment.keyword_vocabulary([["damp", "bus"]])
    assert assignment.offtopic_reason(text, vocabulary) is None


def test_rank_decides_and_off_topic_wins_when_it_ranks_first():
    m = machine()
    housing, small_talk = m.predict(np.vstack([axis(1, .1, 1), axis(7, .1, 2)]))
    assert housing.issue_code == "housing" and housing.margin > 0
    assert small_talk.issue_code is None and small_talk.reason == "model"
    # the contract's triple
    code, score, margin = housing
    assert code == "housing" and score == pytest.approx(housing.score)


def test_parent_is_assignable_when_it_ranks_first_or_its_children_tie():
    m = machine()
    assert m.predict(axis(0)[None, :])[0].issue_code == "cost_of_living"
    tie = mix((1, 1), (2, 1))  # housing and fuel alike: neither child fits better
    assert machine(parent_margin=0.05).predict(tie[None, :])[0].issue_code == "cost_of_living"
    assert machine(parent_margin=0.0).predict(tie[None, :])[0].issue_code in ("housing", "fuel")


def test_examples_teach_an_issue_the_codebook_misses():
    talk = [mix((5, 1), (1, .4)) + axis(5, .05, s) * .1 for s in range(6)]  # people's talk of fares
    probe = mix((5, 1), (1, .4))[None, :]  # to the codebook alone this leans to housing
    assert machine().predict(probe)[0].issue_code == "housing"
    taught = machine(talk + [axis(9, .05, s) for s in range(3)], ["transport"] * 6 + [None] * 3)
    assert taught.predict(probe)[0].issue_code == "transport"
    assert taught.n_examples() == {"transport": 6, None: 3}
    assert taught.predict(axis(9, .05, 42)[None, :])[0].issue_code is None  # people's `none` teaches too


def test_unknown_or_retired_labels_are_ignored_and_lengths_checked():
    m = machine([axis(1), axis(3)], ["retired_issue", "transport"])
    assert m.n_examples() == {"transport": 1}
    with pytest.raises(ValueError):
        machine([axis(1)], ["housing", "fuel"])
    with pytest.raises(ValueError):
        assignment.fit(np.zeros((0, DIM)), [], [], OFF)


def test_top_k_is_ranked_and_never_off_topic_unless_asked():
    m = machine()
    top = m.top_k(mix((1, 1), (2, .5))[None, :], k=3)[0]
    assert [c for c, _ in top][:2] == ["housing", "fuel"] and len(top) == 3
    assert [s for _, s in top] == sorted([s for _, s in top], reverse=True)
    assert None not in [c for c, _ in top]
    assert None in [c for c, _ in m.top_k(axis(7)[None, :], k=1, include_none=True)[0]]


def test_keywords_in_the_text_lift_their_issue():
    between = mix((1, 1.05), (3, 1))  # a shade closer to housing than to transport
    plain = machine(keyword_boost=0.0).predict(between[None, :], ["the whole situation round here"])[0]
    boosted = machine(keyword_boost=0.06).predict(between[None, :], ["the bus fares are a joke"])[0]
    assert plain.issue_code == "housing" and boosted.issue_code == "transport"


def test_same_examples_give_the_same_decisions():
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(40, DIM)).astype(np.float32)
    labels = [["housing", "fuel", "transport", None][k % 4] for k in range(40)]
    probe = rng.normal(size=(25, DIM)).astype(np.float32)
    first = [tuple(d) for d in machine(vectors, labels).predict(probe)]
    second = [tuple(d) for d in machine(vectors[::-1][::-1].copy(), list(labels)).predict(probe)]
    assert first == second


@pytest.mark.parametrize("text,reason", [
    ("How long have you lived in the area?", "prompt"),
    ("What would make the biggest difference for you?", "prompt"),
    ("Is it okay with you if I record the conversation?", "procedure"),
    ("Right, that's it recording now.", "procedure"),
    ("You can pull out at any time, your answers are confidential.", "procedure"),
])
def test_interviewer_questions_and_session_procedure_are_off_topic_by_rule(text, reason):
    vocabulary = assignment.keyword_vocabulary([["damp", "bus", "area"]])
    assert assignment.offtopic_reason(text, vocabulary) == reason


@pytest.mark.parametrize("text", [
    "Where do you go for help with the rent?",               # asking for information
    "How are you meant to feed three weans on that? I couldnae.",  # a resident's own question, with her story
    "They said it's all confidential but I still couldnae face the damp man coming round.",  # a codebook word
    "I've got a criminal record and nobody will give me a start.",  # a record that is not a recording
])
def test_residents_questions_and_borrowed_words_are_not_off_topic_by_rule(text):
    vocabulary = assignment.keyword_vocabulary([["damp", "bus", "rent"]])
    assert assignment.offtopic_reason(text, vocabulary) is None


def test_the_machine_learns_from_each_issues_newest_insights_only(sqlite_engine, monkeypatch):
    """At a city's scale every coded insight would cost minutes to embed and fit: the newest per issue teach."""
    from datetime import date

    from sqlmodel import Session, select

    from schemas import Insight, InsightCode, Issue, Ward
    from triangulate.codebook import assignment as a
    from triangulate.codebook import issues as codebook
    from triangulate.core.permissions import SYSTEM

    codebook.load_default(sqlite_engine, SYSTEM)
    with Session(sqlite_engine) as s:
        housing, food = (s.exec(select(Issue.id).where(Issue.code == c)).one() for c in ("housing", "food"))
        if s.get(Ward, "S13002971") is None:
            s.add(Ward(code="S13002971", name="Govan"))
            s.commit()
        for n in range(1, 7):
            s.add(Insight(id=n, text=f"insight number {n}", ward_code="S13002971", role_service="officer",
                          author_name="Officer", observed_on=date(2025, 1, n), evidence_type="caseload pattern"))
        s.commit()
        for n in range(1, 7):
            s.add(InsightCode(insight_id=n, issue_id=housing if n <= 4 else food, stance="problem", severity=2,
                              coder="a"))
        s.add(InsightCode(insight_id=4, issue_id=housing, stance="problem", severity=3, coder="b"))  # a 2nd coder
        s.commit()
        monkeypatch.setattr(a, "MAX_INSIGHTS_PER_ISSUE", 2)
        taught = a.examples(s)
    assert [(e.text, e.issue_code) for e in taught if e.source == "insight"] == [
        ("insight number 3", "housing"), ("insight number 4", "housing"),
        ("insight number 5", "food"), ("insight number 6", "food")]


# --------------------------------------------------------------------------- without importing scikit-learn
def test_the_stop_word_copy_is_scikit_learns():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    assert assignment._stop_words() == frozenset(ENGLISH_STOP_WORDS) | assignment._FILLERS


def test_regression_scores_exactly_as_scikit_learn(monkeypatch):
    """The numpy `predict_proba` gives scikit-learn's numbers to the last bit, so the issues are the same."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    rows = rng.normal(size=(120, DIM)).astype(np.float32)
    targets = np.arange(120) % 5
    model = LogisticRegression(C=assignment.REGULARISATION_C, max_iter=assignment.MAX_ITER).fit(rows, targets)
    ours = assignment.Regression("k", model.coef_, model.intercept_, model.classes_)
    x = assignment._unit_rows(rng.normal(size=(40, DIM)).astype(np.float32))
    assert np.array_equal(ours.predict_proba(x), model.predict_proba(x))
    # and the assigner's own fit goes through it: same decisions whether the regression is fitted or shipped
    monkeypatch.setattr(assignment, "SHIPPED_REGRESSIONS", ())
    taught = machine([axis(k, 0.3, seed) for k in (0, 1, 2, 3) for seed in range(3)],
                     [c for c in ("cost_of_living", "housing", "fuel", "transport") for _ in range(3)])
    assert isinstance(taught._classifier, assignment.Regression)


def test_the_shipped_regression_is_the_demos_fit(demo_engine, monkeypatch, tmp_path):
    """The shipped file holds what fitting on the demo's training set gives (rebuild it with
    scripts/build_demo_embeddings.py --regression-only after changing the demo's insights or the codebook)."""
    shipped, _ = assignment.for_database(demo_engine)
    assert isinstance(shipped._classifier, assignment.Regression)
    assert assignment._shipped_regression(shipped._classifier.key) is shipped._classifier
    monkeypatch.setattr(assignment, "SHIPPED_REGRESSIONS", ())
    fitted, _ = assignment.for_database(demo_engine)
    assert fitted._classifier.key == shipped._classifier.key
    # the same fit up to the solver's arithmetic: another CPU's vector kernels move the 6th digit (a stale file
    # has another key, or coefficients apart in the 2nd digit)
    a, b = fitted._classifier.coef_, shipped._classifier.coef_
    assert np.linalg.norm(a - b) <= 1e-4 * np.linalg.norm(b), np.linalg.norm(a - b) / np.linalg.norm(b)
    x = assignment._unit_rows(shipped._none_protos)
    assert [d.issue_code for d in fitted.predict(x)] == [d.issue_code for d in shipped.predict(x)]
