"""Places a piece of (redacted) text mentions, each with the intermediate zone(s) it lies in.

Matching is the gazetteer's own names (places.csv, the IZ names, researchers' local names) over spaCy's
tokens with a PhraseMatcher, longest match first, then four checks that keep precision:
- a name that is also a common word ("Woodside", "Battlefield", "the Drum") counts only as written, with
  its capitals;
- a name inside a longer look-alike ("Calton Hill", "Partick Thistle", "Milton Keynes") does not count
  (data/places/look_alikes.txt), nor inside a ward's full name ("Greater Pollok" is the whole ward, not a
  place below it);
- a name said with a town outside Glasgow beside it ("Tollcross in Edinburgh", "Broomhill, Sheffield",
  "Edinburgh's Tollcross") does not count (data/places/elsewhere.txt), nor a name with namesakes elsewhere
  (data/places/namesakes.txt: Swinton, Tollcross, …) in a sentence that names a town outside Glasgow;
- an unknown capitalised word one letter away from a long gazetteer name ("Castlemik", "Drumchaple")
  counts as that name, unless it is a known first name or everyday word.
Mentions are looked for in the text as stored, i.e. after redaction: a place redaction removed (an
address) is never found, and pseudonyms ("[PERSON 1]") are never places.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from triangulate.core import places

FUZZY_MIN = 8  # letters in a name before a one-letter slip is read as that name


@dataclass(frozen=True)
class Mention:
    start: int  # character offsets in the text
    end: int
    text: str  # as written
    name: str  # the gazetteer's name it matched
    iz_codes: tuple[str, ...]


@cache
def _tokenizer():
    import spacy

    return spacy.blank("en")


def _lines(name: str) -> frozenset[str]:
    lines = (places.PLACES / name).read_text(encoding="utf-8").splitlines()
    return frozenset(places.normal(x) for x in lines if x.strip() and not x.lstrip().startswith("#"))


@cache
def _elsewhere() -> frozenset[str]:
    return _lines("elsewhere.txt")


@cache
def _namesakes() -> frozenset[str]:
    return _lines("namesakes.txt")


class Matcher:
    """A PhraseMatcher over a gazetteer snapshot; build once, use for many texts."""

    def __init__(self, gazetteer: places.Gazetteer | None = None):
        from spacy.matcher import PhraseMatcher

        nlp = _tokenizer()
        self.nlp = nlp
        self.targets: dict[str, places.Entry] = {}  # match key -> entry
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        entries = list(gazetteer.entries() if gazetteer else places.entries())
        izs, _ = places.zones()
        named = {places.normal(e.name) for e in entries}
        entries += [places.Entry(z.name, "iz", (c,), "IZ name") for c, z in izs.items()
                    if places.normal(z.name) not in named]
        for n, entry in enumerate(entries):
            key = f"P{n}"
            self.targets[key] = entry
            self.matcher.add(key, [nlp.make_doc(_plain(entry.name))])
        wards = gazetteer.wards.values() if gazetteer else places.shipped_wards().values()
        blockers = [*places.look_alikes(), *(w for w in wards if places.normal(w) not in named | {
            places.normal(z.name) for z in izs.values()})]
        self.blockers = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.blockers.add("BLOCK", [nlp.make_doc(_plain(b)) for b in blockers])
        self.fuzzy = {places.normal(e.name): e for e in entries
                      if " " not in e.name and len(e.name) >= FUZZY_MIN and not e.capitalised}

    def find(self, text: str) -> list[Mention]:
        return self.find_many([text])[0]

    def find_many(self, texts: list[str]) -> list[list[Mention]]:
        return [self._in_doc(doc, text) for doc, text in zip(self.nlp.tokenizer.pipe(_plain(t) for t in texts),
                                                               texts, strict=True)]

    def _in_doc(self, doc, text: str) -> list[Mention]:
        spans = [(s, e, self.targets[self.nlp.vocab.strings[k]]) for k, s, e in self.matcher(doc)]
        spans += self._fuzzy(doc, spans)
        blocked = [(s, e) for _, s, e in self.blockers(doc)]
        spans.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        out: list[Mention] = []
        taken_until = -1
        for s, e, entry in spans:
            if s < taken_until:
                continue  # inside a longer match already kept
            if any(bs <= s and e <= be and (be - bs) > (e - s) for bs, be in blocked):
                continue
            written = doc[s:e].text
            if entry.capitalised and not _same_capitals(entry.name, written):
                continue
            if _said_elsewhere(doc, s, e, _elsewhere()) or (
                    places.normal(written) in _namesakes() and _sentence_names_elsewhere(doc, s, e)):
                continue
            a, b = doc[s].idx, doc[e - 1].idx + len(doc[e - 1])
            out.append(Mention(a, b, text[a:b], entry.name, entry.iz_codes))
            taken_until = e
        return out

    def _fuzzy(self, doc, spans) -> list[tuple[int, int, places.Entry]]:
        from triangulate.residents import gazetteer as kept

        covered = {i for s, e, _ in spans for i in range(s, e)}
        out = []
        for tok in doc:
            word = tok.text
            if (tok.i in covered or len(word) < FUZZY_MIN - 1 or not word[0].isupper() or not word.isalpha()
                    or kept.is_first_name(word) or kept.is_everyday_word(word)):
                continue
            low = word.lower()
            for name, entry in self.fuzzy.items():
                if abs(len(name) - len(low)) <= 1 and name != low and _one_edit(name, low):
                    out.append((tok.i, tok.i + 1, entry))
                    break
        return out


def _plain(text: str) -> str:
    return text.replace("’", "'")  # same length: offsets stay those of the original text


def _same_capitals(name: str, written: str) -> bool:
    want = [w for w in re.findall(r"[A-Za-z']+", name) if w[0].isupper()]
    have = set(re.findall(r"[A-Za-z']+", written))
    return all(w in have for w in want)


def _said_elsewhere(doc, s: int, e: int, elsewhere: frozenset[str]) -> bool:
    """"Tollcross in Edinburgh", "Broomhill, Sheffield", "Victoria Park up in Dundee", "Edinburgh's Tollcross"."""
    after = [t.text for t in doc[e:e + 4]]
    for i, word in enumerate(after):
        if places.normal(word) in elsewhere and all(w.lower() in {",", "in", "up", "down", "near", "over", "doon",
                                                                  "outside", "at", "by", "-"} for w in after[:i]):
            return True
        if places.normal(" ".join(after[i:i + 2])) in elsewhere and i <= 2:
            return all(w.lower() in {",", "in", "up", "down", "near", "outside"} for w in after[:i])
    before = [t.text for t in doc[max(0, s - 2):s]]
    return len(before) == 2 and before[1] in ("'s", "’s") and places.normal(before[0]) in elsewhere


def _sentence_names_elsewhere(doc, s: int, e: int) -> bool:
    """The sentence around tokens s..e names a town or region outside Glasgow (and not Glasgow itself)."""
    ends = {".", "!", "?", "\n"}
    a = s
    while a > 0 and doc[a - 1].text not in ends:
        a -= 1
    b = e
    while b < len(doc) and doc[b].text not in ends:
        b += 1
    words = [t.text for t in doc[a:b]]
    if any(w.lower() == "glasgow" for w in words):  # "no the Sheffield one, the Glasgow one"
        return False
    elsewhere = _elsewhere()
    return any(places.normal(w) in elsewhere or places.normal(" ".join(words[i:i + 2])) in elsewhere
               for i, w in enumerate(words))


def _one_edit(a: str, b: str) -> bool:
    """Levenshtein distance exactly 1 (a substitution, an insertion or a deletion)."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if len(a) > len(b):
        a, b = b, a
    return any(a == b[:i] + b[i + 1:] for i in range(len(b)))


_DEFAULT: Matcher | None = None


def find(text: str, matcher: Matcher | None = None) -> list[Mention]:
    """The places `text` mentions (the shipped gazetteer, unless a matcher built with local names is given)."""
    global _DEFAULT
    if matcher is None:
        if _DEFAULT is None:
            _DEFAULT = Matcher()
        matcher = _DEFAULT
    return matcher.find(text)


_MATCHERS: dict[tuple, Matcher] = {}


def matcher_for(gazetteer: places.Gazetteer) -> Matcher:
    """A matcher for this gazetteer snapshot, reused while its wards and local names stay the same."""
    key = (tuple(sorted(gazetteer.wards.items())), tuple((e.name, e.iz_codes) for e in gazetteer.local))
    if key not in _MATCHERS:
        if len(_MATCHERS) > 8:
            _MATCHERS.clear()
        _MATCHERS[key] = Matcher(gazetteer)
    return _MATCHERS[key]
