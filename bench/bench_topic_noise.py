"""Does the topic fit hinge on float noise? The synthetic corpus of bench_coldstart, embedded with several batch
sizes (vectors within ~3e-7 of each other), fitted with `topics.fit_bertopic`: topics per batch size and the
adjusted Rand index of each fit's assignments against batch 64's (issue 17, item 3).

    .venv/bin/python bench/bench_topic_noise.py [--transcripts 2,3,4,5] [--sizes 8,16,32,64] [--decimals none,4,3]

`--decimals` are values of `topics.KNN_DECIMALS` to try (none: the similarities as computed). Besides the fits,
each row counts the kNN entries (indices and distances) that differ from batch 64's, and the pairwise
similarities that round differently (all n² pairs): a flip rate per pair, from which the chance that a fit's
neighbours change can be estimated.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRIANGULATE_EMBEDDER", "minilm")
os.environ.setdefault("TRIANGULATE_DATA_DIR", tempfile.mkdtemp(prefix="topic_noise_"))
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_coldstart as bc  # noqa: E402
import bench_residents as br  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402
from sqlmodel import Session  # noqa: E402

from triangulate.codebook import assignment  # noqa: E402
from triangulate.core import embeddings  # noqa: E402
from triangulate.core.permissions import SYSTEM  # noqa: E402
from triangulate.residents import store, topics  # noqa: E402

REFERENCE = 64


def corpus(n: int, words: int) -> tuple[list[str], list[int]]:
    """The resident segments of bench_coldstart's synthetic transcripts and the ones the topic fit sees."""
    folder = bc.synthetic_files(n, words)
    engine = br.fresh_engine(Path(tempfile.mkdtemp(prefix="topic_noise_db_")), "noise.db")
    store.import_files(engine, SYSTEM, [(p.name, p.read_bytes(), {}) for p in sorted(folder.glob("*.txt"))])
    with Session(engine) as session:
        docs = [r[1] for r in topics._resident_segments(session)]
    assigner, _ = assignment.for_database(engine)
    decisions = assigner.predict(embeddings.encode(docs), docs)
    return docs, [i for i, d in enumerate(decisions) if not d.reason.startswith("rule:")]


def similarity_flips(unit: dict[int, np.ndarray], decimals: int | None) -> dict[str, int]:
    """Pairwise similarities that round differently from batch 64's (all pairs, not only neighbours)."""
    ref = unit[REFERENCE] @ unit[REFERENCE].T
    out = {}
    for s, u in unit.items():
        sims = u @ u.T
        out[str(s)] = int((sims != ref).sum() if decimals is None
                          else (np.round(sims, decimals) != np.round(ref, decimals)).sum())
    return out


def one_corpus(n: int, words: int, sizes: list[int], decimals_list: list[str]) -> dict:
    docs, topical = corpus(n, words)
    texts = [docs[i] for i in topical]
    vectors = {size: embeddings.encode(texts, batch_size=size) for size in sizes}
    unit = {s: v / np.linalg.norm(v, axis=1, keepdims=True) for s, v in vectors.items()}
    settings = topics.settings_for(len(texts))
    k = settings["umap"]["n_neighbors"]
    report: dict = {"transcripts": n, "words_each": words, "segments": len(docs), "topical": len(texts),
                    "n_neighbors": k, "max_abs_vector_difference": {
                        str(s): float(np.abs(vectors[s] - vectors[REFERENCE]).max()) for s in sizes},
                    "max_abs_similarity_difference": {
                        str(s): float(np.abs(unit[s] @ unit[s].T - unit[REFERENCE] @ unit[REFERENCE].T).max())
                        for s in sizes}, "fits": {}}
    default = topics.KNN_DECIMALS
    try:
        for decimals in decimals_list:
            topics.KNN_DECIMALS = None if decimals == "none" else int(decimals)
            fitted = {s: topics.fit_bertopic(texts, vectors[s], settings)[1] for s in sizes}
            knn = {s: topics.exact_knn(vectors[s], k) for s in sizes}
            flips = similarity_flips(unit, topics.KNN_DECIMALS)
            row = {str(s): {"topics": len(set(fitted[s]) - {-1}),
                            "ari_vs_64": round(float(adjusted_rand_score(fitted[REFERENCE], fitted[s])), 4),
                            "knn_entries_changed": int((knn[s][0] != knn[REFERENCE][0]).sum()
                                                       + (knn[s][1] != knn[REFERENCE][1]).sum()),
                            "pair_similarities_rounded_differently": flips[str(s)]}
                   for s in sizes}
            report["fits"][f"knn_decimals={decimals}"] = row
            print(f"{n} transcripts, KNN_DECIMALS={decimals}: " + ", ".join(
                f"batch {s}: {r['topics']} topics, ARI {r['ari_vs_64']}, {r['knn_entries_changed']} kNN entries "
                f"changed, {r['pair_similarities_rounded_differently']} pairs" for s, r in row.items()),
                file=sys.stderr)
    finally:
        topics.KNN_DECIMALS = default
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", default="3", help="corpora: numbers of transcripts, e.g. 2,3,4,5")
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--sizes", default="8,16,32,64")
    parser.add_argument("--decimals", default="none,4,3")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")} | {REFERENCE})
    load = round(os.getloadavg()[0], 1)
    report = {"reference_batch": REFERENCE, "shipped_knn_decimals": topics.KNN_DECIMALS, "load_average_1min": load,
              "corpora": [one_corpus(int(n), args.words, sizes, args.decimals.split(","))
                          for n in args.transcripts.split(",")]}
    if args.out:
        args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
        print(f"→ {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
