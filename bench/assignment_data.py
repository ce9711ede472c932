"""The labelled evaluation set for residents' issue assignment (issue 11, item 7).

Fictional Glasgow residents' speech written for this project (see bench/data/assignment/README.md):

- `load("dev")`      — the split the assignment work may tune on;
- `load("heldout")`  — different speakers, phrasings and situations; read it only for the final measurement;
- `load("examples")` — the pool of coded examples (the "10 coded examples per issue" condition),
                       drawn from neither split.

Each row: {"id", "text", "labels", "split", "source"}; labels are default-codebook issue codes (leaf or
parent, several allowed) or ["none"] for off-topic speech.
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from triangulate.codebook import issues as codebook

DATA = ROOT / "bench" / "data" / "assignment"
FILES = {"dev": DATA / "dev.jsonl", "heldout": DATA / "heldout.jsonl", "examples": DATA / "coded_examples.jsonl"}
NONE = "none"


def issue_codes() -> list[str]:
    """Every issue code in the default codebook, parents before their children."""
    codes: list[str] = []

    def walk(node: dict) -> None:
        codes.append(node["code"])
        for child in node.get("children", []):
            walk(child)

    for node in codebook.default_tree():
        walk(node)
    return codes


def parents() -> dict[str, str | None]:
    """code -> parent code (None for top-level issues)."""
    result: dict[str, str | None] = {}
    for node in codebook.default_tree():
        result[node["code"]] = None
        for child in node.get("children", []):
            result[child["code"]] = node["code"]
    return result


def load(split: str) -> list[dict]:
    """Rows of one split, checked: a bad row raises ValueError naming the file, line and the fix."""
    if split not in FILES:
        raise ValueError(f"unknown split {split!r}: use one of {', '.join(FILES)}")
    path = FILES[split]
    known = set(issue_codes())
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{path.name} line {number}"
        row = json.loads(line)
        labels = row.get("labels") or []
        if not str(row.get("text", "")).strip():
            raise ValueError(f"{where}: empty text")
        if not labels:
            raise ValueError(f"{where}: no labels; give issue codes or 'none'")
        unknown = [label for label in labels if label != NONE and label not in known]
        if unknown:
            raise ValueError(f"{where}: unknown issue code(s) {unknown}; use default-codebook codes or 'none'")
        if NONE in labels and len(labels) > 1:
            raise ValueError(f"{where}: 'none' cannot be combined with issues {labels}")
        if len(set(labels)) != len(labels):
            raise ValueError(f"{where}: repeated label in {labels}")
        rows.append({"id": row["id"], "text": row["text"], "labels": list(labels),
                     "split": row["split"], "source": row["source"]})
    return rows


def counts(rows: list[dict]) -> Counter:
    """How many rows carry each label (a multi-issue row counts once for each of its issues)."""
    return Counter(label for row in rows for label in row["labels"])


def examples_per_issue(n: int = 10) -> dict[str, list[str]]:
    """The first n coded examples of each issue code (and of 'none') from the examples pool."""
    chosen: dict[str, list[str]] = {}
    for row in load("examples"):
        for label in row["labels"]:
            bucket = chosen.setdefault(label, [])
            if len(bucket) < n:
                bucket.append(row["text"])
    return chosen


if __name__ == "__main__":
    for name in FILES:
        rows = load(name)
        print(f"{name}: {len(rows)} segments, {len({r['source'] for r in rows})} speakers")
        tally = counts(rows)
        for code in issue_codes() + [NONE]:
            print(f"  {code:<20}{tally.get(code, 0):>5}")
