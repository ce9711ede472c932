"""Residents' issue assignment, measured (issue 11, item 7): accuracy on the labelled evaluation set, speed,
re-analysis after new codes, reproducibility.

Targets: macro-F1 over issues ≥ 0.60 zero-shot and ≥ 0.80 with 10 coded examples per issue; off-topic
precision and recall ≥ 0.85; officer suggestions top-3 ≥ 0.85 with 10 examples; re-analysis after coding
20 more segments ≤ 10 s for 5,000 segments; same segments and codes → same assignments in a new process.

Scoring (one decision per segment, gold may hold several issues): a decision in the gold set is a hit for
that issue; otherwise a false positive for the decision and a miss for the first gold label. Macro-F1 is
averaged over the issues present in the split (off-topic reported apart, as precision and recall of `none`).
Suggestions: the top 1 / top 3 issues (off-topic excluded) contain a gold issue, over segments about something.

Run (dev while tuning; the held-out split once, at the end):
  .venv/bin/python bench/bench_assignment.py --data bench/data/assignment --split dev
  .venv/bin/python bench/bench_assignment.py --split heldout --reanalysis   → bench/results/assignment-heldout.json
Choosing between methods: bench/assignment_cv.py (speaker-grouped folds of dev and the swapped fold, no held-out).
The product's model (TRIANGULATE_EMBEDDER, default mpnet) → assignment-<split>.json; another embedder
(bench/embedders.py): TRIANGULATE_BENCH_EMBEDDER=minilm … → assignment-<split>-minilm.json (accuracy and embedding
speed only; --reanalysis always runs the product's model).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np

from triangulate.codebook import assignment
from triangulate.codebook import issues as codebook
from triangulate.core import embeddings

sys.path.insert(0, str(ROOT / "bench"))
import embedders  # noqa: E402

TARGETS = {"macro_f1_zero_shot": 0.60, "macro_f1_with_examples": 0.80, "offtopic_precision": 0.85,
           "offtopic_recall": 0.85, "top3_with_examples": 0.85, "reanalysis_s": 10.0}
NONE = "none"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


_vectors: dict[str, np.ndarray] = {}


def encode(texts: list[str]) -> np.ndarray:
    """Vectors by the product's model, or another one named by TRIANGULATE_BENCH_EMBEDDER (bench/embedders.py)."""
    missing = [t for t in dict.fromkeys(texts) if t not in _vectors]
    if missing:
        for text, vec in zip(missing, embedders.encode(missing)):
            _vectors[text] = vec
    return np.vstack([_vectors[t] for t in texts]) if texts else np.zeros((0, dim()), np.float32)


def dim() -> int:
    return len(next(iter(_vectors.values()))) if _vectors else embeddings.DIM


def default_issues(encode_with=None) -> list[assignment.IssueVectors]:
    """The default codebook's issue vectors, by `encode_with` (default: this bench's cached `encode`)."""
    out = []
    encoder = encode_with or encode

    def walk(node, parent):
        texts = assignment.issue_texts(node["label"], node.get("definition", ""), node.get("keywords", []))
        vecs = encoder(texts)
        out.append(assignment.IssueVectors(node["code"], parent, vecs[0], vecs[1:], tuple(texts[1:])))
        for child in node.get("children", []):
            walk(child, node["code"])

    for node in codebook.default_tree():
        walk(node, None)
    return out


def examples_per_issue(rows: list[dict], n: int) -> tuple[list[str], list[str | None]]:
    """The first n examples of each label (rows with one label only, as the loader's helper does)."""
    chosen: dict[str, list[str]] = {}
    for row in rows:
        for label in row["labels"]:
            bucket = chosen.setdefault(label, [])
            if len(bucket) < n:
                bucket.append(row["text"])
    texts, labels = [], []
    for label, items in chosen.items():
        for text in items:
            texts.append(text)
            labels.append(None if label == NONE else label)
    return texts, labels


def score(rows: list[dict], decisions, tops) -> dict:
    issues = sorted({label for r in rows for label in r["labels"] if label != NONE})
    tp = {c: 0 for c in issues}
    fp = {c: 0 for c in issues}
    fn = {c: 0 for c in issues}
    none_tp = none_fp = none_fn = 0
    top1 = top3 = about = 0
    confusions: dict[str, int] = {}
    for row, decision, top in zip(rows, decisions, tops):
        gold = row["labels"]
        pred = decision.issue_code or NONE
        is_none = gold == [NONE]
        if pred == NONE and is_none:
            none_tp += 1
        elif pred == NONE:
            none_fp += 1  # the machine said none, a person gave an issue
        elif is_none:
            none_fn += 1
        if pred in gold:
            if pred != NONE:
                tp[pred] += 1
        else:
            if pred != NONE:
                fp[pred] = fp.get(pred, 0) + 1
            if gold[0] != NONE:
                fn[gold[0]] += 1
            key = f"{gold[0]} → {pred}"
            confusions[key] = confusions.get(key, 0) + 1
        if not is_none:
            about += 1
            codes = [c for c, _ in top]
            top1 += bool(set(codes[:1]) & set(gold))
            top3 += bool(set(codes[:3]) & set(gold))
    per_issue = {}
    for c in issues:
        p = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else 0.0
        r = tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else 0.0
        per_issue[c] = {"precision": round(p, 3), "recall": round(r, 3),
                        "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0, "support": tp[c] + fn[c]}
    precision = none_tp / (none_tp + none_fp) if none_tp + none_fp else 0.0
    recall = none_tp / (none_tp + none_fn) if none_tp + none_fn else 0.0
    return {"segments": len(rows), "about_something": about, "off_topic_gold": none_tp + none_fn,
            "macro_f1": round(float(np.mean([v["f1"] for v in per_issue.values()])), 3),
            "accuracy": round(sum(1 for r, d in zip(rows, decisions) if (d.issue_code or NONE) in r["labels"])
                              / len(rows), 3),
            "offtopic_precision": round(precision, 3), "offtopic_recall": round(recall, 3),
            "top1": round(top1 / about, 3) if about else None, "top3": round(top3 / about, 3) if about else None,
            "per_issue": per_issue,
            "top_confusions": dict(sorted(confusions.items(), key=lambda kv: -kv[1])[:12])}


def evaluate(rows, issues, offtopic, example_texts, example_labels, settings=None) -> tuple[dict, float]:
    texts = [r["text"] for r in rows]
    vectors = encode(texts)
    assigner = assignment.fit(encode(example_texts), example_labels, issues, offtopic, settings=settings)
    start = time.perf_counter()
    decisions = assigner.predict(vectors, texts)
    tops = assigner.top_k(vectors, 3, texts=texts)
    seconds = time.perf_counter() - start
    return score(rows, decisions, tops), seconds


def embed_seconds_per_1000(texts: list[str]) -> float:
    sample = (texts * (1000 // max(len(texts), 1) + 1))[:1000]
    sample = [f"{t} ({k})" for k, t in enumerate(sample)]  # distinct: no cache
    start = time.perf_counter()
    embedders.encode(sample)
    return time.perf_counter() - start


# --------------------------------------------------------------------------- re-analysis, reproducibility
REPRO = """
import hashlib, json, sys
from sqlmodel import Session, select
from triangulate.codebook import assignment
from triangulate.core import db
from triangulate.core import embeddings
from schemas import Segment
engine = db.make_engine(sys.argv[1])
with Session(engine) as s:
    rows = s.exec(select(Segment.id, Segment.text).where(Segment.speaker_role == "resident").order_by(Segment.id)).all()
assigner, _ = assignment.for_database(engine)
decisions = assigner.predict(embeddings.cached_encode(engine, [t for _, t in rows]), [t for _, t in rows])
print(hashlib.sha256(json.dumps([[i, d.issue_code, round(d.score, 5)]
                                  for (i, _), d in zip(rows, decisions)]).encode()).hexdigest())
"""


def reanalysis(pool: list[str], n_segments: int, n_codes: int, analysed: Path | None = None) -> dict:
    """A database with `n_segments` resident segments, analysed once; then `n_codes` segments coded by hand
    and the analysis re-run (timed: it must apply the codes without refitting topics). `analysed`: a copy of
    a database this function already built and analysed (skips the slow first embedding and fit)."""
    import random

    from sqlmodel import Session

    from schemas import Segment, Speaker, Transcript, Ward
    from triangulate.core import db
    from triangulate.core.permissions import SYSTEM
    from triangulate.residents import topics

    tmp = Path(tempfile.mkdtemp(prefix="bench_assign_"))
    os.environ["TRIANGULATE_DATA_DIR"] = str(tmp / "data")
    path = tmp / "bench.db"
    rng = random.Random(42)
    if analysed is not None:
        shutil.copy(analysed, path)
        engine = db.make_engine(f"sqlite:///{path}")
        first, first_s = None, None
        return _recode_and_time(engine, path, tmp, rng, n_codes, first, first_s)
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    codebook.load_default(engine, SYSTEM)
    sentences = [s.strip() for t in pool for s in t.replace("?", ".").split(".") if len(s.split()) >= 4]
    texts: list[str] = []
    while len(texts) < n_segments:  # distinct segments of 1–3 sentences from the pool, as real turns vary
        texts.append(". ".join(rng.sample(sentences, rng.randint(1, 3))) + ".")
        texts = list(dict.fromkeys(texts))
    with Session(engine) as s:
        s.add(Ward(code="S13002971", name="Govan"))
        s.flush()
        for k in range(n_segments // 50):
            tr = Transcript(ward_code="S13002971", title=f"Bench {k}", checksum=f"bench{k}", illustrative=True)
            s.add(tr)
            s.flush()
            sp = Speaker(transcript_id=tr.id, label="Resident", is_resident=True)
            s.add(sp)
            s.flush()
            for j, text in enumerate(texts[k * 50:(k + 1) * 50]):
                s.add(Segment(transcript_id=tr.id, speaker_id=sp.id, speaker_role="resident", order=j, text=text,
                              text_hash=embeddings.text_hash(text)))
        s.commit()
    start = time.perf_counter()
    first = topics.analyse(engine, SYSTEM)
    first_s = time.perf_counter() - start
    return _recode_and_time(engine, path, tmp, rng, n_codes, first, first_s)


def _recode_and_time(engine, path, tmp, rng, n_codes, first, first_s) -> dict:
    from collections import Counter

    from sqlmodel import Session, select

    from schemas import Segment, SegmentTopic, TopicModel
    from triangulate.core.permissions import SYSTEM
    from triangulate.residents import topics

    with Session(engine) as s:
        seg_ids = s.exec(select(Segment.id).order_by(Segment.id)).all()
        issue_ids = [i.id for i in codebook.leaf_issues(s)]
    for seg_id in rng.sample(list(seg_ids), n_codes):
        topics.set_segment_issue(engine, SYSTEM, seg_id, rng.choice(issue_ids + [None]))
    start = time.perf_counter()
    again = topics.analyse(engine, SYSTEM)
    again_s = time.perf_counter() - start
    digests = []
    for _ in range(2):
        run = subprocess.run([sys.executable, "-c", REPRO, f"sqlite:///{path}"], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT, timeout=900)
        digests.append(run.stdout.strip().splitlines()[-1] if run.returncode == 0 else run.stderr[-500:])
    with Session(engine) as s:
        model_id = s.exec(select(TopicModel.id).where(TopicModel.is_current.is_(True))).first()
        sizes = Counter(s.exec(select(SegmentTopic.topic_id).where(SegmentTopic.model_id == model_id)).all())
        n_segments = len(s.exec(select(Segment.id).where(Segment.speaker_role == "resident")).all())
        outcomes = Counter(s.exec(select(Segment.issue_source)).all())
    shutil.rmtree(tmp, ignore_errors=True)
    return {"segments": n_segments, "first_analysis_s": round(first_s, 2) if first_s else None,
            "first_method": first.method if first else "bertopic (copied database)",
            "topics": len(sizes), "largest_topic_share": round(max(sizes.values()) / sum(sizes.values()), 3),
            "outcomes": dict(outcomes), "codes_added": n_codes,
            "reanalysis_s": round(again_s, 2), "reanalysis_method": again.method,
            "reanalysis_refit": again.method != "unchanged", "reanalysis_steps_s": {k: round(v, 2) for k, v in
                                                                                   again.seconds.items()},
            "same_assignments_in_two_new_processes": digests[0] == digests[1] and len(digests[0]) == 64}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "data" / "assignment")
    parser.add_argument("--split", default="dev", choices=["dev", "heldout"])
    parser.add_argument("--examples", type=int, default=10, help="coded examples per issue")
    parser.add_argument("--reanalysis", action="store_true", help="also time re-analysis on 5,000 segments")
    parser.add_argument("--segments", type=int, default=5000)
    parser.add_argument("--analysed-db", type=Path, default=None,
                        help="re-analysis on a copy of a database a --reanalysis run already built and analysed")
    parser.add_argument("--skip-accuracy", action="store_true", help="only the re-analysis")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rows = read_jsonl(args.data / f"{args.split}.jsonl")
    pool = read_jsonl(args.data / "coded_examples.jsonl")
    result: dict = {"split": args.split, "data": str(args.data), "embedder": embedders.name(),
                    "settings": assignment.settings_snapshot(),
                    "load_average_1min": round(os.getloadavg()[0], 1), "cores": os.cpu_count()}
    if not args.skip_accuracy:
        issues = default_issues()
        offtopic = encode(list(assignment.offtopic_prototypes()))
        zero, zero_s = evaluate(rows, issues, offtopic, [], [])
        ex_texts, ex_labels = examples_per_issue(pool, args.examples)
        taught, taught_s = evaluate(rows, issues, offtopic, ex_texts, ex_labels)
        result.update({"zero_shot": zero, f"with_{args.examples}_examples": {**taught, "examples": len(ex_texts)},
                       "assign_s_per_1000": round(1000 * max(zero_s, taught_s) / len(rows), 3),
                       "embed_s_per_1000": round(embed_seconds_per_1000([r["text"] for r in rows]), 2)})
        checks = [
            ("macro-F1 zero-shot", zero["macro_f1"], TARGETS["macro_f1_zero_shot"]),
            (f"macro-F1 with {args.examples} examples/issue", taught["macro_f1"], TARGETS["macro_f1_with_examples"]),
            ("off-topic precision (zero-shot)", zero["offtopic_precision"], TARGETS["offtopic_precision"]),
            ("off-topic recall (zero-shot)", zero["offtopic_recall"], TARGETS["offtopic_recall"]),
            ("off-topic precision (examples)", taught["offtopic_precision"], TARGETS["offtopic_precision"]),
            ("off-topic recall (examples)", taught["offtopic_recall"], TARGETS["offtopic_recall"]),
            ("suggestions top-1 (examples)", taught["top1"], None),
            ("suggestions top-3 (examples)", taught["top3"], TARGETS["top3_with_examples"]),
            ("suggestions top-1 (zero-shot)", zero["top1"], None),
            ("suggestions top-3 (zero-shot)", zero["top3"], None),
        ]
        for name, value, target in checks:
            verdict = "" if target is None else ("PASS" if value >= target else "MISS")
            print(f"{name:<40}{value:>8.3f}  {'≥ ' + str(target) if target else '':<8}{verdict}")
        print(f"{'assignment, s per 1,000 segments':<40}{result['assign_s_per_1000']:>8.3f}")
        print(f"{'embedding, s per 1,000 segments':<40}{result['embed_s_per_1000']:>8.2f}")
    if args.reanalysis:
        result["reanalysis"] = reanalysis([r["text"] for r in pool] + [r["text"] for r in rows], args.segments, 20,
                                          args.analysed_db)
        r = result["reanalysis"]
        verdict = "PASS" if r["reanalysis_s"] <= TARGETS["reanalysis_s"] and not r["reanalysis_refit"] else "MISS"
        print(f"{'re-analysis after 20 codes, 5,000 seg, s':<40}{r['reanalysis_s']:>8.2f}  ≤ 10    {verdict}")
        print(f"{'same assignments in a new process':<40}{str(r['same_assignments_in_two_new_processes']):>8}")
    print(f"load average (1 min) at the start: {result['load_average_1min']} on {result['cores']} cores")
    suffix = "-reanalysis" if args.skip_accuracy else ""
    # the default model's figures keep the plain name; re-analysis always runs the product's model
    suffix += "" if embedders.name() == embeddings.DEFAULT_EMBEDDER else f"-{embedders.name()}"
    out = args.out or ROOT / "bench" / "results" / f"assignment-{args.split}{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
