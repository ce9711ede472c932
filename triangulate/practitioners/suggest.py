"""Suggest codebook issues for an insight while the officer writes it: always the top three, with scores.

The ranking is `triangulate.codebook.assignment`'s (the same machine that codes residents' segments): the codebook
(each issue's definition and each keyword embedded on its own), taught by what people coded — officers'
coded insights, researchers' segment codes and confirmed topic mappings. No absolute cut-off: real text
sits at cosine 0.1–0.3 to any definition, so a cut-off hid the right issue for 105 of 261 texts. Every
suggestion says which of the issue's keywords the text contains. Suggestions are only offered: the page
adds an issue only when the officer clicks.

The text's vector reads only its first `QUERY_TOKENS` tokens (about 70 words; the codebook, the off-topic
prototypes and the taught examples stay full-length vectors of the same model), while the keywords are found in
the whole text: the model's time grows with the length it reads, and all-mpnet-base-v2 (the default, chosen for
batch accuracy) read in full took p95 0.51 s for a 200-word insight on a quiet machine, over the 300 ms budget.
Measured on ~200-word texts at load ≈ 3 (bench/bench_suggest_models.py → bench/results/suggest-models.json, the
assigner taught by 10+ coded examples per issue): cut at 96 tokens p50 0.22 s / p95 0.24 s against 1.10 / 1.50 s
in full, the same top-1 / top-3 on the dev segments (0.851 / 0.986: most are shorter than the cut) and on the
demo's insights (0.952 / 0.984), and as good on ~200-word texts (top-3 recall 0.73 against 0.70). MiniLM for the
query and everything it is compared with was faster (p95 0.18 s) but less accurate on dev (0.803 / 0.969;
zero-shot top-3 0.882 against 0.927); an int8 copy of mpnet for the query lost 0.12 of top-1; 128 tokens missed the
budget under load (p95 0.31 s).

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
QUERY_TOKENS = 96  # the model reads this many of the text's tokens (start and end tokens included): see above


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
    assigner: assignment.Assigner
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
        key = (str(engine.url), codebook.content_hash(codebook.issues(session, include_retired=True)),
               _examples_key(session))
    if key not in _cache:
        assigner, taught = assignment.for_database(engine)
        patterns = {i.code: tuple((k, re.compile(rf"(?<!\w){re.escape(k.lower())}(?!\w)")) for k in i.keywords or [])
                    for i in rows}
        _cache.clear()  # one codebook version per process is enough
        _cache[key] = _Machine(assigner, {i.code: i.label for i in rows}, patterns, len(taught))
    return _cache[key]


def warm(engine: Engine) -> None:
    """Load the model and fit the assigner now (the first suggestion is then fast)."""
    machine(engine)
    embeddings.encode(["warm up"], max_tokens=QUERY_TOKENS)


def suggest(engine: Engine, text: str, top_k: int = TOP_K, exclude: tuple[str, ...] = (),
            codes: tuple[str, ...] | None = None) -> list[Suggestion]:
    """The `top_k` best issues for `text` with scores, best first; `exclude` drops codes already chosen and
    `codes`, when given, limits the ranking to those issues (e.g. the ones a page lets officers pick)."""
    text = (text or "").strip()
    if len(text.split()) < MIN_WORDS:
        return []
    found = machine(engine)
    vector = embeddings.encode([text[:5000]], max_tokens=QUERY_TOKENS)
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

