"""The specific terms of a text: the places, services and content words it names, each reduced to a stem.

What the joint display compares between strands (`joint.examples`). Worked out once when a text is written
(an ORM event in `core.db` fills `Insight.terms` and `Segment.terms`, `encode`d as plain text), so the
display reads them instead of re-reading every text on every redraw. Deliberately light (a regular
expression and a suffix stripper, no model): a reader must be able to see why two words matched.
"""
from __future__ import annotations

import re

# scikit-learn's English stop words (BSD licence), kept here so a text's terms need no heavy import.
STOP_WORDS = frozenset([
    "a", "about", "above", "across", "after", "afterwards", "again", "against", "all", "almost", "alone", "along",
    "already", "also", "although", "always", "am", "among", "amongst", "amoungst", "amount", "an", "and", "another",
    "any", "anyhow", "anyone", "anything", "anyway", "anywhere", "are", "around", "as", "at", "back", "be",
    "became", "because", "become", "becomes", "becoming", "been", "before", "beforehand", "behind", "being",
    "below", "beside", "besides", "between", "beyond", "bill", "both", "bottom", "but", "by", "call", "can",
    "cannot", "cant", "co", "con", "could", "couldnt", "cry", "de", "describe", "detail", "do", "done", "down",
    "due", "during", "each", "eg", "eight", "either", "eleven", "else", "elsewhere", "empty", "enough", "etc",
    "even", "ever", "every", "everyone", "everything", "everywhere", "except", "few", "fifteen", "fifty", "fill",
    "find", "fire", "first", "five", "for", "former", "formerly", "forty", "found", "four", "from", "front", "full",
    "further", "get", "give", "go", "had", "has", "hasnt", "have", "he", "hence", "her", "here", "hereafter",
    "hereby", "herein", "hereupon", "hers", "herself", "him", "himself", "his", "how", "however", "hundred", "i",
    "ie", "if", "in", "inc", "indeed", "interest", "into", "is", "it", "its", "itself", "keep", "last", "latter",
    "latterly", "least", "less", "ltd", "made", "many", "may", "me", "meanwhile", "might", "mill", "mine", "more",
    "moreover", "most", "mostly", "move", "much", "must", "my", "myself", "name", "namely", "neither", "never",
    "nevertheless", "next", "nine", "no", "nobody", "none", "noone", "nor", "not", "nothing", "now", "nowhere",
    "of", "off", "often", "on", "once", "one", "only", "onto", "or", "other", "others", "otherwise", "our", "ours",
    "ourselves", "out", "over", "own", "part", "per", "perhaps", "please", "put", "rather", "re", "same", "see",
    "seem", "seemed", "seeming", "seems", "serious", "several", "she", "should", "show", "side", "since", "sincere",
    "six", "sixty", "so", "some", "somehow", "someone", "something", "sometime", "sometimes", "somewhere", "still",
    "such", "system", "take", "ten", "than", "that", "the", "their", "them", "themselves", "then", "thence",
    "there", "thereafter", "thereby", "therefore", "therein", "thereupon", "these", "they", "thick", "thin",
    "third", "this", "those", "though", "three", "through", "throughout", "thru", "thus", "to", "together", "too",
    "top", "toward", "towards", "twelve", "twenty", "two", "un", "under", "until", "up", "upon", "us", "very",
    "via", "was", "we", "well", "were", "what", "whatever", "when", "whence", "whenever", "where", "whereafter",
    "whereas", "whereby", "wherein", "whereupon", "wherever", "whether", "which", "while", "whither", "who",
    "whoever", "whole", "whom", "whose", "why", "will", "with", "within", "without", "would", "yet", "you", "your",
    "yours", "yourself", "yourselves",
])
# Words that appear in talk about every issue and so say nothing specific.
GENERIC = frozenset([
    "family", "families", "parent", "parents", "child", "children", "kid", "kids", "weans", "wean", "people",
    "person", "folk", "mum", "mums", "dad", "dads", "ward", "area", "place", "thing", "things", "lot", "lots",
    "time", "times", "really", "just", "like", "know", "think", "get", "got", "getting", "going", "said", "say",
    "says", "told", "tell", "week", "weeks", "month", "months", "year", "years", "day", "days", "way", "ways",
    "bit", "good", "bad", "big", "wee", "officer", "officers", "resident", "residents", "support", "service",
    "services", "issue", "issues", "problem", "problems", "help", "helps", "need", "needs", "want", "wants", "use",
    "used", "make", "made", "see", "seen", "come", "came", "coming", "look", "looking", "go", "goes", "went", "aye",
    "yeah", "naw", "dinnae", "cannae", "didnae", "wasnae", "isnae", "widnae", "canny", "gonnae", "wanna", "gotta",
    "gonna", "ok", "okay", "right", "um", "uh", "erm", "er", "mean", "actually", "sort", "kind", "pretty", "quite",
    "maybe", "probably", "glasgow", "city", "council", "ask", "asks", "asked", "asking", "raise", "raises",
    "raised", "raising", "try", "tried", "trying", "keep", "keeps", "kept", "sit", "sitting", "sat", "eat", "eats",
    "give", "gave", "given", "take", "took", "taken", "put", "puts", "turn", "turns", "turned", "wait", "waited",
    "waiting", "find", "found", "feel", "felt", "start", "started", "stop", "stopped", "pay", "paid", "paying",
    "doubled", "double", "easily", "first", "last", "again", "still", "ever", "never", "always", "sometimes",
    "usually", "often", "every", "everyone", "everything", "nothing", "something", "anything", "nobody",
]) | STOP_WORDS

_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")
# Two or more capitalised words in a row: a street, a place, a service ("Langlands Road", "Govan Cross").
_PROPER = re.compile(r"\b(?:[A-Z][a-z’']+(?:\s+(?:of\s+)?[A-Z][a-z’']+)+)\b")
_HAS_PROPER = re.compile(r"[A-Z][a-z’']+\s+(?:of\s+)?[A-Z]")
_REDACTED = re.compile(r"\[[A-Z _0-9]+\]")
ENTITY_LABELS = frozenset({"GPE", "FAC", "ORG", "LOC", "PLACE", "SERVICE", "BENEFIT"})

# token → its stem, or None for a word that says nothing specific. Words of texts (an officer's insight is
# not redacted), so `forget_words` empties it when a text is erased; capped so it cannot grow without end.
_token_stem: dict[str, str | None] = {}
_TOKEN_CACHE_MAX = 200_000


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


def _specific_stem(low: str) -> str | None:
    if len(low) < 3 or low in GENERIC or (("'" in low or "’" in low) and not low.endswith(("'s", "’s"))):
        return None
    s = stem(low)
    return None if s in GENERIC or len(s) < 3 else s


def terms(text: str | None) -> dict[str, str]:
    """Stem → surface form of the specific terms in one text (places kept whole), a new dict each call."""
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
    if len(_token_stem) > _TOKEN_CACHE_MAX:
        _token_stem.clear()
    for low in _WORD.findall(text.lower()):
        s = _token_stem.get(low, 0)
        if s == 0:
            s = _token_stem[low] = _specific_stem(low)
        if s and s not in found:
            found[s] = low
    return found


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
        if label in ENTITY_LABELS and text and not text.startswith("["):
            found.setdefault(text.lower(), text)
    return found


def segment_terms(text: str | None, entities) -> dict[str, str]:
    """A resident segment's terms: its words and the named places and services the NLP step found."""
    found = terms(text)
    if entities and not isinstance(entities, str):
        found.update(entity_terms(entities))
    return found


_SPACE = re.compile(r"\s+")


def encode(found: dict[str, str]) -> str:
    """Terms as stored (`Insight.terms`, `Segment.terms`): one term a line, "stem" when its word is the stem
    itself, else "stem<TAB>word". Plain text, so thousands of texts are counted together without decoding
    each (`joint.examples.summarise`)."""
    lines = []
    for s, form in found.items():
        s, form = _SPACE.sub(" ", s).strip(), _SPACE.sub(" ", form).strip()
        if s:
            lines.append(s if form == s else f"{s}\t{form}")
    return "\n".join(lines)


def decode(stored: str | None) -> dict[str, str]:
    """Stem → word from the stored form (`encode`)."""
    out: dict[str, str] = {}
    for line in (stored or "").split("\n"):
        if line:
            s, _, form = line.partition("\t")
            out[s] = form or s
    return out


def forget_words() -> None:
    """Empty the word cache (erasure: it may hold a word of the erased text)."""
    _token_stem.clear()


def holds(needle: str) -> bool:
    """Whether the word cache holds `needle` (a lower-case word), for erasure's own check."""
    needle = needle.lower()
    return any(needle in token for token in _token_stem)
