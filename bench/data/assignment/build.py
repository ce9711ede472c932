"""Turn the hand-written sources (source/*.txt) into the JSONL files the bench reads.

Source format, one segment a line, grouped under the fictional speaker who says them:

    @ speaker-slug: who they are (a line of description, for the reader)
    labels | text            labels = issue codes separated by commas, or `none`

Blank lines and lines starting with `#` are ignored. Ids are the file's prefix and the segment's
position, so re-running on unchanged sources gives byte-identical files (tests check that).

Run: /work/main/.venv/bin/python bench/data/assignment/build.py
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = {"dev": ("dev", "dev"), "heldout": ("heldout", "ho"), "coded_examples": ("examples", "ex")}


def parse(path: Path, split: str, prefix: str) -> list[dict]:
    rows, speaker = [], None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("@"):
            speaker = line[1:].split(":", 1)[0].strip()
            continue
        if "|" not in line or speaker is None:
            raise ValueError(f"{path.name} line {number}: expected 'labels | text' under an '@ speaker' line")
        labels_part, text = line.split("|", 1)
        labels = [label.strip() for label in labels_part.split(",") if label.strip()]
        rows.append({"id": f"{prefix}-{len(rows) + 1:04d}", "text": " ".join(text.split()),
                     "labels": labels, "split": split, "source": f"fictional:{speaker}"})
    return rows


def build() -> dict[str, list[dict]]:
    return {name: parse(HERE / "source" / f"{name}.txt", split, prefix)
            for name, (split, prefix) in SOURCES.items()}


def render(rows: list[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main() -> None:
    for name, rows in build().items():
        (HERE / f"{name}.jsonl").write_text(render(rows), encoding="utf-8")
        print(f"{name}.jsonl: {len(rows)} segments", file=sys.stderr)


if __name__ == "__main__":
    main()
