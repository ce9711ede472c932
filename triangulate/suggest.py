"""Suggest codebook issues for an insight while the officer writes it.

Score = cosine similarity between the text's embedding and the issue's embedding (label + definition +
seed keywords, all-MiniLM-L6-v2 from `triangulate.embeddings`), plus a small boost for each seed keyword
found in the text (KEYWORD_BOOST each, at most MAX_BOOST), so that a plain "damp" or "food bank" is never
outranked by a vaguely similar issue. Every suggestion says which keywords matched. Suggestions are only
offered: the page adds an issue only when the officer clicks.

Issue vectors are cached per process, keyed on the codebook's content hash, so an edited codebook is
re-embedded once and an unchanged one never again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from sqlalchemy.engine import Engine

from triangulate import codebook, embeddings
from triangulate.db import session_scope

KEYWORD_BOOST = 0.05
MAX_BOOST = 0.15
MIN_SCORE = 0.2
MIN_WORDS = 3


@dataclass(frozen=True)
class Suggestion:
    issue_code: str
    issue_label: str
    score: float
    similarity: float
    keyword_hits: tuple[str, ...]

    @property
    def explanation(self) -> str:
        why = f"similarity {self.similarity:.2f}"
        if self.keyword_hits:
            why += f" + {min(MAX_BOOST, KEYWORD_BOOST * len(self.keyword_hits)):.2f} for keywords: " + \
                ", ".join(self.keyword_hits)
        return why


@dataclass(frozen=True)
class _IssueSet:
    codes: tuple[str, ...]
    labels: tuple[str, ...]
    patterns: tuple[tuple[tuple[str, re.Pattern], ...], ...]
    vectors: np.ndarray


@lru_cache(maxsize=4)
def _issue_set(digest: str, issues: tuple[tuple[str, str, str, tuple[str, ...]], ...]) -> _IssueSet:
    """Embed the issues once per codebook version (`digest` is its content hash)."""
    vectors = embeddings.encode([text for _, _, text, _ in issues])
    patterns = tuple(tuple((k, re.compile(rf"(?<!\w){re.escape(k.lower())}(?!\w)")) for k in keywords)
                     for _, _, _, keywords in issues)
    return _IssueSet(codes=tuple(c for c, _, _, _ in issues), labels=tuple(l for _, l, _, _ in issues),
                     patterns=patterns, vectors=vectors)


def issue_set(engine: Engine) -> _IssueSet:
    with session_scope(engine) as session:
        rows = codebook.leaf_issues(session)
        digest = codebook.content_hash(codebook.issues(session, include_retired=True))
    payload = tuple((i.code, i.label, codebook.issue_text(i), tuple(i.keywords or ())) for i in rows)
    return _issue_set(digest, payload)


def warm(engine: Engine) -> None:
    """Load the model and embed the codebook now (the first suggestion is then fast)."""
    issue_set(engine)
    embeddings.encode(["warm up"])


def suggest(engine: Engine, text: str, top_k: int = 5, exclude: tuple[str, ...] = ()) -> list[Suggestion]:
    """Ranked suggestions for `text` (best first), leaving out issue codes in `exclude`."""
    text = (text or "").strip()
    if len(text.split()) < MIN_WORDS:
        return []
    issues = issue_set(engine)
    if not issues.codes:
        return []
    vector = embeddings.encode([text[:5000]])[0]
    similarity = issues.vectors @ vector
    lowered = text.lower()
    out = []
    for n, code in enumerate(issues.codes):
        if code in exclude:
            continue
        hits = tuple(k for k, pattern in issues.patterns[n] if pattern.search(lowered))
        score = float(similarity[n]) + min(MAX_BOOST, KEYWORD_BOOST * len(hits))
        if score >= MIN_SCORE:
            out.append(Suggestion(code, issues.labels[n], round(score, 3), round(float(similarity[n]), 3), hits))
    out.sort(key=lambda s: s.score, reverse=True)
    return out[:top_k]
