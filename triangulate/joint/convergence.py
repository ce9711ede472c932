"""The triangulation protocol: convergence coding of the three strands (Farmer et al. 2006).

The method, in the words the app shows and the tests read, is `METHOD` below: data, not this docstring (pages
must not slice prose, and `python -OO` strips docstrings). `reading`, `code_pair` and `overall` implement its
steps; `tests/test_joint_convergence.py` checks them against its tables, cell by cell.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy.engine import Engine

from triangulate.core import caches
from triangulate.core.permissions import Actor, require
from triangulate.joint import examples as ex
from triangulate.joint import signals as sig
from triangulate.joint import thresholds as th
from triangulate.joint.thresholds import Thresholds

READINGS = ("none", "quiet", "counter", "concern_low", "concern_high")
OVERLAPS = ("shared", "different", "none")
VERDICTS = ("dissonance", "silence", "partial agreement", "no data", "agreement")  # discussion order
PAIRS = (("numbers", "practitioners"), ("numbers", "residents"), ("practitioners", "residents"))

# Colour-blind-safe (Okabe–Ito) colours, always shown with a glyph and the word.
STYLE = {
    "dissonance": {"colour": "#D55E00", "glyph": "✖"},
    "silence": {"colour": "#E69F00", "glyph": "○"},
    "partial agreement": {"colour": "#56B4E9", "glyph": "◐"},
    "no data": {"colour": "#BBBBBB", "glyph": "–"},
    "agreement": {"colour": "#009E73", "glyph": "✔"},
}
LEVEL_GLYPH = {"elevated": "▲", "typical": "●", "lower": "▼", "raised": "▲", "not raised": "○",
               "contradicted": "▼", "prominent": "▲", "mentioned": "△", "silent": "○", "no data": "–",
               "not analysed": "⧗"}


@dataclass(frozen=True)
class MethodStep:
    """One part of the method: a title and its text (Markdown; tables as pipe tables)."""

    title: str
    text: str


# The method as the app shows it (Joint display → "The truth table") and the tests read it.
METHOD: dict[str, MethodStep] = {
    "protocol": MethodStep("The protocol", """\
Farmer, Robinson, Elliott & Eyles (2006, *Qualitative Health Research* 16(3)) compare two sets of results
on two elements: (a) the essence of the meaning and the prominence of a theme, and (b) the specific
examples given for it. **Agreement**: both elements agree. **Partial agreement**: one of the two agrees.
**Silence**: one set covers the theme, the other is silent on it. **Dissonance**: both differ. We add
**no data**, kept apart from silence: a strand with nothing collected for the ward cannot be silent;
it is a gap in collection and feeds the register of data needs.
"""),
    "readings": MethodStep("Step 1 — each strand's level becomes a reading", """\
| strand        | level               | reading      |
|---------------|---------------------|--------------|
| numbers       | elevated            | concern_high |
| numbers       | typical             | quiet        |
| numbers       | lower               | counter      |
| numbers       | no data             | none         |
| practitioners | raised strongly     | concern_high |
| practitioners | raised              | concern_low  |
| practitioners | not raised          | quiet        |
| practitioners | contradicted        | counter      |
| practitioners | no data             | none         |
| residents     | prominent           | concern_high |
| residents     | mentioned           | concern_low  |
| residents     | silent              | quiet        |
| residents     | no data             | none         |
| residents     | not analysed        | none         |

*concern* = the strand says this is a problem here (high or low prominence); *quiet* = it does not single
the issue out; *counter* = it says the issue is less of a problem here than elsewhere or not one at all.
"Raised strongly" means a weighted score ≥ `practitioners_strong_score`.
"""),
    "examples": MethodStep("Step 2 — examples", """\
*Shared* when at least `min_shared_examples` of the two strands' most frequent
(`examples_per_strand`) examples coincide; when one side is the numbers, whose examples are the few words
of its indicator names, when at least `min_shared_examples_numbers` of those words are among everything
the other strand mentions on the issue ("overcrowded households" and a resident's "overcrowding").
*different* when both offer examples and too few coincide; *none* when either side offers no example.
"""),
    "pairs": MethodStep("Step 3 — each pair of strands", """\
Each pair of strands (numbers–practitioners, numbers–residents, practitioners–residents) by
this truth table (symmetric in A and B; meaning-and-prominence first, examples second):

| reading A    | reading B    | shared            | different         | none              |
|--------------|--------------|-------------------|-------------------|-------------------|
| none         | none         | no data           | no data           | no data           |
| none         | quiet        | no data           | no data           | no data           |
| none         | counter      | no data           | no data           | no data           |
| none         | concern_low  | no data           | no data           | no data           |
| none         | concern_high | no data           | no data           | no data           |
| quiet        | quiet        | agreement         | agreement         | agreement         |
| quiet        | counter      | partial agreement | partial agreement | partial agreement |
| quiet        | concern_low  | silence           | silence           | silence           |
| quiet        | concern_high | silence           | silence           | silence           |
| counter      | counter      | agreement         | partial agreement | partial agreement |
| counter      | concern_low  | dissonance        | dissonance        | dissonance        |
| counter      | concern_high | dissonance        | dissonance        | dissonance        |
| concern_low  | concern_low  | agreement         | partial agreement | partial agreement |
| concern_low  | concern_high | partial agreement | partial agreement | partial agreement |
| concern_high | concern_high | agreement         | partial agreement | partial agreement |
"""),
    "why_cells": MethodStep("Why these cells", """\
Two quiet strands agree there is nothing to single out (no examples to compare).
Quiet against counter: same meaning (no concern), different prominence. Opposite meanings are dissonance
even when both cite the same things: officers calling the buses good and residents calling them
unreliable are not sharing an example, they disagree about it. Same meaning with different prominence
agrees on one element only, whatever the examples. Same meaning and prominence needs shared examples for
full agreement; without examples to compare, only one element is known to agree.
"""),
    "overall": MethodStep("Step 4 — the overall verdict", """\
The overall verdict for (ward, issue): of the pairs that are not *no data*, the one that most
needs discussion, in the order dissonance, silence, partial agreement, agreement; *no data* when every
pair is *no data* (fewer than two strands have data).
"""),
}

_SAME_DIRECTION = {("quiet", "quiet"), ("counter", "counter"), ("concern_low", "concern_low"),
                   ("concern_high", "concern_high")}


def reading(level: str, prominence: str | None = None) -> str:
    """A strand level as the comparison sees it (METHOD step 1)."""
    if level in ("no data", "not analysed"):
        return "none"
    if level in ("typical", "not raised", "silent"):
        return "quiet"
    if level in ("lower", "contradicted"):
        return "counter"
    if level in ("elevated", "prominent"):
        return "concern_high"
    if level == "mentioned":
        return "concern_low"
    if level == "raised":
        return "concern_high" if prominence == "high" else "concern_low"
    raise ValueError(f"unknown level {level!r}")


def code_pair(a: str, b: str, overlap: str) -> str:
    """The truth table (step 3): two readings and the example overlap → a verdict."""
    if a not in READINGS or b not in READINGS or overlap not in OVERLAPS:
        raise ValueError(f"unknown reading or overlap: {a!r}, {b!r}, {overlap!r}")
    pair = {a, b}
    if "none" in pair:
        return "no data"
    if a == b == "quiet":
        return "agreement"
    if "quiet" in pair:
        return "partial agreement" if "counter" in pair else "silence"
    if "counter" in pair:
        return "dissonance" if pair != {"counter"} else ("agreement" if overlap == "shared" else "partial agreement")
    if a != b:
        return "partial agreement"  # both concerns, different prominence
    return "agreement" if overlap == "shared" else "partial agreement"


def overall(pair_verdicts: list[str]) -> str:
    """Step 4: the pair verdict most in need of discussion; no data when no pair could be compared."""
    compared = [v for v in pair_verdicts if v != "no data"]
    if not compared:
        return "no data"
    return min(compared, key=VERDICTS.index)


# --------------------------------------------------------------------------- explained verdicts
_SAYS = {
    "concern_high": "flag it prominently", "concern_low": "flag it, but not prominently",
    "quiet": "do not single it out", "counter": "say it is less of a problem here", "none": "have no data",
}
SUBJECT = {"numbers": "the numbers", "practitioners": "officers", "residents": "residents"}


@dataclass
class PairVerdict:
    """One pair of strands compared: the verdict, the example overlap, the shared examples and the reason in words.
    `shared` is empty, and `reason` names no example, when the acting user may not read a strand's words."""

    a: str
    b: str
    verdict: str
    overlap: str
    shared: list[str] = field(default_factory=list)
    reason: str = ""


def _overlap(a: sig.Signal, b: sig.Signal, t: Thresholds) -> tuple[str, list[str]]:
    if not a.stems or not b.stems:
        return "none", []
    if "numbers" in (a.strand, b.strand):
        # what the indicators measure, sought among everything the other strand mentions
        common = ex.shared(a.all_stems or a.stems, b.all_stems or b.stems)
        need = t.min_shared_examples_numbers
    else:
        common = ex.shared(a.stems, b.stems)
        need = t.min_shared_examples
    return ("shared" if len(common) >= need else "different"), common


def _agreeing_reason(a: sig.Signal, b: sig.Signal, ra: str, rb: str, verdict: str, overlap: str,
                     common: list[str], need: int, show_words: bool) -> str:
    """Why two strands (partly) agree: the meaning-and-prominence element, then the examples element."""
    sa, sb = SUBJECT[a.strand], SUBJECT[b.strand]
    if (ra, rb) == ("quiet", "quiet"):
        element_a = f"neither singles it out ({a.level}, {b.level})"
    elif (ra, rb) in _SAME_DIRECTION:
        element_a = f"same meaning and prominence ({sa} and {sb} both {_SAYS[ra]})"
    else:
        element_a = f"same meaning but different prominence ({sa} {_SAYS[ra]}, {sb} {_SAYS[rb]})"
    if overlap == "shared":
        element_b = (f"shared examples: {', '.join(common[:6])}" if show_words
                     else f"shared examples ({len(common)} in common; {WITHHELD})")
    elif overlap == "different":
        element_b = (f"different examples ({len(common)} in common, {need} needed"
                     + (f": {', '.join(common)}" if common and show_words else "") + ")")
    else:
        element_b = "no examples to compare"
    return f"{verdict.capitalize()}: {element_a}; {element_b}."


# Said in place of officers' words to a role that may not read insight text.
WITHHELD = "officers' words are shown to roles that may read insight text"


def compare(a: sig.Signal, b: sig.Signal, t: Thresholds, show_words: bool = True) -> PairVerdict:
    """Code one pair of strands (METHOD steps 1–3). `show_words=False` keeps the examples out of the result."""
    ra, rb = reading(a.level, a.prominence), reading(b.level, b.prominence)
    overlap, common = _overlap(a, b, t)
    verdict = code_pair(ra, rb, overlap)
    need = t.min_shared_examples_numbers if "numbers" in (a.strand, b.strand) else t.min_shared_examples
    sa, sb = SUBJECT[a.strand], SUBJECT[b.strand]
    if verdict == "no data":
        missing = " and ".join(SUBJECT[s.strand] + (" (not analysed yet)" if s.level == "not analysed" else "")
                               for s in (a, b) if reading(s.level, s.prominence) == "none")
        reason = f"{sa.capitalize()} and {sb} cannot be compared: {missing} have no data."
    elif verdict == "silence":
        loud, quiet = (a, b) if ra.startswith("concern") else (b, a)
        reason = (f"Silence: {SUBJECT[loud.strand]} {_SAYS[reading(loud.level, loud.prominence)]} ({loud.level}) "
                  f"but {SUBJECT[quiet.strand]} {_SAYS['quiet']} ({quiet.level}).")
    elif verdict == "dissonance":
        cited = ", ".join(common[:5]) if show_words else f"{len(common)} in common; {WITHHELD}"
        reason = (f"Dissonance: {sa} {_SAYS[ra]} ({a.level}) while {sb} {_SAYS[rb]} ({b.level}): opposite meanings"
                  + (f", even where they cite the same things ({cited})." if common else " and different examples."))
    else:
        reason = _agreeing_reason(a, b, ra, rb, verdict, overlap, common, need, show_words)
    return PairVerdict(a.strand, b.strand, verdict, overlap, common if show_words else [], reason)


@dataclass
class Cell:
    """One row of the joint display: an issue in a ward, its three signals and the verdicts.

    The explanation is held as fields, for pages to lay out without parsing: `reason` (why this verdict: the
    deciding pairs, the other pairs, the pairs not compared), `pairs` (each pair's verdict and reason) and
    `evidence` (each strand's summary with its numbers). `why` joins them in one paragraph for tables and exports.
    """

    ward_code: str
    issue_code: str
    signals: dict[str, sig.Signal]
    pairs: list[PairVerdict]
    verdict: str
    reason: str
    evidence: dict[str, str]
    area_code: str | None = None  # the area below the ward (None: the whole ward)

    @property
    def why(self) -> str:
        return (self.reason + " Evidence — "
                + " ".join(f"{SUBJECT[s].capitalize()}: {summary}" for s, summary in self.evidence.items()))


def _cell_reason(signals: dict[str, sig.Signal], pairs: list[PairVerdict], verdict: str) -> str:
    if verdict == "no data":
        have = [s for s in sig.STRANDS if reading(signals[s].level, signals[s].prominence) != "none"]
        where = "area" if any(s.area_code for s in signals.values()) else "ward"
        return ("No data: " + (f"only {have[0]} has evidence" if have else "no strand has evidence")
                + f" for this issue in this {where}, so nothing can be compared.")
    reason = " ".join(p.reason for p in pairs if p.verdict == verdict)
    others = [p for p in pairs if p.verdict != verdict and p.verdict != "no data"]
    if others:
        reason += " Other pairs: " + "; ".join(f"{p.a}–{p.b} {p.verdict}" for p in others) + "."
    missing = [p for p in pairs if p.verdict == "no data"]
    if missing:
        reason += " Not compared (no data): " + ", ".join(f"{p.a}–{p.b}" for p in missing) + "."
    return reason


def judge(signals: dict[str, sig.Signal], t: Thresholds, withhold: frozenset[str] = frozenset()) -> Cell:
    """The verdict for one (ward or area, issue) from its three signals (METHOD step 4). The strands named in
    `withhold` keep their examples out of the cell (the verdict is judged on them all the same)."""
    pairs = [compare(signals[a], signals[b], t, show_words=not ({a, b} & withhold)) for a, b in PAIRS]
    verdict = overall([p.verdict for p in pairs])
    any_signal = next(iter(signals.values()))
    shown = {name: sig.without_words(s) if name in withhold else s for name, s in signals.items()}
    return Cell(any_signal.ward_code, any_signal.issue_code, shown, pairs, verdict,
                _cell_reason(signals, pairs, verdict), {s: signals[s].summary for s in sig.STRANDS},
                any_signal.area_code)


# Judged cells and matrices per (data version, wards, thresholds, area, what the reader may see): the joint
# display, Across wards, the workshop view and the report share them, and any committed write makes them out of
# date (`core.caches`).
_judged = caches.VersionedCache("joint display: judged cells", max_entries=32)
_matrices = caches.VersionedCache("joint display: matrices", max_entries=64)


def cache_key(ward_codes: list[str] | None, t: Thresholds, area=None, withhold: frozenset[str] = frozenset()) -> tuple:
    """What a judged matrix depends on besides the data: its wards, the thresholds, the area and the strands whose
    words the reader may not see (what a role may read changes the examples shown)."""
    return (None if ward_codes is None else tuple(ward_codes), t.model_dump_json(), repr(area),
            tuple(sorted(withhold)))


def cells(engine: Engine, actor: Actor, ward_codes: list[str] | None = None,
          thresholds: Thresholds | None = None, area=None) -> list[Cell]:
    """Judge every (ward, leaf issue) for the acting user; all wards when ward_codes is None. With `area` (a
    places.Area below the ward, or a list of them), every (area, leaf issue) from the evidence placed there.
    A role that may not read insight text gets the same verdicts without the officers' example words.
    Cached per data version: the cells are shared, so treat them as read-only. Some wards come out of the whole
    city's cells when those are cached (a ward's signals do not depend on which other wards were asked for)."""
    require(actor, "matrix.read")
    t = thresholds or th.load(engine)
    withhold = sig.withheld_strands(actor)
    version = _judged.version(engine)
    key = cache_key(ward_codes, t, area, withhold)
    hit = _judged.lookup(engine, version, key)
    if hit is None and ward_codes is not None and area is None:
        city = _judged.lookup(engine, version, cache_key(None, t, None, withhold))
        wanted = set(ward_codes)
        if city is not None and wanted <= {c.ward_code for c in city}:  # (a ward not loaded is judged alone)
            hit = [c for c in city if c.ward_code in wanted]
    if hit is None:
        hit = _judge(engine, ward_codes, t, area, withhold)
        _judged.store(engine, version, key, hit)
    return list(hit)


def _judge(engine: Engine, ward_codes: list[str] | None, t: Thresholds, area, withhold: frozenset[str]
           ) -> list[Cell]:
    by_key: dict[tuple[str, str], dict[str, sig.Signal]] = {}
    for s in sig.unrestricted(engine, t, ward_codes, area=area):
        by_key.setdefault((s.area_code or s.ward_code, s.issue_code), {})[s.strand] = s
    return [judge(v, t, withhold) for v in by_key.values()]


def matrix(engine: Engine, actor: Actor, ward_codes: list[str] | None = None, thresholds: Thresholds | None = None,
           sort: bool = True, judged: list[Cell] | None = None, area=None) -> pd.DataFrame:
    """One row per (ward, issue): the three levels, the pair verdicts, the verdict and why, as the acting user may
    see them (see `cells`). Pass `judged` (from `cells` for the same actor) to reuse cells already computed.
    With `area`, one row per (area, issue), with the columns area_code and area. Cached per data version (a copy
    is returned, so the caller may change it)."""
    require(actor, "matrix.read")
    t = thresholds or th.load(engine)
    if judged is not None:
        return _matrix(engine, ward_codes, t, sort, judged, area)
    version = _matrices.version(engine)
    key = (cache_key(ward_codes, t, area, sig.withheld_strands(actor)), sort)
    frame = _matrices.lookup(engine, version, key)
    if frame is None:
        frame = _matrix(engine, ward_codes, t, sort, cells(engine, actor, ward_codes, t, area=area), area)
        _matrices.store(engine, version, key, frame)
    return frame.copy()


def _matrix(engine: Engine, ward_codes: list[str] | None, t: Thresholds, sort: bool, judged: list[Cell],
            area) -> pd.DataFrame:
    ctx = sig.context(engine, None if sig.areas_of(area) else ward_codes)
    area_names = {a.code: a.name for a in sig.areas_of(area) or ()}
    labels = dict(zip(ctx.issues["code"], ctx.issues["label"]))
    order = {c: i for i, c in enumerate(ctx.issues["code"])}
    rows = []
    for c in judged:
        row = {"ward_code": c.ward_code, "ward": ctx.wards.get(c.ward_code, c.ward_code),
               "issue_code": c.issue_code, "issue": labels.get(c.issue_code, c.issue_code)}
        if area_names:
            row.update(area_code=c.area_code, area=area_names.get(c.area_code, c.area_code))
        for strand in sig.STRANDS:
            s = c.signals[strand]
            row[strand] = s.level
            row[f"{strand}_strength"] = s.strength
            row[f"{strand}_prominence"] = s.prominence
            row[f"{strand}_summary"] = s.summary
            row[f"{strand}_examples"] = ", ".join(s.examples[:8])
        for p in c.pairs:
            row[f"{p.a}–{p.b}"] = p.verdict
        row["verdict"] = c.verdict
        row["why"] = c.why
        row["rank"] = VERDICTS.index(c.verdict)
        # Within a verdict, issues some strand flags come before issues every strand is quiet about.
        row["flagged"] = any(reading(s.level, s.prominence).startswith("concern") for s in c.signals.values())
        row["codebook_order"] = order.get(c.issue_code, 999)
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    place = ["ward", "area"] if area_names else ["ward"]
    if sort:
        return frame.sort_values([*place, "rank", "flagged", "codebook_order"],
                                 ascending=[True] * len(place) + [True, False, True]).reset_index(drop=True)
    return frame.sort_values([*place, "codebook_order"]).reset_index(drop=True)


def ward_code_for(engine: Engine, name_or_code: str) -> str:
    """A ward's code from its name or code ("govan", "S13002971", "Springburn"): the one resolver,
    `triangulate.core.places.resolve_ward` (NotFound / AmbiguousPlace name the fix)."""
    from triangulate.core import places

    return places.resolve_ward(engine, name_or_code)
