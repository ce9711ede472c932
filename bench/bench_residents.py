"""Residents' strand budgets (issue 4), on this machine's CPU.

1. Floor vs whole: 20 synthetic transcripts of ~5,000 words. Floor = spaCy over the same text plus embedding
   the same resident segments, nothing else. Whole = parse + redact + segment + save + embed + fit.
   Budget: whole ≤ 1.25 × floor.
2. Topic fit on 5,000 cached segments, after warm-up: ≤ 20 s.
3. Add one transcript to twenty: re-analysis embeds only the new segments and is ≥ 5× faster than
   `BERTopic(embedding_model=…).fit_transform` on every document from scratch, measured in the same run.
4. Peak memory (ru_maxrss) ≤ 2.5 GB.

Synthetic text is built from the sentences of the illustrative transcripts, recombined and varied with
codebook vocabulary so that segments are realistic and (almost all) distinct.

    .venv/bin/python bench/bench_residents.py [--transcripts 20] [--words 5000]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TRIANGULATE_DATA_DIR", tempfile.mkdtemp(prefix="bench_residents_"))

from sqlmodel import Session, select

from schemas import Segment, Ward
from triangulate.codebook import issues as codebook
from triangulate.core import db, embeddings
from triangulate.core.permissions import SYSTEM
from triangulate.residents import nlp, topics, transcripts
from triangulate.residents import store as residents

DEMO = ROOT / "triangulate" / "data" / "demo" / "transcripts"
NAMES = ["Jean", "Tam", "Donna", "Kirsty", "Paul", "Shona", "Gary", "Angela", "Craig", "Lorraine", "Jade",
         "Ryan", "Kayleigh", "Senga", "Billy", "Mags", "Stevie", "Linda"]
WARDS = ["Govan", "Calton", "Springburn/Robroyston", "Drumchapel/Anniesland", "Greater Pollok"]


def sentence_pool() -> list[str]:
    pool = []
    for f in DEMO.iterdir():
        if f.suffix not in transcripts.FORMATS or f.name == "README.md":
            continue
        for turn in transcripts.parse(f.name, f.read_bytes()).turns:
            pool += [s.strip() for s in re.split(r"(?<=[.!?])\s+", turn.text) if len(s.split()) >= 4]
    return pool


def vocabulary() -> list[str]:
    return [k for node in codebook.default_tree() for n in [node, *node.get("children", [])]
            for k in n.get("keywords", [])]


def synthetic_transcript(rng: random.Random, pool: list[str], vocab: list[str], words: int, k: int) -> bytes:
    residents_ = rng.sample(NAMES, 3)
    lines = [f"Title: Synthetic conversation {k}", f"Ward: {WARDS[k % len(WARDS)]}", "Method: focus group",
             "Facilitator: Research team", ""]
    total = 0
    while total < words:
        if rng.random() < 0.25:
            turn = "Facilitator: " + rng.choice(pool)
        else:
            sentences = [rng.choice(pool) for _ in range(rng.randint(2, 7))]
            # vary: swap in codebook vocabulary so segments are distinct, as real talk is
            sentences = [s + f" And the {rng.choice(vocab)} as well." if rng.random() < 0.5 else s for s in sentences]
            turn = f"{rng.choice(residents_)}: " + " ".join(sentences)
        lines.append(turn)
        total += len(turn.split())
    if k % 4 == 0:
        lines.append(f"{residents_[0]}: Phone me on 07700 900{rng.randint(100, 999)}, I'm at {rng.randint(1, 99)} "
                     f"Langlands Road.")
    return "\n".join(lines).encode("utf-8")


def fresh_engine(tmp: Path, name: str):
    engine = db.make_engine(f"sqlite:///{tmp / name}")
    db.upgrade(engine)
    codebook.load_default(engine, SYSTEM)
    with Session(engine) as session:
        for code, ward in nlp.WARDS.items():
            session.add(Ward(code=code, name=ward))
        session.commit()
    return engine


def warm_up() -> None:
    """Load spaCy and MiniLM and compile UMAP's numba code once, as a running server would have."""
    import numpy as np
    from umap import UMAP

    list(nlp.pipeline().pipe(["Warm-up sentence in Govan about the buses."]))
    embeddings.encode(["warm up"])
    import bertopic  # noqa: F401

    UMAP(n_neighbors=5, n_components=5, random_state=1).fit_transform(np.random.default_rng(0).random((60, 16)))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transcripts", type=int, default=20)
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--fit-segments", type=int, default=5000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_residents_db_"))
    rng = random.Random(7)
    pool, vocab = sentence_pool(), vocabulary()
    files = [(f"synthetic_{k:02d}.txt", synthetic_transcript(rng, pool, vocab, args.words, k))
             for k in range(args.transcripts + 1)]
    twenty, extra = files[:-1], files[-1]
    words = sum(len(d.split()) for _, d in twenty)
    print(f"{len(twenty)} synthetic transcripts, {words:,} words; warming up…", file=sys.stderr)
    warm_up()

    # ---- whole: parse + redact + segment + save + embed + fit
    engine = fresh_engine(tmp, "whole.db")
    t = time.perf_counter()
    for name, data in twenty:
        residents.import_file(engine, SYSTEM, name, data)
    t_import = time.perf_counter() - t
    result = topics.analyse(engine, SYSTEM)
    whole = time.perf_counter() - t
    with Session(engine) as session:
        all_texts = [s.text for s in session.exec(select(Segment).order_by(Segment.id))]
        resident_texts = [s.text for s in session.exec(select(Segment).where(Segment.speaker_role == "resident")
                                                       .order_by(Segment.id))]
    print(f"whole: {whole:.1f} s ({len(resident_texts)} resident segments, {result.n_topics} topics)", file=sys.stderr)

    # ---- floor: spaCy over the same text + embedding the same resident segments, nothing else
    t = time.perf_counter()
    for _ in nlp.pipeline().pipe(all_texts, batch_size=64):
        pass
    t_spacy = time.perf_counter() - t
    embeddings.encode(resident_texts)
    floor = time.perf_counter() - t
    print(f"floor: {floor:.1f} s (spaCy {t_spacy:.1f} s)", file=sys.stderr)

    # ---- add one transcript to twenty: re-analysis vs BERTopic from scratch
    saved = residents.import_file(engine, SYSTEM, *extra)
    t = time.perf_counter()
    again = topics.analyse(engine, SYSTEM)
    t_reanalyse = time.perf_counter() - t
    with Session(engine) as session:
        docs = [s.text for s in session.exec(select(Segment).where(Segment.speaker_role == "resident")
                                             .order_by(Segment.id))]
    from bertopic import BERTopic

    t = time.perf_counter()
    BERTopic(embedding_model=embeddings.model()).fit_transform(docs)
    t_scratch = time.perf_counter() - t
    unchanged = topics.analyse(engine, SYSTEM)
    print(f"add one: re-analysis {t_reanalyse:.1f} s (embedded {again.embedded}, new resident segments "
          f"{saved.resident_segments}); scratch {t_scratch:.1f} s", file=sys.stderr)

    # ---- topic fit on N cached segments
    fit_texts = []
    while len(fit_texts) < args.fit_segments:
        fit_texts.append(" ".join(rng.choice(pool) for _ in range(rng.randint(2, 4))) + f" {rng.choice(vocab)}.")
    fit_texts = list(dict.fromkeys(fit_texts))[:args.fit_segments]
    fit_engine = fresh_engine(tmp, "fit.db")
    embeddings.cached_encode(fit_engine, fit_texts)  # the cache, filled before timing
    t = time.perf_counter()
    vectors = embeddings.cached_encode(fit_engine, fit_texts)
    model, assigned = topics.fit_bertopic(fit_texts, vectors, topics.settings_for(len(fit_texts)))
    t_fit = time.perf_counter() - t
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024

    rows = [
        ("whole ÷ floor (20 × ~5,000 words)", whole / floor, "≤ 1.25", whole / floor <= 1.25),
        ("  whole: import+redact+segment+save, s", t_import, "", None),
        ("  whole total incl. embed+fit, s", whole, "", None),
        ("  floor: spaCy + embedding, s", floor, "", None),
        (f"topic fit on {len(fit_texts):,} cached segments, s", t_fit, "≤ 20", t_fit <= 20),
        ("re-analysis after adding 1 to 20, s", t_reanalyse, "", None),
        ("BERTopic().fit_transform from scratch, s", t_scratch, "", None),
        ("speed-up of re-analysis", t_scratch / t_reanalyse, "≥ 5", t_scratch / t_reanalyse >= 5),
        ("segments embedded in re-analysis", again.embedded, f"≤ {saved.resident_segments} new",
         0 < again.embedded <= saved.resident_segments),
        ("unchanged corpus: refit skipped", 1.0 if unchanged.method == "unchanged" else 0.0, "= 1",
         unchanged.method == "unchanged"),
        ("peak memory, GB", peak_gb, "≤ 2.5", peak_gb <= 2.5),
    ]
    print(f"\n{'measure':48} {'value':>9}  budget      ok")
    for name, value, budget, ok in rows:
        print(f"{name:48} {value:9.2f}  {budget:10}  {'' if ok is None else ('yes' if ok else 'NO')}")
    out = ROOT / "bench" / "results" / "residents.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"words": words, "resident_segments": len(resident_texts), "cpus": os.cpu_count(),
                               "rows": [{"measure": n, "value": v, "budget": b, "ok": ok} for n, v, b, ok in rows]},
                              indent=2), encoding="utf-8")
    return 0 if all(ok is not False for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
