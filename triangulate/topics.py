"""What residents talk about: BERTopic over resident segments, guided by the codebook, mapped to issues.

- Guided: each leaf issue's keywords are a seed topic (`seed_topic_list`), so topics lean towards the
  codebook without being forced into it.
- Offline and never embedding twice: segment vectors come from `embeddings.cached_encode` (database cache)
  and are passed to BERTopic as precomputed embeddings; the model is only used to embed the short seed lists.
- Reproducible: UMAP and HDBSCAN settings scale with corpus size and every seed is fixed, so the same
  segments give the same topics in a new process (tests/test_residents_topics.py checks it).
- Small corpora: below `CLUSTER_MIN_SEGMENTS` segments clustering means nothing; each segment is assigned
  to the issue whose definition it is most similar to, and the model records method="similarity".
- Re-analysis only does what changed: if the set of resident segments and the codebook are unchanged the
  fit is skipped; otherwise it refits on cached vectors (only new segments are embedded).

Every resident segment ends with `Segment.issue_id` (via its topic's confirmed or suggested issue, or by
similarity) and `Segment.issue_source`; a segment set by hand ("manual") is never overwritten.
"""
from __future__ import annotations

import hashlib
import json
import logging
import platform
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas import Issue, Segment, SegmentTopic, Topic, TopicIssue, TopicModel, Transcript, Ward
from triangulate import audit, codebook, embeddings
from triangulate.config import data_dir
from triangulate.db import session_scope
from triangulate.errors import NotFound, TriangulateError
from triangulate.permissions import Actor, require

CLUSTER_MIN_SEGMENTS = 30  # below this, assign by similarity to issue definitions (STACK.md: 10–30)
SEED = 42
SETTINGS_VERSION = 2  # bump when the fitting recipe changes: forces a refit
MAPPING_WEIGHTS = {"similarity": 0.65, "keywords": 0.35}
MIN_TOPIC_CONFIDENCE = 0.22  # a topic scoring less is left unmapped; its segments go by similarity


# Fillers of spoken Glasgow English that would otherwise top every topic's keywords.
SPOKEN_STOP_WORDS = frozenset("""aye naw yeah yes och wi ve ll re don didn doesn isn wasn got just like wee cannae
dinnae didnae doesnae wasnae isnae havenae wouldnae couldnae shouldnae gonnae wanna gotta oot aff doon fae ken know
really thing things said say says mean kind sort lot bit okay ok right think honestly actually basically tae ma
im thats dont cant""".split())
PLACEHOLDER = re.compile(r"\[(?:PERSON|PHONE|EMAIL|POSTCODE|NI NUMBER|DOB|ADDRESS|REDACTED) \d+\]")


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def settings_for(n: int) -> dict:
    """UMAP/HDBSCAN settings scaled to the number of segments (held up on 20–5,000 documents)."""
    m = _clamp(n // 25, 3, 10)
    return {"n": n, "umap": {"n_neighbors": _clamp(n // 10, 2, 15), "n_components": 5, "min_dist": 0.0,
                             "metric": "cosine", "random_state": SEED},
            "knn": "exact cosine neighbours by matrix product (numpy), passed to UMAP as precomputed_knn",
            "hdbscan": {"min_cluster_size": m, "min_samples": max(1, m // 2), "metric": "euclidean",
                        "cluster_selection_method": "eom", "prediction_data": True},
            "min_topic_size": m, "vectorizer": {"stop_words": "english+spoken", "ngram_range": [1, 2], "min_df": 1},
            "outliers": "c-tf-idf", "version": SETTINGS_VERSION}


@dataclass
class Result:
    model_id: int | None
    method: str  # bertopic / similarity / unchanged
    n_segments: int
    n_topics: int = 0
    embedded: int = 0  # vectors computed in this run (the rest came from the cache)
    seconds: dict = field(default_factory=dict)

    def describe(self) -> str:
        if self.method == "unchanged":
            return f"Nothing changed since the last analysis ({self.n_segments} resident segments): topics kept."
        if self.method == "similarity":
            return (f"{self.n_segments} resident segments are too few for topic modelling (fewer than "
                    f"{CLUSTER_MIN_SEGMENTS}): each was assigned to the most similar issue definition.")
        return f"{self.n_topics} topics found in {self.n_segments} resident segments ({self.embedded} newly embedded)."


# --------------------------------------------------------------------------- inputs
def _resident_segments(session: Session) -> list[tuple[int, str, str, str]]:
    rows = session.exec(select(Segment.id, Segment.text, Segment.text_hash, Transcript.ward_code)
                        .join(Transcript, Transcript.id == Segment.transcript_id)
                        .where(Segment.speaker_role == "resident").order_by(Segment.id)).all()
    return [tuple(r) for r in rows]


def issue_text(issue: Issue) -> str:
    """What an issue means, as one text to embed: label, definition and seed keywords."""
    return f"{issue.label}. {issue.definition} Examples: {', '.join(issue.keywords or [])}."


def _tokens(words) -> set[str]:
    out = set()
    for w in words:
        for t in re.findall(r"[a-z0-9']+", str(w).lower()):
            out.add(t[:-1] if t.endswith("s") and len(t) > 3 else t)  # crude plural folding: bus/buses
    return out


def _signature(rows, issues: list[Issue]) -> str:
    h = hashlib.sha256()
    for seg_id, _, text_hash, ward in rows:
        h.update(f"{seg_id}:{text_hash}:{ward};".encode())
    h.update(json.dumps([[i.code, i.label, i.definition, i.keywords] for i in issues]).encode())
    h.update(f"v{SETTINGS_VERSION}".encode())
    return h.hexdigest()


def _versions() -> dict:
    import importlib.metadata as md

    out = {"python": platform.python_version(), "embedding_model": embeddings.MODEL_NAME}
    for pkg in ("bertopic", "umap-learn", "hdbscan", "scikit-learn", "sentence-transformers", "numpy"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


# --------------------------------------------------------------------------- fitting
def fit_bertopic(docs: list[str], vectors: np.ndarray, seeds: list[list[str]], settings: dict):
    """A guided BERTopic fitted on precomputed vectors; outliers reduced. Returns (model, topics)."""
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    vec = settings["vectorizer"]
    vectorizer = CountVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | SPOKEN_STOP_WORDS),
                                 ngram_range=tuple(vec["ngram_range"]), min_df=vec["min_df"])
    # Keywords come from the words people said, not from "[PERSON 1]" placeholders.
    docs = [PLACEHOLDER.sub(" ", d) for d in docs]
    class ExactKnnUMAP(UMAP):
        """UMAP fed exact cosine neighbours computed with one matrix product. UMAP's own search calls a numba
        distance per pair below 4,096 rows (≈10 s for 1,700 segments) and compiles pynndescent above it
        (≈40–90 s, once per process); for unit vectors a matrix product gives the same neighbours in well
        under a second. It sees the vectors after BERTopic's guided nudge, as UMAP itself would."""

        def fit_transform(self, X, y=None, **kwargs):
            self.precomputed_knn = exact_knn(np.asarray(X, dtype=np.float32), self.n_neighbors)
            return super().fit_transform(X, y=y, **kwargs)

    model = BERTopic(embedding_model=embeddings.model(), umap_model=ExactKnnUMAP(**settings["umap"]),
                     hdbscan_model=HDBSCAN(**settings["hdbscan"]), vectorizer_model=vectorizer,
                     min_topic_size=settings["min_topic_size"], seed_topic_list=seeds or None,
                     calculate_probabilities=False)
    logging.getLogger("BERTopic").setLevel(logging.ERROR)  # after: BERTopic() resets its logger's level
    topics, _ = model.fit_transform(docs, embeddings=vectors.copy())  # guided fitting nudges the array
    if -1 in topics and len(set(topics)) > 1:
        topics = model.reduce_outliers(docs, topics, strategy=settings["outliers"])
        model.update_topics(docs, topics=topics, vectorizer_model=vectorizer)
    return model, list(topics)


def exact_knn(vectors: np.ndarray, k: int, chunk: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Each row's k nearest rows by cosine distance (itself first, at distance 0), in row chunks."""
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    n = len(unit)
    k = min(k, n)
    indices = np.empty((n, k), dtype=np.int32)
    distances = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, chunk):
        sims = unit[start:start + chunk] @ unit.T
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


def _seed_lists(issues: list[Issue]) -> list[list[str]]:
    return [[k.lower() for k in i.keywords if len(k.split()) <= 2] for i in issues if i.keywords]


def _suggest(topic_vec: np.ndarray, keywords: list[tuple[str, float]], issues: list[Issue],
             issue_vecs: np.ndarray) -> list[tuple[int, float, float, float]]:
    """(issue index, score, similarity, keyword overlap), best first."""
    sims = issue_vecs @ topic_vec
    weights = {w: max(s, 0.0) for w, s in keywords}
    total = sum(weights.values()) or 1.0
    out = []
    for index, issue in enumerate(issues):
        vocab = _tokens(issue.keywords) | _tokens([issue.label])
        overlap = sum(weight for word, weight in weights.items() if _tokens([word]) & vocab) / total
        score = MAPPING_WEIGHTS["similarity"] * float(sims[index]) + MAPPING_WEIGHTS["keywords"] * overlap
        out.append((index, score, float(sims[index]), overlap))
    return sorted(out, key=lambda r: -r[1])


def _unit(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v)
    return v / norm if norm else v


def analyse(engine: Engine, actor: Actor, *, force: bool = False, progress=None) -> Result:
    """Fit (or skip refitting) the topics of all resident segments and give every segment an issue.

    `progress(fraction, message)` reports the steps; the slow ones are embedding new segments and fitting.
    """
    import time

    require(actor, "transcripts.analyse")
    say = progress or (lambda fraction, message: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with Session(engine) as session:
        rows = _resident_segments(session)
        issues = codebook.leaf_issues(session)
        current = session.exec(select(TopicModel).where(TopicModel.is_current.is_(True))
                               .order_by(TopicModel.id.desc())).first()
    if not rows:
        raise TriangulateError("There are no resident segments to analyse yet. Upload a transcript and tick "
                               "which speakers are residents.")
    if not issues:
        raise TriangulateError("The codebook has no issues; load the default codebook first.")
    signature = _signature(rows, issues)
    if current is not None and not force and not current.stale and current.settings.get("signature") == signature:
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
    issue_vecs = embeddings.cached_encode(engine, [issue_text(i) for i in issues])
    timings["embed"] = time.perf_counter() - t
    n = len(docs)
    t = time.perf_counter()
    if n < CLUSTER_MIN_SEGMENTS:
        say(0.6, "Too few segments for topic modelling: assigning each to the most similar issue…")
        result = _store_similarity(engine, actor, rows, vectors, issues, issue_vecs, signature)
    else:
        settings = settings_for(n)
        say(0.55, f"Fitting topics on {n} segments (UMAP + HDBSCAN, guided by the codebook)…")
        model, assigned = fit_bertopic(docs, vectors, _seed_lists(issues), settings)
        timings["fit"] = time.perf_counter() - t
        say(0.85, "Mapping topics to issues and saving the model…")
        result = _store_bertopic(engine, actor, model, assigned, rows, vectors, issues, issue_vecs,
                                 {**settings, "signature": signature})
    result.embedded = counter["new"]
    timings["store"] = time.perf_counter() - t - timings.get("fit", 0)
    timings["total"] = time.perf_counter() - t0
    result.seconds = timings
    say(1.0, result.describe())
    return result


def _retire_current(session: Session) -> TopicModel | None:
    previous = session.exec(select(TopicModel).where(TopicModel.is_current.is_(True))
                            .order_by(TopicModel.id.desc())).first()
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


def _assign_segments(session: Session, assignments: dict[int, tuple[int, str]]) -> None:
    """segment id -> (issue id, source); hand-set issues are kept."""
    manual = set(session.exec(select(Segment.id).where(Segment.issue_source == "manual")).all())
    by_value: dict[tuple[int, str], list[int]] = {}
    for seg_id, value in assignments.items():
        if seg_id not in manual:
            by_value.setdefault(value, []).append(seg_id)
    for (issue_id, source), ids in by_value.items():
        for start in range(0, len(ids), 500):
            session.execute(update(Segment).where(Segment.id.in_(ids[start:start + 500]))
                            .values(issue_id=issue_id, issue_source=source))


def _nearest_issue(vectors: np.ndarray, issue_vecs: np.ndarray) -> np.ndarray:
    return np.argmax(vectors @ issue_vecs.T, axis=1)


def _store_similarity(engine, actor, rows, vectors, issues, issue_vecs, signature) -> Result:
    sims = vectors @ issue_vecs.T
    best = np.argmax(sims, axis=1)
    with session_scope(engine) as session:
        _retire_current(session)
        tm = TopicModel(method="similarity", fitted_by=actor.username, n_segments=len(rows),
                        settings={"signature": signature, "reason": f"fewer than {CLUSTER_MIN_SEGMENTS} segments",
                                  "version": SETTINGS_VERSION}, versions=_versions())
        session.add(tm)
        session.flush()
        assignments: dict[int, tuple[int, str]] = {}
        n_topics = 0
        for index in sorted(set(best.tolist())):
            members = [i for i, b in enumerate(best) if b == index]
            issue = issues[index]
            order = sorted(members, key=lambda i: -sims[i, index])
            topic = Topic(model_id=tm.id, number=n_topics, label=issue.label, keywords=list(issue.keywords)[:10],
                          size=len(members), quotes=[rows[i][0] for i in order[:3]])
            session.add(topic)
            session.flush()
            n_topics += 1
            session.add(TopicIssue(topic_id=topic.id, issue_id=issue.id,
                                   confidence=round(float(np.mean(sims[members, index])), 3),
                                   status="suggested", decided_by="similarity"))
            for i in members:
                session.add(SegmentTopic(segment_id=rows[i][0], model_id=tm.id, topic_id=topic.id,
                                         probability=round(float(sims[i, index]), 4)))
                assignments[rows[i][0]] = (issue.id, "similarity")
        _assign_segments(session, assignments)
        audit.record(session, actor, "analyse", "topic_model", tm.id, method="similarity", segments=len(rows))
        model_id = tm.id
    return Result(model_id, "similarity", len(rows), n_topics)


def _store_bertopic(engine, actor, model, assigned, rows, vectors, issues, issue_vecs, settings) -> Result:
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
        assignments: dict[int, tuple[int, str]] = {}
        fallback = _nearest_issue(vectors, issue_vecs)
        for number in numbers:
            members = [i for i, t in enumerate(assigned) if t == number]
            words = [(w, float(s)) for w, s in (model.get_topic(number) or []) if w][:10]
            centroid = _unit(vectors[members].mean(axis=0))
            order = sorted(members, key=lambda i: -float(vectors[i] @ centroid))
            label = ", ".join(w for w, _ in words[:3]) or f"Topic {number}"
            topic = Topic(model_id=tm.id, number=int(number), label=label, keywords=[w for w, _ in words],
                          size=len(members), quotes=[rows[i][0] for i in order[:3]])
            session.add(topic)
            session.flush()
            ranked = _suggest(centroid, words, issues, issue_vecs)
            best_index, score, sim, overlap = ranked[0]
            keep = next((c for c in carried if len(c[0] & set(topic.keywords)) >= 5), None)
            if keep is not None:
                issue_id, status, who, confidence = keep[1], "confirmed", keep[2], round(score, 3)
            elif number != -1 and score >= MIN_TOPIC_CONFIDENCE:
                issue_id, status, who, confidence = issues[best_index].id, "suggested", "", round(score, 3)
            else:
                issue_id = None
            if issue_id is not None:
                session.add(TopicIssue(topic_id=topic.id, issue_id=issue_id, confidence=confidence, status=status,
                                       decided_by=who))
            for i in members:
                session.add(SegmentTopic(segment_id=rows[i][0], model_id=tm.id, topic_id=topic.id))
                assignments[rows[i][0]] = ((issue_id, "topic") if issue_id is not None
                                           else (issues[int(fallback[i])].id, "similarity"))
        _assign_segments(session, assignments)
        audit.record(session, actor, "analyse", "topic_model", tm.id, method="bertopic", segments=len(rows),
                     topics=len(numbers))
        # Saved last: if anything above fails, the transaction rolls back and no folder is left behind.
        if path.exists():
            shutil.rmtree(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(str(path), serialization="safetensors", save_ctfidf=True, save_embedding_model=False)
        (path / "triangulate.json").write_text(json.dumps(
            {"model_id": tm.id, "fitted_at": datetime.now(timezone.utc).isoformat(), "settings": settings,
             "versions": tm.versions}, indent=2, default=str), encoding="utf-8")
        model_id = tm.id
    return Result(model_id, "bertopic", len(rows), len(numbers))


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
    topic = session.get(Topic, topic_id)
    if topic is None:
        raise NotFound(f"No topic {topic_id}.")
    return topic


def _issue(session: Session, issue_id: int) -> Issue:
    issue = session.get(Issue, issue_id)
    if issue is None:
        raise NotFound(f"No issue {issue_id}.")
    return issue


def confirm_topic(engine: Engine, actor: Actor, topic_id: int, issue_id: int) -> None:
    """Confirm the suggested issue, or change it: the topic's segments follow."""
    require(actor, "topics.map")
    with session_scope(engine) as session:
        topic = _topic(session, topic_id)
        issue = _issue(session, issue_id)
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
    """Split a topic between several issues: each segment goes to the closest of them. Returns counts."""
    require(actor, "topics.map")
    issue_ids = list(dict.fromkeys(issue_ids))
    if len(issue_ids) < 2:
        raise TriangulateError("Choose at least two issues to split a topic between.")
    with Session(engine) as session:
        _topic(session, topic_id)
        chosen = [_issue(session, i) for i in issue_ids]
        segs = session.exec(select(Segment.id, Segment.text).join(SegmentTopic, SegmentTopic.segment_id == Segment.id)
                            .where(SegmentTopic.topic_id == topic_id).order_by(Segment.id)).all()
    vectors = embeddings.cached_encode(engine, [t for _, t in segs])
    issue_vecs = embeddings.cached_encode(engine, [issue_text(i) for i in chosen])
    best = _nearest_issue(vectors, issue_vecs) if len(segs) else np.array([], dtype=int)
    counts = {i.id: int((best == k).sum()) for k, i in enumerate(chosen)}
    with session_scope(engine) as session:
        session.execute(delete(TopicIssue).where(TopicIssue.topic_id == topic_id))
        for issue in chosen:
            session.add(TopicIssue(topic_id=topic_id, issue_id=issue.id, confidence=0.0, status="confirmed",
                                   decided_by=actor.username))
        _assign_segments(session, {seg_id: (chosen[int(k)].id, "topic") for (seg_id, _), k in zip(segs, best)})
        audit.record(session, actor, "edit", "topic", topic_id, split_into=[i.code for i in chosen], counts=counts)
    return counts


def set_segment_issue(engine: Engine, actor: Actor, segment_id: int, issue_id: int | None) -> None:
    """The researcher's own coding of one segment, kept through every later analysis. Goes through
    `coding` (several coders, consensus); None removes this researcher's codes."""
    from triangulate import coding

    if issue_id is None:
        coding.clear_codes(engine, actor, segment_id)
        return
    require(actor, "segments.code")
    with Session(engine) as session:
        code = _issue(session, issue_id).code
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
                     "issue": " + ".join(i.label for _, i in mapped) or "(no issue: segments go by similarity)",
                     "status": (mapped[0][0].status if mapped else "unmapped"),
                     "confidence": (round(mapped[0][0].confidence, 2) if mapped else None)})
    return pd.DataFrame(rows, columns=columns)


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
    from triangulate.residents import resident_segments_frame

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
    return frame.to_csv(index=False)
