"""Suggest codebook issues for an insight while the officer writes it: always the top three, with scores.

The ranking is `triangulate.codebook.assignment`'s (the same machine that codes residents' segments): the codebook
(each issue's definition and each keyword embedded on its own), taught by what people coded — officers'
coded insights, researchers' segment codes and confirmed topic mappings. No absolute cut-off: real text
sits at cosine 0.1–0.3 to any definition, so a cut-off hid the right issue for 105 of 261 texts. Every
suggestion says which of the issue's keywords the text contains. Suggestions are only offered: the page
adds an issue only when the officer clicks.

The suggestions run their own, smaller sentence model (`INTERACTIVE_EMBEDDER`, MiniLM), for the query and for
every prototype and taught example (an assigner compares vectors of one model only; the database keeps each
model's vectors apart), while the batch assignment of residents' segments keeps the chosen model (mpnet by
default, the more accurate in batch): mpnet missed the 300 ms budget per suggestion (p95 0.51 s for a 200-word
insight on a quiet machine). Measured on ~200-word texts on the shared 2-core machine at load ≈ 3
(bench/bench_suggest_models.py → bench/results/suggest-models.json; accuracy with 10+ coded examples per issue):
MiniLM throughout p50 0.13 s / p95 0.18 s (86 ms CPU), top-1 / top-3 0.952 / 1.000 on the demo's officer insights
and 0.803 / 0.969 on the dev segments (residents' speech), against mpnet's 0.952 / 0.984 and 0.851 / 0.986 at
p95 1.5 s; mpnet reading only the text's first 128 / 96 / 64 tokens kept its accuracy but its CPU alone
(0.32 / 0.24 / 0.17 s) left no margin: p95 0.56 / 0.47 / 0.31 s at that load; an int8 copy of mpnet for the query
lost 0.12 of top-1 on dev.

The fitted assigner is cached per process, keyed on the codebook's content hash and a cheap fingerprint of
the coded examples, so a new code or an edited codebook is taken into account at the next suggestion.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas import Insight, InsightCode, Segment, TopicIssue
from triangulate.codebook import assignment
from triangulate.codebook import issues as codebook
from triangulate.core import caches, embeddings

MIN_WORDS = 3
TOP_K = 3
INTERACTIVE_EMBEDDER = "minilm"  # a key of embeddings.MODELS: the model officers' suggestions run, query and all


@dataclass(frozen=True)
class Suggestion:
    issue_code: str
    issue_label: str
    score: float
    rank: int
    keyword_hits: tuple[str, ...]
    similarity: float = 0.0  # kept for callers of the earlier API: the score itself

    @property
    def explanation(self) -> str:
        why = f"rank {self.rank}, score {self.score:.2f}"
        if self.keyword_hits:
            why += " · keywords: " + ", ".join(self.keyword_hits)
        return why


@dataclass(frozen=True)
class _Machine:
    assigner: assignment.Assigner  # fitted on INTERACTIVE_EMBEDDER's vectors (assigner.embedder)
    labels: dict[str, str]
    keywords: dict[str, tuple[tuple[str, re.Pattern], ...]]
    n_examples: int


def _examples_key(session: Session) -> tuple:
    """Changes whenever a code that teaches the machine is added, changed or removed (cheap aggregates)."""
    insight = session.exec(select(func.count(InsightCode.id), func.max(InsightCode.id),
                                  func.sum(InsightCode.issue_id))).one()
    edited = session.exec(select(func.max(Insight.updated_at))).one()
    manual = session.exec(select(func.count(Segment.id), func.sum(Segment.id), func.sum(Segment.issue_id))
                          .where(Segment.issue_source == "manual")).one()
    mapped = session.exec(select(func.count(TopicIssue.id), func.max(TopicIssue.id))
                          .where(TopicIssue.status == "confirmed")).one()
    return tuple(insight) + (str(edited),) + tuple(manual) + tuple(mapped)


_cache: dict[tuple, _Machine] = {}
# Fitted on the officers' coded insights (their embeddings): erasure empties it with the other caches.
caches.register("officers' suggestion machine", _cache.clear, lambda text: caches.mentions(list(_cache.values()), text))


def machine(engine: Engine) -> _Machine:
    """The fitted assigner for the current codebook and codes (refitted only when they change)."""
    with Session(engine) as session:
        rows = codebook.issues(session)
        key = (str(engine.url), INTERACTIVE_EMBEDDER,
               codebook.content_hash(codebook.issues(session, include_retired=True)), _examples_key(session))
    if key not in _cache:
        assigner, taught = assignment.for_database(engine, embedder=INTERACTIVE_EMBEDDER)
        patterns = {i.code: tuple((k, re.compile(rf"(?<!\w){re.escape(k.lower())}(?!\w)")) for k in i.keywords or [])
                    for i in rows}
        _cache.clear()  # one codebook version per process is enough
        _cache[key] = _Machine(assigner, {i.code: i.label for i in rows}, patterns, len(taught))
    return _cache[key]


def warm(engine: Engine) -> None:
    """Load the interactive model and fit the assigner now (the first suggestion is then fast)."""
    found = machine(engine)
    embeddings.encode(["warm up"], embedder=found.assigner.embedder)


def suggest(engine: Engine, text: str, top_k: int = TOP_K, exclude: tuple[str, ...] = (),
            codes: tuple[str, ...] | None = None) -> list[Suggestion]:
    """The `top_k` best issues for `text` with scores, best first; `exclude` drops codes already chosen and
    `codes`, when given, limits the ranking to those issues (e.g. the ones a page lets officers pick)."""
    text = (text or "").strip()
    if len(text.split()) < MIN_WORDS:
        return []
    found = machine(engine)
    vector = embeddings.encode([text[:5000]], embedder=found.assigner.embedder)  # the assigner's own model
    ranked = found.assigner.top_k(vector, k=len(found.assigner.classes), texts=[text[:5000]])[0]
    lowered = text.lower()
    out = []
    for code, score in ranked:
        if code in exclude or (codes is not None and code not in codes):
            continue
        hits = tuple(k for k, pattern in found.keywords.get(code, ()) if pattern.search(lowered))
        out.append(Suggestion(code, found.labels.get(code, code), round(float(score), 3), len(out) + 1, hits,
                              round(float(score), 3)))
        if len(out) == top_k:
            break
    return out

