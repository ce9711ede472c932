"""Place mentions benchmark (issue 15): precision and recall at IZ level on a labelled set written for the project.

bench/data/places/{dev,heldout}.txt hold one utterance a line (fictional Glasgow speech: residents' and officers'
words, Scots, spelling variants, non-Glasgow look-alikes, text as stored after redaction). `[[words]]` marks a
mention of a Glasgow place below the ward, `[[words|label]]` names its label; labels.csv gives each label's
IZ(s). Unmarked text is not a sub-ward Glasgow place, so anything found there is a false positive.

Scoring, at IZ level: a found mention is paired with the gold mention(s) its characters overlap. For a pair, the
IZs both hold are true positives, the found-only IZs false positives, the gold-only IZs false negatives; every
IZ of an unpaired found mention is a false positive, of an unpaired gold mention a false negative. Gold
mentions labelled `none` (a Glasgow place the set does not put in an IZ) are left out either way. Also
reported: mention-level exact matches (same span overlap, same IZ set) and the misses, for reading.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_places.py [--split dev|heldout|all]

Writes bench/results/places-<split>.json. Targets: precision >= 0.95, recall >= 0.9. Tune on dev only.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / "bench" / "data" / "places"
RESULTS = ROOT / "bench" / "results"
MARK = re.compile(r"\[\[([^\]|]+)(?:\|([^\]]+))?\]\]")
TARGETS = {"precision": 0.95, "recall": 0.9}


def labels() -> dict[str, tuple[str, ...] | None]:
    from triangulate.core import places

    izs, _ = places.zones()
    by_name = {places.normal(z.name): code for code, z in izs.items()}
    out: dict[str, tuple[str, ...] | None] = {}
    with open(DATA / "labels.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            names = [n for n in row["iz"].split(";") if n.strip()]
            missing = [n for n in names if places.normal(n) not in by_name]
            if missing:
                raise SystemExit(f"labels.csv, label {row['label']!r}: {missing} are not IZ names")
            out[row["label"]] = tuple(by_name[places.normal(n)] for n in names) if names else None
    return out


def read_split(split: str, gold_izs: dict) -> list[tuple[str, list[tuple[int, int, tuple | None, str]]]]:
    """[(plain text, [(start, end, IZ codes or None, label)])] for every line of the split."""
    lines = []
    for raw in (DATA / f"{split}.txt").read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        plain, gold, cursor = "", [], 0
        for m in MARK.finditer(raw):
            plain += raw[cursor:m.start()]
            label = (m.group(2) or m.group(1)).lower().replace("’", "'")
            if label not in gold_izs:
                raise SystemExit(f"{split}.txt: label {label!r} is not in labels.csv")
            gold.append((len(plain), len(plain) + len(m.group(1)), gold_izs[label], label))
            plain += m.group(1)
            cursor = m.end()
        lines.append((plain + raw[cursor:], gold))
    return lines


def score(lines, found_per_line) -> dict:
    tp = fp = fn = exact = n_gold = n_found = 0
    errors = []
    for (text, gold), found in zip(lines, found_per_line, strict=True):
        scored_gold = [g for g in gold if g[2] is not None]
        unscored = [g for g in gold if g[2] is None]
        n_gold += len(scored_gold)
        paired: set[int] = set()
        for m in found:
            if any(m.start < e and s < m.end for s, e, _, _ in unscored):
                continue
            n_found += 1
            overlapping = [k for k, (s, e, _, _) in enumerate(scored_gold) if m.start < e and s < m.end
                           and k not in paired]
            if not overlapping:
                fp += len(m.iz_codes)
                errors.append({"text": text, "found": m.text, "izs": list(m.iz_codes), "gold": None})
                continue
            paired.update(overlapping)  # "Toryglen and Oatlands" read as one IZ name covers both gold mentions
            want = {iz for k in overlapping for iz in scored_gold[k][2]}
            got = set(m.iz_codes)
            tp += len(want & got)
            fp += len(got - want)
            fn += len(want - got)
            if want == got:
                exact += 1
            else:
                errors.append({"text": text, "found": m.text, "izs": sorted(got), "gold": sorted(want)})
        for k, (s, e, izs, label) in enumerate(scored_gold):
            if k not in paired:
                fn += len(izs)
                errors.append({"text": text, "missed": text[s:e], "label": label, "gold": list(izs)})
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"lines": len(lines), "gold_mentions": n_gold, "found_mentions": n_found,
            "iz_true_positives": tp, "iz_false_positives": fp, "iz_false_negatives": fn,
            "precision": round(precision, 4), "recall": round(recall, 4),
            "mention_exact": exact, "mention_precision": round(exact / n_found, 4) if n_found else 1.0,
            "mention_recall": round(exact / n_gold, 4) if n_gold else 1.0,
            "meets_targets": precision >= TARGETS["precision"] and recall >= TARGETS["recall"], "errors": errors}


def run(split: str) -> dict:
    from triangulate.core import place_mentions

    gold_izs = labels()
    lines = read_split(split, gold_izs)
    matcher = place_mentions.Matcher()
    started = time.perf_counter()
    found = matcher.find_many([text for text, _ in lines])
    seconds = time.perf_counter() - started
    report = score(lines, found)
    report |= {"split": split, "seconds": round(seconds, 3), "targets": TARGETS}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["dev", "heldout", "all"], default="all")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    splits = ["dev", "heldout"] if args.split == "all" else [args.split]
    for split in splits:
        report = run(split)
        (RESULTS / f"places-{split}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n",
                                                     encoding="utf-8")
        print(f"{split:8} gold {report['gold_mentions']:4}  found {report['found_mentions']:4}  "
              f"IZ precision {report['precision']:.3f}  IZ recall {report['recall']:.3f}  "
              f"(mention exact {report['mention_precision']:.3f} / {report['mention_recall']:.3f})  "
              f"{'meets' if report['meets_targets'] else 'MISSES'} targets")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
