"""The convergence truth table, exhaustively: `convergence.METHOD` (the method as the app shows it) IS the
specification."""
from __future__ import annotations

import itertools
import re

import pytest

from triangulate.joint import convergence as cv
from triangulate.joint import signals as sig
from triangulate.joint.thresholds import Thresholds


def _tables(doc: str) -> list[list[list[str]]]:
    tables, current = [], []
    for line in doc.splitlines():
        line = line.strip()
        if re.fullmatch(r"\|[-| ]+\|", line):
            continue  # the header's underline
        if line.startswith("|"):
            current.append([c.strip() for c in line.strip("|").split("|")])
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


(READING_TABLE,) = _tables(cv.METHOD["readings"].text)
(TRUTH_TABLE,) = _tables(cv.METHOD["pairs"].text)


def test_method_truth_table_covers_every_unordered_pair_once():
    header, *rows = TRUTH_TABLE
    assert header[2:] == list(cv.OVERLAPS)
    pairs = [frozenset((r[0], r[1])) for r in rows]
    expected = {frozenset(p) for p in itertools.combinations_with_replacement(cv.READINGS, 2)}
    assert len(pairs) == len(expected) == 15
    assert set(pairs) == expected


@pytest.mark.parametrize("a,b,overlap", list(itertools.product(cv.READINGS, cv.READINGS, cv.OVERLAPS)))
def test_code_pair_matches_method_for_every_combination(a, b, overlap):
    header, *rows = TRUTH_TABLE
    table = {}
    for r in rows:
        for o, verdict in zip(header[2:], r[2:]):
            table[(r[0], r[1], o)] = verdict
            table[(r[1], r[0], o)] = verdict
    assert cv.code_pair(a, b, overlap) == table[(a, b, overlap)]
    assert cv.code_pair(a, b, overlap) == cv.code_pair(b, a, overlap)  # symmetric


def test_reading_table_matches_method_for_every_level():
    _, *rows = READING_TABLE
    seen = set()
    for strand, level, expected in rows:
        prominence = None
        if level == "raised strongly":
            level, prominence = "raised", "high"
        elif level == "raised":
            prominence = "low"
        assert level in sig.LEVELS[strand]
        assert cv.reading(level, prominence) == expected
        seen.add((strand, level))
    assert seen == {(s, lv) for s, levels in sig.LEVELS.items() for lv in levels}


def _signal(strand, level, prominence=None, stems=()):
    return sig.Signal("W", "issue", strand, level, prominence=prominence, summary=f"{strand} {level}.",
                      examples=sorted(stems), stems=frozenset(stems))


LEVEL_VARIANTS = {
    "numbers": [("elevated", "high"), ("typical", "low"), ("lower", "low"), ("no data", None)],
    "practitioners": [("raised", "high"), ("raised", "low"), ("not raised", None), ("contradicted", "low"),
                      ("no data", None)],
    "residents": [("prominent", "high"), ("mentioned", "low"), ("silent", None), ("no data", None)],
}
EXAMPLES = {"shared": ({"damp", "mould", "overcrowd"}, {"damp", "mould", "waiting"}),
            "different": ({"damp", "mould"}, {"nursery", "bus"}),
            "none": ({"damp"}, set())}


@pytest.mark.parametrize("pair", cv.PAIRS)
def test_every_strand_level_combination_and_overlap_through_compare(pair):
    t = Thresholds()
    for (la, pa), (lb, pb), (overlap, (ea, eb)) in itertools.product(
            LEVEL_VARIANTS[pair[0]], LEVEL_VARIANTS[pair[1]], EXAMPLES.items()):
        a, b = _signal(pair[0], la, pa, ea), _signal(pair[1], lb, pb, eb)
        got = cv.compare(a, b, t)
        assert got.overlap == overlap
        assert got.verdict == cv.code_pair(cv.reading(la, pa), cv.reading(lb, pb), overlap)
        assert got.verdict.split()[0].lower() in got.reason.lower() or got.verdict == "no data"
        assert got.reason


def test_overall_order_and_no_data():
    assert cv.overall(["no data"] * 3) == "no data"
    assert cv.overall(["agreement", "no data", "no data"]) == "agreement"
    assert cv.overall(["agreement", "partial agreement", "silence"]) == "silence"
    assert cv.overall(["silence", "dissonance", "agreement"]) == "dissonance"
    assert cv.overall(["partial agreement", "agreement", "no data"]) == "partial agreement"


def test_numbers_need_fewer_shared_examples_than_two_qualitative_strands():
    t = Thresholds()
    n = _signal("numbers", "elevated", "high", {"overcrowd", "household"})
    p = _signal("practitioners", "raised", "high", {"overcrowd", "damp"})
    r = _signal("residents", "prominent", "high", {"overcrowd", "nursery"})
    assert cv.compare(n, p, t).verdict == "agreement"  # one shared with an indicator name is enough
    assert cv.compare(p, r, t).verdict == "partial agreement"  # one shared of two needed
    assert cv.compare(p, r, t.model_copy(update={"min_shared_examples": 1})).verdict == "agreement"


def test_judge_why_cites_numbers_and_rule():
    t = Thresholds()
    cell = cv.judge({"numbers": _signal("numbers", "no data"),
                     "practitioners": _signal("practitioners", "contradicted", "low", {"subway"}),
                     "residents": _signal("residents", "prominent", "high", {"bus", "fare"})}, t)
    assert cell.verdict == "dissonance"
    assert "opposite meanings" in cell.why and "residents prominent." in cell.why
    assert "Not compared (no data)" in cell.why


def test_unknown_values_are_refused():
    with pytest.raises(ValueError):
        cv.code_pair("loud", "quiet", "shared")
    with pytest.raises(ValueError):
        cv.reading("shouting")


def test_indicator_words_are_sought_in_everything_a_strand_mentions():
    t = Thresholds()
    n = _signal("numbers", "elevated", "high", {"overcrowd", "household"})
    r = _signal("residents", "prominent", "high", {"damp", "mould"})
    assert cv.compare(n, r, t).verdict == "partial agreement"
    r.all_stems = frozenset({"damp", "mould", "overcrowd"})  # said once, not among the most frequent
    got = cv.compare(n, r, t)
    assert got.verdict == "agreement" and got.shared == ["overcrowd"]
    p = _signal("practitioners", "raised", "high", {"damp", "rent"})
    p.all_stems = frozenset({"damp", "rent", "mould"})
    assert cv.compare(p, r, t).verdict == "partial agreement"  # two qualitative strands: most frequent only


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from triangulate.joint import examples as ex  # noqa: E402


@given(st.lists(st.sampled_from(cv.VERDICTS), max_size=3))
def test_overall_is_the_pair_most_in_need_of_discussion(verdicts):
    result = cv.overall(verdicts)
    compared = [v for v in verdicts if v != "no data"]
    assert result == ("no data" if not compared else min(compared, key=cv.VERDICTS.index))
    assert all(cv.VERDICTS.index(result) <= cv.VERDICTS.index(v) for v in compared)


@given(st.text(max_size=300))
def test_terms_never_fail_and_are_stable(text):
    found = ex.terms(text)
    assert all(isinstance(k, str) and k and isinstance(v, str) for k, v in found.items())
    assert ex.terms(text) == found
