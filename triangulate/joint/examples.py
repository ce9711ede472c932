"""Specific examples: the protocol's second element of comparison (Farmer et al. 2006).

What a strand offers as examples of an issue in a ward: the places, services and salient terms officers
write and residents say, and the names of the indicators the numbers rest on. Two strands "share
examples" when enough of these coincide once reduced to a common stem ("overcrowded flats" and
"overcrowding" both give `overcrowd`).

Deliberately light (a regular expression and a suffix stripper, no model): the joint display computes
examples for thousands of texts on every redraw, and a reader must be able to see why two words matched.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# Words that appear in talk about every issue and so say nothing specific.
GENERIC = frozenset(["family", "families", "parent", "parents", "child", "children", "kid", "kids", "weans", "wean", "people", "person", "folk", "mum", "mums", "dad", "dads", "ward", "area", "place", "thing", "things", "lot", "lots", "time", "times", "really", "just", "like", "know", "think", "get", "got", "getting", "going", "said", "say", "says", "told", "tell", "week", "weeks", "month", "months", "year", "years", "day", "days", "way", "ways", "bit", "good", "bad", "big", "wee", "officer", "officers", "resident", "residents", "support", "service", "services", "issue", "issues", "problem", "problems", "help", "helps", "need", "needs", "want", "wants", "lot", "use", "used", "make", "made", "see", "seen", "come", "came", "coming", "look", "looking", "go", "goes", "went", "aye", "yeah", "naw", "dinnae", "cannae", "didnae", "wasnae", "isnae", "widnae", "canny", "gonnae", "wanna", "gotta", "gonna", "ok", "okay", "right", "um", "uh", "erm", "er", "mean", "actually", "sort", "kind", "pretty", "quite", "maybe", "probably", "glasgow", "city", "council", "ask", "asks", "asked", "asking", "raise", "raises", "raised", "raising", "try", "tried", "trying", "keep", "keeps", "kept", "sit", "sitting", "sat", "eat", "eats", "give", "gave", "given", "take", "took", "taken", "put", "puts", "getting", "turn", "turns", "turned", "wait", "waited", "waiting", "find", "found", "feel", "felt", "start", "started", "stop", "stopped", "pay", "paid", "paying", "doubled", "double", "easily", "first", "last", "again", "still", "ever", "never", "always", "sometimes", "usually", "often", "every", "everyone", "everything", "nothing", "something", "anything", "nobody"]) | ENGLISH_STOP_WORDS

_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")
# Two or more capitalised words in a row: a street, a place, a service ("Langlands Road", "Govan Cross").
_PROPER = re.compile(r"\b(?:[A-Z][a-z’']+(?:\s+(?:of\s+)?[A-Z][a-z’']+)+)\b")
_REDACTED = re.compile(r"\[[A-Z _0-9]+\]")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A small, predictable suffix stripper (plural, -ing, -ed)."""
    w = word.lower().replace("’", "'").strip("'-")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 5 and w.endswith("ing"):
        return w[:-3]
    if len(w) > 4 and w.endswith("ed") and not w.endswith("eed"):
        return w[:-2]
    if len(w) > 4 and w.endswith(("ses", "xes", "zes", "ches", "shes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


_HAS_PROPER = re.compile(r"[A-Z][a-z’']+\s+(?:of\s+)?[A-Z]")


@lru_cache(maxsize=100_000)
def terms(text: str) -> dict[str, str]:
    """Stem → surface form of the specific terms in one text (places kept whole).

    Cached by text (Streamlit redraws the same texts again and again): treat the result as read-only.
    """
    if not text:
        return {}
    text = _REDACTED.sub(" ", text)
    found: dict[str, str] = {}
    if _HAS_PROPER.search(text):
        def keep_place(match: re.Match) -> str:
            words = match.group(0).split()
            while words and words[0].lower() in GENERIC:
                words = words[1:]
            if len(words) >= 2 and not any("'" in w or "’" in w for w in words):
                phrase = " ".join(words)
                found.setdefault(phrase.lower(), phrase)
                return " "  # its words are not counted again on their own
            return match.group(0)

        text = _PROPER.sub(keep_place, text)
    for low in _WORD.findall(text.lower()):
        s = _token_stem.get(low, 0)
        if s == 0:
            s = _token_stem[low] = _specific_stem(low)
        if s and s not in found:
            found[s] = low
    return found


_token_stem: dict[str, str | None] = {}  # token → its stem, or None for a word that says nothing specific


def _specific_stem(low: str) -> str | None:
    if len(low) < 3 or low in GENERIC or (("'" in low or "’" in low) and not low.endswith(("'s", "’s"))):
        return None
    s = stem(low)
    return None if s in GENERIC or len(s) < 3 else s


def entity_terms(entities) -> dict[str, str]:
    """Places, organisations and services the NLP step found in a segment (its stored entity list)."""
    found: dict[str, str] = {}
    for ent in entities or []:
        if isinstance(ent, dict):
            text, label = ent.get("text", ""), ent.get("label", "")
        elif isinstance(ent, (list, tuple)) and ent:
            text, label = str(ent[0]), str(ent[1]) if len(ent) > 1 else ""
        else:
            continue
        if label in {"GPE", "FAC", "ORG", "LOC", "PLACE", "SERVICE", "BENEFIT"} and text and not text.startswith("["):
            found.setdefault(text.lower(), text)
    return found


def salient(docs: Iterable[dict[str, str]], k: int) -> list[tuple[str, str, int]]:
    """The k terms most documents mention: (stem, surface form, number of documents)."""
    df: Counter[str] = Counter()
    surface: dict[str, Counter] = {}
    for doc in docs:
        for s, form in doc.items():
            df[s] += 1
            surface.setdefault(s, Counter())[form] += 1
    ranked = sorted(df.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return [(s, surface[s].most_common(1)[0][0], n) for s, n in ranked]


def title_terms(titles: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for title in titles:
        found.update(terms(re.sub(r"\(.*?\)", " ", title)))
    return found


def shared(a: Iterable[str], b: Iterable[str]) -> list[str]:
    """The stems two strands have in common, sorted."""
    return sorted(set(a) & set(b))
