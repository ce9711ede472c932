"""People in one transcript: who a mention refers to, names the file gives, and names found from context.

`People` gives one pseudonym per PERSON, not per first name: "Andrew Boyle" and "Andrew Smith" are two
people; "Mr Boyle" is Andrew Boyle; a bare "Andrew" after both is the Andrew mentioned most recently (the
rule a reader follows, and the one the preview lets a researcher correct).

`given_name_spans` finds every name the file itself gives (key lines, labels, front matter, facilitator) as
the full name, the first name alone and the surname alone, in any case, possessives included.
`context_name_spans` finds first names the model misses from what surrounds them: "my wee boy Jayden",
"her pal Shannon", "Shannon's on Universal Credit", "wee Ruby who's only three", "Big Davie".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from triangulate.residents import gazetteer

TITLE_WORDS = {"mr", "mrs", "ms", "miss", "mx", "dr", "doctor", "prof", "professor", "sir", "dame", "lady",
               "lord", "rev", "reverend", "father", "sister", "brother", "nurse", "councillor", "cllr"}
NICKNAME_WORDS = {"wee", "big", "auld", "old", "young", "daft", "mad", "wild", "fat", "wee-est"}
FORMAL_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "councillor", "cllr"}  # a surname follows these
ROLE_WORDS = {"interviewer", "interviewee", "facilitator", "researcher", "respondent", "participant", "host",
              "moderator", "chair", "speaker", "resident", "guest", "presenter", "audience", "member",
              # header words a parser may take for speakers ("Interview:", "Date:"): never names
              "interview", "date", "location", "duration", "transcribed", "transcriber", "key", "title", "ward",
              "method", "consent", "notes", "note", "time", "venue", "session", "recording", "held", "place"}
KIN = {  # words after which a name often follows: "my wee boy Jayden", "her pal Shannon"
    "boy", "boys", "girl", "girls", "son", "sons", "daughter", "daughters", "lassie", "laddie", "wean", "weans",
    "bairn", "bairns", "baby", "brother", "sister", "bro", "sis", "pal", "pals", "friend", "friends", "mate",
    "mates", "neighbour", "neighbours", "cousin", "auntie", "aunty", "aunt", "uncle", "niece", "nephew",
    "partner", "husband", "wife", "man", "boyfriend", "girlfriend", "fiance", "fiancé", "ex", "mum", "mam",
    "maw", "mammy", "dad", "da", "daddy", "gran", "granny", "nana", "nan", "papa", "grandad", "grandson",
    "granddaughter", "stepdad", "stepmum", "stepson", "stepdaughter", "youngest", "oldest", "eldest",
    "one", "twins", "kid", "kids", "child", "children", "worker", "teacher", "visitor", "landlord",
    "landlady", "boss", "manager", "colleague", "officer", "nurse", "doctor", "gp", "midwife", "carer",
    "housemate", "flatmate", "lad", "lass", "mother", "father",
}
MODIFIERS = NICKNAME_WORDS | {"little", "best", "new", "older", "younger", "eldest", "oldest", "youngest",
                              "middle", "step", "ex", "other", "social", "health", "support", "key", "named"}
DETERMINERS = {"my", "her", "his", "their", "our", "your", "ma", "oor", "wir", "yer", "the", "me"}
PERSON_VERBS = {  # words after a name that only a person does: "Shannon's on UC", "Davie telt me"
    "said", "says", "telt", "tells", "told", "asked", "asks", "goes", "went", "phoned", "texted", "rang",
    "stays", "lives", "works", "worked", "moved", "came", "comes", "knows", "knew", "thinks", "thought",
    "wants", "needs", "loves", "hates", "cried", "laughed", "started", "starts", "turned", "turns", "gets",
    "got", "had", "has", "is", "was", "wis", "'s", "’s", "who", "who's", "cannae", "didnae", "doesnae",
    "isnae", "wisnae", "will", "would", "wid", "can", "could", "did", "does",
}
STRONG_PERSON_VERBS = {"said", "says", "telt", "tells", "told", "asked", "asks", "phoned", "texted", "rang",
                       "cried", "laughed", "thinks", "thought", "knows", "knew", "wants"}
STATE_CUES = {"on", "got", "gettin", "getting", "no", "nae", "only", "aged", "my", "her", "his", "oor", "pregnant",
              "expecting", "married", "single", "awfy", "dead", "wee", "due", "skint"}
STREET_HEADS = {"square", "street", "road", "avenue", "drive", "crescent", "terrace", "gardens", "station",
                "bridge", "arena", "stadium", "museum", "gallery", "theatre", "centre", "center", "hospital",
                "academy", "school", "nursery", "college", "university", "council", "trust", "trusts", "fund",
                "foundation", "partnership", "project", "services", "team", "teams", "society", "association",
                "homes", "housing", "library", "quay", "infirmary", "surgery"}
ORG_HEADS = {  # last words of places and organisations, never of a person's name
    "water", "street", "road", "park", "centre", "center", "trust", "trusts", "fund", "project", "group",
             "line", "alliance", "foundation", "partnership", "network", "hub", "club", "society", "association",
             "academy", "school", "nursery", "church", "hall", "house", "lodge", "court", "hospital", "surgery",
             "practice", "bank", "pantry", "kitchen", "cafe", "café", "bar", "shop", "store", "market", "council",
             "service", "services", "team", "teams", "college", "university", "institute", "company", "ltd",
             "limited", "plc", "cic", "scotland", "glasgow", "uk", "initiative", "programme", "forum", "panel",
             "square", "avenue", "drive", "crescent", "place", "terrace", "gardens", "lane", "way", "wynd", "close",
             "grove", "quadrant", "row", "gate", "brae", "loan", "mews", "green", "hill", "parade", "cross", "bridge",
             "station", "arena", "stadium", "library", "museum", "gallery", "theatre", "homes", "housing", "care"}
ORDINAL_NAMES = {"One": 1, "Two": 2, "Three": 3, "Four": 4, "1": 1, "2": 2, "3": 3, "4": 4}
TITLE_GENDER = {"mr": "male", "sir": "male", "lord": "male", "father": "male", "brother": "male",
                "mrs": "female", "ms": "female", "miss": "female", "dame": "female", "lady": "female",
                "sister": "female"}
SCOTS_AUX = {"cannae", "canny", "didnae", "didny", "disnae", "doesnae", "isnae", "wisnae", "wasnae", "wouldnae",
             "widnae", "couldnae", "willnae", "winnae", "havenae", "hasnae", "shouldnae", "dinnae", "gonnae", "wants",
             "gets", "goes", "loves", "hates", "needs", "likes", "'s", "’s"}
FROM_CUE = re.compile(r"^\s+(?:fae|frae|from)\s+(?:next\s+door|up\s+the\s+stair|doon\s+the\s+stair|across\s+the\s+"
                      r"(?:road|landing|street|close)|the\s+(?:housing|school|nursery|council|social|church|chapel|"
                      r"mosque|centre|food\s*bank|jobcentre|group|club|work|close|stair))\b", re.I)
BORN_CUE = re.compile(r"^\s*(?:was|wis|is|'s|’s|got|had|has\s+been)\s+(?:just\s+)?(?:born|diagnosed|excluded|"
                      r"christened|expecting|pregnant)\b", re.I)  # "Summer was born", "grace got diagnosed"
SURNAME_FORM = re.compile(r"^(?:Mc[A-Z]?[a-z]{2,}|Mac[A-Z][a-z]{2,}|mc[a-z]{3,}|O['’][A-Z][a-z]{2,})$")
NAMING_WORDS = {"called", "named", "cried", "nickname", "christened"}
PERSON_WORDS = KIN | {"she", "he", "she's", "he's", "her", "his", "him", "they", "woman", "man", "guy", "lady",
                      "fella", "bloke", "wifie", "lassie", "laddie", "person", "someone", "somebody", "name",
                      "name's", "names"}
PLACE_PREPOSITIONS = {"in", "to", "fae", "from", "at", "near", "through", "into", "visit", "visited", "visiting",
                      "around", "roon", "round", "oot", "outside", "across", "holiday", "trip", "flight", "off"}
AGE_CUE = re.compile(r"^\s*(?:,\s*)?(?:who(?:'s|’s| is| was)|is|'s|’s|was|wis|,)?\s*"
                     r"(?:only|just|nearly|aboot|about)?\s*"
                     r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
                     r"fourteen|fifteen|sixteen|seventeen)\b(?:\s*(?:months?|years?|now|noo))?", re.I)


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Ordinary English words: the base forms the model's lemmatizer knows (a WordNet-sized list shipped
    inside the spaCy package), with their plurals and -ing forms as the lemmatizer would find them."""
    from triangulate.residents.nlp import pipeline

    lookups = pipeline().get_pipe("lemmatizer").lookups
    words: set[str] = set()
    for forms in lookups.get_table("lemma_index").values():
        words.update(w for w in forms if "_" not in w)
    for exceptions in lookups.get_table("lemma_exc").values():
        words.update(w for w in exceptions if "_" not in w)
    return frozenset(words)


def is_english_word(text: str) -> bool:
    """A word (or a plural, -ed, -ing or -ly form of one) a dictionary has: "Training", "Foster", "Parks".
    Known given names are never words here, whatever the dictionary says (Shannon, Ruby)."""
    low = text.lower().replace("’", "'")
    if gazetteer.is_first_name(low) and not gazetteer.is_word_name(low):
        return False
    words = english_words()
    if low in words:
        return True
    for suffix, repl in (("s", ""), ("es", ""), ("ies", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"),
                         ("ly", ""), ("er", ""), ("ers", "")):
        if low.endswith(suffix) and low[:-len(suffix)] + repl in words:
            return True
    return False


def _is_name_like(token, *, allow_lower: bool) -> bool:
    """A token that could be a first name: letters, not a stop word, not an everyday or kept word."""
    text = token.text
    if not token.is_alpha or len(text) < 2 or gazetteer.is_everyday_word(text) or text.lower() in KIN:
        return False
    if text.lower() in TITLE_WORDS or text.lower() in NICKNAME_WORDS or text.lower() in DETERMINERS:
        return False
    if text[0].isupper():
        return not (token.is_stop and starts_sentence(token)) and text.lower() not in {"i", "i'm"}
    if not allow_lower or token.is_stop or token.pos_ not in ("PROPN", "NOUN", "X", "INTJ") or token.tag_ == "NNS":
        return False
    if not (gazetteer.is_first_name(text) or gazetteer.is_wide_given_name(text) or gazetteer.is_word_name(text) or
            (token.pos_ in ("PROPN", "NOUN", "X") and not is_english_word(text))):
        return False  # "the key point", "the support staff": lower-case words after a kin word are words
    if (gazetteer.is_first_name(text) and not gazetteer.is_word_name(text)) or gazetteer.is_wide_given_name(text):
        return True  # "my husband bilal", "my pal mandy": a given name that is no English word
    # lower case ("my man dean works"): a word that is also a name counts only where a name would end the phrase
    nxt = token.nbor(1) if token.i + 1 < len(token.doc) else None
    return nxt is None or nxt.is_punct or nxt.pos_ in ("VERB", "AUX", "CCONJ", "PART") or \
        nxt.lower_ in ("'s", "’s", "who", "and", "an") or (nxt.tag_ in ("VBZ", "NNS") and nxt.lower_.endswith("s"))


@dataclass
class Person:
    first: str = ""
    last: str = ""
    others: set[str] = field(default_factory=set)
    pseudonym: str = ""
    last_seen: int = 0
    gender: str | None = None  # from a title ("Mrs") or the given name; None when unknown

    def fits(self, gender: str | None) -> bool:
        """Could a mention of this gender be this person? ("Mr Gallacher" is not Mrs Gallacher.)"""
        return gender is None or self.gender is None or gender == self.gender

    def tokens(self) -> set[str]:
        return {t for t in (self.first, self.last, *self.others) if t}


def _tokens(text: str) -> tuple[list[str], bool]:
    """Name tokens of a mention in lower case (titles and possessives dropped), and whether a formal title
    (Mr, Mrs, Dr...) came first, which makes a single word a surname."""
    words, titled, _ = _tokens_titled(text)
    return words, titled


def _tokens_titled(text: str) -> tuple[list[str], bool, str | None]:
    """`_tokens` plus the gender a title gives ("Mrs" female, "Mr" male), None without one."""
    text = re.sub(r"['’]s?$", "", " ".join(text.replace("’", "'").split())).strip(" .,;:!?()[]\"")
    words = [w.strip(".,") for w in re.split(r"[\s]+", text) if w.strip(".,")]
    titled, gender = False, None
    while words and (words[0].lower() in TITLE_WORDS or words[0].lower() in NICKNAME_WORDS):
        titled = titled or words[0].lower() in FORMAL_TITLES
        gender = gender or TITLE_GENDER.get(words[0].lower())
        words = words[1:]
    return [w.lower() for w in words], titled, gender


class People:
    """One pseudonym per person in a transcript, whatever part of the name a mention uses."""

    def __init__(self, first_number: int = 1) -> None:
        self.people: list[Person] = []
        self.clock = 0
        self.speaking: Person | None = None
        self.first_number = first_number  # after the pseudonyms a text already holds

    def _new(self, first: str = "", last: str = "", others=()) -> Person:
        person = Person(first, last, set(others), f"[PERSON {len(self.people) + self.first_number}]")
        self.people.append(person)
        return person

    def register(self, full_name: str) -> Person:
        """A person the file names (key line, label, front matter): registered before the text is read."""
        return self.resolve(full_name, mention=False)

    def resolve(self, text: str, *, mention: bool = True) -> Person:
        words, titled, gender = _tokens_titled(text)
        if not words:
            words = [text.lower().strip()]
        if mention:
            self.clock += 1
        if not (len(words) == 1 and titled):  # a given name says the gender too ("Ryan Gallacher")
            gender = gender or gazetteer.given_name_gender(words[0])
        person = self._match(words, titled, gender)
        if person is None:
            if len(words) == 1:
                person = self._new(last=words[0]) if titled else self._new(first=words[0])
            else:
                person = self._new(words[0], words[-1], words[1:-1])
        person.gender = person.gender or gender
        if mention:
            person.last_seen = self.clock
        return person

    def _numbered(self, words: list[str]) -> Person | None:
        """"Andrew One", "Andrew Two": the first and second Andrew the transcript met, when there are several."""
        number = ORDINAL_NAMES.get(words[1].capitalize()) if len(words) == 2 else None
        if not number:
            return None
        same = [p for p in self.people if p.first == words[0] and p.last and p.last not in ("one", "two", "three",
                                                                                              "four")]
        return same[number - 1] if len(same) >= number > 0 and len(same) > 1 else None

    def label(self, text: str, speaker: Person | None = None) -> str:
        """The pseudonym of a mention; `speaker` (the person speaking) is not whom a bare shared first name
        means: "I agree wi' Sarah" said by Sarah M is the other Sarah."""
        self.speaking = speaker
        try:
            return self.resolve(text).pseudonym
        finally:
            self.speaking = None

    def spoke(self, person: Person | None) -> None:
        """A turn by this person: speaking makes them the latest of their name, as a mention does."""
        if person is not None:
            self.clock += 1
            person.last_seen = self.clock

    def _match(self, words: list[str], titled: bool, gender: str | None = None) -> Person | None:
        numbered = self._numbered(words)
        if numbered is not None:
            return numbered
        if len(words) >= 2:
            first, last = words[0], words[-1]
            for p in self.people:
                if p.first == first and p.last == last:
                    return p
            for p in self.people:
                if p.last == last and p.first and gazetteer.same_given_name(first, p.first):
                    return p
            if len(last.rstrip(".")) <= 2:  # "Sarah M" is Sarah McLean when one Sarah's surname starts so
                initial = last.rstrip(".")
                fits = [p for p in self.people if p.first == first and p.last.startswith(initial)]
                if len(fits) == 1:
                    return fits[0]
            # the speaker "Sarah M" is the "Sarah McAuley" the text names, when no other Sarah's surname fits
            initialled = [p for p in self.people if p.first == first and 0 < len(p.last.rstrip(".")) <= 2
                          and last.startswith(p.last.rstrip("."))]
            if len(initialled) == 1 and not any(p.first == first and p.last == last for p in self.people):
                initialled[0].others.add(initialled[0].last)
                initialled[0].last = last
                return initialled[0]
            if len(words) == 2 and words[1] in {p.first for p in self.people if not p.last}:
                pass  # "Jean Jean"-like mentions are rare; fall through to the rules below
            # "Jean" then "Jean Wallace": the bare Jean gains a surname, unless another Jean has one already
            # (then "Jean Wallace" is a new person and the bare Jean stays ambiguous).
            same_first = [p for p in self.people if p.first and gazetteer.same_given_name(first, p.first)]
            bare = [p for p in same_first if not p.last]
            if len(bare) == 1 and not any(p.last for p in same_first):
                bare[0].last = last
                bare[0].others.update(words[1:-1])
                return bare[0]
            # "Mr Boyle" then "Andrew Boyle" (but "Mrs Gallacher" then "Ryan Gallacher" are two people)
            surname_only = [p for p in self.people if p.last == last and not p.first and p.fits(gender)]
            if len(surname_only) == 1:
                surname_only[0].first = first
                return surname_only[0]
            # "Laverty's been a godsend" before "Denise Laverty": a bare word that is no given name was her surname
            bare_surname = [p for p in self.people if p.first == last and not p.last]
            if len(bare_surname) == 1 and not gazetteer.is_first_name(last) and not gazetteer.is_wide_given_name(last):
                bare_surname[0].first, bare_surname[0].last = first, last
                return bare_surname[0]
            return None
        word = words[0]
        if titled:
            candidates = [p for p in self.people if p.last == word and p.fits(gender)] or \
                         [p for p in self.people if word in p.tokens() and p.fits(gender)]
        else:
            candidates = [p for p in self.people if p.first == word] or \
                         [p for p in self.people if word in p.tokens()]
        if not candidates and not titled:  # "Stevie" after "Stephen Quigley", "Jo" after "Josephine"
            candidates = [p for p in self.people if p.first and gazetteer.same_given_name(word, p.first)]
        if not candidates and word.endswith("s") and len(word) > 3:
            return self._match([word[:-1]], True)  # "the Kerrs": the family under its surname
        if not candidates:
            return None
        if len(candidates) > 1 and self.speaking in candidates:
            candidates = [p for p in candidates if p is not self.speaking]
        # Several people share the word: the one mentioned (or speaking) most recently (ties: the first registered).
        return max(candidates, key=lambda p: (p.last_seen, -self.people.index(p)))


# --------------------------------------------------------------------------- names the file gives
def given_name_terms(names: list[str], allow: set[str]) -> list[str]:
    """Every form to search for: each full name, then its parts (first name alone, surname alone)."""
    out: list[str] = []
    for full in names:
        full = re.sub(r"\(.*?\)", " ", full)
        words = [w.strip(" .,;:'\"") for w in full.split()]
        words = [w for w in words if w and w.lower() not in TITLE_WORDS and w.lower() not in ROLE_WORDS]
        if not words:
            continue
        for term in [" ".join(words), *words]:
            if len(term) < 2 or term.lower() in allow or gazetteer.is_everyday_word(term):
                continue
            if len(term) == 2 and not term[0].isupper():
                continue
            out.append(term)
    return sorted(dict.fromkeys(out), key=len, reverse=True)


def given_name_pattern(terms: list[str]) -> re.Pattern | None:
    if not terms:
        return None
    body = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in terms)
    # a family by its surname ("the Kerrs") is the name too
    return re.compile(rf"(?<![\w@.])(?:{body})(?:s(?=\s+(?:next|up|doon|down|across|were|are|have|had)\b))?"
                      rf"(?!\w)(?!@)", re.I)


def given_name_spans(text: str, pattern: re.Pattern | None, doc=None,
                     lower_names: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """Spans of names the file gives. A name that is also a word (Will, Rose, Brown) counts only with a
    capital or where the tagger calls it a proper noun (or a noun, when a cue found it as a name in lower
    case elsewhere in the transcript: `lower_names`, "my man dean"); initials of two letters only as written."""
    if pattern is None:
        return []
    spans = []
    for m in pattern.finditer(text):
        found = m.group()
        if gazetteer.is_word_name(found):
            tokens = doc.char_span(m.start(), m.end(), alignment_mode="expand") if doc is not None else None
            if not found[0].isupper() and not (tokens and any(t.pos_ == "PROPN" for t in tokens)) and \
                    not (found.lower() in lower_names and tokens is not None and _bare_name_use(tokens)):
                continue  # "the prices rose", "there's no grace period"
            if tokens is not None and len(tokens) == 1 and word_at_sentence_start(tokens[0]) and \
                    not (found.lower() in lower_names and _bare_name_use(tokens)):
                continue  # "Will I get it back?", "Bill after bill"
        if len(found) <= 2 and not found.isupper() and not found[0].isupper():
            continue
        spans.append((m.start(), m.end()))
    return spans


_SEASON_WORDS = {"the", "a", "an", "this", "that", "last", "next", "every", "all", "no", "some", "any", "of", "in",
                 "during", "for", "its", "since", "until", "till", "til", "whole", "through", "aw", "oor", "whit"}


_TO_A_PERSON = {"tell", "telt", "told", "ask", "asked", "phone", "phoned", "text", "texted", "call", "ring", "rang",
                "wi", "wi'", "with", "and", "an", "tae", "to", "see", "saw", "thank", "thanks", "love", "miss", "hug"}


def _bare_name_use(tokens) -> bool:
    """A word name used as a name in lower case ("summer loves the school", "so summer's pal"): no article
    or adjective before it, and a verb, "'s" or the end of the phrase after it."""
    first, last = tokens[0], tokens[-1]
    doc = first.doc
    before = doc[first.i - 1] if first.i > 0 else None
    after = doc[last.i + 1] if last.i + 1 < len(doc) else None
    if before is not None and (before.lower_ in _SEASON_WORDS or before.pos_ in ("DET", "ADJ", "NUM")):
        return False
    if before is not None and before.lower_ in _TO_A_PERSON:
        return True  # "tell dean there's...", "me and summer"
    return after is None or after.is_punct or after.pos_ in ("VERB", "AUX", "CCONJ", "PART") or \
        after.lower_ in SCOTS_AUX or after.lower_ in STRONG_PERSON_VERBS


def starts_sentence_at(doc, offset: int) -> bool:
    """Does the token at character `offset` open a sentence?"""
    span = doc.char_span(offset, offset + 1, alignment_mode="expand")
    return span is None or not len(span) or starts_sentence(span[0])


def starts_sentence(token) -> bool:
    """The first word of a sentence, by the parser or by the punctuation before it (speech often fools the
    parser: "Will said no. Hope so." is one sentence to it)."""
    if token.i == token.sent.start:
        return True
    before = token.doc[token.i - 1]
    return before.text in (".", "?", "!", "…", "...", "-", "–", ":", ";") or before.is_space


def verb_follows(doc, end: int) -> bool:
    """The word after character `end` is a verb: "Skye wanted", "skye does"."""
    following = [t for t in doc if t.idx >= end and not t.is_space]
    return bool(following) and (following[0].pos_ in ("VERB", "AUX") or following[0].lower_ in STRONG_PERSON_VERBS
                                or following[0].lower_ in SCOTS_AUX)


def word_at_sentence_start(token) -> bool:
    """A name that is also a word, opening a sentence with nothing after it that only a person does:
    "Will I get it?", "Bill after bill", "Hope so" (but "Rose said", "Will's pal", "Grace, come here")."""
    if not gazetteer.is_word_name(token.text) or not starts_sentence(token):
        return False
    nxt = token.nbor(1) if token.i + 1 < len(token.doc) else None
    if nxt is None:
        return True
    if token.pos_ == "PROPN" and nxt.pos_ in ("VERB", "AUX") and token.lower_ not in ("will", "may", "can", "mark"):
        return False  # "Mason eats like a horse"
    return not (nxt.lower_ in STRONG_PERSON_VERBS or nxt.text in ("'s", "’s")
                or (nxt.text == "," and token.lower_ not in ("ken", "well", "right", "sure", "like")))


# --------------------------------------------------------------------------- names from context
def _name_run(doc, i: int, *, allow_lower: bool) -> tuple[int, int] | None:
    """The name starting at token i (one token, or two capitalised ones: "Jayden Smith"), as char offsets."""
    if i >= len(doc) or not _is_name_like(doc[i], allow_lower=allow_lower):
        return None
    j = i + 1
    if j < len(doc) and doc[j].text[:1].isupper() and _is_name_like(doc[j], allow_lower=False) \
            and doc[i].text[:1].isupper():
        j += 1
    span = doc[i:j]
    if gazetteer.is_kept(span.text):  # "her pal from Tesco" never reaches here; "her pal Tesco" is not a name
        return None
    return span.start_char, span.end_char


def context_name_spans(doc, kept: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """(start, end, rule) of names found from context, over one parsed turn."""
    found: list[tuple[int, int, str]] = []

    def inside_kept(a: int, b: int) -> bool:
        return any(s <= a and b <= e for s, e in kept)

    for tok in doc:
        low = tok.lower_
        # "my wee boy Jayden", "her pal, Shannon", "oor Ruby" — determiner, optional adjectives, a kin word
        if low in KIN and tok.i > 0 and not (tok.text[:1].isupper() and not starts_sentence(tok)):
            k = tok.i - 1
            # back over adjectives and possessive chains: "my wean's dad Scott", "her big sister Toni"
            while k >= 0 and (doc[k].lower_ in MODIFIERS or doc[k].lower_ in KIN or doc[k].text in ("'s", "’s")):
                k -= 1
            if k >= 0 and doc[k].lower_ in DETERMINERS:
                n = tok.i + 1
                while n < len(doc) and doc[n].lower_ in KIN:  # "my wee boy's pal" is handled token by token
                    n += 1
                if n < len(doc) and doc[n].text in (",", "–", "-"):
                    n += 1
                while True:
                    run = _name_run(doc, n, allow_lower=True)
                    if not run:
                        break
                    found.append((*run, "context_kin"))
                    n = doc.char_span(run[0], run[1], alignment_mode="expand").end
                    # "my weans Jayden and Ruby", "my pals Shannon, Kayleigh and Demi"
                    if n + 1 < len(doc) and doc[n].lower_ in ("and", "an", "an'", "&", ","):
                        n += 1
                        continue
                    break
        # "wee Ruby", "Big Davie", "Mrs Doherty" — a title or nickname word before a capitalised word
        if (low in NICKNAME_WORDS or low in FORMAL_TITLES) and tok.i + 1 < len(doc):
            nxt = doc[tok.i + 1]
            nickname_ok = gazetteer.is_first_name(nxt.text) or gazetteer.is_word_name(nxt.text) or not (
                is_english_word(nxt.text) or nxt.ent_type_ in ("ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "EVENT"))
            if nxt.text[:1].isupper() and _is_name_like(nxt, allow_lower=False) and \
                    (low in FORMAL_TITLES or (not gazetteer.is_kept(nxt.text) and nickname_ok)):
                run = _name_run(doc, tok.i + 1, allow_lower=False) or (nxt.idx, nxt.idx + len(nxt))
                if low in FORMAL_TITLES or not inside_kept(*run):
                    if low in NICKNAME_WORDS and tok.text[:1].isupper():
                        run = (tok.idx, run[1])  # "Big Davie" is the nickname; "wee Ruby" is Ruby
                    found.append((*run, "context_title"))
        # "wee ruby who's only three" in lower case: a nickname word, a word, then an age; or a given name
        # after "wee" ending the phrase ("so does wee lily", "wee kayden's")
        if low in ("wee", "little") and tok.i + 1 < len(doc):
            nxt = doc[tok.i + 1]
            rest = doc.text[nxt.idx + len(nxt):nxt.idx + len(nxt) + 40]
            after = doc[tok.i + 2] if tok.i + 2 < len(doc) else None
            ends = after is None or after.is_punct or after.pos_ in ("VERB", "AUX", "CCONJ") or \
                after.lower_ in ("'s", "’s", "who")
            named = gazetteer.is_first_name(nxt.text) or gazetteer.is_wide_given_name(nxt.text) or \
                gazetteer.is_word_name(nxt.text)
            if not nxt.text[:1].isupper() and _is_name_like(nxt, allow_lower=True) and \
                    ((AGE_CUE.match(rest) and nxt.pos_ not in ("VERB", "AUX", "ADJ", "ADV")) or (named and ends)):
                found.append((nxt.idx, nxt.idx + len(nxt), "context_age"))
    # Known given names and short forms standing on their own: "I was telling Agnes", "tommy fae next door"
    for tok in doc:
        if not tok.is_alpha or not (gazetteer.is_first_name(tok.text) or gazetteer.is_word_name(tok.text) or (
                gazetteer.is_wide_given_name(tok.text) and (tok.text[:1].isupper() or len(tok.text) > 3))):
            continue
        a, b = tok.idx, tok.idx + len(tok)
        if tok.i > 0 and doc[tok.i - 1].lower_ in ("st", "st.", "saint"):
            continue  # "St Mungo's", "St Andrew's"
        if inside_kept(a, b):
            # "George Square", "Victoria Park" stay; a name that is also a place alone ("Skye") is a person
            # only when a person's cue follows: "Skye's seven", "Skye said"
            rest = doc.text[b:b + 40]
            strong = tok.i + 1 < len(doc) and (doc[tok.i + 1].lower_ in STRONG_PERSON_VERBS or
                                               doc[tok.i + 1].pos_ == "VERB")  # "Skye wanted tae go"
            if (a, b) not in kept or not (strong or AGE_CUE.match(rest)):
                continue
        capital = tok.text[:1].isupper()
        after = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
        if capital and after is not None and after.text[:1].isupper() and after.lower_ in STREET_HEADS:
            continue  # "Charlotte Square", "Albert Bridge", "Victoria Infirmary"
        rest = doc.text[b:b + 40]
        person_cue = after is not None and (after.lower_ in STRONG_PERSON_VERBS or BORN_CUE.match(rest) or (
            AGE_CUE.match(rest) and re.match(r"\s*(?:who|is|'s|’s|was|wis)\b", rest))  # "grace is only two"
            or FROM_CUE.match(rest))  # "Rose fae next door"
        person_verb_after = not capital and person_cue
        opens_with_verb = capital and tok.pos_ == "PROPN" and starts_sentence(tok) and after is not None and \
            (after.tag_ in ("VBZ", "VBD") or after.lower_ in STRONG_PERSON_VERBS) and not word_at_sentence_start(tok)
        before = doc[tok.i - 1] if tok.i > 0 else None
        in_proper_name = (after is not None and after.text[:1].isupper() and after.is_alpha) or (
            before is not None and before.text[:1].isupper() and before.is_alpha and not starts_sentence(before)
            and before.lower_ not in TITLE_WORDS and before.lower_ not in NICKNAME_WORDS)
        if not gazetteer.is_first_name(tok.text) and gazetteer.is_word_name(tok.text) and \
                not (person_cue or opens_with_verb or (capital and not starts_sentence(tok) and not in_proper_name)):
            continue  # "Summer Programme", "Langside Church": a word name inside a longer proper name needs a cue
        if gazetteer.is_word_name(tok.text) and not (capital and tok.pos_ == "PROPN" and not starts_sentence(tok)) \
                and not person_cue \
                and not opens_with_verb:
            continue  # "will", "Grace before meals": a word unless it is plainly a name ("holly wants tae")
        if not capital and (tok.is_stop or tok.pos_ not in ("PROPN", "NOUN", "X", "INTJ", "ADJ")) and \
                not (person_verb_after and tok.pos_ in ("ADV", "VERB", "ADJ", "PROPN", "NOUN")):
            continue
        if tok.ent_type_ in ("GPE", "LOC", "FAC") and tok.i > 0 and \
                doc[tok.i - 1].lower_ in PLACE_PREPOSITIONS and (capital or gazetteer.is_place(tok.text)):
            continue  # "we went to Paris", "a holiday in Jordan" (but "I says to tina": the model guesses)
        if tok.text.isupper() and len(tok.text) > 1 and not doc.text.isupper():
            continue  # "JO" as an acronym
        nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
        if capital and nxt is not None and nxt.text[:1].isupper() and not starts_sentence(nxt) and \
                _is_name_like(nxt, allow_lower=False) and not inside_kept(nxt.idx, nxt.idx + len(nxt)) and \
                nxt.lower_ not in ORG_HEADS and (nxt.pos_ == "PROPN" or not is_english_word(nxt.text)) and \
                (nxt.ent_type_ in ("", "PERSON", "ORG", "NORP", "GPE") or nxt.ent_iob_ == "I"):
            b = nxt.idx + len(nxt)  # "Alistair Humphries": the surname the model missed goes too
        elif not capital and nxt is not None and nxt.text.islower() and nxt.is_alpha and not nxt.is_stop and \
                nxt.pos_ not in ("VERB", "AUX", "ADP", "DET") and \
                (gazetteer.is_common_surname(nxt.text) or SURNAME_FORM.match(nxt.text)):
            b = nxt.idx + len(nxt)  # "jamie smith fae next door": the surname in lower case goes too
        elif capital and nxt is not None and nxt.text in ORDINAL_NAMES:
            b = nxt.idx + len(nxt)  # "Andrew One" and "Andrew Two": namesakes numbered in the order met
        found.append((a, b, "first_name"))
    for tok in doc:
        # "Taylor's dad", "Kai's pal": a possessive before a kin word belongs to a person
        if tok.text in ("'s", "’s") and tok.i > 0 and tok.i + 1 < len(doc):
            k = tok.i + 1
            while k < len(doc) and doc[k].lower_ in MODIFIERS:
                k += 1
            owner = doc[tok.i - 1]
            if k < len(doc) and doc[k].lower_ in KIN and _is_name_like(owner, allow_lower=False) and \
                    not gazetteer.is_kept(owner.text) and not inside_kept(owner.idx, owner.idx + len(owner)) and \
                    (owner.pos_ == "PROPN" or gazetteer.is_first_name(owner.text) or not is_english_word(owner.text)):
                found.append((owner.idx, owner.idx + len(owner), "context_owner"))
        # "she's called Destiny", "his name's Kai", "she's cried Senga"
        if tok.lower_ in NAMING_WORDS and tok.i + 1 < len(doc):
            before = {t.lower_ for t in doc[max(0, tok.i - 3):tok.i]}
            nxt = doc[tok.i + 1]
            run = _name_run(doc, tok.i + 1, allow_lower=False)
            if run and not inside_kept(*run) and before & PERSON_WORDS and \
                    (gazetteer.is_first_name(nxt.text) or not is_english_word(nxt.text)):
                found.append((*run, "context_called"))  # not "a project called Wet Wheels"
    # Scottish and Irish surnames by their form: "McAllister", "mcgregor", "O'Neill" (brands are kept)
    for tok in doc:
        if SURNAME_FORM.match(tok.text) and not gazetteer.is_kept(tok.text) and \
                not inside_kept(tok.idx, tok.idx + len(tok)):
            found.append((tok.idx, tok.idx + len(tok), "surname_form"))
    # "Shannon's on Universal Credit", "Davie telt me": a capitalised proper noun before a person's verb
    for tok in doc:
        if not (tok.text[:1].isupper() and tok.pos_ == "PROPN" and _is_name_like(tok, allow_lower=False)):
            continue
        if tok.text.isupper() and len(tok.text) <= 4:
            continue  # "the NI is", "CAB was": acronyms, not names
        if tok.ent_type_ and tok.ent_type_ not in ("PERSON", "ORG", "GPE", "NORP", "PRODUCT", "WORK_OF_ART",
                                                   "LOC", "FAC"):
            continue
        nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
        if nxt is None or nxt.lower_ not in PERSON_VERBS:
            continue
        after = doc[tok.i + 2] if tok.i + 2 < len(doc) else None
        strong = nxt.lower_ in STRONG_PERSON_VERBS or AGE_CUE.match(doc.text[tok.idx + len(tok):][:40]) or \
            (nxt.lower_ in ("'s", "’s", "is", "was", "wis") and after is not None and after.lower_ in STATE_CUES)
        if not (strong or gazetteer.is_first_name(tok.text)) or \
                (is_english_word(tok.text) and not gazetteer.is_first_name(tok.text)):
            continue  # "Alzheimer's is", "Pilotlight has", "Conference was": not people
        if tok.i > 0 and doc[tok.i - 1].text[:1].isupper() and doc[tok.i - 1].pos_ == "PROPN":
            continue  # part of a longer proper name ("Citizens Advice is"): the entity rules decide
        if nxt.lower_ in ("is", "was", "wis", "has", "had", "will", "would", "can", "could",
                          "did", "does", "who") and tok.i + 2 < len(doc) and doc[tok.i + 2].pos_ in ("NOUN", "DET"):
            continue  # "Glasgow is a city", "Covid was a nightmare": too weak a cue on its own
        a, b = tok.idx, tok.idx + len(tok)
        if gazetteer.is_kept(tok.text) or inside_kept(a, b):
            continue
        found.append((a, b, "context_verb"))
    return found
