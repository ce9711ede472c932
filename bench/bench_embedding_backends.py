"""Embedding backends for all-MiniLM-L6-v2, measured against the issue assignment (issue 17, item 3).

Each backend embeds the assignment benchmark's segments, its codebook texts, coded examples and off-topic
prototypes; the assigner of bench_assignment.py is fitted on those vectors and its decisions are compared with
torch's (the reference, as shipped). A backend is acceptable only if it keeps the same issue for ≥ 99 % of
segments and the same macro-F1 (zero-shot and with 10 examples per issue). Speed is CPU seconds per 1,000
segments, in this process, after a warm-up.

Backends: torch at 2 threads and at 1 thread (the shipped setting); ONNX Runtime fp32 (plain export and
onnxruntime.transformers' BERT fusion) and dynamic int8 (per-channel), each at 1 and 2 threads. The ONNX files
are exported here from the packaged weights (nothing from a hub) into a temporary folder; onnxruntime and onnx
are not project requirements (measured with onnxruntime==1.32.0 and onnx==1.23.2, installed by hand for the
run): without them the ONNX rows are skipped.

    .venv/bin/python bench/bench_embedding_backends.py [--split heldout]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ["TRIANGULATE_EMBEDDER"] = "minilm"  # the model measured here (the product's default is now mpnet)
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_assignment as ba
import numpy as np

from triangulate.codebook import assignment
from triangulate.core import embeddings

TORCH_ENCODE = embeddings.encode  # the shipped encoder; `measure` swaps embeddings.encode for each backend


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def torch_encoder(threads: int):
    import torch

    def encode(texts, batch_size=64):
        torch.set_num_threads(threads)
        return TORCH_ENCODE(texts, batch_size=batch_size)
    return encode


def export_onnx(folder: Path) -> dict[str, Path]:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    bert = embeddings.model()[0].auto_model.eval()
    sample = embeddings.model().tokenizer(["a sentence to trace"], return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]

    class Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    plain = folder / "minilm.onnx"
    torch.onnx.export(Hidden(bert), tuple(sample[n] for n in names), str(plain), input_names=names,
                      output_names=["hidden"], dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "hidden"]},
                      opset_version=17, dynamo=False)
    fused = folder / "minilm_fused.onnx"
    fusion = optimizer.optimize_model(str(plain), model_type="bert", num_heads=12, hidden_size=384)
    fusion.save_model_to_file(str(fused))
    int8 = folder / "minilm_int8.onnx"
    quantize_dynamic(str(plain), str(int8), weight_type=QuantType.QInt8, per_channel=True)
    return {"onnx fp32": plain, "onnx fp32 fused": fused, "onnx int8": int8}


def onnx_encoder(path: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    tokenizer, limit = embeddings.model().tokenizer, embeddings.model().max_seq_length

    def encode(texts, batch_size=32):
        out = np.zeros((len(texts), embeddings.DIM), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")  # as sentence-transformers: less padding
        for start in range(0, len(texts), batch_size):
            rows = order[start:start + batch_size]
            enc = tokenizer([texts[i] for i in rows], padding=True, truncation=True, max_length=limit,
                            return_tensors="np")
            hidden = session.run(None, {n: enc[n].astype(np.int64)
                                        for n in ("input_ids", "attention_mask", "token_type_ids")})[0]
            mask = enc["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(1) / np.clip(mask.sum(1), 1e-9, None)
            out[rows] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return out
    return encode


def measure(encode, rows, pool, examples: int) -> dict:
    embeddings.encode = encode  # bench_assignment embeds through embeddings.encode
    ba._vectors.clear()
    texts = [r["text"] for r in rows]
    encode(texts[:16])
    started = cpu()
    ba.encode(texts)
    embed_cpu = cpu() - started
    issues = ba.default_issues()
    offtopic = ba.encode(list(assignment.offtopic_prototypes()))
    ex_texts, ex_labels = ba.examples_per_issue(pool, examples)
    out = {"embed_cpu_s_per_1000": round(1000 * embed_cpu / len(texts), 2)}
    vectors = ba.encode(texts)
    for name, (et, el) in {"zero_shot": ([], []), "examples": (ex_texts, ex_labels)}.items():
        assigner = assignment.fit(ba.encode(et), el, issues, offtopic)
        decisions = assigner.predict(vectors, texts)
        out[name] = {"macro_f1": ba.score(rows, decisions, assigner.top_k(vectors, 3, texts=texts))["macro_f1"],
                     "issues": [d.issue_code for d in decisions]}
    out["vectors"] = vectors
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "data" / "assignment")
    parser.add_argument("--split", default="heldout", choices=["dev", "heldout"])
    parser.add_argument("--examples", type=int, default=10)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "embedding-backends.json")
    args = parser.parse_args()
    rows = ba.read_jsonl(args.data / f"{args.split}.jsonl")
    pool = ba.read_jsonl(args.data / "coded_examples.jsonl")
    original = embeddings.encode
    backends = {"torch 2 threads": torch_encoder(2), "torch 1 thread": torch_encoder(1)}
    try:
        files = export_onnx(Path(tempfile.mkdtemp(prefix="minilm_onnx_")))
        for name, path in files.items():
            for threads in (1, 2):
                backends[f"{name} {threads} thread{'s' if threads > 1 else ''}"] = onnx_encoder(path, threads)
    except ImportError as exc:
        print(f"ONNX rows skipped: {exc}", file=sys.stderr)
    results = {}
    for name, encode in backends.items():
        results[name] = measure(encode, rows, pool, args.examples)
        embeddings.encode = original
        print(f"{name}: {results[name]['embed_cpu_s_per_1000']} CPU s / 1,000 segments", file=sys.stderr)
    reference = results["torch 2 threads"]
    table = {}
    for name, r in results.items():
        cosine = (r["vectors"] * reference["vectors"]).sum(axis=1)
        table[name] = {"embed_cpu_s_per_1000": r["embed_cpu_s_per_1000"],
                       "cpu_vs_torch_2_threads": round(reference["embed_cpu_s_per_1000"]
                                                       / r["embed_cpu_s_per_1000"], 2),
                       "cosine_to_torch_mean": round(float(cosine.mean()), 5),
                       "cosine_to_torch_min": round(float(cosine.min()), 5)}
        for mode in ("zero_shot", "examples"):
            same = np.mean([a == b for a, b in zip(r[mode]["issues"], reference[mode]["issues"])])
            table[name][mode] = {"macro_f1": r[mode]["macro_f1"], "same_issue_share": round(float(same), 4)}
        keeps = all(table[name][m]["same_issue_share"] >= 0.99 and
                    table[name][m]["macro_f1"] == reference[m]["macro_f1"] for m in ("zero_shot", "examples"))
        table[name]["keeps_the_assignment"] = bool(keeps)
    report = {"split": args.split, "segments": len(rows), "load_average_1min": round(os.getloadavg()[0], 1),
              "cores": os.cpu_count(), "reference": "torch 2 threads", "backends": table}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    for name, row in table.items():
        print(f"{name:28} {row['embed_cpu_s_per_1000']:7.2f} CPU s/1000  ×{row['cpu_vs_torch_2_threads']:<5} "
              f"same issue {row['zero_shot']['same_issue_share']:.3f}/{row['examples']['same_issue_share']:.3f}  "
              f"macro-F1 {row['zero_shot']['macro_f1']:.3f}/{row['examples']['macro_f1']:.3f}  "
              f"keeps: {row['keeps_the_assignment']}")
    print(f"→ {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
