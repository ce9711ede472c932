"""REFI-QDA project import budget (issue 16): a 200-source .qdpx with 10,000 coded selections imports in ≤ 60 s on
2 cores, memory bounded; and the round trip Triangulate → .qdpx → Triangulate keeps transcripts and codes.

The project is built from the fictional residents' speech in bench/data/assignment (written for this project):
each source is an interview excerpt of alternating `Interviewer:` / `Respondent:` turns, every respondent turn
coded with its labelled issue(s) by one of two coders. Timing covers reading the archive, parsing and redacting
every source (spaCy), mapping codes and selections, and the one transaction that stores it all.

Run: .venv/bin/python bench/bench_projects.py [--sources 200] [--selections 10000]
     → table on stdout, JSON in bench/results/projects.json
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import assignment_data
from sqlmodel import Session, func, select

from schemas import Issue, SegmentCode
from triangulate.codebook import issues as codebook
from triangulate.codebook import qdc
from triangulate.core import db
from triangulate.core.permissions import SYSTEM, Actor
from triangulate.residents import projects, qdpx

BUDGET_S = 60.0
PROMPTS = ["Can you tell me a bit about that?", "And how does that affect the weans?", "What would help?",
           "How long has that been going on?", "Who else have you spoken to about it?"]


def build(n_sources: int, n_selections: int, issues: list[Issue]) -> tuple[bytes, int]:
    rng = random.Random(7)
    rows = [r for r in assignment_data.load("dev") + assignment_data.load("heldout") if r["labels"] != ["none"]]
    guid = {i.code: i.guid for i in issues}
    per_source = max(1, n_selections // n_sources)
    sources, total = [], 0
    for k in range(n_sources):
        lines, selections, cursor = [], [], 0
        for t in range(per_source):
            prompt = f"Interviewer: {rng.choice(PROMPTS)}"
            row = rng.choice(rows)
            answer = f"Respondent: {row['text']}"
            lines += [prompt, answer]
            start = cursor + len(prompt) + 1 + len("Respondent: ")
            end = start + len(row["text"])
            cursor += len(prompt) + 1 + len(answer) + 1
            codes = [guid[c] for c in row["labels"] if c in guid]
            if codes:
                selections.append(qdpx.Selection(qdpx.new_guid(), start, end, codes, coder=f"coder {t % 2 + 1}"))
        total += len(selections)
        sources.append(qdpx.TextSource(guid=qdpx.new_guid(), name=f"Interview {k + 1}", text="\n".join(lines) + "\n",
                                       selections=selections, variables={"Ward": "Govan"}))
    forest = []
    for i in issues:
        forest.append(qdc.QdcCode(guid=i.guid, name=i.label))
    return qdpx.write(qdpx.Project(name="bench", origin="bench", codes=forest, sources=sources)), total


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--selections", type=int, default=10_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    engine = db.make_engine(f"sqlite:///{tmp / 'bench.db'}")
    db.upgrade(engine)
    from triangulate.numbers import glasgow

    glasgow.load_default(engine, SYSTEM)
    codebook.load_default(engine, SYSTEM)
    with Session(engine) as s:
        issues = list(s.exec(select(Issue)))
    data, n_sel = build(args.sources, args.selections, issues)
    words = sum(len(src.text.split()) for src in qdpx.read("b.qdpx", data).sources)
    researcher = Actor("bench", "researcher")
    from triangulate.residents import nlp

    nlp.pipeline()  # the model load is paid once per server, not per import
    start = time.perf_counter()
    pp = projects.preview_project(engine, researcher, "bench.qdpx", data)
    previewed = time.perf_counter() - start
    saved = projects.save_project(engine, researcher, pp)
    total = time.perf_counter() - start
    with Session(engine) as s:
        codes = s.exec(select(func.count()).select_from(SegmentCode)).one()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    exported = projects.export_project(engine, SYSTEM)
    result = {"sources": args.sources, "selections": n_sel, "words": words, "archive_kb": round(len(data) / 1024),
              "preview_s": round(previewed, 1), "total_s": round(total, 1), "budget_s": BUDGET_S,
              "seconds_per_1000_words": round(total / words * 1000, 3), "transcripts": len(saved.transcripts),
              "codes_stored": codes, "peak_rss_mb": round(peak_mb), "export_kb": round(len(exported) / 1024),
              "within_budget": total <= BUDGET_S}
    print(f"{args.sources} sources, {n_sel:,} coded selections, {words:,} words")
    print(f"  read + parse + redact: {previewed:.1f} s; with mapping and storing: {total:.1f} s "
          f"(budget {BUDGET_S:.0f} s: {'ok' if total <= BUDGET_S else 'MISS'})")
    print(f"  {codes:,} codes stored on {len(saved.transcripts)} transcripts; peak RSS {peak_mb:.0f} MB")
    out = ROOT / "bench" / "results" / "projects.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
