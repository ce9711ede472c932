"""The labelled assignment evaluation set (bench/data/assignment): schema, coverage and split hygiene.

These checks never print segment text, so running them does not expose the held-out split.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from bench import assignment_data as data

ROOT = Path(__file__).resolve().parent.parent
SPLITS = ("dev", "heldout", "examples")


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict]]:
    return {split: data.load(split) for split in SPLITS}


def normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def test_every_label_is_a_default_codebook_code_or_none(rows):
    known = set(data.issue_codes()) | {data.NONE}
    for split, split_rows in rows.items():
        for row in split_rows:
            assert row["labels"], row["id"]
            assert set(row["labels"]) <= known, (row["id"], row["labels"])
            assert data.NONE not in row["labels"] or row["labels"] == [data.NONE], row["id"]
            assert row["split"] == split and row["source"].startswith("fictional:"), row["id"]


def test_codebook_parents_are_known():
    parents = data.parents()
    assert {"income_work", "cost_of_living", "social_security", "wellbeing", "place_and_services"} == {
        code for code, parent in parents.items() if parent is None}
    assert parents["employability"] == "income_work" and parents["language"] == "place_and_services"


def test_size_and_split_proportions(rows):
    evaluated = rows["dev"] + rows["heldout"]
    on_topic = [row for row in evaluated if row["labels"] != [data.NONE]]
    off_topic = [row for row in evaluated if row["labels"] == [data.NONE]]
    assert len(on_topic) >= 600 and len(off_topic) >= 150
    share = len(rows["heldout"]) / len(evaluated)
    assert 0.55 <= share <= 0.65, f"held-out share {share:.2f}, expected about 60 %"


def test_every_leaf_and_parent_issue_is_covered_in_each_split(rows):
    total = data.counts(rows["dev"]) + data.counts(rows["heldout"])
    for code in data.issue_codes():
        assert total[code] >= 20, (code, total[code])
        assert data.counts(rows["dev"])[code] >= 8, ("dev", code)
        assert data.counts(rows["heldout"])[code] >= 12, ("heldout", code)
    assert sum(len(row["labels"]) > 1 for row in rows["heldout"]) >= 30, "held-out needs multi-issue segments"
    assert sum(len(row["labels"]) > 1 for row in rows["dev"]) >= 20, "dev needs multi-issue segments"


def test_coded_examples_give_ten_per_issue_and_none():
    chosen = data.examples_per_issue(10)
    for code in data.issue_codes() + [data.NONE]:
        assert len(chosen.get(code, [])) == 10, code


def test_no_text_is_shared_between_splits_or_with_the_examples(rows):
    seen: dict[str, str] = {}
    for split, split_rows in rows.items():
        for row in split_rows:
            key = normalised(row["text"])
            assert key not in seen or seen[key] == split, f"{row['id']} also in {seen.get(key)}"
            seen.setdefault(key, split)
        texts = [normalised(row["text"]) for row in split_rows if row["labels"] != [data.NONE]]
        assert len(texts) == len(set(texts)), f"duplicate on-topic text within {split}"


def test_no_segment_is_a_near_copy_of_one_in_another_file(rows):
    """Held-out phrasings must be new: no two on-topic segments in different files share most of their words."""
    def words(text: str) -> set[str]:
        return set(re.findall(r"[a-z']+", text.lower()))

    on_topic = {split: [(row["id"], words(row["text"])) for row in split_rows if row["labels"] != [data.NONE]]
                for split, split_rows in rows.items()}
    for first, second in (("dev", "heldout"), ("examples", "heldout"), ("examples", "dev")):
        for left_id, left in on_topic[first]:
            for right_id, right in on_topic[second]:
                overlap = len(left & right) / len(left | right)
                assert overlap < 0.4, f"{left_id} and {right_id} share {overlap:.0%} of their words"


def test_held_out_speakers_differ_from_dev_and_examples(rows):
    speakers = {split: {row["source"] for row in split_rows} for split, split_rows in rows.items()}
    assert not speakers["dev"] & speakers["heldout"]
    assert not speakers["examples"] & (speakers["dev"] | speakers["heldout"])
    assert len(speakers["heldout"]) >= 10


def test_ids_are_unique_and_segments_are_interview_length(rows):
    ids = [row["id"] for split_rows in rows.values() for row in split_rows]
    assert len(ids) == len(set(ids))
    for split, split_rows in rows.items():
        shortest = 12 if split in ("dev", "heldout") else 5  # coded examples may be brief passages
        for row in split_rows:
            words = len(row["text"].split())
            assert words <= 90, (row["id"], words)
            if row["labels"] != [data.NONE]:
                assert words >= shortest, (row["id"], words)


def test_jsonl_files_are_built_from_the_written_sources():
    spec = importlib.util.spec_from_file_location("assignment_build", ROOT / "bench/data/assignment/build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for name, built in build.build().items():
        on_disk = (ROOT / "bench/data/assignment" / f"{name}.jsonl").read_text(encoding="utf-8")
        assert on_disk == build.render(built), f"{name}.jsonl is stale: run bench/data/assignment/build.py"


def test_a_bad_label_is_refused_with_file_and_line(tmp_path, monkeypatch):
    bad = tmp_path / "dev.jsonl"
    bad.write_text('{"id": "x", "text": "rent", "labels": ["rent_arrears"], "split": "dev", "source": "f"}\n')
    monkeypatch.setitem(data.FILES, "dev", bad)
    with pytest.raises(ValueError, match=r"dev.jsonl line 1: unknown issue code"):
        data.load("dev")
    bad.write_text('{"id": "x", "text": "rent", "labels": ["none", "housing"], "split": "dev", "source": "f"}\n')
    with pytest.raises(ValueError, match="cannot be combined"):
        data.load("dev")
