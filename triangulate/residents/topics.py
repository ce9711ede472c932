"""What residents talk about: topics as a lens (BERTopic per ward, with quotes); issues from `assignment`.

Two separate jobs, so that coding 20 more segments never refits a topic model:

- **Topics** (discovery): BERTopic over the resident segments that say something (off-topic by rule —
  fillers, backchannels, interviewer prompts — are left out, so no filler topics). Unseeded: seeding with
  the codebook's keywords collapsed a real 900-segment corpus into 3 topics (STACK.md). No topic may hold
  more than `MAX_TOPIC_SHARE` of the segments: a bigger one is split with k-means on its UMAP coordinates
  unless it has no structure to split (silhouette below `SPLIT_MIN_SILHOUETTE`: the corpus is that uniform).
  Refitted only when the set of segments or the recipe changes; vectors come from the database cache.
- **Issues** (verdict): every resident segment gets an issue or `none` from `triangulate.codebook.assignment`
  (codebook + people's codes, by rank and margin), re-run whenever segments, codebook or codes change.
  A manual code is never overwritten; a confirmed topic mapping ("topic") applies to its segments.
  A topic's *suggested* issue is the majority of its segments' issues (its share is the confidence);
  a topic whose segments are mostly off-topic gets no suggestion.
- Reproducible: UMAP/HDBSCAN/k-means seeds are fixed and assignment is plain numpy, so the same segments
  and codes give the same topics and issues in a new process (tests/test_residents_topics.py).
- Small corpora: below `CLUSTER_MIN_SEGMENTS` clustering means nothing; the "topics" are then the issues
  the segments were assigned to (method="similarity").
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import platform
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas import Issue, Segment, SegmentTopic, Topic, TopicIssue, TopicModel, Transcript, Ward
from triangulate.codebook import assignment
from triangulate.codebook import issues as codebook
from triangulate.core import audit, embeddings, exports
from triangulate.core.atomic_dir import atomic_directory
from triangulate.core.config import data_dir
from triangulate.core.db import get_or_not_found, session_scope
from triangulate.core.errors import NotFound, TriangulateError
from triangulate.core.permissions import Actor, require

CLUSTER_MIN_SEGMENTS = 30  # below this, topics are the assigned issues (STACK.md: 10–30)
SEED = 42
SETTINGS_VERSION = 4  # bump when the fitting recipe changes: forces a refit
MAX_TOPIC_SHARE = 1 / 3  # no topic holds more of the segments than this…
SPLIT_MIN_SILHOUETTE = 0.05  # …unless splitting it finds no structure (the corpus is that uniform)


# Fillers of spoken Glasgow English that would otherwise top every topic's keywords.
SPOKEN_STOP_WORDS = frozenset([
    "aye", "naw", "yeah", "yes", "och", "wi", "ve", "ll", "re", "don", "didn", "doesn", "isn", "wasn", "got",
    "just", "like", "wee", "cannae", "dinnae", "didnae", "doesnae", "wasnae", "isnae", "havenae", "wouldnae",
    "couldnae", "shouldnae", "gonnae", "wanna", "gotta", "oot", "aff", "doon", "fae", "ken", "know", "really",
    "thing", "things", "said", "say", "says", "mean", "kind", "sort", "lot", "bit", "okay", "ok", "right", "think",
    "honestly", "actually", "basically", "tae", "ma", "im", "thats", "dont", "cant",
])
PLACEHOLDER = re.compile(r"\[(?:PERSON|PHONE|EMAIL|POSTCODE|NI NUMBER|DOB|ADDRESS|REDACTED) \d+\]")


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def settings_for(n: int) -> dict:
    """UMAP/HDBSCAN settings scaled to the number of segments (held up on 20–5,000 documents)."""
    m = _clamp(n // 25, 3, 10)
    return {"n": n, "umap": {"n_neighbors": _clamp(n // 10, 2, 15), "n_components": 5, "min_dist": 0.0,
                             "metric": "cosine", "random_state": SEED},
            "knn": "exact cosine neighbours by matrix product (numpy), passed to UMAP as precomputed_knn",
            "knn_decimals": KNN_DECIMALS,
            "hdbscan": {"min_cluster_size": m, "min_samples": max(1, m // 2), "metric": "euclidean",
                        "cluster_selection_method": "eom", "prediction_data": True},
            "min_topic_size": m, "vectorizer": {"stop_words": "english+spoken", "ngram_range": [1, 2], "min_df": 1},
            "outliers": "c-tf-idf", "seeded": False, "max_topic_share": round(MAX_TOPIC_SHARE, 4),
            "split": {"method": "k-means on UMAP coordinates", "random_state": SEED,
                      "min_silhouette": SPLIT_MIN_SILHOUETTE},
            "excluded": "segments off-topic by rule (assignment.offtopic_reason)", "version": SETTINGS_VERSION}


@dataclass
class Result:
    model_id: int | None
    method: str  # bertopic / similarity / unchanged (topics kept; issues re-assigned if codes changed) / issues
    # (issues only, topics not fitted yet: `assign_issues`)
    n_segments: int
    n_topics: int = 0
    embedded: int = 0  # vectors computed in this run (the rest came from the cache)
    seconds: dict = field(default_factory=dict)
    assigned: int = 0  # segments given an issue by the machine or a topic mapping in this run
    off_topic: int = 0  # segments the machine found about nothing
    manual: int = 0  # segments people coded (kept as they are)
    examples: int = 0  # coded examples the machine learned from
    reassigned: bool = False

    def describe(self) -> str:
        issues = (f" Issues: {self.assigned} segments assigned, {self.off_topic} off-topic, {self.manual} coded by "
                  f"people; learned from {self.examples} coded examples.")
        if self.method == "unchanged":
            head = f"Topics unchanged ({self.n_segments} resident segments)."
            return head + (issues if self.reassigned else " Nothing else changed since the last analysis.")
        if self.method == "issues":
            return f"Issues assigned to {self.n_segments} resident segments; topics not fitted yet." + issues
        if self.method == "similarity":
            return (f"{self.n_segments} resident segments are too few for topic modelling (fewer than "
                    f"{CLUSTER_MIN_SEGMENTS}): topics are the issues the segments were assigned to." + issues)
        return (f"{self.n_topics} topics found in {self.n_segments} resident segments ({self.embedded} newly "
                f"embedded).{issues}")


# --------------------------------------------------------------------------- inputs
def _resident_segments(session: Session) -> list[tuple[int, str, str, str]]:
    rows = session.exec(select(Segment.id, Segment.text, Segment.text_hash, Transcript.ward_code)
                        .join(Transcript, Transcript.id == Segment.transcript_id)
                        .where(Segment.speaker_role == "resident").order_by(Segment.id)).all()
    return [tuple(r) for r in rows]


def _hash(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(json.dumps(part, default=str, sort_keys=True).encode())
    return h.hexdigest()


def _topic_signature(rows) -> str:
    """What the topics depend on: the segments (ids, texts) and the recipe — not the codebook or codes."""
    return _hash([[seg_id, text_hash] for seg_id, _, text_hash, _ in rows], f"v{SETTINGS_VERSION}")


def _assignment_signature(session: Session, rows) -> str:
    """What the issues depend on: segments, the codebook, every coded example and confirmed mapping."""
    book = codebook.content_hash(codebook.issues(session, include_retired=True))
    taught = [[e.text, e.issue_code, e.source] for e in assignment.examples(session)]
    manual = session.exec(select(Segment.id, Segment.issue_id).where(Segment.issue_source == "manual")
                          .order_by(Segment.id)).all()
    mapped = session.exec(select(TopicIssue.topic_id, TopicIssue.issue_id, TopicIssue.status)
                          .where(TopicIssue.status == "confirmed")
                          .order_by(TopicIssue.topic_id, TopicIssue.issue_id)).all()
    return _hash(_topic_signature(rows), book, taught, [list(m) for m in manual], [list(m) for m in mapped],
                 assignment.settings_snapshot())


def _versions() -> dict:
    import importlib.metadata as md

    out = {"python": platform.python_version(), "embedding_model": embeddings.MODEL_NAME}
    for pkg in ("bertopic", "umap-learn", "hdbscan", "scikit-learn", "sentence-transformers", "numpy"):
        with contextlib.suppress(md.PackageNotFoundError):
            out[pkg] = md.version(pkg)
    return out


# --------------------------------------------------------------------------- fitting
def _vectorizer(settings: dict):
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    vec = settings["vectorizer"]
    return CountVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | SPOKEN_STOP_WORDS),
                           ngram_range=tuple(vec["ngram_range"]), min_df=vec["min_df"])


def fit_bertopic(docs: list[str], vectors: np.ndarray, settings: dict):
    """An unseeded BERTopic fitted on precomputed vectors; outliers reduced; oversized topics split.

    Returns (model, topics)."""
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from umap import UMAP

    from triangulate.residents import umap_cache

    umap_cache.enable()  # UMAP's compiled code from the data folder's cache, not compiled again

    vectorizer = _vectorizer(settings)
    # Keywords come from the words people said, not from "[PERSON 1]" placeholders.
    docs = [PLACEHOLDER.sub(" ", d) for d in docs]

    class ExactKnnUMAP(UMAP):
        """UMAP fed exact cosine neighbours computed with one matrix product. UMAP's own search calls a numba
        distance per pair below 4,096 rows (≈10 s for 1,700 segments) and compiles pynndescent above it
        (≈40–90 s, once per process); for unit vectors a matrix product gives the same neighbours in well
        under a second."""

        def fit_transform(self, X, y=None, **kwargs):
            self.precomputed_knn = exact_knn(np.asarray(X, dtype=np.float32), self.n_neighbors)
            return super().fit_transform(X, y=y, **kwargs)

    umap_model = ExactKnnUMAP(**settings["umap"])
    model = BERTopic(embedding_model=embeddings.model(), umap_model=umap_model,
                     hdbscan_model=HDBSCAN(**settings["hdbscan"]), vectorizer_model=vectorizer,
                     min_topic_size=settings["min_topic_size"], calculate_probabilities=False)
    logging.getLogger("BERTopic").setLevel(logging.ERROR)  # after: BERTopic() resets its logger's level
    topics, _ = model.fit_transform(docs, embeddings=vectors.copy())
    topics = list(topics)
    if -1 in topics and len(set(topics)) > 1:
        topics = list(model.reduce_outliers(docs, topics, strategy=settings["outliers"]))
    reduced = getattr(umap_model, "embedding_", None)
    split = split_oversized(topics, reduced if reduced is not None else vectors, MAX_TOPIC_SHARE)
    if split != topics or -1 in set(model.topics_ or []):
        topics = split
        model.update_topics(docs, topics=topics, vectorizer_model=vectorizer)
    return model, list(topics)


def split_oversized(topics: list[int], coordinates: np.ndarray, max_share: float) -> list[int]:
    """Topics holding more than `max_share` of the segments, split by k-means on their coordinates into
    as many parts as it takes — unless the split finds no structure (silhouette < SPLIT_MIN_SILHOUETTE)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    topics = list(topics)
    n = len(topics)
    limit = max(1, int(math.floor(max_share * n)))
    next_number = max(topics, default=-1) + 1
    for number, size in sorted(Counter(topics).items()):
        if size <= limit or size < 6:
            continue
        rows = np.array([i for i, t in enumerate(topics) if t == number])
        k = min(int(math.ceil(size / limit)) + 1, size // 3)
        if k < 2:
            continue
        labels = KMeans(n_clusters=k, random_state=SEED, n_init=10).fit_predict(coordinates[rows])
        if silhouette_score(coordinates[rows], labels) < SPLIT_MIN_SILHOUETTE:
            continue  # no structure to split: the corpus is that uniform
        for part in range(1, k):
            for i in rows[labels == part]:
                topics[i] = next_number
            next_number += 1
        for i in rows[labels == 0]:
            topics[i] = number
    return topics


# The neighbours UMAP is given come from cosine similarities rounded to this many decimals (None: as computed).
# The fit is chaotic: one neighbour swapped by float noise moves the topics (a synthetic corpus embedded in
# batches of 16 instead of 64, vectors within 7e-7, changed 500-1,900 neighbour entries and gave an adjusted
# Rand index of 0.38-0.45 against the other fit; 2-6 entries still changed at 4 decimals and moved it as much).
# At 3 decimals no entry changed for batches of 8, 16, 32 and 64 on four corpora (bench/bench_topic_noise.py,
# bench/results/topic-noise.json): noise below 1e-6 then changes the topics only when a similarity lies within
# it of a rounding boundary. A grid of 0.001 is fine beside the spread of a segment's neighbours (~0.05-0.2).
KNN_DECIMALS: int | None = 3


def exact_knn(vectors: np.ndarray, k: int, chunk: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Each row's k nearest rows by cosine distance (itself first, at distance 0), in row chunks; similarities
    rounded to `KNN_DECIMALS` first, so that float noise in the vectors leaves the neighbours as they are."""
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    n = len(unit)
    k = min(k, n)
    indices = np.empty((n, k), dtype=np.int32)
    distances = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, chunk):
        sims = unit[start:start + chunk] @ unit.T
        if KNN_DECIMALS is not None:  # neighbours and distances from similarities on a fixed grid (see KNN_DECIMALS)
            sims = np.round(sims, KNN_DECIMALS)
        rows = np.arange(sims.shape[0])
        sims[rows, start + rows] = np.inf  # self first, whatever ties there are
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(-sims, top, axis=1).argsort(axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        indices[start:start + chunk] = top
        dist = 1.0 - np.take_along_axis(sims, top, axis=1)
        dist[:, 0] = 0.0
        distances[start:start + chunk] = np.clip(dist, 0.0, 2.0)
    return indices, distances


def _unit(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v)
    return v / norm if norm else v


def analyse(engine: Engine, actor: Actor, *, force: bool = False, progress=None) -> Result:
    """Fit (or keep) the topics of all resident segments, then give every segment an issue or none.

    `progress(fraction, message)` reports the steps; the slow ones are embedding new segments and fitting.
    Coding more segments changes only the second step: topics are refitted only when segments change.
    """
    require(actor, "transcripts.analyse")
    say = progress or (lambda fraction, message: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with Session(engine) as session:
        rows = _resident_segments(session)
        has_issues = bool(codebook.issues(session))
        current = _current(session)
        assigned_as = _assignment_signature(session, rows) if rows and has_issues else ""
    if not rows:
        raise TriangulateError("There are no resident segments to analyse yet. Upload a transcript and tick "
                               "which speakers are residents.")
    if not has_issues:
        raise TriangulateError("The codebook has no issues; load the default codebook first.")
    topic_sig = _topic_signature(rows)
    keep_topics = (current is not None and not force and not current.stale
                   and current.settings.get("signature") == topic_sig)
    if keep_topics and current.settings.get("assignment") == assigned_as:
        say(1.0, "Nothing changed since the last analysis.")
        return Result(current.id, "unchanged", len(rows), seconds={"total": time.perf_counter() - t0})
    docs = [r[1] for r in rows]
    say(0.05, f"Embedding {len(docs)} resident segments (cached vectors are reused)…")
    counter = {"new": 0}

    def embed_progress(done: int, total: int) -> None:
        counter["new"] = total
        say(0.05 + 0.45 * done / max(total, 1), f"Embedding new segments: {done} of {total}")

    t = time.perf_counter()
    vectors = embeddings.cached_encode(engine, docs, progress=embed_progress)
    timings["embed"] = time.perf_counter() - t
    t = time.perf_counter()
    say(0.5, "Assigning issues (codebook and people's codes)…")
    assigner, taught = assignment.for_database(engine)
    decisions = assigner.predict(vectors, docs)
    timings["assign"] = time.perf_counter() - t
    topical = [i for i, d in enumerate(decisions) if not d.reason.startswith("rule:")]
    t = time.perf_counter()
    if keep_topics:
        model_id, method, n_topics = current.id, "unchanged", None
    elif len(topical) < CLUSTER_MIN_SEGMENTS:
        model_id, method, n_topics = _store_by_issue(engine, actor, rows, vectors, decisions, topic_sig), \
            "similarity", None
    else:
        settings = settings_for(len(topical))
        say(0.55, f"Fitting topics on {len(topical)} segments (UMAP + HDBSCAN)…")
        model, numbers = fit_bertopic([docs[i] for i in topical], vectors[topical], settings)
        timings["fit"] = time.perf_counter() - t
        say(0.85, "Saving the topics…")
        model_id = _store_bertopic(engine, actor, model, numbers, [rows[i] for i in topical], vectors[topical],
                                   {**settings, "signature": topic_sig})
        method, n_topics = "bertopic", None
    t = time.perf_counter()
    counts = _apply_assignment(engine, model_id, rows, vectors, decisions, assigner, assigned_as)
    timings["store"] = time.perf_counter() - t
    with Session(engine) as session:
        n_topics = len(session.exec(select(Topic.id).where(Topic.model_id == model_id)).all())
    timings["total"] = time.perf_counter() - t0
    result = Result(model_id, method, len(rows), n_topics, embedded=counter["new"], seconds=timings,
                    examples=len(taught), reassigned=True, **counts)
    say(1.0, result.describe())
    return result


def assign_issues(engine: Engine, actor: Actor) -> Result:
    """The issue half of `analyse` alone, on a database with no topic model yet: every resident segment gets its
    issue or none now, and the topics are left to a later `analyse` (e.g. the analysis job `init --demo` queues
    for the worker). That later run gives every segment the same issue: without a topic model there is no
    confirmed topic mapping, the only way topics reach the issues. With a topic model, this is `analyse`."""
    require(actor, "transcripts.analyse")
    with Session(engine) as session:
        if _current(session) is not None:
            return analyse(engine, actor)
        rows = _resident_segments(session)
        has_issues = bool(codebook.issues(session))
    if not rows or not has_issues:
        return analyse(engine, actor)  # its errors say what is missing
    t0 = time.perf_counter()
    docs = [r[1] for r in rows]
    vectors = embeddings.cached_encode(engine, docs)
    assigner, taught = assignment.for_database(engine)
    decisions = assigner.predict(vectors, docs)
    counts = _apply_assignment(engine, None, rows, vectors, decisions, assigner, "")
    return Result(None, "issues", len(rows), seconds={"total": time.perf_counter() - t0}, examples=len(taught),
                  reassigned=True, **counts)


def _current(session: Session) -> TopicModel | None:
    return session.exec(select(TopicModel).where(TopicModel.is_current.is_(True))
                        .order_by(TopicModel.id.desc())).first()


def _retire_current(session: Session) -> TopicModel | None:
    previous = _current(session)
    session.execute(update(TopicModel).where(TopicModel.is_current.is_(True)).values(is_current=False))
    return previous


def _confirmed_before(session: Session, previous: TopicModel | None) -> list[tuple[set[str], int, str]]:
    """Confirmed mappings of the previous model: (keywords, issue id, who decided) to carry over."""
    if previous is None:
        return []
    rows = session.exec(select(Topic.keywords, TopicIssue.issue_id, TopicIssue.decided_by)
                        .join(TopicIssue, TopicIssue.topic_id == Topic.id)
                        .where(Topic.model_id == previous.id, TopicIssue.status == "confirmed")).all()
    return [(set(k[:10]), issue_id, who) for k, issue_id, who in rows]


def _assign_segments(session: Session, assignments: dict[int, tuple[int | None, str]]) -> None:
    """segment id -> (issue id or None, source); codes people set ("manual") are kept."""
    manual = set(session.exec(select(Segment.id).where(Segment.issue_source == "manual")).all())
    by_value: dict[tuple[int | None, str], list[int]] = {}
    for seg_id, value in sorted(assignments.items()):
        if seg_id not in manual:
            by_value.setdefault(value, []).append(seg_id)
    for (issue_id, source), ids in sorted(by_value.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])):
        for start in range(0, len(ids), 500):
            session.execute(update(Segment).where(Segment.id.in_(ids[start:start + 500]))
                            .values(issue_id=issue_id, issue_source=source))


def _apply_assignment(engine, model_id, rows, vectors, decisions, assigner, signature) -> dict:
    """Write every segment's issue (manual kept; confirmed topics win over the model), then each topic's
    suggested issue = the majority of its segments' issues. `model_id` None: no topics (issues only)."""
    index_of = {row[0]: k for k, row in enumerate(rows)}
    with session_scope(engine) as session:
        id_of = {i.code: i.id for i in codebook.issues(session)}
        manual = set(session.exec(select(Segment.id).where(Segment.issue_source == "manual")).all())
        members, confirmed = _topic_members(session, model_id) if model_id is not None else ({}, {})
        out: dict[int, tuple[int | None, str]] = {}
        for (seg_id, *_), decision in zip(rows, decisions):
            out[seg_id] = ((id_of[decision.issue_code], "model") if decision.issue_code else (None, "none"))
        for topic_id, codes in confirmed.items():
            ids = [s for s in members.get(topic_id, []) if s in index_of]
            if not ids:
                continue
            if len(codes) == 1:
                chosen = [codes[0]] * len(ids)
            else:  # a split topic: each segment to the closest of the chosen issues
                columns = [assigner.classes.index(c) for c in codes if c in assigner.classes]
                scores = assigner.scores(vectors[[index_of[s] for s in ids]])[:, columns]
                chosen = [codes[int(k)] for k in np.argmax(scores, axis=1)]
            for seg_id, code in zip(ids, chosen):
                out[seg_id] = (id_of[code], "topic")
        _assign_segments(session, out)
        if model_id is not None:  # with no topics, nobody reads the segments' issues back
            effective = dict(session.exec(select(Segment.id, Segment.issue_id)
                                          .where(Segment.id.in_(list(index_of) or [-1]))).all()) \
                if len(index_of) <= 30000 else {s: v[0] for s, v in out.items()}
            _suggest_from_majority(session, model_id, members, effective, set(confirmed))
            tm = session.get(TopicModel, model_id)
            tm.settings = {**tm.settings, "assignment": signature,
                           "assignment_settings": assignment.settings_snapshot()}
            session.add(tm)
    n_manual = len(manual & set(index_of))
    n_none = sum(1 for s, v in out.items() if s not in manual and v[0] is None)
    return {"assigned": len(out) - n_none - len(manual & set(out)), "off_topic": n_none, "manual": n_manual}


def _topic_members(session: Session, model_id: int) -> tuple[dict[int, list[int]], dict[int, list[str]]]:
    """A topic model's segments per topic, and its confirmed mappings (topic -> issue codes)."""
    members: dict[int, list[int]] = {}
    for seg_id, topic_id in session.exec(select(SegmentTopic.segment_id, SegmentTopic.topic_id)
                                         .where(SegmentTopic.model_id == model_id)).all():
        members.setdefault(topic_id, []).append(seg_id)
    confirmed: dict[int, list[str]] = {}
    for topic_id, code in session.exec(select(TopicIssue.topic_id, Issue.code)
                                       .join(Issue, Issue.id == TopicIssue.issue_id)
                                       .join(Topic, Topic.id == TopicIssue.topic_id)
                                       .where(Topic.model_id == model_id, TopicIssue.status == "confirmed",
                                              Issue.status == "active")
                                       .order_by(TopicIssue.id)).all():
        confirmed.setdefault(topic_id, []).append(code)
    return members, confirmed


def _suggest_from_majority(session, model_id, members, effective, confirmed_topics) -> None:
    """Replace every unconfirmed topic's suggestion by the most common issue among its segments."""
    for topic_id, seg_ids in sorted(members.items()):
        if topic_id in confirmed_topics:
            continue
        session.execute(delete(TopicIssue).where(TopicIssue.topic_id == topic_id, TopicIssue.status == "suggested"))
        votes = Counter(effective.get(s) for s in seg_ids)
        if not votes:
            continue
        (issue_id, n), = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or 0))[:1]
        if issue_id is None:
            continue  # mostly about nothing: no issue to suggest
        session.add(TopicIssue(topic_id=topic_id, issue_id=issue_id, confidence=round(n / len(seg_ids), 3),
                               status="suggested", decided_by="majority of its segments"))


def _store_by_issue(engine, actor, rows, vectors, decisions, signature) -> int:
    """Small corpora: one 'topic' per assigned issue (off-topic segments belong to none)."""
    with session_scope(engine) as session:
        _retire_current(session)
        id_of = {i.code: i for i in codebook.issues(session)}
        tm = TopicModel(method="similarity", fitted_by=actor.username, n_segments=len(rows),
                        settings={"signature": signature, "reason": f"fewer than {CLUSTER_MIN_SEGMENTS} segments",
                                  "version": SETTINGS_VERSION}, versions=_versions())
        session.add(tm)
        session.flush()
        groups: dict[str, list[int]] = {}
        for k, decision in enumerate(decisions):
            if decision.issue_code:
                groups.setdefault(decision.issue_code, []).append(k)
        order = [i.code for i in codebook.issues(session)]
        for number, code in enumerate(sorted(groups, key=order.index)):
            ks = groups[code]
            issue = id_of[code]
            best = sorted(ks, key=lambda k: -decisions[k].score)
            topic = Topic(model_id=tm.id, number=number, label=issue.label, keywords=list(issue.keywords)[:10],
                          size=len(ks), quotes=[rows[k][0] for k in best[:3]])
            session.add(topic)
            session.flush()
            for k in ks:
                session.add(SegmentTopic(segment_id=rows[k][0], model_id=tm.id, topic_id=topic.id,
                                         probability=round(float(decisions[k].score), 4)))
        audit.record(session, actor, "analyse", "topic_model", tm.id, method="similarity", segments=len(rows))
        return tm.id


def _store_bertopic(engine, actor, model, assigned, rows, vectors, settings) -> int:
    numbers = sorted(set(assigned))
    with session_scope(engine) as session:
        previous = _retire_current(session)
        carried = _confirmed_before(session, previous)
        tm = TopicModel(method="bertopic", fitted_by=actor.username, n_segments=len(rows), settings=settings,
                        versions=_versions())
        session.add(tm)
        session.flush()
        path = data_dir() / "models" / str(tm.id)
        tm.path = str(path)
        for number in numbers:
            members = [i for i, t in enumerate(assigned) if t == number]
            words = [(w, float(s)) for w, s in (model.get_topic(number) or []) if w][:10]
            centroid = _unit(vectors[members].mean(axis=0))
            order = sorted(members, key=lambda i: (-float(vectors[i] @ centroid), i))
            label = ", ".join(w for w, _ in words[:3]) or f"Topic {number}"
            topic = Topic(model_id=tm.id, number=int(number), label=label, keywords=[w for w, _ in words],
                          size=len(members), quotes=[rows[i][0] for i in order[:3]])
            session.add(topic)
            session.flush()
            keep = next((c for c in carried if len(c[0] & set(topic.keywords)) >= 5), None)
            if keep is not None:  # a researcher's confirmed mapping survives a refit of the same theme
                session.add(TopicIssue(topic_id=topic.id, issue_id=keep[1], confidence=0.0, status="confirmed",
                                       decided_by=keep[2]))
            for i in members:
                session.add(SegmentTopic(segment_id=rows[i][0], model_id=tm.id, topic_id=topic.id))
        audit.record(session, actor, "analyse", "topic_model", tm.id, method="bertopic", segments=len(rows),
                     topics=len(numbers))
        # Saved last, all at once (temporary folder, then one rename): if anything above fails the transaction
        # rolls back, and a killed write leaves no half-written folder that no record owns.
        with atomic_directory(path) as folder:
            model.save(str(folder), serialization="safetensors", save_ctfidf=True, save_embedding_model=False)
            (folder / "triangulate.json").write_text(json.dumps(
                {"model_id": tm.id, "fitted_at": datetime.now(UTC).isoformat(), "settings": settings,
                 "versions": tm.versions}, indent=2, default=str), encoding="utf-8")
        return tm.id


def load_model(model_id: int, engine: Engine):
    """A saved BERTopic (pass the embedding model: BERTopic.load would otherwise reach for a model hub)."""
    from bertopic import BERTopic

    with Session(engine) as session:
        tm = session.get(TopicModel, model_id)
    if tm is None or not tm.path or not Path(tm.path).exists():
        raise NotFound(f"No saved topic model {model_id}.")
    return BERTopic.load(tm.path, embedding_model=embeddings.model())


# --------------------------------------------------------------------------- the researcher's mapping
def _topic(session: Session, topic_id: int) -> Topic:
    return get_or_not_found(session, Topic, topic_id, f"No topic {topic_id}.")


def _issue(session: Session, issue_id: int) -> Issue:
    return get_or_not_found(session, Issue, issue_id, f"No issue {issue_id}.")


def confirm_topic(engine: Engine, actor: Actor, topic_id: int, issue_id: int) -> None:
    """Confirm the suggested issue, or change it: the topic's segments follow."""
    require(actor, "topics.map")
    with session_scope(engine) as session:
        topic = _topic(session, topic_id)
        issue = _active_issue(session, issue_id)
        old = session.exec(select(TopicIssue).where(TopicIssue.topic_id == topic_id)).all()
        confidence = next((t.confidence for t in old if t.issue_id == issue_id), 0.0)
        session.execute(delete(TopicIssue).where(TopicIssue.topic_id == topic_id))
        session.add(TopicIssue(topic_id=topic_id, issue_id=issue.id, confidence=confidence, status="confirmed",
                               decided_by=actor.username))
        ids = session.exec(select(SegmentTopic.segment_id).where(SegmentTopic.topic_id == topic_id)).all()
        _assign_segments(session, {i: (issue.id, "topic") for i in ids})
        audit.record(session, actor, "edit", "topic", topic_id, issue=issue.code,
                     before=[t.issue_id for t in old], label=topic.label)


def split_topic(engine: Engine, actor: Actor, topic_id: int, issue_ids: list[int]) -> dict[int, int]:
    """Split a topic between several issues: each segment goes to the one of them the assigner ranks
    highest (codebook and people's codes, as everywhere). Returns segments per issue id."""
    require(actor, "topics.map")
    issue_ids = list(dict.fromkeys(issue_ids))
    if len(issue_ids) < 2:
        raise TriangulateError("Choose at least two issues to split a topic between.")
    with Session(engine) as session:
        _topic(session, topic_id)
        chosen = [_active_issue(session, i) for i in issue_ids]
        segs = session.exec(select(Segment.id, Segment.text).join(SegmentTopic, SegmentTopic.segment_id == Segment.id)
                            .where(SegmentTopic.topic_id == topic_id).order_by(Segment.id)).all()
    best = np.array([], dtype=int)
    if segs:
        assigner, _ = assignment.for_database(engine)
        columns = [assigner.classes.index(i.code) for i in chosen]
        vectors = embeddings.cached_encode(engine, [t for _, t in segs])
        best = np.argmax(assigner.scores(vectors)[:, columns], axis=1)
    counts = {i.id: int((best == k).sum()) for k, i in enumerate(chosen)}
    with session_scope(engine) as session:
        session.execute(delete(TopicIssue).where(TopicIssue.topic_id == topic_id))
        for issue in chosen:
            session.add(TopicIssue(topic_id=topic_id, issue_id=issue.id, confidence=0.0, status="confirmed",
                                   decided_by=actor.username))
        _assign_segments(session, {seg_id: (chosen[int(k)].id, "topic") for (seg_id, _), k in zip(segs, best)})
        audit.record(session, actor, "edit", "topic", topic_id, split_into=[i.code for i in chosen], counts=counts)
    return counts


def _active_issue(session: Session, issue_id: int) -> Issue:
    issue = _issue(session, issue_id)
    if issue.status != "active":
        raise TriangulateError(f"Issue {issue.code!r} is retired: restore it in the codebook or choose another.")
    return issue


def set_segment_issue(engine: Engine, actor: Actor, segment_id: int, issue_id: int | None) -> None:
    """A researcher's own code for one segment — an issue, or None for `none` ("about nothing") — kept through
    every later analysis and learned from as an example. Goes through `coding` (several coders, consensus);
    `coding.clear_codes` removes a researcher's codes."""
    from triangulate.residents import coding

    require(actor, "segments.code")
    code = coding.NONE
    if issue_id is not None:
        with Session(engine) as session:
            code = _active_issue(session, issue_id).code
    coding.code_segment(engine, actor, segment_id, [code])


# --------------------------------------------------------------------------- reading
def current_model(engine: Engine) -> TopicModel | None:
    with Session(engine) as session:
        return session.exec(select(TopicModel).where(TopicModel.is_current.is_(True))
                            .order_by(TopicModel.id.desc())).first()


def topics_frame(engine: Engine, actor: Actor, model_id: int | None = None) -> pd.DataFrame:
    """One row per topic: label, keywords, size, the issue it maps to (suggested or confirmed)."""
    require(actor, "quotes.read")
    columns = ["topic_id", "number", "label", "keywords", "size", "issue_code", "issue", "status", "confidence"]
    with Session(engine) as session:
        if model_id is None:
            tm = session.exec(select(TopicModel).where(TopicModel.is_current.is_(True))
                              .order_by(TopicModel.id.desc())).first()
            if tm is None:
                return pd.DataFrame(columns=columns)
            model_id = tm.id
        topics = session.exec(select(Topic).where(Topic.model_id == model_id).order_by(Topic.number)).all()
        maps = session.exec(select(TopicIssue, Issue).join(Issue, Issue.id == TopicIssue.issue_id)
                            .where(TopicIssue.topic_id.in_([t.id for t in topics] or [-1]))).all()
    by_topic: dict[int, list] = {}
    for ti, issue in maps:
        by_topic.setdefault(ti.topic_id, []).append((ti, issue))
    rows = []
    for t in topics:
        mapped = by_topic.get(t.id, [])
        rows.append({"topic_id": t.id, "number": t.number, "label": t.label, "keywords": ", ".join(t.keywords),
                     "size": t.size, "issue_code": " + ".join(i.code for _, i in mapped),
                     "issue": (" + ".join(i.label for _, i in mapped)
                               or "(no issue: most of its segments are off-topic)"),
                     "status": (mapped[0][0].status if mapped else "unmapped"),
                     "confidence": (round(mapped[0][0].confidence, 2) if mapped else None)})
    return pd.DataFrame(rows, columns=columns)


def issue_outcomes(engine: Engine, actor: Actor) -> dict[str, int]:
    """How the resident segments stand: by the machine, a topic, people, off-topic, or not analysed."""
    require(actor, "quotes.read")
    with Session(engine) as session:
        rows = session.exec(select(Segment.issue_source, Segment.issue_id.is_(None), func.count(Segment.id))
                            .where(Segment.speaker_role == "resident")
                            .group_by(Segment.issue_source, Segment.issue_id.is_(None))).all()
    out = {"model": 0, "topic": 0, "manual": 0, "none": 0, "waiting": 0, "total": 0}
    for source, is_null, n in rows:
        key = {"model": "model", "topic": "topic", "manual": "manual", "none": "none"}.get(source, "waiting")
        if source == "manual" and is_null:
            key = "none"  # a person coded it `none`
        out[key] += n
        out["total"] += n
    return out


def topic_ward_sizes(engine: Engine, actor: Actor, model_id: int | None = None) -> pd.DataFrame:
    """Segments per (topic, ward) for the per-ward bars."""
    require(actor, "quotes.read")
    with Session(engine) as session:
        if model_id is None:
            tm = current_model(engine)
            if tm is None:
                return pd.DataFrame(columns=["topic_id", "topic", "ward", "segments"])
            model_id = tm.id
        rows = session.exec(select(Topic.id, Topic.label, Ward.name, Segment.id)
                            .join(SegmentTopic, SegmentTopic.topic_id == Topic.id)
                            .join(Segment, Segment.id == SegmentTopic.segment_id)
                            .join(Transcript, Transcript.id == Segment.transcript_id)
                            .join(Ward, Ward.code == Transcript.ward_code)
                            .where(Topic.model_id == model_id)).all()
    frame = pd.DataFrame(rows, columns=["topic_id", "topic", "ward", "segment_id"])
    return frame.groupby(["topic_id", "topic", "ward"], as_index=False).agg(segments=("segment_id", "count"))


def issue_ward_shares(engine: Engine, actor: Actor) -> pd.DataFrame:
    """Share of each ward's resident segments per issue (what the residents' signal is computed from)."""
    require(actor, "quotes.read")
    from triangulate.residents.store import resident_segments_frame

    with Session(engine) as session:
        frame = resident_segments_frame(session)
    if frame.empty:
        return pd.DataFrame(columns=["ward_code", "issue_code", "segments", "share"])
    counts = frame.groupby(["ward_code", "issue_code"], as_index=False).agg(segments=("segment_id", "count"))
    counts["share"] = counts["segments"] / counts.groupby("ward_code")["segments"].transform("sum")
    return counts


def topic_quotes(engine: Engine, actor: Actor, topic_id: int, limit: int = 5) -> list[dict]:
    """Representative (redacted) quotes first, then more of the topic's segments."""
    require(actor, "quotes.read")
    with Session(engine) as session:
        topic = _topic(session, topic_id)
        ids = list(topic.quotes)
        more = session.exec(select(SegmentTopic.segment_id).where(SegmentTopic.topic_id == topic_id)
                            .order_by(SegmentTopic.segment_id).limit(limit * 3)).all()
        ids += [i for i in more if i not in ids]
        rows = session.exec(select(Segment.id, Segment.text, Ward.name, Transcript.illustrative)
                            .join(Transcript, Transcript.id == Segment.transcript_id)
                            .join(Ward, Ward.code == Transcript.ward_code)
                            .where(Segment.id.in_(ids[:limit] or [-1]))).all()
    order = {i: k for k, i in enumerate(ids)}
    return [{"segment_id": r[0], "text": r[1], "ward": r[2], "illustrative": r[3]}
            for r in sorted(rows, key=lambda r: order.get(r[0], 0))]


def topics_csv(engine: Engine, actor: Actor) -> str:
    frame = topics_frame(engine, actor)
    sizes = topic_ward_sizes(engine, actor)
    if not sizes.empty:
        wide = sizes.pivot_table(index="topic_id", columns="ward", values="segments", fill_value=0)
        wide.columns = [f"segments in {c}" for c in wide.columns]
        frame = frame.merge(wide, left_on="topic_id", right_index=True, how="left")
    return exports.csv_text(frame)
