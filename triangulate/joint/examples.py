"""Specific examples: the protocol's second element of comparison (Farmer et al. 2006).

What a strand offers as examples of an issue in a ward: the places, services and salient terms officers
write and residents say, and the names of the indicators the numbers rest on. Two strands "share
examples" when enough of these coincide once reduced to a common stem ("overcrowded flats" and
"overcrowding" both give `overcrowd`).

Each text's terms are worked out once, when it is written (`core.terms`, stored in `Insight.terms` and
`Segment.terms`); `summarise` then only counts them and finds the words for the few it shows.
"""
from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from triangulate.core.terms import (  # noqa: F401  (this module's API)
    GENERIC,
    decode,
    encode,
    entity_terms,
    segment_terms,
    stem,
    terms,
)


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


def summarise(stored: Iterable[str], k: int) -> tuple[list[tuple[str, str, int]], frozenset]:
    """From a strand's texts' stored terms (`core.terms.encode`): the k terms most texts mention, as
    `salient` gives them (most texts first, ties by stem; each with the word most texts use, ties: the word
    met first), and every stem any text mentions.

    The texts are counted together in one pass over their joined terms (each text names a stem once, so a
    (stem, word) count is a number of texts); Python visits only the distinct terms whose word differs from
    their stem, and works out the word only for the k it returns."""
    pairs = Counter("\n".join(d for d in stored if d).split("\n"))
    pairs.pop("", None)
    df = Counter({token: n for token, n in pairs.items() if "\t" not in token})
    inflected = [token for token in pairs if "\t" in token]  # in the order first met
    for token in inflected:
        df[token.partition("\t")[0]] += pairs[token]
    if k <= 0 or not df:
        return [], frozenset(df)
    top = df.most_common(k)
    if len(df) > k:  # ties at the cut are broken by stem, as `salient` does
        cut = top[-1][1]
        top = [kv for kv in top if kv[1] > cut] + [(s, cut) for s in sorted(s for s, n in df.items() if n == cut)]
        top = top[:k]
    top.sort(key=lambda kv: (-kv[1], kv[0]))
    return _with_words(top, pairs, inflected), frozenset(df)


def _with_words(top: list[tuple[str, int]], pairs: Counter, inflected: list[str]) -> list[tuple[str, str, int]]:
    """Each (stem, count) in `top` with the word most texts use for it (ties: the word met first)."""
    wanted = {s: (pairs.get(s, 0), s) for s, _ in top}  # the stem as its own word, if any text uses it so
    order: dict[str, int] = {}  # first-met position of each distinct term, worked out only on a tie
    for token in inflected:
        s, _, form = token.partition("\t")
        if s in wanted:
            n, (held_n, held_form) = pairs[token], wanted[s]
            if n == held_n and held_form == s and n:  # a tie with the stem itself: the one met first wins
                order = order or {t: i for i, t in enumerate(pairs)}
                if order[token] < order[s]:
                    wanted[s] = (n, form)
            elif n > held_n:  # (a tie with an earlier inflected word keeps that word: it was met first)
                wanted[s] = (n, form)
    return [(s, wanted[s][1], n) for s, n in top]


def title_terms(titles: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for title in titles:
        found.update(terms(re.sub(r"\(.*?\)", " ", title)))
    return found


def shared(a: Iterable[str], b: Iterable[str]) -> list[str]:
    """The stems two strands have in common, sorted."""
    return sorted(set(a) & set(b))
