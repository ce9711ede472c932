"""Where the residents' pipeline spends its CPU seconds (issue 17), stage by stage, in one process after a warm-up
(spaCy and the embedding model loaded, UMAP compiled, as in a running server). The same synthetic transcripts as
bench_coldstart.py's pipeline part (seed 7). Stages: parsing the files; spaCy's model pass over every turn; the
redaction rules on the parsed turns; the whole import (parse + spaCy + redaction + segments + database, a second
time: spaCy's vocabulary is warm); the embedding model's forward pass over the resident segments (no cache); the
whole analysis (embedding, assignment, topic fit, storing; its own wall-second split alongside).

    TRIANGULATE_EMBEDDER=minilm .venv/bin/python bench/bench_pipeline_stages.py [--transcripts 3] [--words 5000]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("TRIANGULATE_DATA_DIR", tempfile.mkdtemp(prefix="bench_stages_"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import bench_residents as br
from sqlmodel import Session, select

from schemas import Segment
from triangulate.core import embeddings
from triangulate.core.permissions import SYSTEM
from triangulate.residents import nlp, store, topics, transcripts


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=3)
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rng = random.Random(7)
    pool, vocab = br.sentence_pool(), br.vocabulary()
    files = [(f"synthetic_{k:02d}.txt", br.synthetic_transcript(rng, pool, vocab, args.words, k))
             for k in range(args.transcripts)]
    br.warm_up()
    from triangulate.residents import umap_cache

    umap_cache.enable()
    stages: dict[str, float] = {}
    c = cpu()
    parsed = [transcripts.parse(n, d) for n, d in files]
    stages["parse files"] = cpu() - c
    c = cpu()
    docs = nlp.parse_together([[t.text for t in p.turns] for p in parsed])
    stages["spaCy model pass"] = cpu() - c
    c = cpu()
    for p, ds in zip(parsed, docs):
        nlp.process([t.text for t in p.turns], [t.line for t in p.turns], [t.speaker for t in p.turns],
                    speaker_names=p.speaker_names, names=list(p.names), docs=ds)
    stages["redaction rules"] = cpu() - c
    engine = br.fresh_engine(Path(tempfile.mkdtemp(prefix="bench_stages_db_")), "stages.db")
    c = cpu()
    store.import_files(engine, SYSTEM, [(n, d, {}) for n, d in files])
    stages["import, whole (second time)"] = cpu() - c
    with Session(engine) as session:
        texts = list(session.exec(select(Segment.text).where(Segment.speaker_role == "resident")
                                  .order_by(Segment.id)))
    c = cpu()
    embeddings.encode(texts)
    stages["embedding forward pass"] = cpu() - c
    c = cpu()
    result = topics.analyse(engine, SYSTEM)
    stages["analysis, whole"] = cpu() - c
    words = sum(len(d.split()) for _, d in files)
    report = {"embedder": embeddings.MODEL_NAME, "words": words, "resident_segments": len(texts),
              "topics": result.n_topics, "load_average_1min": round(os.getloadavg()[0], 1),
              "cpu_s": {k: round(v, 2) for k, v in stages.items()},
              "cpu_s_per_1000_words": {k: round(1000 * v / words, 3) for k, v in stages.items()},
              "analysis_wall_s": {k: round(v, 2) for k, v in result.seconds.items()}}
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
