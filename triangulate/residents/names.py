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
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from triangulate.residents import gazetteer
from triangulate.residents.gazetteer import is_any_given_name as _is_any_given_name

TITLE_WORDS = {"mr", "mrs", "ms", "miss", "mx", "dr", "doctor", "prof", "professor", "sir", "dame", "lady",
               "lord", "rev", "reverend", "father", "sister", "brother", "nurse", "councillor", "cllr"}
NICKNAME_WORDS = {"wee", "big", "auld", "old", "young", "daft", "mad", "wild", "fat", "wee-est"}
# family words used as a title before a given name, and the gender they give
KIN_LEADS = {"granny": "female", "gran": "female", "grannie": "female", "nana": "female", "nanna": "female",
             "grandma": "female", "auntie": "female", "aunty": "female", "aunt": "female", "granda": "male",
             "grandad": "male", "grandpa": "male", "grampa": "male", "uncle": "male"}
FORMAL_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "councillor", "cllr"}  # a surname follows these
# capitalised, these are titles before a surname too ("Nurse Baird", "Doctor Rahman")
WORK_TITLES = {"nurse", "doctor", "prof", "professor", "councillor", "cllr", "dr", "sister"}
TITLE_CLASS = {"mr": "courtesy", "mrs": "courtesy", "ms": "courtesy", "miss": "courtesy", "mx": "courtesy",
               "dr": "doctor", "doctor": "doctor", "prof": "professor", "professor": "professor", "nurse": "nurse",
               "sister": "nurse", "councillor": "councillor", "cllr": "councillor", "father": "clergy", "rev": "clergy",
               "reverend": "clergy"}
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
                      r"(?:road|landing|street|close)|up\s+the\s+road|doon\s+the\s+road|down\s+the\s+road|round\s+the\s+"
                      r"corner|the\s+(?:housing|school|nursery|council|social|church|chapel|"
                      r"mosque|centre|food\s*bank|jobcentre|group|club|work|close|stair|scheme|pub|bookies|shop|chippy|"
                      r"bingo|flats|estate|gym|boxing|fitba|football|pantry|credit\s+union|advice|bus|depot|practice|"
                      r"surgery|hospital|ward|college|library|hall|parish|gurdwara|temple))\b", re.I)
BORN_CUE = re.compile(r"^\s*(?:was|wis|is|'s|’s|got|had|has\s+been)\s+(?:just\s+)?(?:born|diagnosed|excluded|"
                      r"christened|expecting|pregnant)\b", re.I)  # "Summer was born", "grace got diagnosed"
SURNAME_FORM = re.compile(r"^(?:Mc[A-Z]?[a-z]{2,}|Mac[A-Z][a-z]{2,}|mc[a-z]{3,}|O['’][A-Z][a-z]{2,}|"
                          # surname endings of Glasgow's newer families: Kowalski, Wiśniewska, Nowicki, Jankowiak,
                          # Mickiewicz, Szczepańczyk, Popescu, Munteanu, Bondarenko, Kovalchuk, Balogová, Petrović
                          r"[A-ZŁŚŻ][a-ząćęłńóśźżăâîșțşţ]{2,}(?:sk[ai]|ck[ai]|dzk[ai]|wicz|czyk|czak|escu|eanu|"
                          r"enko|chuk|chyk|ová|ovič|ović|ovic|oglu|oğlu|poulos)s?)$")
MONTH_NAMES = {"april", "may", "june"}  # months that are given names too
MONTH_SHORT = {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
NAMING_WORDS = {"called", "named", "cried", "nickname", "christened"}
PERSON_WORDS = KIN | {"she", "he", "she's", "he's", "her", "his", "him", "they", "woman", "man", "guy", "lady",
                      "fella", "bloke", "wifie", "lassie", "laddie", "person", "someone", "somebody", "name",
                      "name's", "names"}
PLACE_PREPOSITIONS = {"in", "to", "fae", "from", "at", "near", "through", "into", "visit", "visited", "visiting",
                      "around", "roon", "round", "oot", "outside", "across", "holiday", "trip", "flight", "off"}
AGE_CUE = re.compile(r"^\s*(?:,\s*)?(?:who(?:'s|’s| is| was)|is|'s|’s|was|wis|,)?\s*"
                     r"(?:only|just|nearly|aboot|about)?\s*"
                     r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
                     r"fourteen|fifteen|sixteen|seventeen)\b(?!\s*(?:weeks?|days?|hours?|minutes?|pounds?|quid|times?|"
                     r"miles?|percent|per\s+cent|o['’]clock|%|p\b|am\b|pm\b))(?:\s*(?:months?|years?|now|noo))?", re.I)


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


def _is_cue_word(text: str) -> bool:
    """A word that frames a name but is never one: "wee", "Mrs", "my", "pal", "aye"."""
    low = text.lower()
    return gazetteer.is_everyday_word(text) or low in KIN or low in TITLE_WORDS or low in NICKNAME_WORDS or \
        low in DETERMINERS


def _is_name_like(token, *, allow_lower: bool) -> bool:
    """A token that could be a first name: letters, not a stop word, not an everyday or kept word."""
    text = token.text
    if not token.is_alpha or len(text) < 2 or _is_cue_word(text):
        return False
    if text[0].isupper():
        return not (token.is_stop and starts_sentence(token)) and text.lower() not in {"i", "i'm"}
    return allow_lower and _is_lower_case_name_like(token)


def _is_lower_case_name_like(token) -> bool:
    """A lower-case token that could be a first name ("my husband bilal", "my man dean works")."""
    text = token.text
    if token.is_stop or token.pos_ not in ("PROPN", "NOUN", "X", "INTJ") or token.tag_ == "NNS":
        return False
    if not (_is_any_given_name(text) or (token.pos_ in ("PROPN", "NOUN", "X") and not is_english_word(text))):
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
    titles: set[str] = field(default_factory=set)  # title classes the text gives them ("doctor": Dr Doyle)
    speaker: bool = False  # speaks in the transcript under a name label
    lead: str | None = None  # "big" or "wee", where the text has a big and a wee one of their name
    first_said: bool = False  # a speaker under a role label whose first name the talk gave ("A: I'm Jodie")

    def forms(self) -> set[str]:
        """The given names the text calls them by (first name and the short forms linked to it)."""
        return {t for t in (self.first, *self.others) if t}

    def fits(self, gender: str | None) -> bool:
        """Could a mention of this gender be this person? ("Mr Gallacher" is not Mrs Gallacher.)"""
        return gender is None or self.gender is None or gender == self.gender

    def tokens(self) -> set[str]:
        return {t for t in (self.first, self.last, *self.others) if t}


# "Abu Omar", "Umm Omar": a parent called after their child (a kunya), another person than the child
_PARENT_OF = {"abu", "umm", "um", "om", "abou"}


def _family_plural(word: str) -> bool:
    """"raffertys": a plural whose singular is a surname (common, or Mc/Mac/O'), and no given name itself."""
    stem = word[:-1]
    return len(word) > 4 and word.endswith("s") and not gazetteer.is_first_name(word) and \
        (gazetteer.is_common_surname(stem) or bool(SURNAME_FORM.match(stem.capitalize())))


def is_full_name(mention: str) -> bool:
    """Two name words or more once titles, nicknames and a possessive are dropped ("Chantelle Reid's")."""
    return len(_tokens_titled(mention)[0]) > 1


def title_class(text: str) -> str | None:
    """The class of the title a mention opens with ("Dr Doyle" doctor, "Mrs Doyle" courtesy), None without one."""
    words = text.split()
    return TITLE_CLASS.get(words[0].lower().rstrip(".")) if len(words) > 1 else None


_OWNER_WORDS = {"my", "her", "his", "our", "their", "ma", "yer", "your"}


def _tokens_titled(text: str) -> tuple[list[str], bool, str | None]:
    """Name tokens of a mention in lower case (titles and possessives dropped), whether a formal title (Mr, Mrs,
    Dr, Nurse...) came first, which makes a single word a surname, and the gender a title gives ("Mrs" female,
    "Mr" male), None without one."""
    text = re.sub(r"['’]s?$", "", " ".join(text.replace("’", "'").split())).strip(" .,;:!?()[]\"")
    words = [w.strip(".,") for w in re.split(r"[\s]+", text) if w.strip(".,")]
    titled, gender = False, None
    if len(words) > 1 and words[0].lower() in _OWNER_WORDS:
        words = words[1:]  # "her Mrs Cowie", "my Tam": whose, not who
    while len(words) > 1 and words[0].lower() in KIN_LEADS:  # "Auntie Carol", "Granny Marion" is Carol, Marion
        gender = gender or KIN_LEADS[words[0].lower()]
        words = words[1:]
    while words and (words[0].lower() in TITLE_WORDS or words[0].lower() in NICKNAME_WORDS):
        titled = titled or words[0].lower() in FORMAL_TITLES or (words[0].lower() in WORK_TITLES and
                                                                 words[0][:1].isupper())
        gender = gender or TITLE_GENDER.get(words[0].lower())
        words = words[1:]
    return [w.lower() for w in words], titled, gender


def name_words(text: str) -> tuple[list[str], bool, str | None]:
    """A mention's name words in lower case, whether a formal title opened it, and the gender a title gives."""
    return _tokens_titled(text)


def shortens(short: str, long: str) -> bool:
    """One folded given name is a pet form or a shortening of another ("Yas" of Yasmin)."""
    return is_pet_form(short, long) or _shortened(short, long)


# Letters NFKD leaves whole: "Paweł" and "Pawel", "Søren" and "Soren" are one spelling
_UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "ð": "d",
                               "þ": "th"})


def fold(word: str) -> str:
    """A name word without accents, hyphens or apostrophes: "Al-Khatib" and "Alkhatib", "Balogová" and "Balogova"
    are one spelling."""
    plain = unicodedata.normalize("NFKD", word.lower().translate(_UNDECOMPOSED))
    return re.sub(r"[-'’.\s]", "", "".join(c for c in plain if not unicodedata.combining(c)))


def _shortened(short: str, long: str) -> bool:
    """"Olu" for Olumide, "Taras" for Tarasik, "Emeka" for Chukwuemeka: one name opens (or, of four letters or more,
    closes) the other, which is two letters longer at least (a three-letter opening: three letters longer, and no
    given name of its own)."""
    if len(short) < 3 or len(long) < len(short) + 2:
        return False
    if long.startswith(short):  # three letters: not a name of its own (Leo and Leonard, Jay and Jayden are two)
        return len(short) >= 4 or (len(long) >= len(short) + 3 and not gazetteer.is_first_name(short))
    # (a closing that starts inside a doubled letter is no part of the name's sound: "Lian" is not Gillian)
    return len(short) >= 4 and long.endswith(short) and long[-len(short) - 1] != short[0]


# Endings Glasgow speech puts on the opening of a name to make a pet form: Brodes (Brody), Yasi (Yasaman), Zuzia
# (Zuzanna), Marty (Martin), Deccy (Declan, the consonant doubled), Dec (Declan, bare); and on a surname: Boydy, Lusky.
PET_ENDINGS = ("", "s", "es", "y", "ey", "ie", "i", "ia", "a", "o", "sy", "zy", "er")
SURNAME_PET_ENDINGS = ("y", "ie", "o", "sy", "er")
FOUND_PET_ENDINGS = ("", "s", "es", "y", "ie", "i", "ia", "a", "o")  # the ones looked for in the text


def is_pet_form(short: str, full: str) -> bool:
    """A pet form of a given name (folded words): the name's first three letters or more, then nothing or a pet
    ending (`PET_ENDINGS`), the last letter of the opening doubled or not; never the name itself."""
    if short == full or len(short) < 3 or len(full) < 4:
        return False
    for k in range(3, len(full)):
        stem = full[:k]
        if not short.startswith(stem):
            break
        rest = short[k:]
        if rest in PET_ENDINGS or (rest[:1] == stem[-1] and rest[1:] in PET_ENDINGS and rest[1:]):
            return True
    return False


def is_surname_pet_form(short: str, surname: str) -> bool:
    """"Boydy" for Boyd, "Lusky" for Lusk: a surname of three letters or more with a pet ending; or its opening with
    one, as for a given name ("Robbo" for Robertson, "Fergie" for Ferguson)."""
    return len(surname) >= 3 and ((short.startswith(surname) and short[len(surname):] in SURNAME_PET_ENDINGS) or
                                  is_pet_form(short, surname))


def pet_forms(name: str) -> set[str]:
    """Pet forms to look for once a given name is found (`is_pet_form`, from an opening of three or four letters),
    capitalised and no given name of their own: Declan -> Dec, Deccy, Decs...; of four letters or more for a name of
    five letters or less (no "Sam" of Samir)."""
    low = fold(name)
    if not low.isalpha() or len(low) < 4:
        return set()
    out = set()
    for k in (3, 4):
        stem = low[:k]
        if k >= len(low) or stem[-1] in "aeiouy":
            continue  # an opening that ends in a consonant: Dec, Brod, Yas (not "Broo", "Yasa")
        doubled = stem + stem[-1]
        for ending in FOUND_PET_ENDINGS:
            for form in (stem + ending, doubled + ending if doubled and ending else ""):
                if form and form != low and (len(form) >= 4 or len(low) > 5) and _may_be_pet_form(form):
                    out.add(form.capitalize())
    return out


def _may_be_pet_form(form: str) -> bool:
    """No given name of its own ("Brodie"), word name ("Will"), stop word ("And"), everyday or kept word."""
    from spacy.lang.en.stop_words import STOP_WORDS

    return not (gazetteer.is_first_name(form) or gazetteer.is_word_name(form) or form in STOP_WORDS or
                gazetteer.is_everyday_word(form) or gazetteer.is_kept(form) or gazetteer.is_wide_given_name(form))


def _pet_link(one: str, other: str) -> bool:
    """One of two folded given names is a pet form of the other, and no given name of its own."""
    return (is_pet_form(one, other) and not gazetteer.is_first_name(one)) or \
        (is_pet_form(other, one) and not gazetteer.is_first_name(other))


def pet_forms_to_learn(found: set[str]) -> set[str]:
    """Pet forms of every capitalised given name found (`pet_forms`) that are not found already: "Declan" found,
    "Dec" and "Deccy" are him too where a name stands (with a capital, mid-sentence or before what a person does)."""
    out: set[str] = set()
    for name in found:
        if name[:1].isupper() and (gazetteer.is_first_name(name) or gazetteer.is_wide_given_name(name)):
            out |= pet_forms(name)
    return out - found


_EMAIL_NAME = re.compile(r"(?<![\w.])([A-Za-z]{2,})[._]([A-Za-z]{3,})\d*@[\w-]+\.[\w.]+")
_BIG_WEE = re.compile(r"\b((?i:big|wee))\s+([A-Z][\w'’-]+|[a-z][\w'’-]+)")
# Words that say two people share a first name (`People.note_namesakes`).
_NAMESAKE_CUE = re.compile(r"\b(?:(?i:two|2|both|twa|three)\s+(?:o['’]?\s+(?:the|them)\s+)?"
                           r"(?P<plural>[A-Z][\w'’-]+s)\b|(?:(?i:another|the\s+other)\s+|(?i:no|not|naw)\s+(?i:my|ma|oor|our)\s+|(?i:same\s+name),?\s+|"
                           r"(?i:when\s+I\s+say)\s+)(?P<name>[A-Z][\w'’-]+))")


_MAC = ("mac", "mc")  # "Kelly Mac": what friends call a Mc or Mac surname


class People:
    """One pseudonym per person in a transcript, whatever part of the name a mention uses."""

    def __init__(self, first_number: int = 1) -> None:
        self.people: list[Person] = []
        self.clock = 0
        self.speaking: Person | None = None
        self.title: str | None = None  # the title class of the mention being resolved
        self.first_number = first_number  # after the pseudonyms a text already holds
        self.namesakes: set[str] = set()  # first names the text says two people share (`note_namesakes`)
        self.lead = False  # the mention being resolved opens with "Big" or "Wee"
        self.lead_word: str | None = None  # which of the two
        self.other = False  # the mention being resolved is a title and surname mid-sentence (`label`)
        self.paired: set[str] = set()  # names the text has a "big" and a "wee" one of (`note_namesakes`)

    def note_namesakes(self, texts: list[str]) -> None:
        """First names the text says two people share: "two Kayleighs", "another Darren, Darren Quigg", "the same
        name, Ellis Moncur", "Dylan McRae. No my Dylan", "when I say Nicole I mean my cousin". A bare mention of such
        a name is never the namesake the text gave a surname to (unless that one speaks), and a bare one never
        gains that surname: the reader keeps the two apart as the speaker does."""
        leads: dict[str, set[str]] = {}
        for m in _BIG_WEE.finditer("\n".join(texts)):
            leads.setdefault(m.group(2).lower(), set()).add(m.group(1).lower())
        self.paired = {word for word, seen in leads.items() if len(seen) == 2}
        self.namesakes |= self.paired
        for text in texts:
            for m in _NAMESAKE_CUE.finditer(text):
                word = re.sub(r"['’]s?$", "", m.group("name") or m.group("plural") or "")
                if m.group("plural") and word.endswith("s"):
                    word = word[:-1]
                if word[:1].isupper() and word.lower() not in TITLE_WORDS:
                    self.namesakes.add(word.lower())

    def note_emails(self, texts: list[str]) -> None:
        """"gail.rafferty@btinternet.com" in a file where Gail is known by her given name alone: her surname is
        Rafferty (one person of that given name, with no surname yet)."""
        for m in _EMAIL_NAME.finditer("\n".join(texts)):
            first, last = m.group(1).lower(), m.group(2).lower()
            fits = [p for p in self.people if p.first == first]
            if len(fits) == 1 and not fits[0].last:
                fits[0].last = last

    def _new(self, first: str = "", last: str = "", others=()) -> Person:
        person = Person(first, last, set(others), f"[PERSON {len(self.people) + self.first_number}]")
        self.people.append(person)
        return person

    def unnamed_speaker(self) -> Person:
        """Someone who speaks under a role label ("R", "Interviewee"): named only by what the text calls them."""
        person = self._new()
        person.speaker = True
        return person

    def register(self, full_name: str, *, speaker: bool = False) -> Person:
        """A person the file names (key line, label, front matter): registered before the text is read."""
        person = self.resolve(full_name, mention=False)
        person.speaker = person.speaker or speaker
        return person

    def resolve(self, text: str, *, mention: bool = True) -> Person:
        words, titled, gender = _tokens_titled(text)
        self.title = title_class(text)
        self.lead = text.split()[0].lower() in ("big", "wee") if text.split() else False
        self.lead_word = text.split()[0].lower() if self.lead else None
        if not words:
            words = [text.lower().strip()]
        if mention:
            self.clock += 1
        if not (len(words) == 1 and titled):  # a given name says the gender too ("Ryan Gallacher")
            gender = gender or gazetteer.given_name_gender(words[0])
        person = self._match(words, titled, gender)
        if person is None:
            if len(words) == 1 and not titled and _family_plural(words[0]):
                person = self._new(last=words[0][:-1])  # "the Raffertys": then "Mrs Rafferty" is of that family
            elif len(words) == 1:
                person = self._new(last=words[0]) if titled else self._new(first=words[0])
            else:
                person = self._new(words[0], words[-1], words[1:-1])
        person.gender = person.gender or gender
        if self.lead_word and words[0] in self.paired:
            person.lead = person.lead or self.lead_word
        if self.title:
            person.titles.add(self.title)
        if len(words) == 1 and not titled and person.first and words[0] != person.first and \
                gazetteer.given_name_link(words[0], person.first):
            person.others.add(words[0])  # "Jimmy" for James Kerr: the next "Jimmy" is him without doubt
        if mention:
            person.last_seen = self.clock
        return person

    def same_person(self, text: str, person: Person) -> bool:
        """Could this one-word mention be that person by name (a form of the first name, or the surname)?"""
        words, _, _ = _tokens_titled(text)
        return len(words) == 1 and (words[0] in person.tokens() or
                                    any(gazetteer.given_name_link(words[0], f) for f in person.forms()))

    def _numbered(self, words: list[str]) -> Person | None:
        """"Andrew One", "Andrew Two": the first and second Andrew the transcript met, when there are several."""
        number = ORDINAL_NAMES.get(words[1].capitalize()) if len(words) == 2 else None
        if not number:
            return None
        same = [p for p in self.people if p.first == words[0] and p.last and p.last not in ("one", "two", "three",
                                                                                              "four")]
        return same[number - 1] if len(same) >= number > 0 and len(same) > 1 else None

    def label(self, text: str, speaker: Person | None = None, *, about_speaker: bool = False,
              self_named: bool = False, other: bool = False) -> str:
        """The pseudonym of a mention; `speaker` (the person speaking) is not whom a bare shared first name
        means: "I agree wi' Sarah" said by Sarah M is the other Sarah. `about_speaker`: the words before it say
        the speaker means themself ("I'm Tracy", "named efter me, Elizabeth", "naebody calls me David"): a
        form of the speaker's own name is the speaker. `self_named`: the words say plainly that this is the
        speaker's own name ("call me Bernie", "they called me Mr McAteer", "my surname? Al-Khatib"): a name no
        one else in the transcript goes by is the speaker too (a nickname, or their surname)."""
        if about_speaker and speaker is not None and not speaker.tokens():
            self._adopt(text, speaker)
        if speaker is not None and not other and self._completes_speaker(text, speaker):
            return speaker.pseudonym
        if about_speaker and speaker is not None and (self.same_person(text, speaker) or
                                                      (self_named and self._names_speaker(text, speaker))):
            self.clock += 1
            speaker.last_seen = self.clock
            words, titled, _ = _tokens_titled(text)
            if not (speaker.first or titled):  # a speaker under a role label: the first name they are called by
                speaker.first, speaker.first_said = words[0], True
            elif words[0] not in speaker.tokens():
                speaker.others.add(words[0])
            return speaker.pseudonym
        self.speaking = speaker
        self.other = other
        try:
            return self.resolve(text).pseudonym
        finally:
            self.speaking = None
            self.other = False

    def titled_alias(self, text: str, speaker: Person | None) -> str | None:
        """"My mum, Naseem. At the GP she's Mrs Akhtar": a title and a surname no one has yet, said as what the
        person just spoken of is called, is that person's surname (the latest one mentioned, in the last few
        mentions, whom the title fits and who has no surname). Their pseudonym, or None."""
        words, titled, gender = _tokens_titled(text)
        if not titled or len(words) != 1:
            return None
        holders = [p for p in self.people if words[0] in p.tokens()]
        # (the whole transcript's names are registered before its turns are read: a "Mrs Cowie" no turn has
        # mentioned yet is this one)
        if any(p.first or p.others or p.speaker or p.last_seen for p in holders):
            return None
        recent = [p for p in self.people if p is not speaker and not p.last and p.fits(gender) and p.first and
                  self.clock - p.last_seen <= 3]
        if not recent:
            return None
        person = max(recent, key=lambda p: p.last_seen)
        person.last, person.gender = words[0], person.gender or gender
        for holder in holders:
            holder.pseudonym = person.pseudonym
        self.clock += 1
        person.last_seen = self.clock
        return person.pseudonym

    def another_given_name(self, text: str, speaker: Person | None) -> bool:
        """A given name unrelated to the one this speaker is already called by: someone else, though said to
        them (several answer under one label "A": "I'm Jodie", then "Thanks, Sana")."""
        words, titled, _ = _tokens_titled(text)
        if speaker is None or not speaker.first or titled or len(words) != 1 or words[0] in speaker.tokens():
            return False
        word = words[0]
        return gazetteer.is_any_given_name(word) and not gazetteer.is_common_surname(word) and \
            not gazetteer.given_name_link(word, speaker.first)

    def _completes_speaker(self, text: str, speaker: Person) -> bool:
        """A speaker known by a given name alone ("Thanks for having me in, Archie") says a full name that fits
        it, which the file named but nobody has mentioned yet ("Archibald Donnachie. Naebody's called me
        Archibald"): it is the speaker's own, and the full name's pseudonym is the speaker's."""
        words, titled, _ = _tokens_titled(text)
        if titled or len(words) < 2 or not speaker.first or speaker.last or words[0] in self.namesakes:
            return False
        found = self._same_full_name(words, None)
        if found is None or found is speaker or found.speaker or found.last_seen or \
                gazetteer.given_name_link(words[0], speaker.first) < 2:
            return False
        if any(p not in (speaker, found) and p.first and gazetteer.given_name_link(words[0], p.first) >= 2
               for p in self.people):
            return False  # another of that given name: the full name may be theirs
        speaker.last = words[-1]
        speaker.others |= set(words[:-1]) - {speaker.first}
        found.pseudonym, found.speaker = speaker.pseudonym, True
        self.clock += 1
        speaker.last_seen = found.last_seen = self.clock
        return True

    def _adopt(self, text: str, speaker: Person) -> None:
        """A speaker under a role label, not named yet, who says they are someone the text already named ("I've got
        Christina on the sheet." - "Naebody calls me Christina"; "It's me, Josephine Quigley"): that person's name
        and pseudonym are theirs."""
        words, titled, _ = _tokens_titled(text)
        if titled:
            return  # "Mrs McAvoy" may be her, or the family the text named ("Brian McAvoy")
        known = [p for p in self.people if p is not speaker and not p.speaker and
                 (set(words) <= p.tokens() if len(words) > 1 else words[0] in (p.first, p.last) or
                  # "Katarzyna Nowicka. But everybody says Kasia": the name just given, in its short form
                  (bool(p.first and p.last) and self.clock - p.last_seen <= 1 and
                   gazetteer.given_name_link(words[0], p.first) >= 2))]
        if len(known) == 1:
            other = known[0]
            speaker.first, speaker.last, speaker.others = other.first, other.last, set(other.others)
            speaker.pseudonym, speaker.gender = other.pseudonym, speaker.gender or other.gender
            other.speaker = True

    def _names_speaker(self, text: str, speaker: Person) -> bool:
        """A speaker's own name they give plainly: a one-word name no one else goes by (which joins the speaker's
        forms: a nickname, or a surname said alone), or a surname after a title (which becomes theirs unless they
        have another)."""
        words, titled, gender = _tokens_titled(text)
        if len(words) != 1 or re.search(r"['’]s?$", text.strip()) or not speaker.fits(gender):
            return False
        word = words[0]
        # (one role label that several answer under: "A: I'm Jodie", later "A: I'm Sana" is someone else)
        if speaker.first_said and not titled and self.another_given_name(text, speaker):
            return False
        # (a title's gender sets the speaker apart from the family who share the surname: "Mrs Gillan" is not
        # the "Declan Gillan" she talked about)
        if any(p is not speaker and fold(word) in {fold(t) for t in p.tokens()} and (p.fits(gender) or not titled)
               for p in self.people):
            return False
        if titled:
            if speaker.last and fold(speaker.last) != fold(word):
                return False
            if not speaker.last:
                speaker.last = word
        return True

    def alias(self, name: str, other: str, *, surname: bool = False) -> None:
        """The text says two names are one person ("Khaled is his real name, but everybody calls him Abu Omar",
        "Sandra, Mrs Ferrie"): register the first and give it the other's words (`surname`: the other is a surname,
        "Marek" of "the Kowalskis")."""
        words, titled, _ = _tokens_titled(other)
        named, _, _ = _tokens_titled(name)
        known = self._same_full_name(words, None) or self._kunya(words) if len(words) > 1 else None
        if known is not None and len(named) == 1:  # "Abu Omar" already known as a full name: Khaled joins him
            name, other = other, name
            words, titled, _ = _tokens_titled(other)
        person = self.register(name)
        if not words or any(p is not person and fold(" ".join(words)) in {fold(t) for t in p.tokens()}
                            for p in self.people):
            return
        if (titled or surname) and len(words) == 1 and not person.last:
            person.last = words[0]
        else:
            person.others.update(words)

    def spoke(self, person: Person | None) -> None:
        """A turn by this person: speaking makes them the latest of their name, as a mention does."""
        if person is not None:
            self.clock += 1
            person.last_seen = self.clock

    def _match(self, words: list[str], titled: bool, gender: str | None = None) -> Person | None:
        numbered = self._numbered(words)
        if numbered is not None:
            return numbered
        if len(words) == 2 and words[0] in _PARENT_OF:  # "Abu Omar" is Omar's father, never Omar: one name whole
            return self._known_alias(words, gender) or self._kunya(words) or self._new(first=" ".join(words))
        if len(words) >= 2:
            return self._match_full(words, gender)
        return self._match_one_word(words[0], titled, gender)

    def _match_full(self, words: list[str], gender: str | None) -> Person | None:
        """A mention of two words or more: the steps a reader takes, most certain first; a step that links the
        mention to someone known only by part of the name completes that person."""
        for step in (self._initial_and_surname, self._same_full_name,
                     self._same_given_names, self._known_alias, self._same_surname_and_given_name,
                     self._surname_initial, self._initialled_gains_surname, self._bare_first_name_gains_surname,
                     self._surname_only_gains_first_name, self._bare_surname_gains_first_name):
            person = step(words, gender)
            if person is not None:
                return person
        return None

    def _initial_and_surname(self, words: list[str], gender: str | None) -> Person | None:
        """"Mrs I. Kinnaird": the one of that surname whose given name the initial opens; else the one person of
        that initial the text knows by a given name alone, whose surname it becomes; else someone new."""
        if len(words) != 2 or len(words[0]) != 1 or not words[0].isalpha():
            return None
        initial, last = words
        known = [p for p in self.people if p.last == last and p.fits(gender) and (p.first or initial)[0] == initial]
        if len(known) == 1:
            return known[0]
        bare = [p for p in self.people if not p.last and p.first[:1] == initial and p.fits(gender)]
        if len(bare) == 1 and not known:
            bare[0].last = last
            return bare[0]
        return self._new(last=last)

    def _same_full_name(self, words: list[str], gender: str | None) -> Person | None:
        return next((p for p in self.people if p.last == words[-1] and (p.first == words[0] or (
            p.first and words[0] in p.others and _pet_link(fold(p.first), fold(words[0]))))), None)

    def _same_given_names(self, words: list[str], gender: str | None) -> Person | None:
        """"Lesley Ann" after "Lesley Ann Gow": a double given name without the surname."""
        return next((p for p in self.people if p.first == words[0] and p.last and set(words[1:]) <= p.others), None)

    def _kunya(self, words: list[str]) -> Person | None:
        """The one already called "Abu Omar" (kept whole as their given name: `_PARENT_OF`)."""
        whole = " ".join(words)
        return next((p for p in self.people if p.first == whole), None) if words[0] in _PARENT_OF else None

    def _known_alias(self, words: list[str], gender: str | None) -> Person | None:
        """"Abu Omar", which the text said is what people call Khaled (`alias`)."""
        return next((p for p in self.people if len(words) > 1 and set(words) <= p.others), None)

    def _same_surname_and_given_name(self, words: list[str], gender: str | None) -> Person | None:
        """"Stevie Quigley" is Stephen Quigley (but Jamie Harkness is not Jim Harkness: two forms of James that
        sound apart are two people)."""
        first, last = words[0], words[-1]
        return next((p for p in self.people
                     if p.last == last and p.first and gazetteer.given_name_link(first, p.first) >= 2), None)

    def _surname_initial(self, words: list[str], gender: str | None) -> Person | None:
        """"Sarah M" is Sarah McLean when one Sarah's surname starts so; "Kelly Mac" is Kelly McFadden."""
        initial = words[-1].rstrip(".")
        if initial in _MAC and len(words) == 2:
            fits = [p for p in self.people if p.first == words[0] and len(p.last) > 3 and p.last.startswith(_MAC)]
            return fits[0] if len(fits) == 1 else None
        if len(initial) > 2:
            return None
        fits = [p for p in self.people if p.first == words[0] and p.last.startswith(initial)]
        return fits[0] if len(fits) == 1 else None

    def _initialled_gains_surname(self, words: list[str], gender: str | None) -> Person | None:
        """The speaker "Sarah M" is the "Sarah McAuley" the text names, when no other Sarah's surname fits."""
        first, last = words[0], words[-1]  # ("Marty G" is the "Martin Gallacher" the text names)
        initialled = [p for p in self.people if p.first and gazetteer.given_name_link(first, p.first) >= 2 and
                      (0 < len(p.last.rstrip(".")) <= 2 and last.startswith(p.last.rstrip(".")) or
                       p.last in _MAC and len(last) > 3 and last.startswith(_MAC))]  # "Kelly Mac", then McFadden
        if len(initialled) != 1 or any(p.first == first and p.last == last for p in self.people):
            return None
        person = initialled[0]
        person.others.add(person.last)
        person.last = last
        return person

    def _bare_first_name_gains_surname(self, words: list[str], gender: str | None) -> Person | None:
        """"Jean" then "Jean Wallace": the bare Jean gains a surname, unless another Jean has one already (then
        "Jean Wallace" is a new person and the bare Jean stays ambiguous)."""
        same_first = [p for p in self.people if p.first and gazetteer.given_name_link(words[0], p.first) >= 2]
        if not same_first:  # "Mols" (the speaker), then "Molly Ferrie": a pet form the lists lack, of one person
            short = fold(words[0])
            same_first = [p for p in self.people if p.first and p.fits(gender) and
                          (_pet_link(fold(p.first), short) or _shortened(fold(p.first), short))]
            if len(same_first) != 1:
                return None
        bare = [p for p in same_first if not p.last]
        if len(bare) != 1 or any(p.last for p in same_first) or words[0] in self.namesakes:
            return None
        bare[0].last = words[-1]
        bare[0].others.update(words[1:-1])
        if words[0] != bare[0].first:
            bare[0].others.add(words[0])  # "Molly Ferrie" again is "Mols", whose surname it gave
        return bare[0]

    def _surname_only_gains_first_name(self, words: list[str], gender: str | None) -> Person | None:
        """"Mr Boyle" then "Andrew Boyle" (but "Mrs Gallacher" then "Ryan Gallacher" are two people)."""
        surname_only = [p for p in self.people if p.last == words[-1] and not p.first and p.fits(gender)]
        if len(surname_only) != 1:
            return None
        surname_only[0].first = words[0]
        return surname_only[0]

    def _bare_surname_gains_first_name(self, words: list[str], gender: str | None) -> Person | None:
        """"Laverty's been a godsend" before "Denise Laverty": a bare word that is no given name was her surname."""
        first, last = words[0], words[-1]
        bare_surname = [p for p in self.people if p.first == last and not p.last]
        if len(bare_surname) != 1 or gazetteer.is_first_name(last) or gazetteer.is_wide_given_name(last):
            return None
        bare_surname[0].first, bare_surname[0].last = first, last
        return bare_surname[0]

    def _surname_candidates(self, word: str, gender: str | None) -> list[Person]:
        """After a title ("Mrs Kerr"): people of that surname, else of that name word, whose gender fits. Where
        several share it, the title tells them apart: "Dr Doyle" is the one the text called Dr Doyle, "Mrs Doyle"
        the one it never called a doctor."""
        found = [p for p in self.people if p.last == word and p.fits(gender)] or \
            [p for p in self.people if word in p.tokens() and p.fits(gender)] or \
            [p for p in self.people if p.last and fold(p.last) == fold(word) and p.fits(gender)]
        if not found and len(word) == 1:
            found = self._initialled_surname(word, gender)
        if len(found) > 1 and self.title:
            found = [p for p in found if self.title in p.titles] or \
                [p for p in found if not p.titles - {self.title}] or found
        return found

    def _initialled_surname(self, initial: str, gender: str | None) -> list[Person]:
        """"Mrs D" for Mrs Dalgleish: the one person whose surname that initial opens."""
        found = [p for p in self.people if p.last[:1] == initial and p.fits(gender)]
        return found if len(found) == 1 else []

    def _first_name_candidates(self, word: str) -> list[Person]:
        """People of that first name, else of that name word, else whose first name it is a form of ("Stevie"
        after "Stephen Quigley", "Jo" after "Josephine"): a full name or a short form of the same shape before
        a short form that sounds apart ("Robbie" is Robert before Rab). Among several linked by a short form,
        someone talked about before someone who speaks under another form of the name (a speaker is called by
        the name they go by)."""
        found = [p for p in self.people if p.first == word] or [p for p in self.people if word in p.tokens()] or \
            [p for p in self.people if word + "s" in (p.first, p.last)] or \
            [p for p in self.people if fold(word) in {fold(t) for t in p.tokens()}] or self._truncated(word)
        if found:
            return found
        best = {id(p): max((gazetteer.given_name_link(word, f) for f in p.forms()), default=0) for p in self.people}
        for level in (2, 1):
            found = [p for p in self.people if best[id(p)] == level]
            if len(found) > 1:
                return [p for p in found if not p.speaker] or found
            if found:
                return found
        return []

    def _namesake_candidates(self, word: str, candidates: list[Person]) -> list[Person]:
        """A first name two people share (`note_namesakes`): bare, the one the text never set apart by a surname
        ("my Dylan", not Dylan McRae) or who speaks; with "Big" or "Wee" before it, the one with a surname first
        ("The weans call him Big Ciaran, and my boy's the real one")."""
        set_apart = [p for p in candidates if p.last and not p.speaker and p.last != word]
        if self.lead:
            return set_apart or candidates
        return [p for p in candidates if p not in set_apart]

    def _one_of_namesakes(self, word: str, candidates: list[Person]) -> list[Person] | None:
        """Candidates for a bare given name two people share (a big and a wee one, or namesakes the text tells
        apart); None when it is neither of those met so far."""
        if word in self.paired and self.lead_word:
            return self._big_or_wee(candidates) or None
        if word in self.namesakes:
            candidates = self._namesake_candidates(word, candidates)
            if not candidates:
                return None
        if word in self.paired and len(candidates) > 1:
            candidates = self._big_or_wee(candidates)
        return candidates

    def _clergy(self, word: str) -> Person | None:
        """"Father Gerry" then "Father Boyce": the one priest the text names, by given name and by surname."""
        clergy = [p for p in self.people if "clergy" in p.titles]
        if len(clergy) != 1:
            return None
        priest = clergy[0]
        if word in priest.tokens() or any(gazetteer.given_name_link(word, f) for f in priest.forms()):
            return priest
        if priest.first and not priest.last:
            priest.last = word
            return priest
        if priest.last and not priest.first and (gazetteer.is_first_name(word) or gazetteer.is_wide_given_name(word)):
            priest.first = word
            return priest
        return None

    def _big_or_wee(self, candidates: list[Person]) -> list[Person]:
        """A name the text gives a big and a wee one of ("Big Connor", "wee Connor, named after his da"): "big X" is
        the one set apart by a surname, else the one met bare; "wee X" the one met bare when another is set apart,
        else someone new; a bare "X" is never the wee one while another fits."""
        same = [p for p in candidates if p.lead == self.lead_word]
        if self.lead_word and same:
            return same
        free = [p for p in candidates if p.lead is None]
        set_apart = [p for p in candidates if p.last and not p.speaker]
        if self.lead_word == "big":
            return [p for p in free if p in set_apart] or free
        if self.lead_word == "wee":
            return [p for p in free if p not in set_apart] if set_apart else []
        return [p for p in candidates if p.lead != "wee"] or candidates

    def _truncated(self, word: str) -> list[Person]:
        """"Emeka" for Chukwuemeka, "Abdul" for Abdulrahman, "Olu" for Olumide, "Tarasik" for Taras: a word that
        opens or closes exactly one person's given name, or that one of their names opens (`_shortened`), is that
        person when the genders fit."""
        gender = gazetteer.given_name_gender(word)
        short = fold(word)
        found = [p for p in self.people if p.fits(gender) and " " not in p.first and
                 any(_shortened(short, fold(f)) or _shortened(fold(f), short) for f in p.forms())]
        if not found:  # a pet form the lists lack: "Yasi" for Yasaman, "Deccy" for Declan, "Lusky" for Mr Lusk
            found = [p for p in self.people if p.fits(gender) and (
                any(_pet_link(short, fold(f)) for f in p.forms()) or
                (p.last and not gazetteer.is_first_name(word) and is_surname_pet_form(short, fold(p.last))))]
        return found if len(found) == 1 else []

    def _initialled(self, word: str) -> Person | None:
        """"TJ" for Taylor-Jade, "RJ" for Riley-James: the one person whose hyphenated given name it initials."""
        if len(word) != 2 or not word.isalpha():
            return None
        initialled = [p for p in self.people if any(len(parts := f.split("-")) == 2 and parts[0][:1] + parts[1][:1]
                                                    == word for f in p.forms())]
        return initialled[0] if len(initialled) == 1 else None

    def _match_one_word(self, word: str, titled: bool, gender: str | None) -> Person | None:
        """A one-word mention: a surname after a title, else a first name (or a short form of one)."""
        if self.title == "clergy":
            priest = self._clergy(word)
            if priest is not None:
                return priest
        candidates = self._surname_candidates(word, gender) if titled else self._first_name_candidates(word)
        if self.other and titled and self.speaking is not None and candidates == [self.speaking]:
            return None  # "Don't just send a letter to Mrs Bute", said by Shannon Bute: her mother, not herself
        if not titled and candidates:
            candidates = self._one_of_namesakes(word, candidates)
            if candidates is None:
                return None
        if not candidates and not titled and (initialled := self._initialled(word)) is not None:
            return initialled
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
            continue  # (a header's place is kept out of the names where headers are read: labels._add_header)
        for term in [" ".join(words), *words]:
            if len(term) < 2 or term.lower() in allow or gazetteer.is_everyday_word(term) or \
                    term.lower() in NICKNAME_WORDS:  # "Big Isa": "Big" alone is the word
                continue
            if len(term) == 2 and not term[0].isupper():
                continue
            out.append(term)
    return sorted(dict.fromkeys(out), key=len, reverse=True)


def given_name_pattern(terms: list[str]) -> re.Pattern | None:
    if not terms:
        return None
    # a hyphen written or left out ("Al-Khatib", "Alkhatib", "Al Khatib") is one name
    body = "|".join(re.escape(t).replace(r"\ ", r"\s+").replace(r"\-", r"[-‐ ]?") for t in terms)
    # a family by its surname ("the Kerrs") is the name too
    # and two people of one name ("two Kayleighs", "both Ciarans")
    counted = "".join(rf"(?<=\b{w}\s)" + ("|" if w != "twa" else "") for w in ("two", "both", "three", "twa"))
    return re.compile(rf"(?<![\w@.])(?:(?:{counted})(?:{body})s|(?:{body})"
                      rf"(?:s(?=\s+(?:next|up|doon|down|across|were|are|have|had)\b))?)(?!\w)(?!@)", re.I)


def given_name_spans(text: str, pattern: re.Pattern | None, doc=None, lower_names: frozenset[str] = frozenset(),
                     named_in_full: frozenset[str] = frozenset(),
                     word_like: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """Spans of names the file gives. A name that is also a word (Will, Rose, Brown) counts only with a
    capital or where the tagger calls it a proper noun (or a noun, when a cue found it as a name in lower
    case elsewhere in the transcript: `lower_names`, "my man dean"); opening a sentence, only before a verb
    when the transcript names that person in full (`named_in_full`: "Mark Riddell pays... Mark is a good
    dad", but "Mark my words"); `word_like` names count as word names too ("Coral", "coral reef"); initials of
    two letters only as written."""
    if pattern is None:
        return []
    spans = []
    for m in pattern.finditer(text):
        found = m.group()
        if gazetteer.is_word_name(found) or found.lower() in word_like:
            tokens = doc.char_span(m.start(), m.end(), alignment_mode="expand") if doc is not None else None
            if _word_name_used_as_word(found, tokens, lower_names, named_in_full):
                continue
        if len(found) <= 2 and not found.isupper() and not found[0].isupper():
            continue
        if _acronym_or_cased_word(found, doc, m.start(), m.end()):
            continue
        spans.append((m.start(), m.end()))
    return spans


def is_dictionary_word(text: str) -> bool:
    """In the dictionary as it stands or as a plural, whatever the name lists say ("hunter", "banks", "joy")."""
    low = text.lower()
    words = english_words()
    return low in words or (low.endswith("s") and low[:-1] in words) or (low.endswith("es") and low[:-2] in words)


def turn_is_cased(doc) -> bool:
    """A turn typed with capitals: its sentences open with one, and "I" is a capital (no "i think")."""
    if doc is None:
        return False
    openers = [t for t in doc if t.is_alpha and starts_sentence(t)]
    if any(t.text == "i" for t in doc) or not openers:
        return False
    return sum(_capital(t) for t in openers) * 3 >= len(openers) * 2


def _acronym_or_cased_word(found: str, doc, a: int, b: int) -> bool:
    """Not the name though it is spelled so: a month by a number ("12 Dec 2019" beside Declan), in capitals after
    an article ("a wee ISA" beside Big Isa), or, in a turn typed with capitals, a dictionary word in lower case used
    as a common noun ("a bargain hunter" beside Hunter, "nae joy" beside Joy): who types capitals gives a name one."""
    if found.lower() in MONTH_SHORT and doc is not None and \
            (re.search(r"\d\s*$", doc.text[:a]) or re.match(r"\s*\d", doc.text[b:])):
        return True  # "12 Dec 2019" beside a Declan
    if 3 <= len(found) <= 4 and found.isupper() and doc is not None and not doc.text.isupper():
        word = doc.char_span(a, b, alignment_mode="expand")
        before = _before(word[0]) if word is not None and len(word) else None
        if before is not None and (before.pos_ in ("DET", "ADJ", "NUM") or before.lower_ in DETERMINERS or
                                   before.lower_ in NICKNAME_WORDS):
            return True  # a thing with an article: "a wee ISA" (but "I told JACK", "TELL JOHN" are names)
    if not (found.islower() and is_dictionary_word(found) and turn_is_cased(doc)):
        return False
    tokens = doc.char_span(a, b, alignment_mode="expand")
    return tokens is not None and len(tokens) == 1 and _common_noun_use(tokens[0]) and not _thanked(tokens[0])


def _common_noun_in_cased_turn(tok) -> bool:
    """"I got her a teddy fae Home Bargains" in a turn typed with capitals: the word, not Teddy."""
    return tok.text.islower() and is_dictionary_word(tok.text) and _common_noun_use(tok) and turn_is_cased(tok.doc)


def _common_noun_use(tok) -> bool:
    """A lower-case word used as a common noun: after an article, an adjective, a number, a noun or a possessive
    ("a right bargain hunter", "nae joy", "the food banks"), or a plural ("ferns"); not after a verb, "and" or
    "tell", nor opening a sentence ("tell dean", "and hunter's", "jack didnae go")."""
    before = _before(tok)
    if before is None or starts_sentence(tok):
        return False
    if tok.tag_ == "NNS" and tok.lower_.endswith("s"):
        return True
    if before.lower_ in NICKNAME_WORDS:  # "a wee quail" is the bird; "my wee ruby", "tell wee jack" the child
        article = _before(before)
        return article is not None and article.lower_ in ("a", "an", "the", "some", "any", "nae", "no", "this", "that")
    return before.pos_ in ("DET", "ADJ", "NUM", "NOUN") or before.lower_ in DETERMINERS or \
        before.lower_ in ("nae", "no", "some", "any")


def _word_name_used_as_word(found: str, tokens, lower_names: frozenset[str], named_in_full: frozenset[str]) -> bool:
    """"the prices rose", "there's no grace period", "Will I get it back?", "Bill after bill"."""
    low = found.lower()
    bare_name = low in lower_names and tokens is not None and _bare_name_use(tokens)
    if tokens is not None and len(tokens) == 1 and _thanked(tokens[0]):
        return False  # "Thanks, Tanya, thanks dale.": a name the file gives, said to them in lower case
    if not found[0].isupper() and not (tokens and any(t.pos_ == "PROPN" for t in tokens)) and not bare_name:
        return True
    if tokens is None or len(tokens) != 1 or not word_at_sentence_start(tokens[0]) or bare_name:
        return False
    nxt = tokens[0].nbor(1) if tokens[0].i + 1 < len(tokens[0].doc) else None
    if nxt is not None and nxt.text in (".", "!") and found[0].isupper():
        return False  # the name is the whole sentence: "Craig. Two weans." going round the room
    # ("Poppy just asks when mummy's coming": a word name met as a name mid-sentence, then before what she does)
    # (or before a preposition or a comma: "Drew by the way, for whoever's typing", "Mark, he's my brother")
    return not (low in named_in_full and nxt is not None and (nxt.pos_ in ("VERB", "AUX", "ADV", "ADP") or
                                                              nxt.text == "," or nxt.lower_ in SCOTS_AUX)) and \
        not (low in lower_names and verb_follows(tokens[0].doc, tokens[0].idx + len(tokens[0])))  # "Sandy mostly."


def _thanked(token) -> bool:
    """Said to someone at the end of a sentence, after a greeting or thanks: "thanks dale.", "cheers, rose!"."""
    doc = token.doc
    before = doc[token.i - 1] if token.i > 0 and doc[token.i - 1].text != "," else \
        (doc[token.i - 2] if token.i > 1 else None)
    after = doc[token.i + 1].text if token.i + 1 < len(doc) else "."
    return before is not None and before.lower_ in ("thanks", "cheers", "ta", "bye", "hiya", "hi", "hello") and \
        after in (".", "!", "?")


_SEASON_WORDS = {"the", "a", "an", "this", "that", "last", "next", "every", "all", "no", "some", "any", "of", "in",
                 "during", "for", "its", "since", "until", "till", "til", "whole", "through", "aw", "oor", "whit"}


_TO_A_PERSON = {"tell", "telt", "told", "ask", "asked", "phone", "phoned", "text", "texted", "call", "ring", "rang",
                "wi", "wi'", "with", "and", "an", "tae", "to", "see", "saw", "thank", "thanks", "love", "miss", "hug"}


# Verbs and function words only: the tagger often calls an unknown lower-case name an adjective or adverb.
_WORD_CLASSES_NOT_A_NAME = {"AUX", "VERB", "ADP", "SCONJ", "CCONJ", "PART", "DET", "PRON"}


def _bare_name_use(tokens) -> bool:
    """A word name used as a name in lower case ("summer loves the school", "so summer's pal"): no article
    or adjective before it, and a verb, "'s" or the end of the phrase after it."""
    first, last = tokens[0], tokens[-1]
    if any(t.pos_ in _WORD_CLASSES_NOT_A_NAME for t in tokens):
        return False  # "we will need", "prices rose", "jack up the rent", "I hope so": the word, whoever is called so
    doc = first.doc
    before = doc[first.i - 1] if first.i > 0 else None
    after = doc[last.i + 1] if last.i + 1 < len(doc) else None
    if before is not None and before.lower_ in _SEASON_WORDS:
        return False
    if before is not None and before.lower_ in _TO_A_PERSON:
        return True  # "tell dean there's...", "me and summer", "brilliant wi jock" (the tagger calls "wi" ADJ)
    if before is not None and before.pos_ in ("DET", "ADJ", "NUM"):
        return False
    if before is not None and before.lower_ in ("is", "was", "wis") and first.i > 1 and \
            doc[first.i - 2].lower_ not in ("there", "it", "that", "this", "what") and \
            (after is None or after.pos_ in ("ADV", "ADP")):
        return True  # "how old is holly now", "and is holly at the school" (not "there is hope now")
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
    if len(following) > 1 and following[0].lower_ in _ADVERBS_BEFORE_VERB:
        following = following[1:]  # "Poppy just asks when mummy's coming"
    return bool(following) and (following[0].pos_ in ("VERB", "AUX") or following[0].lower_ in STRONG_PERSON_VERBS
                                or following[0].lower_ in SCOTS_AUX)


_ADVERBS_BEFORE_VERB = {"just", "always", "never", "still", "even", "only", "really", "aye", "ay", "ayeways", "aw",
                        "also", "often", "sometimes", "usually"}


_WORD_PREDICATES = {"all", "everything", "nothing", "something", "what", "key", "important", "overrated", "free",
                    "expensive", "dear", "cheap", "coming", "over", "gone", "here"}


def _surname_after(token) -> bool:
    """A capitalised surname follows: common in the UK and Ireland or of a surname's form, and no dictionary word
    or kept name ("Grace Lafferty", "Hope McAllister"; not "Hope Street", "Will Power")."""
    nxt = token.nbor(1) if token.i + 1 < len(token.doc) else None
    return nxt is not None and nxt.is_alpha and nxt.text[:1].isupper() and not nxt.text.isupper() and \
        not is_english_word(nxt.text) and not gazetteer.is_kept(nxt.text) and \
        (gazetteer.is_common_surname(nxt.text) or bool(SURNAME_FORM.match(nxt.text)))


def word_at_sentence_start(token) -> bool:
    """A name that is also a word, opening a sentence with nothing after it that only a person does:
    "Will I get it?", "Bill after bill", "Hope so" (but "Rose said", "Will's pal", "Grace, come here", "Grace
    Lafferty")."""
    if not gazetteer.is_word_name(token.text) or not starts_sentence(token):
        return False
    nxt = token.nbor(1) if token.i + 1 < len(token.doc) else None
    if nxt is None:
        return True
    after = token.nbor(2) if token.i + 2 < len(token.doc) else None
    if nxt.lower_ in ("is", "was", "'s", "’s") and after is not None and after.lower_ in _WORD_PREDICATES:
        return True  # "Hope is all I've got", "Summer is seven weeks"
    if token.pos_ == "PROPN" and nxt.pos_ in ("VERB", "AUX") and token.lower_ not in ("will", "may", "can", "mark"):
        return False  # "Mason eats like a horse"
    if _surname_after(token):
        return False  # "Grace Lafferty, she'd kill me": a surname follows
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


Span = tuple[int, int]
_NOT_NICKNAMED = ("ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "EVENT")  # entity types "Big" or "Wee" may lead
_VERB_CUE_ENTITIES = ("PERSON", "ORG", "GPE", "NORP", "PRODUCT", "WORK_OF_ART", "LOC", "FAC")
_WEAK_VERBS = ("is", "was", "wis", "has", "had", "will", "would", "can", "could", "did", "does", "who")
_AGE_AFTER_VERB = re.compile(r"\s*(?:who|is|'s|’s|was|wis)\b")


def _inside(kept: list[Span], a: int, b: int) -> bool:
    return any(s <= a and b <= e for s, e in kept)


def _after(tok, n: int = 1):
    """The token n places after `tok`, or None at the end of the turn."""
    return tok.doc[tok.i + n] if tok.i + n < len(tok.doc) else None


def _before(tok):
    return tok.doc[tok.i - 1] if tok.i > 0 else None


def _end(tok) -> int:
    return tok.idx + len(tok)


_TEXT_KEY = "triangulate_text"


def doc_text(doc) -> str:
    """The turn's text. spaCy's `doc.text` joins every token's text again at each call (a Token object made
    per token): called per token by the context cues, that was most of the redaction's CPU. Kept in the Doc's
    own `user_data` once made; retokenising never changes a Doc's text."""
    text = doc.user_data.get(_TEXT_KEY)
    if text is None:
        text = doc.user_data[_TEXT_KEY] = doc.text
    return text


def _text_after(tok, width: int = 40) -> str:
    return doc_text(tok.doc)[_end(tok):_end(tok) + width]


def _capital(tok) -> bool:
    return tok.text[:1].isupper()


# "my wee boy Jayden" -------------------------------------------------------------------------------------------
def _determiner_before(doc, k: int) -> bool:
    """Back over adjectives, kin words and possessive chains to a determiner: "my wean's dad", "her big sister"."""
    while k >= 0 and (doc[k].lower_ in MODIFIERS or doc[k].lower_ in KIN or doc[k].text in ("'s", "’s")):
        k -= 1
    return k >= 0 and doc[k].lower_ in DETERMINERS


def _first_after_kin(doc, n: int) -> int:
    """The token a name after a kin word would start at: past more kin words and a comma ("her pal, Shannon")."""
    while n < len(doc) and doc[n].lower_ in KIN:  # "my wee boy's pal" is handled token by token
        n += 1
    if n < len(doc) and doc[n].text in (",", "–", "-"):
        n += 1
    return n


def _names_listed_from(doc, n: int) -> list[Span]:
    """The name at token n and any joined to it: "my weans Jayden and Ruby", "my pals Shannon, Kayleigh and Demi"."""
    runs: list[Span] = []
    while (run := _name_run(doc, n, allow_lower=True)) is not None:
        runs.append(run)
        n = doc.char_span(run[0], run[1], alignment_mode="expand").end
        if not (n + 1 < len(doc) and doc[n].lower_ in ("and", "an", "an'", "&", ",")):
            break
        n += 1
    return runs


def _kin_cue(tok, kept: list[Span]) -> list[Span]:
    if tok.lower_ not in KIN or tok.i == 0 or (_capital(tok) and not starts_sentence(tok)):
        return []
    if not _determiner_before(tok.doc, tok.i - 1):
        return _named_after_indefinite(tok)
    return _names_listed_from(tok.doc, _first_after_kin(tok.doc, tok.i + 1))


def _named_after_indefinite(tok) -> list[Span]:
    """"I've got a pal, Tank, big lump": after "a"/"an" + kin word + comma, a capitalised word set off by commas
    is the pal's name, even a dictionary word (not "a pal, Glasgow City Council" nor a kept place)."""
    doc, k = tok.doc, tok.i - 1
    while k >= 0 and doc[k].lower_ in MODIFIERS:
        k -= 1
    n = tok.i + 1
    if k < 0 or doc[k].lower_ not in ("a", "an") or n + 2 >= len(doc) or doc[n].text != ",":
        return []
    name, after = doc[n + 1], doc[n + 2]
    if not (_capital(name) and name.is_alpha and len(name.text) > 2 and after.text in (",", ".", "-", "–")) or \
            _is_cue_word(name.text) or gazetteer.is_kept(name.text) or name.ent_type_ in ("GPE", "LOC", "FAC"):
        return []
    return [(name.idx, _end(name))]


def _with_me_cue(tok, kept: list[Span]) -> list[Span]:
    """"Me, Florin and our girl", "me and Holly": a capitalised word listed with "me" is someone of the household,
    even a dictionary word the tagger calls a place (not a kept place or brand: "me and Tesco")."""
    doc, n = tok.doc, tok.i + 1
    if tok.lower_ != "me" or n + 1 >= len(doc) or doc[n].lower_ not in (",", "and", "an", "an'", "&"):
        return []
    name = doc[n + 1]
    after = _after(name)
    if not ((_capital(name) and name.is_alpha and len(name.text) > 2) or _lower_case_listed_with_me(name)) or \
            _is_cue_word(name.text) or gazetteer.is_kept(name.text) or _inside(kept, name.idx, _end(name)):
        return []
    joined = after is None or after.is_punct or after.lower_ in ("and", "an", "an'", "&")
    if not joined and after.pos_ not in ("VERB", "AUX"):
        return []
    return [(name.idx, _end(name))]


def _lower_case_listed_with_me(name) -> bool:
    """"me and tj go to the library": in lower case, a word no dictionary has and no stop word."""
    return name.is_alpha and name.text.islower() and len(name.text) >= 2 and not name.is_stop and \
        not is_english_word(name.text) and not gazetteer.is_everyday_word(name.text)


# "wee Ruby", "Big Davie", "Mrs Doherty" --------------------------------------------------------------------------
def _may_be_nicknamed(tok) -> bool:
    """After "wee" or "big": a given name, or a capitalised word that is no dictionary word or named thing."""
    return gazetteer.is_first_name(tok.text) or gazetteer.is_word_name(tok.text) or not (
        is_english_word(tok.text) or tok.ent_type_ in _NOT_NICKNAMED)


def _nickname_by_cue(tok, nxt) -> bool:
    """"Big Ginger fae the scheme lent us a tenner", "Wee Chico's been at the food bank": a capitalised "Big"/"Wee"
    before a capitalised word that is followed by what only a person does, is a nickname even when the word is
    in the dictionary (not "the Big Issue is", which has no person's verb)."""
    return _capital(tok) and _capital(nxt) and nxt.ent_type_ not in _NOT_NICKNAMED and \
        (_person_cue_follows(nxt) or _opens_with_person_verb(nxt) or bool(_HAS_BEEN.match(_text_after(nxt))) or
         _acts_after_nickname(tok, nxt))


def _acts_after_nickname(tok, nxt) -> bool:
    """"Big Hoagie runs the pantry", "Wee Chick helped us": a verb in the past or the third person, no mere "is" or
    "has", after a capitalised "Big"/"Wee" and a capitalised word, with no article before ("the Big Issue sells")."""
    after, before = _after(nxt), _before(tok)
    return after is not None and after.tag_ in ("VBZ", "VBD") and after.lower_ not in _WEAK_VERBS and \
        after.lower_ not in ("'s", "’s") and (before is None or before.lower_ not in ("the", "a", "an", "this", "that"))


_HAS_BEEN = re.compile(r"^\s*(?:['’]s|has|is|was|wis)\s+(?:been|got|aye|always|never|no|nae|still)\b", re.I)


def _is_lower_case_surname_after_title(tok, nxt) -> bool:
    """"mr hamilton", "miss duffy" as typed: a lower-case title, then a surname (a place's name too), a given
    name or a word no dictionary has (but in "i miss jamie", "you'll miss the bus", "miss" is the verb)."""
    if _capital(tok) or _capital(nxt) or tok.lower_ not in FORMAL_TITLES or not nxt.is_alpha or nxt.is_stop or \
            len(nxt.text) < 3 or _is_cue_word(nxt.text):
        return False
    before = _before(tok)
    if tok.lower_ == "miss" and before is not None and before.pos_ in ("PRON", "AUX", "PART", "VERB"):
        return False
    return gazetteer.is_common_surname(nxt.text) or bool(SURNAME_FORM.match(nxt.text)) or \
        _is_any_given_name(nxt.text) or not is_english_word(nxt.text)


NICKNAME_HEADS = {"man", "yin", "fella", "lad", "guy", "wumman", "boy", "lassie", "man's", "yin's"}
CLERGY_TITLES = {"father", "rev", "reverend", "pastor", "imam", "canon"}


def _capitalised_nickname(tok, nxt) -> bool:
    """"the Wee Man", "Big Yin": a capitalised "Wee"/"Big" before a capitalised everyday head noun, mid-sentence,
    is what the family calls someone (lower case, "the wee man", stays a description)."""
    return _capital(tok) and _capital(nxt) and not starts_sentence(tok) and nxt.lower_ in NICKNAME_HEADS


def _clergy_name(tok, nxt) -> bool:
    """"Father Gerry", "Imam Tariq": a clergy title with a capital, before a given name ("Father Christmas" stays)."""
    return tok.lower_ in CLERGY_TITLES and _capital(tok) and _capital(nxt) and \
        (gazetteer.is_first_name(nxt.text) or gazetteer.is_wide_given_name(nxt.text))


_PRONOUN_AFTER = re.compile(r"^\s*[,.;]\s*(?:she|he)(?:['’]s|\s+is|\s+was)\b", re.I)  # ", she's" / ". She's six"


def _place_named_wean(tok, nxt) -> bool:
    """"Wee Paisley, she's four", "wee Skye is three": "wee" before a place's name, with who or how old the
    person is right after, is a child named after the place (the town is never "wee Paisley, she's")."""
    rest = _text_after(nxt)
    return tok.lower_ == "wee" and _capital(nxt) and nxt.is_alpha and gazetteer.is_place(nxt.text) and \
        (bool(_PRONOUN_AFTER.match(rest)) or bool(AGE_CUE.match(rest) and _AGE_AFTER_VERB.match(rest)) or
         _person_cue_follows(nxt))


def _title_cue(tok, kept: list[Span]) -> list[Span]:
    low, nxt = tok.lower_, _after(tok)
    if nxt is not None and _whole_two_word_name(tok, nxt, low):
        return [(tok.idx, _end(nxt))]
    formal = low in FORMAL_TITLES or (low in WORK_TITLES and _capital(tok) and nxt is not None and _capital(nxt))
    if not (formal or low in NICKNAME_WORDS) or nxt is None:
        return []
    if _is_lower_case_surname_after_title(tok, nxt):
        return [(nxt.idx, _end(nxt))]  # a surname after a title wins over a place, as "Mr Govan" does
    if not (_capital(nxt) and _is_name_like(nxt, allow_lower=False)) or (not formal and _acronym(nxt)):
        return []  # (and "a wee ISA" is the savings account)
    if not formal and (gazetteer.is_kept(nxt.text) or not (_may_be_nicknamed(nxt) or _nickname_by_cue(tok, nxt))):
        return []
    run = _name_run(tok.doc, tok.i + 1, allow_lower=False) or (nxt.idx, _end(nxt))
    if (not formal and _inside(kept, *run)) or _inside(kept, tok.idx, run[1]):
        return []  # (a brand with its title: "Mr Kipling", "Dr Oetker")
    if low in NICKNAME_WORDS and _capital(tok):
        run = (tok.idx, run[1])  # "Big Davie" is the nickname; "wee Ruby" is Ruby
    return [run]


def _whole_two_word_name(tok, nxt, low: str) -> bool:
    """Two words that are one name together: a wean named after a place ("Wee Paisley, she's four"), a
    capitalised nickname ("Big Ginger fae the scheme"), a clergy name ("Father Tom")."""
    return (_place_named_wean(tok, nxt) or (low in NICKNAME_WORDS and _capitalised_nickname(tok, nxt))
            or _clergy_name(tok, nxt))


# "wee ruby who's only three" -------------------------------------------------------------------------------------
def _phrase_ends_after(tok) -> bool:
    after = _after(tok)
    return after is None or after.is_punct or after.pos_ in ("VERB", "AUX", "CCONJ") or \
        after.lower_ in ("'s", "’s", "who")


def _wee_age_cue(tok, kept: list[Span]) -> list[Span]:
    nxt = _after(tok)
    if tok.lower_ not in ("wee", "little", "big", "auld") or nxt is None:
        return []
    if tok.lower_ in ("big", "auld") and _apposed_lower_case_nickname(tok, nxt):
        return [(tok.idx, _end(nxt))]  # "big col, that's their da": who he is says it is his name
    if _capital(nxt) or not _is_name_like(nxt, allow_lower=True):
        return []
    if tok.lower_ in ("big", "auld") and not _lower_case_nickname(tok, nxt):
        return []
    if tok.lower_ in ("big", "auld"):
        return [(tok.idx, _end(nxt))]  # "big tam", "auld jock" is the nickname, as "Big Davie" is
    aged = AGE_CUE.match(_text_after(nxt)) and nxt.pos_ not in ("VERB", "AUX", "ADJ", "ADV")
    if aged or (_is_any_given_name(nxt.text) and _phrase_ends_after(nxt) and not _word_after_article(tok, nxt)):
        return [(nxt.idx, _end(nxt))]  # "wee ruby" is Ruby
    return []


def _apposed_lower_case_nickname(tok, nxt) -> bool:
    """"big col, that's their da", "auld shuggie, he's my uncle": "big" or "auld" and one lower-case word, not
    after an article or a possessive, with who the person is right after."""
    before = _before(tok)
    return nxt.is_alpha and nxt.text.islower() and len(nxt.text) > 1 and not nxt.is_stop and \
        not _is_cue_word(nxt.text) and nxt.lower_ not in NICKNAME_HEADS and \
        (before is None or before.pos_ not in ("DET", "PRON", "ADJ", "NUM")) and _apposition_follows(nxt) is not None


def _word_after_article(tok, nxt) -> bool:
    """"she's a wee star", "my wee angel": a name that is also a word, after "a/the/my wee", is the word."""
    before = _before(tok)
    return gazetteer.is_word_name(nxt.text) and before is not None and \
        (before.pos_ in ("DET", "PRON") or before.lower_ in DETERMINERS)


def _lower_case_nickname(tok, nxt) -> bool:
    """"big jock never misses", "auld tam": "big" or "auld" before a given name, as a nickname, not as an adjective
    after an article or a possessive ("a big bill", "the big will-they-won't-they")."""
    before = _before(tok)
    return (before is None or before.pos_ not in ("DET", "PRON", "ADJ", "NUM")) and _is_any_given_name(nxt.text)


# "I was telling Agnes", "tommy fae next door" --------------------------------------------------------------------
def _may_stand_alone(tok) -> bool:
    """On a name list (a wide-list name in lower case only when longer than three letters; a short form from
    diminutives.txt with a capital, and opening a sentence only before what a person does)."""
    text = tok.text
    return tok.is_alpha and (gazetteer.is_first_name(text) or gazetteer.is_word_name(text) or (
        gazetteer.is_wide_given_name(text) and (_capital(tok) or len(text) > 3)) or (
        _capital(tok) and gazetteer.is_short_form(text) and (not starts_sentence(tok) or _person_cue_follows(tok))))


def _kept_place_not_person(tok, kept: list[Span]) -> bool:
    """"George Square", "Victoria Park" stay; a name that is also a place alone ("Skye") is a person only when
    a person's cue follows: "Skye's seven", "Skye said", "Skye wanted tae go". A brand or service stays what it
    is ("Sky wanted forty a month")."""
    a, b = tok.idx, _end(tok)
    if not _inside(kept, a, b):
        return False
    if not gazetteer.is_place(tok.text):
        return True
    nxt = _after(tok)
    strong = nxt is not None and (nxt.lower_ in STRONG_PERSON_VERBS or nxt.pos_ == "VERB")
    return (a, b) not in kept or not (strong or AGE_CUE.match(_text_after(tok)))


def _street_follows(tok) -> bool:
    """"Charlotte Square", "Albert Bridge", "Victoria Infirmary"."""
    after = _after(tok)
    return _capital(tok) and after is not None and _capital(after) and after.lower_ in STREET_HEADS


def _person_cue_follows(tok) -> bool:
    """Something only a person is or does follows: "Rose said", "grace is only two", "Rose fae next door"."""
    if _after(tok) is None:
        return False
    rest = _text_after(tok)
    return bool(_after(tok).lower_ in STRONG_PERSON_VERBS or BORN_CUE.match(rest) or
                (AGE_CUE.match(rest) and _AGE_AFTER_VERB.match(rest)) or FROM_CUE.match(rest))


def _opens_with_person_verb(tok) -> bool:
    """"Rose told me": a proper noun opening a sentence, with a verb in the past or third person after it."""
    after = _after(tok)
    return _capital(tok) and tok.pos_ == "PROPN" and starts_sentence(tok) and after is not None and \
        (after.tag_ in ("VBZ", "VBD") or after.lower_ in STRONG_PERSON_VERBS) and not word_at_sentence_start(tok)


def _in_proper_name(tok) -> bool:
    """Capitalised words on either side: "Summer Programme", "Langside Church"."""
    after, before = _after(tok), _before(tok)
    return (after is not None and _capital(after) and after.is_alpha) or (
        before is not None and _capital(before) and before.is_alpha and not starts_sentence(before)
        and before.lower_ not in TITLE_WORDS and before.lower_ not in NICKNAME_WORDS)


def _word_name_without_cue(tok) -> bool:
    """A name that is also a word ("will", "Grace before meals") counts only where it is plainly a name."""
    if not gazetteer.is_word_name(tok.text) or (_capital(tok) and _surname_after(tok)):
        return False
    cue, opens = _person_cue_follows(tok), _opens_with_person_verb(tok)
    mid_sentence_capital = _capital(tok) and not starts_sentence(tok)
    if not gazetteer.is_first_name(tok.text) and not (cue or opens or (mid_sentence_capital and
                                                                       not _in_proper_name(tok))):
        return True  # a word name inside a longer proper name needs a cue
    return not (mid_sentence_capital and tok.pos_ == "PROPN") and not cue and not opens


def _is_plain_given_name(text: str) -> bool:
    """On a given-name list, no word name, and no word a dictionary has in any case ("aiden", "kirsty"; not
    "josh", "hector", "lee"): a name whatever the tagger calls it."""
    low = text.lower()
    return (gazetteer.is_first_name(low) or gazetteer.is_wide_given_name(low)) and not gazetteer.is_word_name(low) \
        and low not in english_words()


def _lower_case_word_not_name(tok) -> bool:
    """A lower-case stop word or function word, unless a person's cue follows ("holly wants tae"). The small
    model tags lower-case names as verbs and adverbs ("so then aiden goes", "finlay an' me"): a plain given
    name passes unless it is tagged as a function word."""
    if _capital(tok):
        return False
    if not tok.is_stop and tok.pos_ in ("VERB", "ADV") and _is_plain_given_name(tok.text):
        return False
    return (tok.is_stop or tok.pos_ not in ("PROPN", "NOUN", "X", "INTJ", "ADJ")) and \
        not (_person_cue_follows(tok) and tok.pos_ in ("ADV", "VERB", "ADJ", "PROPN", "NOUN"))


def _place_after_preposition(tok) -> bool:
    """"we went to Paris", "a holiday in Jordan" (but "I says to tina": the model guesses)."""
    return tok.ent_type_ in ("GPE", "LOC", "FAC") and tok.i > 0 and \
        tok.doc[tok.i - 1].lower_ in PLACE_PREPOSITIONS and (_capital(tok) or gazetteer.is_place(tok.text))


ORIGIN_VERBS = {"came", "come", "comes", "moved", "fled", "escaped", "arrived", "originally", "migrated"}


def origin_place(tok) -> bool:
    """"I came from Kraków", "we fled fae Aleppo": a capitalised word after a verb of coming + from/fae is where
    someone came from, not a person (unless it is a given name: "a letter came from Tracy")."""
    if tok.i < 2 or not _capital(tok) or tok.doc[tok.i - 1].lower_ not in ("from", "fae", "frae"):
        return False
    return tok.doc[tok.i - 2].lower_ in ORIGIN_VERBS and not gazetteer.is_first_name(tok.text) and \
        not gazetteer.is_wide_given_name(tok.text)


def _acronym(tok) -> bool:
    """"JO" as an acronym (unless the whole turn is in capitals)."""
    return tok.text.isupper() and len(tok.text) > 1 and not doc_text(tok.doc).isupper()


def _missed_surname(nxt, kept: list[Span]) -> bool:
    """"Alistair Humphries": a capitalised surname the model missed."""
    return _capital(nxt) and not starts_sentence(nxt) and _is_name_like(nxt, allow_lower=False) and \
        not _inside(kept, nxt.idx, _end(nxt)) and nxt.lower_ not in ORG_HEADS and \
        (nxt.pos_ == "PROPN" or not is_english_word(nxt.text)) and \
        (nxt.ent_type_ in ("", "PERSON", "ORG", "NORP", "GPE") or nxt.ent_iob_ == "I")


def _lower_case_surname(nxt) -> bool:
    """"jamie smith fae next door": a common or Mc/Mac surname in lower case."""
    return nxt.text.islower() and nxt.is_alpha and not nxt.is_stop and nxt.pos_ not in ("AUX", "ADP", "DET") and \
        (nxt.pos_ != "VERB" or not is_english_word(nxt.text)) and \
        (gazetteer.is_common_surname(nxt.text) or bool(SURNAME_FORM.match(nxt.text)))  # "gerry byrne" (a "verb")


def _standing_name_end(tok, kept: list[Span]) -> int:
    """Where a standing first name ends: past a surname after it, or a namesake's number ("Andrew Two")."""
    nxt = _after(tok)
    if nxt is not None and (
            (_capital(tok) and (_missed_surname(nxt, kept) or nxt.text in ORDINAL_NAMES)) or
            (not _capital(tok) and _lower_case_surname(nxt))):
        return _end(nxt)
    return _end(tok)


def _dropped_g_verb(tok) -> bool:
    """"i was sayin", "it's costin": a lower-case -in' form after a form of "be" is a verb, not a name."""
    low, before = tok.lower_.rstrip("'’"), _before(tok)
    return not _capital(tok) and low.endswith("in") and before is not None and \
        before.lower_ in ("was", "wis", "is", "'s", "’s", "am", "'m", "’m", "are", "'re", "’re", "were", "be", "been") \
        and is_english_word(low + "g")


_LISTED_AGE = re.compile(r"^\s*,\s*(?:aged\s+)?(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
                         r"twelve|thirteen|fourteen|fifteen|sixteen|seventeen)\s*(?:,|\.|;|\band\b|$)", re.I)


def _listed_with_age(tok) -> bool:
    """"Nahom, he is ten, Luwam, seven, and Saba": a capitalised word no dictionary has, outside any kept name,
    with an age alone after a comma, among the children listed before and after it."""
    before = _before(tok)
    return _capital(tok) and tok.is_alpha and len(tok.text) > 2 and not is_english_word(tok.text) and \
        not gazetteer.is_kept(tok.text) and not _acronym(tok) and before is not None and \
        before.text in (",", "and", "an'", "&", ".", ":") and bool(_LISTED_AGE.match(_text_after(tok)))


def _standing_name_cue(tok, kept: list[Span]) -> list[Span]:
    if _listed_with_age(tok) and not _inside(kept, tok.idx, _end(tok)):
        return [(tok.idx, _end(tok))]
    if not _may_stand_alone(tok) or _dropped_g_verb(tok):
        return []
    before = _before(tok)
    if before is not None and before.lower_ in ("st", "st.", "saint"):
        return []  # "St Mungo's", "St Andrew's"
    if tok.ent_type_ == "DATE" and tok.lower_ in MONTH_NAMES:
        return []  # "the rent went up in June"
    if _kept_place_not_person(tok, kept) or _street_follows(tok) or _word_name_without_cue(tok) or \
            _lower_case_word_not_name(tok) or _place_after_preposition(tok) or _acronym(tok) or \
            _common_noun_in_cased_turn(tok):
        return []
    return [(tok.idx, _standing_name_end(tok, kept))]


# "Taylor's dad", "she's called Destiny", "McAllister" --------------------------------------------------------------
def _owner_cue(tok, kept: list[Span]) -> list[Span]:
    doc = tok.doc
    if tok.text not in ("'s", "’s") or tok.i == 0 or tok.i + 1 >= len(doc):
        return []
    k = tok.i + 1
    while k < len(doc) and doc[k].lower_ in MODIFIERS:
        k += 1
    owner = doc[tok.i - 1]
    if k < len(doc) and doc[k].lower_ in KIN and _is_name_like(owner, allow_lower=False) and \
            not gazetteer.is_kept(owner.text) and not _inside(kept, owner.idx, _end(owner)) and \
            (owner.pos_ == "PROPN" or gazetteer.is_first_name(owner.text) or not is_english_word(owner.text)):
        return [(owner.idx, _end(owner))]
    return []


def _called_cue(tok, kept: list[Span]) -> list[Span]:
    nxt = _after(tok)
    if tok.lower_ not in NAMING_WORDS or nxt is None:
        return []
    before = {t.lower_ for t in tok.doc[max(0, tok.i - 3):tok.i]}
    run = _name_run(tok.doc, tok.i + 1, allow_lower=False)
    if run and not _inside(kept, *run) and before & PERSON_WORDS and \
            (gazetteer.is_first_name(nxt.text) or not is_english_word(nxt.text)):
        return [run]  # not "a project called Wet Wheels"
    return []


CALLING_WORDS = {"call", "calls", "called", "cry", "cries", "cried"}


def _call_me_cue(tok, kept: list[Span]) -> list[Span]:
    """"Call me Aga, everybody does", "her nursery calls her Dazy", "everybody calls him Abu Omar", "known as
    Tank": a capitalised word after these is a name, unless it is a kin, family or calendar word ("calls her Mum")
    or a kept place or service."""
    nxt = _after(tok)
    if nxt is None:
        return []
    if not ((tok.lower_ in CALLING_WORDS and nxt.lower_ in ("me", "him", "her", "them", "us")) or
            (tok.lower_, nxt.lower_) in (("known", "as"), ("goes", "by"), ("go", "by"))):
        return []
    start = tok.i + 2
    if start >= len(tok.doc):
        return []
    name = tok.doc[start]
    if _dotted_short_name(name):  # "calls me Mo.": the tokenizer takes "Mo." for an abbreviation
        return [] if _inside(kept, name.idx, _end(name) - 1) else [(name.idx, _end(name) - 1)]
    if not _capital(name) or not _is_name_like(name, allow_lower=False) or name.lower_ in KIN or \
            name.lower_ in KIN_TITLES or name.lower_ in TITLE_WORDS or gazetteer.is_everyday_word(name.text) or \
            gazetteer.is_kept(name.text) or (starts_sentence(name) and not gazetteer.is_first_name(name.text)):
        return []
    run = _name_run(tok.doc, start, allow_lower=False) or (name.idx, _end(name))
    return [] if _inside(kept, *run) else [run]


def _dotted_short_name(name) -> bool:
    """"Mo." at the end of a sentence, one token: a capitalised name of two or three letters and its full stop."""
    core = name.text[:-1]
    return name.text.endswith(".") and core.isalpha() and 2 <= len(core) <= 3 and core[:1].isupper() and \
        core[1:].islower() and not _is_cue_word(core) and not gazetteer.is_kept(core) and core.lower() not in KIN_TITLES


_GREETINGS = {"thanks", "cheers", "ta", "hiya", "hi", "hello", "sorry", "okay", "ok", "right", "alright", "yes",
              "aye", "well", "bye", "morning", "evening", "welcome"}
_NOT_A_NAME_ENTITY = ("NORP", "GPE", "LOC", "LANGUAGE", "ORG", "FAC", "PRODUCT", "DATE", "TIME")


def _named_word(name, *, named: bool = False) -> bool:
    """A capitalised word that can only be a name here: no dictionary, kin, title, kept or filler word, nor a
    nationality, place or language the model sees ("I'm Polish"), unless the words say it is a name (`named`:
    "my Chinese name is Xiaoyan", which the model takes for a nationality)."""
    return (_capital(name) and name.is_alpha and len(name.text) >= 2 and _is_name_like(name, allow_lower=False)
            and name.lower_ not in KIN and name.lower_ not in KIN_TITLES and name.lower_ not in TITLE_WORDS
            and (named or name.ent_type_ not in _NOT_A_NAME_ENTITY) and not gazetteer.is_everyday_word(name.text)
            and not gazetteer.is_kept(name.text)
            and (gazetteer.is_first_name(name.text) or gazetteer.is_wide_given_name(name.text)
                 or not is_english_word(name.text) or name.ent_type_ == "PERSON"))  # the model agrees: "Ling"


_OWNERS = ("my", "her", "his")
_SELF_NAMING = _GREETINGS | {"name", "am", "'m", "’m"}  # the words `_self_named_cue` starts from
_CALENDAR = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
             "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
             "christmas", "easter"}


def _is_found_name(tok) -> bool:
    return tok.ent_type_ == "PERSON" or gazetteer.is_first_name(tok.text) or gazetteer.is_wide_given_name(tok.text)


def _listed_with_name_cue(tok, kept: list[Span]) -> list[Span]:
    """"Two boys, Logan and Cooper": a capitalised word mid-sentence joined by "and" to a name is a name too, even
    a dictionary word (not a kept place or service, a nationality, a month or a day: "Logan and Tesco")."""
    if tok.lower_ not in ("and", "an'", "&") or tok.i == 0 or tok.i + 1 >= len(tok.doc):
        return []
    doc = tok.doc
    prev, nxt = doc[tok.i - 1], doc[tok.i + 1]
    if (prev.i > 0 and _capital(doc[prev.i - 1]) and doc[prev.i - 1].is_alpha and not starts_sentence(prev)) or \
            (nxt.i + 1 < len(doc) and _capital(doc[nxt.i + 1]) and doc[nxt.i + 1].is_alpha):
        return []  # inside a longer proper name: "the Possilpark Parent and Child Centre"
    children = any(t.lower_ in KIN for t in doc[max(0, prev.i - 4):prev.i])  # "the two boys, Clyde and Lennox"
    for name, other in ((nxt, prev), (prev, nxt)):
        if _is_found_name(other) and _capital(other) and _listed_name(name, kept, children):
            return [(name.idx, _end(name))]
    return []


def _listed_name(name, kept: list[Span], children: bool) -> bool:
    """A word beside a name in a list that can be a name too: capitalised mid-sentence, no month or cue word, and
    no place, nationality or kept word unless the list is of weans (a wean named after a place)."""
    if not _capital(name) or starts_sentence(name) or name.lower_ in _CALENDAR or not name.is_alpha or \
            len(name) < 3 or _is_cue_word(name.text):
        return False
    if children and gazetteer.is_place(name.text):
        return True
    return not (name.ent_type_ in ("GPE", "NORP", "LOC", "FAC", "LANGUAGE", "DATE") or gazetteer.is_kept(name.text)
                or _inside(kept, name.idx, _end(name)))


def _self_named_cue(tok, kept: list[Span]) -> list[Span]:
    """"My name is Ling", "I am Ling.", "I'm Tuyet, the mum": a speaker saying their own name; and the one spoken
    to ("Thanks, Ling.", "Cheers, Bao, that's great"): a greeting, a comma, a name, then a stop or a comma."""
    if tok.lower_ not in _SELF_NAMING:
        return []
    doc, i = tok.doc, tok.i
    owner = i - 2 if i > 1 and doc[i - 1].is_alpha and doc[i - 1].lower_ not in _OWNERS else i - 1  # my real name
    if tok.lower_ == "name" and i + 2 < len(doc) and owner >= 0 and doc[owner].lower_ in _OWNERS and \
            doc[i + 1].lower_ in ("is", "'s", "’s"):
        start = i + 2
    elif tok.lower_ in ("am", "'m", "’m") and i > 0 and doc[i - 1].lower_ == "i" and i + 1 < len(doc):
        start = i + 1
    elif tok.lower_ in _GREETINGS and i + 2 < len(doc) and doc[i + 1].text == ",":
        start = i + 2
    else:
        return []
    name = doc[start]
    after = _after(name)
    ends = after is None or after.text in (".", ",", "!", "?", "and", "-", "–")
    if not ends or not _named_word(name, named=tok.lower_ == "name"):
        return []
    return [] if _inside(kept, name.idx, _end(name)) else [(name.idx, _end(name))]


_CALLERS = {"we", "they", "everybody", "everyone", "folk", "people", "i", "she", "he", "weans", "kids", "naebody",
            "nobody", "aw", "all", "the"}


def _called_after_cue(tok, kept: list[Span]) -> list[Span]:
    """"Chanty we call her", "Stevie-boy, they call him": a capitalised name-like word the words after it say is what
    someone is called."""
    doc, k = tok.doc, tok.i + 1
    if k < len(doc) and doc[k].text == ",":
        k += 1
    callers = 0
    while k < len(doc) and doc[k].lower_ in _CALLERS and callers < 2:
        k, callers = k + 1, callers + 1
    if not callers or k + 1 >= len(doc) or doc[k].lower_ not in CALLING_WORDS or \
            doc[k + 1].lower_ not in ("her", "him", "me", "them"):
        return []
    if not _capital(tok) or not _is_name_like(tok, allow_lower=False) or tok.lower_ in KIN or \
            tok.lower_ in KIN_TITLES or tok.lower_ in TITLE_WORDS or gazetteer.is_everyday_word(tok.text) or \
            gazetteer.is_kept(tok.text) or _inside(kept, tok.idx, _end(tok)):
        return []
    return [(tok.idx, _end(tok))]  # a dictionary word too: "Sugar, we call her" is her nickname


def _family_cue(tok, kept: list[Span]) -> list[Span]:
    """"The Hendersons moved out", "the McKenzies downstairs": a family by its surname in the plural, after "the"."""
    before, text = _before(tok), tok.text
    if before is None or before.lower_ != "the" or not _capital(tok) or not tok.is_alpha or len(text) < 5 or \
            not text.endswith("s") or text.isupper():
        return []
    stem = text[:-1]  # a dictionary word as it stands, not by its suffix: "Bonner" is no "bonn" + "-er"
    if stem.lower() in english_words() or text.lower() in english_words() or gazetteer.is_kept(text) or \
            gazetteer.is_kept(stem) or gazetteer.is_everyday_word(stem) or \
            not (gazetteer.is_common_surname(stem) or SURNAME_FORM.match(stem)) or _inside(kept, tok.idx, _end(tok)):
        return []
    return [(tok.idx, _end(tok))]


def _surname_form_cue(tok, kept: list[Span]) -> list[Span]:
    if SURNAME_FORM.match(tok.text) and not gazetteer.is_kept(tok.text) and not _inside(kept, tok.idx, _end(tok)) \
            and (tok.text[:2].lower() in ("mc", "ma", "o'", "o’") or not is_english_word(tok.text)):  # not "Alaska"
        return [(tok.idx, _end(tok))]
    return []


# "Shannon's on Universal Credit", "Davie telt me" -------------------------------------------------------------------
def _may_take_person_verb(tok) -> bool:
    """A capitalised proper noun, no short acronym ("the NI is", "CAB was"), no date or number entity."""
    if not (_capital(tok) and tok.pos_ == "PROPN" and _is_name_like(tok, allow_lower=False)):
        return False
    if tok.text.isupper() and len(tok.text) <= 4:
        return False
    return not tok.ent_type_ or tok.ent_type_ in _VERB_CUE_ENTITIES


def _says_person(tok, verb) -> bool:
    """The verb is one only a person does, or a state a person is in ("'s on", "is pregnant"), or the word is a
    given name; and it is no dictionary word ("Alzheimer's is", "Pilotlight has", "Conference was")."""
    after = _after(tok, 2)
    strong = verb.lower_ in STRONG_PERSON_VERBS or AGE_CUE.match(doc_text(tok.doc)[_end(tok):][:40]) or \
        (verb.lower_ in ("'s", "’s", "is", "was", "wis") and after is not None and after.lower_ in STATE_CUES)
    first = gazetteer.is_first_name(tok.text)
    return bool(strong or first) and (first or not is_english_word(tok.text))


def _person_verb_cue(tok, kept: list[Span]) -> list[Span]:
    verb = _after(tok)
    if not _may_take_person_verb(tok) or verb is None or verb.lower_ not in PERSON_VERBS:
        return []
    if not _says_person(tok, verb):
        return []
    before = _before(tok)
    if before is not None and _capital(before) and before.pos_ == "PROPN":
        return []  # part of a longer proper name ("Citizens Advice is"): the entity rules decide
    after = _after(tok, 2)
    if verb.lower_ in _WEAK_VERBS and after is not None and after.pos_ in ("NOUN", "DET"):
        return []  # "Glasgow is a city", "Covid was a nightmare": too weak a cue on its own
    if gazetteer.is_kept(tok.text) or _inside(kept, tok.idx, _end(tok)):
        return []
    return [(tok.idx, _end(tok))]


# "Gran Tennant's", "Auntie Margaret", "Uncle Stevie" -----------------------------------------------------------------
KIN_TITLES = {"gran", "granny", "nana", "nan", "nanna", "papa", "grandad", "grandpa", "grandma", "auntie", "aunty",
              "aunt", "uncle", "cousin"}


def _kin_title_cue(tok, kept: list[Span]) -> list[Span]:
    """A family word used as a title before a capitalised name: a given name, a surname or no dictionary word."""
    nxt = _after(tok)
    if tok.lower_ not in KIN_TITLES or nxt is None or not _capital(nxt) or not _is_name_like(nxt, allow_lower=False):
        return []
    if gazetteer.is_kept(nxt.text) or (is_english_word(nxt.text) and not gazetteer.is_common_surname(nxt.text)
                                       and not gazetteer.is_first_name(nxt.text) and
                                       not _capitalised_kin_title_name(tok, nxt)):  # "Papa Sandy", "Auntie Rose"
        return []
    run = _name_run(tok.doc, tok.i + 1, allow_lower=False) or (nxt.idx, _end(nxt))
    return [] if _inside(kept, *run) else [run]


def _capitalised_kin_title_name(tok, nxt) -> bool:
    """"Aunty Senna", "Uncle Hawk": a capitalised family title before a capitalised proper noun that is no word name
    (those need their own cue) is what the family calls someone, even if a dictionary has the word."""
    return _capital(tok) and nxt.pos_ == "PROPN" and not gazetteer.is_word_name(nxt.text) and \
        not gazetteer.is_everyday_word(nxt.text) and not gazetteer.is_place(nxt.text)


# "lily-rose was sick", "ellie-mae's birthday" ----------------------------------------------------------------------
def _is_double_name(first, second) -> bool:
    """Both halves given names ("lily-rose"), or, capitalised, one half a given name and the other a place or no
    dictionary word ("Paisley-Rae"; not "Rolls-Royce")."""
    if _is_any_given_name(first.text) and _is_any_given_name(second.text):
        return True
    if not (_capital(first) and _capital(second)):
        return False
    return any(_is_any_given_name(one.text) and (gazetteer.is_place(other.text) or not is_english_word(other.text))
               for one, other in ((first, second), (second, first)))


def _double_name_cue(tok, kept: list[Span]) -> list[Span]:
    """Two given names joined by a hyphen, in any case: a double first name even when both halves are words."""
    hyphen, second = _after(tok), _after(tok, 2)
    if hyphen is None or second is None or hyphen.text != "-" or hyphen.idx != _end(tok) or second.idx != _end(hyphen):
        return []
    whole = f"{tok.text}-{second.text}"
    if not (tok.is_alpha and second.is_alpha and (_is_double_name(tok, second) or
                                                  (_capital(tok) and gazetteer.is_first_name(whole)))):
        return []  # (a hyphenated given name on the lists: "Ka-ho", "Wing-yan")
    before = _before(tok)
    if (before is not None and before.text == "-") or tok.lower_ in MONTH_NAMES or _inside(kept, tok.idx, _end(second)):
        return []
    return [(tok.idx, _end(second))]


# "lennon my brother", "Coral, she's my youngest" ----------------------------------------------------------------
def _apposition_follows(tok) -> bool | None:
    """Who the person is, right after a name: [","] ["she's" | "he was"] my/her/oor [adjectives] kin word. None
    when there is no such phrase; else whether it opened with a pronoun ("Coral, she's my youngest")."""
    doc, k = tok.doc, tok.i + 1
    if k < len(doc) and doc[k].text == ",":
        k += 1
    pronoun = k + 1 < len(doc) and doc[k].lower_ in ("she", "he", "that") and \
        doc[k + 1].lower_ in ("'s", "’s", "is", "was", "wis")  # "big col, that's their da"
    k += 2 if pronoun else 0
    if k >= len(doc) or doc[k].lower_ not in DETERMINERS or doc[k].lower_ == "the":
        return None
    kin = False
    for word in doc[k + 1:]:
        if word.lower_ not in MODIFIERS and word.lower_ not in KIN:
            break
        kin = kin or word.lower_ in KIN
    return pronoun if kin else None


def _may_be_apposed_name(tok, pronoun: bool) -> bool:
    """A name before an apposition: a given name in any case; a capitalised word no dictionary has (a word name
    mid-sentence); after "she's my...", a capitalised proper noun even if it is a word ("Coral")."""
    text, before = tok.text, _before(tok)
    if not tok.is_alpha or len(text) < 2 or tok.is_stop or _is_cue_word(text) or gazetteer.is_kept(text):
        return False
    if before is not None and (before.pos_ in ("DET", "ADJ", "NUM") or before.lower_ in DETERMINERS):
        return False  # "the house my da left"
    if gazetteer.is_first_name(text) or gazetteer.is_wide_given_name(text):
        return True
    if not _capital(tok):
        return False
    if gazetteer.is_word_name(text):
        return pronoun or not starts_sentence(tok)
    return not is_english_word(text) or (pronoun and tok.pos_ in ("PROPN", "NOUN"))


def _introduced_cue(tok, kept: list[Span]) -> list[Span]:
    """"This is Tahani, she's going to interpret for us": a capitalised word introduced to the room, with she or he
    going on about them, is a name, whatever the name lists say."""
    doc, i = tok.doc, tok.i
    if i < 2 or not (_capital(tok) and tok.is_alpha and len(tok.text) >= 2) or \
            doc[i - 1].lower_ not in ("is", "'s", "’s") or doc[i - 2].lower_ not in ("this", "that", "here"):
        return []
    k = i + 2 if i + 1 < len(doc) and doc[i + 1].text == "," else i + 1
    if not (k + 1 < len(doc) and doc[k].lower_ in ("she", "he") and
            doc[k + 1].lower_ in ("'s", "’s", "is", "was", "will", "'ll", "’ll")):
        return []
    if _is_cue_word(tok.text) or gazetteer.is_kept(tok.text) or tok.lower_ in KIN or tok.lower_ in TITLE_WORDS or \
            _inside(kept, tok.idx, _end(tok)):
        return []
    return [(tok.idx, _end(tok))]


def _apposition_cue(tok, kept: list[Span]) -> list[Span]:
    pronoun = _apposition_follows(tok)
    if pronoun is None or not _may_be_apposed_name(tok, pronoun) or _inside(kept, tok.idx, _end(tok)):
        return []
    return [(tok.idx, _end(tok))]


# "Paisley's nine.", "Saffron is eleven, and…": an age alone straight after, then the clause ends
_AGED = re.compile(r"^(?:['’]s|\s+(?:is|was|wis))\s+(?:only\s+|just\s+|nearly\s+|now\s+|still\s+)?"
                   r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
                   r"fifteen|sixteen|seventeen)(?:\s+(?:years?\s+old|now|noo|the\s+now))?\s*(?:[,.;!?)]|$|\s+(?:and|an'|"
                   r"but|in|on)\b)", re.I)
_NOT_AGED = {"the", "a", "an", "this", "that", "these", "those", "each", "every", "which", "what"}


def _aged_cue(tok, kept: list[Span]) -> list[Span]:
    """"Paisley's nine.", "Saffron is eleven": a capitalised name-like word with a child's age alone after it is a
    child, even when it is also a place or a word (a town is never nine); the word is then her name throughout."""
    before = _before(tok)
    if not (_capital(tok) and tok.is_alpha and len(tok.text) > 2 and tok.pos_ in ("PROPN", "NOUN")) or \
            _acronym(tok) or (before is not None and before.lower_ in _NOT_AGED) or \
            not _AGED.match(_text_after(tok)):
        return []
    if any(a < tok.idx or b > _end(tok) for a, b in kept if a < _end(tok) and b > tok.idx):
        return []  # part of a longer kept name ("Royal Alexandra is one…")
    return [(tok.idx, _end(tok))]


# Two capitals that are not a name: benefits, services, school and everyday abbreviations
_TWO_LETTER_ACRONYMS = frozenset(re.findall(
    r"\w+", "UC GP PE TV UK OK ID PC DJ BT EE HR IT AM PM MP MR PA RE SW HV CV CT DV FM EU US DS SG SP PR NI HB CB "
             "ND AA NA IC BB ES JS LA NQ AQ AC DC IV OT SN RC SE QE GA HM AO MA BA FE HE UN EQ XL XS LD OD ED AD BC "
             "TA WI DM PS KS GB MB KB HQ RP CP CF MS MH SU FC ST NB IQ"))
_AT_END = re.compile(r"^\s*(?:[.!?]|$)")


def _initials_name_cue(tok, kept: list[Span]) -> list[Span]:
    """"TJ's da is Lee", "TJ is a wee livewire", "We'll take that bit oot, JJ.", "What about TJ?": two capitals
    someone goes by, where a name stands (no known abbreviation, no dictionary word, not in a turn typed in
    capitals)."""
    text = tok.text
    if not (len(text) == 2 and text.isalpha() and text.isupper()) or text in _TWO_LETTER_ACRONYMS or \
            is_english_word(text.lower()) or gazetteer.is_kept(text) or doc_text(tok.doc).isupper() or \
            _inside(kept, tok.idx, _end(tok)):
        return []
    nxt, before = _after(tok), _before(tok)
    rest = doc_text(tok.doc)[_end(tok):]
    acts = nxt is not None and (nxt.text in ("'s", "’s") or (
        nxt.pos_ in ("VERB", "AUX") and tok.dep_ in ("nsubj", "nsubjpass")))
    called = before is not None and (before.text == "," or before.lower_ in ("about", "and", "wi", "with")) and \
        bool(_AT_END.match(rest))
    return [(tok.idx, _end(tok))] if acts or called else []


@dataclass(frozen=True)
class ContextCue:
    """One rule for finding a name from what surrounds it: `find(token, kept)` gives the name spans the rule
    sees at that token (never inside a kept place, service or brand)."""
    rule: str  # stored as the redaction's rule
    find: Callable
    example: str


# The cues, pass by pass: each pass walks the turn's tokens once, trying its cues in order at each token. Order
# matters: where two spans overlap the first found wins ("Big Davie" by its title before "Davie" alone).
CONTEXT_CUES: tuple[tuple[ContextCue, ...], ...] = (
    (ContextCue("context_kin", _kin_cue, "my wee boy Jayden; her pal, Shannon; my weans Jayden and Ruby"),
     ContextCue("context_title", _title_cue, "wee Ruby; Big Davie; Mrs Doherty"),
     ContextCue("context_age", _wee_age_cue, "wee ruby who's only three; so does wee lily"),
     ContextCue("context_with_me", _with_me_cue, "Me, Florin and our girl; me and Holly"),
     ContextCue("context_aged", _aged_cue, "Paisley's nine; Saffron is eleven"),
     ContextCue("context_initials", _initials_name_cue, "TJ's da; TJ is a wee livewire; cheers, JJ.")),
    (ContextCue("first_name", _standing_name_cue, "I was telling Agnes; tommy fae next door; Alistair Humphries"),),
    (ContextCue("context_owner", _owner_cue, "Taylor's dad; Kai's pal"),
     ContextCue("context_called", _called_cue, "she's called Destiny; his name's Kai; she's cried Senga"),
     ContextCue("context_call_me", _call_me_cue, "call me Aga; her nursery calls her Dazy; known as Tank"),
     ContextCue("context_called_after", _called_after_cue, "Chanty we call her; Stevie-boy, they call him"),
     ContextCue("context_self_named", _self_named_cue, "my name is Ling; I am Ling.; Thanks, Ling."),
     ContextCue("context_listed", _listed_with_name_cue, "Two boys, Logan and Cooper")),
    (ContextCue("surname_form", _surname_form_cue, "McAllister; mcgregor; O'Neill"),
     ContextCue("context_family", _family_cue, "the Hendersons moved out; the Kowalskis next door")),
    (ContextCue("context_verb", _person_verb_cue, "Shannon's on Universal Credit; Davie telt me"),),
    (ContextCue("context_apposition", _apposition_cue, "lennon my brother; Coral, she's my youngest"),
     ContextCue("double_name", _double_name_cue, "lily-rose was sick; ellie-mae's birthday"),
     ContextCue("context_kin_title", _kin_title_cue, "Gran Tennant's; Auntie Margaret; Uncle Stevie"),
     ContextCue("context_introduced", _introduced_cue, "this is Tahani, she's going to interpret")),
)


def context_name_spans(doc, kept: list[Span]) -> list[tuple[int, int, str]]:
    """(start, end, rule) of names found from context, over one parsed turn (the cues: `CONTEXT_CUES`)."""
    found: list[tuple[int, int, str]] = []
    for cues in CONTEXT_CUES:
        for tok in doc:
            for cue in cues:
                found += [(a, b, cue.rule) for a, b in cue.find(tok, kept)]
    return found
