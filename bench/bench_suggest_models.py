"""Which model the officers' interactive suggestions should run (issue: p95 ≤ 300 ms per suggestion on the default
install, mpnet alone took p95 0.51 s for a 200-word insight). Each option is measured for latency and accuracy:

- `mpnet`: all-mpnet-base-v2 for the query and the prototypes (the batch assigner's model; the baseline);
- `mpnet-q256` … `mpnet-q64`: the query cut to its first 256 / 128 / 96 / 64 tokens (the text cut at the end
  of its (n − 2)-th token, so the model reads n with its start and end tokens; q256 was measured with the model's
  max_seq_length set, the same cut), prototypes and examples full-length;
- `mpnet-int8`: the query through a copy of mpnet with its Linear layers dynamically quantised to int8 (torch,
  no new package), prototypes in fp32 mpnet;
- `mpnet-2threads`: mpnet at two torch threads for the query (latency only: the vectors are mpnet's);
- `minilm`: all-MiniLM-L6-v2 for the query and for every prototype and taught example (one model throughout).

Accuracy: the assigner (`assignment.fit`, the shipped method) on the default codebook, zero-shot and taught by
`coded_examples.jsonl` (10+ per issue), scored by top-1 / top-3 (a gold issue among the first 1 / 3 issues) on
- `dev`: dev.jsonl segments about something (12–90 words; the truncation options barely differ here);
- `long1`: ~200-word texts made by joining dev segments of one issue (gold: that issue);
- `long_mixed`: ~200-word texts made by joining dev segments in a fixed random order (gold: all their issues;
  `top3_recall` = share of the gold issues, up to 3, among the first three: what a cut query loses);
- `demo`: the demo's 63 fictional officer insights with the officers' and health visitor's codes (gold: all).
heldout.jsonl is never read.

Latency: the query's encoding plus the assigner's ranking (`top_k`), per ~200-word text (`long1` + `long_mixed`,
each text once after one warm-up text), wall p50 / p95 and CPU ms per suggestion; load average before and after.

    .venv/bin/python bench/bench_suggest_models.py [option …]   → bench/results/suggest-models.json (options named:
    only those are run again, their rows replace the saved ones)
"""
from __future__ import annotations

import copy
import csv
import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import assignment_data  # noqa: E402
import bench_assignment  # noqa: E402
import numpy as np  # noqa: E402

from triangulate.codebook import assignment  # noqa: E402
from triangulate.core import embeddings  # noqa: E402

LONG_WORDS = 200
OUT = ROOT / "bench" / "results" / "suggest-models.json"


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load_avg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


# --------------------------------------------------------------------------- data
def join_to(rows: list[dict], words: int) -> list[dict]:
    out, text, gold = [], [], []
    for row in rows:
        text.append(row["text"])
        gold.extend(label for label in row["labels"] if label not in gold)
        if len(" ".join(text).split()) >= words:
            out.append({"text": " ".join(text), "labels": gold})
            text, gold = [], []
    return out


def datasets() -> dict[str, list[dict]]:
    dev = [r for r in assignment_data.load("dev") if r["labels"] != ["none"]]
    by_issue: dict[str, list[dict]] = {}
    for row in dev:
        if len(row["labels"]) == 1:
            by_issue.setdefault(row["labels"][0], []).append(row)
    long1 = [text for rows in by_issue.values() for text in join_to(rows, LONG_WORDS)]
    mixed = list(dev)
    random.Random(0).shuffle(mixed)
    demo: dict[str, list[str]] = {}
    with (ROOT / "triangulate" / "data" / "demo" / "insights.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            gold = demo.setdefault(row["text"], [])
            for code in (c.split(":")[0].strip() for c in row["codes"].split(";") if c.strip()):
                if code not in gold:
                    gold.append(code)
    return {"dev": dev, "long1": long1, "long_mixed": join_to(mixed, LONG_WORDS),
            "demo": [{"text": t, "labels": g} for t, g in demo.items() if g]}


# --------------------------------------------------------------------------- encoders
def st_model(which: str):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(embeddings.model_path(which)), device="cpu")


def first_tokens(tokenizer, text: str, n: int) -> str:
    """`text` up to the end of its n-th token (the model then reads n + its start and end tokens)."""
    found = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, truncation=True, max_length=n)
    offsets = found["offset_mapping"]
    return text[:offsets[-1][1]] if len(offsets) >= n else text


def encoder(model, max_tokens: int | None = None, threads: int = 1):
    import torch

    def encode(texts: list[str]) -> np.ndarray:
        if max_tokens:  # the text cut, the model untouched (what a shared model in a server would need)
            texts = [first_tokens(model.tokenizer, t, max_tokens - 2) for t in texts]
        torch.set_num_threads(threads)
        try:
            vectors = model.encode(list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False,
                                   convert_to_numpy=True)
        finally:
            torch.set_num_threads(1)
        return vectors.astype(np.float32)
    return encode


def int8(model):
    import torch

    quantised = copy.deepcopy(model)
    return torch.ao.quantization.quantize_dynamic(quantised, {torch.nn.Linear}, dtype=torch.qint8)


# --------------------------------------------------------------------------- scoring
def assigners(base_encode) -> dict[str, assignment.Assigner]:
    issues = bench_assignment.default_issues(base_encode)
    offtopic = base_encode(list(assignment.offtopic_prototypes()))
    pool = assignment_data.load("examples")
    texts = [r["text"] for r in pool]
    labels = [None if r["labels"] == ["none"] else r["labels"][0] for r in pool]
    return {"zero_shot": assignment.fit(np.zeros((0, offtopic.shape[1])), [], issues, offtopic),
            "examples": assignment.fit(base_encode(texts), labels, issues, offtopic)}


def accuracy(assigner, rows: list[dict], vectors: np.ndarray) -> dict:
    tops = assigner.top_k(vectors, 3, texts=[r["text"] for r in rows])
    top1 = top3 = recall = 0.0
    for row, top in zip(rows, tops):
        codes = [c for c, _ in top]
        gold = set(row["labels"])
        top1 += codes[0] in gold
        top3 += bool(set(codes) & gold)
        recall += len(set(codes) & gold) / min(3, len(gold))
    n = len(rows)
    return {"n": n, "top1": round(top1 / n, 3), "top3": round(top3 / n, 3), "top3_recall": round(recall / n, 3)}


def latency(assigner, encode, texts: list[str]) -> dict:
    encode(["warm up " + texts[0]])
    walls, cpus = [], []
    for text in texts:
        w0, c0 = time.perf_counter(), cpu()
        assigner.top_k(encode([text]), k=len(assigner.classes), texts=[text])
        walls.append((time.perf_counter() - w0) * 1000)
        cpus.append((cpu() - c0) * 1000)
    return {"n": len(texts), "p50_ms": round(statistics.median(walls), 1),
            "p95_ms": round(statistics.quantiles(walls, n=20)[18], 1), "cpu_p50_ms": round(statistics.median(cpus), 1)}


def main() -> int:
    only = set(sys.argv[1:])
    data = datasets()
    long_texts = [r["text"] for r in data["long1"] + data["long_mixed"]]
    mpnet, minilm = st_model("mpnet"), st_model("minilm")
    base = {"mpnet": encoder(mpnet), "minilm": encoder(minilm)}
    mpnet_int8 = int8(mpnet)
    options = {  # name: (prototypes' encoder, query encoder, accuracy measured?)
        "mpnet": ("mpnet", base["mpnet"], True),
        "mpnet-q256": ("mpnet", encoder(mpnet, 256), True),
        "mpnet-q128": ("mpnet", encoder(mpnet, 128), True),
        "mpnet-q96": ("mpnet", encoder(mpnet, 96), True),
        "mpnet-q64": ("mpnet", encoder(mpnet, 64), True),
        "mpnet-int8": ("mpnet", encoder(mpnet_int8), True),
        "mpnet-int8-q256": ("mpnet", encoder(mpnet_int8, 256), True),
        "mpnet-2threads": ("mpnet", encoder(mpnet, threads=2), False),
        "minilm": ("minilm", base["minilm"], True),
    }
    fitted = {name: assigners(enc) for name, enc in base.items()}
    words = [len(t.split()) for t in long_texts]
    results = {"data": {k: len(v) for k, v in data.items()}, "long_text_words_mean": round(float(np.mean(words)), 1),
               "cores": os.cpu_count(), "options": {}}
    for name, (proto, query, scored) in options.items():
        if only and name not in only:
            continue
        row: dict = {"prototypes": proto, "load_before": load_avg()}
        row["latency"] = latency(fitted[proto]["examples"], query, long_texts)
        if scored:
            vectors = {split: query([r["text"] for r in rows]) for split, rows in data.items()}
            for teaching, assigner in fitted[proto].items():
                row[teaching] = {split: accuracy(assigner, rows, vectors[split]) for split, rows in data.items()}
        row["load_after"] = load_avg()
        results["options"][name] = row
        print(name, json.dumps(row), flush=True)
    if only and OUT.exists():  # some options again: their rows replace the saved ones
        saved = json.loads(OUT.read_text(encoding="utf-8"))
        saved["options"].update(results["options"])
        results["options"] = saved["options"]
    OUT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print("→", OUT.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
