"""Specific examples: the protocol's second element of comparison (Farmer et al. 2006).

What a strand offers as examples of an issue in a ward: the places, services and salient terms officers
write and residents say, and the names of the indicators the numbers rest on. Two strands "share
examples" when enough of these coincide once reduced to a common stem ("overcrowded flats" and
"overcrowding" both give `overcrowd`).

Each text's terms are worked out once, when it is written (`core.terms`, stored in `Insight.terms` and
`Segment.terms`); `salient` then only counts them and finds the words for the few it shows.
"""
from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from triangulate.core.terms import GENERIC, entity_terms, segment_terms, stem, terms  # noqa: F401  (this module's API)


def salient(docs: Sequence[dict[str, str]], k: int) -> list[tuple[str, str, int]]:
    """The k terms most documents mention: (stem, surface form, number of documents).

    Counts every stem (in C, through `Counter`), but works out the surface form only of the k it returns: the
    form most documents use for that stem (ties: the one met first)."""
    if k <= 0 or not docs:
        return []
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(doc.keys())
    top = heapq.nsmallest(k, df.items(), key=lambda kv: (-kv[1], kv[0]))
    forms: dict[str, Counter] = {s: Counter() for s, _ in top}
    for doc in docs:
        for s, counter in forms.items():
            form = doc.get(s)
            if form is not None:
                counter[form] += 1
    return [(s, forms[s].most_common(1)[0][0], n) for s, n in top]


def title_terms(titles: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for title in titles:
        found.update(terms(re.sub(r"\(.*?\)", " ", title)))
    return found


def shared(a: Iterable[str], b: Iterable[str]) -> list[str]:
    """The stems two strands have in common, sorted."""
    return sorted(set(a) & set(b))
